data "azurerm_subscription" "primary" {}

# Reads and deploys models across the subscription, no role-assignment rights.
resource "azurerm_role_definition" "model_deployer" {
  name  = "ml-model-deployer"
  scope = data.azurerm_subscription.primary.id

  permissions {
    actions = [
      "Microsoft.MachineLearningServices/workspaces/*/read",
      "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/*",
    ]
    not_actions = []
  }

  assignable_scopes = [data.azurerm_subscription.primary.id]
}

# Write everywhere, but role assignments taken back by a not-action.
resource "azurerm_role_definition" "operator" {
  name  = "ml-operator"
  scope = data.azurerm_subscription.primary.id

  permissions {
    actions     = ["*/write", "*/read"]
    not_actions = ["Microsoft.Authorization/*"]
  }

  assignable_scopes = [data.azurerm_subscription.primary.id]
}
