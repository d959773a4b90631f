package mlcheck.rules.func_001_test

import data.mlcheck.rules.func_001
import rego.v1

open_app := {"public_network_access": true, "access_restrictions": false, "auth_enabled": false, "auth_v2_enabled": false}

app(attrs) := {"kind": "resource", "attrs": object.union(object.union({"type": "function_app", "name": "func-score", "provider_type": "azurerm_linux_function_app", "format": "terraform"}, open_app), attrs)}

fn(attrs) := {"kind": "endpoint", "attrs": object.union({"type": "function_http", "name": "score", "route": "score", "auth_level": "anonymous"}, attrs)}

mv := {"kind": "model_version", "attrs": {"name": "churn", "version": "2"}}

edges := [{"src": "a", "dst": "f", "kind": "exposes"}, {"src": "f", "dst": "m", "kind": "serves"}]

test_anonymous_function_serving_a_model_on_an_open_app_is_flagged if {
	found := func_001.exposed_model_functions with input.nodes as {"a": app({}), "f": fn({}), "m": mv} with input.edges as edges
	count(found) == 1
	some i in found
	not i.cannot_evaluate
	i.node == "a"
	i.evidence.functions[0].model_versions == ["m"]
	contains(i.message, "anonymous score (m)")
}

test_a_function_key_protects if {
	found := func_001.exposed_model_functions with input.nodes as {"a": app({}), "f": fn({"auth_level": "function"}), "m": mv} with input.edges as edges
	count(found) == 0
}

test_each_gate_closes_the_app if {
	every attrs in [{"public_network_access": false}, {"access_restrictions": true}, {"auth_enabled": true}, {"auth_v2_enabled": true}] {
		found := func_001.exposed_model_functions with input.nodes as {"a": app(attrs), "f": fn({}), "m": mv} with input.edges as edges
		count(found) == 0
	}
}

test_a_private_endpoint_closes_the_app if {
	nodes := {"a": app({}), "f": fn({}), "m": mv, "pe": {"kind": "resource", "attrs": {"type": "private_endpoint"}}}
	found := func_001.exposed_model_functions with input.nodes as nodes with input.edges as array.concat(edges, [{"src": "pe", "dst": "a", "kind": "private_link"}])
	count(found) == 0
}

test_a_function_serving_no_model_is_not_judged if {
	found := func_001.exposed_model_functions with input.nodes as {"a": app({}), "f": fn({}), "m": mv} with input.edges as [edges[0]]
	count(found) == 0
}

test_an_unknown_auth_level_cannot_be_evaluated if {
	f := json.remove(fn({"unknown": {"auth_level": {"expression": "os.environ['LEVEL']", "reason": "not static", "attribute": "auth_level"}}}), ["attrs/auth_level"])
	found := func_001.exposed_model_functions with input.nodes as {"a": app({}), "f": f, "m": mv} with input.edges as edges
	count(found) == 1
	some i in found
	i.cannot_evaluate
	i.evidence.unknown[0].expression == "os.environ['LEVEL']"
}

test_arm_app_without_auth_facts_cannot_be_evaluated if {
	a := json.remove(app({"provider_type": "Microsoft.Web/sites", "format": "bicep"}), ["attrs/auth_enabled", "attrs/auth_v2_enabled"])
	found := func_001.exposed_model_functions with input.nodes as {"a": a, "f": fn({}), "m": mv} with input.edges as edges
	count(found) == 1
	some i in found
	i.cannot_evaluate
	contains(i.message, "auth_enabled, auth_v2_enabled unknown")
}

test_legacy_function_app_has_no_auth_v2 if {
	a := json.remove(app({"provider_type": "azurerm_function_app"}), ["attrs/auth_v2_enabled"])
	found := func_001.exposed_model_functions with input.nodes as {"a": a, "f": fn({}), "m": mv} with input.edges as edges
	count(found) == 1
	some i in found
	not i.cannot_evaluate
}

test_arm_app_with_an_authsettings_v2_child_is_judged if {
	a := json.remove(app({"provider_type": "Microsoft.Web/sites@2023-12-01", "format": "bicep"}), ["attrs/auth_enabled"])
	found := func_001.exposed_model_functions with input.nodes as {"a": a, "f": fn({}), "m": mv} with input.edges as edges
	count(found) == 1
	some i in found
	not i.cannot_evaluate
}

test_terraform_app_must_say_both_auth_settings if {
	a := json.remove(app({}), ["attrs/auth_enabled"])
	found := func_001.exposed_model_functions with input.nodes as {"a": a, "f": fn({}), "m": mv} with input.edges as edges
	some i in found
	i.cannot_evaluate
}
