# MLC-PIPE-004: GitHub token permissions not least-privilege: write-all, no permissions
# block on a workflow that deploys, id-token: write that no step uses.
package mlcheck.rules.pipe_004

import data.mlcheck.lib
import rego.v1

# Actions that request an OIDC token from GitHub (owner/repo, lower case).
oidc_actions := {
	"hashicorp/vault-action",
	"pypa/gh-action-pypi-publish",
	"actions/attest",
	"actions/attest-build-provenance",
	"actions/attest-sbom",
	"actions/deploy-pages",
	"octo-sts/action",
	"anthropics/claude-code-action",   # exchanges it for its GitHub App's token
}

# Script text that requests one itself.
oidc_markers := ["ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "getIDToken"]

github(node) if node.attrs.system == "github_actions"

line(permissions) := format_int(permissions.line, 10) if is_number(permissions.line)

line(permissions) := "?" if not is_number(permissions.line)

job_ids(pid) := {jid | some jid in lib.successors("contains", pid); input.nodes[jid].kind == "job"}

requests_token(step) if oidc_actions[lower(step.attrs.uses.target)]

# azure/login uses OIDC when given a client id and no `creds` JSON (a service principal secret).
requests_token(step) if {
	lower(step.attrs.uses.target) == "azure/login"
	object.get(object.get(step.attrs, "inputs", {}), "creds", "") == ""
}

# google-github-actions/auth with a service account key (credentials_json) and
# aws-actions/configure-aws-credentials with access keys sign in with those instead.
requests_token(step) if {
	lower(step.attrs.uses.target) == "google-github-actions/auth"
	object.get(object.get(step.attrs, "inputs", {}), "credentials_json", "") == ""
}

requests_token(step) if {
	lower(step.attrs.uses.target) == "aws-actions/configure-aws-credentials"
	inputs := object.get(step.attrs, "inputs", {})
	object.get(inputs, "aws-access-key-id", "") == ""
	object.get(inputs, "web-identity-token-file", "") == ""
}

# A local or computed action cannot be read here: it may request one.
requests_token(step) if step.attrs.uses.kind in {"local", "expression"}

requests_token(step) if {
	some marker in oidc_markers
	contains(step.attrs.run, marker)
}

may_use_token(jid) if is_object(input.nodes[jid].attrs.uses)

may_use_token(jid) if {
	some sid in lib.successors("contains", jid)
	requests_token(input.nodes[sid])
}

deploys_job(job) if {
	some p in object.get(job.attrs, "purposes", [])
	p.purpose == "deploy"
}

excess_permissions contains item if {
	some id, node in input.nodes
	node.kind in {"pipeline", "job"}
	github(node)
	node.attrs.permissions.mode == "write-all"
	item := {
		"node": id,
		"message": concat("", [node.kind, " sets permissions: write-all (line ", line(node.attrs.permissions), "): the GITHUB_TOKEN may write to every scope"]),
		"evidence": {"permissions": node.attrs.permissions},
	}
}

excess_permissions contains item if {
	some id, node in input.nodes
	node.kind == "pipeline"
	github(node)
	node.attrs.role == "workflow"
	not node.attrs.permissions
	deploying := sort([input.nodes[jid].attrs.job_id | some jid in job_ids(id); job := input.nodes[jid]; deploys_job(job); not job.attrs.permissions])
	count(deploying) > 0
	item := {
		"node": id,
		"message": concat("", ["workflow with deploy jobs (", concat(", ", deploying), ") declares no permissions: its GITHUB_TOKEN gets the repository's default, which the scan cannot see"]),
		"evidence": {"deploy_jobs": deploying},
	}
}

excess_permissions contains item if {
	some id, node in input.nodes
	node.kind == "pipeline"
	github(node)
	node.attrs.permissions.scopes["id-token"] == "write"
	inheriting := {jid | some jid in job_ids(id); not input.nodes[jid].attrs.permissions}
	count({jid | some jid in inheriting; may_use_token(jid)}) == 0
	item := {
		"node": id,
		"message": concat("", ["workflow grants id-token: write (line ", line(node.attrs.permissions), ") but no job that inherits it requests an OIDC token"]),
		"evidence": {"permissions": node.attrs.permissions, "inheriting_jobs": count(inheriting)},
	}
}

excess_permissions contains item if {
	some id, node in input.nodes
	node.kind == "job"
	github(node)
	node.attrs.permissions.scopes["id-token"] == "write"
	not may_use_token(id)
	item := {
		"node": id,
		"message": concat("", ["job grants id-token: write (line ", line(node.attrs.permissions), ") but none of its steps requests an OIDC token"]),
		"evidence": {"permissions": node.attrs.permissions},
	}
}
