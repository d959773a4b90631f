param location string = resourceGroup().location

resource workspace 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = {
  name: 'mlw-hbi'
  location: location
  identity: { type: 'SystemAssigned' }
  properties: {
    storageAccount: resourceId('Microsoft.Storage/storageAccounts', 'stml')
    keyVault: resourceId('Microsoft.KeyVault/vaults', 'kv-ml')
    applicationInsights: resourceId('Microsoft.Insights/components', 'appi-ml')
    hbiWorkspace: true
    encryption: {
      status: 'Enabled'
      keyVaultProperties: {
        keyVaultArmId: resourceId('Microsoft.KeyVault/vaults', 'kv-ml')
        keyIdentifier: 'https://kv-ml.vault.azure.net/keys/mlw-cmk/0123456789abcdef0123456789abcdef'
      }
    }
  }
}
