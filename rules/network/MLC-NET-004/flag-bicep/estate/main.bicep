// Computes of one workspace, named '<workspace>/<compute>' as in the quickstart templates.
param location string = resourceGroup().location
param workspaceName string = 'mlw'
param subnetId string = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Network/virtualNetworks/vnet-ml/subnets/training'

// enableNodePublicIp and disableLocalAuth absent: public IP, local auth on.
resource devInstance 'Microsoft.MachineLearningServices/workspaces/computes@2024-04-01' = {
  name: '${workspaceName}/ci-dev'
  location: location
  properties: {
    computeType: 'ComputeInstance'
    properties: {
      vmSize: 'Standard_DS3_v2'
    }
  }
}

// In a subnet without public IPs, local auth disabled: not flagged.
resource cluster 'Microsoft.MachineLearningServices/workspaces/computes@2024-04-01' = {
  name: '${workspaceName}/cpu-cluster'
  location: location
  properties: {
    computeType: 'AmlCompute'
    disableLocalAuth: true
    properties: {
      vmSize: 'Standard_DS3_v2'
      enableNodePublicIp: false
      remoteLoginPortPublicAccess: 'Disabled'
      subnet: {
        id: subnetId
      }
      scaleSettings: {
        minNodeCount: 0
        maxNodeCount: 4
        nodeIdleTimeBeforeScaleDown: 'PT30M'
      }
    }
  }
}

// An attached Kubernetes compute: not a VM compute, not judged here.
resource attached 'Microsoft.MachineLearningServices/workspaces/computes@2024-04-01' = {
  name: '${workspaceName}/k8s-attached'
  location: location
  properties: {
    computeType: 'Kubernetes'
    resourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.ContainerService/managedClusters/aks-ml'
  }
}
