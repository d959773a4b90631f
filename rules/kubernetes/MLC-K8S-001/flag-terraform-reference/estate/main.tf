# Services whose selector copies another resource's labels, as the provider's own
# kubernetes_service_v1 example writes it: the selector is the value written there, so
# the Service selects those pods (rules/kubernetes/MLC-K8S-001/flag-terraform).

resource "kubernetes_pod_v1" "scorer" {
  metadata {
    name      = "scorer"
    namespace = "serving"
    labels = {
      app = "scorer"
    }
  }
  spec {
    container {
      name  = "torchserve"
      image = "pytorch/torchserve:0.11.0-cpu"
    }
  }
}

# A cloud load balancer in front of the TorchServe pod: `.0` indexes the metadata block.
resource "kubernetes_service_v1" "scorer" {
  metadata {
    name      = "scorer"
    namespace = kubernetes_pod_v1.scorer.metadata.0.namespace
  }
  spec {
    type = "LoadBalancer"
    selector = {
      app = kubernetes_pod_v1.scorer.metadata.0.labels.app
    }
    port {
      port        = 8080
      target_port = 8080
    }
  }
}

resource "kubernetes_deployment_v1" "triton" {
  metadata {
    name      = "triton"
    namespace = "serving"
  }
  spec {
    selector {
      match_labels = { app = "triton", tier = "gpu" }
    }
    template {
      metadata {
        labels = { app = "triton", tier = "gpu" }
      }
      spec {
        container {
          name  = "triton"
          image = "nvcr.io/nvidia/tritonserver:24.05-py3"
        }
      }
    }
  }
}

# A node port onto Triton: the pod template's labels, indexed `[0]`.
resource "kubernetes_service_v1" "triton" {
  metadata {
    name      = "triton"
    namespace = "serving"
  }
  spec {
    type     = "NodePort"
    selector = kubernetes_deployment_v1.triton.spec[0].template[0].metadata[0].labels
    port {
      port = 8000
    }
  }
}

# Covers every pod of the namespace: the Services are the only ways in.
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
