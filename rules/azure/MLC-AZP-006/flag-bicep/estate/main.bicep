// A workspace whose diagnostic setting sends no log (its one category is disabled).
param location string = resourceGroup().location

resource workspace 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = {
  name: 'mlw-quiet'
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {}
}

resource diag 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'diag-mlw-quiet'
  scope: workspace
  properties: {
    workspaceId: resourceId('Microsoft.OperationalInsights/workspaces', 'log-ops')
    logs: [
      {
        category: 'AmlComputeClusterEvent'
        enabled: false
      }
    ]
  }
}
