# The same model servers hardened: no privilege, the pod's own network, kept from root,
# images pinned by digest.

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
          graph:
            name: classifier
            type: MODEL
  YAML
}

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
          securityContext = { runAsNonRoot = true, runAsUser = 1000 }
          containers = [{
            name  = "vllm"
            image = "vllm/vllm-openai@sha256:1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff0011"
            args  = ["--model", "/models/llama"]
          }]
        }
      }
    }
  }
}
