package mlcheck.rules.iam_003_test

import data.mlcheck.rules.iam_003
import rego.v1

sa(attrs) := {"kind": "resource", "attrs": object.union({"type": "storage_account", "name": "st", "provider_type": "azurerm_storage_account", "format": "terraform"}, attrs)}

ws := {"kind": "resource", "attrs": {"type": "ml_workspace", "name": "mlw", "identity_type": "systemassigned"}}

test_shared_keys_used_by_an_identity_are_flagged if {
	items := iam_003.key_items with input.nodes as {"s": sa({"shared_key_access": true}), "w": ws} with input.edges as [{"src": "w", "dst": "s", "kind": "uses"}]
	count(items) == 1
	some i in items
	i.evidence.identities[0].node == "w"
}

test_shared_keys_without_an_identity_in_reach_pass if {
	count(iam_003.key_items) == 0 with input.nodes as {"s": sa({"shared_key_access": true})} with input.edges as []
}

test_a_role_assignment_on_the_resource_counts_as_an_identity if {
	nodes := {"s": sa({"shared_key_access": true}), "r": {"kind": "resource", "attrs": {"type": "role_assignment", "role": "storage blob data reader"}}}
	count(iam_003.key_items) == 1 with input.nodes as nodes with input.edges as [{"src": "r", "dst": "s", "kind": "uses"}]
}

test_an_unknown_key_setting_with_an_identity_cannot_be_evaluated if {
	node := sa({"identity_type": "systemassigned", "unknown": {"shared_key_access": {"expression": "var.keys", "reason": "x", "attribute": "shared_access_key_enabled"}}})
	items := iam_003.key_items with input.nodes as {"s": node} with input.edges as []
	[i.cannot_evaluate | some i in items] == [true]
}

test_a_function_app_with_keys_in_settings_and_an_identity_is_flagged if {
	app := {"kind": "resource", "attrs": {"type": "function_app", "name": "f", "provider_type": "azurerm_linux_function_app", "identity_type": "systemassigned", "account_key_settings": ["MODEL_STORE"], "storage_account_key": false}}
	count(iam_003.key_items) == 1 with input.nodes as {"f": app} with input.edges as []
	clean := json.patch(app, [{"op": "replace", "path": "/attrs/account_key_settings", "value": []}])
	count(iam_003.key_items) == 0 with input.nodes as {"f": clean} with input.edges as []
}

test_endpoint_keys_in_a_workspace_with_an_identity_are_flagged if {
	ep := {"kind": "endpoint", "attrs": {"type": "ml_online_endpoint", "name": "e", "provider_type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints", "auth_mode": "key"}}
	count(iam_003.key_items) == 1 with input.nodes as {"e": ep, "w": ws} with input.edges as [{"src": "e", "dst": "w", "kind": "in_workspace"}]
}
