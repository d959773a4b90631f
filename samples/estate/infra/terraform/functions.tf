# Two function apps in front of the churn registry (the workspace's MLflow), deployed by
# .github/workflows/functions.yml from functions/webhook and functions/scoring.

resource "azurerm_service_plan" "functions" {
  name                = "asp-churn-functions"
  resource_group_name = azurerm_resource_group.ml.name
  location            = azurerm_resource_group.ml.location
  os_type             = "Linux"
  sku_name            = "EP1"
}

# The CRM webhook: written in a hurry for a demo. An anonymous route on a public app with
# no authentication and no access restrictions (the provider's defaults), HTTP allowed.
resource "azurerm_linux_function_app" "webhook" {
  name                          = "func-churn-webhook"
  resource_group_name           = azurerm_resource_group.ml.name
  location                      = azurerm_resource_group.ml.location
  service_plan_id               = azurerm_service_plan.functions.id
  storage_account_name          = "stchurnfunctions"
  storage_uses_managed_identity = true

  identity {
    type = "SystemAssigned"
  }

  site_config {
    application_stack {
      python_version = "3.11"
    }
  }

  app_settings = {
    MLFLOW_TRACKING_URI = "azureml://westeurope.api.azureml.ms/mlflow/v1.0/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-churn-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-churn"
  }
}

# The scoring API the CRM backend calls: a function key on the route, Entra ID in front
# (App Service authentication), no public network access (a private endpoint in the
# functions subnet, its DNS zone group), outbound through VNet integration, and a
# user-assigned identity that may read the registry and nothing else.
resource "azurerm_linux_function_app" "scoring" {
  name                          = "func-churn-scoring"
  resource_group_name           = azurerm_resource_group.ml.name
  location                      = azurerm_resource_group.ml.location
  service_plan_id               = azurerm_service_plan.functions.id
  storage_account_name          = "stchurnfunctions"
  storage_uses_managed_identity = true
  https_only                    = true
  public_network_access_enabled = false
  virtual_network_subnet_id     = azurerm_subnet.functions_outbound.id

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.scoring.id]
  }

  key_vault_reference_identity_id = azurerm_user_assigned_identity.scoring.id

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
      client_id            = "6f1d3c2b-8a4e-4d7f-9b0a-1c2d3e4f5a6b"
      tenant_auth_endpoint = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0"
    }

    login {}
  }

  app_settings = {
    MLFLOW_TRACKING_URI = "azureml://westeurope.api.azureml.ms/mlflow/v1.0/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-churn-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-churn"
    AZURE_CLIENT_ID     = azurerm_user_assigned_identity.scoring.client_id
  }
}

# -- identity: the scoring API reads the registry as its own identity ---------------------

resource "azurerm_user_assigned_identity" "scoring" {
  name                = "id-churn-scoring"
  resource_group_name = azurerm_resource_group.ml.name
  location            = azurerm_resource_group.ml.location
}

resource "azurerm_role_assignment" "scoring_reads_registry" {
  scope                = azurerm_machine_learning_workspace.churn.id
  role_definition_name = "AzureML Data Scientist"
  principal_id         = azurerm_user_assigned_identity.scoring.principal_id
  principal_type       = "ServicePrincipal"
}

# -- network: the scoring API is reached only through its private endpoint ----------------

resource "azurerm_virtual_network" "functions" {
  name                = "vnet-churn-functions"
  resource_group_name = azurerm_resource_group.ml.name
  location            = azurerm_resource_group.ml.location
  address_space       = ["10.40.0.0/16"]
}

resource "azurerm_subnet" "functions_inbound" {
  name                 = "snet-functions-inbound"
  resource_group_name  = azurerm_resource_group.ml.name
  virtual_network_name = azurerm_virtual_network.functions.name
  address_prefixes     = ["10.40.1.0/24"]
}

resource "azurerm_subnet" "functions_outbound" {
  name                 = "snet-functions-outbound"
  resource_group_name  = azurerm_resource_group.ml.name
  virtual_network_name = azurerm_virtual_network.functions.name
  address_prefixes     = ["10.40.2.0/24"]

  delegation {
    name = "functions"
    service_delegation {
      name    = "Microsoft.Web/serverFarms"
      actions = ["Microsoft.Network/virtualNetworks/subnets/action"]
    }
  }
}

resource "azurerm_private_dns_zone" "sites" {
  name                = "privatelink.azurewebsites.net"
  resource_group_name = azurerm_resource_group.ml.name
}

resource "azurerm_private_endpoint" "scoring" {
  name                = "pe-func-churn-scoring"
  resource_group_name = azurerm_resource_group.ml.name
  location            = azurerm_resource_group.ml.location
  subnet_id           = azurerm_subnet.functions_inbound.id

  private_service_connection {
    name                           = "func-churn-scoring"
    private_connection_resource_id = azurerm_linux_function_app.scoring.id
    subresource_names              = ["sites"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "sites"
    private_dns_zone_ids = [azurerm_private_dns_zone.sites.id]
  }
}
