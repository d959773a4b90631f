# The Azure Resource Manager service connection the deployment uses: workload identity
# federation with a user-assigned identity, no secret.
resource "azurerm_user_assigned_identity" "deploy" {
  name                = "id-ml-prod-deploy"
  location            = "westeurope"
  resource_group_name = "rg-ml-prod"
}

resource "azuredevops_serviceendpoint_azurerm" "ml_prod" {
  project_id                             = var.project_id
  service_endpoint_name                  = "arm-ml-prod"
  service_endpoint_authentication_scheme = "WorkloadIdentityFederation"
  credentials {
    serviceprincipalid = azurerm_user_assigned_identity.deploy.client_id
  }
  azurerm_spn_tenantid      = var.tenant_id
  azurerm_subscription_id   = var.subscription_id
  azurerm_subscription_name = "ml-prod"
}

resource "azurerm_federated_identity_credential" "deploy" {
  name                = "ado-arm-ml-prod"
  resource_group_name = "rg-ml-prod"
  parent_id           = azurerm_user_assigned_identity.deploy.id
  audience            = ["api://AzureADTokenExchange"]
  issuer              = azuredevops_serviceendpoint_azurerm.ml_prod.workload_identity_federation_issuer
  subject             = azuredevops_serviceendpoint_azurerm.ml_prod.workload_identity_federation_subject
}

variable "project_id" {
  type = string
}

variable "tenant_id" {
  type = string
}

variable "subscription_id" {
  type = string
}
