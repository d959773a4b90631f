package mlcheck.rules.lin_002_test

import data.mlcheck.rules.lin_002
import rego.v1

sha := "9f3c2e1a7b5d4c3e2f1a0b9c8d7e6f5a4b3c2d1e"

nodes := {
	"model_version:churn/2": {"kind": "model_version", "attrs": {"name": "churn", "version": "2"}},
	"run:r2": {"kind": "run", "attrs": {"git_commit": sha, "unresolved": {"git_commit": {"value": sha, "reason": "never pushed"}}}},
	"run:r3": {"kind": "run", "attrs": {}},
}

produced_by := {"src": "model_version:churn/2", "dst": "run:r2", "kind": "produced_by"}

test_commit_no_repository_holds_is_flagged if {
	found := lin_002.commit_not_collected with input.nodes as nodes with input.edges as [produced_by]
	count(found) == 1
	some f in found
	f.node == "model_version:churn/2"
	f.message == "Model version churn v2 was trained at commit 9f3c2e1a7b5d, which no collected repository contains"
	f.evidence.reason == "never pushed"
	f.evidence.facts.git_commit == sha
}

test_commit_a_repository_holds_passes if {
	es := [produced_by, {"src": "run:r2", "dst": "commit:git:churn@x", "kind": "built_from"}]
	count(lin_002.commit_not_collected) == 0 with input.nodes as nodes with input.edges as es
}

test_run_without_commit_is_left_to_lin_001 if {
	es := [{"src": "model_version:churn/2", "dst": "run:r3", "kind": "produced_by"}]
	count(lin_002.commit_not_collected) == 0 with input.nodes as nodes with input.edges as es
}
