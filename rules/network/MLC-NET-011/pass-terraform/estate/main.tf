# Hardened: SSH only from the virtual network and a bastion subnet, HTTPS from the internet
# on a web subnet that hosts no ML compute, a deny rule and an outbound rule to 22.
resource "azurerm_network_security_group" "jump" {
  name                = "nsg-jump"
  location            = "westeurope"
  resource_group_name = "rg-mlops"

  security_rule {
    name                       = "AllowSSHFromBastion"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "22"
    source_address_prefixes    = ["10.20.250.0/26", "VirtualNetwork"]
    destination_address_prefix = "*"
  }
  security_rule {
    name                       = "DenyRdpFromInternet"
    priority                   = 110
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "*"
    source_port_range          = "*"
    destination_port_range     = "3389"
    source_address_prefix      = "Internet"
    destination_address_prefix = "*"
  }
  security_rule {
    name                       = "AllowSshOut"
    priority                   = 120
    direction                  = "Outbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "22"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }
}

resource "azurerm_network_security_group" "web" {
  name                = "nsg-web"
  location            = "westeurope"
  resource_group_name = "rg-mlops"

  security_rule {
    name                       = "AllowHttps"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "443"
    source_address_prefix      = "Internet"
    destination_address_prefix = "*"
  }
}

resource "azurerm_network_security_rule" "ping" {
  name                        = "AllowPing"
  priority                    = 200
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Icmp"
  source_port_range           = "*"
  destination_port_range      = "*"
  source_address_prefix       = "*"
  destination_address_prefix  = "*"
  resource_group_name         = "rg-mlops"
  network_security_group_name = azurerm_network_security_group.web.name
}

resource "azurerm_virtual_network" "ml" {
  name                = "vnet-mlops"
  location            = "westeurope"
  resource_group_name = "rg-mlops"
  address_space       = ["10.20.0.0/16"]

  subnet {
    name           = "snet-web"
    address_prefix = "10.20.2.0/24"
    security_group = azurerm_network_security_group.web.id
  }
}

# A web tier scale set that runs no build agents (no elastic pool names it), and a NIC in a
# subnet that hosts nothing of ML: HTTPS and 8080 from the internet are not this rule's.
resource "azurerm_network_security_group" "webtier" {
  name                = "nsg-webtier"
  location            = "westeurope"
  resource_group_name = "rg-mlops"

  security_rule {
    name                       = "AllowWebIn"
    priority                   = 200
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_ranges    = ["443", "8080"]
    source_address_prefix      = "Internet"
    destination_address_prefix = "*"
  }
}

resource "azurerm_subnet" "webtier" {
  name                 = "snet-webtier"
  resource_group_name  = "rg-mlops"
  virtual_network_name = "vnet-web"
  address_prefixes     = ["10.40.5.0/24"]
}

resource "azurerm_windows_virtual_machine_scale_set" "web" {
  name                 = "vmss-web"
  resource_group_name  = "rg-mlops"
  location             = "westeurope"
  sku                  = "Standard_D2s_v5"
  instances            = 2
  admin_username       = "webadmin"
  admin_password       = var.web_admin_password
  computer_name_prefix = "web"

  source_image_reference {
    publisher = "MicrosoftWindowsServer"
    offer     = "WindowsServer"
    sku       = "2022-Datacenter"
    version   = "latest"
  }

  os_disk {
    storage_account_type = "Standard_LRS"
    caching              = "ReadWrite"
  }

  network_interface {
    name                      = "web-nic"
    primary                   = true
    network_security_group_id = azurerm_network_security_group.webtier.id

    ip_configuration {
      name      = "internal"
      primary   = true
      subnet_id = azurerm_subnet.webtier.id
    }
  }
}

variable "web_admin_password" {
  sensitive = true
}

resource "azurerm_network_interface" "web" {
  name                = "nic-web"
  location            = "westeurope"
  resource_group_name = "rg-mlops"

  ip_configuration {
    name                          = "internal"
    subnet_id                     = azurerm_subnet.webtier.id
    private_ip_address_allocation = "Dynamic"
  }
}

resource "azurerm_network_interface_security_group_association" "web" {
  network_interface_id      = azurerm_network_interface.web.id
  network_security_group_id = azurerm_network_security_group.webtier.id
}
