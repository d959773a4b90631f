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

fn_app(attrs) := {"kind": "resource", "attrs": object.union({
	"type": "function_app", "name": "func-score", "provider_type": "azurerm_linux_function_app", "format": "terraform",
	"public_network_access": true, "access_restrictions": false, "auth_enabled": false, "auth_v2_enabled": false,
}, attrs)}

fn(attrs) := {"kind": "endpoint", "attrs": object.union({"type": "function_http", "name": "score", "auth_level": "anonymous"}, attrs)}

fn_edges := [
	{"src": "fn", "dst": "mv", "kind": "serves"},
	{"src": "app", "dst": "fn", "kind": "exposes"},
	{"src": "mv", "dst": "run", "kind": "produced_by"},
]

test_anonymous_function_on_an_open_app_flagged if {
	nodes := {"mv": mv, "run": run, "fn": fn({}), "app": fn_app({})}
	found := net_014.exposed_lineage_gaps with input.nodes as nodes with input.edges as fn_edges
	count(found) == 1
	some f in found
	not f.cannot_evaluate
	f.evidence.path.served_by == "fn"
	contains(f.message, "function app func-score, anonymous function score")
}

test_a_closed_function_path_passes if {
	every variant in [
		{"app": fn_app({"auth_v2_enabled": true}), "fn": fn({})},
		{"app": fn_app({"access_restrictions": true}), "fn": fn({})},
		{"app": fn_app({"public_network_access": false}), "fn": fn({})},
		{"app": fn_app({}), "fn": fn({"auth_level": "function"})},
	] {
		nodes := {"mv": mv, "run": run, "fn": variant.fn, "app": variant.app}
		count(net_014.exposed_lineage_gaps) == 0 with input.nodes as nodes with input.edges as fn_edges
	}
}

test_a_private_endpoint_closes_the_function_path if {
	nodes := {"mv": mv, "run": run, "fn": fn({}), "app": fn_app({}), "pe": {"kind": "resource", "attrs": {"type": "private_endpoint"}}}
	edges := array.concat(fn_edges, [{"src": "pe", "dst": "app", "kind": "private_link"}])
	count(net_014.exposed_lineage_gaps) == 0 with input.nodes as nodes with input.edges as edges
}

test_an_unreadable_gate_cannot_be_evaluated if {
	app := {"kind": "resource", "attrs": {"type": "function_app", "name": "func-score", "provider_type": "Microsoft.Web/sites", "format": "arm", "public_network_access": true, "access_restrictions": false}}
	nodes := {"mv": mv, "run": run, "fn": fn({}), "app": app}
	found := net_014.exposed_lineage_gaps with input.nodes as nodes with input.edges as fn_edges
	count(found) == 1
	some f in found
	f.cannot_evaluate
	contains(f.message, "auth_enabled")
}

test_a_public_inference_service_flagged if {
	isvc := {"kind": "resource", "attrs": {"type": "k8s_inference_service", "name": "churn", "cluster_local": false}}
	nodes := {"mv": mv, "run": run, "srv": isvc}
	edges := [{"src": "srv", "dst": "mv", "kind": "serves"}, {"src": "mv", "dst": "run", "kind": "produced_by"}]
	count(net_014.exposed_lineage_gaps) == 1 with input.nodes as nodes with input.edges as edges
	local := json.patch(isvc, [{"op": "replace", "path": "/attrs/cluster_local", "value": true}])
	count(net_014.exposed_lineage_gaps) == 0 with input.nodes as {"mv": mv, "run": run, "srv": local} with input.edges as edges
}

aks_nodes(router) := {
	"mv": mv, "run": run,
	"dep": {"kind": "deployment", "attrs": {"name": "blue", "type": "kubernetes"}},
	"c": {"kind": "resource", "attrs": {"type": "ml_compute", "name": "aks-inference"}},
	"k": {"kind": "resource", "attrs": {"type": "k8s_cluster", "name": "aks-ml"}},
	"x": {"kind": "resource", "attrs": {"type": "k8s_cluster_extension", "name": "azureml", "inference_router": router}},
}

aks_edges := [
	{"src": "dep", "dst": "mv", "kind": "serves"}, {"src": "mv", "dst": "run", "kind": "produced_by"},
	{"src": "dep", "dst": "c", "kind": "uses"}, {"src": "c", "dst": "k", "kind": "uses"},
	{"src": "x", "dst": "k", "kind": "uses"},
]

test_kubernetes_online_deployment_behind_a_public_inference_router_flagged if {
	some f in net_014.exposed_lineage_gaps with input.nodes as aks_nodes("loadbalancer") with input.edges as aks_edges
	contains(f.message, "Kubernetes compute aks-inference on cluster aks-ml, whose Azure ML extension azureml publishes the inference router as a loadbalancer Service")
}

test_an_internal_or_cluster_inference_router_passes if {
	every router in ["loadbalancer-internal", "clusterip"] {
		count(net_014.exposed_lineage_gaps) == 0 with input.nodes as aks_nodes(router) with input.edges as aks_edges
	}
}
