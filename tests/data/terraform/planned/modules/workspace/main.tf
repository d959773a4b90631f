variable "storage_account_id" { type = string }
variable "public" { type = bool }

resource "azurerm_machine_learning_workspace" "this" {
  name                          = "mlw-planned"
  location                      = "westeurope"
  resource_group_name           = "rg-planned"
  application_insights_id       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-planned/providers/Microsoft.Insights/components/appi"
  key_vault_id                  = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-planned/providers/Microsoft.KeyVault/vaults/kv-planned"
  storage_account_id            = var.storage_account_id
  public_network_access_enabled = var.public
  identity {
    type = "SystemAssigned"
  }
}
