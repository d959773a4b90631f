# Two workspaces: "public" has no private endpoint at all; "half" has public access disabled
# but its only private endpoint targets the key vault, not the workspace.
resource "azurerm_machine_learning_workspace" "public" {
  name                    = "mlw-public"
  location                = "westeurope"
  resource_group_name     = "rg-mlops"
  application_insights_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.Insights/components/appi-mlops"
  key_vault_id            = azurerm_key_vault.ml.id
  storage_account_id      = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.Storage/storageAccounts/stmlops"

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_workspace" "half" {
  name                          = "mlw-half"
  location                      = "westeurope"
  resource_group_name           = "rg-mlops"
  application_insights_id       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.Insights/components/appi-mlops"
  key_vault_id                  = azurerm_key_vault.ml.id
  storage_account_id            = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.Storage/storageAccounts/stmlops"
  public_network_access_enabled = false

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_key_vault" "ml" {
  name                = "kv-mlops"
  location            = "westeurope"
  resource_group_name = "rg-mlops"
  tenant_id           = "00000000-0000-0000-0000-000000000000"
  sku_name            = "standard"
}

resource "azurerm_private_endpoint" "kv" {
  name                = "pe-kv"
  location            = "westeurope"
  resource_group_name = "rg-mlops"
  subnet_id           = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.Network/virtualNetworks/vnet-mlops/subnets/snet-pe"

  private_service_connection {
    name                           = "psc-kv"
    private_connection_resource_id = azurerm_key_vault.ml.id
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }
}
