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
