# Sensitive workspaces whose compute can reach the internet: an NSG allow that wins over
# the deny, a compute outside any network, a firewall whose policy allows every FQDN, and a
# managed network that allows internet outbound.

resource "azurerm_storage_account" "patients" {
  name                     = "stpatients"
  resource_group_name      = "rg-ml"
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "ZRS"

  tags = {
    "data-classification" = "Confidential"
  }
}

resource "azurerm_machine_learning_workspace" "clinical" {
  name                    = "mlw-clinical"
  location                = "westeurope"
  resource_group_name     = "rg-ml"
  application_insights_id = "/subscriptions/0/resourceGroups/rg-ml/providers/Microsoft.Insights/components/appi"
  key_vault_id            = "/subscriptions/0/resourceGroups/rg-ml/providers/Microsoft.KeyVault/vaults/kv"
  storage_account_id      = azurerm_storage_account.patients.id

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_workspace" "open_managed" {
  name                    = "mlw-managed"
  location                = "westeurope"
  resource_group_name     = "rg-ml"
  application_insights_id = "/subscriptions/0/resourceGroups/rg-ml/providers/Microsoft.Insights/components/appi"
  key_vault_id            = "/subscriptions/0/resourceGroups/rg-ml/providers/Microsoft.KeyVault/vaults/kv"
  storage_account_id      = "/subscriptions/0/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/st2"
  high_business_impact    = true

  managed_network {
    isolation_mode = "AllowInternetOutbound"
  }

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_virtual_network" "ml" {
  name                = "vnet-ml"
  location            = "westeurope"
  resource_group_name = "rg-ml"
  address_space       = ["10.20.0.0/16"]
}

resource "azurerm_subnet" "training" {
  name                 = "snet-training"
  resource_group_name  = "rg-ml"
  virtual_network_name = azurerm_virtual_network.ml.name
  address_prefixes     = ["10.20.1.0/24"]
}

resource "azurerm_subnet" "scoring" {
  name                 = "snet-scoring"
  resource_group_name  = "rg-ml"
  virtual_network_name = azurerm_virtual_network.ml.name
  address_prefixes     = ["10.20.2.0/24"]
}

resource "azurerm_subnet" "firewall" {
  name                 = "AzureFirewallSubnet"
  resource_group_name  = "rg-ml"
  virtual_network_name = azurerm_virtual_network.ml.name
  address_prefixes     = ["10.20.254.0/26"]
}

resource "azurerm_network_security_group" "training" {
  name                = "nsg-training"
  location            = "westeurope"
  resource_group_name = "rg-ml"

  security_rule {
    name                       = "AllowHttpsOut"
    priority                   = 100
    direction                  = "Outbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_ranges    = ["443", "8000-9000"]
    source_address_prefix      = "VirtualNetwork"
    destination_address_prefix = "Internet"
  }

  security_rule {
    name                       = "DenyInternetOut"
    priority                   = 4000
    direction                  = "Outbound"
    access                     = "Deny"
    protocol                   = "*"
    source_port_range          = "*"
    destination_port_range     = "*"
    source_address_prefix      = "*"
    destination_address_prefix = "Internet"
  }
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
  machine_learning_workspace_id = azurerm_machine_learning_workspace.clinical.id
  subnet_resource_id            = azurerm_subnet.training.id
  node_public_ip_enabled        = false

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 4
    scale_down_nodes_after_idle_duration = "PT30S"
  }
}

# No subnet: Azure's default outbound access.
resource "azurerm_machine_learning_compute_instance" "notebook" {
  name                          = "ci-analyst"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.clinical.id
  virtual_machine_size          = "STANDARD_DS2_V2"
}

# Scoring egress is forced through the firewall, whose policy allows every FQDN over HTTPS.
resource "azurerm_machine_learning_compute_cluster" "scoring" {
  name                          = "scoring-cluster"
  location                      = "westeurope"
  vm_priority                   = "Dedicated"
  vm_size                       = "STANDARD_DS3_V2"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.clinical.id
  subnet_resource_id            = azurerm_subnet.scoring.id
  node_public_ip_enabled        = false

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 2
    scale_down_nodes_after_idle_duration = "PT30S"
  }
}

resource "azurerm_network_security_group" "scoring" {
  name                = "nsg-scoring"
  location            = "westeurope"
  resource_group_name = "rg-ml"
}

resource "azurerm_subnet_network_security_group_association" "scoring" {
  subnet_id                 = azurerm_subnet.scoring.id
  network_security_group_id = azurerm_network_security_group.scoring.id
}

resource "azurerm_public_ip" "firewall" {
  name                = "pip-fw"
  location            = "westeurope"
  resource_group_name = "rg-ml"
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_firewall_policy" "egress" {
  name                = "afwp-egress"
  resource_group_name = "rg-ml"
  location            = "westeurope"
}

resource "azurerm_firewall_policy_rule_collection_group" "egress" {
  name               = "egress"
  firewall_policy_id = azurerm_firewall_policy.egress.id
  priority           = 500

  application_rule_collection {
    name     = "web"
    priority = 500
    action   = "Allow"

    rule {
      name = "anything-https"
      protocols {
        type = "Https"
        port = 443
      }
      source_addresses  = ["10.20.0.0/16"]
      destination_fqdns = ["*"]
    }
  }

  network_rule_collection {
    name     = "azure"
    priority = 400
    action   = "Allow"

    rule {
      name                  = "aml"
      protocols             = ["TCP"]
      source_addresses      = ["10.20.2.0/24"]
      destination_addresses = ["AzureMachineLearning"]
      destination_ports     = ["443", "8787"]
    }
  }
}

resource "azurerm_firewall" "hub" {
  name                = "afw-hub"
  location            = "westeurope"
  resource_group_name = "rg-ml"
  sku_name            = "AZFW_VNet"
  sku_tier            = "Standard"
  firewall_policy_id  = azurerm_firewall_policy.egress.id

  ip_configuration {
    name                 = "configuration"
    subnet_id            = azurerm_subnet.firewall.id
    public_ip_address_id = azurerm_public_ip.firewall.id
  }
}

resource "azurerm_route_table" "scoring" {
  name                = "rt-scoring"
  location            = "westeurope"
  resource_group_name = "rg-ml"

  route {
    name           = "vnet-local"
    address_prefix = "10.20.0.0/16"
    next_hop_type  = "VnetLocal"
  }

  route {
    name                   = "default-via-firewall"
    address_prefix         = "0.0.0.0/0"
    next_hop_type          = "VirtualAppliance"
    next_hop_in_ip_address = azurerm_firewall.hub.ip_configuration[0].private_ip_address
  }
}

resource "azurerm_subnet_route_table_association" "scoring" {
  subnet_id      = azurerm_subnet.scoring.id
  route_table_id = azurerm_route_table.scoring.id
}
