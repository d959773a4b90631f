# MLC-NET-010: a Kubernetes cluster with a public API server open to any address, RBAC
# off, local accounts on, or nodes with public IPs.
package mlcheck.rules.net_010

import data.mlcheck.lib.cloud
import rego.v1

checks := {"k8s_cluster": [
	{"fact": "authorized_ip_ranges", "bad": [[]], "has": "0.0.0.0/0", "why": "public API server reachable from any address", "unless": {"fact": "private_cluster", "value": true}},
	{"fact": "rbac", "bad": [false], "why": "Kubernetes RBAC off", "not_on": ["aws_eks_cluster"]},
	{"fact": "local_accounts", "bad": [true], "why": "local accounts enabled (cluster-admin credentials bypass Entra ID)", "not_on": ["aws_eks_cluster", "google_container_cluster"]},
	{"fact": "node_public_ip", "bad": [true], "why": "nodes get public IP addresses", "not_on": ["aws_eks_cluster"]},
]}

exposed_clusters := cloud.items(checks, "Kubernetes cluster")
