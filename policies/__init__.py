"""Built-in Rego policies, shipped in the wheel as checker.builtin_policies."""
