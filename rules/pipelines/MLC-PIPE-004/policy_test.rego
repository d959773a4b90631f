package mlcheck.rules.pipe_004_test

import data.mlcheck.rules.pipe_004
import rego.v1

wf(attrs) := {"kind": "pipeline", "attrs": object.union({"system": "github_actions", "role": "workflow"}, attrs)}

job(attrs) := {"kind": "job", "attrs": object.union({"system": "github_actions", "job_id": "j", "purposes": []}, attrs)}

step(attrs) := {"kind": "step", "attrs": object.union({"system": "github_actions"}, attrs)}

id_token := {"mode": "scoped", "scopes": {"contents": "read", "id-token": "write"}, "line": 3}

contains_edges(pairs) := [{"src": p[0], "dst": p[1], "kind": "contains"} | some p in pairs]

flagged(nodes, edges) := {i.node | some i in items} if {
	items := pipe_004.excess_permissions with input.nodes as nodes with input.edges as edges
}

test_write_all_on_workflow_and_job if {
	nodes := {"w": wf({"permissions": {"mode": "write-all", "scopes": {}, "line": 4}}), "j": job({"permissions": {"mode": "write-all", "scopes": {}}})}
	flagged(nodes, contains_edges([["w", "j"]])) == {"w", "j"}
}

test_deploy_workflow_without_permissions_but_not_a_reusable_one if {
	deploy := job({"purposes": [{"purpose": "deploy", "reason": "x"}]})
	flagged({"w": wf({}), "j": deploy}, contains_edges([["w", "j"]])) == {"w"}
	flagged({"w": wf({"role": "reusable_workflow"}), "j": deploy}, contains_edges([["w", "j"]])) == set()
	flagged({"w": wf({}), "j": object.union(deploy, {"attrs": {"permissions": {"mode": "none", "scopes": {}}}})}, contains_edges([["w", "j"]])) == set()
}

test_id_token_used_by_oidc_login_not_by_creds_login if {
	oidc := step({"uses": {"target": "Azure/login", "kind": "sha"}, "inputs": {"client-id": "${{ secrets.ID }}"}})
	creds := step({"uses": {"target": "azure/login", "kind": "sha"}, "inputs": {"creds": "${{ secrets.C }}"}})
	flagged({"w": wf({"permissions": id_token}), "j": job({}), "s": oidc}, contains_edges([["w", "j"], ["j", "s"]])) == set()
	flagged({"w": wf({"permissions": id_token}), "j": job({}), "s": creds}, contains_edges([["w", "j"], ["j", "s"]])) == {"w"}
}

test_id_token_used_by_cloud_logins_only_without_long_lived_keys if {
	wif := step({"uses": {"target": "google-github-actions/auth", "kind": "sha"}, "inputs": {"workload_identity_provider": "projects/1/locations/global/workloadIdentityPools/p/providers/gh"}})
	key := step({"uses": {"target": "google-github-actions/auth", "kind": "tag"}, "inputs": {"credentials_json": "${{ secrets.GCP_SA_KEY }}"}})
	role := step({"uses": {"target": "aws-actions/configure-aws-credentials", "kind": "sha"}, "inputs": {"role-to-assume": "arn:aws:iam::1:role/ci", "aws-region": "us-east-1"}})
	keys := step({"uses": {"target": "aws-actions/configure-aws-credentials", "kind": "tag"}, "inputs": {"aws-access-key-id": "${{ secrets.K }}", "aws-secret-access-key": "${{ secrets.S }}", "role-to-assume": "arn:aws:iam::1:role/ci"}})
	every s in [wif, role] {
		flagged({"w": wf({"permissions": id_token}), "j": job({}), "s": s}, contains_edges([["w", "j"], ["j", "s"]])) == set()
	}
	every s in [key, keys] {
		flagged({"w": wf({"permissions": id_token}), "j": job({}), "s": s}, contains_edges([["w", "j"], ["j", "s"]])) == {"w"}
	}
}

test_id_token_for_an_action_that_exchanges_it if {
	review := step({"uses": {"target": "anthropics/claude-code-action", "kind": "sha"}, "inputs": {"anthropic_api_key": "${{ secrets.K }}"}})
	checkout := step({"uses": {"target": "actions/checkout", "kind": "sha"}})
	flagged({"j": job({"permissions": id_token}), "c": checkout, "s": review}, contains_edges([["j", "c"], ["j", "s"]])) == set()
	flagged({"j": job({"permissions": id_token}), "c": checkout}, contains_edges([["j", "c"]])) == {"j"}
}

test_id_token_on_a_job_with_a_script_request_local_action_or_reusable_call_is_not_flagged if {
	script := step({"run": "curl -H \"Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN\" \"$ACTIONS_ID_TOKEN_REQUEST_URL\""})
	local := step({"uses": {"target": "./.github/actions/login", "kind": "local"}})
	flagged({"j": job({"permissions": id_token}), "s": script}, contains_edges([["j", "s"]])) == set()
	flagged({"j": job({"permissions": id_token}), "s": local}, contains_edges([["j", "s"]])) == set()
	flagged({"j": job({"permissions": id_token, "uses": {"ref": "./.github/workflows/x.yml", "kind": "local"}})}, []) == set()
	flagged({"j": job({"permissions": id_token}), "s": step({"run": "make"})}, contains_edges([["j", "s"]])) == {"j"}
}

test_other_ci_systems_are_not_judged if {
	flagged({"w": {"kind": "pipeline", "attrs": {"system": "gitlab_ci", "role": "pipeline"}}}, []) == set()
}
