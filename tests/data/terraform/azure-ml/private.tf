# A second, locked-down workspace beside the first (same storage and vault).
resource "azurerm_machine_learning_workspace" "private" {
  name                          = "mlw-${local.name}-private"
  location                      = azurerm_resource_group.ml.location
  resource_group_name           = azurerm_resource_group.ml.name
  application_insights_id       = azurerm_application_insights.ml.id
  key_vault_id                  = module.keyvault.id
  storage_account_id            = module.storage.id
  public_network_access_enabled = false

  managed_network {
    isolation_mode = "AllowOnlyApprovedOutbound"
  }

  encryption {
    key_vault_id = module.keyvault.id
    key_id       = "https://kv-mlops-prod.vault.azure.net/keys/cmk/0123456789abcdef0123456789abcdef"
  }

  identity {
    type = "SystemAssigned"
  }
}
