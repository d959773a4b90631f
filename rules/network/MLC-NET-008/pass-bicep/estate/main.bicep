param location string = resourceGroup().location
param tenantId string = subscription().tenantId

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: 'kv-mlw'
  location: location
  properties: {
    tenantId: tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    enablePurgeProtection: true
    publicNetworkAccess: 'disabled'
    networkAcls: {
      defaultAction: 'Deny'
      bypass: 'AzureServices'
    }
  }
}

resource workspace 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = {
  name: 'mlw'
  location: location
  identity: { type: 'SystemAssigned' }
  properties: {
    keyVault: vault.id
    storageAccount: resourceId('Microsoft.Storage/storageAccounts', 'stml')
    applicationInsights: resourceId('Microsoft.Insights/components', 'appi-ml')
    publicNetworkAccess: 'Disabled'
  }
}
