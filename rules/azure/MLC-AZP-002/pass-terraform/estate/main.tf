resource "azapi_resource" "dev" {
  type      = "Microsoft.MachineLearningServices/workspaces/computes@2024-04-01"
  name      = "ci-dev"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw"
  location  = "westeurope"

  body = {
    properties = {
      computeType      = "ComputeInstance"
      disableLocalAuth = true
      properties = {
        vmSize = "Standard_DS3_v2"
        idleTimeBeforeShutdown = "PT30M"
      }
    }
  }
}
