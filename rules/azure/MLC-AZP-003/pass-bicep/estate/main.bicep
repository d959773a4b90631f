param location string = resourceGroup().location

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-mlw'
  location: location
}

resource workspace 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = {
  name: 'mlw'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    storageAccount: resourceId('Microsoft.Storage/storageAccounts', 'stml')
    keyVault: resourceId('Microsoft.KeyVault/vaults', 'kv-ml')
    applicationInsights: resourceId('Microsoft.Insights/components', 'appi-ml')
    primaryUserAssignedIdentity: identity.id
  }
}
