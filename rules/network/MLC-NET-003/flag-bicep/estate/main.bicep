// A workspace's online endpoints: public by default, key auth, and one left to a parameter.
param location string = resourceGroup().location
param endpointAuth string

resource workspace 'Microsoft.MachineLearningServices/workspaces@2024-04-01' existing = {
  name: 'mlw-serving'
}

resource churn 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2024-04-01' = {
  parent: workspace
  name: 'churn-endpoint'
  location: location
  identity: { type: 'SystemAssigned' }
  properties: {
    authMode: 'AADToken'
  }
}

resource keyed 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2024-04-01' = {
  parent: workspace
  name: 'keyed-endpoint'
  location: location
  identity: { type: 'SystemAssigned' }
  properties: {
    authMode: 'Key'
    publicNetworkAccess: 'Disabled'
  }
}

resource decided 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2024-04-01' = {
  parent: workspace
  name: 'param-endpoint'
  location: location
  identity: { type: 'SystemAssigned' }
  properties: {
    authMode: endpointAuth
    publicNetworkAccess: 'Disabled'
  }
}
