# Model servers declared as whole manifests from Terraform (kubernetes_manifest and
# kubectl_manifest), judged as the same objects in YAML files would be
# (rules/kubernetes/MLC-K8S-001/flag-manifests).

variable "image_tag" {
  type    = string
  default = "24.05-py3"
}

# A KServe InferenceService with no cluster-local label: published on the ingress
# gateway (its namespace has a default-deny policy, so that is the only way in).
resource "kubernetes_manifest" "fraud" {
  manifest = {
    apiVersion = "serving.kserve.io/v1beta1"
    kind       = "InferenceService"
    metadata = {
      name      = "fraud"
      namespace = "models"
    }
    spec = {
      predictor = {
        model = {
          modelFormat = { name = "sklearn" }
          storageUri  = "gs://contoso-models/fraud/3"
        }
      }
    }
  }
}

resource "kubectl_manifest" "default_deny" {
  yaml_body = <<-YAML
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata:
      name: default-deny
      namespace: models
    spec:
      podSelector: {}
      policyTypes: [Ingress]
  YAML
}

# Triton behind a LoadBalancer Service, both written as YAML text; the image tag comes
# from a variable (its default decides it).
resource "kubectl_manifest" "triton" {
  yaml_body = <<-YAML
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: triton
      namespace: models
    spec:
      selector:
        matchLabels: {app: triton}
      template:
        metadata:
          labels: {app: triton}
        spec:
          containers:
            - name: triton
              image: nvcr.io/nvidia/tritonserver:${var.image_tag}
              args: ["tritonserver", "--model-repository=s3://contoso-models/triton"]
  YAML
}

resource "kubectl_manifest" "triton_lb" {
  yaml_body = file("${path.module}/k8s/triton-service.yaml")
}
