package mlcheck.rules.repo_003_test

import data.mlcheck.rules.repo_003
import rego.v1

file_node(attrs) := {"kind": "file", "attrs": attrs, "provenance": {}}

test_big_csv_flagged if {
	nodes := {"file:git:./d.csv": file_node({"path": "d.csv", "role": "data", "tracked": true, "size": 2000000})}
	count(repo_003.data_file_committed) == 1 with input.nodes as nodes
}

test_lfs_file_passes if {
	nodes := {"file:git:./d.csv": file_node({"path": "d.csv", "role": "data", "tracked": true, "size": 2000000, "lfs": true})}
	count(repo_003.data_file_committed) == 0 with input.nodes as nodes
}

test_small_file_passes if {
	nodes := {"file:git:./d.csv": file_node({"path": "d.csv", "role": "data", "tracked": true, "size": 10})}
	count(repo_003.data_file_committed) == 0 with input.nodes as nodes
}

test_threshold_is_a_param if {
	nodes := {"file:git:./d.csv": file_node({"path": "d.csv", "role": "data", "tracked": true, "size": 500})}
	count(repo_003.data_file_committed) == 1 with input.nodes as nodes
		with data.mlcheck.params as {"data_file_max_bytes": 100}
}
