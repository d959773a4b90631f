# Model-serving pods declared with Terraform's kubernetes provider, judged as their
# manifests would be (rules/kubernetes/MLC-K8S-002/flag-manifests).

# Privileged container (pinned image, non-root otherwise).
resource "kubernetes_deployment_v1" "churn" {
  metadata {
    name      = "churn-server"
    namespace = "ml-serving"
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
        security_context {
          run_as_non_root = true
        }
        container {
          name    = "mlflow"
          image   = "ghcr.io/contoso/churn-serving@sha256:4c1f7b7d0b6f2c3a9e8d5f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e"
          command = ["mlflow", "models", "serve", "-m", "models:/churn@champion"]
          security_context {
            privileged = true
          }
        }
      }
    }
  }
}

# The node's network namespace (vLLM, pinned, non-root).
resource "kubernetes_stateful_set_v1" "llm" {
  metadata {
    name      = "llm"
    namespace = "ml-serving"
  }
  spec {
    service_name = "llm"
    selector {
      match_labels = { app = "llm" }
    }
    template {
      metadata {
        labels = { app = "llm" }
      }
      spec {
        host_network = true
        container {
          name  = "vllm"
          image = "vllm/vllm-openai@sha256:0d5f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e4c1f7b7d0b6f2c3a9e8"
          security_context {
            run_as_user = "1000"
          }
        }
      }
    }
  }
}

# run_as_user "0" on the container overrides the pod's run_as_non_root; image by tag.
resource "kubernetes_pod_v1" "debug" {
  metadata {
    name      = "torchserve-debug"
    namespace = "ml-serving"
  }
  spec {
    security_context {
      run_as_non_root = true
    }
    container {
      name  = "torchserve"
      image = "pytorch/torchserve:0.11.0-cpu"
      security_context {
        run_as_user = "0"
      }
    }
  }
}

# No model server: not this rule's business, however it runs.
resource "kubernetes_daemon_set_v1" "node_exporter" {
  metadata {
    name      = "node-exporter"
    namespace = "monitoring"
  }
  spec {
    selector {
      match_labels = { app = "node-exporter" }
    }
    template {
      metadata {
        labels = { app = "node-exporter" }
      }
      spec {
        host_network = true
        host_pid     = true
        container {
          name  = "node-exporter"
          image = "quay.io/prometheus/node-exporter:v1.8.1"
        }
      }
    }
  }
}
