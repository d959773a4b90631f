package mlcheck.rules.net_013_test

import data.mlcheck.rules.net_013
import rego.v1

res(rtype, attrs) := {"kind": "resource", "attrs": object.union({"type": rtype, "name": rtype, "provider_type": "x", "format": "terraform"}, attrs)}

items(nodes, edges) := found if {
	found := net_013.private_networking_gaps with input.nodes as nodes with input.edges as edges
}

test_public_access_off_without_endpoint_is_flagged if {
	found := items({"s": res("storage_account", {"public_network_access": false})}, [])
	count(found) == 1
	some i in found
	i.evidence.checks[0].value == false
	not i.cannot_evaluate
}

test_public_access_off_with_endpoint_passes if {
	nodes := {"k": res("key_vault", {"public_network_access": false}), "p": res("private_endpoint", {"dns_zone_group": true})}
	count(items(nodes, [{"src": "p", "dst": "k", "kind": "private_link"}])) == 0
}

test_a_managed_network_workspace_reaches_what_it_uses if {
	kv := res("key_vault", {"public_network_access": false})
	uses := [{"src": "w", "dst": "k", "kind": "uses"}]
	managed := {"k": kv, "w": res("ml_workspace", {"public_network_access": true, "isolation_mode": "allow_only_approved_outbound"})}
	count(items(managed, uses)) == 0
	unmanaged := {"k": kv, "w": res("ml_workspace", {"public_network_access": true, "isolation_mode": "disabled"})}
	count(items(unmanaged, uses)) == 1
}

test_public_access_on_is_not_this_rules_concern if {
	count(items({"w": res("ml_workspace", {"public_network_access": true})}, [])) == 0
}

test_unknown_public_access_cannot_be_evaluated if {
	node := res("container_registry", {"unknown": {"public_network_access": {"expression": "var.public", "reason": "no default"}}})
	some i in items({"r": node}, [])
	i.cannot_evaluate
}

test_endpoint_without_zone_group if {
	count(items({"p": res("private_endpoint", {"dns_zone_group": false})}, [])) == 1
	# ARM: no fact, a child zone group with an edge to the endpoint
	arm := {"p": res("private_endpoint", {"format": "arm"}), "z": res("private_dns_zone_group", {})}
	count(items(arm, [{"src": "z", "dst": "p", "kind": "uses"}])) == 0
	count(items({"p": res("private_endpoint", {"format": "arm"})}, [])) == 1
	some i in items({"p": res("private_endpoint", {"unknown": {"dns_zone_group": {"expression": "dynamic", "reason": "r"}}})}, [])
	i.cannot_evaluate
}

test_compute_subnet_without_nsg if {
	nodes := {"s": res("subnet", {"network_security_group": null}), "c": res("ml_compute", {"name": "cpu"})}
	found := items(nodes, [{"src": "c", "dst": "s", "kind": "uses"}])
	count(found) == 1
	some i in found
	i.evidence.hosts == ["ml_compute cpu"]
	# no compute: nothing to say
	count(items(nodes, [])) == 0
}

test_azurerm_subnet_needs_an_association if {
	nodes := {"s": res("subnet", {"provider_type": "azurerm_subnet"}), "c": res("ml_compute", {}), "a": res("subnet_nsg_association", {}), "n": res("network_security_group", {"security_rules": []})}
	count(items(nodes, [{"src": "c", "dst": "s", "kind": "uses"}])) == 1
	count(items(nodes, [{"src": "c", "dst": "s", "kind": "uses"}, {"src": "a", "dst": "s", "kind": "uses"}, {"src": "a", "dst": "n", "kind": "uses"}])) == 0
}

test_referenced_nsg_counts_when_its_id_is_unknown if {
	nodes := {"s": res("subnet", {"unknown": {"network_security_group": {"expression": "azurerm_network_security_group.a.id", "reason": "known after apply"}}}), "c": res("ml_compute", {}), "n": res("network_security_group", {})}
	count(items(nodes, [{"src": "c", "dst": "s", "kind": "uses"}, {"src": "s", "dst": "n", "kind": "uses"}])) == 0
	some i in items(nodes, [{"src": "c", "dst": "s", "kind": "uses"}])
	i.cannot_evaluate
}
