data "azurerm_client_config" "current" {}

locals {
  name = "${var.prefix}-${var.environment}"
  tags = {
    environment           = var.environment
    "data-classification" = "sensitive"
  }
}

resource "azurerm_resource_group" "ml" {
  name     = "rg-${local.name}"
  location = var.location
  tags     = local.tags
}

resource "azurerm_application_insights" "ml" {
  name                = "appi-${local.name}"
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name
  application_type    = "web"
}

module "storage" {
  source              = "./modules/storage"
  name                = "st${var.prefix}${var.environment}"
  resource_group_name = azurerm_resource_group.ml.name
  location            = azurerm_resource_group.ml.location
  tags                = local.tags
}

module "keyvault" {
  source              = "./modules/keyvault"
  name                = "kv-${local.name}"
  resource_group_name = azurerm_resource_group.ml.name
  location            = azurerm_resource_group.ml.location
  tenant_id           = data.azurerm_client_config.current.tenant_id
}

module "network" {
  source  = "Azure/avm-res-network-virtualnetwork/azurerm"
  version = "0.7.1"
  name    = "vnet-${local.name}"
}

resource "azurerm_container_registry" "ml" {
  name                = "cr${var.prefix}${var.environment}"
  resource_group_name = azurerm_resource_group.ml.name
  location            = azurerm_resource_group.ml.location
  sku                 = "Premium"
  admin_enabled       = true
}

resource "azurerm_machine_learning_workspace" "ml" {
  name                    = "mlw-${local.name}"
  location                = azurerm_resource_group.ml.location
  resource_group_name     = azurerm_resource_group.ml.name
  application_insights_id = azurerm_application_insights.ml.id
  key_vault_id            = module.keyvault.id
  storage_account_id      = module.storage.id
  container_registry_id   = azurerm_container_registry.ml.id
  high_business_impact    = true

  identity {
    type = "SystemAssigned"
  }

  tags = local.tags
}

resource "azurerm_machine_learning_compute_cluster" "cpu" {
  name                          = "cpu-cluster"
  location                      = azurerm_resource_group.ml.location
  machine_learning_workspace_id = azurerm_machine_learning_workspace.ml.id
  vm_priority                   = "LowPriority"
  vm_size                       = "Standard_DS3_v2"
  subnet_resource_id            = var.compute_subnet_id
  local_auth_enabled            = false

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 4
    scale_down_nodes_after_idle_duration = "PT30S"
  }

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_compute_instance" "personal" {
  for_each                      = var.instances
  name                          = "ci-${each.key}"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.ml.id
  virtual_machine_size          = each.value.vm_size
  node_public_ip_enabled        = each.key == "bob" ? false : true
}

resource "azurerm_kubernetes_cluster" "inference" {
  name                = "aks-${local.name}"
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name
  dns_prefix          = "aks${var.prefix}"

  default_node_pool {
    name       = "default"
    node_count = 3
    vm_size    = "Standard_D4s_v5"
  }

  api_server_access_profile {
    authorized_ip_ranges = ["203.0.113.0/24"]
  }

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_inference_cluster" "aks" {
  name                          = "aks-inference"
  location                      = azurerm_resource_group.ml.location
  machine_learning_workspace_id = azurerm_machine_learning_workspace.ml.id
  kubernetes_cluster_id         = azurerm_kubernetes_cluster.inference.id
  cluster_purpose               = "FastProd"
}
