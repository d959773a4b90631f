# MLC-PIPE-001: a CI job that deploys to a production-like target with no protected
# environment. The pipelines linker joined each job to its environment node (uses), the
# workspace it acts in (in_workspace) and what it deploys (deploys).
package mlcheck.rules.pipe_001

import data.mlcheck.lib
import rego.v1

# Matched against the lower-cased name (regopy's regex has no (?i)).
default_pattern := `(^|[^a-z])(prod|production|prd|live)([^a-z]|$)`

pattern := lib.param("production_pattern", default_pattern)

deploy_kinds := {"deployment", "endpoint"}

ci_jobs[id] := job if {
	some id, job in input.nodes
	job.kind == "job"
	job.attrs.system
	not job.attrs.template   # a template's own jobs run where its callers say: judged there
}

deploys(_, job) if {
	some p in job.attrs.purposes
	p.purpose == "deploy"
}

deploys(id, _) if {
	some t in lib.successors("deploys", id)
	input.nodes[t].kind in deploy_kinds
}

# The job's environment names: as written, or as the linker resolved an expression
# (`environment: ${{ inputs.env }}` from each caller's inputs).
env_names(job) := [job.attrs.environment.name] if is_string(job.attrs.environment.name)

env_names(job) := object.get(job.attrs, "environment_names", []) if not is_string(job.attrs.environment.name)

# What says where a job deploys: {what, value}, in a fixed order (engines iterate objects
# in different orders). Last, what its deploying commands name (a kube context, a
# Terraform var file, a workspace given with -w: the CI model's deploy_targets).
targets(id, job) := array.concat(array.concat(array.concat(array.concat(
	[{"what": "environment", "value": n} | n := env_names(job)[_]],
	[{"what": w, "value": job.attrs[w]} | w := ["stage", "name", "job_id"][_]; is_string(job.attrs[w])],
),
	[{"what": "workspace", "value": n} | n := workspace_names(id)[_]],
),
	[{"what": "endpoint", "value": n} | n := endpoint_names(id)[_]],
),
	[{"what": t.what, "value": t.value} | t := object.get(job.attrs, "deploy_targets", [])[_]; is_string(t.value)],
)

workspace_names(id) := sort({name |
	w := lib.successors("in_workspace", id)[_]
	name := input.nodes[w].attrs.name
	is_string(name)
})

endpoint_names(id) := sort({name |
	t := lib.successors("deploys", id)[_]
	name := endpoint_name(input.nodes[t])
})

endpoint_name(n) := n.attrs.name if n.kind == "endpoint"

endpoint_name(n) := n.attrs.endpoint_name if {
	n.kind == "deployment"
	is_string(n.attrs.endpoint_name)
}

production(id, job) := [t | t := targets(id, job)[_]; regex.match(pattern, lower(t.value))]

environments(id) := [input.nodes[e] | e := lib.successors("uses", id)[_]; input.nodes[e].kind == "environment"; input.nodes[e].attrs.system]

# The environments that must be protected: the production-like ones, else all of the job's.
judged(job) := names if {
	names := [n | n := env_names(job)[_]; regex.match(pattern, lower(n))]
	count(names) > 0
} else := env_names(job)

named(id, n) := [env | env := environments(id)[_]; lower(env.attrs.name) == lower(n)]

protected_named(id, n) if {
	some env in named(id, n)
	env.attrs.protected == true
}

unprotected(id, job) := [n | n := judged(job)[_]; not protected_named(id, n)]

env_protected(_, job) if {
	job.attrs.system == "gitlab_ci"
	job.attrs.manual == true
	count(env_names(job)) > 0
}

env_protected(id, job) if {
	count(judged(job)) > 0
	count(unprotected(id, job)) == 0
}

# Why the job is not known to be protected, and the fact that is missing (if one is).
gap(_, job) := {"why": "it names no environment: nothing gates the deploy", "missing": "an environment with required reviewers or approvals"} if {
	not job.attrs.environment
}

gap(_, job) := {"why": concat("", ["its environment is an expression (", text(job.attrs.environment.raw), "): which environment, and its protection, cannot be told"]), "missing": "the environment's name"} if {
	job.attrs.environment
	count(env_names(job)) == 0
}

gap(id, job) := {"why": concat("", ["environment ", n, " has no required reviewers or approval checks"]), "missing": null} if {
	n := unprotected(id, job)[0]
	count(named(id, n)) > 0
}

gap(id, job) := {"why": concat("", ["no environments export says whether environment ", n, " is protected"]), "missing": concat("", ["the protection of environment ", n, " (", export_hint[job.attrs.system], ")"])} if {
	n := unprotected(id, job)[0]
	count(named(id, n)) == 0
}

export_hint := {
	"github_actions": "gh api repos/{owner}/{repo}/environments, scanned with --source",
	"azure_pipelines": "the Azure DevOps environment checks (pipelines/checks/configurations), scanned with --source",
	"gitlab_ci": "GitLab protected_environments, scanned with --source",
}

text(x) := x if is_string(x)

# The federated credentials the job signs in with that name a branch, a tag or pull requests,
# not an environment (checker/pipelines/identities.py): any job run on that ref can obtain
# the same identity, approvals or not.
unguarded(job) := [sprintf("%v (%v) of %v", [e.trusts, e.scope, object.get(e, "identity_name", e.identity)]) |
	some e in object.get(job.attrs, "ci_identities", [])
	e.scope in {"branch", "any branch", "ref", "pull request"}
]

text(x) := "?" if not is_string(x)

unprotected_production_deploys contains item if {
	some id, job in ci_jobs
	deploys(id, job)
	signals := production(id, job)
	count(signals) > 0
	not env_protected(id, job)
	g := gap(id, job)
	item := {
		"node": id,
		"message": concat("", ["CI job ", lib.label(id), " deploys to production (", signals[0].what, " ", signals[0].value, ") without a protected environment: ", g.why]),
		"evidence": {
			"facts": {
				"environment": object.get(job.attrs, "environment", null),
				"system": job.attrs.system,
				"deploy": [p | p := job.attrs.purposes[_]; p.purpose == "deploy"],
			},
			# beside the facts, not in them: the fingerprint stays when identities are added
			"identities": object.get(job.attrs, "ci_identities", []),
			"unguarded_credentials": unguarded(job),
			"production": signals,
			"missing": g.missing,
			"reason": object.get(job.attrs, ["unresolved", "environment", "reason"], g.why),
		},
	}
}
