# Shared helpers over the graph document (DESIGN.md, "Rego contract").
package mlcheck.lib

import rego.v1

# Nodes of one kind, as {id: node}.
nodes_of(kind) := {id: n | some id, n in input.nodes; n.kind == kind}

# A parameter from data.mlcheck.params, or the default when it is not set.
param(name, default_value) := value if {
	value := data.mlcheck.params[name]
} else := default_value
