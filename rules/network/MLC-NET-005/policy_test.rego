package mlcheck.rules.net_005_test

import data.mlcheck.rules.net_005
import rego.v1

hardened := {"public_blob_access": false, "public_network_access": false, "default_network_action": "allow", "https_only": true, "min_tls_version": "1.2", "shared_key_access": false}

sa(attrs) := {"kind": "resource", "attrs": object.union(object.union({"type": "storage_account", "name": "stml", "provider_type": "azurerm_storage_account", "format": "terraform"}, hardened), attrs)}

ws := {"kind": "resource", "attrs": {"type": "ml_workspace", "name": "mlw", "provider_type": "azurerm_machine_learning_workspace"}}

test_hardened_storage_passes if {
	count(net_005.weak_storage) == 0 with input.nodes as {"s": sa({})} with input.edges as []
}

test_weak_storage_alone_is_medium if {
	items := net_005.weak_storage with input.nodes as {"s": sa({"min_tls_version": "1.0"})} with input.edges as []
	[object.get(i, "severity", "rule") | some i in items] == ["rule"]
}

test_weak_storage_a_workspace_uses_is_high_and_named if {
	nodes := {"s": sa({"shared_key_access": true}), "w": ws}
	edges := [{"src": "w", "dst": "s", "kind": "uses"}]
	items := net_005.weak_storage with input.nodes as nodes with input.edges as edges
	count(items) == 1
	some i in items
	i.severity == "high"
	i.evidence.used_by == [{"node": "w", "edge": "uses", "target": "s"}]
	contains(i.message, "[high: used by ml_workspace mlw]")
}

test_open_firewall_matters_only_with_public_access if {
	open := {"s": sa({"public_network_access": true})}
	count(net_005.weak_storage) == 1 with input.nodes as open with input.edges as []
}
