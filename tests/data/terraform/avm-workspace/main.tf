terraform {
  required_providers {
    azapi = {
      source  = "Azure/azapi"
      version = "~> 2.0"
    }
  }
}

variable "kind" {
  type    = string
  default = "Default"
}

variable "public_network_access_enabled" {
  type    = bool
  default = false
}

variable "resource_group_id" {
  type = string
}

variable "storage_account_id" {
  type    = string
  default = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/stmlavm"
}

variable "workspace_managed_network" {
  type = object({ isolation_mode = string })
  default = {
    isolation_mode = "AllowInternetOutbound"
  }
}

variable "customer_managed_key" {
  type    = object({ key_vault_resource_id = string, key_name = string })
  default = null
}

locals {
  enable_public_network_access = var.public_network_access_enabled
}

resource "azapi_resource" "this" {
  count     = var.kind == "Default" ? 1 : 0
  type      = "Microsoft.MachineLearningServices/workspaces@2024-10-01"
  name      = "mlw-avm"
  location  = "westeurope"
  parent_id = var.resource_group_id

  identity {
    type = "SystemAssigned"
  }

  body = {
    kind = "Default"
    properties = {
      publicNetworkAccess = local.enable_public_network_access ? "Enabled" : "Disabled"
      storageAccount      = var.storage_account_id
      hbiWorkspace        = true
      encryption = var.customer_managed_key != null ? {
        status = "Enabled"
      } : null
      managedNetwork = {
        isolationMode = var.workspace_managed_network.isolation_mode
      }
    }
  }
}

resource "azapi_resource" "hub" {
  count     = var.kind == "Hub" ? 1 : 0
  type      = "Microsoft.MachineLearningServices/workspaces@2024-10-01"
  name      = "hub-avm"
  parent_id = var.resource_group_id
  body = {
    kind = "Hub"
  }
}

resource "azapi_resource" "endpoint" {
  type      = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2024-04-01"
  name      = "churn-endpoint"
  location  = "westeurope"
  parent_id = azapi_resource.this[0].id
  body = jsonencode({
    properties = {
      authMode            = "Key"
      publicNetworkAccess = "Enabled"
    }
  })
}
