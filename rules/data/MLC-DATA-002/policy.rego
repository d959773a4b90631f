# MLC-DATA-002: a run or job reads data that is not pinned to a version. Whether a dataset
# is pinned (and why not) is a fact the linkers derive once, from one list of version
# markers (checker/linkers.py, dataset_pin); this rule only judges it.
package mlcheck.rules.data_002

import data.mlcheck.lib
import rego.v1

# [reader, dataset] for every reads edge from a run or job to a dataset.
reads contains [src, dst] if {
	some [src, dst] in lib.edges("reads")
	input.nodes[src].kind in {"run", "job"}
	input.nodes[dst].kind == "dataset"
}

# Why a dataset is not pinned; undefined when it is pinned or nothing says (no `pinned` fact).
unpinned(ds_id) := reason if {
	ds := input.nodes[ds_id]
	ds.attrs.pinned == false
	reason := object.get(ds.attrs, "pin_reason", "no version")
}

# reader → {dataset: why it is not pinned}, built in one pass over the reads edges (grouping
# readers with a comprehension per reader is quadratic in the number of readers).
unpinned_reads[reader][ds_id] := reason if {
	some [reader, ds_id] in reads
	reason := unpinned(ds_id)
}

unpinned_inputs contains finding if {
	some reader, loose in unpinned_reads
	node := input.nodes[reader]
	# regopy 1.5.2 rejects `some … in` inside comprehensions: iterate with references there.
	listed := [text | r := loose[d]; text := sprintf("%s (%s)", [d, r])]
	finding := {
		"node": reader,
		# concat(), not sprintf("%s"), joins the list: regopy 1.5.2 re-quotes concat results in sprintf.
		"message": concat("", [sprintf("%s %v reads %d dataset(s) not pinned to a version: ", [node.kind, lib.label(reader), count(loose)]), concat(", ", sort(listed))]),
		"evidence": {"facts": {"unpinned": loose}},
	}
}
