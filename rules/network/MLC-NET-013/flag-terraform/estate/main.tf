# The workspace turned public access off but no private endpoint reaches it; the key
# vault's endpoint has no DNS zone group; the training subnet has no NSG association.
resource "azurerm_machine_learning_workspace" "prod" {
  name                          = "mlw-prod"
  location                      = "westeurope"
  resource_group_name           = "rg-mlops"
  application_insights_id       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.Insights/components/appi-mlops"
  key_vault_id                  = azurerm_key_vault.ml.id
  storage_account_id            = azurerm_storage_account.ml.id
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

resource "azurerm_storage_account" "ml" {
  name                          = "stmlopsprod"
  location                      = "westeurope"
  resource_group_name           = "rg-mlops"
  account_tier                  = "Standard"
  account_replication_type      = "LRS"
  public_network_access_enabled = true
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

resource "azurerm_subnet" "endpoints" {
  name                 = "snet-endpoints"
  resource_group_name  = "rg-mlops"
  virtual_network_name = azurerm_virtual_network.ml.name
  address_prefixes     = ["10.20.2.0/24"]
}

resource "azurerm_private_endpoint" "kv" {
  name                = "pe-kv-mlops"
  location            = "westeurope"
  resource_group_name = "rg-mlops"
  subnet_id           = azurerm_subnet.endpoints.id

  private_service_connection {
    name                           = "psc-kv"
    private_connection_resource_id = azurerm_key_vault.ml.id
    subresource_names              = ["vault"]
    is_manual_connection           = false
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

# A workspace whose managed network is disabled creates no private endpoint to its key
# vault: public access off and no endpoint is still a gap.
resource "azurerm_machine_learning_workspace" "unmanaged" {
  name                          = "mlw-unmanaged"
  location                      = "westeurope"
  resource_group_name           = "rg-mlops"
  application_insights_id       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops/providers/Microsoft.Insights/components/appi-mlops"
  key_vault_id                  = azurerm_key_vault.unmanaged.id
  storage_account_id            = azurerm_storage_account.ml.id
  public_network_access_enabled = true

  managed_network {
    isolation_mode = "Disabled"
  }

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_key_vault" "unmanaged" {
  name                          = "kv-mlops-unmanaged"
  location                      = "westeurope"
  resource_group_name           = "rg-mlops"
  tenant_id                     = "00000000-0000-0000-0000-000000000000"
  sku_name                      = "standard"
  public_network_access_enabled = false
}
