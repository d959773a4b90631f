# Model-serving pods declared as whole manifests from Terraform, judged as the same
# objects in YAML files would be (rules/kubernetes/MLC-K8S-002/flag-manifests).

# A Seldon Core v1 SeldonDeployment whose component runs privileged.
resource "kubectl_manifest" "churn" {
  yaml_body = <<-YAML
    apiVersion: machinelearning.seldon.io/v1
    kind: SeldonDeployment
    metadata:
      name: churn
      namespace: seldon
    spec:
      predictors:
        - name: default
          componentSpecs:
            - spec:
                securityContext: {runAsNonRoot: true}
                containers:
                  - name: classifier
                    image: ghcr.io/contoso/churn@sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff0
                    securityContext: {privileged: true}
          graph:
            name: classifier
            type: MODEL
  YAML
}

# vLLM on the host's network, from an image by tag.
resource "kubernetes_manifest" "llm" {
  manifest = {
    apiVersion = "apps/v1"
    kind       = "Deployment"
    metadata   = { name = "llm", namespace = "llm" }
    spec = {
      selector = { matchLabels = { app = "llm" } }
      template = {
        metadata = { labels = { app = "llm" } }
        spec = {
          hostNetwork     = true
          securityContext = { runAsNonRoot = true, runAsUser = 1000 }
          containers = [{
            name  = "vllm"
            image = "vllm/vllm-openai:v0.6.3"
            args  = ["--model", "/models/llama"]
          }]
        }
      }
    }
  }
}

# Not a model server: a node exporter on the host's network is none of this rule's business.
resource "kubernetes_manifest" "exporter" {
  manifest = {
    apiVersion = "apps/v1"
    kind       = "DaemonSet"
    metadata   = { name = "node-exporter", namespace = "monitoring" }
    spec = {
      selector = { matchLabels = { app = "node-exporter" } }
      template = {
        metadata = { labels = { app = "node-exporter" } }
        spec = {
          hostNetwork = true
          containers  = [{ name = "exporter", image = "quay.io/prometheus/node-exporter:v1.8.2" }]
        }
      }
    }
  }
}
