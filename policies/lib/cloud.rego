# Helpers for rules over cloud resources (checker/cloud/vocabulary.py): a resource node has
# attrs.type (ml_workspace, storage_account, …), normalised facts, fact_sources (the
# provider attribute and whether the value was set or is the provider's default) and
# attrs.unknown for facts the collector could not resolve.
#
# A rule states its checks as data, per normalised type:
#   {"fact": "min_tls_version", "bad": ["1.0", "1.1"], "why": "TLS below 1.2"}
# with optionally "has": v (bad when the fact is a list holding v), "not_on": [provider
# types the check does not concern] and
# "unless": {"fact": f, "value": v} (the check does not apply when fact f is known to be v:
# a firewall default of Allow does not matter once public network access is off).
# A node fails when a check fails on known facts; otherwise, when a check cannot be told
# (its fact unknown or not recorded by the source), the rule cannot evaluate the node.
package mlcheck.lib.cloud

import data.mlcheck.lib
import rego.v1

# Resources of one normalised type that a rule judges: not a reference to a resource
# declared elsewhere (a Terraform data source: attrs.existing).
resources(rtype) := {id: n | n := input.nodes[id]; n.attrs.type == rtype; not n.attrs.existing}

# Whether a fact can be read: not unknown, and recorded (a source that does not spell the
# fact, or an absent attribute without a documented default, records nothing).
known(node, fact) if {
	not node.attrs.unknown[fact]
	fact in object.keys(node.attrs)
}

# The fact as evidence: its value, the provider attribute, set or default (and which default).
quote(node, fact) := object.union(
	{"fact": fact, "value": node.attrs[fact]},
	object.get(node.attrs, ["fact_sources", fact], {}),
)

# Why a fact cannot be read ("unknown": the provider attribute, as the reports show it).
unknown_entry(node, fact) := object.union(
	{"fact": fact, "unknown": object.get(node.attrs.unknown[fact], "attribute", fact)},
	node.attrs.unknown[fact],
)

unknown_entry(node, fact) := entry if {
	not node.attrs.unknown[fact]
	entry := {"fact": fact, "unknown": fact, "expression": "(absent)", "reason": sprintf(
		"not recorded: the %v source does not set it and the provider documents no default",
		[object.get(node.attrs, "format", "?")],
	)}
}

# A check concerns every provider type of its normalised type but those it names.
concerns(node, c) if not node.attrs.provider_type in object.get(c, "not_on", [])

bad(node, c) if node.attrs[c.fact] in c.bad

bad(node, c) if {
	is_array(node.attrs[c.fact])
	c.has in node.attrs[c.fact]
}

skipped(node, c) if {
	known(node, c.unless.fact)
	node.attrs[c.unless.fact] == c.unless.value
}

gate_unknown(node, c) if {
	c.unless
	not known(node, c.unless.fact)
}

# The checks a node fails on known facts, each quoted with why it matters.
failed(node, checks) := [object.union(quote(node, c.fact), {"why": c.why}) |
	c := checks[_]
	concerns(node, c)
	not skipped(node, c)
	not gate_unknown(node, c)
	known(node, c.fact)
	bad(node, c)
]

# The facts that keep a node's verdict open.
undecided(node, checks) := array.concat(
	[unknown_entry(node, c.fact) | c := checks[_]; concerns(node, c); not skipped(node, c); not known(node, c.fact)],
	[unknown_entry(node, c.unless.fact) | c := checks[_]; concerns(node, c); gate_unknown(node, c); known(node, c.fact); bad(node, c)],
)

# {fact: value} of the failed checks: the facts a finding's fingerprint is made of.
facts(failures) := {f.fact: f.value | f := failures[_]}

# "why (attribute = expression)" or "why (attribute not set: the default)", joined, for a message.
reasons(failures) := concat("; ", sort([reason(f) | f := failures[_]]))

# Messages are joined with concat, never sprintf over a concat result: regopy 1.5.2 re-quotes
# concat results inside sprintf (and returns malformed JSON).
reason(f) := concat("", [f.why, " (", f.attribute, " not set: ", text(f.default), ")"]) if f.from == "default"

reason(f) := concat("", [f.why, " (", f.attribute, " = ", text(object.get(f, "expression", f.value)), ")"]) if f.from == "set"

# A value as text.
text(x) := x if is_string(x)

text(x) := sprintf("%v", [x]) if not is_string(x)

reason(f) := f.why if not f.from

# The items of one rule over its checks {type: [check]}: a finding per failing node, a
# cannot_evaluate item per node the checks cannot decide. `what` names the node in messages.
# (regopy 1.5.2 rejects `some … in` inside comprehensions: iterate with references there.)
items(checks, what) := {item |
	cs := checks[rtype]
	node := resources(rtype)[id]
	item := judge(id, node, cs, what)
}

# The resource's name, else its address in its source, else its node id.
name(id, node) := object.get(node.attrs, "name", object.get(node.attrs, "address", id))

# The same for a node of the input named by its id.
label(id) := name(id, input.nodes[id])

judge(id, node, cs, what) := item if {
	failures := failed(node, cs)
	count(failures) > 0
	item := {
		"node": id,
		"message": concat("", [what, " ", text(name(id, node)), ": ", reasons(failures)]),
		"evidence": {"facts": facts(failures), "checks": failures, "provider_type": node.attrs.provider_type},
	}
}

judge(id, node, cs, what) := item if {
	count(failed(node, cs)) == 0
	open := undecided(node, cs)
	count(open) > 0
	item := {
		"node": id,
		"message": concat("", ["cannot evaluate ", what, " ", text(name(id, node)), ": ", concat(", ", sort({u.fact | u := open[_]})), " unknown"]),
		"evidence": {"unknown": open},
		"cannot_evaluate": true,
	}
}

# The resources of `user_types` with an edge `uses` to a node (a workspace → its storage).
users_of(id, user_types) := {src |
	some src in lib.predecessors("uses", id)
	input.nodes[src].attrs.type == user_types[_]
}

# The items, each finding raised to high where a resource of `user_types` uses its node:
# the message and evidence name each user and the edge (input must carry `uses` edges).
# (Calls bound in the body: regopy 1.5.2 evaluates nested calls in a comprehension's head wrongly.)
raised_when_used(found, user_types) := {item |
	base := found[_]
	users := users_of(base.node, user_types)
	item := raise(base, users)
}

raise(base, users) := base if base.cannot_evaluate

raise(base, users) := base if {
	not base.cannot_evaluate
	count(users) == 0
}

raise(base, users) := item if {
	not base.cannot_evaluate
	count(users) > 0
	names := sort([concat(" ", [input.nodes[u].attrs.type, text(name(u, input.nodes[u]))]) | u := users[_]])
	item := object.union(base, {
		"severity": "high",
		"message": concat("", [base.message, " [high: used by ", concat(", ", names), "]"]),
		# object.union one level at a time: regopy 1.5.2 does not merge nested objects.
		"evidence": object.union(base.evidence, {"used_by": sort([{"node": u, "edge": "uses", "target": base.node} | u := users[_]])}),
	})
}

# An Azure ML compute's kind ("computeinstance", "amlcompute", "kubernetes", …): by its
# Terraform type, or by computeType (ARM, Bicep, azapi, CLI YAML).
terraform_computes := {
	"azurerm_machine_learning_compute_instance": "computeinstance",
	"azurerm_machine_learning_compute_cluster": "amlcompute",
	"azurerm_machine_learning_inference_cluster": "inference_cluster",
}

compute_kind(node) := terraform_computes[node.attrs.provider_type]

compute_kind(node) := node.attrs.compute_type if not terraform_computes[node.attrs.provider_type]

# The items of checks over the ML computes of some kinds; a compute whose computeType is
# unknown cannot be evaluated (which checks apply is unknown).
compute_items(kinds, checks, what) := {item |
	node := resources("ml_compute")[id]
	compute_kind(node) in kinds
	item := judge(id, node, checks, what)
} | {item |
	node := resources("ml_compute")[id]
	node.attrs.unknown.compute_type
	item := {
		"node": id, "cannot_evaluate": true,
		"message": concat("", ["cannot evaluate ", what, " ", text(name(id, node)), ": compute type unknown"]),
		"evidence": {"unknown": [unknown_entry(node, "compute_type")]},
	}
}
