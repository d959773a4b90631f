# local_auth_enabled defaults to true on both compute kinds.

resource "azurerm_machine_learning_compute_instance" "dev" {
  name                          = "ci-dev"
  machine_learning_workspace_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw"
  virtual_machine_size          = "STANDARD_DS3_V2"
}

resource "azurerm_machine_learning_compute_cluster" "train" {
  name                          = "cpu-cluster"
  location                      = "westeurope"
  machine_learning_workspace_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw"
  vm_priority                   = "Dedicated"
  vm_size                       = "STANDARD_DS3_V2"
  local_auth_enabled            = false

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 4
    scale_down_nodes_after_idle_duration = "PT30M"
  }
}
