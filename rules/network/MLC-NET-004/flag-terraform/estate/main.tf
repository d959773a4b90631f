# Azure ML computes on the provider defaults, and a SageMaker notebook with root access.

resource "azurerm_machine_learning_compute_instance" "dev" {
  name                          = "ci-dev"
  machine_learning_workspace_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw"
  virtual_machine_size          = "STANDARD_DS3_V2"
}

# No public IP, but local (key) authentication left on (local_auth_enabled defaults to true).
resource "azurerm_machine_learning_compute_cluster" "train" {
  name                          = "cpu-cluster"
  location                      = "westeurope"
  machine_learning_workspace_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw"
  vm_priority                   = "Dedicated"
  vm_size                       = "STANDARD_DS3_V2"
  subnet_resource_id            = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Network/virtualNetworks/vnet-ml/subnets/training"
  node_public_ip_enabled        = false

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 4
    scale_down_nodes_after_idle_duration = "PT30M"
  }

  identity {
    type = "SystemAssigned"
  }
}

# Public IPs and SSH open to the internet.
resource "azurerm_machine_learning_compute_cluster" "open" {
  name                          = "open-cluster"
  location                      = "westeurope"
  machine_learning_workspace_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw"
  vm_priority                   = "LowPriority"
  vm_size                       = "STANDARD_DS3_V2"
  local_auth_enabled            = false
  ssh_public_access_enabled     = true

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 2
    scale_down_nodes_after_idle_duration = "PT30M"
  }

  ssh {
    admin_username = "azureuser"
    key_value      = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC0example azureuser@example"
  }
}

# Attached AKS for inference: public IPs are the cluster's business (MLC-NET-010).
resource "azurerm_machine_learning_inference_cluster" "aks" {
  name                          = "aks-inference"
  location                      = "westeurope"
  cluster_purpose               = "FastProd"
  kubernetes_cluster_id         = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.ContainerService/managedClusters/aks-ml"
  machine_learning_workspace_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw"
}

resource "aws_sagemaker_notebook_instance" "explore" {
  name                   = "explore"
  role_arn               = "arn:aws:iam::123456789012:role/sagemaker-exec"
  instance_type          = "ml.t3.medium"
  subnet_id              = "subnet-0a1b2c3d"
  security_groups        = ["sg-0a1b2c3d"]
  direct_internet_access = "Disabled"
}
