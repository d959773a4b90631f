# A model server Terraform deploys from a YAML file, behind a ClusterIP Service, in a
# namespace whose NetworkPolicy Terraform declares. The file alone sits in a folder with
# no NetworkPolicy: judged on its own, it was flagged; it is the same object, judged once.

resource "kubernetes_manifest" "scorer" {
  manifest = yamldecode(file("${path.module}/k8s/scorer.yaml"))
}

resource "kubectl_manifest" "scorer_svc" {
  yaml_body = file("${path.module}/k8s/scorer-service.yaml")
}

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
