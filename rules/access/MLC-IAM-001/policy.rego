# MLC-IAM-001: a privileged role (Owner, Contributor, User Access Administrator, RBAC
# Administrator, or a custom role granting `*`) assigned at management-group, subscription
# or resource-group scope (or the deployment's own scope, never narrower than a resource
# group) to an identity CI deploys with, or to a guest. Each part is yes, no or open (an
# unknown fact); an assignment is flagged when all three are yes and cannot be evaluated
# when none is no and one is open.
package mlcheck.rules.iam_001

import data.mlcheck.lib
import data.mlcheck.lib.cloud
import rego.v1

privileged_roles := {"owner", "contributor", "user access administrator", "role based access control administrator"}

broad_scopes := {"management_group", "subscription", "resource_group", "deployment"}

# Node types a role assignment's principal may resolve to.
principal_types := {"managed_identity", "service_principal", "application", "ci_service_connection", "directory_user"}

# -- the role ---------------------------------------------------------------------------------
custom_roles(id) := {rd | some rd in lib.successors("uses", id); input.nodes[rd].attrs.type == "role_definition"}

wildcard_role(rd) if "*" in object.get(input.nodes[rd].attrs, "privileged_actions", [])

role_state(a, id) := "yes" if {
	a.attrs.role in privileged_roles
} else := "yes" if {
	some rd in custom_roles(id)
	wildcard_role(rd)
} else := "open" if {
	not cloud.known(a, "role")
	count(custom_roles(id)) == 0
} else := "open" if {
	some rd in custom_roles(id)
	not cloud.known(input.nodes[rd], "privileged_actions")
} else := "no"

# -- the scope ----------------------------------------------------------------------------------
scope_state(a) := "yes" if {
	a.attrs.scope_level in broad_scopes
} else := "open" if {
	not cloud.known(a, "scope_level")
} else := "no"

# -- the principal ------------------------------------------------------------------------------
principals(id) := {p | some p in lib.successors("uses", id); principal_of(p)}

principal_of(p) if input.nodes[p].attrs.type in principal_types

# a resource's own (system-assigned) identity: the principal_id of the resource named
principal_of(p) if contains(object.get(input.nodes[p].attrs, "identity_type", ""), "systemassigned")

# The federated credentials of a CI that let a job sign in as p (an identity or app).
ci_credentials(p) := {c |
	some c in lib.predecessors("uses", p)
	input.nodes[c].attrs.type == "federated_credential"
	input.nodes[c].attrs.ci_provider
	input.nodes[c].attrs.ci_provider != "none"
}

credential(p, c) := {
	"principal": p, "credential": c, "ci": input.nodes[c].attrs.ci_provider,
	"subject": object.get(input.nodes[c].attrs, "ci_subject", null),
}

# Why p is a CI identity or a guest: evidence entries (empty: neither, as far as is known).
reasons(p) := ((connection(p) | guest(p)) | credentials(p)) | app_credentials(p)

connection(p) := {{"principal": p, "ci": "azure_devops", "subject": null}} if {
	input.nodes[p].attrs.type == "ci_service_connection"
} else := set()

guest(p) := {{"principal": p, "guest": true}} if {
	input.nodes[p].attrs.type == "directory_user"
	input.nodes[p].attrs.guest == true
} else := set()

credentials(p) := {credential(p, c) | some c in ci_credentials(p)}

# a service principal of an application that a CI signs in as
app_credentials(p) := {credential(app, c) |
	input.nodes[p].attrs.type == "service_principal"
	some app in lib.successors("uses", p)
	input.nodes[app].attrs.type == "application"
	some c in ci_credentials(app)
}

identities(id) := {w | some p in principals(id); some w in reasons(p)} | listed_guest(id)

# an export names the principal: a guest's UPN (#EXT#)
listed_guest(id) := {{"principal": id, "guest": true, "listed_as": input.nodes[id].attrs.properties.properties.principalName}} if {
	input.nodes[id].attrs.principal_guest == true
} else := set()

principal_state(id, ids) := "yes" if {
	count(ids) > 0
} else := "open" if {
	count(principals(id)) == 0
} else := "no"

# -- items --------------------------------------------------------------------------------------
# Each assignment judged once (a rule, evaluated once; functions are not cached): the role
# and scope first, the principal only where neither already says no (most assignments are
# data roles on one resource).
verdicts[id] := v if {
	some id, a in cloud.resources("role_assignment")
	first := [role_state(a, id), scope_state(a)]
	not "no" in first
	ids := identities(id)
	v := {"states": array.concat(first, [principal_state(id, ids)]), "identities": ids}
}

evidence(a, id, ids) := {
	"assignment": {"node": id, "address": a.attrs.address, "provider_type": a.attrs.provider_type},
	"role": object.get(a.attrs, "role", null),
	"custom_roles": sort([{"node": rd, "privileged_actions": object.get(input.nodes[rd].attrs, "privileged_actions", null)} | some rd in custom_roles(id)]),
	"scope_level": object.get(a.attrs, "scope_level", null),
	"scope": object.get(a.attrs.properties, "scope", null),
	"principal": object.get(a.attrs, "principal", null),
	"identities": sort([w | some w in ids]),
}

# What keeps a verdict open, as the reports list it.
open_entries(a, s) := array.concat(
	[cloud.unknown_entry(a, fact) | fact := ["role", "scope_level"][i]; s[i] == "open"],
	[{"fact": "principal", "unknown": "principal", "expression": object.get(a.attrs, "principal", "(absent)"), "reason": "names no identity, application, service connection or user collected from the estate"} | s[2] == "open"],
)

privileged_assignments contains item if {
	some id, v in verdicts
	v.states == ["yes", "yes", "yes"]
	a := input.nodes[id]
	ev := evidence(a, id, v.identities)
	item := {
		"node": id,
		"message": concat("", [
			"role assignment ", a.attrs.address, ": privileged role ", role_text(a, id),
			" at ", a.attrs.scope_level, " scope to ", principal_words(ev.identities),
		]),
		"evidence": ev,
	}
}

privileged_assignments contains item if {
	some id, v in verdicts
	s := v.states
	not "no" in s
	"open" in s
	a := input.nodes[id]
	item := {
		"node": id, "cannot_evaluate": true,
		"message": concat("", ["cannot evaluate role assignment ", a.attrs.address, ": ",
			concat(", ", [part | part := ["role", "scope", "principal"][i]; s[i] == "open"]), " unknown"]),
		"evidence": object.union(evidence(a, id, v.identities), {"unknown": open_entries(a, s)}),
	}
}

role_text(a, id) := a.attrs.role if a.attrs.role in privileged_roles

role_text(a, id) := concat("", ["custom ", concat(", ", sort([cloud.label(rd) | some rd in custom_roles(id); wildcard_role(rd)])), " (actions *)"]) if {
	not a.attrs.role in privileged_roles
}

principal_words(ids) := concat(", ", sort([word(w) | some w in ids]))

word(w) := concat("", ["guest ", cloud.label(w.principal)]) if {
	w.guest
	not w.listed_as
}

word(w) := concat("", ["guest ", w.listed_as]) if w.listed_as

word(w) := concat("", ["CI identity ", cloud.label(w.principal), " (", w.ci, repository(w), ")"]) if not w.guest

repository(w) := concat("", [" ", w.subject.repository]) if is_string(w.subject.repository)

repository(w) := "" if not is_string(w.subject.repository)
