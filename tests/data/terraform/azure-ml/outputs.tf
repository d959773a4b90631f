output "workspace_id" {
  value = azurerm_machine_learning_workspace.ml.id
}
