# MLC-GOV-002: a git repository tracks notebooks and configures no notebook diff / strip
# tooling. The repository governance parser recorded what it found on the repo node
# (attrs.notebook_tooling: [] when it looked and found none).
package mlcheck.rules.gov_002

import data.mlcheck.lib
import rego.v1

tracked_notebooks(repo_id) := sort([f.attrs.path |
	some fid in lib.successors("contains", repo_id)
	f := input.nodes[fid]
	f.kind == "file"
	f.attrs.role == "notebook"
	f.attrs.tracked == true
])

repo_name(repo) := object.get(repo.attrs, "remote", object.get(repo.attrs, "path", "?"))

notebooks_without_tooling contains finding if {
	some id, repo in input.nodes
	repo.kind == "repo"
	repo.attrs.vcs == "git"
	notebooks := tracked_notebooks(id)
	count(notebooks) > 0
	repo.attrs.notebook_tooling == []
	finding := {
		"node": id,
		"message": sprintf("%v tracks notebooks with no notebook diff or strip tooling (nbstripout, nbdime, nbQA, jupytext)", [repo_name(repo)]),
		# Facts that made it fail (the baseline fingerprint): the missing tooling, not the
		# notebooks, which change with every commit.
		"evidence": {
			"facts": {"notebook_tooling": []},
			"notebooks": array.slice(notebooks, 0, 10), "notebook_count": count(notebooks),
		},
	}
}

notebooks_without_tooling contains finding if {
	some id, repo in input.nodes
	repo.kind == "repo"
	repo.attrs.vcs == "git"
	count(tracked_notebooks(id)) > 0
	not is_array(repo.attrs.notebook_tooling)
	finding := {
		"node": id, "cannot_evaluate": true,
		"message": sprintf("cannot evaluate notebook tooling of %v: the repository's configuration was not read", [repo_name(repo)]),
		"evidence": {"reason": "notebook_tooling not recorded (a snapshot from an older mlcheck, or the parser was left out)"},
	}
}
