# The same clusters, private or restricted.

resource "azurerm_kubernetes_cluster" "serving" {
  name                    = "aks-serving"
  location                = "westeurope"
  resource_group_name     = "rg-ml"
  dns_prefix              = "aks-serving"
  private_cluster_enabled = true
  local_account_disabled  = true

  default_node_pool {
    name                   = "system"
    node_count             = 2
    vm_size                = "Standard_D4s_v5"
    node_public_ip_enabled = false
  }

  identity {
    type = "SystemAssigned"
  }

  azure_active_directory_role_based_access_control {
    azure_rbac_enabled = true
  }
}

resource "aws_eks_cluster" "inference" {
  name     = "inference"
  role_arn = "arn:aws:iam::123456789012:role/eks-cluster"

  vpc_config {
    subnet_ids              = ["subnet-0a1b2c3d", "subnet-0e1f2a3b"]
    endpoint_private_access = true
    endpoint_public_access  = false
  }
}

resource "google_container_cluster" "vertex" {
  name               = "serving"
  location           = "europe-west4"
  initial_node_count = 1

  private_cluster_config {
    enable_private_nodes    = true
    enable_private_endpoint = true
    master_ipv4_cidr_block  = "172.16.0.0/28"
  }
}

# Public API server restricted with azurerm 3.x's top-level attribute (before the
# api_server_access_profile block).
resource "azurerm_kubernetes_cluster" "legacy_ranges" {
  name                            = "aks-legacy"
  location                        = "westeurope"
  resource_group_name             = "rg-ml"
  dns_prefix                      = "aks-legacy"
  local_account_disabled          = true
  api_server_authorized_ip_ranges = ["203.0.113.0/24"]

  default_node_pool {
    name       = "system"
    node_count = 2
    vm_size    = "Standard_D4s_v5"
  }

  identity {
    type = "SystemAssigned"
  }

  azure_active_directory_role_based_access_control {
    azure_rbac_enabled = true
  }
}
