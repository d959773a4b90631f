# MLC-NET-006: a workspace holding sensitive data (HBI, or a storage account tagged
# sensitive) without a customer-managed key. Verdict: no CMK AND needs one, in three values
# ("yes", "no", "unknown"): both yes → finding; either no → pass; else cannot evaluate.
package mlcheck.rules.net_006

import data.mlcheck.lib
import data.mlcheck.lib.cloud
import rego.v1

classified := ["sensitive", "confidential", "highly-confidential", "restricted", "secret", "pii"]

default_tags := {
	"data-classification": classified,
	"data_classification": classified,
	"classification": classified,
	"sensitivity": classified,
}

tag_rules := lib.param("sensitive_tags", default_tags)

# "name=value" of each tag on a node that marks sensitive data.
sensitive_tags(node) := {sprintf("%v=%v", [k, v]) |
	v := node.attrs.tags[k]
	is_string(v)
	values := tag_rules[name]
	lower(k) == lower(name)
	lower(v) == lower(values[_])
}

# Tags that cannot be read: a data source (properties unknown) or tags from an expression.
tags_unknown(node) if node.attrs.properties.unknown

tags_unknown(node) if node.attrs.properties.tags.unknown

tags_unknown(node) if {
	some v in node.attrs.tags
	v == null
}

storage_of(ws) := {s | some [w, s] in lib.edges("uses"); w == ws; input.nodes[s].attrs.type == "storage_account"}

no_cmk(node) := "yes" if {
	cloud.known(node, "cmk")
	node.attrs.cmk == false
} else := "no" if {
	cloud.known(node, "cmk")
} else := "unknown"

# Why the workspace needs a CMK: {reason}, and what keeps that open.
reasons(id, node) := hbi | storage if {
	hbi := {"hbi_workspace is set" | cloud.known(node, "hbi"); node.attrs.hbi == true}
	storage := {sprintf("it uses storage account %v tagged %v", [cloud.name(s, input.nodes[s]), concat(", ", sort(tags))]) |
		some s in storage_of(id)
		tags := sensitive_tags(input.nodes[s])
		count(tags) > 0
	}
}

open_facts(id, node) := array.concat(
	[cloud.unknown_entry(node, "hbi") | not cloud.known(node, "hbi")],
	[{"fact": "tags", "unknown": sprintf("%v tags", [s]), "node": s, "expression": "tags", "reason": "the storage account's tags cannot be read"} |
		some s in storage_of(id)
		tags_unknown(input.nodes[s])
	],
)

needs_cmk(id, node) := "yes" if {
	count(reasons(id, node)) > 0
} else := "unknown" if {
	count(open_facts(id, node)) > 0
} else := "no"

workspaces contains [id, node] if {
	some id, node in cloud.resources("ml_workspace")
	not node.attrs.kind == "project"
}

sensitive_without_cmk contains item if {
	some [id, node] in workspaces
	no_cmk(node) == "yes"
	needs_cmk(id, node) == "yes"
	why := sort(reasons(id, node))
	item := {
		"node": id,
		"message": sprintf("ML workspace %v: %v, yet %v", [cloud.name(id, node), cloud.reason(object.union(cloud.quote(node, "cmk"), {"why": "no customer-managed key"})), concat(" and ", why)]),
		"evidence": {"facts": {"cmk": false, "needs_cmk": why}, "checks": [cloud.quote(node, "cmk")]},
	}
}

sensitive_without_cmk contains item if {
	some [id, node] in workspaces
	verdicts := {no_cmk(node), needs_cmk(id, node)}
	not "no" in verdicts
	"unknown" in verdicts
	open := array.concat([cloud.unknown_entry(node, "cmk") | no_cmk(node) == "unknown"], [f | needs_cmk(id, node) == "unknown"; some f in open_facts(id, node)])
	item := {
		"node": id, "cannot_evaluate": true,
		"message": sprintf("cannot evaluate ML workspace %v: %v unknown", [cloud.name(id, node), concat(", ", sort({f.fact | some f in open}))]),
		"evidence": {"unknown": open},
	}
}
