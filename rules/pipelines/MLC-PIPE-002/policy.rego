# MLC-PIPE-002: a CI job that trains or deploys against an Azure ML workspace runs on a
# public hosted agent. High when the workspace's public network access is disabled; medium
# when no collected workspace says. A self-hosted agent against a private workspace is
# judged by the network its pool runs in (agent_network, checker/pipelines/agents.py):
# high when no private endpoint of the workspace is in it or a peered network, cannot
# evaluate when the pool's network is not declared; an unknown runner cannot be told.
package mlcheck.rules.pipe_002

import data.mlcheck.lib
import rego.v1

ml_purposes := {"train", "deploy"}

ci_jobs[id] := job if {
	some id, job in input.nodes
	job.kind == "job"
	job.attrs.system
	not job.attrs.template   # a template's own jobs run where its callers say: judged there
}

trains_or_deploys(job) if {
	some p in job.attrs.purposes
	p.purpose in ml_purposes
}

workspaces(id) := {w | w := lib.successors("in_workspace", id)[_]; input.nodes[w].attrs.type == "ml_workspace"}

against_workspace(_, job) if count(job.attrs.azureml_actions) > 0

against_workspace(id, _) if count(workspaces(id)) > 0

known_access(w) := input.nodes[w].attrs.public_network_access if {
	not input.nodes[w].attrs.unknown.public_network_access
	is_boolean(input.nodes[w].attrs.public_network_access)
}

private(id) := sort([w | w := workspaces(id)[_]; known_access(w) == false])

public(id) := [w | w := workspaces(id)[_]; known_access(w) == true]

names(ids) := [lib.label(w) | w := ids[_]]

# (severity, why) of a hosted job, from what the workspaces say.
hosted_verdict(id) := {"severity": "high", "why": concat("", ["public network access of workspace ", concat(", ", names(private(id))), " is disabled: a hosted agent cannot reach it, or the workspace is opened for it"]), "workspaces": private(id)} if {
	count(private(id)) > 0
}

hosted_verdict(id) := {"severity": "medium", "why": no_facts_reason(id), "workspaces": sort([w | w := workspaces(id)[_]])} if {
	count(private(id)) == 0
	count(public(id)) == 0
}

no_facts_reason(id) := concat("", ["no workspace facts: public network access of workspace ", concat(", ", names(sort([w | w := workspaces(id)[_]]))), " is unknown"]) if count(workspaces(id)) > 0

no_facts_reason(id) := concat("", ["no workspace facts: the workspace it acts on is not among the collected resources", unresolved_note(input.nodes[id])]) if count(workspaces(id)) == 0

unresolved_note(job) := concat("", [" (", concat("; ", reasons), ")"]) if {
	reasons := [r.reason | r := job.attrs.unresolved[k]; startswith(k, "workspace")]
	count(reasons) > 0
} else := ""

ml_reason(job) := [p | p := job.attrs.purposes[_]; ml_purposes[p.purpose]]

# Where the job runs: what the agents linker found for its pool, else what the runner says.
hosting(job) := job.attrs.agent_network.hosting if is_object(job.attrs.agent_network)

hosting(job) := object.get(job.attrs, ["runner", "hosting"], "unknown") if not is_object(object.get(job.attrs, "agent_network", null))

hosted_agent_private_workspace contains item if {
	some id, job in ci_jobs
	hosting(job) == "hosted"
	trains_or_deploys(job)
	against_workspace(id, job)
	v := hosted_verdict(id)
	item := {
		"node": id,
		"severity": v.severity,
		"message": concat("", ["CI job ", lib.label(id), " trains or deploys on a hosted agent (", object.get(job.attrs.runner, "raw", "hosted"), "): ", v.why]),
		"evidence": {
			"facts": {"runner": job.attrs.runner, "purposes": ml_reason(job), "workspaces": v.workspaces},
			"identities": object.get(job.attrs, "ci_identities", []),
			"reason": v.why,
		},
	}
}

hosted_agent_private_workspace contains item if {
	some id, job in ci_jobs
	hosting(job) == "unknown"
	trains_or_deploys(job)
	against_workspace(id, job)
	hosted_verdict(id)
	item := {
		"node": id,
		"cannot_evaluate": true,
		"message": concat("", ["CI job ", lib.label(id), ": where it runs cannot be told (", text(object.get(job.attrs, ["runner", "raw"], null)), "), and its workspace may not be reachable from a hosted agent"]),
		"evidence": {"facts": {"runner": object.get(job.attrs, "runner", null), "workspaces": hosted_verdict(id).workspaces}, "unknown": [{"fact": "runner.hosting", "reason": "the runner is an expression or an unknown pool"}]},
	}
}

text(x) := x if is_string(x)

text(x) := "no runner recorded" if not is_string(x)

# -- self-hosted agents: judged by the network their pool runs in ---------------------------

unreached(id, agent) := [w | w := private(id)[_]; not agent.reaches[w]]

pool_names(agent) := concat(", ", [object.get(agent.names, p, p) | p := object.get(agent, "pools", [])[_]])

hosted_agent_private_workspace contains item if {
	some id, job in ci_jobs
	hosting(job) == "self_hosted"
	trains_or_deploys(job)
	against_workspace(id, job)
	agent := job.attrs.agent_network
	not agent.missing
	missed := unreached(id, agent)
	count(missed) > 0
	networks := [object.get(agent.names, v, v) | v := array.concat(agent.virtual_networks, object.get(agent, "peered", []))[_]]
	why := concat("", ["its agents (", pool_names(agent), ") run in ", concat(", ", networks), ", where no private endpoint of workspace ", concat(", ", names(missed)), " is (nor in a peered network), and that workspace's public network access is disabled: the agents cannot reach it, or it is opened for them"])
	item := {
		"node": id,
		"severity": "high",
		"message": concat("", ["CI job ", lib.label(id), " trains or deploys on a self-hosted agent: ", why]),
		"evidence": {
			"facts": {"runner": job.attrs.runner, "agent_network": agent, "purposes": ml_reason(job), "workspaces": missed},
			"identities": object.get(job.attrs, "ci_identities", []),
			"reason": why,
		},
	}
}

hosted_agent_private_workspace contains item if {
	some id, job in ci_jobs
	hosting(job) == "self_hosted"
	trains_or_deploys(job)
	against_workspace(id, job)
	count(private(id)) > 0
	missing := self_hosted_missing(job)
	item := {
		"node": id,
		"cannot_evaluate": true,
		"message": concat("", ["CI job ", lib.label(id), " runs on a self-hosted agent against private workspace ", concat(", ", names(private(id))), ", but ", missing]),
		"evidence": {"facts": {"runner": job.attrs.runner, "workspaces": private(id)}, "unknown": [{"fact": "agent_network", "reason": missing}]},
	}
}

self_hosted_missing(job) := job.attrs.agent_network.missing

self_hosted_missing(job) := "no infrastructure was linked to its pool or runner: the network it runs in is unknown" if {
	not is_object(object.get(job.attrs, "agent_network", null))
}
