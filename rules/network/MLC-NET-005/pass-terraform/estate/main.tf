# A workspace's storage, closed and Entra-ID-only.

resource "azurerm_storage_account" "workspace" {
  name                            = "stmlworkspace"
  resource_group_name             = "rg-ml"
  location                        = "westeurope"
  account_tier                    = "Standard"
  account_replication_type        = "ZRS"
  allow_nested_items_to_be_public = false
  shared_access_key_enabled       = false
  min_tls_version                 = "TLS1_2"
  https_traffic_only_enabled      = true

  network_rules {
    default_action = "Deny"
    bypass         = ["AzureServices"]
  }
}

resource "azurerm_machine_learning_workspace" "ml" {
  name                          = "mlw"
  location                      = "westeurope"
  resource_group_name           = "rg-ml"
  application_insights_id       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Insights/components/appi-ml"
  key_vault_id                  = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.KeyVault/vaults/kv-ml"
  storage_account_id            = azurerm_storage_account.workspace.id
  public_network_access_enabled = false

  identity {
    type = "SystemAssigned"
  }
}
