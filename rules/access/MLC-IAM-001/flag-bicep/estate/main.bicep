targetScope = 'resourceGroup'

param location string = resourceGroup().location

resource deployer 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-ml-deploy'
  location: location
}

resource github 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
  parent: deployer
  name: 'github-prod'
  properties: {
    issuer: 'https://token.actions.githubusercontent.com'
    subject: 'repo:contoso/churn-platform:environment:prod'
    audiences: ['api://AzureADTokenExchange']
  }
}

// User Access Administrator on the resource group, for the CI identity.
resource uaa 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, deployer.id, 'uaa')
  scope: resourceGroup()
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9')
    principalId: deployer.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource store 'Microsoft.Storage/storageAccounts@2023-01-01' = {
  name: 'stchurnmodels'
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: { allowSharedKeyAccess: false }
}

// A data role on one account: not flagged.
resource blob 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(store.id, deployer.id, 'blob')
  scope: store
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')
    principalId: deployer.properties.principalId
    principalType: 'ServicePrincipal'
  }
}
