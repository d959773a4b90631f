// A hub workspace whose managed network still lets every outbound connection through.
param location string = resourceGroup().location

resource hub 'Microsoft.MachineLearningServices/workspaces@2024-10-01' = {
  name: 'mlw-hub'
  location: location
  kind: 'Hub'
  identity: { type: 'SystemAssigned' }
  properties: {
    storageAccount: resourceId('Microsoft.Storage/storageAccounts', 'stml')
    keyVault: resourceId('Microsoft.KeyVault/vaults', 'kv-ml')
    applicationInsights: resourceId('Microsoft.Insights/components', 'appi-ml')
    publicNetworkAccess: 'Disabled'
    managedNetwork: {
      isolationMode: 'AllowInternetOutbound'
      outboundRules: {
        pypi: {
          type: 'FQDN'
          destination: 'pypi.org'
          category: 'UserDefined'
        }
        huggingface: {
          type: 'FQDN'
          destination: '*.huggingface.co'
          category: 'UserDefined'
        }
      }
    }
  }
}
