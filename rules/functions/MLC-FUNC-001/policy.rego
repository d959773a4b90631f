# MLC-FUNC-001: a function app whose HTTP functions serve a model version is open to anyone
# on the internet: an anonymous function, no App Service authentication, no access
# restrictions, no private endpoint, public network access on. The linkers made the joins:
# exposes (function app → its HTTP functions) and serves (function → model version).
# Whether the app itself is open is policies/lib/functions.rego's judgement.
package mlcheck.rules.func_001

import data.mlcheck.lib
import data.mlcheck.lib.cloud
import data.mlcheck.lib.functions
import rego.v1

# The app's HTTP functions that serve a model version, each with the versions it serves.
serving(id) := {fid: versions |
	fid := lib.successors("exposes", id)[_]
	input.nodes[fid].attrs.type == "function_http"
	versions := {mv | mv := lib.successors("serves", fid)[_]; input.nodes[mv].kind == "model_version"}
	count(versions) > 0
}

function_entry(fid, versions) := {
	"node": fid,
	"function": lib.label(fid),
	"route": object.get(input.nodes[fid].attrs, "route", null),
	"auth_level": object.get(input.nodes[fid].attrs, "auth_level", null),
	"auth_level_source": object.get(input.nodes[fid].attrs, ["fact_sources", "auth_level"], {}),
	"model_versions": sort([v | v := versions[_]]),
}

anonymous(id) := [entry |
	versions := serving(id)[fid]
	input.nodes[fid].attrs.auth_level == "anonymous"
	entry := function_entry(fid, versions)
]

auth_unknown(id) := [entry |
	serving(id)[fid]
	unknown := input.nodes[fid].attrs.unknown.auth_level
	entry := object.union({"node": fid, "fact": "auth_level", "unknown": "auth_level"}, unknown)
]

exposed_model_functions contains item if {
	some id, app in cloud.resources("function_app")
	not functions.closed(id, app)
	count(functions.open_unknown(app)) == 0
	exposed := anonymous(id)
	count(exposed) > 0
	names := concat(", ", sort([text | e := exposed[_]; text := concat("", [e.function, " (", concat(", ", e.model_versions), ")"])]))
	item := {
		"node": id,
		"message": concat("", ["function app ", cloud.text(cloud.name(id, app)), " serves models to anyone on the internet: anonymous ", names, "; public network access on, no access restrictions, no App Service authentication, no private endpoint"]),
		"evidence": {"functions": exposed, "app": functions.app_facts(app), "provider_type": app.attrs.provider_type},
	}
}

exposed_model_functions contains item if {
	some id, app in cloud.resources("function_app")
	not functions.closed(id, app)
	count(anonymous(id)) + count(auth_unknown(id)) > 0
	open := array.concat(functions.open_unknown(app), auth_unknown(id))
	count(open) > 0
	not_decided(id, app)
	item := {
		"node": id,
		"cannot_evaluate": true,
		"message": concat("", ["cannot evaluate function app ", cloud.text(cloud.name(id, app)), ": ", concat(", ", sort({u.fact | u := open[_]})), " unknown"]),
		"evidence": {"unknown": open},
	}
}

# No finding could be made on known facts: the app's gates are all known open and no
# serving function is known anonymous, or some gate is unknown.
not_decided(id, app) if count(functions.open_unknown(app)) > 0

not_decided(id, app) if {
	count(functions.open_unknown(app)) == 0
	count(anonymous(id)) == 0
}
