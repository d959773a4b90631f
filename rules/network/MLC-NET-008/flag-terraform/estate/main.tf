# Key vaults: the workspace's on the azurerm defaults, a team vault with purge protection
# but an open firewall, and a locked-down one.

resource "azurerm_key_vault" "workspace" {
  name                = "kv-mlw"
  location            = "westeurope"
  resource_group_name = "rg-ml"
  tenant_id           = "00000000-0000-0000-0000-000000000000"
  sku_name            = "standard"
}

resource "azurerm_key_vault" "team" {
  name                     = "kv-team"
  location                 = "westeurope"
  resource_group_name      = "rg-ml"
  tenant_id                = "00000000-0000-0000-0000-000000000000"
  sku_name                 = "standard"
  purge_protection_enabled = true

  network_acls {
    default_action = "Allow"
    bypass         = "AzureServices"
  }
}

resource "azurerm_key_vault" "locked" {
  name                          = "kv-locked"
  location                      = "westeurope"
  resource_group_name           = "rg-ml"
  tenant_id                     = "00000000-0000-0000-0000-000000000000"
  sku_name                      = "premium"
  purge_protection_enabled      = true
  public_network_access_enabled = false
}

resource "azurerm_machine_learning_workspace" "ml" {
  name                          = "mlw"
  location                      = "westeurope"
  resource_group_name           = "rg-ml"
  application_insights_id       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Insights/components/appi-ml"
  storage_account_id            = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/stml"
  key_vault_id                  = azurerm_key_vault.workspace.id
  public_network_access_enabled = false

  identity {
    type = "SystemAssigned"
  }
}
