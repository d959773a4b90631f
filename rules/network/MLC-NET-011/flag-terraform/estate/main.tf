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
