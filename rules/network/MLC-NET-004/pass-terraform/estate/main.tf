# Computes in a subnet, no public IPs, Entra ID only; a notebook without root.

locals {
  workspace = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw"
  subnet    = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Network/virtualNetworks/vnet-ml/subnets/training"
}

resource "azurerm_machine_learning_compute_instance" "dev" {
  name                          = "ci-dev"
  machine_learning_workspace_id = local.workspace
  virtual_machine_size          = "STANDARD_DS3_V2"
  subnet_resource_id            = local.subnet
  node_public_ip_enabled        = false
  local_auth_enabled            = false
}

resource "azurerm_machine_learning_compute_cluster" "train" {
  name                          = "cpu-cluster"
  location                      = "westeurope"
  machine_learning_workspace_id = local.workspace
  vm_priority                   = "Dedicated"
  vm_size                       = "STANDARD_DS3_V2"
  subnet_resource_id            = local.subnet
  node_public_ip_enabled        = false
  local_auth_enabled            = false
  ssh_public_access_enabled     = false

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 4
    scale_down_nodes_after_idle_duration = "PT30M"
  }
}

resource "aws_sagemaker_notebook_instance" "explore" {
  name                   = "explore"
  role_arn               = "arn:aws:iam::123456789012:role/sagemaker-exec"
  instance_type          = "ml.t3.medium"
  subnet_id              = "subnet-0a1b2c3d"
  security_groups        = ["sg-0a1b2c3d"]
  direct_internet_access = "Disabled"
  root_access            = "Disabled"
}
