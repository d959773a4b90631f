# A model server kept in its pod: pinned by digest, non-root (the pod's run_as_non_root and
# a non-zero run_as_user, written as the provider's string), nothing privileged; and a
# cron job re-scoring with the same image, kept the same way.
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
          run_as_user     = "10001"
        }
        container {
          name    = "mlflow"
          image   = "ghcr.io/contoso/churn-serving@sha256:4c1f7b7d0b6f2c3a9e8d5f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e"
          command = ["mlflow", "models", "serve", "-m", "models:/churn@champion"]
          security_context {
            privileged                 = false
            allow_privilege_escalation = false
          }
        }
      }
    }
  }
}

resource "kubernetes_cron_job_v1" "rescore" {
  metadata {
    name      = "churn-rescore"
    namespace = "ml-serving"
  }
  spec {
    schedule = "0 3 * * *"
    job_template {
      metadata {}
      spec {
        template {
          metadata {
            labels = { app = "churn-rescore" }
          }
          spec {
            container {
              name    = "mlflow"
              image   = "ghcr.io/contoso/churn-serving@sha256:4c1f7b7d0b6f2c3a9e8d5f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e"
              command = ["mlflow", "models", "serve", "-m", "models:/churn@champion"]
              security_context {
                run_as_non_root = true
              }
            }
          }
        }
      }
    }
  }
}
