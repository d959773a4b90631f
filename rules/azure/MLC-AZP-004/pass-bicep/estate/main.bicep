param location string = resourceGroup().location
param subnetId string = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Network/virtualNetworks/vnet-ml/subnets/training'

resource workspace 'Microsoft.MachineLearningServices/workspaces@2024-04-01' existing = {
  name: 'mlw'
}

resource instance 'Microsoft.MachineLearningServices/workspaces/computes@2024-04-01' = {
  parent: workspace
  name: 'ci-dev'
  location: location
  properties: {
    computeType: 'ComputeInstance'
    properties: {
      vmSize: 'Standard_DS3_v2'
      subnet: {
        id: subnetId
      }
    }
  }
}
