# MLC-PIPE-003: actions, reusable workflows, templates, includes and images referenced by a
# mutable ref (a tag, a branch, an image without a digest). Reads only the normalised CI
# attributes every CI parser writes: `uses` {ref, target, kind, same_repository} on steps
# and jobs, `includes[].uses` on pipelines, `container` and `services[]` {image, digest,
# expression} on jobs.
package mlcheck.rules.pipe_003

import data.mlcheck.lib
import rego.v1

allowlist := [lower(p) | some p in lib.param("mutable_ref_allowlist", [])]

allowed(target) if {
	some p in allowlist
	endswith(p, "*")
	startswith(lower(target), trim_suffix(p, "*"))
}

allowed(target) if {
	some p in allowlist
	p == lower(target)
}

kind_words := {"tag": "a tag", "branch": "a branch", "docker": "an image tag, no digest"}

# state of one `uses` reference: mutable | unknown | fine
ref_state(ref) := "fine" if {
	ref.same_repository == true
} else := "fine" if {
	allowed(ref.target)
} else := "mutable" if {
	kind_words[ref.kind]
} else := "unknown" if {
	ref.kind == "expression"
} else := "fine"

image_state(img) := "fine" if {
	allowed(img.image)
} else := "unknown" if {
	object.get(img, "expression", false) == true
} else := "mutable" if {
	img.digest == false
} else := "fine"

ref_entry(what, ref) := {"what": what, "ref": ref.ref, "of": of_repository(ref), "why": object.get(kind_words, ref.kind, ref.kind), "state": ref_state(ref)}

# An Azure template of another repository: the repository the alias names (its `name:`), which
# the path@alias alone does not say. For the message only: the evidence keeps its facts as
# they were, so findings keep their fingerprints.
of_repository(ref) := concat("", [" of repository ", ref.repository_name]) if {
	is_string(ref.repository_name)
} else := concat("", [" of repository ", ref.repository]) if {
	is_string(ref.repository)
} else := ""

image_entry(what, img) := {"what": what, "ref": img.image, "why": "no digest", "state": image_state(img)}

# What a step's `uses` names: an Azure Pipelines step a template, a GitHub step an action
# (or a docker:// image).
step_what(node) := "image" if {
	node.attrs.uses.kind == "docker"
} else := "template" if {
	node.attrs.system == "azure_pipelines"
} else := "action"

step_entries(node) := [ref_entry(step_what(node), node.attrs.uses) |
	node.kind == "step"
	is_object(node.attrs.uses)
]

job_entries(node) := array.concat(
	array.concat(
		[ref_entry("reusable workflow or template", node.attrs.uses) | node.kind == "job"; is_object(node.attrs.uses)],
		[image_entry("container image", node.attrs.container) | node.kind == "job"; is_object(node.attrs.container)],
	),
	[image_entry("service image", s) | node.kind == "job"; some s in object.get(node.attrs, "services", []); is_object(s)],
)

pipeline_entries(node) := [ref_entry("include", i.uses) |
	node.kind == "pipeline"
	some i in object.get(node.attrs, "includes", [])
	is_object(i.uses)
]

# An `extends` template of another repository, read from it when that repository is scanned
# too (no placeholder job then carries the reference): its pin is the pipeline's.
extends_entries(node) := [ref_entry("extends template", node.attrs.extends) |
	node.kind == "pipeline"
	is_object(node.attrs.extends)
	node.attrs.extends.kind != "local"
	node.attrs.extends.resolved
]

entries(node) := array.concat(array.concat(array.concat(step_entries(node), job_entries(node)), pipeline_entries(node)), extends_entries(node))

text(e) := concat("", [e.what, " ", e.ref, object.get(e, "of", ""), " (", e.why, ")"])

# Each CI node's references, judged once for both kinds of finding below.
judged := {id: found |
	some id, node in input.nodes
	node.attrs.system
	found := entries(node)
	count(found) > 0
}

mutable_refs contains item if {
	some id, found in judged
	bad := [e | some e in found; e.state == "mutable"]
	count(bad) > 0
	item := {
		"node": id,
		"message": concat("", ["referenced by a mutable ref, not a full commit sha or digest: ", concat("; ", [text(e) | some e in bad])]),
		"evidence": {"references": [object.remove(e, {"of"}) | some e in bad]},
	}
}

mutable_refs contains item if {
	some id, found in judged
	count([e | some e in found; e.state == "mutable"]) == 0
	unknown := [e | some e in found; e.state == "unknown"]
	count(unknown) > 0
	item := {
		"node": id,
		"message": concat("", ["reference computed by an expression, cannot tell whether it is pinned: ", concat("; ", [e.ref | some e in unknown])]),
		"evidence": {"references": [object.remove(e, {"of"}) | some e in unknown]},
		"cannot_evaluate": true,
	}
}
