package mlcheck.rules.net_007_test

import data.mlcheck.rules.net_007
import rego.v1

nodes(endpoint_attrs, storage_tags) := {
	"model_version:churn/1": {"kind": "model_version", "attrs": {"name": "churn", "version": "1"}},
	"run:r1": {"kind": "run", "attrs": {}},
	"dataset:d1": {"kind": "dataset", "attrs": {}},
	"resource:st": {"kind": "resource", "attrs": {"type": "storage_account", "name": "stpii", "tags": storage_tags}},
	"deployment:blue": {"kind": "deployment", "attrs": {"endpoint_name": "churn"}},
	"endpoint:churn": {"kind": "endpoint", "attrs": object.union({"type": "ml_online_endpoint", "name": "churn"}, endpoint_attrs)},
}

edges := [
	{"src": "model_version:churn/1", "dst": "run:r1", "kind": "produced_by"},
	{"src": "run:r1", "dst": "dataset:d1", "kind": "reads"},
	{"src": "dataset:d1", "dst": "resource:st", "kind": "stored_in"},
	{"src": "deployment:blue", "dst": "model_version:churn/1", "kind": "serves"},
	{"src": "endpoint:churn", "dst": "deployment:blue", "kind": "exposes"},
]

confidential := {"Data_Classification": "Confidential"}

test_public_endpoint_serving_sensitive_training_data_is_flagged if {
	found := net_007.exposed_sensitive_models with input.nodes as nodes({"public_network_access": true}, confidential)
		with input.edges as edges
	count(found) == 1
	some f in found
	f.node == "model_version:churn/1"
	f.evidence.path.training[0].storage_account == "resource:st"
	f.evidence.path.training[0].tag == "Data_Classification=Confidential"
	f.evidence.path.serving.endpoint == "endpoint:churn"
	not f.cannot_evaluate
}

test_private_endpoint_passes if {
	count(net_007.exposed_sensitive_models) == 0 with input.nodes as nodes({"public_network_access": false}, confidential)
		with input.edges as edges
}

test_data_not_tagged_sensitive_passes if {
	count(net_007.exposed_sensitive_models) == 0 with input.nodes as nodes({"public_network_access": true}, {"env": "prod"})
		with input.edges as edges
}

test_tags_are_a_param if {
	found := net_007.exposed_sensitive_models with input.nodes as nodes({"public_network_access": true}, {"env": "prod"})
		with input.edges as edges
		with data.mlcheck.params as {"sensitive_tags": {"env": ["prod"]}}
	count(found) == 1
}

test_a_break_in_the_path_passes if {
	some i in numbers.range(0, 4)
	cut := array.concat(array.slice(edges, 0, i), array.slice(edges, i + 1, 5))
	count(net_007.exposed_sensitive_models) == 0 with input.nodes as nodes({"public_network_access": true}, confidential)
		with input.edges as cut
}

test_unknown_exposure_cannot_be_evaluated if {
	unknown := {"unknown": {"public_network_access": {"expression": "${{ inputs.public }}", "reason": "template expression"}}}
	found := net_007.exposed_sensitive_models with input.nodes as nodes(unknown, confidential) with input.edges as edges
	count(found) == 1
	some f in found
	f.cannot_evaluate == true
	f.evidence.unknown[0].expression == "${{ inputs.public }}"
}
