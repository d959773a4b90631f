package mlcheck.rules.pipe_005_test

import data.mlcheck.rules.pipe_005
import rego.v1

job(name, purpose) := {"kind": "job", "attrs": {"system": "github_actions", "name": name, "job_id": name, "purposes": [{"purpose": purpose, "reason": "named"}]}}

needs(a, b) := {"src": a, "dst": b, "kind": "needs"}

test_deploy_after_evaluate_through_register_passes if {
	nodes := {"e": job("evaluate", "evaluate"), "r": job("register", "register"), "d": job("deploy", "deploy")}
	count(pipe_005.ungated_deploys) == 0 with input.nodes as nodes with input.edges as [needs("d", "r"), needs("r", "e")]
}

test_deploy_after_train_only_is_flagged if {
	nodes := {"t": job("train", "train"), "d": job("deploy", "deploy")}
	items := pipe_005.ungated_deploys with input.nodes as nodes with input.edges as [needs("d", "t")]
	count(items) == 1
	some i in items
	i.node == "d"
	i.evidence.facts.upstream == ["train"]
}

test_a_test_job_the_deploy_does_not_wait_for_is_no_gate if {
	nodes := {"t": job("unit-tests", "test"), "d": job("deploy", "deploy")}
	count(pipe_005.ungated_deploys) == 1 with input.nodes as nodes with input.edges as [needs("t", "d")]
}

test_a_reusable_workflow_job_waits_for_what_its_caller_waits_for if {
	deploy := json.patch(job("deploy", "deploy"), [{"op": "add", "path": "/attrs/called_by", "value": ["c"]}])
	nodes := {"t": job("test", "test"), "c": job("call-deploy", "none"), "d": deploy}
	count(pipe_005.ungated_deploys) == 0 with input.nodes as nodes with input.edges as [needs("c", "t")]
	count(pipe_005.ungated_deploys) == 1 with input.nodes as nodes with input.edges as []
}

test_needs_cycles_end if {
	nodes := {"a": job("a", "deploy"), "b": job("b", "train")}
	count(pipe_005.ungated_deploys) == 1 with input.nodes as nodes with input.edges as [needs("a", "b"), needs("b", "a")]
}
