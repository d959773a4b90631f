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

// Contributor, but on the one storage account the pipeline deploys to: not broad.
resource contributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(store.id, deployer.id, 'contributor')
  scope: store
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b24988ac-6180-42a0-ab88-20f7382dd24c')
    principalId: deployer.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Reader on the resource group: broad, but not privileged.
resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, deployer.id, 'reader')
  scope: resourceGroup()
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')
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
