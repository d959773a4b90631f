# Online endpoints exist in Terraform only through azapi (azurerm has no resource for them).

resource "azapi_resource" "workspace" {
  type      = "Microsoft.MachineLearningServices/workspaces@2024-04-01"
  name      = "mlw-serving"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml"
  location  = "westeurope"

  identity {
    type = "SystemAssigned"
  }

  body = {
    properties = {
      publicNetworkAccess = "Disabled"
    }
  }
}

# No publicNetworkAccess: public by default; key auth.
resource "azapi_resource" "churn" {
  type      = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2024-04-01"
  name      = "churn-endpoint"
  parent_id = azapi_resource.workspace.id
  location  = "westeurope"

  identity {
    type = "SystemAssigned"
  }

  body = {
    properties = {
      authMode = "Key"
    }
  }
}

# Private, but still authenticated by keys (jsonencode body, azapi v1 style).
resource "azapi_resource" "fraud" {
  type      = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2024-04-01"
  name      = "fraud-endpoint"
  parent_id = azapi_resource.workspace.id
  location  = "westeurope"

  identity {
    type = "SystemAssigned"
  }

  body = jsonencode({
    properties = {
      authMode            = "Key"
      publicNetworkAccess = "Disabled"
    }
  })
}

# Private and Entra ID tokens: not flagged.
resource "azapi_resource" "scoring" {
  type      = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2024-04-01"
  name      = "scoring-endpoint"
  parent_id = azapi_resource.workspace.id
  location  = "westeurope"

  identity {
    type = "SystemAssigned"
  }

  body = {
    properties = {
      authMode            = "AADToken"
      publicNetworkAccess = "Disabled"
    }
  }
}

# Vertex AI: neither peered with a VPC network nor behind Private Service Connect: public.
resource "google_vertex_ai_endpoint" "forecast" {
  name         = "forecast-endpoint"
  display_name = "forecast"
  location     = "europe-west4"
}

# Private Service Connect switched off: public too.
resource "google_vertex_ai_endpoint" "ranking" {
  name         = "ranking-endpoint"
  display_name = "ranking"
  location     = "europe-west4"

  private_service_connect_config {
    enable_private_service_connect = false
  }
}

# Vector Search: an index endpoint with its public endpoint enabled.
resource "google_vertex_ai_index_endpoint" "products" {
  display_name            = "product-search"
  region                  = "europe-west4"
  public_endpoint_enabled = true
}
