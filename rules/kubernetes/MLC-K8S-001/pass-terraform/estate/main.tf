# The same servers kept to their callers: ClusterIP Services, an authenticating Ingress,
# and NetworkPolicies that select them.

resource "kubernetes_namespace_v1" "serving" {
  metadata {
    name = "ml-serving"
  }
}

resource "kubernetes_deployment_v1" "triton" {
  metadata {
    name      = "triton"
    namespace = kubernetes_namespace_v1.serving.metadata[0].name
  }
  spec {
    selector {
      match_labels = { app = "triton" }
    }
    template {
      metadata {
        labels = { app = "triton" }
      }
      spec {
        container {
          name  = "triton"
          image = "nvcr.io/nvidia/tritonserver:24.05-py3"
          args  = ["tritonserver", "--model-repository=s3://models/triton"]
        }
      }
    }
  }
}

resource "kubernetes_service_v1" "triton" {
  metadata {
    name      = "triton"
    namespace = kubernetes_namespace_v1.serving.metadata[0].name
  }
  spec {
    selector = { app = "triton" }
    port {
      port = 8000
    }
  }
}

# ingress-nginx external authentication in front of the backend.
resource "kubernetes_ingress_v1" "triton" {
  metadata {
    name      = "triton"
    namespace = kubernetes_namespace_v1.serving.metadata[0].name
    annotations = {
      "nginx.ingress.kubernetes.io/auth-url" = "https://auth.example.com/oauth2/auth"
    }
  }
  spec {
    rule {
      http {
        path {
          path = "/"
          backend {
            service {
              name = "triton"
              port {
                number = 8000
              }
            }
          }
        }
      }
    }
  }
}

resource "kubernetes_network_policy_v1" "triton" {
  metadata {
    name      = "triton-callers"
    namespace = kubernetes_namespace_v1.serving.metadata[0].name
  }
  spec {
    pod_selector {
      match_labels = { app = "triton" }
    }
    policy_types = ["Ingress"]
  }
}

# No namespace: both in the provider's default namespace, "default".
resource "kubernetes_stateful_set_v1" "scorer" {
  metadata {
    name = "scorer"
  }
  spec {
    service_name = "scorer"
    selector {
      match_labels = { app = "scorer" }
    }
    template {
      metadata {
        labels = { app = "scorer" }
      }
      spec {
        container {
          name  = "torchserve"
          image = "pytorch/torchserve:0.11.0-cpu"
        }
      }
    }
  }
}

resource "kubernetes_network_policy" "default_deny" {
  metadata {
    name = "default-deny"
  }
  spec {
    pod_selector {}
    policy_types = ["Ingress"]
  }
}
