# mlw-silent has no diagnostic setting; mlw-metrics has one that sends metrics only.
resource "azurerm_machine_learning_workspace" "silent" {
  name                    = "mlw-silent"
  location                = "westeurope"
  resource_group_name     = "rg-mlops"
  application_insights_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.Insights/components/appi-mlops"
  key_vault_id            = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.KeyVault/vaults/kv-mlops"
  storage_account_id      = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.Storage/storageAccounts/stmlops"

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_workspace" "metrics" {
  name                    = "mlw-metrics"
  location                = "westeurope"
  resource_group_name     = "rg-mlops"
  application_insights_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.Insights/components/appi-mlops"
  key_vault_id            = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.KeyVault/vaults/kv-mlops"
  storage_account_id      = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.Storage/storageAccounts/stmlops"

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_monitor_diagnostic_setting" "metrics" {
  name                       = "diag-mlw-metrics"
  target_resource_id         = azurerm_machine_learning_workspace.metrics.id
  log_analytics_workspace_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ops/providers/Microsoft.OperationalInsights/workspaces/log-ops"

  metric {
    category = "AllMetrics"
  }
}
