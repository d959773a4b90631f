// Function apps serving a churn model: HTTP allowed, FTP allowed, remote debugging.
param location string = resourceGroup().location
param prefix string = 'churn'

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: 'asp-${prefix}'
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

// httpsOnly absent: HTTP allowed (Azure Policy 6d555dd1 counts it so). Flagged.
resource scoring 'Microsoft.Web/sites@2023-12-01' = {
  name: 'func-${prefix}-score'
  location: location
  kind: 'functionapp,linux'
  properties: {
    serverFarmId: plan.id
    siteConfig: {
      linuxFxVersion: 'Python|3.11'
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      remoteDebuggingEnabled: false
    }
  }
}

// FTP and remote debugging on, CORS open to every origin. Flagged.
resource batch 'Microsoft.Web/sites@2023-12-01' = {
  name: 'func-${prefix}-batch'
  location: location
  kind: 'functionapp'
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'AllAllowed'
      remoteDebuggingEnabled: true
      cors: {
        allowedOrigins: [
          '*'
        ]
      }
    }
  }
}

// A web app, not a function app: not judged by this rule.
resource portal 'Microsoft.Web/sites@2023-12-01' = {
  name: 'app-${prefix}-portal'
  location: location
  kind: 'app,linux'
  properties: {
    serverFarmId: plan.id
    httpsOnly: false
  }
}

// Hardened: not flagged.
resource features 'Microsoft.Web/sites@2023-12-01' = {
  name: 'func-${prefix}-features'
  location: location
  kind: 'functionapp,linux'
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.3'
      ftpsState: 'FtpsOnly'
      remoteDebuggingEnabled: false
    }
  }
}
