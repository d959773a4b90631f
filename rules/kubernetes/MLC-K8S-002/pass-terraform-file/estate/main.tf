# A hardened model server Terraform deploys from a YAML file, pinned by digest and run as a
# non-root user.
resource "kubernetes_manifest" "churn" {
  manifest = yamldecode(file("${path.module}/k8s/churn.yaml"))
}
