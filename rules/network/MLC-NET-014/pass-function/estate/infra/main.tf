resource "azurerm_service_plan" "scoring" {
  name                = "asp-churn-scoring"
  resource_group_name = "rg-ml"
  location            = "westeurope"
  os_type             = "Linux"
  sku_name            = "EP1"
}

# The same anonymous function, but App Service authentication (Entra ID) stands in front.
resource "azurerm_linux_function_app" "scoring" {
  name                 = "func-churn-scoring"
  resource_group_name  = "rg-ml"
  location             = "westeurope"
  service_plan_id      = azurerm_service_plan.scoring.id
  storage_account_name = "stchurnscoring"
  https_only           = true

  site_config {
    application_stack {
      python_version = "3.11"
    }
  }

  auth_settings_v2 {
    auth_enabled           = true
    require_authentication = true
    unauthenticated_action = "Return401"

    active_directory_v2 {
      client_id            = "00000000-0000-0000-0000-00000000c0de"
      tenant_auth_endpoint = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0"
    }

    login {}
  }
}
