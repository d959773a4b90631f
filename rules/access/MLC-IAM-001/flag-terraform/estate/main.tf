data "azurerm_subscription" "current" {}

resource "azurerm_resource_group" "ml" {
  name     = "rg-ml-prod"
  location = "westeurope"
}

# The identity GitHub Actions deploys with (OIDC, no secret).
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

resource "azurerm_role_assignment" "deploy_owner" {
  scope                = data.azurerm_subscription.current.id
  role_definition_name = "Owner"
  principal_id         = azurerm_user_assigned_identity.deploy.principal_id
  principal_type       = "ServicePrincipal"
}

# Azure DevOps service connection, with a custom role granting everything on the group.
resource "azuredevops_serviceendpoint_azurerm" "ml" {
  project_id                             = "ml-platform"
  service_endpoint_name                  = "ml-prod"
  service_endpoint_authentication_scheme = "WorkloadIdentityFederation"
  azurerm_spn_tenantid                   = "00000000-0000-0000-0000-000000000000"
  azurerm_subscription_id                = "00000000-0000-0000-0000-000000000000"
  azurerm_subscription_name              = "ml-prod"
}

resource "azurerm_role_definition" "everything" {
  name  = "ml-everything"
  scope = azurerm_resource_group.ml.id
  permissions {
    actions     = ["*"]
    not_actions = []
  }
  assignable_scopes = [azurerm_resource_group.ml.id]
}

resource "azurerm_role_assignment" "pipeline_custom" {
  scope              = azurerm_resource_group.ml.id
  role_definition_id = azurerm_role_definition.everything.role_definition_resource_id
  principal_id       = azuredevops_serviceendpoint_azurerm.ml.service_principal_id
}

# A guest invited into the tenant, made Contributor on the resource group by GUID.
resource "azuread_invitation" "partner" {
  user_email_address = "jane@partner.example"
  redirect_url       = "https://portal.azure.com"
}

resource "azurerm_role_assignment" "partner_contributor" {
  scope              = "/subscriptions/${data.azurerm_subscription.current.subscription_id}/resourceGroups/rg-ml-prod"
  role_definition_id = "/subscriptions/${data.azurerm_subscription.current.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c"
  principal_id       = azuread_invitation.partner.user_id
  principal_type     = "User"
}

# Not flagged: a reader role for the CI identity, and Owner on one storage account only.
resource "azurerm_storage_account" "models" {
  name                     = "stchurnmodels"
  resource_group_name      = azurerm_resource_group.ml.name
  location                 = azurerm_resource_group.ml.location
  account_tier             = "Standard"
  account_replication_type = "LRS"
  shared_access_key_enabled = false
}

resource "azurerm_role_assignment" "deploy_reader" {
  scope                = data.azurerm_subscription.current.id
  role_definition_name = "Reader"
  principal_id         = azurerm_user_assigned_identity.deploy.principal_id
}

resource "azurerm_role_assignment" "deploy_models_owner" {
  scope                = azurerm_storage_account.models.id
  role_definition_name = "owner"
  principal_id         = azurerm_user_assigned_identity.deploy.principal_id
}
