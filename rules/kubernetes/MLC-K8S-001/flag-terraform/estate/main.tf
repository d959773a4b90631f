# Model servers declared with Terraform's kubernetes provider, judged as their manifests
# would be (rules/kubernetes/MLC-K8S-001/flag-manifests).

resource "kubernetes_namespace_v1" "demo" {
  metadata {
    name = "public-demo"
  }
}

# An MLflow model server on a cloud load balancer, in a namespace with no policy; its
# namespace is named through the namespace resource.
resource "kubernetes_deployment_v1" "churn" {
  metadata {
    name      = "churn-server"
    namespace = kubernetes_namespace_v1.demo.metadata[0].name
  }
  spec {
    selector {
      match_labels = { app = "churn" }
    }
    template {
      metadata {
        labels = { app = "churn" }
      }
      spec {
        container {
          name    = "mlflow"
          image   = "ghcr.io/contoso/churn-serving:1.4.0"
          command = ["mlflow", "models", "serve", "-m", "models:/churn@champion", "-h", "0.0.0.0"]
        }
      }
    }
  }
}

resource "kubernetes_service_v1" "churn" {
  metadata {
    name      = "churn"
    namespace = kubernetes_namespace_v1.demo.metadata[0].name
  }
  spec {
    type     = "LoadBalancer"
    selector = { app = "churn" }
    port {
      port        = 80
      target_port = 5000
    }
  }
}

# Triton behind a ClusterIP Service, covered by a NetworkPolicy, but routed to by an
# Ingress with no authentication annotation (the backend names the Service's resource).
resource "kubernetes_deployment" "triton" {
  metadata {
    name      = "triton"
    namespace = "ml-serving"
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

resource "kubernetes_service" "triton" {
  metadata {
    name      = "triton"
    namespace = "ml-serving"
  }
  spec {
    selector = { app = "triton" }
    port {
      name = "http"
      port = 8000
    }
  }
}

resource "kubernetes_ingress_v1" "triton" {
  metadata {
    name      = "triton"
    namespace = "ml-serving"
    annotations = {
      "nginx.ingress.kubernetes.io/rewrite-target" = "/"
    }
  }
  spec {
    ingress_class_name = "nginx"
    rule {
      host = "triton.example.com"
      http {
        path {
          path      = "/"
          path_type = "Prefix"
          backend {
            service {
              name = kubernetes_service.triton.metadata[0].name
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

# A TorchServe pod reached through a legacy Ingress that names its Service as text.
resource "kubernetes_pod_v1" "scorer" {
  metadata {
    name      = "scorer"
    namespace = "ml-serving"
    labels    = { app = "scorer" }
  }
  spec {
    container {
      name  = "torchserve"
      image = "pytorch/torchserve:0.11.0-cpu"
    }
  }
}

resource "kubernetes_service_v1" "scorer" {
  metadata {
    name      = "scorer"
    namespace = "ml-serving"
  }
  spec {
    selector = { app = "scorer" }
    port {
      port = 8080
    }
  }
}

resource "kubernetes_ingress" "scorer" {
  metadata {
    name      = "scorer"
    namespace = "ml-serving"
  }
  spec {
    rule {
      http {
        path {
          path = "/predictions"
          backend {
            service_name = "scorer"
            service_port = 8080
          }
        }
      }
    }
  }
}

# Covers every pod of ml-serving: the namespace is not the problem here.
resource "kubernetes_network_policy_v1" "default_deny" {
  metadata {
    name      = "default-deny"
    namespace = "ml-serving"
  }
  spec {
    pod_selector {}
    policy_types = ["Ingress"]
  }
}

# Not a model server: a public web front end is none of this rule's business.
resource "kubernetes_deployment_v1" "web" {
  metadata {
    name      = "web"
    namespace = "ml-serving"
  }
  spec {
    selector {
      match_labels = { app = "web" }
    }
    template {
      metadata {
        labels = { app = "web" }
      }
      spec {
        container {
          name  = "web"
          image = "nginx:1.27"
        }
      }
    }
  }
}

resource "kubernetes_service_v1" "web" {
  metadata {
    name      = "web"
    namespace = "ml-serving"
  }
  spec {
    type     = "LoadBalancer"
    selector = { app = "web" }
    port {
      port = 80
    }
  }
}
