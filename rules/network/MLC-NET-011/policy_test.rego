package mlcheck.rules.net_011_test

import data.mlcheck.rules.net_011
import rego.v1

rule(over) := object.union({"name": "r", "direction": "inbound", "access": "allow", "priority": 100, "protocol": "tcp", "source": ["*"], "destination_ports": ["22"]}, over)

nsg(rules) := {"kind": "resource", "attrs": {"type": "network_security_group", "name": "nsg", "provider_type": "azurerm_network_security_group", "format": "terraform", "security_rules": rules}}

items(nodes, edges) := found if {
	found := net_011.exposed_to_internet with input.nodes as nodes with input.edges as edges
}

test_ssh_from_anywhere_is_flagged_and_quoted if {
	found := items({"n": nsg([rule({})])}, [])
	count(found) == 1
	some i in found
	i.node == "n"
	i.evidence.rules[0].rule == "r"
	# membership, not equality: regopy 1.5.2 compares a sorted set with an array as unequal
	i.evidence.rules[0].admits[0] == 22
	count(i.evidence.rules[0].admits) == 1
	not i.cannot_evaluate
}

test_ranges_lists_and_service_tags if {
	count(items({"n": nsg([rule({"destination_ports": ["20-30"], "source": ["10.0.0.0/8", "Internet"]})])}, [])) == 1
	count(items({"n": nsg([rule({"destination_ports": ["*"], "source": ["0.0.0.0/0"]})])}, [])) == 1
	count(items({"n": nsg([rule({"destination_ports": ["5900-5990"], "source": ["::/0"]})])}, [])) == 1
	count(items({"n": nsg([rule({"destination_ports": ["23-3388", "3390"]})])}, [])) == 0
	# a reversed range is no range: undecided
	some i in items({"n": nsg([rule({"destination_ports": ["30-20"]})])}, [])
	i.cannot_evaluate
}

test_no_finding_for_deny_outbound_icmp_or_internal_sources if {
	count(items({"n": nsg([rule({"access": "deny"})])}, [])) == 0
	count(items({"n": nsg([rule({"direction": "outbound"})])}, [])) == 0
	count(items({"n": nsg([rule({"protocol": "icmp"})])}, [])) == 0
	count(items({"n": nsg([rule({"source": ["VirtualNetwork", "AzureLoadBalancer"]})])}, [])) == 0
	count(items({"n": nsg([rule({"destination_ports": ["443"]})])}, [])) == 0
}

test_any_port_matters_on_a_subnet_hosting_ml_compute if {
	nodes := {
		"n": nsg([rule({"destination_ports": ["443"]})]),
		"s": {"kind": "resource", "attrs": {"type": "subnet", "name": "snet"}},
		"c": {"kind": "resource", "attrs": {"type": "ml_compute", "name": "cpu"}},
	}
	edges := [{"src": "s", "dst": "n", "kind": "uses"}, {"src": "c", "dst": "s", "kind": "uses"}]
	found := items(nodes, edges)
	count(found) == 1
	some i in found
	i.evidence.subnets[0].hosts == ["ml_compute cpu"]
	i.evidence.rules[0].admits[0] == "443"
	count(i.evidence.rules[0].admits) == 1
	count(items(nodes, [edges[0]])) == 0
}

test_association_links_nsg_and_subnet if {
	nodes := {
		"n": nsg([rule({"destination_ports": ["8080"]})]),
		"a": {"kind": "resource", "attrs": {"type": "subnet_nsg_association"}},
		"s": {"kind": "resource", "attrs": {"type": "subnet", "name": "snet"}},
		"p": {"kind": "resource", "attrs": {"type": "private_endpoint", "name": "pe"}},
	}
	edges := [{"src": "a", "dst": "n", "kind": "uses"}, {"src": "a", "dst": "s", "kind": "uses"}, {"src": "p", "dst": "s", "kind": "uses"}]
	count(items(nodes, edges)) == 1
}

test_standalone_rule_reported_on_its_nsg_or_alone if {
	standalone := {"kind": "resource", "attrs": {"type": "network_security_rule", "name": "rdp", "security_rules": [rule({"destination_ports": ["3389"]})]}}
	with_nsg := items({"n": nsg([]), "r": standalone}, [{"src": "r", "dst": "n", "kind": "uses"}])
	[i.node | some i in with_nsg] == ["n"]
	alone := items({"r": standalone}, [])
	[i.node | some i in alone] == ["r"]
}

test_unknown_parts_make_it_undecided_unless_decided_otherwise if {
	unknown_source := items({"n": nsg([rule({"source": null, "unknown": {"source": {"expression": "var.src"}}})])}, [])
	count(unknown_source) == 1
	some i in unknown_source
	i.cannot_evaluate
	# a known outbound direction decides: no item
	count(items({"n": nsg([rule({"source": null, "direction": "outbound"})])}, [])) == 0
	# an unreadable port entry beside none that matches: undecided
	some j in items({"n": nsg([rule({"destination_ports": ["ssh"]})])}, [])
	j.cannot_evaluate
}

test_unknown_rule_list_is_undecided if {
	node := {"kind": "resource", "attrs": {"type": "network_security_group", "name": "nsg", "format": "terraform", "unknown": {"security_rules": {"expression": "dynamic", "reason": "for_each unknown"}}}}
	some i in items({"n": node}, [])
	i.cannot_evaluate
}

test_a_deny_rule_of_higher_precedence_takes_the_port_back if {
	deny := rule({"name": "deny", "access": "deny", "priority": 50, "protocol": "*", "source": ["Internet"], "destination_ports": ["0-1024"]})
	count(items({"n": nsg([deny, rule({})])}, [])) == 0
	# a later deny does not
	count(items({"n": nsg([object.union(deny, {"priority": 4000}), rule({})])}, [])) == 1
	# a deny of other ports leaves 22 open, and takes back only what it covers
	found := items({"n": nsg([deny, rule({"destination_ports": ["22", "3389"]})])}, [])
	some i in found
	i.evidence.rules[0].admits[0] == 3389
	count(i.evidence.rules[0].admits) == 1
	# a deny for UDP only does not cover TCP
	count(items({"n": nsg([object.union(deny, {"protocol": "udp"}), rule({})])}, [])) == 1
}

test_any_port_matters_where_build_agents_run if {
	nodes := {
		"n": nsg([rule({"destination_ports": ["443"]})]),
		"s": {"kind": "resource", "attrs": {"type": "subnet", "name": "snet"}},
		"p": {"kind": "resource", "attrs": {"type": "managed_devops_pool", "name": "mdp"}},
	}
	some i in items(nodes, [{"src": "s", "dst": "n", "kind": "uses"}, {"src": "p", "dst": "s", "kind": "uses"}])
	i.evidence.subnets[0].hosts == ["managed_devops_pool mdp"]
	# a scale set is a build agent only when an elastic pool names it
	vmss := {
		"n": nsg([rule({"destination_ports": ["443"]})]),
		"v": {"kind": "resource", "attrs": {"type": "vm_scale_set", "name": "agents"}},
		"e": {"kind": "resource", "attrs": {"type": "devops_elastic_pool", "name": "pool"}},
	}
	count(items(vmss, [{"src": "v", "dst": "n", "kind": "uses"}, {"src": "e", "dst": "v", "kind": "uses"}])) == 1
	count(items(vmss, [{"src": "v", "dst": "n", "kind": "uses"}])) == 0
}

test_a_nic_in_an_ml_subnet_counts_as_the_subnet if {
	nodes := {
		"n": nsg([rule({"destination_ports": ["8888"]})]),
		"a": {"kind": "resource", "attrs": {"type": "nic_nsg_association"}},
		"nic": {"kind": "resource", "attrs": {"type": "network_interface", "name": "nic"}},
		"s": {"kind": "resource", "attrs": {"type": "subnet", "name": "snet"}},
		"c": {"kind": "resource", "attrs": {"type": "ml_compute", "name": "cpu"}},
	}
	edges := [
		{"src": "a", "dst": "n", "kind": "uses"}, {"src": "a", "dst": "nic", "kind": "uses"},
		{"src": "nic", "dst": "s", "kind": "uses"}, {"src": "c", "dst": "s", "kind": "uses"},
	]
	count(items(nodes, edges)) == 1
	count(items(object.remove(nodes, ["c"]), [e | e := edges[_]; e.src != "c"])) == 0
}

test_a_resource_named_by_an_expression_is_called_by_its_address if {
	unnamed := {"kind": "resource", "attrs": {"type": "network_security_group", "address": "azurerm_network_security_group.ml", "provider_type": "azurerm_network_security_group", "format": "terraform", "security_rules": [rule({})]}}
	some i in items({"resource:n": unnamed}, [])
	contains(i.message, "NSG azurerm_network_security_group.ml admits inbound traffic")
}
