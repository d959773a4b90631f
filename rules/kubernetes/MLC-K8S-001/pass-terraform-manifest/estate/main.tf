# The same model servers kept inside the cluster: the InferenceService labelled
# cluster-local, Triton behind a ClusterIP Service, a default-deny NetworkPolicy in their
# namespace (named through a kubernetes_namespace_v1 resource).

resource "kubernetes_namespace_v1" "models" {
  metadata {
    name = "models"
  }
}

resource "kubernetes_manifest" "fraud" {
  manifest = {
    apiVersion = "serving.kserve.io/v1beta1"
    kind       = "InferenceService"
    metadata = {
      name      = "fraud"
      namespace = kubernetes_namespace_v1.models.metadata[0].name
      labels = {
        "networking.knative.dev/visibility" = "cluster-local"
      }
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

resource "kubernetes_manifest" "default_deny" {
  manifest = yamldecode(<<-YAML
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata:
      name: default-deny
      namespace: models
    spec:
      podSelector: {}
      policyTypes: [Ingress]
  YAML
  )
}

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
              image: nvcr.io/nvidia/tritonserver@sha256:4f4c0c1e2b7a9d3e5f60718293a4b5c6d7e8f90112233445566778899aabbccd
              args: ["tritonserver", "--model-repository=s3://contoso-models/triton"]
  YAML
}

resource "kubectl_manifest" "triton_svc" {
  yaml_body = <<-YAML
    apiVersion: v1
    kind: Service
    metadata:
      name: triton
      namespace: models
    spec:
      selector: {app: triton}
      ports:
        - {name: http, port: 8000}
  YAML
}
