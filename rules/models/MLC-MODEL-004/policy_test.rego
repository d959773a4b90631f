package mlcheck.rules.model_004_test

import data.mlcheck.rules.model_004
import rego.v1

nodes(source) := {
	"model_version:churn/5": {"kind": "model_version", "attrs": {"name": "churn", "version": 5, "source": source}},
	"run:r1": {"kind": "run", "attrs": {"run_id": "r1", "artifact_uri": "file:///mlruns/1/r1/artifacts"}},
}

edges := [{"src": "model_version:churn/5", "dst": "run:r1", "kind": "produced_by"}]

flagged(source) := {f.node | some f in found} if {
	found := model_004.source_outside_run with input.nodes as nodes(source) with input.edges as edges
}

test_another_runs_folder_is_flagged if {
	flagged("/mlruns/1/r2/artifacts/model") == {"model_version:churn/5"}
	flagged("s3://bucket/handmade") == {"model_version:churn/5"}
	flagged("runs:/r2/model") == {"model_version:churn/5"}
	flagged("/mlruns/1/r1/artifacts-old/model") == {"model_version:churn/5"}
}

test_the_runs_own_artifacts_pass if {
	flagged("/mlruns/1/r1/artifacts/model") == set()
	flagged("file:///mlruns/1/r1/artifacts/model") == set()
	flagged("runs:/r1/model") == set()
	flagged("models:/m-0123456789abcdef") == set()
}

logged_nodes(attrs) := {
	"model_version:churn/5": {"kind": "model_version", "attrs": object.union({"name": "churn", "version": 5, "source": "models:/m-1"}, attrs)},
	"run:r1": {"kind": "run", "attrs": {"run_id": "r1", "artifact_uri": "file:///mlruns/1/r1/artifacts"}},
}

logged_flagged(attrs) := {f.node | some f in found} if {
	found := model_004.source_outside_run with input.nodes as logged_nodes(attrs) with input.edges as edges
}

test_a_logged_model_of_another_run_or_none_is_flagged if {
	logged_flagged({"logged_model_id": "m-1", "logged_model_run_id": "r2"}) == {"model_version:churn/5"}
	logged_flagged({"logged_model_id": "m-1"}) == {"model_version:churn/5"}
}

test_a_logged_model_of_the_run_or_one_not_read_passes if {
	logged_flagged({"logged_model_id": "m-1", "logged_model_run_id": "r1"}) == set()
	logged_flagged({}) == set()
}

# MLflow 3 in a file store: a version registered from a logged model names it (model_id)
# beside a path source under <experiment>/models/<model_id>/artifacts, outside any run's
# artifact root. It is judged by the logged model's run, not by that path.
path_logged_nodes(logged_run) := {
	"model_version:churn/5": {"kind": "model_version", "attrs": {"name": "churn", "version": 5, "source": "file:///mlruns/1/models/m-1/artifacts", "logged_model_id": "m-1", "logged_model_run_id": logged_run}},
	"run:r1": {"kind": "run", "attrs": {"run_id": "r1", "artifact_uri": "file:///mlruns/1/r1/artifacts"}},
}

path_logged_flagged(logged_run) := {f.node | some f in found} if {
	found := model_004.source_outside_run with input.nodes as path_logged_nodes(logged_run) with input.edges as edges
}

test_a_logged_model_path_source_is_judged_by_the_logged_models_run if {
	path_logged_flagged("r1") == set()
	path_logged_flagged("r2") == {"model_version:churn/5"}
}
