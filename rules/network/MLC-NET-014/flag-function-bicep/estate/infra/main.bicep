param location string = resourceGroup().location

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: 'asp-churn'
  location: location
  sku: {
    name: 'EP1'
    tier: 'ElasticPremium'
  }
  kind: 'elastic'
  properties: {
    reserved: true
  }
}

// Public, no access restrictions, App Service authentication configured off.
resource scoring 'Microsoft.Web/sites@2023-12-01' = {
  name: 'func-churn-scoring'
  location: location
  kind: 'functionapp,linux'
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    publicNetworkAccess: 'Enabled'
    siteConfig: {
      linuxFxVersion: 'Python|3.11'
    }
  }
}

resource scoringAuth 'Microsoft.Web/sites/config@2023-12-01' = {
  parent: scoring
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: false
    }
  }
}
