// An HBI workspace whose training subnet sends 0.0.0.0/0 through an Azure Firewall whose
// policy allows Azure ML's FQDNs and service tags only; a second HBI workspace in a managed
// network limited to approved outbound.
param location string = resourceGroup().location

resource workspace 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = {
  name: 'mlw-clinical'
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    hbiWorkspace: true
    storageAccount: resourceId('Microsoft.Storage/storageAccounts', 'stclinical')
    keyVault: resourceId('Microsoft.KeyVault/vaults', 'kv-clinical')
  }
}

resource managedWorkspace 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = {
  name: 'mlw-managed'
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    hbiWorkspace: true
    managedNetwork: {
      isolationMode: 'AllowOnlyApprovedOutbound'
    }
  }
}

resource managedInstance 'Microsoft.MachineLearningServices/workspaces/computes@2024-04-01' = {
  parent: managedWorkspace
  name: 'ci-managed'
  location: location
  properties: {
    computeType: 'ComputeInstance'
    properties: {
      vmSize: 'STANDARD_DS2_V2'
    }
  }
}

resource policy 'Microsoft.Network/firewallPolicies@2023-09-01' = {
  name: 'afwp-egress'
  location: location
  properties: {
    sku: {
      tier: 'Standard'
    }
  }
}

resource egressRules 'Microsoft.Network/firewallPolicies/ruleCollectionGroups@2023-09-01' = {
  parent: policy
  name: 'egress'
  properties: {
    priority: 200
    ruleCollections: [
      {
        ruleCollectionType: 'FirewallPolicyFilterRuleCollection'
        name: 'azureml-tags'
        priority: 100
        action: {
          type: 'Allow'
        }
        rules: [
          {
            ruleType: 'NetworkRule'
            name: 'aml'
            ipProtocols: [
              'TCP'
            ]
            sourceAddresses: [
              '10.50.1.0/24'
            ]
            destinationAddresses: [
              'AzureMachineLearning'
              'BatchNodeManagement.westeurope'
            ]
            destinationPorts: [
              '443'
              '8787'
              '18881'
            ]
          }
        ]
      }
      {
        ruleCollectionType: 'FirewallPolicyFilterRuleCollection'
        name: 'packages'
        priority: 200
        action: {
          type: 'Allow'
        }
        rules: [
          {
            ruleType: 'ApplicationRule'
            name: 'pypi'
            protocols: [
              {
                protocolType: 'Https'
                port: 443
              }
            ]
            sourceAddresses: [
              '10.50.0.0/16'
            ]
            targetFqdns: [
              'pypi.org'
              '*.pythonhosted.org'
            ]
          }
        ]
      }
      {
        ruleCollectionType: 'FirewallPolicyFilterRuleCollection'
        name: 'deny-rest'
        priority: 300
        action: {
          type: 'Deny'
        }
        rules: [
          {
            ruleType: 'ApplicationRule'
            name: 'everything-else'
            protocols: [
              {
                protocolType: 'Https'
                port: 443
              }
            ]
            sourceAddresses: [
              '*'
            ]
            targetFqdns: [
              '*'
            ]
          }
        ]
      }
    ]
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = {
  name: 'vnet-ml'
  location: location
  properties: {
    addressSpace: {
      addressPrefixes: [
        '10.50.0.0/16'
      ]
    }
    subnets: [
      {
        name: 'AzureFirewallSubnet'
        properties: {
          addressPrefix: '10.50.254.0/26'
        }
      }
    ]
  }
}

resource firewall 'Microsoft.Network/azureFirewalls@2023-09-01' = {
  name: 'afw-hub'
  location: location
  properties: {
    sku: {
      name: 'AZFW_VNet'
      tier: 'Standard'
    }
    firewallPolicy: {
      id: policy.id
    }
    ipConfigurations: [
      {
        name: 'configuration'
        properties: {
          subnet: {
            id: '${vnet.id}/subnets/AzureFirewallSubnet'
          }
        }
      }
    ]
  }
}

resource routes 'Microsoft.Network/routeTables@2023-09-01' = {
  name: 'rt-training'
  location: location
  properties: {
    disableBgpRoutePropagation: true
  }
}

resource defaultRoute 'Microsoft.Network/routeTables/routes@2023-09-01' = {
  parent: routes
  name: 'default-via-firewall'
  properties: {
    addressPrefix: '0.0.0.0/0'
    nextHopType: 'VirtualAppliance'
    nextHopIpAddress: firewall.properties.ipConfigurations[0].properties.privateIPAddress
  }
}

resource training 'Microsoft.Network/virtualNetworks/subnets@2023-09-01' = {
  parent: vnet
  name: 'snet-training'
  properties: {
    addressPrefix: '10.50.1.0/24'
    routeTable: {
      id: routes.id
    }
  }
}

resource cluster 'Microsoft.MachineLearningServices/workspaces/computes@2024-04-01' = {
  parent: workspace
  name: 'cpu-cluster'
  location: location
  properties: {
    computeType: 'AmlCompute'
    properties: {
      vmSize: 'STANDARD_DS3_V2'
      enableNodePublicIp: false
      subnet: {
        id: training.id
      }
      scaleSettings: {
        minNodeCount: 0
        maxNodeCount: 4
      }
    }
  }
}
