# The AKS cluster the runner scale set runs in: its nodes sit in snet-aks of vnet-aks.
resource "azurerm_virtual_network" "aks" {
  name                = "vnet-aks"
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name
  address_space       = ["10.40.0.0/16"]
}

resource "azurerm_subnet" "aks" {
  name                 = "snet-aks"
  resource_group_name  = azurerm_resource_group.ml.name
  virtual_network_name = azurerm_virtual_network.aks.name
  address_prefixes     = ["10.40.0.0/20"]
}

resource "azurerm_kubernetes_cluster" "runners" {
  name                = "aks-ci-runners"
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name
  dns_prefix          = "ci-runners"

  default_node_pool {
    name           = "system"
    node_count     = 2
    vm_size        = "Standard_D4s_v5"
    vnet_subnet_id = azurerm_subnet.aks.id
  }

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_virtual_network" "ml" {
  name                = "vnet-churn"
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name
  address_space       = ["10.10.0.0/16"]
}

resource "azurerm_subnet" "endpoints" {
  name                 = "snet-endpoints"
  resource_group_name  = azurerm_resource_group.ml.name
  virtual_network_name = azurerm_virtual_network.ml.name
  address_prefixes     = ["10.10.2.0/24"]
}

resource "azurerm_private_endpoint" "workspace" {
  name                = "pe-mlw-churn-prod"
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name
  subnet_id           = azurerm_subnet.endpoints.id

  private_service_connection {
    name                           = "mlw-churn-prod"
    private_connection_resource_id = azurerm_machine_learning_workspace.prod.id
    subresource_names              = ["amlworkspace"]
    is_manual_connection           = false
  }
}

# The runners' network is peered with the one holding the workspace's private endpoint.
resource "azurerm_virtual_network_peering" "aks_to_ml" {
  name                      = "aks-to-churn"
  resource_group_name       = azurerm_resource_group.ml.name
  virtual_network_name      = azurerm_virtual_network.aks.name
  remote_virtual_network_id = azurerm_virtual_network.ml.id
}

resource "azurerm_virtual_network_peering" "ml_to_aks" {
  name                      = "churn-to-aks"
  resource_group_name       = azurerm_resource_group.ml.name
  virtual_network_name      = azurerm_virtual_network.ml.name
  remote_virtual_network_id = azurerm_virtual_network.aks.id
}
