# Objects Terraform deploys from YAML files of the repository. The k8s collector reads the
# same files on their own; the Terraform resources stand for the objects, so each is judged
# once (the manifests are kept as their text).

resource "kubernetes_manifest" "scorer" {
  manifest = yamldecode(file("${path.module}/k8s/scorer.yaml"))
}

# The Service's type comes from templatefile()'s vars: a cloud load balancer.
resource "kubectl_manifest" "scorer_lb" {
  yaml_body = templatefile("${path.module}/k8s/scorer-service.yaml", { service_type = "LoadBalancer" })
}
