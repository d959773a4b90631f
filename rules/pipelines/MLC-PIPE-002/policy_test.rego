package mlcheck.rules.pipe_002_test

import data.mlcheck.rules.pipe_002
import rego.v1

runner(hosting) := {"hosting": hosting, "labels": ["ubuntu-latest"], "pool": null, "image": null, "raw": "ubuntu-latest"}

job(hosting) := {"kind": "job", "attrs": {
	"system": "github_actions", "name": "train", "job_id": "train", "runner": runner(hosting),
	"purposes": [{"purpose": "train", "reason": "job_submit: az ml job create -f train.yml"}],
	"azureml_actions": [{"action": "job_submit", "line": 12, "workspace": "mlw-private"}],
}}

ws(attrs) := {"kind": "resource", "attrs": object.union({"type": "ml_workspace", "name": "mlw-private"}, attrs)}

linked := [{"src": "j", "dst": "w", "kind": "in_workspace"}]

test_hosted_agent_on_a_private_workspace_is_high if {
	items := pipe_002.hosted_agent_private_workspace with input.nodes as {"j": job("hosted"), "w": ws({"public_network_access": false})} with input.edges as linked
	count(items) == 1
	some i in items
	i.severity == "high"
	contains(i.message, "public network access of workspace mlw-private is disabled")
}

test_self_hosted_passes_and_a_public_workspace_passes if {
	count(pipe_002.hosted_agent_private_workspace) == 0 with input.nodes as {"j": job("self_hosted"), "w": ws({"public_network_access": false})} with input.edges as linked
	count(pipe_002.hosted_agent_private_workspace) == 0 with input.nodes as {"j": job("hosted"), "w": ws({"public_network_access": true})} with input.edges as linked
}

test_no_workspace_facts_is_medium_with_the_reason if {
	j := json.patch(job("hosted"), [{"op": "add", "path": "/attrs/unresolved", "value": {"workspace mlw-private": {"value": "mlw-private", "reason": "workspace mlw-private: no ml_workspace was collected"}}}])
	items := pipe_002.hosted_agent_private_workspace with input.nodes as {"j": j} with input.edges as []
	some i in items
	i.severity == "medium"
	i.evidence.reason == "no workspace facts: the workspace it acts on is not among the collected resources (workspace mlw-private: no ml_workspace was collected)"
}

test_an_unknown_fact_is_no_fact if {
	w := ws({"public_network_access": false, "unknown": {"public_network_access": {"expression": "var.public", "reason": "no default"}}})
	items := pipe_002.hosted_agent_private_workspace with input.nodes as {"j": job("hosted"), "w": w} with input.edges as linked
	some i in items
	i.severity == "medium"
	contains(i.message, "public network access of workspace mlw-private is unknown")
}

test_unknown_runner_cannot_be_evaluated if {
	items := pipe_002.hosted_agent_private_workspace with input.nodes as {"j": job("unknown"), "w": ws({"public_network_access": false})} with input.edges as linked
	some i in items
	i.cannot_evaluate == true
}

test_jobs_that_neither_train_nor_deploy_or_touch_no_workspace_pass if {
	lint := json.patch(job("hosted"), [{"op": "replace", "path": "/attrs/purposes", "value": [{"purpose": "test", "reason": "tests"}]}])
	count(pipe_002.hosted_agent_private_workspace) == 0 with input.nodes as {"j": lint, "w": ws({"public_network_access": false})} with input.edges as linked
	local := json.patch(job("hosted"), [{"op": "replace", "path": "/attrs/azureml_actions", "value": []}])
	count(pipe_002.hosted_agent_private_workspace) == 0 with input.nodes as {"j": local} with input.edges as []
}
