package mlcheck.rules.pipe_001_test

import data.mlcheck.rules.pipe_001
import rego.v1

deploy_purpose := [{"purpose": "deploy", "reason": "model_deploy: az ml online-deployment create -f d.yml"}]

job(attrs) := {"kind": "job", "attrs": object.union({"system": "github_actions", "name": "release", "job_id": "release", "purposes": deploy_purpose}, attrs)}

env(protected) := {"kind": "environment", "attrs": {"system": "github_actions", "name": "production", "repository": "github.com/contoso/churn", "protected": protected}}

prod_env := {"environment": {"name": "production", "raw": "production", "line": 9}}

test_production_environment_with_reviewers_passes if {
	nodes := {"j": job(prod_env), "e": env(true)}
	count(pipe_001.unprotected_production_deploys) == 0 with input.nodes as nodes with input.edges as [{"src": "j", "dst": "e", "kind": "uses"}]
}

test_production_environment_without_reviewers_is_flagged_exactly if {
	nodes := {"j": job(prod_env), "e": env(false)}
	items := pipe_001.unprotected_production_deploys with input.nodes as nodes with input.edges as [{"src": "j", "dst": "e", "kind": "uses"}]
	count(items) == 1
	some i in items
	i.evidence.missing == null
	contains(i.message, "environment production has no required reviewers")
}

test_without_an_export_the_finding_names_the_missing_fact if {
	items := pipe_001.unprotected_production_deploys with input.nodes as {"j": job(prod_env)} with input.edges as []
	some i in items
	startswith(i.evidence.missing, "the protection of environment production (gh api repos/")
}

test_no_environment_on_a_job_named_for_production if {
	items := pipe_001.unprotected_production_deploys with input.nodes as {"j": job({"name": "deploy_prod"})} with input.edges as []
	some i in items
	i.evidence.production == [{"what": "name", "value": "deploy_prod"}]
	contains(i.message, "names no environment")
}

test_expression_environment_is_flagged_with_what_is_missing if {
	attrs := {"stage": "Prod", "environment": {"name": null, "raw": "${{ inputs.env }}", "line": 3}}
	items := pipe_001.unprotected_production_deploys with input.nodes as {"j": job(attrs)} with input.edges as []
	some i in items
	i.evidence.missing == "the environment's name"
}

test_workspace_and_endpoint_names_say_production if {
	nodes := {
		"j": job({"name": "release"}),
		"w": {"kind": "resource", "attrs": {"type": "ml_workspace", "name": "mlw-churn-prd"}},
		"d": {"kind": "deployment", "attrs": {"name": "blue", "endpoint_name": "churn-live"}},
	}
	edges := [{"src": "j", "dst": "w", "kind": "in_workspace"}, {"src": "j", "dst": "d", "kind": "deploys"}]
	items := pipe_001.unprotected_production_deploys with input.nodes as nodes with input.edges as edges
	some i in items
	i.evidence.production == [{"what": "workspace", "value": "mlw-churn-prd"}, {"what": "endpoint", "value": "churn-live"}]
}

test_what_the_deploying_commands_name_says_production_last if {
	targets := [{"what": "kube context", "value": "aks-churn-prod"}, {"what": "var file", "value": "envs/staging.tfvars"}]
	items := pipe_001.unprotected_production_deploys with input.nodes as {"j": job({"name": "release", "deploy_targets": targets})} with input.edges as []
	some i in items
	i.evidence.production == [{"what": "kube context", "value": "aks-churn-prod"}]
	staging := [{"what": "var file", "value": "envs/staging.tfvars"}, {"what": "namespace", "value": "serving"}]
	count(pipe_001.unprotected_production_deploys) == 0 with input.nodes as {"j": job({"name": "release", "deploy_targets": staging})} with input.edges as []
}

test_a_linked_deploy_counts_without_the_purpose if {
	nodes := {"j": job({"purposes": [], "name": "apply"}), "d": {"kind": "deployment", "attrs": {"name": "blue", "endpoint_name": "churn-prod"}}}
	count(pipe_001.unprotected_production_deploys) == 1 with input.nodes as nodes with input.edges as [{"src": "j", "dst": "d", "kind": "deploys"}]
}

test_staging_and_non_deploy_jobs_pass if {
	staging := {"j": job({"environment": {"name": "staging", "raw": "staging"}, "name": "release"})}
	count(pipe_001.unprotected_production_deploys) == 0 with input.nodes as staging with input.edges as []
	train := {"j": job({"name": "train-prod", "purposes": [{"purpose": "train", "reason": "named"}]})}
	count(pipe_001.unprotected_production_deploys) == 0 with input.nodes as train with input.edges as []
	product := {"j": job({"name": "product-release"})}
	count(pipe_001.unprotected_production_deploys) == 0 with input.nodes as product with input.edges as []
}

test_gitlab_manual_job_with_an_environment_passes if {
	attrs := object.union(prod_env, {"system": "gitlab_ci", "manual": true})
	count(pipe_001.unprotected_production_deploys) == 0 with input.nodes as {"j": job(attrs)} with input.edges as []
	auto := object.union(prod_env, {"system": "gitlab_ci", "manual": false})
	count(pipe_001.unprotected_production_deploys) == 1 with input.nodes as {"j": job(auto)} with input.edges as []
}

test_the_pattern_is_a_parameter if {
	nodes := {"j": job({"environment": {"name": "customer-facing", "raw": "x"}})}
	count(pipe_001.unprotected_production_deploys) == 1 with input.nodes as nodes with input.edges as [] with data.mlcheck.params.production_pattern as "customer"
}

test_environment_resolved_from_callers_is_judged_by_name if {
	attrs := {"environment": {"name": null, "raw": "${{ inputs.environment }}"}, "environment_names": ["staging", "production"]}
	staging := {"kind": "environment", "attrs": {"system": "github_actions", "name": "staging", "protected": false}}
	edges := [{"src": "j", "dst": "e", "kind": "uses"}, {"src": "j", "dst": "s", "kind": "uses"}]
	count(pipe_001.unprotected_production_deploys) == 0 with input.nodes as {"j": job(attrs), "e": env(true), "s": staging} with input.edges as edges
	items := pipe_001.unprotected_production_deploys with input.nodes as {"j": job(attrs), "s": staging} with input.edges as array.slice(edges, 1, 2)
	some i in items
	startswith(i.evidence.missing, "the protection of environment production")
}

test_a_branch_credential_the_job_signs_in_with_is_named_in_the_evidence if {
	ids := {"ci_identities": [{"via": "federated credential (ref:refs/heads/main)", "node": "c", "identity": "i", "identity_name": "id-churn-deploy", "auth": "oidc", "trusts": "ref:refs/heads/main", "scope": "branch", "roles": []}]}
	nodes := {"j": job(object.union(prod_env, ids)), "e": env(false)}
	items := pipe_001.unprotected_production_deploys with input.nodes as nodes with input.edges as [{"src": "j", "dst": "e", "kind": "uses"}]
	some i in items
	i.evidence.unguarded_credentials == ["ref:refs/heads/main (branch) of id-churn-deploy"]
}
