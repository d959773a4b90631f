# MLC-NET-004: an ML compute reachable or controllable from outside. Compute instances and
# clusters only: an attached Kubernetes cluster (inference cluster, computeType AKS /
# Kubernetes) is judged as a cluster by MLC-NET-010.
package mlcheck.rules.net_004

import data.mlcheck.lib.cloud
import rego.v1

compute_checks := [
	{"fact": "node_public_ip", "bad": [true], "why": "nodes get public IP addresses"},
	# SSH can only be public while the nodes have public IPs.
	{"fact": "ssh_public_access", "bad": [true], "why": "SSH open on public IPs", "unless": {"fact": "node_public_ip", "value": false}},
	{"fact": "local_auth", "bad": [true], "why": "local (key) authentication enabled"},
]

notebook_checks := [{"fact": "root_access", "bad": [true], "why": "users get root access"}]

exposed_compute := cloud.compute_items({"computeinstance", "amlcompute"}, compute_checks, "ML compute") | notebooks

notebooks contains item if {
	some id, node in cloud.resources("sagemaker_notebook_instance")
	item := cloud.judge(id, node, notebook_checks, "SageMaker notebook instance")
}
