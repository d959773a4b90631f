package mlcheck.rules.pipe_006_test

import data.mlcheck.rules.pipe_006
import rego.v1

step(index, attrs) := {"kind": "step", "attrs": object.union({"system": "github_actions", "index": index}, attrs)}

wf(triggers) := {"kind": "pipeline", "attrs": {"system": "github_actions", "triggers": triggers}}

job := {"kind": "job", "attrs": {"system": "github_actions"}}

flagged(nodes, edges) := {i.node | some i in items} if {
	items := pipe_006.untrusted_input with input.nodes as nodes with input.edges as edges
}

edges(pairs) := [{"src": p[0], "dst": p[1], "kind": "contains"} | some p in pairs]

test_untrusted_text_in_run_and_github_script_not_numbers_or_env if {
	nodes := {
		"title": step(0, {"run": "echo ${{github.event.pull_request.title}}"}),
		"comment": step(1, {"run": "x=\"${{ github.event.comment.body }}\""}),
		"commit": step(2, {"run": "echo '${{ github.event.head_commit.message }}'"}),
		"commits": step(3, {"run": "echo '${{ github.event.commits[0].author.name }}'"}),
		"headref": step(4, {"run": "git push origin ${{ github.head_ref }}"}),
		"script": step(5, {"uses": {"target": "actions/github-script", "kind": "sha"}, "inputs": {"script": "core.info('${{ github.event.issue.body }}')"}}),
		"number": step(6, {"run": "echo ${{ github.event.pull_request.number }} ${{ github.event.pull_request.head.sha }}"}),
		"env": step(7, {"run": "echo \"$TITLE\"", "env": {"TITLE": "${{ github.event.pull_request.title }}"}}),
		"other-action": step(8, {"uses": {"target": "actions/checkout", "kind": "tag"}, "inputs": {"script": "${{ github.event.issue.title }}"}}),
	}
	flagged(nodes, []) == {"title", "comment", "commit", "commits", "headref", "script"}
}

test_azure_cli_inline_script_is_a_script if {
	nodes := {
		"cli": step(0, {"uses": {"target": "Azure/cli", "kind": "sha"}, "inputs": {"inlineScript": "echo ${{ github.event.issue.title }}"}}),
		"ps": step(1, {"uses": {"target": "azure/powershell", "kind": "tag"}, "inputs": {"inlinescript": "Write-Host '${{ github.event.comment.body }}'"}}),
		"env": step(2, {"uses": {"target": "azure/cli", "kind": "sha"}, "env": {"T": "${{ github.event.issue.title }}"}, "inputs": {"inlineScript": "echo \"$T\" ${{ github.event.issue.number }}"}}),
		"other": step(3, {"uses": {"target": "azure/login", "kind": "sha"}, "inputs": {"inlineScript": "${{ github.event.issue.title }}"}}),
	}
	flagged(nodes, []) == {"cli", "ps"}
}

test_privileged_trigger_head_checkout_then_run if {
	checkout := step(0, {"uses": {"target": "actions/checkout", "kind": "sha"}, "inputs": {"ref": "${{ github.event.pull_request.head.sha }}"}})
	nodes := {"w": wf(["pull_request_target"]), "j": job, "c": checkout, "r": step(1, {"run": "make test"})}
	flagged(nodes, edges([["w", "j"], ["j", "c"], ["j", "r"]])) == {"c"}
}

test_head_checkout_after_an_environment_gate if {
	checkout := step(0, {"uses": {"target": "actions/checkout", "kind": "sha"}, "inputs": {"ref": "${{ github.event.pull_request.head.sha }}"}})
	authorize := {"kind": "job", "attrs": {"system": "github_actions", "environment": {"name": "external", "raw": "external"}}}
	prod := {"kind": "environment", "attrs": {"system": "github_actions", "name": "External", "protected": true}}
	open_env := {"kind": "environment", "attrs": {"system": "github_actions", "name": "external", "protected": false}}
	nodes := {"w": wf(["pull_request_target"]), "a": authorize, "j": job, "c": checkout, "r": step(1, {"run": "npm test"}), "e": prod}
	base := array.concat(edges([["w", "a"], ["w", "j"], ["j", "c"], ["j", "r"]]), [{"src": "j", "dst": "a", "kind": "needs"}])
	# protected by required reviewers (the governance export): the fork's code waits for one
	flagged(nodes, array.concat(base, [{"src": "a", "dst": "e", "kind": "uses"}])) == set()
	# no export, or an environment without reviewers: flagged, naming the gate
	items := pipe_006.untrusted_input with input.nodes as nodes with input.edges as base
	some item in items
	contains(item.message, "it waits for environment external (job a)")
	item.evidence.environment_gates == [{"job": "a", "environment": "external"}]
	flagged(object.union(nodes, {"e": open_env}), array.concat(base, [{"src": "a", "dst": "e", "kind": "uses"}])) == {"c"}
}

test_head_checkout_without_a_later_run_or_on_pull_request_passes if {
	checkout := step(1, {"uses": {"target": "actions/checkout", "kind": "sha"}, "inputs": {"repository": "${{ github.event.pull_request.head.repo.full_name }}"}})
	earlier := step(0, {"run": "echo hi"})
	flagged({"w": wf(["pull_request_target"]), "j": job, "c": checkout, "e": earlier}, edges([["w", "j"], ["j", "c"], ["j", "e"]])) == set()
	flagged({"w": wf(["pull_request"]), "j": job, "c": checkout, "r": step(2, {"run": "make"})}, edges([["w", "j"], ["j", "c"], ["j", "r"]])) == set()
}

test_workflow_run_gh_pr_checkout_then_local_action if {
	nodes := {
		"w": wf(["workflow_run"]), "j": job,
		"c": step(0, {"run": "gh pr checkout ${{ github.event.workflow_run.pull_requests[0].number }}"}),
		"a": step(1, {"uses": {"target": "./.github/actions/build", "kind": "local"}}),
	}
	flagged(nodes, edges([["w", "j"], ["j", "c"], ["j", "a"]])) == {"c"}
}

gl(run) := {"kind": "step", "attrs": {"system": "gitlab_ci", "index": 0, "run": run}}

test_gitlab_merge_request_text_reparsed_as_code if {
	nodes := {
		"eval": gl("eval \"deploy $CI_MERGE_REQUEST_TITLE\""),
		"shc": gl("sh -c 'echo ${CI_MERGE_REQUEST_DESCRIPTION}'"),
		"iex": gl("Invoke-Expression \"Write-Host $env:X $CI_MERGE_REQUEST_LABELS\""),
		"quoted": gl("echo \"$CI_MERGE_REQUEST_TITLE\"\npython x.py --name \"$CI_MERGE_REQUEST_SOURCE_BRANCH_NAME\""),
		"other-line": gl("eval \"$(ssh-agent -s)\"\necho $CI_MERGE_REQUEST_TITLE"),
		"evaluate-word": gl("python evaluate.py $CI_MERGE_REQUEST_TITLE"),
	}
	flagged(nodes, []) == {"eval", "shc", "iex"}
}
