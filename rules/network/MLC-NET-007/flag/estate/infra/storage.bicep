// Storage for the churn team: customer extracts (classified) and public census data.
param location string = 'westeurope'

resource customerData 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'stcustomerpii'
  location: location
  sku: { name: 'Standard_ZRS' }
  kind: 'StorageV2'
  tags: {
    data_classification: 'Confidential'
    owner: 'churn-team'
  }
  properties: {
    isHnsEnabled: true
    allowBlobPublicAccess: false
    publicNetworkAccess: 'Disabled'
    minimumTlsVersion: 'TLS1_2'
  }
}

resource publicData 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'stpublicdata'
  location: location
  sku: { name: 'Standard_LRS' }
  kind: 'StorageV2'
  tags: {
    data_classification: 'Public'
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
  }
}
