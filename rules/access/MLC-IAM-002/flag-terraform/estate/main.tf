data "azurerm_subscription" "primary" {}

# Everything, assignable at the subscription.
resource "azurerm_role_definition" "ml_admin" {
  name        = "ml-platform-admin"
  scope       = data.azurerm_subscription.primary.id
  description = "Runs the ML platform"

  permissions {
    actions     = ["*"]
    not_actions = ["Microsoft.Authorization/*/Delete"]
  }

  assignable_scopes = [data.azurerm_subscription.primary.id]
}

# Role-assignment rights through a wildcard, at a literal subscription id.
resource "azurerm_role_definition" "access_delegate" {
  name  = "ml-access-delegate"
  scope = "/subscriptions/00000000-0000-0000-0000-000000000000"

  permissions {
    actions = [
      "Microsoft.MachineLearningServices/workspaces/read",
      "Microsoft.Authorization/*/write",
    ]
  }

  assignable_scopes = ["/subscriptions/00000000-0000-0000-0000-000000000000"]
}

# Not flagged: `*` on one resource group only.
resource "azurerm_resource_group" "sandbox" {
  name     = "rg-ml-sandbox"
  location = "westeurope"
}

resource "azurerm_role_definition" "sandbox_admin" {
  name  = "ml-sandbox-admin"
  scope = azurerm_resource_group.sandbox.id

  permissions {
    actions = ["*"]
  }

  assignable_scopes = [azurerm_resource_group.sandbox.id]
}
