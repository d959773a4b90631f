# MLC-NET-007: a model version trained on data from a storage account tagged sensitive is
# served behind an online endpoint reachable from public networks. The linkers made the
# joins: stored_in (dataset → storage account, by the account in the data URI) and exposes
# (endpoint → deployment, by endpoint name); this policy follows them.
package mlcheck.rules.net_007

import data.mlcheck.lib
import rego.v1

# Tag keys and values that mark data as sensitive (case-insensitive); params.sensitive_tags
# replaces them, e.g. {"data_classification": ["confidential", "restricted"]}.
default_sensitive_tags := {
	"data_classification": ["confidential", "restricted", "sensitive", "pii", "highly confidential"],
	"dataclassification": ["confidential", "restricted", "sensitive", "pii", "highly confidential"],
	"classification": ["confidential", "restricted", "sensitive", "pii"],
	"sensitivity": ["confidential", "restricted", "sensitive", "high", "pii"],
	"confidentiality": ["confidential", "restricted", "high"],
	"pii": ["true", "yes"],
}

sensitive_tags := lib.param("sensitive_tags", default_sensitive_tags)

# The tag that makes a storage account sensitive, as "key=value".
sensitive_tag(storage) := sprintf("%v=%v", [key, value]) if {
	some key, value in storage.attrs.tags
	some wanted_key, wanted_values in sensitive_tags
	lower(key) == lower(wanted_key)
	lower(sprintf("%v", [value])) in {lower(v) | some v in wanted_values}
}

# [run, dataset, storage account, tag] for each sensitive source of a model version.
sensitive_sources(mv_id) := {[run, ds, st, tag] |
	some run in lib.successors("produced_by", mv_id)
	some ds in lib.successors("reads", run)
	some st in lib.successors("stored_in", ds)
	tag := sensitive_tag(input.nodes[st])
}

# [model version, deployment, endpoint] for each model version an online endpoint serves.
served := {[mv_id, dep, ep] |
	some [dep, mv_id] in lib.edges("serves")
	input.nodes[mv_id].kind == "model_version"
	some ep in lib.predecessors("exposes", dep)
	input.nodes[ep].attrs.type == "ml_online_endpoint"
}

source_paths(mv_id) := [{"run": p[0], "dataset": p[1], "storage_account": p[2], "tag": p[3]} |
	some p in sensitive_sources(mv_id)
]

exposed_sensitive_models contains finding if {
	some [mv_id, dep, ep] in served
	mv := input.nodes[mv_id]
	sources := source_paths(mv_id)
	count(sources) > 0
	endpoint := input.nodes[ep]
	endpoint.attrs.public_network_access == true
	finding := {
		"node": mv_id,
		"message": sprintf("Model version %s, trained on data from %v, is served by deployment %v behind %v, which is reachable from the internet", [lib.version_name(mv), sources[0].storage_account, dep, ep]),
		"evidence": {
			"path": {"training": sources, "serving": {"deployment": dep, "endpoint": ep}},
			"facts": {"public_network_access": true, "from": object.get(endpoint.attrs, ["fact_sources", "public_network_access"], null)},
		},
	}
}

# The endpoint's exposure is unknown (a template variable, a parameter without a default):
# the path cannot be judged.
exposed_sensitive_models contains finding if {
	some [mv_id, dep, ep] in served
	mv := input.nodes[mv_id]
	sources := source_paths(mv_id)
	count(sources) > 0
	endpoint := input.nodes[ep]
	lib.unknown(endpoint, "public_network_access")
	finding := {
		"node": mv_id,
		"message": sprintf("Model version %s, trained on sensitive data, is served behind %v, whose public network access is unknown", [lib.version_name(mv), ep]),
		"evidence": object.union(lib.unknown_evidence(endpoint, "public_network_access"), {"path": {"training": sources, "serving": {"deployment": dep, "endpoint": ep}}}),
		"cannot_evaluate": true,
	}
}
