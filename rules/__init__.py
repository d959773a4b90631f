"""Built-in rule catalog, shipped in the wheel as checker.builtin_rules."""
