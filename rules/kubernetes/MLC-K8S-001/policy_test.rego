package mlcheck.rules.k8s_001_test

import data.mlcheck.rules.k8s_001
import rego.v1

server := {"kind": "resource", "attrs": {"type": "k8s_workload", "name": "churn", "model_server": "mlflow",
	"namespace": "ml", "scope": "fs:./k", "pod_labels": {"app": "churn"}}}

deny_all := {"kind": "resource", "attrs": {"type": "k8s_network_policy", "name": "deny", "namespace": "ml",
	"scope": "fs:./k", "pod_selector": {}}}

service(kind) := {"kind": "resource", "attrs": {"type": "k8s_service", "name": "churn", "service_type": kind,
	"namespace": "ml", "scope": "fs:./k"}}

exposes := [{"src": "svc", "dst": "srv", "kind": "exposes"}]

test_load_balancer_flagged if {
	nodes := {"srv": server, "svc": service("loadbalancer"), "np": deny_all}
	found := k8s_001.exposed_model_servers with input.nodes as nodes with input.edges as exposes
	count(found) == 1
	some f in found
	f.node == "srv"
	contains(f.message, "of type loadbalancer")
}

test_cluster_ip_with_policy_passes if {
	nodes := {"srv": server, "svc": service("clusterip"), "np": deny_all}
	count(k8s_001.exposed_model_servers) == 0 with input.nodes as nodes with input.edges as exposes
}

test_no_policy_in_the_namespace_flagged if {
	nodes := {"srv": server, "svc": service("clusterip")}
	some f in k8s_001.exposed_model_servers with input.nodes as nodes with input.edges as exposes
	contains(f.message, "no NetworkPolicy")
}

test_policy_selecting_other_pods_does_not_cover if {
	other := json.patch(deny_all, [{"op": "replace", "path": "/attrs/pod_selector", "value": {"matchLabels": {"app": "web"}}}])
	nodes := {"srv": server, "np": other}
	count(k8s_001.exposed_model_servers) == 1 with input.nodes as nodes with input.edges as []
}

test_ingress_without_auth_flagged_with_auth_passes if {
	ingress := {"kind": "resource", "attrs": {"type": "k8s_ingress", "name": "churn", "auth_annotations": []}}
	edges := array.concat(exposes, [{"src": "ing", "dst": "svc", "kind": "uses"}])
	nodes := {"srv": server, "svc": service("clusterip"), "np": deny_all, "ing": ingress}
	count(k8s_001.exposed_model_servers) == 1 with input.nodes as nodes with input.edges as edges
	authed := json.patch(ingress, [{"op": "replace", "path": "/attrs/auth_annotations", "value": ["nginx.ingress.kubernetes.io/auth-url"]}])
	count(k8s_001.exposed_model_servers) == 0 with input.nodes as object.union(nodes, {"ing": authed}) with input.edges as edges
}

test_inference_service_on_the_gateway_flagged if {
	isvc := {"kind": "resource", "attrs": {"type": "k8s_inference_service", "name": "fraud", "cluster_local": false,
		"namespace": "ml", "scope": "fs:./k"}}
	count(k8s_001.exposed_model_servers) == 1 with input.nodes as {"isvc": isvc, "np": deny_all} with input.edges as []
	local := json.patch(isvc, [{"op": "replace", "path": "/attrs/cluster_local", "value": true}])
	count(k8s_001.exposed_model_servers) == 0 with input.nodes as {"isvc": local, "np": deny_all} with input.edges as []
}

# A Terraform-declared policy whose selector is an expression may or may not cover the server.
unknown_selector := json.patch(deny_all, [
	{"op": "remove", "path": "/attrs/pod_selector"},
	{"op": "add", "path": "/attrs/unknown", "value": {"pod_selector": {"expression": "var.match", "reason": "a variable without a default", "attribute": "spec.pod_selector"}}},
])

test_unknown_policy_selector_cannot_be_evaluated if {
	nodes := {"srv": server, "np": unknown_selector}
	[f.cannot_evaluate | some f in k8s_001.exposed_model_servers] == [true] with input.nodes as nodes with input.edges as []
	some f in k8s_001.exposed_model_servers with input.nodes as nodes with input.edges as []
	contains(f.message, "pod_selector of deny")
}

test_unknown_policy_selector_with_a_way_in_is_flagged if {
	nodes := {"srv": server, "svc": service("loadbalancer"), "np": unknown_selector}
	found := k8s_001.exposed_model_servers with input.nodes as nodes with input.edges as exposes
	[object.get(f, "cannot_evaluate", false) | some f in found] == [false]
	some f in found
	not contains(f.message, "no NetworkPolicy")
}

test_unknown_server_namespace_cannot_be_evaluated if {
	unknown_ns := json.patch(server, [
		{"op": "remove", "path": "/attrs/namespace"},
		{"op": "add", "path": "/attrs/unknown", "value": {"namespace": {"expression": "var.ns", "reason": "a variable without a default"}}},
	])
	[f.cannot_evaluate | some f in k8s_001.exposed_model_servers] == [true] with input.nodes as {"srv": unknown_ns, "np": deny_all} with input.edges as []
}
