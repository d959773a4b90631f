package mlcheck.rules.data_002_test

import data.mlcheck.rules.data_002
import rego.v1

node(kind, attrs) := {"kind": kind, "attrs": attrs, "provenance": {}}

reads(src, dst) := {"src": src, "dst": dst, "kind": "reads"}

nodes := {
	"job:train": node("job", {"name": "train"}),
	"run:r1": node("run", {"run_id": "r1", "run_name": "tune"}),
	"run:r2": node("run", {"run_id": "r2"}),
	"dataset:latest": node("dataset", {"pinned": false, "pin_reason": "latest label"}),
	"dataset:local": node("dataset", {"pinned": false, "pin_reason": "local path"}),
	"dataset:v3": node("dataset", {"pinned": true, "pin_reason": "Azure ML asset version"}),
	"dataset:unknown": node("dataset", {}),
}

test_reader_of_unpinned_data_is_flagged_once_with_every_reason if {
	es := [reads("job:train", "dataset:latest"), reads("job:train", "dataset:local"), reads("job:train", "dataset:v3")]
	found := data_002.unpinned_inputs with input.nodes as nodes with input.edges as es
	count(found) == 1
	some f in found
	f.node == "job:train"
	f.evidence.facts.unpinned == {"dataset:latest": "latest label", "dataset:local": "local path"}
	f.message == "job train reads 2 dataset(s) not pinned to a version: dataset:latest (latest label), dataset:local (local path)"
}

test_run_is_named_by_its_run_name if {
	es := [reads("run:r1", "dataset:local")]
	some f in data_002.unpinned_inputs with input.nodes as nodes with input.edges as es
	startswith(f.message, "run tune reads 1 dataset(s)")
}

test_reader_of_pinned_data_passes if {
	es := [reads("job:train", "dataset:v3"), reads("run:r2", "dataset:v3")]
	count(data_002.unpinned_inputs) == 0 with input.nodes as nodes with input.edges as es
}

test_dataset_with_no_pinned_fact_is_not_judged if {
	es := [reads("run:r2", "dataset:unknown")]
	count(data_002.unpinned_inputs) == 0 with input.nodes as nodes with input.edges as es
}

test_only_reads_edges_from_runs_and_jobs_count if {
	es := [
		{"src": "job:train", "dst": "dataset:latest", "kind": "writes"},
		reads("dataset:v3", "dataset:local"),
	]
	count(data_002.unpinned_inputs) == 0 with input.nodes as nodes with input.edges as es
}
