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

vm_types := {"azurerm_machine_learning_compute_instance", "azurerm_machine_learning_compute_cluster"}

# A compute instance or cluster: by its Terraform type, or by computeType (ARM, CLI YAML).
vm_compute(node) if node.attrs.provider_type in vm_types

vm_compute(node) if node.attrs.compute_type in {"computeinstance", "amlcompute"}

exposed_compute contains item if {
	some id, node in cloud.resources("ml_compute")
	vm_compute(node)
	item := cloud.judge(id, node, compute_checks, "ML compute")
}

# An ARM compute whose computeType cannot be resolved: which checks apply is unknown.
exposed_compute contains item if {
	some id, node in cloud.resources("ml_compute")
	node.attrs.unknown.compute_type
	item := {
		"node": id, "cannot_evaluate": true,
		"message": sprintf("cannot evaluate ML compute %v: compute type unknown", [cloud.name(id, node)]),
		"evidence": {"unknown": [cloud.unknown_entry(node, "compute_type")]},
	}
}

exposed_compute contains item if {
	some id, node in cloud.resources("sagemaker_notebook_instance")
	item := cloud.judge(id, node, notebook_checks, "SageMaker notebook instance")
}
