package mlcheck.rules.net_001_test

import data.mlcheck.rules.net_001
import rego.v1

ws(attrs) := {"kind": "resource", "attrs": object.union({"type": "ml_workspace", "name": "mlw", "provider_type": "azurerm_machine_learning_workspace", "format": "terraform"}, attrs)}

test_public_by_default_is_flagged_and_says_default if {
	nodes := {"w": ws({"public_network_access": true, "fact_sources": {"public_network_access": {"attribute": "public_network_access_enabled", "from": "default", "default": "defaults to true"}}})}
	some item in net_001.public_workspaces with input.nodes as nodes
	item.node == "w"
	contains(item.message, "public_network_access_enabled not set: defaults to true")
}

test_private_workspace_passes if {
	nodes := {"w": ws({"public_network_access": false})}
	count(net_001.public_workspaces) == 0 with input.nodes as nodes
}

test_unknown_access_cannot_be_evaluated if {
	nodes := {"w": ws({"unknown": {"public_network_access": {"expression": "var.pna", "reason": "no default"}}})}
	[i.cannot_evaluate | some i in net_001.public_workspaces] == [true] with input.nodes as nodes
}

test_sagemaker_and_vertex if {
	nodes := {
		"d": {"kind": "resource", "attrs": {"type": "sagemaker_domain", "provider_type": "aws_sagemaker_domain", "public_network_access": true}},
		"n": {"kind": "resource", "attrs": {"type": "sagemaker_notebook_instance", "provider_type": "aws_sagemaker_notebook_instance", "public_network_access": false}},
		"v": {"kind": "resource", "attrs": {"type": "vertex_workbench_instance", "provider_type": "google_workbench_instance", "public_ip": true}},
	}
	{i.node | some i in net_001.public_workspaces} == {"d", "v"} with input.nodes as nodes
}
