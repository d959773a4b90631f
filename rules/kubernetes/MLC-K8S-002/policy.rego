# MLC-K8S-002: a pod that serves a model runs privileged, on the host's namespaces, as
# root, or from an image not pinned by digest.
package mlcheck.rules.k8s_002

import data.mlcheck.lib
import rego.v1

# Model servers: KServe InferenceServices, Seldon SeldonDeployments (one type: their pod
# facts read from where each keeps its pods), and workloads whose containers run a server.
model_servers[id] := node if {
	some id, node in input.nodes
	node.attrs.type == "k8s_inference_service"
}

model_servers[id] := node if {
	some id, node in input.nodes
	node.attrs.type == "k8s_workload"
	is_string(node.attrs.model_server)
}

server(node) := node.attrs.model_server if is_string(node.attrs.model_server)

server(node) := "KServe InferenceService" if {
	node.attrs.type == "k8s_inference_service"
	not is_string(node.attrs.model_server)
}

# model server id → what is wrong with its pod.
problems[id] contains "runs a privileged container" if {
	some id, node in model_servers
	node.attrs.privileged == true
}

problems[id] contains "shares the node's network, PID or IPC namespace" if {
	some id, node in model_servers
	node.attrs.host_network == true
}

problems[id] contains "is not kept from running as root (no runAsNonRoot, no non-zero runAsUser)" if {
	some id, node in model_servers
	node.attrs.non_root_enforced == false
}

# concat(), not sprintf("%s"), around a concat(): regopy 1.5.2 re-quotes concat results in sprintf.
problems[id] contains concat("", ["runs images not pinned by digest: ", concat(", ", node.attrs.unpinned_images)]) if {
	some id, node in model_servers
	count(node.attrs.unpinned_images) > 0
}

judged := ["privileged", "host_network", "non_root_enforced", "unpinned_images"]

insecure_model_pods contains finding if {
	some id, found in problems
	node := model_servers[id]
	finding := {
		"node": id,
		"message": concat("", ["Model server ", node.attrs.name, " (", server(node), ") ", concat("; ", sort(found))]),
		"evidence": {"facts": {fact: node.attrs[fact] | some fact in judged; node.attrs[fact] != null}},
	}
}

# Nothing wrong with what is known, but a fact it needs is unknown: not judged.
insecure_model_pods contains item if {
	some id, node in model_servers
	not problems[id]
	open := [fact | some fact in judged; lib.unknown(node, fact)]
	count(open) > 0
	item := {
		"node": id,
		"message": concat("", ["cannot evaluate model server ", node.attrs.name, ": ", concat(", ", open), " unknown"]),
		"evidence": {"unknown": [object.union({"fact": fact}, node.attrs.unknown[fact]) | some fact in open]},
		"cannot_evaluate": true,
	}
}
