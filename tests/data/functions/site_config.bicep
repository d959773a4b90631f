param location string = resourceGroup().location

resource site 'Microsoft.Web/sites@2023-12-01' = {
  name: 'func-cfg'
  location: location
  kind: 'functionapp,linux'
  properties: {
    httpsOnly: true
  }
}

resource web 'Microsoft.Web/sites/config@2023-12-01' = {
  parent: site
  name: 'web'
  properties: {
    minTlsVersion: '1.2'
    ftpsState: 'FtpsOnly'
    remoteDebuggingEnabled: false
  }
}

resource auth 'Microsoft.Web/sites/config@2023-12-01' = {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
    }
  }
}
