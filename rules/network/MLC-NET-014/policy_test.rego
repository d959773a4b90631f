package mlcheck.rules.net_014_test

import data.mlcheck.rules.net_014
import rego.v1

mv := {"kind": "model_version", "attrs": {"name": "churn", "version": 3}}

run := {"kind": "run", "attrs": {"source_name": "train.py"}}

server := {"kind": "resource", "attrs": {"type": "k8s_workload", "name": "churn-server"}}

service(kind) := {"kind": "resource", "attrs": {"type": "k8s_service", "name": "churn", "service_type": kind}}

base_edges := [
	{"src": "srv", "dst": "mv", "kind": "serves"},
	{"src": "svc", "dst": "srv", "kind": "exposes"},
	{"src": "mv", "dst": "run", "kind": "produced_by"},
]

test_public_service_and_untracked_code_flagged if {
	nodes := {"mv": mv, "run": run, "srv": server, "svc": service("loadbalancer")}
	found := net_014.exposed_lineage_gaps with input.nodes as nodes with input.edges as base_edges
	count(found) == 1
	some f in found
	f.node == "mv"
	contains(f.message, "train.py is not under version control")
	contains(f.message, "no commit of a collected repository")
}

test_clean_lineage_passes if {
	nodes := {"mv": mv, "run": run, "srv": server, "svc": service("loadbalancer"), "c": {"kind": "commit", "attrs": {}},
		"f": {"kind": "file", "attrs": {}}}
	edges := array.concat(base_edges, [{"src": "run", "dst": "c", "kind": "built_from"}, {"src": "run", "dst": "f", "kind": "source_file"}])
	count(net_014.exposed_lineage_gaps) == 0 with input.nodes as nodes with input.edges as edges
}

test_cluster_ip_is_not_the_internet if {
	nodes := {"mv": mv, "run": run, "srv": server, "svc": service("clusterip")}
	count(net_014.exposed_lineage_gaps) == 0 with input.nodes as nodes with input.edges as base_edges
}

test_public_online_endpoint_and_unpinned_data_flagged if {
	ep := {"kind": "endpoint", "attrs": {"type": "ml_online_endpoint", "name": "churn-ep", "public_network_access": true}}
	dep := {"kind": "deployment", "attrs": {"type": "ml_online_deployment", "name": "blue"}}
	ds := {"kind": "dataset", "attrs": {"pinned": false}}
	nodes := {"mv": mv, "run": {"kind": "run", "attrs": {}}, "dep": dep, "ep": ep, "ds": ds, "c": {"kind": "commit", "attrs": {}}}
	edges := [
		{"src": "dep", "dst": "mv", "kind": "serves"}, {"src": "ep", "dst": "dep", "kind": "exposes"},
		{"src": "mv", "dst": "run", "kind": "produced_by"}, {"src": "run", "dst": "c", "kind": "built_from"},
		{"src": "run", "dst": "ds", "kind": "reads"},
	]
	some f in net_014.exposed_lineage_gaps with input.nodes as nodes with input.edges as edges
	f.evidence.facts.lineage_gaps == ["it was trained on ds, not pinned to a version"]
}
