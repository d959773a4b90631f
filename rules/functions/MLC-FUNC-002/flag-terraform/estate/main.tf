# Function apps that score models, on the azurerm defaults and with weak settings.

resource "azurerm_storage_account" "fn" {
  name                     = "stfnscoring"
  resource_group_name      = "rg-ml"
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

resource "azurerm_service_plan" "fn" {
  name                = "asp-scoring"
  resource_group_name = "rg-ml"
  location            = "westeurope"
  os_type             = "Linux"
  sku_name            = "EP1"
}

# https_only defaults to false: flagged.
resource "azurerm_linux_function_app" "score" {
  name                          = "func-churn-score"
  resource_group_name           = "rg-ml"
  location                      = "westeurope"
  service_plan_id               = azurerm_service_plan.fn.id
  storage_account_name          = azurerm_storage_account.fn.name
  storage_uses_managed_identity = true

  site_config {
    application_stack {
      python_version = "3.11"
    }
  }
}

# HTTPS only, but TLS 1.0, FTP, remote debugging and CORS *: flagged.
resource "azurerm_windows_function_app" "batch" {
  name                          = "func-churn-batch"
  resource_group_name           = "rg-ml"
  location                      = "westeurope"
  service_plan_id               = azurerm_service_plan.fn.id
  storage_account_name          = azurerm_storage_account.fn.name
  storage_uses_managed_identity = true
  https_only                    = true

  site_config {
    minimum_tls_version      = "1.0"
    ftps_state               = "AllAllowed"
    remote_debugging_enabled = true
    remote_debugging_version = "VS2022"

    cors {
      allowed_origins = ["https://portal.azure.com", "*"]
    }
  }
}

# Legacy function app: FTP AllAllowed by default: flagged.
resource "azurerm_function_app" "legacy" {
  name                       = "func-churn-legacy"
  location                   = "westeurope"
  resource_group_name        = "rg-ml"
  app_service_plan_id        = azurerm_service_plan.fn.id
  storage_account_name       = azurerm_storage_account.fn.name
  storage_account_access_key = azurerm_storage_account.fn.primary_access_key
  os_type                    = "linux"
  version                    = "~4"
  https_only                 = true
}

# Hardened: not flagged.
resource "azurerm_linux_function_app" "features" {
  name                          = "func-churn-features"
  resource_group_name           = "rg-ml"
  location                      = "westeurope"
  service_plan_id               = azurerm_service_plan.fn.id
  storage_account_name          = azurerm_storage_account.fn.name
  storage_uses_managed_identity = true
  https_only                    = true

  site_config {
    ftps_state = "FtpsOnly"
  }
}
