# MLC-NET-014: a model version whose lineage has a gap is served from the internet. The
# linkers made the joins: serves (a workload's or model server's models:/ URI, a
# deployment's model, a function's load_model), exposes (Service → pods, endpoint →
# deployment, function app → its HTTP functions), uses (Ingress → Service), private_link,
# produced_by, built_from, source_file and reads; this policy follows them from the
# server's side.
package mlcheck.rules.net_014

import data.mlcheck.lib
import data.mlcheck.lib.cloud
import data.mlcheck.lib.functions
import rego.v1

open_service_types := {"loadbalancer", "nodeport"}

# Kubernetes model servers: pods (Deployments, …) and serving resources (KServe
# InferenceService, Seldon SeldonDeployment and Model).
k8s_servers := {"k8s_workload", "k8s_inference_service"}

# [model version, server, how the internet reaches it].
exposed contains [mv, server, how] if {
	some [server, mv] in lib.edges("serves")
	input.nodes[mv].kind == "model_version"
	input.nodes[server].attrs.type in k8s_servers
	some svc in lib.predecessors("exposes", server)
	service := input.nodes[svc]
	service.attrs.service_type in open_service_types
	how := concat("", ["Kubernetes Service ", service.attrs.name, " of type ", service.attrs.service_type])
}

exposed contains [mv, server, how] if {
	some [server, mv] in lib.edges("serves")
	input.nodes[mv].kind == "model_version"
	input.nodes[server].attrs.type in k8s_servers
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

exposed contains [mv, server, how] if {
	some [server, mv] in lib.edges("serves")
	input.nodes[mv].kind == "model_version"
	node := input.nodes[server]
	node.attrs.type == "k8s_inference_service"
	node.attrs.cluster_local == false
	how := concat("", ["InferenceService ", node.attrs.name, " published on the ingress gateway (no cluster-local label)"])
}

# Azure ML Kubernetes online deployments: the deployment runs on an attached Kubernetes
# compute whose cluster's Azure ML extension publishes the inference router on a public
# LoadBalancer or a NodePort.
public_routers := {"loadbalancer", "nodeport"}

exposed contains [mv, dep, how] if {
	some [dep, mv] in lib.edges("serves")
	input.nodes[mv].kind == "model_version"
	input.nodes[dep].kind == "deployment"
	some compute in lib.successors("uses", dep)
	input.nodes[compute].attrs.type == "ml_compute"
	some cluster in lib.successors("uses", compute)
	input.nodes[cluster].attrs.type == "k8s_cluster"
	some ext in lib.predecessors("uses", cluster)
	extension := input.nodes[ext]
	extension.attrs.type == "k8s_cluster_extension"
	extension.attrs.inference_router in public_routers
	how := concat("", [
		"Kubernetes compute ", cloud.text(cloud.name(compute, input.nodes[compute])), " on cluster ",
		cloud.text(cloud.name(cluster, input.nodes[cluster])), ", whose Azure ML extension ",
		cloud.text(cloud.name(ext, extension)), " publishes the inference router as a ", extension.attrs.inference_router,
		" Service",
	])
}

# Function apps: [model version, HTTP function, its function app] for each function that
# loads the version and the app that runs it.
function_paths contains [mv, fid, app] if {
	some [fid, mv] in lib.edges("serves")
	input.nodes[mv].kind == "model_version"
	input.nodes[fid].attrs.type == "function_http"
	some app in lib.predecessors("exposes", fid)
	input.nodes[app].attrs.type == "function_app"
	not input.nodes[app].attrs.existing
}

exposed contains [mv, fid, how] if {
	some [mv, fid, app] in function_paths
	input.nodes[fid].attrs.auth_level == "anonymous"
	functions.open(app, input.nodes[app])
	how := concat("", [
		"function app ", cloud.text(cloud.name(app, input.nodes[app])), ", anonymous function ", lib.label(fid),
		": public network access on, no access restrictions, no App Service authentication, no private endpoint",
	])
}

# A function path the facts cannot decide: the app is not known closed, the function is
# not known to need a key, and some gate or the auth level cannot be read.
undecided contains [mv, fid, unknown] if {
	some [mv, fid, app] in function_paths
	not functions.closed(app, input.nodes[app])
	not protected(fid)
	unknown := array.concat(functions.open_unknown(input.nodes[app]), auth_unknown(fid))
	count(unknown) > 0
}

protected(fid) if {
	not input.nodes[fid].attrs.unknown.auth_level
	input.nodes[fid].attrs.auth_level != "anonymous"
}

auth_unknown(fid) := [object.union({"node": fid, "fact": "auth_level", "unknown": "auth_level"}, u) |
	u := input.nodes[fid].attrs.unknown.auth_level
]

served := {mv | some [mv, _, _] in exposed} | {mv | some [mv, _, _] in undecided}

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

exposed_lineage_gaps contains finding if {
	some [mv, fid, unknown] in undecided
	found := sort(gaps[mv])
	count(found) > 0
	finding := {
		"node": mv,
		"cannot_evaluate": true,
		"message": concat("", ["cannot evaluate whether the internet reaches model version ", lib.version_name(input.nodes[mv]), " through function ", lib.label(fid), ": ", concat(", ", sort({u.fact | u := unknown[_]})), " unknown"]),
		"evidence": {"unknown": unknown, "lineage_gaps": found, "served_by": fid},
	}
}
