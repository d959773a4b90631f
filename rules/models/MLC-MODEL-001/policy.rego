# MLC-MODEL-001: a model file whose load runs code (the model collector's static scan put
# the globals that do on the file: model_code). The finding is the file's; its evidence
# lists each model version holding it (contains), what serves those versions, and the
# endpoints exposing those.
package mlcheck.rules.model_001

import data.mlcheck.lib
import rego.v1

code_on_load contains finding if {
	some id, f in input.nodes
	f.kind == "file"
	f.attrs.model_runs_code_on_load == true
	not f.attrs.model_same_as # a copy in the scanned tree of an artifact a version holds: reported there
	versions := {v | some v in lib.predecessors("contains", id); input.nodes[v].kind == "model_version"}
	servers := {s | some v in versions; some s in lib.predecessors("serves", v)}
	endpoints := {e | some s in servers; some e in lib.predecessors("exposes", s)}
	finding := {
		"node": id,
		"message": sprintf("%v (%v) runs code when loaded: %v%v", [f.attrs.path, f.attrs.model_format, concat(", ", sort({describe(c) | some c in f.attrs.model_code})), reach(versions, servers, endpoints)]),
		"evidence": {
			"facts": {
				"path": f.attrs.path, "format": f.attrs.model_format,
				"sha256": object.get(f.attrs, "model_sha256", null), "code": f.attrs.model_code,
			},
			"model_versions": sort([lib.version_name(input.nodes[v]) | some v in versions]),
			"served_by": sort(servers),
			"endpoints": sort(endpoints),
		},
	}
}

describe(c) := sprintf("%v at byte %v of %v", [c.global, c.offset, c.member]) if c.member != ""

describe(c) := sprintf("%v at byte %v", [c.global, c.offset]) if c.member == ""

reach(versions, servers, endpoints) := "" if count(versions) == 0

reach(versions, servers, endpoints) := sprintf("; held by %v, served by %d deployment(s) behind %d endpoint(s)", [
	concat(", ", sort([lib.version_name(input.nodes[v]) | some v in versions])),
	count(servers), count(endpoints),
]) if count(versions) > 0
