package mlcheck.rules.gov_002_test

import data.mlcheck.rules.gov_002
import rego.v1

estate(tooling, role) := {
	"r": {"kind": "repo", "attrs": object.union({"vcs": "git", "path": "."}, tooling)},
	"f": {"kind": "file", "attrs": {"path": "notebooks/explore.ipynb", "role": role, "tracked": true}},
}

contains_edge := [{"src": "r", "dst": "f", "kind": "contains"}]

items(nodes) := found if {
	found := gov_002.notebooks_without_tooling with input.nodes as nodes with input.edges as contains_edge
}

test_notebooks_without_tooling_are_flagged if {
	[i.node | some i in items(estate({"notebook_tooling": []}, "notebook")); not i.cannot_evaluate] == ["r"]
}

test_any_tool_passes if {
	count(items(estate({"notebook_tooling": [{"tool": "nbstripout", "file": ".gitattributes", "line": 1}]}, "notebook"))) == 0
}

test_no_notebooks_passes if {
	count(items(estate({"notebook_tooling": []}, "code"))) == 0
}

test_tooling_not_recorded_cannot_evaluate if {
	[i.node | some i in items(estate({}, "notebook")); i.cannot_evaluate] == ["r"]
}
