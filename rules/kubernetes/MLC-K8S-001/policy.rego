# MLC-K8S-001: a model server on Kubernetes reachable from outside the cluster (a
# LoadBalancer or NodePort Service, an Ingress without authentication, an InferenceService
# on the ingress gateway), or in a namespace no NetworkPolicy of its folder covers.
package mlcheck.rules.k8s_001

import data.mlcheck.lib
import rego.v1

model_servers[id] := node if {
	some id, node in input.nodes
	node.attrs.type == "k8s_inference_service"
}

model_servers[id] := node if {
	some id, node in input.nodes
	node.attrs.type == "k8s_workload"
	is_string(node.attrs.model_server)
}

open_service_types := {"loadbalancer", "nodeport"}

# [model server, why, through] for each way in from outside the cluster or namespace.
exposures contains [id, why, svc] if {
	some id, _ in model_servers
	some svc in lib.predecessors("exposes", id)
	service := input.nodes[svc]
	service.attrs.service_type in open_service_types
	why := sprintf("Service %v is of type %v", [service.attrs.name, service.attrs.service_type])
}

exposures contains [id, why, ing] if {
	some id, _ in model_servers
	some svc in lib.predecessors("exposes", id)
	some ing in lib.predecessors("uses", svc)
	ingress := input.nodes[ing]
	ingress.attrs.type == "k8s_ingress"
	count(ingress.attrs.auth_annotations) == 0
	why := sprintf("Ingress %v routes to Service %v with no authentication annotation", [ingress.attrs.name, input.nodes[svc].attrs.name])
}

exposures contains [id, why, id] if {
	some id, node in model_servers
	node.attrs.type == "k8s_inference_service"
	node.attrs.cluster_local == false
	why := "the InferenceService is published on the ingress gateway (no cluster-local visibility label)"
}

# NetworkPolicies' pod selectors by "namespace|scope" (a namespace holds no "|"). A policy
# whose namespace or selector is unknown (a Terraform expression) is not among them: it may
# or may not cover a pod (unsure, below).
where(node) := concat("|", [node.attrs.namespace, object.get(node.attrs, "scope", "")])

policies[key] contains selector if {
	some policy in input.nodes
	policy.attrs.type == "k8s_network_policy"
	not lib.unknown(policy, "pod_selector")
	key := where(policy)
	selector := object.get(policy.attrs, "pod_selector", {})
}

# Facts that leave a server's cover by a NetworkPolicy unknown: [node, fact] for its own
# namespace, and for the namespace or selector of a policy of its folder that may be its.
unsure_facts contains [server, server, "namespace"] if {
	some server, node in model_servers
	lib.unknown(node, "namespace")
}

unsure_facts contains [server, id, "namespace"] if {
	some server, node in model_servers
	some id, policy in input.nodes
	policy.attrs.type == "k8s_network_policy"
	object.get(policy.attrs, "scope", "") == object.get(node.attrs, "scope", "")
	lib.unknown(policy, "namespace")
}

unsure_facts contains [server, id, "pod_selector"] if {
	some server, node in model_servers
	some id, policy in input.nodes
	policy.attrs.type == "k8s_network_policy"
	where(policy) == where(node)
	lib.unknown(policy, "pod_selector")
}

unsure(server) := {[id, fact] | some [s, id, fact] in unsure_facts; s == server}

# A policy covers a pod when its podSelector's matchLabels all hold (an empty selector
# covers every pod; matchExpressions are taken to cover it: they are not evaluated).
covers(selector, labels) if {
	every key, value in object.get(selector, "matchLabels", {}) {
		labels[key] == value
	}
}

covered(node) if {
	some selector in policies[where(node)]
	covers(selector, object.get(node.attrs, "pod_labels", {}))
}

exposures contains [id, why, id] if {
	some id, node in model_servers
	not covered(node)
	count(unsure(id)) == 0
	why := sprintf("no NetworkPolicy of its folder covers it in namespace %v", [namespace_name(node)])
}

namespace_name(node) := node.attrs.namespace if node.attrs.namespace != ""

namespace_name(node) := "(the one it is applied to)" if node.attrs.namespace == ""

exposed_model_servers contains finding if {
	some id, node in model_servers
	found := {[why, through] | some [server, why, through] in exposures; server == id}
	count(found) > 0
	whys := sort([why | some [why, _] in found])
	finding := {
		"node": id,
		# concat(), not sprintf("%v"), around a concat(): regopy 1.5.2 re-quotes concat results.
		"message": concat("", ["Model server ", node.attrs.name, " can be reached beyond its callers: ", concat("; ", whys)]),
		"evidence": {"path": sort([{"why": why, "through": through} | some [why, through] in found])},
	}
}

# No way in is known, but whether a NetworkPolicy covers the server is not: not judged.
exposed_model_servers contains item if {
	some id, node in model_servers
	not covered(node)
	open := unsure(id)
	count(open) > 0
	count({why | some [server, why, _] in exposures; server == id}) == 0
	item := {
		"node": id,
		"message": concat("", ["cannot evaluate model server ", node.attrs.name, ": whether a NetworkPolicy covers it is unknown (", concat(", ", sort([concat(" of ", [fact, object.get(input.nodes[n].attrs, "name", n)]) | some [n, fact] in open])), ")"]),
		"evidence": {"unknown": sort([object.union({"node": n, "fact": fact}, input.nodes[n].attrs.unknown[fact]) | some [n, fact] in open])},
		"cannot_evaluate": true,
	}
}
