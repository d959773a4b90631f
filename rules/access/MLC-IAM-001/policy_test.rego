package mlcheck.rules.iam_001_test

import data.mlcheck.rules.iam_001
import rego.v1

ra(attrs) := {"kind": "resource", "attrs": object.union({"type": "role_assignment", "address": "azurerm_role_assignment.x", "provider_type": "azurerm_role_assignment", "format": "terraform", "properties": {}}, attrs)}

identity := {"kind": "resource", "attrs": {"type": "managed_identity", "name": "id-ci", "address": "azurerm_user_assigned_identity.ci"}}

github := {"kind": "resource", "attrs": {"type": "federated_credential", "name": "gh", "address": "azurerm_federated_identity_credential.gh", "ci_provider": "github_actions", "ci_subject": {"repository": "contoso/ml", "trusts": "environment:prod"}}}

ci_edges := [{"src": "a", "dst": "i", "kind": "uses"}, {"src": "c", "dst": "i", "kind": "uses"}]

test_owner_at_subscription_for_a_ci_identity_is_flagged if {
	nodes := {"a": ra({"role": "owner", "scope_level": "subscription"}), "i": identity, "c": github}
	items := iam_001.privileged_assignments with input.nodes as nodes with input.edges as ci_edges
	count(items) == 1
	some item in items
	not item.cannot_evaluate
	item.evidence.identities[0].credential == "c"
	contains(item.message, "contoso/ml")
}

test_reader_or_resource_scope_passes if {
	reader := {"a": ra({"role": "reader", "scope_level": "subscription"}), "i": identity, "c": github}
	count(iam_001.privileged_assignments) == 0 with input.nodes as reader with input.edges as ci_edges
	narrow := {"a": ra({"role": "owner", "scope_level": "resource"}), "i": identity, "c": github}
	count(iam_001.privileged_assignments) == 0 with input.nodes as narrow with input.edges as ci_edges
}

test_an_identity_without_a_ci_credential_passes if {
	nodes := {"a": ra({"role": "owner", "scope_level": "subscription"}), "i": identity}
	count(iam_001.privileged_assignments) == 0 with input.nodes as nodes with input.edges as [{"src": "a", "dst": "i", "kind": "uses"}]
}

test_an_unresolved_principal_cannot_be_evaluated if {
	nodes := {"a": ra({"role": "contributor", "scope_level": "resource_group", "principal": "var.principal_id"})}
	items := iam_001.privileged_assignments with input.nodes as nodes with input.edges as []
	[i.cannot_evaluate | some i in items] == [true]
}

test_an_unknown_role_without_a_role_definition_cannot_be_evaluated if {
	nodes := {"a": ra({"scope_level": "subscription", "unknown": {"role": {"expression": "var.role"}}}), "i": identity, "c": github}
	items := iam_001.privileged_assignments with input.nodes as nodes with input.edges as ci_edges
	[i.cannot_evaluate | some i in items] == [true]
}

test_a_custom_wildcard_role_for_a_guest_is_flagged if {
	nodes := {
		"a": ra({"scope_level": "resource_group", "unknown": {"role": {"expression": "azurerm_role_definition.all.role_definition_resource_id"}}}),
		"r": {"kind": "resource", "attrs": {"type": "role_definition", "name": "all", "privileged_actions": ["*"]}},
		"g": {"kind": "resource", "attrs": {"type": "directory_user", "address": "azuread_invitation.p", "guest": true}},
	}
	edges := [{"src": "a", "dst": "r", "kind": "uses"}, {"src": "a", "dst": "g", "kind": "uses"}]
	items := iam_001.privileged_assignments with input.nodes as nodes with input.edges as edges
	count(items) == 1
	some item in items
	not item.cannot_evaluate
	contains(item.message, "custom all (actions *)")
	contains(item.message, "guest azuread_invitation.p")
}
