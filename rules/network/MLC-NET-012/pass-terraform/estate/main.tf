# Sensitive workspaces whose compute cannot reach the internet, and an open one without
# sensitive data.

resource "azurerm_machine_learning_workspace" "clinical" {
  name                    = "mlw-clinical"
  location                = "westeurope"
  resource_group_name     = "rg-ml"
  application_insights_id = "/subscriptions/0/resourceGroups/rg-ml/providers/Microsoft.Insights/components/appi"
  key_vault_id            = "/subscriptions/0/resourceGroups/rg-ml/providers/Microsoft.KeyVault/vaults/kv"
  storage_account_id      = "/subscriptions/0/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/st"
  high_business_impact    = true

  identity {
    type = "SystemAssigned"
  }
}

# Managed network, approved outbound only: its compute instance needs no subnet.
resource "azurerm_machine_learning_workspace" "managed" {
  name                    = "mlw-managed"
  location                = "westeurope"
  resource_group_name     = "rg-ml"
  application_insights_id = "/subscriptions/0/resourceGroups/rg-ml/providers/Microsoft.Insights/components/appi"
  key_vault_id            = "/subscriptions/0/resourceGroups/rg-ml/providers/Microsoft.KeyVault/vaults/kv"
  storage_account_id      = "/subscriptions/0/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/st2"
  high_business_impact    = true

  managed_network {
    isolation_mode = "AllowOnlyApprovedOutbound"
  }

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_compute_instance" "managed" {
  name                          = "ci-managed"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.managed.id
  virtual_machine_size          = "STANDARD_DS2_V2"
}

# No sensitive data: open egress is not this rule's concern.
resource "azurerm_machine_learning_workspace" "sandbox" {
  name                    = "mlw-sandbox"
  location                = "westeurope"
  resource_group_name     = "rg-ml"
  application_insights_id = "/subscriptions/0/resourceGroups/rg-ml/providers/Microsoft.Insights/components/appi"
  key_vault_id            = "/subscriptions/0/resourceGroups/rg-ml/providers/Microsoft.KeyVault/vaults/kv"
  storage_account_id      = "/subscriptions/0/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/st3"
  high_business_impact    = false

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_compute_instance" "sandbox" {
  name                          = "ci-sandbox"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.sandbox.id
  virtual_machine_size          = "STANDARD_DS2_V2"
}


# Training: a deny-all outbound rule and no allow before it.
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

resource "azurerm_virtual_network" "ml" {
  name                = "vnet-ml"
  location            = "westeurope"
  resource_group_name = "rg-ml"
  address_space       = ["10.30.0.0/16"]
}

resource "azurerm_subnet" "training" {
  name                 = "snet-training"
  resource_group_name  = "rg-ml"
  virtual_network_name = azurerm_virtual_network.ml.name
  address_prefixes     = ["10.30.1.0/24"]
}

resource "azurerm_network_security_group" "training" {
  name                = "nsg-training"
  location            = "westeurope"
  resource_group_name = "rg-ml"

  security_rule {
    name                       = "AllowAzureMLOut"
    priority                   = 100
    direction                  = "Outbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_ranges    = ["443", "8787", "18881"]
    source_address_prefix      = "VirtualNetwork"
    destination_address_prefix = "AzureMachineLearning"
  }
}

resource "azurerm_network_security_rule" "deny_internet" {
  name                        = "DenyInternetOutbound"
  priority                    = 4000
  direction                   = "Outbound"
  access                      = "Deny"
  protocol                    = "*"
  source_port_range           = "*"
  destination_port_range      = "*"
  source_address_prefix       = "*"
  destination_address_prefix  = "Internet"
  resource_group_name         = "rg-ml"
  network_security_group_name = azurerm_network_security_group.training.name
}

resource "azurerm_subnet_network_security_group_association" "training" {
  subnet_id                 = azurerm_subnet.training.id
  network_security_group_id = azurerm_network_security_group.training.id
}

# Scoring: 0.0.0.0/0 through the firewall (a standalone route), whose classic rules let the
# subnet reach Azure ML only; the allow-all collection is for another subnet.
resource "azurerm_subnet" "scoring" {
  name                 = "snet-scoring"
  resource_group_name  = "rg-ml"
  virtual_network_name = azurerm_virtual_network.ml.name
  address_prefixes     = ["10.30.2.0/24"]
}

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

resource "azurerm_subnet" "firewall" {
  name                 = "AzureFirewallSubnet"
  resource_group_name  = "rg-ml"
  virtual_network_name = azurerm_virtual_network.ml.name
  address_prefixes     = ["10.30.254.0/26"]
}

resource "azurerm_firewall" "hub" {
  name                = "afw-hub"
  location            = "westeurope"
  resource_group_name = "rg-ml"
  sku_name            = "AZFW_VNet"
  sku_tier            = "Standard"

  ip_configuration {
    name                 = "configuration"
    subnet_id            = azurerm_subnet.firewall.id
    public_ip_address_id = "/subscriptions/0/resourceGroups/rg-ml/providers/Microsoft.Network/publicIPAddresses/pip-fw"
  }
}

resource "azurerm_firewall_network_rule_collection" "azureml" {
  name                = "azureml"
  azure_firewall_name = azurerm_firewall.hub.name
  resource_group_name = "rg-ml"
  priority            = 100
  action              = "Allow"

  rule {
    name                  = "aml"
    source_addresses      = ["10.30.2.0/24"]
    destination_ports     = ["443"]
    destination_addresses = ["AzureMachineLearning", "BatchNodeManagement.westeurope"]
    protocols             = ["TCP"]
  }
}

resource "azurerm_firewall_application_rule_collection" "jumphost" {
  name                = "jumphost-web"
  azure_firewall_name = "afw-hub"
  resource_group_name = "rg-ml"
  priority            = 200
  action              = "Allow"

  rule {
    name             = "anything"
    source_addresses = ["10.30.9.0/24"]
    target_fqdns     = ["*"]

    protocol {
      port = "443"
      type = "Https"
    }
  }
}

resource "azurerm_route_table" "scoring" {
  name                = "rt-scoring"
  location            = "westeurope"
  resource_group_name = "rg-ml"
}

resource "azurerm_route" "default" {
  name                   = "default-via-firewall"
  resource_group_name    = "rg-ml"
  route_table_name       = azurerm_route_table.scoring.name
  address_prefix         = "0.0.0.0/0"
  next_hop_type          = "VirtualAppliance"
  next_hop_in_ip_address = azurerm_firewall.hub.ip_configuration[0].private_ip_address
}

resource "azurerm_subnet_route_table_association" "scoring" {
  subnet_id      = azurerm_subnet.scoring.id
  route_table_id = azurerm_route_table.scoring.id
}
