# The build agents: an elastic pool on a scale set in the build network. The workspace's
# private endpoint is in the ML network, which is not peered with it.
resource "azurerm_virtual_network" "build" {
  name                = "vnet-build"
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name
  address_space       = ["10.30.0.0/16"]
}

resource "azurerm_subnet" "agents" {
  name                 = "snet-build-agents"
  resource_group_name  = azurerm_resource_group.ml.name
  virtual_network_name = azurerm_virtual_network.build.name
  address_prefixes     = ["10.30.1.0/24"]
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

resource "azurerm_linux_virtual_machine_scale_set" "agents" {
  name                            = "vmss-build-agents"
  resource_group_name             = azurerm_resource_group.ml.name
  location                        = azurerm_resource_group.ml.location
  sku                             = "Standard_D4s_v5"
  instances                       = 0
  admin_username                  = "azureuser"
  disable_password_authentication = true

  admin_ssh_key {
    username   = "azureuser"
    public_key = file("agents.pub")
  }

  source_image_reference {
    publisher = "Canonical"
    offer     = "0001-com-ubuntu-server-jammy"
    sku       = "22_04-lts-gen2"
    version   = "latest"
  }

  os_disk {
    storage_account_type = "Premium_LRS"
    caching              = "ReadOnly"
  }

  network_interface {
    name    = "nic-agents"
    primary = true

    ip_configuration {
      name      = "internal"
      primary   = true
      subnet_id = azurerm_subnet.agents.id
    }
  }
}

resource "azuredevops_elastic_pool" "agents" {
  name                   = "churn-build-agents"
  service_endpoint_id    = var.service_endpoint_id
  service_endpoint_scope = var.project_id
  azure_resource_id      = azurerm_linux_virtual_machine_scale_set.agents.id
  desired_idle           = 1
  max_capacity           = 4
}

variable "service_endpoint_id" {
  type = string
}

variable "project_id" {
  type = string
}
