package mlcheck.rules.model_001_test

import data.mlcheck.rules.model_001
import rego.v1

evil := {"kind": "file", "attrs": {
	"path": "models/churn.pt", "model_format": "torch-zip", "model_runs_code_on_load": true, "model_sha256": "ab",
	"model_code": [{"global": "os.system", "member": "archive/data.pkl", "offset": 20, "opcode": "STACK_GLOBAL", "category": "runs_code", "called": true, "count": 1}],
}}

nodes := {
	"file:a": evil,
	"file:b": {"kind": "file", "attrs": {"path": "models/ok.safetensors", "model_format": "safetensors", "model_runs_code_on_load": false, "model_code": []}},
	"file:c": {"kind": "file", "attrs": {"path": "models/cut.pkl", "model_format": "pickle", "model_runs_code_on_load": null, "model_code": []}},
	"model_version:churn/3": {"kind": "model_version", "attrs": {"name": "churn", "version": "3"}},
	"deployment:blue": {"kind": "deployment", "attrs": {"name": "blue"}},
	"endpoint:churn": {"kind": "endpoint", "attrs": {"name": "churn"}},
}

test_only_the_file_that_runs_code_is_flagged if {
	found := model_001.code_on_load with input.nodes as nodes with input.edges as []
	[f.node | some f in found] == ["file:a"]
	some f in found
	f.message == "models/churn.pt (torch-zip) runs code when loaded: os.system at byte 20 of archive/data.pkl"
	f.evidence.model_versions == []
}

test_evidence_reaches_versions_deployments_and_endpoints if {
	es := [
		{"src": "model_version:churn/3", "dst": "file:a", "kind": "contains"},
		{"src": "deployment:blue", "dst": "model_version:churn/3", "kind": "serves"},
		{"src": "endpoint:churn", "dst": "deployment:blue", "kind": "exposes"},
	]
	found := model_001.code_on_load with input.nodes as nodes with input.edges as es
	some f in found
	f.evidence.model_versions == ["churn v3"]
	f.evidence.served_by == ["deployment:blue"]
	f.evidence.endpoints == ["endpoint:churn"]
	endswith(f.message, "; held by churn v3, served by 1 deployment(s) behind 1 endpoint(s)")
}

test_a_tree_copy_of_a_held_artifact_is_reported_once if {
	copy := json.patch(evil, [{"op": "add", "path": "/attrs/model_same_as", "value": ["file:held"]}])
	count(model_001.code_on_load) == 0 with input.nodes as {"file:copy": copy} with input.edges as []
}
