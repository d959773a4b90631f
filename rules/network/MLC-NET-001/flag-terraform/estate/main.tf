# Azure ML, SageMaker and Vertex AI workspaces left on their providers' public defaults.

variable "workspace_public" {
  type        = bool
  description = "No default: the caller decides, so the rule cannot."
}

resource "azurerm_machine_learning_workspace" "default_public" {
  name                    = "mlw-default"
  location                = "westeurope"
  resource_group_name     = "rg-ml"
  application_insights_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Insights/components/appi-ml"
  key_vault_id            = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.KeyVault/vaults/kv-ml"
  storage_account_id      = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/stml"

  identity {
    type = "SystemAssigned"
  }
}

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

resource "azurerm_machine_learning_workspace" "decided_by_caller" {
  name                          = "mlw-caller"
  location                      = "westeurope"
  resource_group_name           = "rg-ml"
  application_insights_id       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Insights/components/appi-ml"
  key_vault_id                  = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.KeyVault/vaults/kv-ml"
  storage_account_id            = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/stml"
  public_network_access_enabled = var.workspace_public

  identity {
    type = "SystemAssigned"
  }
}

# Declared elsewhere: not judged here.
data "azurerm_machine_learning_workspace" "shared" {
  name                = "mlw-shared"
  resource_group_name = "rg-shared"
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

resource "aws_sagemaker_notebook_instance" "explore" {
  name          = "explore"
  role_arn      = "arn:aws:iam::123456789012:role/sagemaker-exec"
  instance_type = "ml.t3.medium"
}

resource "google_workbench_instance" "research" {
  name     = "research"
  location = "europe-west4-a"

  gce_setup {
    machine_type = "n1-standard-4"
  }
}

# The legacy Notebooks API instance: no_public_ip absent, so it gets an external IP.
resource "google_notebooks_instance" "legacy" {
  name         = "legacy-notebook"
  location     = "europe-west4-a"
  machine_type = "n1-standard-4"

  vm_image {
    project      = "deeplearning-platform-release"
    image_family = "tf-latest-cpu"
  }
}
