// The attach-or-create shape of registry compute modules: the properties every compute
// takes, merged with union() with a branch chosen by a parameter given no value here
// (attachId). Which branch is unknown; the keys of the first object are not.
param name string = 'cpu-cluster'
param attachId string
param disableLocalAuth bool = false
param location string = resourceGroup().location
param clusterSettings object

resource workspace 'Microsoft.MachineLearningServices/workspaces@2024-04-01' existing = {
  name: 'mlw'
}

resource cluster 'Microsoft.MachineLearningServices/workspaces/computes@2024-04-01' = {
  parent: workspace
  name: name
  location: location
  properties: union(
    {
      computeType: 'AmlCompute'
      disableLocalAuth: disableLocalAuth
    },
    !empty(attachId)
      ? {
          resourceId: attachId
        }
      : {
          computeLocation: location
          properties: clusterSettings
        }
  )
}
