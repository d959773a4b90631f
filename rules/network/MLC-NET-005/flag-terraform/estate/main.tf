# Storage accounts on the azurerm defaults: one backs an ML workspace.

resource "azurerm_storage_account" "workspace" {
  name                     = "stmlworkspace"
  resource_group_name      = "rg-ml"
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

resource "azurerm_storage_account" "scratch" {
  name                     = "stscratch"
  resource_group_name      = "rg-ml"
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
  min_tls_version          = "TLS1_0"

  network_rules {
    default_action = "Deny"
    ip_rules       = ["203.0.113.0/24"]
  }
}

# Hardened: not flagged.
resource "azurerm_storage_account" "features" {
  name                            = "stfeatures"
  resource_group_name             = "rg-ml"
  location                        = "westeurope"
  account_tier                    = "Standard"
  account_replication_type        = "ZRS"
  allow_nested_items_to_be_public = false
  public_network_access_enabled   = false
  shared_access_key_enabled       = false
  min_tls_version                 = "TLS1_2"
}

# Declared elsewhere: not judged.
data "azurerm_storage_account" "lake" {
  name                = "stlake"
  resource_group_name = "rg-data"
}

resource "azurerm_key_vault" "ml" {
  name                     = "kv-ml"
  location                 = "westeurope"
  resource_group_name      = "rg-ml"
  tenant_id                = "00000000-0000-0000-0000-000000000000"
  sku_name                 = "standard"
  purge_protection_enabled = true
}

resource "azurerm_application_insights" "ml" {
  name                = "appi-ml"
  location            = "westeurope"
  resource_group_name = "rg-ml"
  application_type    = "web"
}

resource "azurerm_machine_learning_workspace" "ml" {
  name                          = "mlw"
  location                      = "westeurope"
  resource_group_name           = "rg-ml"
  application_insights_id       = azurerm_application_insights.ml.id
  key_vault_id                  = azurerm_key_vault.ml.id
  storage_account_id            = azurerm_storage_account.workspace.id
  public_network_access_enabled = false

  identity {
    type = "SystemAssigned"
  }
}
