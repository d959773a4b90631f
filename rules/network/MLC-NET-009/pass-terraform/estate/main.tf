resource "azurerm_container_registry" "workspace" {
  name                          = "acrmlworkspace"
  resource_group_name           = "rg-ml"
  location                      = "westeurope"
  sku                           = "Premium"
  admin_enabled                 = false
  public_network_access_enabled = false
}

resource "azurerm_machine_learning_workspace" "ml" {
  name                          = "mlw"
  location                      = "westeurope"
  resource_group_name           = "rg-ml"
  application_insights_id       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Insights/components/appi-ml"
  key_vault_id                  = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.KeyVault/vaults/kv-ml"
  storage_account_id            = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/stml"
  container_registry_id         = azurerm_container_registry.workspace.id
  public_network_access_enabled = false

  identity {
    type = "SystemAssigned"
  }
}
