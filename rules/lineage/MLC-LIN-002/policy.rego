# MLC-LIN-002: the commit a model version's training run recorded is in no collected
# repository (never pushed, or history rewritten). The linkers made a built_from edge for
# every run whose commit they found; a run with a commit and no such edge is the gap.
package mlcheck.rules.lin_002

import data.mlcheck.lib
import rego.v1

unresolved := lib.unresolved_commit_runs(input.nodes)

commit_not_collected contains finding if {
	some [mv_id, run_id] in lib.edges("produced_by")
	unresolved[run_id]
	mv := input.nodes[mv_id]
	mv.kind == "model_version"
	run := input.nodes[run_id]
	sha := run.attrs.git_commit
	default_reason := sprintf("points at commit %v which no collected repository contains", [sha])
	reason := object.get(run.attrs, ["unresolved", "git_commit", "reason"], default_reason)
	finding := {
		"node": mv_id,
		"message": sprintf("Model version %s was trained at commit %v, which no collected repository contains", [lib.version_name(mv), substring(sha, 0, 12)]),
		"evidence": {
			"facts": {"run": run_id, "git_commit": sha, "git_repo_url": object.get(run.attrs, "git_repo_url", null)},
			"reason": reason,
		},
	}
}
