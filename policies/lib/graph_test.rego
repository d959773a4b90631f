package mlcheck.lib_test

import data.mlcheck.lib
import rego.v1

test_param_default_and_set if {
	lib.param("limit", 5) == 5
	lib.param("limit", 5) == 7 with data.mlcheck.params as {"limit": 7}
}

test_edges_of_one_kind if {
	es := [{"src": "a", "dst": "b", "kind": "reads"}, {"src": "a", "dst": "c", "kind": "writes"}]
	lib.edges("reads") == {["a", "b"]} with input.edges as es
}

test_label_prefers_name_then_run_name_then_id if {
	nodes := {
		"run:1": {"kind": "run", "attrs": {"run_name": "tune", "run_id": "1"}},
		"job:x": {"kind": "job", "attrs": {"name": "train", "display_name": "Train"}},
		"run:2": {"kind": "run", "attrs": {}},
	}
	lib.label("run:1") == "tune" with input.nodes as nodes
	lib.label("job:x") == "train" with input.nodes as nodes
	lib.label("run:2") == "run:2" with input.nodes as nodes
}

test_unresolved_commit_runs_only_without_built_from if {
	nodes := {
		"run:a": {"kind": "run", "attrs": {"git_commit": "9f3c2e1"}},
		"run:b": {"kind": "run", "attrs": {"git_commit": "8a0c000"}},
		"run:c": {"kind": "run", "attrs": {}},
	}
	es := [{"src": "run:a", "dst": "commit:x", "kind": "built_from"}]
	lib.unresolved_commit_runs(nodes) == {"run:b"} with input.edges as es
}

test_unknown_fact_and_its_evidence if {
	ws := {"kind": "resource", "attrs": {"unknown": {"public_network_access": {
		"expression": "var.public", "reason": "variable without a default",
		"attribute": "public_network_access_enabled",
	}}}}
	lib.unknown(ws, "public_network_access")
	not lib.unknown(ws, "hbi")
	not lib.unknown({"kind": "resource", "attrs": {}}, "public_network_access")
	lib.unknown_evidence(ws, "public_network_access").unknown[0].expression == "var.public"
	lib.unknown_evidence(ws, "public_network_access").unknown[0].fact == "public_network_access"
}

test_successors_and_predecessors_follow_one_edge_kind if {
	es := [
		{"src": "model_version:m/1", "dst": "run:a", "kind": "produced_by"},
		{"src": "model_version:m/1", "dst": "run:b", "kind": "produced_by"},
		{"src": "run:a", "dst": "dataset:d", "kind": "reads"},
		{"src": "deployment:blue", "dst": "model_version:m/1", "kind": "serves"},
		{"src": "run:a", "dst": "commit:has space", "kind": "built_from"},
	]
	lib.successors("produced_by", "model_version:m/1") == {"run:a", "run:b"} with input.edges as es
	lib.successors("reads", "model_version:m/1") == set() with input.edges as es
	lib.successors("built_from", "run:a") == {"commit:has space"} with input.edges as es
	lib.predecessors("serves", "model_version:m/1") == {"deployment:blue"} with input.edges as es
	lib.predecessors("produced_by", "run:zzz") == set() with input.edges as es
}

test_successors_and_predecessors_are_empty_without_any_edge if {
	lib.successors("uses", "resource:a") == set() with input.edges as []
	lib.predecessors("uses", "resource:a") == set() with input.edges as []
}
