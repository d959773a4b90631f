package mlcheck.rules.net_006_test

import data.mlcheck.rules.net_006
import rego.v1

ws(attrs) := {"kind": "resource", "attrs": object.union({"type": "ml_workspace", "name": "mlw", "provider_type": "azurerm_machine_learning_workspace", "format": "terraform", "cmk": false, "hbi": false}, attrs)}

sa(tags) := {"kind": "resource", "attrs": {"type": "storage_account", "name": "stml", "provider_type": "azurerm_storage_account", "tags": tags, "properties": {"tags": tags}}}

uses := [{"src": "w", "dst": "s", "kind": "uses"}]

test_hbi_without_cmk_is_flagged if {
	[i.node | some i in net_006.sensitive_without_cmk] == ["w"] with input.nodes as {"w": ws({"hbi": true})} with input.edges as []
}

test_hbi_with_cmk_passes if {
	count(net_006.sensitive_without_cmk) == 0 with input.nodes as {"w": ws({"hbi": true, "cmk": true})} with input.edges as []
}

test_storage_tagged_sensitive_needs_cmk_and_the_tags_are_params if {
	nodes := {"w": ws({}), "s": sa({"Data-Classification": "Confidential"})}
	[i.evidence.facts.needs_cmk | some i in net_006.sensitive_without_cmk] == [["it uses storage account stml tagged Data-Classification=Confidential"]] with input.nodes as nodes with input.edges as uses
	count(net_006.sensitive_without_cmk) == 0 with input.nodes as nodes with input.edges as uses with data.mlcheck.params as {"sensitive_tags": {"owner": ["ml"]}}
}

test_untagged_storage_and_no_hbi_passes if {
	count(net_006.sensitive_without_cmk) == 0 with input.nodes as {"w": ws({}), "s": sa({"env": "dev"})} with input.edges as uses
}

test_unknown_hbi_cannot_be_evaluated_unless_a_cmk_is_set if {
	open := {"w": ws({"unknown": {"hbi": {"expression": "var.hbi", "reason": "no default"}}})}
	[i.cannot_evaluate | some i in net_006.sensitive_without_cmk] == [true] with input.nodes as open with input.edges as []
	keyed := {"w": ws({"cmk": true, "unknown": {"hbi": {"expression": "var.hbi", "reason": "no default"}}})}
	count(net_006.sensitive_without_cmk) == 0 with input.nodes as keyed with input.edges as []
}

test_project_workspaces_are_not_judged if {
	count(net_006.sensitive_without_cmk) == 0 with input.nodes as {"w": ws({"hbi": true, "kind": "project"})} with input.edges as []
}
