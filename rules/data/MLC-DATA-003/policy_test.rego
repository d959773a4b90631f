package mlcheck.rules.data_003_test

import data.mlcheck.rules.data_003
import rego.v1

repo(attrs) := {"kind": "repo", "attrs": attrs, "provenance": {}}

out(attrs) := {"kind": "dataset", "provenance": {}, "attrs": object.union(
	{"store": "dvc", "repo": "repo:git:.", "declared_in": "dvc.yaml", "cache": true, "push": true},
	attrs,
)}

with_remote := repo({"dvc_remotes": {"storage": {}}, "dvc_default_remote": "storage"})

# regopy 1.5.2 rejects `some … in` inside comprehensions: iterate with a reference.
flagged := {f.node | f := data_003.dvc_not_pushable[_]}

test_output_with_a_default_remote_passes if {
	flagged == set() with input.nodes as {"repo:git:.": with_remote, "dataset:a": out({"path": "data/raw.csv"})}
}

test_no_default_remote_is_flagged if {
	nodes := {"repo:git:.": repo({"dvc_remotes": {}, "dvc_default_remote": ""}), "dataset:a": out({"path": "data/raw.csv"})}
	flagged == {"dataset:a"} with input.nodes as nodes
	some f in data_003.dvc_not_pushable with input.nodes as nodes
	contains(f.message, "no default DVC remote")
}

test_cache_false_and_push_false_are_flagged if {
	nodes := {
		"repo:git:.": with_remote,
		"dataset:a": out({"path": "data/a.parquet", "cache": false}),
		"dataset:b": out({"path": "data/b.parquet", "push": false}),
	}
	flagged == {"dataset:a", "dataset:b"} with input.nodes as nodes
}

test_undefined_named_remote_is_flagged if {
	nodes := {"repo:git:.": with_remote, "dataset:a": out({"path": "data/a.csv", "remote": "backup"})}
	flagged == {"dataset:a"} with input.nodes as nodes
}

test_metrics_stage_deps_and_code_pass if {
	nodes := {
		"repo:git:.": repo({"dvc_remotes": {}, "dvc_default_remote": ""}),
		"dataset:m": out({"path": "metrics.json", "out_kind": "metric"}),
		"dataset:dep": {"kind": "dataset", "provenance": {}, "attrs": {"store": "dvc", "repo": "repo:git:.", "path": "data/in.csv"}},
		"dataset:model": out({"path": "model.bin"}),
	}
	flagged == set() with input.nodes as nodes
}

test_dvc_store_not_node_id_selects if {
	# The rule reads the store attribute, never an id prefix: a DVC output with any id counts,
	# a dataset from another store with a dvc-looking id does not.
	nodes := {
		"repo:git:.": repo({"dvc_remotes": {}, "dvc_default_remote": ""}),
		"anything": out({"path": "data/raw.csv"}),
		"dataset:dvc:lookalike": {"kind": "dataset", "provenance": {}, "attrs": {"store": "mlflow", "path": "data/x.csv", "declared_in": "dvc.yaml", "repo": "repo:git:."}},
	}
	flagged == {"anything"} with input.nodes as nodes
}

test_data_extensions_are_a_param if {
	nodes := {"repo:git:.": repo({"dvc_remotes": {}, "dvc_default_remote": ""}), "dataset:a": out({"path": "model.bin"})}
	flagged == {"dataset:a"} with input.nodes as nodes with data.mlcheck.params as {"data_exts": [".bin"]}
}
