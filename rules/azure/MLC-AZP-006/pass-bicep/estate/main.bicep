// The workspace's audit logs go to Log Analytics.
param location string = resourceGroup().location

resource workspace 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = {
  name: 'mlw-audited'
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {}
}

resource diag 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'diag-mlw-audited'
  scope: workspace
  properties: {
    workspaceId: resourceId('Microsoft.OperationalInsights/workspaces', 'log-ops')
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
    ]
  }
}
