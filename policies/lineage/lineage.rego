# Lineage breaks between registered models, runs and code (MLC-LIN-002, MLC-LIN-003).
package mlcheck.lineage

import rego.v1

# [model version, run] for every produced_by edge.
produced_by contains [e.src, e.dst] if {
	some e in input.edges
	e.kind == "produced_by"
}

# Runs with a resolved commit / source file, computed once (a function would be re-evaluated
# for every produced_by pair).
built_from_runs := {e.src | e := input.edges[_]; e.kind == "built_from"}

source_file_runs := {e.src | e := input.edges[_]; e.kind == "source_file"}

commit_unresolved(run_id, run) if {
	run.attrs.git_commit
	not built_from_runs[run_id]
}

version_name(mv) := sprintf("%v v%v", [mv.attrs.name, mv.attrs.version])

commit_not_collected contains finding if {
	some [mv_id, run_id] in produced_by
	mv := input.nodes[mv_id]
	mv.kind == "model_version"
	run := input.nodes[run_id]
	sha := run.attrs.git_commit
	commit_unresolved(run_id, run)
	default_reason := sprintf("points at commit %v which no collected repository contains", [sha])
	reason := object.get(run.attrs, ["unresolved", "git_commit", "reason"], default_reason)
	finding := {
		"node": mv_id,
		"message": sprintf("Model version %s was trained at commit %v, which no collected repository contains", [version_name(mv), substring(sha, 0, 12)]),
		"evidence": {
			"facts": {"run": run_id, "git_commit": sha, "git_repo_url": object.get(run.attrs, "git_repo_url", null)},
			"reason": reason,
		},
	}
}

source_not_versioned contains finding if {
	some [mv_id, run_id] in produced_by
	mv := input.nodes[mv_id]
	mv.kind == "model_version"
	run := input.nodes[run_id]
	source := run.attrs.source_name
	not source_file_runs[run_id]
	not commit_unresolved(run_id, run) # MLC-LIN-002 owns a commit no repository holds
	default_reason := sprintf("%v is not in any collected repository", [source])
	reason := object.get(run.attrs, ["unresolved", "source_name", "reason"], default_reason)
	finding := {
		"node": mv_id,
		"message": sprintf("Model version %s was trained from %v, which is not under version control", [version_name(mv), source]),
		"evidence": {
			"facts": {"run": run_id, "source_name": source, "git_commit": object.get(run.attrs, "git_commit", null)},
			"reason": reason,
		},
	}
}
