# Workspaces holding sensitive data, with and without a customer-managed key.

locals {
  insights = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Insights/components/appi-ml"
}

resource "azurerm_key_vault" "ml" {
  name                     = "kv-ml"
  location                 = "westeurope"
  resource_group_name      = "rg-ml"
  tenant_id                = "00000000-0000-0000-0000-000000000000"
  sku_name                 = "premium"
  purge_protection_enabled = true
}

resource "azurerm_storage_account" "patients" {
  name                     = "stpatients"
  resource_group_name      = "rg-ml"
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "ZRS"

  tags = {
    "data-classification" = "Confidential"
    owner                 = "clinical-ml"
  }
}

resource "azurerm_storage_account" "sandbox" {
  name                     = "stsandbox"
  resource_group_name      = "rg-ml"
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"

  tags = {
    env = "dev"
  }
}

# HBI, Microsoft-managed keys.
resource "azurerm_machine_learning_workspace" "hbi" {
  name                    = "mlw-hbi"
  location                = "westeurope"
  resource_group_name     = "rg-ml"
  application_insights_id = local.insights
  key_vault_id            = azurerm_key_vault.ml.id
  storage_account_id      = azurerm_storage_account.sandbox.id
  high_business_impact    = true

  identity {
    type = "SystemAssigned"
  }
}

# Not HBI, but its storage holds confidential data.
resource "azurerm_machine_learning_workspace" "clinical" {
  name                    = "mlw-clinical"
  location                = "westeurope"
  resource_group_name     = "rg-ml"
  application_insights_id = local.insights
  key_vault_id            = azurerm_key_vault.ml.id
  storage_account_id      = azurerm_storage_account.patients.id

  identity {
    type = "SystemAssigned"
  }
}

# HBI with a customer-managed key: not flagged.
resource "azurerm_machine_learning_workspace" "keyed" {
  name                    = "mlw-keyed"
  location                = "westeurope"
  resource_group_name     = "rg-ml"
  application_insights_id = local.insights
  key_vault_id            = azurerm_key_vault.ml.id
  storage_account_id      = azurerm_storage_account.patients.id
  high_business_impact    = true

  identity {
    type = "SystemAssigned"
  }

  encryption {
    key_vault_id = azurerm_key_vault.ml.id
    key_id       = "https://kv-ml.vault.azure.net/keys/mlw-cmk/0123456789abcdef0123456789abcdef"
  }
}

# Neither HBI nor sensitive storage: not flagged.
resource "azurerm_machine_learning_workspace" "sandbox" {
  name                    = "mlw-sandbox"
  location                = "westeurope"
  resource_group_name     = "rg-ml"
  application_insights_id = local.insights
  key_vault_id            = azurerm_key_vault.ml.id
  storage_account_id      = azurerm_storage_account.sandbox.id

  identity {
    type = "SystemAssigned"
  }
}
