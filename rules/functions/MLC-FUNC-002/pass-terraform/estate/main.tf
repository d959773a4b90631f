# Function apps configured for transport security: none flagged.

resource "azurerm_service_plan" "fn" {
  name                = "asp-scoring"
  resource_group_name = "rg-ml"
  location            = "westeurope"
  os_type             = "Linux"
  sku_name            = "EP1"
}

resource "azurerm_linux_function_app" "score" {
  name                          = "func-churn-score"
  resource_group_name           = "rg-ml"
  location                      = "westeurope"
  service_plan_id               = azurerm_service_plan.fn.id
  storage_account_name          = "stfnscoring"
  storage_uses_managed_identity = true
  https_only                    = true
  public_network_access_enabled = false

  site_config {
    minimum_tls_version = "1.3"
    cors {
      allowed_origins     = ["https://scoring.example.com"]
      support_credentials = true
    }
  }
}

resource "azurerm_windows_function_app" "batch" {
  name                          = "func-churn-batch"
  resource_group_name           = "rg-ml"
  location                      = "westeurope"
  service_plan_id               = azurerm_service_plan.fn.id
  storage_account_name          = "stfnscoring"
  storage_uses_managed_identity = true
  https_only                    = true

  site_config {
    ftps_state               = "Disabled"
    remote_debugging_enabled = false
  }
}

resource "azurerm_function_app" "legacy" {
  name                       = "func-churn-legacy"
  location                   = "westeurope"
  resource_group_name        = "rg-ml"
  app_service_plan_id        = azurerm_service_plan.fn.id
  storage_account_name       = "stfnscoring"
  storage_account_access_key = var.storage_key
  https_only                 = true

  site_config {
    ftps_state      = "FtpsOnly"
    min_tls_version = "1.2"
  }
}

variable "storage_key" {
  type      = string
  sensitive = true
}
