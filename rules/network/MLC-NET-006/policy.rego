# MLC-NET-006: a workspace holding sensitive data (HBI, or a storage account tagged
# sensitive) without a customer-managed key. Three-valued: no CMK (known) and a known reason
# → finding; a CMK, or no reason and nothing unknown → pass; else cannot evaluate.
# Written with partial rules over the workspaces rather than functions returning sets:
# regopy 1.5.2 crashes on several of those shapes.
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

# Workspaces judged here: project workspaces take their hub's encryption.
workspaces[id] := node if {
	some id, node in cloud.resources("ml_workspace")
	not node.attrs.kind == "project"
}

# storage id → "name=value" tags marking sensitive data.
sensitive_tags[s] contains tag if {
	some s, node in cloud.resources("storage_account")
	some k, v in node.attrs.tags
	is_string(v)
	some key, wanted in tag_rules
	lower(k) == lower(key)
	some w in wanted
	lower(v) == lower(w)
	tag := concat("=", [k, v])
}

# Storage tags that cannot be read: a data source (properties unknown) or tags from an expression.
tags_unknown(node) if node.attrs.properties.unknown

tags_unknown(node) if node.attrs.properties.tags.unknown

tags_unknown(node) if {
	some v in node.attrs.tags
	v == null
}

# workspace → why it needs a CMK.
reasons[ws] contains "hbi_workspace is set" if {
	some ws, node in workspaces
	cloud.known(node, "hbi")
	node.attrs.hbi == true
}

reasons[ws] contains reason if {
	some e in input.edges
	e.kind == "uses"
	workspaces[e.src]
	tags := sensitive_tags[e.dst]
	ws := e.src
	reason := concat("", ["it uses storage account ", cloud.text(cloud.name(e.dst, input.nodes[e.dst])), " tagged ", concat(", ", sort(tags))])
}

# workspace → what keeps its need for a CMK open.
open_needs[ws] contains entry if {
	some ws, node in workspaces
	not cloud.known(node, "hbi")
	entry := cloud.unknown_entry(node, "hbi")
}

open_needs[ws] contains entry if {
	some e in input.edges
	e.kind == "uses"
	workspaces[e.src]
	input.nodes[e.dst].attrs.type == "storage_account"
	tags_unknown(input.nodes[e.dst])
	ws := e.src
	entry := {"fact": "tags", "unknown": concat(" ", [e.dst, "tags"]), "node": e.dst, "expression": "tags", "reason": "the storage account's tags cannot be read"}
}

no_cmk(node) if {
	cloud.known(node, "cmk")
	node.attrs.cmk == false
}

has_cmk(node) if {
	cloud.known(node, "cmk")
	node.attrs.cmk != false
}

sensitive_without_cmk contains item if {
	some id, node in workspaces
	no_cmk(node)
	why := reasons[id]
	item := {
		"node": id,
		"message": concat("", ["ML workspace ", cloud.text(cloud.name(id, node)), ": ", cloud.reason(object.union(cloud.quote(node, "cmk"), {"why": "no customer-managed key"})), ", yet ", concat(" and ", sort(why))]),
		"evidence": {"facts": {"cmk": false, "needs_cmk": sort(why)}, "checks": [cloud.quote(node, "cmk")]},
	}
}

# The CMK is unknown and the workspace needs one (or may).
sensitive_without_cmk contains item if {
	some id, node in workspaces
	not cloud.known(node, "cmk")
	needs_or_may(id)
	open := array.concat([cloud.unknown_entry(node, "cmk")], [e | e := open_needs[id][_]])
	item := {"node": id, "cannot_evaluate": true, "message": undecided_message(id, node, open), "evidence": {"unknown": open}}
}

# No CMK, no known reason, but an open one.
sensitive_without_cmk contains item if {
	some id, node in workspaces
	no_cmk(node)
	not reasons[id]
	open_needs[id]
	open := [e | e := open_needs[id][_]]
	item := {"node": id, "cannot_evaluate": true, "message": undecided_message(id, node, open), "evidence": {"unknown": open}}
}

needs_or_may(id) if reasons[id]

needs_or_may(id) if open_needs[id]

# (regopy 1.5.2 crashes on a function returning an object built from its arguments: the
# items are built in the rules, only their message here.)
undecided_message(id, node, unknowns) := concat("", [
	"cannot evaluate ML workspace ", cloud.text(cloud.name(id, node)), ": ",
	concat(", ", sort([f.fact | f := unknowns[_]])), " unknown",
])
