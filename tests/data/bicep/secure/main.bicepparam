using './main.bicep'

param prefix = 'fraud'
param clusterNames = [
  'cpu'
]
