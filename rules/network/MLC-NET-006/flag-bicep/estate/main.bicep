// An HBI workspace (hbiWorkspace as the string the quickstart templates pass) on
// Microsoft-managed keys.
param location string = resourceGroup().location
param hbiWorkspace string = 'true'

resource workspace 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = {
  name: 'mlw-hbi'
  location: location
  identity: { type: 'SystemAssigned' }
  properties: {
    storageAccount: resourceId('Microsoft.Storage/storageAccounts', 'stml')
    keyVault: resourceId('Microsoft.KeyVault/vaults', 'kv-ml')
    applicationInsights: resourceId('Microsoft.Insights/components', 'appi-ml')
    hbiWorkspace: hbiWorkspace
  }
}
