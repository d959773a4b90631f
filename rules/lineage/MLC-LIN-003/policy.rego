# MLC-LIN-003: the script or notebook a model version's training run names is not in a
# repository at the run's commit. The linkers made a source_file edge for every run whose
# source they found there; a run naming a source with no such edge is the gap.
package mlcheck.rules.lin_003

import data.mlcheck.lib
import rego.v1

# Runs with a resolved source file, computed once (a function would be re-evaluated for
# every produced_by pair).
source_file_runs := {e.src | e := input.edges[_]; e.kind == "source_file"}

unresolved := lib.unresolved_commit_runs(input.nodes)

source_not_versioned contains finding if {
	some [mv_id, run_id] in lib.edges("produced_by")
	mv := input.nodes[mv_id]
	mv.kind == "model_version"
	run := input.nodes[run_id]
	source := run.attrs.source_name
	not source_file_runs[run_id]
	not unresolved[run_id] # MLC-LIN-002 owns a commit no repository holds
	not run.attrs.source_is_kernel_launcher
	default_reason := sprintf("%v is not in any collected repository", [source])
	reason := object.get(run.attrs, ["unresolved", "source_name", "reason"], default_reason)
	finding := {
		"node": mv_id,
		"message": sprintf("Model version %s was trained from %v, which is not under version control", [lib.version_name(mv), source]),
		"evidence": {
			"facts": {"run": run_id, "source_name": source, "git_commit": object.get(run.attrs, "git_commit", null)},
			"reason": reason,
		},
	}
}

# A run started in a notebook names the kernel's launcher (…/site-packages/ipykernel_launcher.py),
# not the notebook: which code trained the model is not recorded, so whether it is under
# version control cannot be said — never a pass, never this finding about the launcher.
source_not_versioned contains finding if {
	some [mv_id, run_id] in lib.edges("produced_by")
	mv := input.nodes[mv_id]
	mv.kind == "model_version"
	run := input.nodes[run_id]
	run.attrs.source_is_kernel_launcher == true
	not unresolved[run_id]
	reason := sprintf("the run was started from a notebook kernel: MLflow recorded the kernel's launcher (%v), not the notebook", [run.attrs.source_name])
	finding := {
		"node": mv_id, "cannot_evaluate": true,
		"message": sprintf("cannot evaluate whether model version %s was trained from code under version control: %s", [lib.version_name(mv), reason]),
		"evidence": {"facts": {"run": run_id, "source_name": run.attrs.source_name}, "reason": reason},
	}
}
