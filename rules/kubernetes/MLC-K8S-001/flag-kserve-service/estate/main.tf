# The same exposure declared with Terraform: an InferenceService carried by
# kubernetes_manifest, a LoadBalancer Service selecting its predictor by KServe's label.

resource "kubernetes_manifest" "scorer" {
  manifest = {
    apiVersion = "serving.kserve.io/v1beta1"
    kind       = "InferenceService"
    metadata = {
      name      = "scorer"
      namespace = "serving"
      labels    = { "networking.knative.dev/visibility" = "cluster-local" }
    }
    spec = {
      predictor = {
        model = {
          modelFormat = { name = "pytorch" }
          storageUri  = "s3://contoso-models/scorer/2"
        }
      }
    }
  }
}

resource "kubernetes_service_v1" "scorer" {
  metadata {
    name      = "scorer-lb"
    namespace = "serving"
  }
  spec {
    type = "LoadBalancer"
    selector = {
      "serving.kserve.io/inferenceservice" = kubernetes_manifest.scorer.manifest.metadata.name
    }
    port {
      port        = 80
      target_port = 8080
    }
  }
}

resource "kubernetes_network_policy_v1" "default_deny" {
  metadata {
    name      = "default-deny"
    namespace = "serving"
  }
  spec {
    pod_selector {}
    policy_types = ["Ingress"]
  }
}
