# Egress only to approved destinations.

resource "azurerm_machine_learning_workspace" "approved_only" {
  name                          = "mlw-approved"
  location                      = "westeurope"
  resource_group_name           = "rg-ml"
  application_insights_id       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Insights/components/appi-ml"
  key_vault_id                  = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.KeyVault/vaults/kv-ml"
  storage_account_id            = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/stml"
  public_network_access_enabled = false

  managed_network {
    isolation_mode = "AllowOnlyApprovedOutbound"
  }

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_workspace_network_outbound_rule_fqdn" "pypi" {
  name             = "pypi"
  workspace_id     = azurerm_machine_learning_workspace.approved_only.id
  destination_fqdn = "pypi.org"
}

resource "aws_sagemaker_domain" "studio" {
  domain_name             = "studio"
  auth_mode               = "IAM"
  vpc_id                  = "vpc-0a1b2c3d"
  subnet_ids              = ["subnet-0a1b2c3d"]
  app_network_access_type = "VpcOnly"

  default_user_settings {
    execution_role = "arn:aws:iam::123456789012:role/sagemaker-exec"
  }
}

resource "aws_sagemaker_notebook_instance" "explore" {
  name                   = "explore"
  role_arn               = "arn:aws:iam::123456789012:role/sagemaker-exec"
  instance_type          = "ml.t3.medium"
  subnet_id              = "subnet-0a1b2c3d"
  security_groups        = ["sg-0a1b2c3d"]
  direct_internet_access = "Disabled"
}

# Isolated; and one without isolation whose egress its VPC controls.
resource "aws_sagemaker_model" "isolated" {
  name                     = "churn-isolated"
  execution_role_arn       = "arn:aws:iam::123456789012:role/sagemaker-exec"
  enable_network_isolation = true

  primary_container {
    image          = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn:1.4.2"
    model_data_url = "s3://ml-artifacts-123456789012/churn/model.tar.gz"
  }
}

resource "aws_sagemaker_model" "in_vpc" {
  name               = "churn-vpc"
  execution_role_arn = "arn:aws:iam::123456789012:role/sagemaker-exec"

  primary_container {
    image          = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn:1.4.2"
    model_data_url = "s3://ml-artifacts-123456789012/churn/model.tar.gz"
  }

  vpc_config {
    subnets            = ["subnet-0a1b2c3d4e5f60718"]
    security_group_ids = ["sg-0123456789abcdef0"]
  }
}
