# Completed: the workspace and the key vault each reached by a private endpoint with a DNS
# zone group; the training subnet guarded by an NSG (association).
resource "azurerm_machine_learning_workspace" "prod" {
  name                          = "mlw-prod"
  location                      = "westeurope"
  resource_group_name           = "rg-mlops"
  application_insights_id       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.Insights/components/appi-mlops"
  key_vault_id                  = azurerm_key_vault.ml.id
  storage_account_id            = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.Storage/storageAccounts/stmlopsprod"
  public_network_access_enabled = false

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_key_vault" "ml" {
  name                          = "kv-mlops-prod"
  location                      = "westeurope"
  resource_group_name           = "rg-mlops"
  tenant_id                     = "00000000-0000-0000-0000-000000000000"
  sku_name                      = "standard"
  public_network_access_enabled = false
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

resource "azurerm_network_security_group" "training" {
  name                = "nsg-training"
  location            = "westeurope"
  resource_group_name = "rg-mlops"
}

resource "azurerm_subnet_network_security_group_association" "training" {
  subnet_id                 = azurerm_subnet.training.id
  network_security_group_id = azurerm_network_security_group.training.id
}

resource "azurerm_private_dns_zone" "aml" {
  name                = "privatelink.api.azureml.ms"
  resource_group_name = "rg-mlops"
}

resource "azurerm_private_endpoint" "mlw" {
  name                = "pe-mlw-prod"
  location            = "westeurope"
  resource_group_name = "rg-mlops"
  subnet_id           = azurerm_subnet.training.id

  private_service_connection {
    name                           = "psc-mlw"
    private_connection_resource_id = azurerm_machine_learning_workspace.prod.id
    subresource_names              = ["amlworkspace"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.aml.id]
  }
}

resource "azurerm_private_endpoint" "kv" {
  name                = "pe-kv-mlops"
  location            = "westeurope"
  resource_group_name = "rg-mlops"
  subnet_id           = azurerm_subnet.training.id

  private_service_connection {
    name                           = "psc-kv"
    private_connection_resource_id = azurerm_key_vault.ml.id
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = ["/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net"]
  }
}

resource "azurerm_machine_learning_compute_cluster" "cpu" {
  name                          = "cpu-cluster"
  location                      = "westeurope"
  vm_priority                   = "Dedicated"
  vm_size                       = "STANDARD_DS3_V2"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.prod.id
  subnet_resource_id            = azurerm_subnet.training.id
  node_public_ip_enabled        = false

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 4
    scale_down_nodes_after_idle_duration = "PT30M"
  }
}

# A workspace with a managed network: Azure ML creates the private endpoints to the key
# vault and storage account it uses (public access off) in that network; none is declared.
resource "azurerm_machine_learning_workspace" "managed" {
  name                          = "mlw-managed"
  location                      = "westeurope"
  resource_group_name           = "rg-mlops"
  application_insights_id       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.Insights/components/appi-mlops"
  key_vault_id                  = azurerm_key_vault.managed.id
  storage_account_id            = azurerm_storage_account.managed.id
  public_network_access_enabled = false

  managed_network {
    isolation_mode = "AllowInternetOutbound"
  }

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_private_endpoint" "managed" {
  name                = "pe-mlw-managed"
  location            = "westeurope"
  resource_group_name = "rg-mlops"
  subnet_id           = azurerm_subnet.training.id

  private_service_connection {
    name                           = "psc-mlw-managed"
    private_connection_resource_id = azurerm_machine_learning_workspace.managed.id
    subresource_names              = ["amlworkspace"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.aml.id]
  }
}

resource "azurerm_key_vault" "managed" {
  name                          = "kv-mlops-managed"
  location                      = "westeurope"
  resource_group_name           = "rg-mlops"
  tenant_id                     = "00000000-0000-0000-0000-000000000000"
  sku_name                      = "standard"
  public_network_access_enabled = false
}

resource "azurerm_storage_account" "managed" {
  name                          = "stmlopsmanaged"
  location                      = "westeurope"
  resource_group_name           = "rg-mlops"
  account_tier                  = "Standard"
  account_replication_type      = "LRS"
  public_network_access_enabled = false
}
