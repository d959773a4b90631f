param location string = resourceGroup().location
param workspaceName string = 'mlw'
param subnetId string = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Network/virtualNetworks/vnet-ml/subnets/training'

resource devInstance 'Microsoft.MachineLearningServices/workspaces/computes@2024-04-01' = {
  name: '${workspaceName}/ci-dev'
  location: location
  properties: {
    computeType: 'ComputeInstance'
    disableLocalAuth: true
    properties: {
      vmSize: 'Standard_DS3_v2'
      enableNodePublicIp: false
      subnet: {
        id: subnetId
      }
      sshSettings: {
        sshPublicAccess: 'Disabled'
      }
    }
  }
}
