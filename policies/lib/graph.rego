# Shared helpers over the graph document (DESIGN.md, "Rego contract").
package mlcheck.lib

import rego.v1

# In *_test.rego write `with input.nodes as {...}`, not `with input as {...}`:
# regopy 1.5.2 fails any built-in call under a whole-input `with` replacement.

# A parameter from data.mlcheck.params, or the default when it is not set.
param(name, default_value) := value if {
	value := data.mlcheck.params[name]
} else := default_value
