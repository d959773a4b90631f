# MLC-IAM-002: a custom role definition that grants every action (`*`) or the right to
# assign roles (an action covering Microsoft.Authorization/roleAssignments/write, such as
# `*/write` or `Microsoft.Authorization/*`, that no not-action takes back), assignable at
# subscription scope or above. Unknown actions or assignable scopes → cannot evaluate.
package mlcheck.rules.iam_002

import data.mlcheck.lib.cloud
import rego.v1

broad := {"root", "management_group", "subscription"}

broad_levels(node) := [l | some l in node.attrs.assignable_levels; l in broad]

wide_roles contains item if {
	some id, node in cloud.resources("role_definition")
	cloud.known(node, "privileged_actions")
	count(node.attrs.privileged_actions) > 0
	cloud.known(node, "assignable_levels")
	count(broad_levels(node)) > 0
	item := {
		"node": id,
		"message": concat("", [
			"custom role ", cloud.text(cloud.name(id, node)), " grants ", concat(", ", node.attrs.privileged_actions),
			" assignable at ", concat(", ", sort(broad_levels(node))), " scope",
		]),
		"evidence": {
			"role": {"node": id, "name": object.get(node.attrs, "role_name", null), "provider_type": node.attrs.provider_type},
			"privileged_actions": node.attrs.privileged_actions,
			"not_actions": object.get(node.attrs, "not_actions", null),
			"assignable_levels": node.attrs.assignable_levels,
		},
	}
}

# A decided "no" on either fact settles it; otherwise an unknown keeps it open.
settled(node) if {
	cloud.known(node, "privileged_actions")
	count(node.attrs.privileged_actions) == 0
}

settled(node) if {
	cloud.known(node, "assignable_levels")
	count(broad_levels(node)) == 0
}

wide_roles contains item if {
	some id, node in cloud.resources("role_definition")
	not settled(node)
	open := [cloud.unknown_entry(node, f) | f := ["privileged_actions", "assignable_levels"][_]; not cloud.known(node, f)]
	count(open) > 0
	item := {
		"node": id, "cannot_evaluate": true,
		"message": concat("", ["cannot evaluate custom role ", cloud.text(cloud.name(id, node)), ": ", concat(", ", sort([u.fact | some u in open])), " unknown"]),
		"evidence": {"unknown": open},
	}
}
