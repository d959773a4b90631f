# The workspace is reached through a private endpoint (group amlworkspace) with its DNS zone
# group; public access is off.
resource "azurerm_machine_learning_workspace" "prod" {
  name                          = "mlw-prod"
  location                      = "westeurope"
  resource_group_name           = "rg-mlops"
  application_insights_id       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.Insights/components/appi-mlops"
  key_vault_id                  = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.KeyVault/vaults/kv-mlops"
  storage_account_id            = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.Storage/storageAccounts/stmlops"
  public_network_access_enabled = false

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_private_dns_zone" "api" {
  name                = "privatelink.api.azureml.ms"
  resource_group_name = "rg-mlops"
}

resource "azurerm_private_endpoint" "mlw" {
  name                = "pe-mlw-prod"
  location            = "westeurope"
  resource_group_name = "rg-mlops"
  subnet_id           = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.Network/virtualNetworks/vnet-mlops/subnets/snet-pe"

  private_service_connection {
    name                           = "psc-mlw"
    private_connection_resource_id = azurerm_machine_learning_workspace.prod.id
    subresource_names              = ["amlworkspace"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.api.id]
  }
}
