// Azure ML workspaces: public by default, public by choice, private, and left to a parameter.
param location string = resourceGroup().location
param publicAccess string

var storageId = resourceId('Microsoft.Storage/storageAccounts', 'stml')
var keyVaultId = resourceId('Microsoft.KeyVault/vaults', 'kv-ml')
var insightsId = resourceId('Microsoft.Insights/components', 'appi-ml')

resource byDefault 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = {
  name: 'mlw-default'
  location: location
  identity: { type: 'SystemAssigned' }
  properties: {
    storageAccount: storageId
    keyVault: keyVaultId
    applicationInsights: insightsId
  }
}

resource enabled 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = {
  name: 'mlw-enabled'
  location: location
  identity: { type: 'SystemAssigned' }
  properties: {
    storageAccount: storageId
    keyVault: keyVaultId
    applicationInsights: insightsId
    publicNetworkAccess: 'Enabled'
  }
}

resource private 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = {
  name: 'mlw-private'
  location: location
  identity: { type: 'SystemAssigned' }
  properties: {
    storageAccount: storageId
    keyVault: keyVaultId
    applicationInsights: insightsId
    publicNetworkAccess: 'Disabled'
  }
}

resource fromParam 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = {
  name: 'mlw-param'
  location: location
  identity: { type: 'SystemAssigned' }
  properties: {
    storageAccount: storageId
    keyVault: keyVaultId
    applicationInsights: insightsId
    publicNetworkAccess: publicAccess
  }
}
