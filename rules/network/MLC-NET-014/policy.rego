# MLC-NET-014: a model version whose lineage has a gap is served from the internet. The
# linkers made the joins: serves (a workload's models:/ URI, a deployment's model),
# exposes (Service → pods, endpoint → deployment), uses (Ingress → Service), produced_by,
# built_from, source_file and reads; this policy follows them from the server's side.
package mlcheck.rules.net_014

import data.mlcheck.lib
import rego.v1

open_service_types := {"loadbalancer", "nodeport"}

# [model version, server, how the internet reaches it].
exposed contains [mv, server, how] if {
	some [server, mv] in lib.edges("serves")
	input.nodes[mv].kind == "model_version"
	input.nodes[server].attrs.type == "k8s_workload"
	some svc in lib.predecessors("exposes", server)
	service := input.nodes[svc]
	service.attrs.service_type in open_service_types
	how := concat("", ["Kubernetes Service ", service.attrs.name, " of type ", service.attrs.service_type])
}

exposed contains [mv, server, how] if {
	some [server, mv] in lib.edges("serves")
	input.nodes[mv].kind == "model_version"
	input.nodes[server].attrs.type == "k8s_workload"
	some svc in lib.predecessors("exposes", server)
	some ing in lib.predecessors("uses", svc)
	ingress := input.nodes[ing]
	ingress.attrs.type == "k8s_ingress"
	count(ingress.attrs.auth_annotations) == 0
	how := concat("", ["Ingress ", ingress.attrs.name, " with no authentication annotation"])
}

exposed contains [mv, server, how] if {
	some [server, mv] in lib.edges("serves")
	input.nodes[mv].kind == "model_version"
	some ep in lib.predecessors("exposes", server)
	endpoint := input.nodes[ep]
	endpoint.attrs.type == "ml_online_endpoint"
	endpoint.attrs.public_network_access == true
	how := concat("", ["online endpoint ", endpoint.attrs.name, " with public network access"])
}

served := {mv | some [mv, _, _] in exposed}

# model version → its lineage gaps.
gaps[mv] contains "no training run is linked to it" if {
	some mv in served
	count(lib.successors("produced_by", mv)) == 0
}

gaps[mv] contains concat("", ["run ", lib.label(run), " was trained at no commit of a collected repository"]) if {
	some mv in served
	some run in lib.successors("produced_by", mv)
	count(lib.successors("built_from", run)) == 0
}

gaps[mv] contains concat("", ["its training code ", input.nodes[run].attrs.source_name, " is not under version control"]) if {
	some mv in served
	some run in lib.successors("produced_by", mv)
	input.nodes[run].attrs.source_name
	count(lib.successors("source_file", run)) == 0
}

gaps[mv] contains concat("", ["it was trained on ", lib.label(ds), ", not pinned to a version"]) if {
	some mv in served
	some run in lib.successors("produced_by", mv)
	some ds in lib.successors("reads", run)
	input.nodes[ds].attrs.pinned == false
}

exposed_lineage_gaps contains finding if {
	some [mv, server, how] in exposed
	found := sort(gaps[mv])
	finding := {
		"node": mv,
		"message": concat("", ["Model version ", lib.version_name(input.nodes[mv]), " is served to the internet (", how, ", by ", server, ") though ", concat("; ", found)]),
		"evidence": {
			"path": {"served_by": server, "reached_through": how, "model_version": mv},
			"facts": {"lineage_gaps": found, "served_by": server, "reached_through": how},
		},
	}
}
