# MLC-PIPE-006: untrusted input reaches a script: `${{ github.event.* }}` text anyone can
# write interpolated into run:, actions/github-script or azure/cli's inlineScript; pull_request_target / workflow_run
# workflows that check out the pull request's head and then run a step.
package mlcheck.rules.pipe_006

import data.mlcheck.lib
import rego.v1

# Event fields an outsider writes (GitHub Security Lab's list), inside a ${{ }} expression.
untrusted := `\$\{\{[^}]*\b(github\.event\.(issue\.(title|body)|pull_request\.(title|body|head\.(ref|label|repo\.default_branch))|comment\.body|review\.body|review_comment\.body|discussion\.(title|body)|pages[^}\s]*\.page_name|commits[^}\s]*\.(message|author\.(email|name))|head_commit\.(message|author\.(email|name))|workflow_run\.(head_branch|display_title|head_commit\.(message|author\.(email|name))))|github\.head_ref)\b[^}]*\}\}`

# A checkout of the pull request's head, by input or by command.
head_ref := `github\.event\.pull_request\.head\.(sha|ref|repo\.full_name)|github\.head_ref|github\.event\.workflow_run\.head_(sha|branch|repository)|refs/pull/`

head_command := `gh pr checkout|git (fetch|checkout)[^\n]*(pull/|github\.event\.pull_request\.head|github\.head_ref|workflow_run\.head_)`

privileged_triggers := {"pull_request_target", "workflow_run"}

# GitLab: a merge request's own text (title, description, source branch name, labels) on a
# command line that runs its arguments as code. A shell expands $VAR as data; eval, `sh -c`
# and the like parse it again. Read line by line with two plain patterns: rego-cpp (regopy)
# mis-reads \b and anchors across newlines, and emits broken JSON for trim_* results.
reparse_command := `(^|[^A-Za-z0-9_.$/-])(eval|(ba|z|da)?sh\s+-c|python3?\s+-c|node\s+-e|perl\s+-e|ruby\s+-e|pwsh(\.exe)?\s+-c(ommand)?|powershell(\.exe)?\s+-c(ommand)?|Invoke-Expression|iex)($|[^A-Za-z0-9_.-])`

merge_request_text := `\$\{?(CI_MERGE_REQUEST_(TITLE|DESCRIPTION|SOURCE_BRANCH_NAME|LABELS)|CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_NAME)($|[^A-Za-z0-9_])`

# Actions that run an input as a script, with that input's name (lower case; GitHub reads
# input names case-insensitively): the expression is in the script's text as for run:.
# Besides GitHub's and Azure's own, the common runners of a command (each action's
# action.yml: nick-fields/retry and Wandalen/wretry.action `command`, appleboy/ssh-action
# `script` on a remote host, addnab/docker-run-action `run` in a container,
# jannekem/run-python-script-action `script`).
script_actions := {
	"actions/github-script": "script", "azure/cli": "inlinescript", "azure/powershell": "inlinescript",
	"nick-fields/retry": "command", "wandalen/wretry.action": "command", "appleboy/ssh-action": "script",
	"addnab/docker-run-action": "run", "jannekem/run-python-script-action": "script",
}

scripts(step) := [text |
	some text in array.concat([object.get(step.attrs, "run", "")], script_inputs(step))
	text != ""
]

# (regopy 1.5.2: no `some k, v in` in a comprehension: references.)
script_inputs(step) := [text |
	name := script_actions[lower(step.attrs.uses.target)]
	text := object.get(step.attrs, "inputs", {})[key]
	lower(key) == name
	is_string(text)
]

untrusted_input contains item if {
	some id, step in input.nodes
	step.kind == "step"
	step.attrs.system == "github_actions"
	found := {m | some text in scripts(step); some m in regex.find_n(untrusted, text, -1)}
	count(found) > 0
	item := {
		"node": id,
		"message": concat("", ["untrusted event text is interpolated into a script: ", concat(", ", sort(found))]),
		"evidence": {"expressions": sort(found)},
	}
}

untrusted_input contains item if {
	some id, step in input.nodes
	step.kind == "step"
	step.attrs.system == "gitlab_ci"
	found := [line |
		some line in split(object.get(step.attrs, "run", ""), "\n")
		regex.match(reparse_command, line)
		regex.match(merge_request_text, line)
	]
	count(found) > 0
	item := {
		"node": id,
		"message": concat("", ["merge request text is run as code (eval, sh -c or the like): ", concat("; ", found)]),
		"evidence": {"commands": found},
	}
}

checks_out_head(step) if {
	lower(step.attrs.uses.target) == "actions/checkout"
	some name in ["ref", "repository"]
	regex.match(head_ref, object.get(object.get(step.attrs, "inputs", {}), name, ""))
}

checks_out_head(step) if regex.match(head_command, object.get(step.attrs, "run", ""))

# A later step that runs something: a script, or a local action from the checkout.
runs_code(step) if object.get(step.attrs, "run", "") != ""

runs_code(step) if step.attrs.uses.kind == "local"

# An environment on the job, or on a job it waits for (needs), holds the job until the
# environment's protection rules pass: GitHub's way to let a maintainer approve a fork's pull
# request before its code runs. {job, environment}, the job's environment as written.
needs_graph[id] := lib.successors("needs", id) if {
	some id, node in input.nodes
	node.kind == "job"
	node.attrs.system == "github_actions"
}

env_gates(jid) := [{"job": j, "environment": input.nodes[j].attrs.environment} |
	j := sort(graph.reachable(needs_graph, {jid}))[_]
	is_object(input.nodes[j].attrs.environment)
]

# A governance export (joined by the pipelines linker) shows the gate's environment with
# required reviewers or approvals.
gate_protected(gate) if {
	is_string(gate.environment.name)
	some e in lib.successors("uses", gate.job)
	input.nodes[e].kind == "environment"
	lower(input.nodes[e].attrs.name) == lower(gate.environment.name)
	input.nodes[e].attrs.protected == true
}

gated(gates) if {
	count(gates) > 0
	every gate in gates {
		gate_protected(gate)
	}
}

gate_text(gate) := gate.environment.name if is_string(gate.environment.name)

gate_text(gate) := object.get(gate.environment, "raw", "?") if not is_string(gate.environment.name)

gate_note(gates) := "" if count(gates) == 0

gate_note(gates) := concat("", ["; it waits for environment ", concat(", ", [concat("", [gate_text(g), " (job ", lib.label(g.job), ")"]) | g := gates[_]]), ", which stops a fork only if it requires a reviewer: no environments export shows that it does"]) if count(gates) > 0

untrusted_input contains item if {
	some pid, pipeline in input.nodes
	pipeline.kind == "pipeline"
	pipeline.attrs.system == "github_actions"
	triggers := {t | some t in pipeline.attrs.triggers; privileged_triggers[t]}
	count(triggers) > 0
	some jid in lib.successors("contains", pid)
	steps := {sid | some sid in lib.successors("contains", jid); input.nodes[sid].kind == "step"}
	some sid in steps
	checks_out_head(input.nodes[sid])
	later := sort([input.nodes[s].attrs.index | some s in steps; input.nodes[s].attrs.index > input.nodes[sid].attrs.index; runs_code(input.nodes[s])])
	count(later) > 0
	gates := env_gates(jid)
	not gated(gates)
	item := {
		"node": sid,
		"message": concat("", ["a ", concat("/", sort(triggers)), " workflow checks out the pull request's head and runs it (later steps of the job: ", concat(", ", [format_int(i, 10) | some i in later]), "): fork code runs with the workflow's secrets and token", gate_note(gates)]),
		# the gates beside the facts, not in them: the fingerprint stays what it was
		"evidence": {"facts": {"triggers": sort(triggers), "later_steps": later}, "environment_gates": [{"job": g.job, "environment": gate_text(g)} | some g in gates]},
	}
}
