// An Azure ML workspace reached only through its private endpoint.
param location string = resourceGroup().location

resource workspace 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = {
  name: 'mlw-private'
  location: location
  identity: { type: 'SystemAssigned' }
  properties: {
    storageAccount: resourceId('Microsoft.Storage/storageAccounts', 'stml')
    keyVault: resourceId('Microsoft.KeyVault/vaults', 'kv-ml')
    applicationInsights: resourceId('Microsoft.Insights/components', 'appi-ml')
    publicNetworkAccess: 'Disabled'
  }
}
