package mlcheck.rules.lin_003_test

import data.mlcheck.rules.lin_003
import rego.v1

sha := "9f3c2e1a7b5d4c3e2f1a0b9c8d7e6f5a4b3c2d1e"

nodes := {
	"model_version:churn/3": {"kind": "model_version", "attrs": {"name": "churn", "version": "3"}},
	"run:r3": {"kind": "run", "attrs": {
		"git_commit": sha, "source_name": "/home/ana/churn/scratch/tune.ipynb",
		"unresolved": {"source_name": {"value": "/home/ana/churn/scratch/tune.ipynb", "reason": "exists only as an untracked file"}},
	}},
}

edges(more) := array.concat([
	{"src": "model_version:churn/3", "dst": "run:r3", "kind": "produced_by"},
	{"src": "run:r3", "dst": "commit:git:churn@x", "kind": "built_from"},
], more)

test_source_outside_the_commit_is_flagged if {
	found := lin_003.source_not_versioned with input.nodes as nodes with input.edges as edges([])
	count(found) == 1
	some f in found
	f.node == "model_version:churn/3"
	f.message == "Model version churn v3 was trained from /home/ana/churn/scratch/tune.ipynb, which is not under version control"
	f.evidence.reason == "exists only as an untracked file"
}

test_source_in_the_commit_passes if {
	es := edges([{"src": "run:r3", "dst": "file:git:churn/scratch/tune.ipynb", "kind": "source_file"}])
	count(lin_003.source_not_versioned) == 0 with input.nodes as nodes with input.edges as es
}

test_commit_no_repository_holds_is_left_to_lin_002 if {
	es := [{"src": "model_version:churn/3", "dst": "run:r3", "kind": "produced_by"}]
	count(lin_003.source_not_versioned) == 0 with input.nodes as nodes with input.edges as es
}

test_run_naming_no_source_passes if {
	bare := json.patch(nodes, [{"op": "remove", "path": "/run:r3/attrs/source_name"}])
	count(lin_003.source_not_versioned) == 0 with input.nodes as bare with input.edges as edges([])
}

launcher_nodes := {
	"model_version:churn/3": {"kind": "model_version", "attrs": {"name": "churn", "version": "3"}},
	"run:r3": {"kind": "run", "attrs": {
		"git_commit": sha, "source_name": "/home/ana/venv/lib/python3.11/site-packages/ipykernel_launcher.py",
		"source_is_kernel_launcher": true,
	}},
}

test_a_notebook_kernels_launcher_is_cannot_evaluate_not_a_finding_about_the_launcher if {
	found := lin_003.source_not_versioned with input.nodes as launcher_nodes with input.edges as edges([])
	count(found) == 1
	some f in found
	f.cannot_evaluate == true
	f.message == "cannot evaluate whether model version churn v3 was trained from code under version control: the run was started from a notebook kernel: MLflow recorded the kernel's launcher (/home/ana/venv/lib/python3.11/site-packages/ipykernel_launcher.py), not the notebook"
}
