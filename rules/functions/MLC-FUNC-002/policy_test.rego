package mlcheck.rules.func_002_test

import data.mlcheck.rules.func_002
import rego.v1

hardened := {"https_only": true, "min_tls_version": "1.2", "ftps_state": "disabled", "remote_debugging": false, "cors_allowed_origins": ["https://portal.example.com"]}

app(attrs) := {"kind": "resource", "attrs": object.union(object.union({"type": "function_app", "name": "func-score", "provider_type": "azurerm_linux_function_app", "format": "terraform"}, hardened), attrs)}

test_hardened_app_passes if {
	found := func_002.weak_function_apps with input.nodes as {"f": app({})} with input.edges as []
	count(found) == 0
}

test_ftps_only_passes if {
	found := func_002.weak_function_apps with input.nodes as {"f": app({"ftps_state": "ftps_only"})} with input.edges as []
	count(found) == 0
}

weak := {
	"https_only": [false, "HTTP allowed"],
	"min_tls_version": ["1.1", "TLS below 1.2"],
	"ftps_state": ["all_allowed", "unencrypted FTP"],
	"remote_debugging": [true, "remote debugging on"],
	"cors_allowed_origins": [["https://a.example.com", "*"], "every origin"],
}

test_each_weakness_is_a_finding_with_its_reason if {
	every fact, case in weak {
		found := func_002.weak_function_apps with input.nodes as {"f": app({fact: case[0]})} with input.edges as []
		count(found) == 1
		some i in found
		not i.cannot_evaluate
		contains(i.message, case[1])
		object.keys(i.evidence.facts) == {fact}
	}
}

test_unknown_fact_cannot_be_evaluated if {
	node := app({"unknown": {"min_tls_version": {"expression": "var.tls", "reason": "variable without a default", "attribute": "site_config.minimum_tls_version"}}})
	nodes := {"f": json.remove(node, ["attrs/min_tls_version"])}
	found := func_002.weak_function_apps with input.nodes as nodes with input.edges as []
	count(found) == 1
	some i in found
	i.cannot_evaluate
	i.evidence.unknown[0].expression == "var.tls"
}

test_a_known_failure_wins_over_an_unknown if {
	nodes := {"f": json.remove(app({"https_only": false}), ["attrs/min_tls_version"])}
	found := func_002.weak_function_apps with input.nodes as nodes with input.edges as []
	count(found) == 1
	some i in found
	not i.cannot_evaluate
}

test_remote_debugging_not_asked_of_the_legacy_type if {
	nodes := {"f": json.remove(app({"provider_type": "azurerm_function_app"}), ["attrs/remote_debugging"])}
	found := func_002.weak_function_apps with input.nodes as nodes with input.edges as []
	count(found) == 0
}

test_other_resources_are_not_judged if {
	nodes := {"w": {"kind": "resource", "attrs": {"type": "storage_account", "https_only": false}}}
	found := func_002.weak_function_apps with input.nodes as nodes with input.edges as []
	count(found) == 0
}
