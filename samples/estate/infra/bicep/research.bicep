// The research workspace: private, with egress limited to approved outbound rules.
param location string = resourceGroup().location
param storageAccountId string
param keyVaultId string
param appInsightsId string

resource research 'Microsoft.MachineLearningServices/workspaces@2024-10-01' = {
  name: 'mlw-research'
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    friendlyName: 'Research (private)'
    storageAccount: storageAccountId
    keyVault: keyVaultId
    applicationInsights: appInsightsId
    publicNetworkAccess: 'Disabled'
    managedNetwork: {
      isolationMode: 'AllowOnlyApprovedOutbound'
    }
  }
}
