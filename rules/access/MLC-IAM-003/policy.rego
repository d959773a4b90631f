# MLC-IAM-003: key or password authentication where identities are available. Reads the
# facts MLC-NET-003/004/005/009 and MLC-FUNC-002 already normalise (shared keys, the
# registry admin user, compute local auth, endpoint key auth, account keys in a function
# app's settings) and flags a resource that still takes keys while a managed identity could
# reach it: the resource has one itself, a resource using it has one, a role assignment
# grants access to it, or (computes, endpoints) its workspace has one.
package mlcheck.rules.iam_003

import data.mlcheck.lib
import data.mlcheck.lib.cloud
import rego.v1

checks := {
	"storage_account": [{"fact": "shared_key_access", "bad": [true], "why": "shared key (account key, SAS) authorization allowed"}],
	"container_registry": [{"fact": "admin_user", "bad": [true], "why": "admin user (a shared password) enabled"}],
	"ml_compute": [{"fact": "local_auth", "bad": [true], "why": "local (key) authentication enabled"}],
	"ml_online_endpoint": [{"fact": "auth_mode", "bad": ["key"], "why": "key authentication"}],
	"function_app": [
		{"fact": "account_key_settings", "bad": [], "nonempty": true, "why": "app settings carry account keys"},
		{"fact": "storage_account_key", "bad": [true], "why": "the storage account is reached with its access key"},
	],
}

with_identity(node) if {
	is_string(node.attrs.identity_type)
	node.attrs.identity_type != "none"
}

# Where a managed identity is available to the resource: evidence entries.
available_identities(id, node) := (((own(id, node) | users(id)) | granted(id)) | workspaces(id))

own(id, node) := {{"node": id, "via": "its own managed identity", "identity_type": node.attrs.identity_type}} if {
	with_identity(node)
} else := set()

users(id) := {{"node": u, "via": concat("", ["used by ", cloud.text(cloud.label(u)), " with a managed identity"]), "identity_type": input.nodes[u].attrs.identity_type} |
	some u in lib.predecessors("uses", id)
	with_identity(input.nodes[u])
}

granted(id) := {{"node": r, "via": "a role assignment grants access to it", "role": object.get(input.nodes[r].attrs, "role", null)} |
	some r in lib.predecessors("uses", id)
	input.nodes[r].attrs.type == "role_assignment"
}

workspaces(id) := {{"node": w, "via": "its workspace has a managed identity", "identity_type": input.nodes[w].attrs.identity_type} |
	some w in lib.successors("in_workspace", id)
	with_identity(input.nodes[w])
}

nodes_of(rtype) := {id: n | some id, n in input.nodes; n.attrs.type == rtype; not n.attrs.existing}

bad(node, c) if node.attrs[c.fact] in c.bad

bad(node, c) if {
	c.nonempty
	is_array(node.attrs[c.fact])
	count(node.attrs[c.fact]) > 0
}

# a fact the source does not record at all (an inference cluster has no local auth) is not asked
asked(node, c) if c.fact in object.keys(node.attrs)

asked(node, c) if node.attrs.unknown[c.fact]

key_items contains item if {
	some rtype, cs in checks
	some id, node in nodes_of(rtype)
	failures := [object.union(cloud.quote(node, c.fact), {"why": c.why}) | some c in cs; cloud.known(node, c.fact); bad(node, c)]
	count(failures) > 0
	available := available_identities(id, node)
	count(available) > 0
	item := {
		"node": id,
		"message": concat("", [
			replace(rtype, "_", " "), " ", cloud.text(cloud.name(id, node)), ": ", cloud.reasons(failures),
			" while managed identities are available (", concat("; ", sort([e.via | some e in available])), ")",
		]),
		"evidence": {"checks": failures, "identities": sort([e | some e in available]), "provider_type": object.get(node.attrs, "provider_type", null)},
	}
}

key_items contains item if {
	some rtype, cs in checks
	some id, node in nodes_of(rtype)
	count([c | some c in cs; cloud.known(node, c.fact); bad(node, c)]) == 0
	open := [cloud.unknown_entry(node, c.fact) | some c in cs; asked(node, c); not cloud.known(node, c.fact)]
	count(open) > 0
	available := available_identities(id, node)
	count(available) > 0
	item := {
		"node": id, "cannot_evaluate": true,
		"message": concat("", ["cannot evaluate ", replace(rtype, "_", " "), " ", cloud.text(cloud.name(id, node)), ": ",
			concat(", ", sort([u.fact | some u in open])), " unknown"]),
		"evidence": {"unknown": open, "identities": sort([e | some e in available])},
	}
}
