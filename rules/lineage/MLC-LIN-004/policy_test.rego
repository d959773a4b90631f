package mlcheck.rules.lin_004_test

import data.mlcheck.rules.lin_004
import rego.v1

nodes(branches, repo_attrs, mv_attrs) := {
	"mv": {"kind": "model_version", "attrs": object.union({"name": "churn", "version": 1, "aliases": ["production"]}, mv_attrs)},
	"run": {"kind": "run", "attrs": {"git_commit": "abc"}},
	"c": {"kind": "commit", "attrs": {"sha": "abcdef0123456789", "branches": branches, "repo": "churn"}},
	"repo": {"kind": "repo", "attrs": object.union({"path": "churn", "vcs": "git", "remote": "github.com/contoso/churn", "default_branch": "main", "shallow": false}, repo_attrs)},
}

linked := [
	{"src": "mv", "dst": "run", "kind": "produced_by"},
	{"src": "run", "dst": "c", "kind": "built_from"},
	{"src": "repo", "dst": "c", "kind": "contains"},
]

items(ns, es) := found if {
	found := lin_004.trained_from_unmerged_code with input.nodes as ns with input.edges as es
}

flagged(ns, es) := {i.node | some i in items(ns, es); not i.cannot_evaluate}

undecided(ns, es) := {i.node | some i in items(ns, es); i.cannot_evaluate}

test_feature_branch_commit_is_flagged if {
	flagged(nodes(["feature/retrain"], {}, {}), linked) == {"mv"}
}

test_merged_commit_passes if {
	count(items(nodes(["feature/retrain", "main"], {}, {}), linked)) == 0
	count(items(nodes(["origin/main"], {}, {}), linked)) == 0
}

test_default_branch_names_locally_or_as_a_remote_copy if {
	lin_004.on_default(["develop", "main"], "main")
	lin_004.on_default(["feature/x", "origin/main"], "main")
	lin_004.on_default(["upstream/release/2.0"], "release/2.0")
	lin_004.on_default(["/main"], "main")
	not lin_004.on_default(["mainline", "origin/mainline", "main-old"], "main")
	not lin_004.on_default(["github.com/main", "origin/team/main"], "main")
	not lin_004.on_default([], "main")
}

test_stage_production_counts_and_staging_alias_does_not if {
	flagged(nodes(["feature/x"], {}, {"aliases": [], "stage": "Production"}), linked) == {"mv"}
	count(items(nodes(["feature/x"], {}, {"aliases": ["staging"]}), linked)) == 0
}

test_governance_default_branch_wins if {
	ns := nodes(["develop"], {"default_branch": "feature/x", "governance": {"default_branch": "develop"}}, {})
	count(items(ns, linked)) == 0
}

test_shallow_clone_cannot_evaluate if {
	undecided(nodes(["feature/x"], {"shallow": true}, {}), linked) == {"mv"}
}

test_commit_not_collected_cannot_evaluate if {
	ns := nodes([], {}, {})
	undecided(ns, [{"src": "mv", "dst": "run", "kind": "produced_by"}]) == {"mv"}
	some i in items(ns, [{"src": "mv", "dst": "run", "kind": "produced_by"}])
	contains(i.message, "in no collected repository")
}

test_a_clone_checked_out_on_the_feature_branch_is_judged_by_origin_head if {
	ns := object.union(nodes(["feature/x", "origin/feature/x"], {"default_branch": "feature/x"}, {}), {
		"tip": {"kind": "commit", "attrs": {"sha": "0123", "branches": ["main", "origin/HEAD", "origin/main"], "repo": "churn"}},
	})
	es := array.concat(linked, [{"src": "repo", "dst": "tip", "kind": "contains"}])
	flagged(ns, es) == {"mv"}
	merged := object.union(ns, {"c": {"kind": "commit", "attrs": {"sha": "abcdef0123456789", "branches": ["feature/x", "origin/HEAD"], "repo": "churn"}}})
	count(items(merged, es)) == 0
}

test_a_clone_known_by_its_origin_head_attribute_is_judged_by_it if {
	# the collector's origin_head, with no commit of origin/HEAD's line among those sent
	ns := nodes(["feature/x", "origin/feature/x"], {"default_branch": "feature/x", "origin_head": true}, {})
	flagged(ns, linked) == {"mv"}
	merged := object.union(ns, {"c": {"kind": "commit", "attrs": {"sha": "abcdef0123456789", "branches": ["feature/x", "origin/HEAD"], "repo": "churn"}}})
	count(items(merged, linked)) == 0
}
