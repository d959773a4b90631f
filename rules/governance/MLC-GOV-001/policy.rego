# MLC-GOV-001: the default branch of a repository that trains or deploys models accepts
# changes without review. The governance linker joined the platform exports to the repo
# node (attrs.governance.review) and listed what it does with models (attrs.ml_activity).
package mlcheck.rules.gov_001

import data.mlcheck.lib
import rego.v1

repo_name(repo) := object.get(repo.attrs, "remote", object.get(repo.attrs, "path", "?"))

ml_repos[id] := repo if {
	some id, repo in input.nodes
	repo.kind == "repo"
	repo.attrs.vcs == "git"     # a plain folder has no branch to protect
	count(object.get(repo.attrs, "ml_activity", [])) > 0
}

# Why a review setting lets changes in unreviewed; empty when it does not.
gaps(review) := ((gap_not_required(review) | gap_no_approval(review)) | gap_self_approval(review)) | gap_bypass(review)

gap_not_required(review) := {"no rule requires a pull request review"} if {
	review.state == "not_required"
} else := set()

gap_no_approval(review) := {"the pull request rule requires 0 approvals"} if {
	review.state == "required"
	review.required_approvals == 0
} else := set()

gap_self_approval(review) := {"the author's own vote counts towards the single required approval"} if {
	review.state == "required"
	review.required_approvals == 1
	review.creator_vote_counts == true
} else := set()

gap_bypass(review) := {"administrators or bypass actors may skip the review"} if {
	review.state == "required"
	review.admins_bypass == true
} else := set()

unreviewed_default_branch contains finding if {
	some id, repo in ml_repos
	review := repo.attrs.governance.review
	found := gaps(review)
	count(found) > 0
	branch := object.get(repo.attrs.governance, "default_branch", "?")
	finding := {
		"node": id,
		"message": sprintf("Default branch %v of %v, which trains or deploys models, accepts changes without review: %s", [branch, repo_name(repo), concat("; ", sort(found))]),
		"evidence": {
			# Where the export lies is not a fact of the finding (moving it keeps the fingerprint).
			"facts": {"review": object.remove(review, ["file", "line"])},
			"export": {"file": object.get(review, "file", null), "line": object.get(review, "line", null)},
			"reason": concat("; ", sort(found)),
			"ml_activity": repo.attrs.ml_activity,
		},
	}
}

# No export covers the repository: never a pass.
unreviewed_default_branch contains finding if {
	some id, repo in ml_repos
	not repo.attrs.governance
	reason := object.get(repo.attrs, "governance_missing", "no governance export covers the repository")
	finding := {
		"node": id, "cannot_evaluate": true,
		"message": sprintf("cannot evaluate review of the default branch of %v: %v", [repo_name(repo), reason]),
		"evidence": {"facts": {"ml_activity": repo.attrs.ml_activity}, "reason": reason},
	}
}

# Exports name the repository but say nothing of its default branch (or of reviews).
unreviewed_default_branch contains finding if {
	some id, repo in ml_repos
	review := repo.attrs.governance.review
	review.state == "unknown"
	reason := object.get(review, "reason", "the exports do not say whether reviews are required")
	finding := {
		"node": id, "cannot_evaluate": true,
		"message": sprintf("cannot evaluate review of the default branch of %v: %v", [repo_name(repo), reason]),
		"evidence": {"facts": {"review": review, "ml_activity": repo.attrs.ml_activity}, "reason": reason},
	}
}
