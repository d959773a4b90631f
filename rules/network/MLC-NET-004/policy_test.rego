package mlcheck.rules.net_004_test

import data.mlcheck.rules.net_004
import rego.v1

ci(attrs) := {"kind": "resource", "attrs": object.union({"type": "ml_compute", "name": "ci", "provider_type": "azurerm_machine_learning_compute_instance", "format": "terraform"}, attrs)}

test_default_public_ip_and_local_auth_are_flagged if {
	nodes := {"c": ci({"node_public_ip": true, "ssh_public_access": false, "local_auth": true})}
	[i.evidence.facts | some i in net_004.exposed_compute] == [{"node_public_ip": true, "local_auth": true}] with input.nodes as nodes
}

test_ssh_does_not_matter_without_public_ips if {
	nodes := {"c": ci({"node_public_ip": false, "ssh_public_access": true, "local_auth": false})}
	count(net_004.exposed_compute) == 0 with input.nodes as nodes
}

test_inference_clusters_and_other_compute_types_are_not_judged if {
	nodes := {
		"a": ci({"provider_type": "azurerm_machine_learning_inference_cluster"}),
		"k": ci({"provider_type": "Microsoft.MachineLearningServices/workspaces/computes", "compute_type": "kubernetes", "node_public_ip": true}),
	}
	count(net_004.exposed_compute) == 0 with input.nodes as nodes
}

test_notebook_root_access if {
	nb := {"kind": "resource", "attrs": {"type": "sagemaker_notebook_instance", "provider_type": "aws_sagemaker_notebook_instance", "root_access": true}}
	count(net_004.exposed_compute) == 1 with input.nodes as {"n": nb}
	count(net_004.exposed_compute) == 0 with input.nodes as {"n": object.union(nb, {"attrs": {"root_access": false}})}
}
