# MLC-REPO-003: a data file committed straight into git, without DVC or LFS.
package mlcheck.rules.repo_003

import data.mlcheck.lib
import rego.v1

default_max_bytes := 1048576

# Data files git keeps as blobs; LFS pointers and DVC outputs are not blobs of data.
data_file_committed contains finding if {
	some id, f in input.nodes
	f.kind == "file"
	f.attrs.tracked == true
	f.attrs.role == "data"
	not f.attrs.lfs
	not f.attrs.dvc_tracked
	limit := lib.param("data_file_max_bytes", default_max_bytes)
	f.attrs.size > limit
	finding := {
		"node": id,
		"message": sprintf("Data file %s (%d bytes) is committed to git without DVC or LFS", [f.attrs.path, f.attrs.size]),
		"evidence": {"facts": {"path": f.attrs.path, "size": f.attrs.size, "limit": limit}},
	}
}
