// An Azure ML workspace behind a managed network, with its dependent resources in a
// module (shapes from the quickstart machine-learning-end-to-end-secure and the AVM
// machine-learning-services/workspace module).
targetScope = 'resourceGroup'

@description('Prefix of every resource name')
@minLength(3)
param prefix string

@allowed([
  'AllowInternetOutbound'
  'AllowOnlyApprovedOutbound'
])
param isolationMode string = 'AllowOnlyApprovedOutbound'
param location string = resourceGroup().location
param clusterNames array = [
  'cpu'
  'gpu'
]
param deployInstance bool = false
param amlComputePublicIp bool = true

var suffix = uniqueString(resourceGroup().id)
var tags = {
  'data-classification': 'sensitive'
  owner: 'ml-platform'
}

module dependencies 'modules/dependencies.bicep' = {
  name: '${prefix}-dependencies'
  params: {
    storageName: 'st${prefix}${suffix}'
    vaultName: 'kv-${prefix}-${suffix}'
    location: location
    tags: tags
  }
}

resource workspace 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = {
  name: 'mlw-${prefix}'
  location: location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    friendlyName: 'mlw-${prefix}'
    storageAccount: dependencies.outputs.storageId
    keyVault: dependencies.outputs.vaultId
    containerRegistry: registry.id
    hbiWorkspace: true
    publicNetworkAccess: 'Disabled'
    managedNetwork: {
      isolationMode: isolationMode
      outboundRules: {
        pypi: {
          type: 'FQDN'
          destination: 'pypi.org'
          category: 'UserDefined'
        }
      }
    }
  }

  resource cluster 'computes' = [for name in clusterNames: {
    name: '${name}-cluster'
    location: location
    properties: {
      computeType: 'AmlCompute'
      disableLocalAuth: true
      properties: {
        vmSize: 'Standard_DS3_v2'
        enableNodePublicIp: amlComputePublicIp
        remoteLoginPortPublicAccess: 'Disabled'
      }
    }
  }]
}

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'cr${prefix}${suffix}'
  location: location
  sku: {
    name: 'Premium'
  }
  properties: {
    adminUserEnabled: false
    publicNetworkAccess: 'Disabled'
  }
}

resource instance 'Microsoft.MachineLearningServices/workspaces/computes@2024-04-01' = if (deployInstance) {
  parent: workspace
  name: 'ci-${prefix}'
  properties: {
    computeType: 'ComputeInstance'
  }
}

resource endpoint 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2024-04-01' = {
  parent: workspace
  name: 'score'
  location: location
  properties: {
    authMode: 'Key'
  }
  dependsOn: [
    registry
  ]
}

module avmWorkspace 'br/public:avm/res/machine-learning-services/workspace:0.9.0' = {
  name: 'avm-ws'
  params: {
    name: 'mlw-avm'
  }
}

var ids = map(clusterNames, n => '${n}-id')

output workspaceId string = workspace.id
