# Clusters that serve models, on their providers' public defaults.

resource "azurerm_kubernetes_cluster" "serving" {
  name                = "aks-serving"
  location            = "westeurope"
  resource_group_name = "rg-ml"
  dns_prefix          = "aks-serving"

  default_node_pool {
    name       = "system"
    node_count = 2
    vm_size    = "Standard_D4s_v5"
  }

  identity {
    type = "SystemAssigned"
  }
}

# Private API server, local accounts disabled, RBAC on: not flagged.
resource "azurerm_kubernetes_cluster" "private" {
  name                    = "aks-private"
  location                = "westeurope"
  resource_group_name     = "rg-ml"
  dns_prefix              = "aks-private"
  private_cluster_enabled = true
  local_account_disabled  = true

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

resource "aws_eks_cluster" "inference" {
  name     = "inference"
  role_arn = "arn:aws:iam::123456789012:role/eks-cluster"

  vpc_config {
    subnet_ids = ["subnet-0a1b2c3d", "subnet-0e1f2a3b"]
  }
}

resource "google_container_cluster" "vertex" {
  name               = "serving"
  location           = "europe-west4"
  initial_node_count = 1
}

# The same legacy attribute open to every address: still a public API server.
resource "azurerm_kubernetes_cluster" "legacy_open" {
  name                            = "aks-legacy-open"
  location                        = "westeurope"
  resource_group_name             = "rg-ml"
  dns_prefix                      = "aks-legacy-open"
  local_account_disabled          = true
  api_server_authorized_ip_ranges = ["0.0.0.0/0"]

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
