# Data versioning: unpinned inputs (MLC-DATA-002), DVC data nobody can pull (MLC-DATA-003).
package mlcheck.data

import data.mlcheck.lib
import rego.v1

# [reader, dataset] for every reads edge from a run or job.
reads contains [e.src, e.dst] if {
	some e in input.edges
	e.kind == "reads"
	input.nodes[e.src].kind in {"run", "job"}
	input.nodes[e.dst].kind == "dataset"
}

unpinned(ds_id) := reason if {
	ds := input.nodes[ds_id]
	ds.attrs.pinned == false
	reason := object.get(ds.attrs, "pin_reason", "no version")
}

# regopy 1.5.2 rejects `some … in` inside comprehensions: iterate with references there.
unpinned_inputs contains finding if {
	some reader in {pair[0] | reads[pair]}
	loose := {pair[1]: reason | reads[pair]; pair[0] == reader; reason := unpinned(pair[1])}
	count(loose) > 0
	node := input.nodes[reader]
	label := object.get(node.attrs, "name", object.get(node.attrs, "display_name", object.get(node.attrs, "run_name", object.get(node.attrs, "run_id", reader))))
	listed := [text | r := loose[d]; text := sprintf("%s (%s)", [d, r])]
	finding := {
		"node": reader,
		# concat(), not sprintf("%s"), joins the list: regopy 1.5.2 re-quotes concat results in sprintf.
		"message": concat("", [sprintf("%s %v reads %d dataset(s) not pinned to a version: ", [node.kind, label, count(loose)]), concat(", ", sort(listed))]),
		"evidence": {"facts": {"unpinned": loose}},
	}
}

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
	startswith(id, "dataset:dvc:")
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
