package mlcheck.rules.net_009_test

import data.mlcheck.rules.net_009
import rego.v1

acr(attrs) := {"kind": "resource", "attrs": object.union({"type": "container_registry", "name": "acr", "provider_type": "azurerm_container_registry", "format": "terraform", "admin_user": false, "anonymous_pull": false, "public_network_access": false, "default_network_action": "allow"}, attrs)}

test_private_registry_without_admin_passes if {
	count(net_009.weak_registries) == 0 with input.nodes as {"r": acr({})} with input.edges as []
}

test_admin_user_on_a_deployments_registry_is_high if {
	nodes := {"r": acr({"admin_user": true}), "d": {"kind": "deployment", "attrs": {"type": "ml_online_deployment", "name": "blue"}}}
	edges := [{"src": "d", "dst": "r", "kind": "uses"}]
	[[i.severity, i.evidence.facts] | some i in net_009.weak_registries] == [["high", {"admin_user": true}]] with input.nodes as nodes with input.edges as edges
}

test_unknown_admin_user_cannot_be_evaluated if {
	nodes := {"r": acr({"unknown": {"admin_user": {"expression": "var.admin", "reason": "no default"}}})}
	[i.cannot_evaluate | some i in net_009.weak_registries] == [true] with input.nodes as nodes with input.edges as []
}
