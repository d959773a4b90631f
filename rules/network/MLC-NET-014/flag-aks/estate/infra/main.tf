resource "azurerm_kubernetes_cluster" "ml" {
  name                = "aks-ml"
  location            = "westeurope"
  resource_group_name = "rg-ml"
  dns_prefix          = "aksml"

  default_node_pool {
    name       = "default"
    node_count = 3
    vm_size    = "Standard_D4s_v5"
  }

  identity {
    type = "SystemAssigned"
  }
}

# The Azure ML extension publishes its inference router (azureml-fe) on a public load
# balancer: every Kubernetes online endpoint of the cluster is on the internet.
resource "azurerm_kubernetes_cluster_extension" "azureml" {
  name              = "azureml"
  cluster_id        = azurerm_kubernetes_cluster.ml.id
  extension_type    = "Microsoft.AzureML.Kubernetes"
  release_namespace = "azureml"
  release_train     = "stable"

  configuration_settings = {
    enableInference            = "True"
    enableTraining             = "False"
    inferenceRouterServiceType = "LoadBalancer"
    inferenceRouterHA          = "True"
    clusterPurpose             = "FastProd"
  }
}

resource "azurerm_machine_learning_inference_cluster" "aks" {
  name                          = "aks-inference"
  location                      = "westeurope"
  cluster_purpose               = "FastProd"
  kubernetes_cluster_id         = azurerm_kubernetes_cluster.ml.id
  machine_learning_workspace_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-churn"
}
