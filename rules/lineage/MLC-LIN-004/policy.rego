# MLC-LIN-004: a production model version was trained at a commit its repository's
# default branch does not reach. The git collector lists on each commit the branches that
# reach it (attrs.branches: "main", "origin/main"); the linkers joined run → commit.
package mlcheck.rules.lin_004

import data.mlcheck.lib
import rego.v1

production_aliases := {"production", "prod", "champion"}

in_production(mv) if {
	some alias in object.get(mv.attrs, "aliases", [])
	production_aliases[alias]
}

in_production(mv) if mv.attrs.stage == "Production"

production_versions[id] := mv if {
	some id, mv in input.nodes
	mv.kind == "model_version"
	in_production(mv)
}

# The default branch: as the governance export states it, else HEAD's branch (a clone's
# origin/HEAD comes first: see state).
default_branch(repo) := repo.attrs.governance.default_branch if {
	repo.attrs.governance.default_branch
} else := repo.attrs.default_branch if {
	repo.attrs.default_branch
}

# A commit's branches hold the default branch, locally or as a remote-tracking copy
# ("origin/main"; not "github.com/main"). A commit of a long history lists dozens of
# branches: the local name is one membership test, a remote copy is looked for only
# among the names that end with it, and only when the local name is not there (`else`:
# a function's separate bodies are each evaluated, and this one walked every branch of
# every training commit: 0.26 of the rule's 0.65 s at 3,000 production versions).
on_default(branches, main) if main in branches
else := true if {
	suffix := concat("", ["/", main])
	some b in branches
	endswith(b, suffix)
	remote := trim_suffix(b, suffix)
	not contains(remote, "/")
	not contains(remote, ".")
}

# The training commits of production versions, each judged once (a commit trains many
# versions; a rule body judging it per version judged it once per version): merged |
# unmerged | unknown.
training_commits contains c if {
	some mv_id, _ in production_versions
	some run in lib.successors("produced_by", mv_id)
	some c in lib.successors("built_from", run)
}

state_of[c] := commit_state(c) if some c in training_commits

# Each training commit of a version with its state.
# (regopy 1.5.2: no `some … in` and no nested call in a comprehension's head: references and bindings.)
commit_states(mv_id) := {[c, s] |
	run := lib.successors("produced_by", mv_id)[_]
	c := lib.successors("built_from", run)[_]
	s := state_of[c]
}

# The git repository a commit belongs to: commits name it by its path (attrs.repo), so the
# rule needs neither every `contains` edge nor every commit of a 100k-commit history.
git_repos[path] := id if {
	some id, node in input.nodes
	node.kind == "repo"
	node.attrs.vcs == "git"
	path := node.attrs.path
}

repo_of(c) := git_repos[input.nodes[c].attrs.repo]

# Clones whose origin/HEAD the collector saw (the repo's origin_head, or a commit listing
# "origin/HEAD"): the remote's default branch, whatever branch the work tree has checked out.
remote_head_repos contains r if {
	some r, node in input.nodes
	node.kind == "repo"
	node.attrs.origin_head == true
}

remote_head_repos contains r if {
	some id, c in input.nodes
	c.kind == "commit"
	"origin/HEAD" in object.get(c.attrs, "branches", [])
	r := repo_of(id)
}

commit_state(c) := "merged" if {
	remote_head_repos[repo_of(c)]
	"origin/HEAD" in object.get(input.nodes[c].attrs, "branches", [])
} else := "merged" if {
	not remote_head_repos[repo_of(c)]
	main := default_branch(input.nodes[repo_of(c)])
	on_default(object.get(input.nodes[c].attrs, "branches", []), main)
} else := "merged" if {
	# the platform's default branch (governance export) beside origin/HEAD
	remote_head_repos[repo_of(c)]
	main := input.nodes[repo_of(c)].attrs.governance.default_branch
	on_default(object.get(input.nodes[c].attrs, "branches", []), main)
} else := "unknown" if {
	not default_branch(input.nodes[repo_of(c)])
} else := "unknown" if {
	input.nodes[repo_of(c)].attrs.shallow == true
} else := "unmerged"

runs(mv_id) := lib.successors("produced_by", mv_id)

trained_from_unmerged_code contains finding if {
	some id, mv in production_versions
	states := commit_states(id)
	count(states) > 0
	not any_state(states, "merged")
	not any_state(states, "unknown")
	commits := sort([c | c := states[_][0]])
	finding := {
		"node": id,
		"message": sprintf("Production model version %s was trained at commit %s, which the default branch %v of %v does not reach: its code was never merged", [lib.version_name(mv), substring(input.nodes[commits[0]].attrs.sha, 0, 12), shown_default(repo_of(commits[0])), repo_name(repo_of(commits[0]))]),
		"evidence": {
			"facts": {"commits": commits, "aliases": object.get(mv.attrs, "aliases", []), "stage": object.get(mv.attrs, "stage", null)},
			"branches": object.get(input.nodes[commits[0]].attrs, "branches", []),
		},
	}
}

shown_default(r) := "origin/HEAD" if remote_head_repos[r]

else := default_branch(input.nodes[r])

any_state(states, wanted) if {
	some [_, s] in states
	s == wanted
}

repo_name(r) := object.get(input.nodes[r].attrs, "remote", object.get(input.nodes[r].attrs, "path", r))

# Nothing to judge by: never a pass.
trained_from_unmerged_code contains finding if {
	some id, mv in production_versions
	states := commit_states(id)
	not any_state(states, "merged")
	reason := unknown_reason(id, states)
	finding := {
		"node": id, "cannot_evaluate": true,
		"message": sprintf("cannot evaluate whether production model version %s was trained from merged code: %s", [lib.version_name(mv), reason]),
		"evidence": {"reason": reason},
	}
}

unknown_reason(id, states) := "no training run is linked to it (MLC-LIN-001)" if {
	count(states) == 0
	count(runs(id)) == 0
} else := reason if {
	count(states) == 0
	some run in runs(id)
	sha := input.nodes[run].attrs.git_commit
	reason := sprintf("its run's commit %v is in no collected repository (MLC-LIN-002)", [substring(sha, 0, 12)])
} else := "its training run recorded no git commit (MLC-LIN-001)" if {
	count(states) == 0
} else := reason if {
	some [c, s] in states
	s == "unknown"
	repo := input.nodes[repo_of(c)]
	repo.attrs.shallow == true
	reason := sprintf("repository %v is a shallow clone: the default branch's history is cut, so whether it reaches commit %s is unknown", [repo_name(repo_of(c)), substring(input.nodes[c].attrs.sha, 0, 12)])
} else := reason if {
	some [c, s] in states
	s == "unknown"
	reason := sprintf("the default branch of repository %v is unknown (detached HEAD, no governance export)", [repo_name(repo_of(c))])
}
