# The Azure Resource Manager service connection the deployment uses: a service principal
# with a client secret kept in Azure DevOps.
resource "azuredevops_serviceendpoint_azurerm" "ml_prod" {
  project_id                             = var.project_id
  service_endpoint_name                  = "arm-ml-prod"
  service_endpoint_authentication_scheme = "ServicePrincipal"
  credentials {
    serviceprincipalid  = var.client_id
    serviceprincipalkey = var.client_secret
  }
  azurerm_spn_tenantid      = var.tenant_id
  azurerm_subscription_id   = var.subscription_id
  azurerm_subscription_name = "ml-prod"
}

variable "project_id" {
  type = string
}

variable "client_id" {
  type = string
}

variable "client_secret" {
  type      = string
  sensitive = true
}

variable "tenant_id" {
  type = string
}

variable "subscription_id" {
  type = string
}
