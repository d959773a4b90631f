package mlcheck.rules.iam_002_test

import data.mlcheck.rules.iam_002
import rego.v1

rd(attrs) := {"kind": "resource", "attrs": object.union({"type": "role_definition", "name": "r", "provider_type": "azurerm_role_definition", "format": "terraform"}, attrs)}

test_wildcard_at_subscription_is_flagged if {
	items := iam_002.wide_roles with input.nodes as {"r": rd({"privileged_actions": ["*"], "assignable_levels": ["subscription"]})}
	count(items) == 1
	some i in items
	not i.cannot_evaluate
	i.evidence.privileged_actions == ["*"]
}

test_narrow_or_harmless_roles_pass if {
	count(iam_002.wide_roles) == 0 with input.nodes as {"r": rd({"privileged_actions": ["*"], "assignable_levels": ["resource_group"]})}
	count(iam_002.wide_roles) == 0 with input.nodes as {"r": rd({"privileged_actions": [], "assignable_levels": ["subscription"]})}
}

test_unknown_scopes_of_a_wildcard_role_cannot_be_evaluated if {
	node := rd({"privileged_actions": ["*"], "unknown": {"assignable_levels": {"expression": "var.scopes", "reason": "x", "attribute": ""}}})
	items := iam_002.wide_roles with input.nodes as {"r": node}
	[i.cannot_evaluate | some i in items] == [true]
}

test_unknown_scopes_of_a_harmless_role_pass if {
	node := rd({"privileged_actions": [], "unknown": {"assignable_levels": {"expression": "var.scopes", "reason": "x", "attribute": ""}}})
	count(iam_002.wide_roles) == 0 with input.nodes as {"r": node}
}
