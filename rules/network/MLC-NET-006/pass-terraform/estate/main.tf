resource "azurerm_storage_account" "patients" {
  name                     = "stpatients"
  resource_group_name      = "rg-ml"
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "ZRS"

  tags = {
    "data-classification" = "Confidential"
  }
}

resource "azurerm_machine_learning_workspace" "clinical" {
  name                    = "mlw-clinical"
  location                = "westeurope"
  resource_group_name     = "rg-ml"
  application_insights_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Insights/components/appi-ml"
  key_vault_id            = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.KeyVault/vaults/kv-ml"
  storage_account_id      = azurerm_storage_account.patients.id
  high_business_impact    = true

  identity {
    type = "SystemAssigned"
  }

  encryption {
    key_vault_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.KeyVault/vaults/kv-ml"
    key_id       = "https://kv-ml.vault.azure.net/keys/mlw-cmk/0123456789abcdef0123456789abcdef"
  }
}
