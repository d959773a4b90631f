resource "google_workbench_instance" "public" {
  name     = "workbench-public"
  location = "europe-west4-a"

  gce_setup {
    machine_type = "n1-standard-4"
  }
}

resource "google_container_cluster" "serving" {
  name               = "serving"
  location           = "europe-west4"
  initial_node_count = 1
  enable_legacy_abac = true

  private_cluster_config {
    enable_private_nodes    = true
    enable_private_endpoint = false
  }
}
