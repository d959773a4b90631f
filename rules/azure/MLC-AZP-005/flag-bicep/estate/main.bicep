// A workspace whose only private endpoint connection is manual (not read: no approval is
// visible in a definition), and one with none.
param location string = resourceGroup().location

resource pending 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = {
  name: 'mlw-pending'
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    publicNetworkAccess: 'Disabled'
  }
}

resource open 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = {
  name: 'mlw-open'
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    publicNetworkAccess: 'Enabled'
  }
}

resource pe 'Microsoft.Network/privateEndpoints@2023-09-01' = {
  name: 'pe-mlw-pending'
  location: location
  properties: {
    subnet: {
      id: resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet-aml', 'snet-pe')
    }
    manualPrivateLinkServiceConnections: [
      {
        name: 'psc-mlw'
        properties: {
          privateLinkServiceId: pending.id
          groupIds: [
            'amlworkspace'
          ]
          requestMessage: 'Please approve'
        }
      }
    ]
  }
}
