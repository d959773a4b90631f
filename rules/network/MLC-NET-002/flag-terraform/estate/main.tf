# Workspaces whose code can reach any address on the internet.

locals {
  insights = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Insights/components/appi-ml"
  vault    = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.KeyVault/vaults/kv-ml"
  storage  = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/stml"
}

variable "isolation" {
  type = string
}

# No managed_network block: no managed isolation at all.
resource "azurerm_machine_learning_workspace" "no_isolation" {
  name                          = "mlw-open"
  location                      = "westeurope"
  resource_group_name           = "rg-ml"
  application_insights_id       = local.insights
  key_vault_id                  = local.vault
  storage_account_id            = local.storage
  public_network_access_enabled = false

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_workspace" "internet_outbound" {
  name                          = "mlw-internet"
  location                      = "westeurope"
  resource_group_name           = "rg-ml"
  application_insights_id       = local.insights
  key_vault_id                  = local.vault
  storage_account_id            = local.storage
  public_network_access_enabled = false

  managed_network {
    isolation_mode = "AllowInternetOutbound"
  }

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_workspace" "approved_only" {
  name                          = "mlw-approved"
  location                      = "westeurope"
  resource_group_name           = "rg-ml"
  application_insights_id       = local.insights
  key_vault_id                  = local.vault
  storage_account_id            = local.storage
  public_network_access_enabled = false

  managed_network {
    isolation_mode = "AllowOnlyApprovedOutbound"
  }

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_workspace" "from_variable" {
  name                          = "mlw-var"
  location                      = "westeurope"
  resource_group_name           = "rg-ml"
  application_insights_id       = local.insights
  key_vault_id                  = local.vault
  storage_account_id            = local.storage
  public_network_access_enabled = false

  managed_network {
    isolation_mode = var.isolation
  }

  identity {
    type = "SystemAssigned"
  }
}

resource "aws_sagemaker_domain" "studio" {
  domain_name = "studio"
  auth_mode   = "IAM"
  vpc_id      = "vpc-0a1b2c3d"
  subnet_ids  = ["subnet-0a1b2c3d"]

  default_user_settings {
    execution_role = "arn:aws:iam::123456789012:role/sagemaker-exec"
  }
}

# In a VPC, but with direct internet access (the default).
resource "aws_sagemaker_notebook_instance" "explore" {
  name            = "explore"
  role_arn        = "arn:aws:iam::123456789012:role/sagemaker-exec"
  instance_type   = "ml.t3.medium"
  subnet_id       = "subnet-0a1b2c3d"
  security_groups = ["sg-0a1b2c3d"]
}

# Neither network isolation (off by default) nor a VPC: the container can call anywhere.
resource "aws_sagemaker_model" "churn" {
  name               = "churn-model"
  execution_role_arn = "arn:aws:iam::123456789012:role/sagemaker-exec"

  primary_container {
    image          = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn:1.4.2"
    model_data_url = "s3://ml-artifacts-123456789012/churn/model.tar.gz"
  }
}
