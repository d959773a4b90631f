# MLC-PIPE-005: a deploy job with no `needs` path from a job that tests or evaluates.
# The path is walked with graph.reachable over the needs edges of CI jobs, plus, for a job
# of a reusable workflow or template, an edge to each job that calls it (`called_by`).
package mlcheck.rules.pipe_005

import data.mlcheck.lib
import rego.v1

gate_purposes := {"test", "evaluate"}

ci_jobs[id] := job if {
	some id, job in input.nodes
	job.kind == "job"
	job.attrs.system
	not job.attrs.template   # a template's own jobs run where its callers say: judged there
}

has_purpose(job, wanted) if {
	some p in job.attrs.purposes
	p.purpose in wanted
}

# What a job waits for: its needs, and the jobs calling its pipeline (a reusable workflow
# or template runs after whatever its caller waits for; the linker's `called_by`).
upstream_graph[id] := lib.successors("needs", id) | {c | c := object.get(job.attrs, "called_by", [])[_]; ci_jobs[c]} if {
	some id, job in ci_jobs
}

upstream(id) := graph.reachable(upstream_graph, {id}) - {id}

gates(id) := sort([g | g := upstream(id)[_]; has_purpose(ci_jobs[g], gate_purposes)])

ungated_deploys contains item if {
	some id, job in ci_jobs
	has_purpose(job, {"deploy"})
	not job.attrs.gated_in_job   # a test step before its deploying steps stops it on failure
	count(gates(id)) == 0
	waits := sort([lib.label(u) | u := upstream(id)[_]])
	item := {
		"node": id,
		"message": concat("", ["CI job ", lib.label(id), " deploys without waiting for a job that tests or evaluates", waited(waits)]),
		"evidence": {
			"facts": {
				"deploy": [p | p := job.attrs.purposes[_]; p.purpose == "deploy"],
				"needs": object.get(job.attrs, "needs", []),
				"upstream": waits,
			},
			"reason": "no needs path from a job whose purposes hold test or evaluate",
		},
	}
}

waited(waits) := "" if count(waits) == 0

waited(waits) := concat("", [" (it waits for ", concat(", ", waits), ", none of which does)"]) if count(waits) > 0
