variable "public" {
  type = bool
}

resource "azurerm_resource_group" "ml" {
  name     = "rg-planned"
  location = "westeurope"
}

resource "azurerm_storage_account" "ml" {
  count                    = 1
  name                     = "stplanned"
  resource_group_name      = azurerm_resource_group.ml.name
  location                 = azurerm_resource_group.ml.location
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

module "ws" {
  source             = "./modules/workspace"
  storage_account_id = azurerm_storage_account.ml[0].id
  public             = var.public
}
