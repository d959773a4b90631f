param location string = resourceGroup().location

resource workspace 'Microsoft.MachineLearningServices/workspaces@2024-04-01' existing = {
  name: 'mlw-serving'
}

resource scoring 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2024-04-01' = {
  parent: workspace
  name: 'scoring-endpoint'
  location: location
  identity: { type: 'SystemAssigned' }
  properties: {
    authMode: 'AADToken'
    publicNetworkAccess: 'Disabled'
  }
}
