package mlcheck.repo_test

import data.mlcheck.repo
import rego.v1

file_node(attrs) := {"kind": "file", "attrs": attrs, "provenance": {}}

test_big_csv_flagged if {
	nodes := {"file:git:./d.csv": file_node({"path": "d.csv", "role": "data", "tracked": true, "size": 2000000})}
	count(repo.data_file_committed) == 1 with input.nodes as nodes
}

test_lfs_file_passes if {
	nodes := {"file:git:./d.csv": file_node({"path": "d.csv", "role": "data", "tracked": true, "size": 2000000, "lfs": true})}
	count(repo.data_file_committed) == 0 with input.nodes as nodes
}

test_small_file_passes if {
	nodes := {"file:git:./d.csv": file_node({"path": "d.csv", "role": "data", "tracked": true, "size": 10})}
	count(repo.data_file_committed) == 0 with input.nodes as nodes
}

test_threshold_is_a_param if {
	nodes := {"file:git:./d.csv": file_node({"path": "d.csv", "role": "data", "tracked": true, "size": 500})}
	count(repo.data_file_committed) == 1 with input.nodes as nodes
		with data.mlcheck.params as {"data_file_max_bytes": 100}
}
