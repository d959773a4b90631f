# The same copied selectors, behind ClusterIP Services in a namespace whose NetworkPolicy
# covers every pod; a load balancer copies the labels of a pod that serves no model.

resource "kubernetes_pod_v1" "scorer" {
  metadata {
    name      = "scorer"
    namespace = "serving"
    labels    = { app = "scorer" }
  }
  spec {
    container {
      name  = "torchserve"
      image = "pytorch/torchserve:0.11.0-cpu"
      security_context {
        run_as_non_root = true
      }
    }
  }
}

resource "kubernetes_service_v1" "scorer" {
  metadata {
    name      = "scorer"
    namespace = "serving"
  }
  spec {
    selector = {
      app = kubernetes_pod_v1.scorer.metadata.0.labels.app
    }
    port {
      port = 8080
    }
  }
}

resource "kubernetes_pod_v1" "web" {
  metadata {
    name      = "web"
    namespace = "serving"
    labels    = { app = "web" }
  }
  spec {
    container {
      name  = "web"
      image = "nginx:1.27"
    }
  }
}

resource "kubernetes_service_v1" "web" {
  metadata {
    name      = "web"
    namespace = "serving"
  }
  spec {
    type     = "LoadBalancer"
    selector = { app = kubernetes_pod_v1.web.metadata[0].labels["app"] }
    port {
      port = 80
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
