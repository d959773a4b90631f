// Build agents in subnets: a Managed DevOps Pool and GitHub-hosted runners with private
// networking, each subnet guarded by an NSG that admits a port from the internet.
param location string = resourceGroup().location

resource nsgPool 'Microsoft.Network/networkSecurityGroups@2023-09-01' = {
  name: 'nsg-pool'
  location: location
  properties: {
    securityRules: [
      {
        name: 'AllowAgentWeb'
        properties: {
          priority: 200
          direction: 'Inbound'
          access: 'Allow'
          protocol: 'Tcp'
          sourceAddressPrefix: 'Internet'
          sourcePortRange: '*'
          destinationAddressPrefix: '*'
          destinationPortRanges: [
            '443'
            '8080-8090'
          ]
        }
      }
    ]
  }
}

resource nsgRunners 'Microsoft.Network/networkSecurityGroups@2023-09-01' = {
  name: 'nsg-runners'
  location: location
  properties: {
    securityRules: [
      {
        name: 'AllowRunnerCallback'
        properties: {
          priority: 300
          direction: 'Inbound'
          access: 'Allow'
          protocol: '*'
          sourceAddressPrefix: '*'
          sourcePortRange: '*'
          destinationAddressPrefix: '*'
          destinationPortRange: '9000'
        }
      }
    ]
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = {
  name: 'vnet-build'
  location: location
  properties: {
    addressSpace: {
      addressPrefixes: [
        '10.60.0.0/16'
      ]
    }
  }
}

resource poolSubnet 'Microsoft.Network/virtualNetworks/subnets@2023-09-01' = {
  parent: vnet
  name: 'snet-pool'
  properties: {
    addressPrefix: '10.60.1.0/24'
    networkSecurityGroup: {
      id: nsgPool.id
    }
    delegations: [
      {
        name: 'pools'
        properties: {
          serviceName: 'Microsoft.DevOpsInfrastructure/pools'
        }
      }
    ]
  }
}

resource runnerSubnet 'Microsoft.Network/virtualNetworks/subnets@2023-09-01' = {
  parent: vnet
  name: 'snet-runners'
  properties: {
    addressPrefix: '10.60.2.0/24'
    networkSecurityGroup: {
      id: nsgRunners.id
    }
    delegations: [
      {
        name: 'github'
        properties: {
          serviceName: 'GitHub.Network/networkSettings'
        }
      }
    ]
  }
}

resource pool 'Microsoft.DevOpsInfrastructure/pools@2024-10-19' = {
  name: 'mdp-mlops'
  location: location
  properties: {
    maximumConcurrency: 4
    devCenterProjectResourceId: resourceId('Microsoft.DevCenter/projects', 'mlops')
    organizationProfile: {
      kind: 'AzureDevOps'
      organizations: [
        {
          url: 'https://dev.azure.com/contoso'
          parallelism: 4
        }
      ]
    }
    agentProfile: {
      kind: 'Stateless'
    }
    fabricProfile: {
      kind: 'Vmss'
      sku: {
        name: 'Standard_D2ads_v5'
      }
      images: [
        {
          wellKnownImageName: 'ubuntu-22.04/latest'
        }
      ]
      networkProfile: {
        subnetId: poolSubnet.id
      }
    }
  }
}

resource runners 'GitHub.Network/networkSettings@2024-04-02' = {
  name: 'gh-runners'
  location: location
  properties: {
    businessId: '123456'
    subnetId: runnerSubnet.id
  }
}
