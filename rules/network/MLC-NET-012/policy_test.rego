package mlcheck.rules.net_012_test

import data.mlcheck.rules.net_012
import rego.v1

res(rtype, attrs) := {"kind": "resource", "attrs": object.union({"type": rtype, "name": rtype, "address": rtype, "provider_type": "p", "format": "terraform"}, attrs)}

out_rule(over) := object.union({"name": "r", "direction": "outbound", "access": "allow", "priority": 100, "protocol": "*", "source": ["*"], "destination": ["Internet"], "destination_ports": ["*"]}, over)

deny_all := out_rule({"name": "deny", "access": "deny", "priority": 4000})

# An HBI workspace, a compute in subnet s, an NSG with `rules` on it, and `extra` nodes/edges.
estate(rules, extra_nodes, extra_edges) := {"nodes": object.union({
	"w": res("ml_workspace", {"hbi": true, "isolation_mode": "disabled"}),
	"c": res("ml_compute", {"name": "cpu"}),
	"s": res("subnet", {"name": "snet", "address_prefixes": ["10.0.1.0/24"]}),
	"n": res("network_security_group", {"security_rules": rules}),
}, extra_nodes), "edges": array.concat([
	{"src": "c", "dst": "w", "kind": "in_workspace"},
	{"src": "c", "dst": "s", "kind": "uses"},
	{"src": "s", "dst": "n", "kind": "uses"},
], extra_edges)}

items(e) := found if {
	found := net_012.open_egress with input.nodes as e.nodes with input.edges as e.edges
}

flagged(e) := {i.node | i := items(e)[_]; not i.cannot_evaluate}

undecided(e) := {i.node | i := items(e)[_]; i.cannot_evaluate}

test_default_outbound_and_system_route_are_open if {
	found := items(estate([], {}, []))
	count(found) == 1
	some i in found
	i.node == "s"
	i.evidence.nsg_rules[0].rule == "AllowInternetOutBound"
	i.evidence.routes[0].next_hop_type == "internet"
	i.evidence.lets_out[0].node == "c"
	not i.cannot_evaluate
}

test_deny_all_closes_unless_an_allow_comes_first if {
	count(items(estate([deny_all], {}, []))) == 0
	flagged(estate([deny_all, out_rule({"priority": 100, "destination_ports": ["443"], "protocol": "tcp"})], {}, [])) == {"s"}
	# an allow after the deny changes nothing
	count(items(estate([deny_all, out_rule({"priority": 4001})], {}, []))) == 0
	# a deny of one port only leaves the rest open
	flagged(estate([out_rule({"access": "deny", "destination_ports": ["80"]})], {}, [])) == {"s"}
	# a deny to a service tag is not a deny to the internet
	flagged(estate([out_rule({"access": "deny", "destination": ["Storage"]})], {}, [])) == {"s"}
}

test_unknown_rules_leave_it_undecided if {
	undecided(estate([out_rule({"access": null, "unknown": {"access": {"expression": "var.a"}}})], {}, [])) == {"s"}
	# a deny-all whose allow-before has an unknown priority
	undecided(estate([deny_all, out_rule({"priority": null})], {}, [])) == {"s"}
	# an allow of unknown direction cannot reopen a known deny-all of higher precedence
	count(items(estate([out_rule({"access": "deny", "priority": 100}), out_rule({"direction": null, "priority": 200})], {}, []))) == 0
}

route(over) := object.union({"name": "d", "address_prefix": "0.0.0.0/0", "next_hop_type": "virtualappliance", "next_hop_ip": null}, over)

fw_rule(over) := object.union({"group_priority": 0, "collection": "c", "collection_priority": 100, "kind": "application", "name": "any", "action": "allow", "sources": ["*"], "destinations": ["*"], "protocols": ["https:443"], "ports": ["443"], "internet": true}, over)

# Subnet s routes 0.0.0.0/0 (table t) to firewall f with `rules`.
through_firewall(routes, rules) := estate([], {
	"t": res("route_table", {"routes": routes}),
	"f": res("firewall", {"address": "azurerm_firewall.hub", "private_ip": "10.0.254.4", "firewall_rules": rules}),
}, [{"src": "s", "dst": "t", "kind": "uses"}, {"src": "t", "dst": "f", "kind": "uses"}])

test_firewall_route_is_open_only_if_the_firewall_lets_the_subnet_out if {
	by_ref := route({"next_hop_resource": "azurerm_firewall.hub"})
	by_ip := route({"next_hop_ip": "10.0.254.4"})
	flagged(through_firewall([by_ref], [fw_rule({})])) == {"s"}
	flagged(through_firewall([by_ip], [fw_rule({"sources": ["10.0.0.0/16"]})])) == {"s"}
	some i in items(through_firewall([by_ip], [fw_rule({})]))
	i.evidence.firewall_rules[0].rule == "any"
	# sources that do not hold the subnet, FQDNs that are not `*`, a deny: closed
	count(items(through_firewall([by_ref], [fw_rule({"sources": ["10.9.0.0/16"]})]))) == 0
	count(items(through_firewall([by_ref], [fw_rule({"destinations": ["pypi.org"], "internet": false})]))) == 0
	count(items(through_firewall([by_ref], []))) == 0
	# a network deny-all is applied before application rules
	count(items(through_firewall([by_ref], [fw_rule({}), fw_rule({"kind": "network", "action": "deny", "collection_priority": 900})]))) == 0
	# a later deny does not take it back
	flagged(through_firewall([by_ref], [fw_rule({}), fw_rule({"action": "deny", "collection_priority": 900})])) == {"s"}
}

test_next_hops_that_cannot_be_told_leave_it_undecided if {
	undecided(through_firewall([route({"unknown": {"next_hop_ip": {"expression": "var.fw_ip"}}})], [fw_rule({})])) == {"s"}
	some i in items(through_firewall([route({"unknown": {"next_hop_ip": {"expression": "var.fw_ip"}}})], []))
	i.evidence.unknown[0].expression == "var.fw_ip"
	i.evidence.unknown[0].unknown == "route d (0.0.0.0/0)"
	undecided(through_firewall([route({"next_hop_ip": "10.9.9.9"})], [])) == {"s"}
	undecided(through_firewall([route({"address_prefix": null})], [])) == {"s"}
	undecided(through_firewall([route({"next_hop_resource": "azurerm_firewall.hub"})], [fw_rule({"sources": null, "unknown": {"sources": {}}})])) == {"s"}
}

test_routes_to_nowhere_close_it if {
	count(items(through_firewall([route({"next_hop_type": "none"})], []))) == 0
	count(items(through_firewall([route({"next_hop_type": "virtualnetworkgateway"})], []))) == 0
	flagged(through_firewall([route({"next_hop_type": "internet"})], [])) == {"s"}
	# a route for another prefix leaves the system route in place
	flagged(through_firewall([route({"address_prefix": "10.0.0.0/8", "next_hop_type": "none"})], [])) == {"s"}
}

test_sensitivity_decides if {
	open := estate([], {"w": res("ml_workspace", {"hbi": false, "isolation_mode": "disabled"})}, [])
	count(items(open)) == 0
	tagged := estate([], {
		"w": res("ml_workspace", {"hbi": false, "isolation_mode": "disabled"}),
		"st": res("storage_account", {"tags": {"Data-Classification": "PII"}}),
	}, [{"src": "w", "dst": "st", "kind": "uses"}])
	flagged(tagged) == {"s"}
	unknown := estate([], {"w": res("ml_workspace", {"isolation_mode": "disabled", "unknown": {"hbi": {"expression": "var.hbi"}}})}, [])
	undecided(unknown) == {"s"}
}

test_managed_network_and_computes_outside_networks if {
	approved := estate([], {"w": res("ml_workspace", {"hbi": true, "isolation_mode": "allow_only_approved_outbound"})}, [])
	count(items(approved)) == 0
	internet := estate([], {"w": res("ml_workspace", {"hbi": true, "isolation_mode": "allow_internet_outbound"})}, [])
	flagged(internet) == {"w"}
	alone := {"nodes": {"w": res("ml_workspace", {"hbi": true, "isolation_mode": "disabled"}), "c": res("ml_compute", {"subnet": null})}, "edges": [{"src": "c", "dst": "w", "kind": "in_workspace"}]}
	flagged(alone) == {"c"}
	elsewhere := {"nodes": {"w": res("ml_workspace", {"hbi": true, "isolation_mode": "disabled"}), "c": res("ml_compute", {"subnet": "/subscriptions/0/x/subnets/y"})}, "edges": [{"src": "c", "dst": "w", "kind": "in_workspace"}]}
	undecided(elsewhere) == {"c"}
}

test_cidr_containment if {
	net_012.cidr_holds("10.0.0.0/8", "10.20.1.0/24")
	net_012.cidr_holds("10.20.1.0/24", "10.20.1.0/24")
	not net_012.cidr_holds("10.20.1.0/24", "10.20.0.0/16")
	not net_012.cidr_holds("192.168.0.0/16", "10.20.1.0/24")
	net_012.cidr_holds("0.0.0.0/0", "10.20.1.0/24")
	not net_012.cidr_holds("AzureCloud", "10.20.1.0/24")
}
