# Shared helpers over the graph document (DESIGN.md, "Rego contract"), for every rule's
# policy.rego. Facts several rules share (a dataset's `pinned`, a file's `dvc_tracked` …)
# are computed before the rules run, by the linkers; this library only reads the graph.
package mlcheck.lib

import rego.v1

# In *_test.rego write `with input.nodes as {...}`, not `with input as {...}`:
# regopy 1.5.2 fails any built-in call under a whole-input `with` replacement.

# A parameter from data.mlcheck.params, or the default when it is not set.
param(name, default_value) := value if {
	value := data.mlcheck.params[name]
} else := default_value

# [src, dst] of every edge of one kind. A function: its body runs again on every call, so
# call it once per rule, never per node (use successors/predecessors there).
edges(kind) := {[e.src, e.dst] | e := input.edges[_]; e.kind == kind}

# Edges by kind and end, "kind id" → the ids at the other end. Rules, so each is built once
# per evaluation: following an edge from every node costs one pass over the edges, not one
# per node (a quadratic MLC-NET-007 did not finish in 13 minutes at 30k model versions).
# Keys are strings: regorus and rego-cpp disagree on array keys. They stay in this package:
# regorus 0.13 answers an empty set for such a rule read from its own package's rules.
out_index[key] contains dst if {
	some e in input.edges
	key := concat(" ", [e.kind, e.src])
	dst := e.dst
}

in_index[key] contains src if {
	some e in input.edges
	key := concat(" ", [e.kind, e.dst])
	src := e.src
}

# The ids an edge of `kind` leads to from `id`, and those it comes from into `id`; empty,
# not undefined, when the input holds no edge at all (regorus 0.13 leaves an index with no
# entry undefined).
successors(kind, id) := ids if {
	ids := object.get(out_index, concat(" ", [kind, id]), set())
} else := set()

predecessors(kind, id) := ids if {
	ids := object.get(in_index, concat(" ", [kind, id]), set())
} else := set()

# The name a report shows for a node: its name, display name, run name or id, else its node id.
label(id) := object.get(node.attrs, "name", object.get(node.attrs, "display_name", object.get(node.attrs, "run_name", object.get(node.attrs, "run_id", id)))) if {
	node := input.nodes[id]
}

# "churn v3" for a model version.
version_name(mv) := sprintf("%v v%v", [mv.attrs.name, mv.attrs.version])

# Runs whose recorded commit no collected repository holds (the linker found no built_from
# commit): MLC-LIN-002 flags them; other lineage rules leave them to it. Call it once per
# rule with input.nodes (`unresolved := lib.unresolved_commit_runs(input.nodes)`) and test
# membership per run: in regorus 0.13 a lib function called per produced_by edge cost
# ~7 µs a call (0.25 s of MLC-LIN-002's 0.45 s at 30k versions), and a rule of this
# package read from another package's rule (`lib.built_from_runs[id]`) 1.2-1.9 s.
built_from_runs := {e.src | e := input.edges[_]; e.kind == "built_from"}

unresolved_commit_runs(nodes) := {id |
	node := nodes[id]
	node.kind == "run"
	node.attrs.git_commit
	not built_from_runs[id]
}

# A fact the collectors could not resolve statically (a Terraform variable without a
# default, [parameters('x')] with no default value): attrs.unknown[fact] holds
# {expression, reason, attribute}. A rule must not judge such a node: it returns the item
# with "cannot_evaluate": true and this as evidence, and the report lists it apart.
unknown(node, fact) if node.attrs.unknown[fact]

unknown_evidence(node, fact) := {"unknown": [object.union({"fact": fact}, node.attrs.unknown[fact])]}
