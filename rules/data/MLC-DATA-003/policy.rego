# MLC-DATA-003: a DVC output that is data cannot be restored by anyone else (no remote to
# push it to, or DVC told not to store or push it).
package mlcheck.rules.data_003

import data.mlcheck.lib
import rego.v1

# Extensions that mark a DVC output as data rather than a small metrics/plots file.
default_data_exts := [
	".csv", ".tsv", ".parquet", ".json", ".jsonl", ".xml", ".feather", ".arrow", ".avro", ".orc",
	".h5", ".hdf5", ".npy", ".npz", ".pkl", ".pickle", ".joblib", ".zip", ".gz", ".tar", ".tfrecord",
	".txt", ".png", ".jpg", ".jpeg", ".wav", ".mp3", ".pt", ".pth", ".onnx", ".safetensors", ".db",
]

is_data(ds) if ds.attrs.is_dir == true

is_data(ds) if {
	exts := lib.param("data_exts", default_data_exts)
	some ext in exts
	endswith(lower(ds.attrs.path), ext)
}

repo_remotes(ds) := object.get(input.nodes[ds.attrs.repo].attrs, "dvc_remotes", {}) if {
	input.nodes[ds.attrs.repo]
} else := {}

repo_default_remote(ds) := object.get(input.nodes[ds.attrs.repo].attrs, "dvc_default_remote", "") if {
	input.nodes[ds.attrs.repo]
} else := ""

problem(ds) := "it is declared with cache: false, so DVC never stores or pushes it" if {
	ds.attrs.cache == false
} else := "it is declared with push: false, so `dvc push` skips it" if {
	ds.attrs.push == false
} else := sprintf("it names remote '%v', which .dvc/config does not define", [ds.attrs.remote]) if {
	ds.attrs.remote
	not repo_remotes(ds)[ds.attrs.remote]
} else := "the repository has no default DVC remote to push it to" if {
	not ds.attrs.remote
	repo_default_remote(ds) == ""
} else := "the default DVC remote is not defined in .dvc/config" if {
	not ds.attrs.remote
	not repo_remotes(ds)[repo_default_remote(ds)]
}

dvc_not_pushable contains finding if {
	some id, ds in input.nodes
	ds.kind == "dataset"
	ds.attrs.store == "dvc"
	ds.attrs.declared_in # an output DVC stores, not a stage dependency
	object.get(ds.attrs, "out_kind", "out") == "out" # metrics and plots are not data
	is_data(ds)
	reason := problem(ds)
	finding := {
		"node": id,
		"message": sprintf("DVC output %s cannot be restored by others: %s", [ds.attrs.path, reason]),
		"evidence": {"facts": {
			"path": ds.attrs.path, "cache": object.get(ds.attrs, "cache", true),
			"push": object.get(ds.attrs, "push", true), "remote": object.get(ds.attrs, "remote", null),
			"repo_remotes": object.keys(repo_remotes(ds)), "repo_default_remote": repo_default_remote(ds),
		}},
	}
}
