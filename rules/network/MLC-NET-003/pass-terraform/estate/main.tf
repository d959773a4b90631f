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

resource "azapi_resource" "batch_scoring" {
  type      = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2024-04-01"
  name      = "token-endpoint"
  parent_id = azapi_resource.workspace.id
  location  = "westeurope"

  identity {
    type = "SystemAssigned"
  }

  body = jsonencode({
    properties = {
      authMode            = "AMLToken"
      publicNetworkAccess = "Disabled"
    }
  })
}

# Vertex AI: peered with a VPC network (private services access), and one behind Private
# Service Connect: not public.
resource "google_vertex_ai_endpoint" "forecast" {
  name         = "forecast-endpoint"
  display_name = "forecast"
  location     = "europe-west4"
  network      = "projects/123456789/global/networks/ml-vpc"
}

resource "google_vertex_ai_endpoint" "ranking" {
  name         = "ranking-endpoint"
  display_name = "ranking"
  location     = "europe-west4"

  private_service_connect_config {
    enable_private_service_connect = true
    project_allowlist              = ["ml-prod"]
  }
}

# Vector Search index endpoints: peered with a VPC network, behind Private Service Connect,
# and one that sets neither (no public endpoint unless public_endpoint_enabled).
resource "google_vertex_ai_index_endpoint" "products" {
  display_name = "product-search"
  region       = "europe-west4"
  network      = "projects/123456789/global/networks/ml-vpc"
}

resource "google_vertex_ai_index_endpoint" "documents" {
  display_name = "document-search"
  region       = "europe-west4"

  private_service_connect_config {
    enable_private_service_connect = true
    project_allowlist              = ["ml-prod"]
  }
}

resource "google_vertex_ai_index_endpoint" "faq" {
  display_name            = "faq-search"
  region                  = "europe-west4"
  public_endpoint_enabled = false
}
