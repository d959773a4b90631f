resource "azurerm_user_assigned_identity" "score" {
  name                = "id-churn-score"
  location            = "westeurope"
  resource_group_name = "rg-churn"
}

# Keys off everywhere; the identity is granted a data role instead.
resource "azurerm_storage_account" "models" {
  name                      = "stchurnmodels"
  location                  = "westeurope"
  resource_group_name       = "rg-churn"
  account_tier              = "Standard"
  account_replication_type  = "LRS"
  shared_access_key_enabled = false
}

resource "azurerm_role_assignment" "score_blob" {
  scope                = azurerm_storage_account.models.id
  role_definition_name = "Storage Blob Data Reader"
  principal_id         = azurerm_user_assigned_identity.score.principal_id
}

resource "azurerm_container_registry" "ml" {
  name                = "acrchurn"
  location            = "westeurope"
  resource_group_name = "rg-churn"
  sku                 = "Premium"

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.score.id]
  }
}

resource "azurerm_linux_function_app" "score" {
  name                          = "func-churn-score"
  location                      = "westeurope"
  resource_group_name           = "rg-churn"
  service_plan_id               = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-churn/providers/Microsoft.Web/serverFarms/asp-churn"
  storage_account_name          = azurerm_storage_account.models.name
  storage_uses_managed_identity = true
  https_only                    = true

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.score.id]
  }

  app_settings = {
    "MODEL_STORE__blobServiceUri" = "https://stchurnmodels.blob.core.windows.net"
    "MODEL_STORE__credential"     = "managedidentity"
  }

  site_config {}
}
