package mlcheck.rules.gov_001_test

import data.mlcheck.rules.gov_001
import rego.v1

repo(governance) := {"kind": "repo", "attrs": object.union(
	{"remote": "github.com/contoso/churn", "vcs": "git", "ml_activity": [{"what": "MLproject", "node": "f"}]},
	governance,
)}

review(fields) := {"governance": {"default_branch": "main", "review": object.union(
	{"state": "required", "required_approvals": 1, "admins_bypass": false, "source": "github_ruleset"},
	fields,
)}}

items(node) := found if {
	found := gov_001.unreviewed_default_branch with input.nodes as {"r": node}
}

flagged(node) := {i.node | some i in items(node); not i.cannot_evaluate}

undecided(node) := {i.node | some i in items(node); i.cannot_evaluate}

test_one_approval_no_bypass_passes if {
	count(items(repo(review({})))) == 0
}

test_no_review_required_is_flagged if {
	flagged(repo(review({"state": "not_required", "required_approvals": 0}))) == {"r"}
}

test_zero_approvals_and_admin_bypass_are_flagged if {
	flagged(repo(review({"required_approvals": 0}))) == {"r"}
	flagged(repo(review({"admins_bypass": true}))) == {"r"}
	some i in items(repo(review({"required_approvals": 0, "admins_bypass": true})))
	contains(i.message, "administrators or bypass actors may skip the review; the pull request rule requires 0 approvals")
}

test_author_vote_counting_towards_one_approval_is_flagged if {
	flagged(repo(review({"creator_vote_counts": true}))) == {"r"}
	count(items(repo(review({"creator_vote_counts": true, "required_approvals": 2})))) == 0
}

test_no_export_cannot_evaluate_never_passes if {
	node := repo({"governance_missing": "no governance export names github.com/contoso/churn"})
	undecided(node) == {"r"}
	some i in items(node)
	contains(i.message, "no governance export names")
}

test_unknown_review_cannot_evaluate if {
	undecided(repo(review({"state": "unknown", "reason": "no export covers main"}))) == {"r"}
}

test_repository_without_ml_activity_is_not_judged if {
	node := {"kind": "repo", "attrs": {"remote": "github.com/contoso/docs"}}
	count(items(node)) == 0
}

test_a_plain_folder_is_not_judged if {
	folder := json.patch(repo({}), [{"op": "replace", "path": "/attrs/vcs", "value": "none"}])
	count(gov_001.unreviewed_default_branch) == 0 with input as {"nodes": {"r": folder}, "edges": []}
}
