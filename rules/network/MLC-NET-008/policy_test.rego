package mlcheck.rules.net_008_test

import data.mlcheck.rules.net_008
import rego.v1

kv(attrs) := {"kind": "resource", "attrs": object.union({"type": "key_vault", "name": "kv", "provider_type": "azurerm_key_vault", "format": "terraform", "public_network_access": false, "default_network_action": "allow", "soft_delete": true, "purge_protection": true}, attrs)}

test_private_recoverable_vault_passes if {
	count(net_008.weak_vaults) == 0 with input.nodes as {"k": kv({})} with input.edges as []
}

test_purgeable_vault_of_a_workspace_is_high if {
	nodes := {"k": kv({"purge_protection": false}), "w": {"kind": "resource", "attrs": {"type": "ml_workspace", "name": "mlw"}}}
	edges := [{"src": "w", "dst": "k", "kind": "uses"}]
	[i.severity | some i in net_008.weak_vaults] == ["high"] with input.nodes as nodes with input.edges as edges
}

test_open_firewall_alone_is_medium if {
	items := net_008.weak_vaults with input.nodes as {"k": kv({"public_network_access": true})} with input.edges as []
	[object.get(i, "severity", "rule") | some i in items] == ["rule"]
}
