package mlcheck.lib.cloud_test

import data.mlcheck.lib.cloud
import rego.v1

checks := {"storage_account": [
	{"fact": "min_tls_version", "bad": ["1.0", "1.1"], "why": "TLS below 1.2"},
	{"fact": "default_network_action", "bad": ["allow"], "why": "firewall allows all", "unless": {"fact": "public_network_access", "value": false}},
]}

sa(attrs) := {"kind": "resource", "attrs": object.union({"type": "storage_account", "name": "st", "format": "terraform", "provider_type": "azurerm_storage_account"}, attrs)}

test_a_failed_check_is_a_finding_quoting_attribute_and_default if {
	nodes := {"s": sa({
		"min_tls_version": "1.0", "public_network_access": false, "default_network_action": "allow",
		"fact_sources": {"min_tls_version": {"attribute": "min_tls_version", "from": "default", "default": "doc"}},
	})}
	items := cloud.items(checks, "storage account") with input.nodes as nodes
	count(items) == 1
	some item in items
	item.node == "s"
	not item.cannot_evaluate
	item.evidence.facts == {"min_tls_version": "1.0"}
	item.evidence.checks[0].from == "default"
}

test_unless_lifts_a_check_and_good_facts_pass if {
	nodes := {"s": sa({"min_tls_version": "1.2", "public_network_access": false, "default_network_action": "allow"})}
	count(cloud.items(checks, "storage account")) == 0 with input.nodes as nodes
}

test_unknown_or_unrecorded_facts_cannot_be_evaluated if {
	nodes := {
		"u": sa({"min_tls_version": "1.2", "public_network_access": true, "unknown": {"default_network_action": {"expression": "var.x", "reason": "no default"}}}),
		"r": sa({"public_network_access": true, "default_network_action": "deny"}),
	}
	items := cloud.items(checks, "storage account") with input.nodes as nodes
	{i.node | some i in items; i.cannot_evaluate == true} == {"u", "r"}
	some i in items
	i.node == "r"
	i.evidence.unknown[0].fact == "min_tls_version"
}

test_an_unknown_gate_leaves_a_bad_fact_open_but_a_known_failure_wins if {
	gate := {"public_network_access": {"expression": "var.p", "reason": "no default"}}
	open := {"s": sa({"min_tls_version": "1.2", "default_network_action": "allow", "unknown": gate})}
	items := cloud.items(checks, "storage account") with input.nodes as open
	[i.evidence.unknown[0].fact | some i in items; i.cannot_evaluate] == ["public_network_access"]
	failing := {"s": sa({"min_tls_version": "1.1", "default_network_action": "allow", "unknown": gate})}
	[i.node | some i in cloud.items(checks, "storage account"); not i.cannot_evaluate] == ["s"] with input.nodes as failing
}

test_data_sources_are_not_judged if {
	nodes := {"d": sa({"existing": true, "min_tls_version": "1.0"})}
	count(cloud.items(checks, "storage account")) == 0 with input.nodes as nodes
}

test_list_facts_fail_on_a_held_value if {
	c := {"k8s_cluster": [{"fact": "authorized_ip_ranges", "bad": [[]], "has": "0.0.0.0/0", "why": "any address"}]}
	k := {"kind": "resource", "attrs": {"type": "k8s_cluster", "provider_type": "aws_eks_cluster", "authorized_ip_ranges": ["10.0.0.0/8", "0.0.0.0/0"]}}
	count(cloud.items(c, "cluster")) == 1 with input.nodes as {"k": k}
	count(cloud.items(c, "cluster")) == 0 with input.nodes as {"k": object.union(k, {"attrs": {"authorized_ip_ranges": ["10.0.0.0/8"]}})}
}

test_a_check_skips_the_provider_types_it_does_not_concern if {
	c := {"k8s_cluster": [{"fact": "local_accounts", "bad": [true], "why": "local accounts", "not_on": ["aws_eks_cluster"]}]}
	eks := {"kind": "resource", "attrs": {"type": "k8s_cluster", "provider_type": "aws_eks_cluster"}}
	aks := {"kind": "resource", "attrs": {"type": "k8s_cluster", "provider_type": "azurerm_kubernetes_cluster", "local_accounts": true}}
	[i.node | some i in cloud.items(c, "cluster")] == ["aks"] with input.nodes as {"eks": eks, "aks": aks}
}
