# Resource logs on: the allLogs category group (current form) for one workspace, a legacy
# log block for the other.
resource "azurerm_machine_learning_workspace" "prod" {
  name                    = "mlw-prod"
  location                = "westeurope"
  resource_group_name     = "rg-mlops"
  application_insights_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.Insights/components/appi-mlops"
  key_vault_id            = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.KeyVault/vaults/kv-mlops"
  storage_account_id      = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.Storage/storageAccounts/stmlops"

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_workspace" "legacy" {
  name                    = "mlw-legacy"
  location                = "westeurope"
  resource_group_name     = "rg-mlops"
  application_insights_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.Insights/components/appi-mlops"
  key_vault_id            = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.KeyVault/vaults/kv-mlops"
  storage_account_id      = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.Storage/storageAccounts/stmlops"

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_monitor_diagnostic_setting" "prod" {
  name                       = "diag-mlw-prod"
  target_resource_id         = azurerm_machine_learning_workspace.prod.id
  log_analytics_workspace_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ops/providers/Microsoft.OperationalInsights/workspaces/log-ops"

  enabled_log {
    category_group = "allLogs"
  }

  metric {
    category = "AllMetrics"
  }
}

resource "azurerm_monitor_diagnostic_setting" "legacy" {
  name               = "diag-mlw-legacy"
  target_resource_id = azurerm_machine_learning_workspace.legacy.id
  storage_account_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ops/providers/Microsoft.Storage/storageAccounts/stopslogs"

  log {
    category = "AmlComputeJobEvent"
  }
}
