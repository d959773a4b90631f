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

test_a_public_workspace_passes_whatever_the_agent if {
	count(pipe_002.hosted_agent_private_workspace) == 0 with input.nodes as {"j": job("hosted"), "w": ws({"public_network_access": true})} with input.edges as linked
	count(pipe_002.hosted_agent_private_workspace) == 0 with input.nodes as {"j": job("self_hosted"), "w": ws({"public_network_access": true})} with input.edges as linked
}

agent(reaches, missing) := object.union({"hosting": "self_hosted", "pools": ["p"], "subnets": ["s"], "virtual_networks": ["v"], "peered": [], "reaches": reaches, "names": {"p": "churn-vnet-agents", "v": "vnet-churn"}}, missing)

self_hosted(network) := json.patch(job("self_hosted"), [{"op": "add", "path": "/attrs/agent_network", "value": network}])

test_self_hosted_in_a_network_reaching_the_workspace_passes if {
	j := self_hosted(agent({"w": "private endpoint pe-w in vnet-churn"}, {}))
	count(pipe_002.hosted_agent_private_workspace) == 0 with input.nodes as {"j": j, "w": ws({"public_network_access": false})} with input.edges as linked
}

test_self_hosted_in_a_network_without_the_endpoint_is_high if {
	j := self_hosted(agent({}, {}))
	items := pipe_002.hosted_agent_private_workspace with input.nodes as {"j": j, "w": ws({"public_network_access": false})} with input.edges as linked
	count(items) == 1
	some i in items
	i.severity == "high"
	contains(i.message, "its agents (churn-vnet-agents) run in vnet-churn, where no private endpoint of workspace mlw-private is")
}

test_self_hosted_with_an_undeclared_network_cannot_be_evaluated if {
	j := self_hosted({"hosting": "self_hosted", "missing": "no collected infrastructure declares churn-agents"})
	items := pipe_002.hosted_agent_private_workspace with input.nodes as {"j": j, "w": ws({"public_network_access": false})} with input.edges as linked
	some i in items
	i.cannot_evaluate == true
	i.evidence.unknown == [{"fact": "agent_network", "reason": "no collected infrastructure declares churn-agents"}]
	bare := pipe_002.hosted_agent_private_workspace with input.nodes as {"j": job("self_hosted"), "w": ws({"public_network_access": false})} with input.edges as linked
	some b in bare
	b.cannot_evaluate == true
}

test_an_agent_network_says_where_an_unknown_runner_runs if {
	j := json.patch(job("unknown"), [{"op": "add", "path": "/attrs/agent_network", "value": agent({}, {})}])
	items := pipe_002.hosted_agent_private_workspace with input.nodes as {"j": j, "w": ws({"public_network_access": false})} with input.edges as linked
	some i in items
	i.severity == "high"
	not i.cannot_evaluate
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
