# The same workspaces, closed to the public internet.

resource "azurerm_machine_learning_workspace" "private" {
  name                          = "mlw-private"
  location                      = "westeurope"
  resource_group_name           = "rg-ml"
  application_insights_id       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Insights/components/appi-ml"
  key_vault_id                  = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.KeyVault/vaults/kv-ml"
  storage_account_id            = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/stml"
  public_network_access_enabled = false

  identity {
    type = "SystemAssigned"
  }
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

resource "google_workbench_instance" "research" {
  name     = "research"
  location = "europe-west4-a"

  gce_setup {
    machine_type      = "n1-standard-4"
    disable_public_ip = true
  }
}

resource "google_notebooks_instance" "legacy" {
  name         = "legacy-notebook"
  location     = "europe-west4-a"
  machine_type = "n1-standard-4"
  no_public_ip = true

  vm_image {
    project      = "deeplearning-platform-release"
    image_family = "tf-latest-cpu"
  }
}
