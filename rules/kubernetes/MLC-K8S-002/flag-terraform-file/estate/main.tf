# A model server Terraform deploys from a YAML file the k8s collector reads too: one object,
# judged once, as the Terraform resource.
resource "kubernetes_manifest" "triton" {
  manifest = yamldecode(file("${path.module}/k8s/triton.yaml"))
}
