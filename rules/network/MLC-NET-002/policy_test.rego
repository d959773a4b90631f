package mlcheck.rules.net_002_test

import data.mlcheck.rules.net_002
import rego.v1

ws(attrs) := {"kind": "resource", "attrs": object.union({"type": "ml_workspace", "name": "mlw", "provider_type": "Microsoft.MachineLearningServices/workspaces", "format": "bicep"}, attrs)}

test_internet_outbound_is_flagged_with_its_fqdn_rules if {
	nodes := {"w": ws({"isolation_mode": "allow_internet_outbound", "outbound_rules": {
		"pypi": {"type": "FQDN", "destination": "pypi.org", "category": "UserDefined"},
		"kv": {"type": "PrivateEndpoint", "destination": {"serviceResourceId": "x"}},
	}})}
	some item in net_002.open_egress with input.nodes as nodes
	item.node == "w"
	item.evidence.fqdn_outbound_rules == {"pypi": "pypi.org"}
}

test_no_managed_network_is_flagged if {
	nodes := {"w": ws({"isolation_mode": "disabled"})}
	[i.node | some i in net_002.open_egress; not i.cannot_evaluate] == ["w"] with input.nodes as nodes
}

test_approved_outbound_only_passes if {
	nodes := {"w": ws({"isolation_mode": "allow_only_approved_outbound"})}
	count(net_002.open_egress) == 0 with input.nodes as nodes
}

test_notebook_in_a_vpc_without_internet_passes_outside_a_vpc_fails if {
	nb := {"kind": "resource", "attrs": {"type": "sagemaker_notebook_instance", "provider_type": "aws_sagemaker_notebook_instance", "public_network_access": false, "subnet": "subnet-1"}}
	count(net_002.open_egress) == 0 with input.nodes as {"n": nb}
	count(net_002.open_egress) == 1 with input.nodes as {"n": object.union(nb, {"attrs": {"subnet": null}})}
}

model(attrs) := {"kind": "resource", "attrs": object.union({"type": "sagemaker_model", "name": "m", "provider_type": "aws_sagemaker_model", "format": "terraform"}, attrs)}

test_a_sagemaker_model_without_isolation_is_flagged_unless_in_a_vpc if {
	nodes := {
		"open": model({"network_isolation": false, "vpc": false}),
		"vpc": model({"network_isolation": false, "vpc": true}),
		"isolated": model({"network_isolation": true, "vpc": false}),
	}
	[i.node | some i in net_002.open_egress] == ["open"] with input.nodes as nodes
}
