package mlcheck.rules.pipe_003_test

import data.mlcheck.rules.pipe_003
import rego.v1

step(uses) := {"kind": "step", "attrs": {"system": "github_actions", "uses": uses}}

ref(text, target, kind) := {"ref": text, "target": target, "kind": kind}

test_tag_and_branch_are_flagged_sha_and_local_are_not if {
	nodes := {
		"tag": step(ref("actions/checkout@v4", "actions/checkout", "tag")),
		"branch": step(ref("azure/cli@master", "azure/cli", "branch")),
		"sha": step(ref("azure/login@a457da9ea143d694b1b9c7c869ebb04ebe844ef5", "azure/login", "sha")),
		"local": step(ref("./.github/actions/x", "./.github/actions/x", "local")),
	}
	items := pipe_003.mutable_refs with input.nodes as nodes
	{i.node | some i in items} == {"tag", "branch"}
}

test_same_repository_and_allow_list_are_exempt if {
	own := object.union(ref("contoso/churn/.github/workflows/x.yml@main", "contoso/churn/.github/workflows/x.yml", "branch"), {"same_repository": true})
	nodes := {"own": step(own), "gh": step(ref("Actions/checkout@v4", "Actions/checkout", "tag")), "exact": step(ref("azure/cli@v2", "azure/cli", "tag"))}
	count(pipe_003.mutable_refs) == 0 with input.nodes as nodes with data.mlcheck.params as {"mutable_ref_allowlist": ["actions/*", "Azure/CLI"]}
}

test_expression_ref_cannot_be_evaluated if {
	nodes := {"x": step(ref("org/a@${{ inputs.ref }}", "org/a@${{ inputs.ref }}", "expression"))}
	items := pipe_003.mutable_refs with input.nodes as nodes
	[i.cannot_evaluate | some i in items] == [true]
}

test_images_without_digest_one_finding_per_job if {
	job := {"kind": "job", "attrs": {
		"system": "gitlab_ci",
		"container": {"image": "python:3.11", "digest": false, "expression": false},
		"services": [
			{"name": "db", "image": "postgres:16", "digest": false},
			{"name": "ok", "image": "redis@sha256:abc", "digest": true},
		],
	}}
	items := pipe_003.mutable_refs with input.nodes as {"j": job}
	count(items) == 1
	some i in items
	[e.ref | some e in i.evidence.references] == ["python:3.11", "postgres:16"]
}

test_gitlab_project_include_at_a_branch_and_template_exempt if {
	pipeline := {"kind": "pipeline", "attrs": {"system": "gitlab_ci", "includes": [
		{"type": "project", "uses": ref("g/t@main", "g/t", "branch")},
		{"type": "template", "uses": ref("Jobs/SAST.gitlab-ci.yml", "Jobs/SAST.gitlab-ci.yml", "template")},
		{"type": "local", "path": "ci/a.yml"},
	]}}
	items := pipe_003.mutable_refs with input.nodes as {"p": pipeline}
	[e.ref | some i in items; some e in i.evidence.references] == ["g/t@main"]
}

test_azure_ml_jobs_without_system_are_not_ci if {
	count(pipe_003.mutable_refs) == 0 with input.nodes as {"j": {"kind": "job", "attrs": {"container": {"image": "x:1", "digest": false}}}}
}

extending(extends) := {"kind": "pipeline", "attrs": {"system": "azure_pipelines", "extends": extends}}

test_an_extends_template_read_from_another_scanned_repository_is_judged_by_its_pin if {
	branch := {"ref": "pipeline.yml@templates", "target": "ml/templates/pipeline.yml", "version": null, "kind": "branch", "repository": "templates", "resolved": "pipeline.yml@templates"}
	items := pipe_003.mutable_refs with input.nodes as {"p": extending(branch)}
	some i in items
	contains(i.message, "extends template pipeline.yml@templates of repository templates (a branch)")
	pinned := json.patch(branch, [{"op": "replace", "path": "/kind", "value": "sha"}])
	count(pipe_003.mutable_refs) == 0 with input.nodes as {"p": extending(pinned)}
	local := {"ref": "pipeline.yml", "target": "pipeline.yml", "kind": "local"}
	count(pipe_003.mutable_refs) == 0 with input.nodes as {"p": extending(local)}
}

azure(kind, uses) := {"kind": kind, "attrs": {"system": "azure_pipelines", "uses": uses}}

test_an_azure_template_reference_says_it_is_a_template_of_its_repository if {
	branch := {"ref": "steps/deploy.yml@templates", "target": "ml/pipeline-templates/steps/deploy.yml", "version": "main", "kind": "branch", "repository": "templates", "repository_name": "ml/pipeline-templates"}
	items := pipe_003.mutable_refs with input.nodes as {"s": azure("step", branch), "j": azure("job", branch)}
	{i.node: i.message | some i in items} == {
		"s": "referenced by a mutable ref, not a full commit sha or digest: template steps/deploy.yml@templates of repository ml/pipeline-templates (a branch)",
		"j": "referenced by a mutable ref, not a full commit sha or digest: reusable workflow or template steps/deploy.yml@templates of repository ml/pipeline-templates (a branch)",
	}
	[e | some i in items; i.node == "s"; some e in i.evidence.references] == [{"what": "template", "ref": "steps/deploy.yml@templates", "why": "a branch", "state": "mutable"}]
}

test_a_github_step_is_an_action_and_a_job_a_reusable_workflow_or_template if {
	wf := ref("org/flows/.github/workflows/d.yml@main", "org/flows/.github/workflows/d.yml", "branch")
	nodes := {"s": step(ref("azure/cli@v2", "azure/cli", "tag")), "j": {"kind": "job", "attrs": {"system": "github_actions", "uses": wf}}}
	items := pipe_003.mutable_refs with input.nodes as nodes
	{i.node: i.message | some i in items} == {
		"s": "referenced by a mutable ref, not a full commit sha or digest: action azure/cli@v2 (a tag)",
		"j": "referenced by a mutable ref, not a full commit sha or digest: reusable workflow or template org/flows/.github/workflows/d.yml@main (a branch)",
	}
}
