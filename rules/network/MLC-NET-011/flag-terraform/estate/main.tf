# A jump host NSG open to SSH from anywhere, the training subnet's NSG (attached by an
# association) admitting HTTPS from the internet, and a standalone RDP rule by range.
resource "azurerm_network_security_group" "jump" {
  name                = "nsg-jump"
  location            = "westeurope"
  resource_group_name = "rg-mlops"

  security_rule {
    name                       = "AllowSSH"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "22"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }
}

resource "azurerm_network_security_group" "training" {
  name                = "nsg-training"
  location            = "westeurope"
  resource_group_name = "rg-mlops"

  security_rule {
    name                       = "AllowBatchNodeManagement"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "29876-29877"
    source_address_prefix      = "BatchNodeManagement"
    destination_address_prefix = "*"
  }
  security_rule {
    name                       = "AllowHttpsFromInternet"
    priority                   = 200
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_ranges    = ["443", "8443"]
    source_address_prefixes    = ["10.20.0.0/16", "Internet"]
    destination_address_prefix = "*"
  }
}

resource "azurerm_network_security_group" "ops" {
  name                = "nsg-ops"
  location            = "westeurope"
  resource_group_name = "rg-mlops"
}

resource "azurerm_network_security_rule" "rdp_range" {
  name                        = "AllowRemoteAdmin"
  priority                    = 310
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "*"
  source_port_range           = "*"
  destination_port_range      = "3300-3400"
  source_address_prefix       = "0.0.0.0/0"
  destination_address_prefix  = "*"
  resource_group_name         = "rg-mlops"
  network_security_group_name = azurerm_network_security_group.ops.name
}

resource "azurerm_virtual_network" "ml" {
  name                = "vnet-mlops"
  location            = "westeurope"
  resource_group_name = "rg-mlops"
  address_space       = ["10.20.0.0/16"]
}

resource "azurerm_subnet" "training" {
  name                 = "snet-training"
  resource_group_name  = "rg-mlops"
  virtual_network_name = azurerm_virtual_network.ml.name
  address_prefixes     = ["10.20.1.0/24"]
}

resource "azurerm_subnet_network_security_group_association" "training" {
  subnet_id                 = azurerm_subnet.training.id
  network_security_group_id = azurerm_network_security_group.training.id
}

resource "azurerm_machine_learning_compute_cluster" "cpu" {
  name                          = "cpu-cluster"
  location                      = "westeurope"
  vm_priority                   = "Dedicated"
  vm_size                       = "STANDARD_DS3_V2"
  machine_learning_workspace_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.MachineLearningServices/workspaces/mlw-prod"
  subnet_resource_id            = azurerm_subnet.training.id
  node_public_ip_enabled        = false

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 4
    scale_down_nodes_after_idle_duration = "PT30M"
  }
}

# Build agents: an Azure DevOps elastic pool runs its agents on this scale set, whose NIC
# configuration names nsg-agents, which admits HTTPS from anywhere.
resource "azurerm_network_security_group" "agents" {
  name                = "nsg-agents"
  location            = "westeurope"
  resource_group_name = "rg-mlops"

  security_rule {
    name                       = "AllowHttpsIn"
    priority                   = 200
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "443"
    source_address_prefix      = "Internet"
    destination_address_prefix = "*"
  }
}

resource "azurerm_subnet" "agents" {
  name                 = "snet-agents"
  resource_group_name  = "rg-mlops"
  virtual_network_name = azurerm_virtual_network.ml.name
  address_prefixes     = ["10.20.5.0/24"]
}

resource "azurerm_linux_virtual_machine_scale_set" "agents" {
  name                            = "vmss-build-agents"
  resource_group_name             = "rg-mlops"
  location                        = "westeurope"
  sku                             = "Standard_D2s_v5"
  instances                       = 0
  admin_username                  = "azureuser"
  disable_password_authentication = true
  overprovision                   = false
  upgrade_mode                    = "Manual"

  admin_ssh_key {
    username   = "azureuser"
    public_key = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC0000000000000000000 agent"
  }

  source_image_reference {
    publisher = "Canonical"
    offer     = "0001-com-ubuntu-server-jammy"
    sku       = "22_04-lts"
    version   = "latest"
  }

  os_disk {
    storage_account_type = "Standard_LRS"
    caching              = "ReadOnly"
  }

  network_interface {
    name                      = "agents-nic"
    primary                   = true
    network_security_group_id = azurerm_network_security_group.agents.id

    ip_configuration {
      name      = "internal"
      primary   = true
      subnet_id = azurerm_subnet.agents.id
    }
  }
}

resource "azuredevops_elastic_pool" "agents" {
  name                   = "mlops-agents"
  service_endpoint_id    = "00000000-0000-0000-0000-000000000001"
  service_endpoint_scope = "00000000-0000-0000-0000-000000000002"
  desired_idle           = 0
  max_capacity           = 4
  azure_resource_id      = azurerm_linux_virtual_machine_scale_set.agents.id
}

# A NIC in the ML subnet whose own NSG admits a web port from anywhere.
resource "azurerm_network_security_group" "nic" {
  name                = "nsg-jupyter-nic"
  location            = "westeurope"
  resource_group_name = "rg-mlops"

  security_rule {
    name                       = "AllowJupyter"
    priority                   = 300
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "8888"
    source_address_prefix      = "0.0.0.0/0"
    destination_address_prefix = "*"
  }
}

resource "azurerm_network_interface" "jupyter" {
  name                = "nic-jupyter"
  location            = "westeurope"
  resource_group_name = "rg-mlops"

  ip_configuration {
    name                          = "internal"
    subnet_id                     = azurerm_subnet.training.id
    private_ip_address_allocation = "Dynamic"
  }
}

resource "azurerm_network_interface_security_group_association" "jupyter" {
  network_interface_id      = azurerm_network_interface.jupyter.id
  network_security_group_id = azurerm_network_security_group.nic.id
}
