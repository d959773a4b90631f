@secure()
param adminPassword string
param servicePrincipalClientSecret string = ''
resource kv 'Microsoft.KeyVault/vaults@2023-02-01' existing = {
  name: 'kv-mlops-dev'
}
module aks 'aks.bicep' = {
  name: 'aks'
  params: {
    secret: servicePrincipalAppPassword
    password: adminPassword
    sqlPassword: kv.getSecret('sql-admin-password')
  }
}
