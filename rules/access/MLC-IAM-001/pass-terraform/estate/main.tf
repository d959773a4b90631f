data "azurerm_subscription" "current" {}

resource "azurerm_resource_group" "ml" {
  name     = "rg-ml-prod"
  location = "westeurope"
}

resource "azurerm_user_assigned_identity" "deploy" {
  name                = "id-ml-deploy"
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name
}

resource "azurerm_federated_identity_credential" "github_prod" {
  name                = "github-prod"
  resource_group_name = azurerm_resource_group.ml.name
  parent_id           = azurerm_user_assigned_identity.deploy.id
  audience            = ["api://AzureADTokenExchange"]
  issuer              = "https://token.actions.githubusercontent.com"
  subject             = "repo:contoso/churn-platform:environment:prod"
}

resource "azurerm_storage_account" "models" {
  name                      = "stchurnmodels"
  resource_group_name       = azurerm_resource_group.ml.name
  location                  = azurerm_resource_group.ml.location
  account_tier              = "Standard"
  account_replication_type  = "LRS"
  shared_access_key_enabled = false
}

# The CI identity reads the subscription and owns one storage account only.
resource "azurerm_role_assignment" "deploy_reader" {
  scope                = data.azurerm_subscription.current.id
  role_definition_name = "Reader"
  principal_id         = azurerm_user_assigned_identity.deploy.principal_id
}

resource "azurerm_role_assignment" "deploy_models" {
  scope                = azurerm_storage_account.models.id
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = azurerm_user_assigned_identity.deploy.principal_id
}

# A member of the tenant (no #EXT#) as Contributor on the resource group.
data "azuread_user" "alice" {
  user_principal_name = "alice@contoso.example"
}

resource "azurerm_role_assignment" "alice_contributor" {
  scope              = azurerm_resource_group.ml.id
  role_definition_id = "b24988ac-6180-42a0-ab88-20f7382dd24c"
  principal_id       = data.azuread_user.alice.object_id
  principal_type     = "User"
}

# The DevOps service connection gets a custom role that only reads and deploys models.
resource "azuredevops_serviceendpoint_azurerm" "ml" {
  project_id                             = "ml-platform"
  service_endpoint_name                  = "ml-prod"
  service_endpoint_authentication_scheme = "WorkloadIdentityFederation"
  azurerm_spn_tenantid                   = "00000000-0000-0000-0000-000000000000"
  azurerm_subscription_id                = "00000000-0000-0000-0000-000000000000"
  azurerm_subscription_name              = "ml-prod"
}

resource "azurerm_role_definition" "model_deployer" {
  name  = "ml-model-deployer"
  scope = azurerm_resource_group.ml.id
  permissions {
    actions = [
      "Microsoft.MachineLearningServices/workspaces/*/read",
      "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/*",
    ]
    not_actions = []
  }
  assignable_scopes = [azurerm_resource_group.ml.id]
}

resource "azurerm_role_assignment" "pipeline_deployer" {
  scope              = azurerm_resource_group.ml.id
  role_definition_id = azurerm_role_definition.model_deployer.role_definition_resource_id
  principal_id       = azuredevops_serviceendpoint_azurerm.ml.service_principal_id
}
