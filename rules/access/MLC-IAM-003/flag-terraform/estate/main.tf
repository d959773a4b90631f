resource "azurerm_resource_group" "ml" {
  name     = "rg-churn"
  location = "westeurope"
}

resource "azurerm_application_insights" "ml" {
  name                = "appi-churn"
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name
  application_type    = "web"
}

resource "azurerm_key_vault" "ml" {
  name                = "kv-churn"
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name
  tenant_id           = "00000000-0000-0000-0000-000000000000"
  sku_name            = "standard"
}

# Shared keys on (the azurerm default) though the workspace reaches it with its identity.
resource "azurerm_storage_account" "workspace" {
  name                     = "stchurnws"
  location                 = azurerm_resource_group.ml.location
  resource_group_name      = azurerm_resource_group.ml.name
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

# The registry keeps its admin user beside a user-assigned identity.
resource "azurerm_user_assigned_identity" "acr" {
  name                = "id-acr"
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name
}

resource "azurerm_container_registry" "ml" {
  name                = "acrchurn"
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name
  sku                 = "Premium"
  admin_enabled       = true

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.acr.id]
  }
}

resource "azurerm_machine_learning_workspace" "ml" {
  name                    = "mlw-churn"
  location                = azurerm_resource_group.ml.location
  resource_group_name     = azurerm_resource_group.ml.name
  application_insights_id = azurerm_application_insights.ml.id
  key_vault_id            = azurerm_key_vault.ml.id
  storage_account_id      = azurerm_storage_account.workspace.id
  container_registry_id   = azurerm_container_registry.ml.id

  identity {
    type = "SystemAssigned"
  }
}

# A scoring function app with a system identity, yet an account key in its settings.
resource "azurerm_storage_account" "func" {
  name                            = "stchurnfunc"
  location                        = azurerm_resource_group.ml.location
  resource_group_name             = azurerm_resource_group.ml.name
  account_tier                    = "Standard"
  account_replication_type        = "LRS"
  shared_access_key_enabled       = false
}

resource "azurerm_service_plan" "func" {
  name                = "asp-churn"
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name
  os_type             = "Linux"
  sku_name            = "Y1"
}

resource "azurerm_linux_function_app" "score" {
  name                       = "func-churn-score"
  location                   = azurerm_resource_group.ml.location
  resource_group_name        = azurerm_resource_group.ml.name
  service_plan_id            = azurerm_service_plan.func.id
  storage_account_name       = azurerm_storage_account.func.name
  storage_uses_managed_identity = true
  https_only                 = true

  identity {
    type = "SystemAssigned"
  }

  app_settings = {
    "MODEL_STORE" = "DefaultEndpointsProtocol=https;AccountName=stchurnws;AccountKey=${azurerm_storage_account.workspace.primary_access_key};EndpointSuffix=core.windows.net"
  }

  site_config {}
}

# Not flagged: shared keys on a scratch account nothing with an identity uses.
resource "azurerm_storage_account" "scratch" {
  name                     = "stchurnscratch"
  location                 = azurerm_resource_group.ml.location
  resource_group_name      = azurerm_resource_group.ml.name
  account_tier             = "Standard"
  account_replication_type = "LRS"
}
