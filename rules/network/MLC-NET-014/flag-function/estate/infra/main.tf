resource "azurerm_service_plan" "scoring" {
  name                = "asp-churn-scoring"
  resource_group_name = "rg-ml"
  location            = "westeurope"
  os_type             = "Linux"
  sku_name            = "EP1"
}

# Public network access, no access restrictions, no authentication: the provider defaults.
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
}
