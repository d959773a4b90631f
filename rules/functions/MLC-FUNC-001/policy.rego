# MLC-FUNC-001: a function app whose HTTP functions serve a model version is open to anyone
# on the internet: an anonymous function, no App Service authentication, no access
# restrictions, no private endpoint, public network access on. The linkers made the joins:
# exposes (function app → its HTTP functions) and serves (function → model version).
package mlcheck.rules.func_001

import data.mlcheck.lib
import data.mlcheck.lib.cloud
import rego.v1

# What keeps the public out, as facts of the app: a gate is closed when its fact is known
# and differs from "open". The legacy azurerm_function_app has no auth_settings_v2. ARM and
# Bicep configure authentication in sites/config children: an authsettingsV2 child is the
# app's authentication, the older authsettings view is not asked for beside it.
gates := [
	{"fact": "public_network_access", "open": true, "why": "public network access off"},
	{"fact": "access_restrictions", "open": false, "why": "access restriction rules"},
	{"fact": "auth_enabled", "open": false, "why": "App Service authentication (auth_settings)", "arm_superseded_by": "auth_v2_enabled"},
	{"fact": "auth_v2_enabled", "open": false, "why": "App Service authentication (auth_settings_v2)", "not_on": ["azurerm_function_app"]},
]

terraform_formats := {"terraform", "terraform-plan"}

concerns(app, g) if {
	not app.attrs.provider_type in object.get(g, "not_on", [])
	not superseded(app, g)
}

superseded(app, g) if {
	not app.attrs.format in terraform_formats
	cloud.known(app, g.arm_superseded_by)
}

closed(id, app) if {
	some g in gates
	concerns(app, g)
	cloud.known(app, g.fact)
	app.attrs[g.fact] != g.open
}

closed(id, app) if count(lib.successors("private_link", id) | lib.predecessors("private_link", id)) > 0

open_unknown(app) := [entry |
	g := gates[_]
	concerns(app, g)
	not cloud.known(app, g.fact)
	entry := cloud.unknown_entry(app, g.fact)
]

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

app_facts(app) := [quoted | g := gates[_]; concerns(app, g); cloud.known(app, g.fact); quoted := cloud.quote(app, g.fact)]

exposed_model_functions contains item if {
	some id, app in cloud.resources("function_app")
	not closed(id, app)
	count(open_unknown(app)) == 0
	exposed := anonymous(id)
	count(exposed) > 0
	names := concat(", ", sort([text | e := exposed[_]; text := concat("", [e.function, " (", concat(", ", e.model_versions), ")"])]))
	item := {
		"node": id,
		"message": concat("", ["function app ", cloud.text(cloud.name(id, app)), " serves models to anyone on the internet: anonymous ", names, "; public network access on, no access restrictions, no App Service authentication, no private endpoint"]),
		"evidence": {"functions": exposed, "app": app_facts(app), "provider_type": app.attrs.provider_type},
	}
}

exposed_model_functions contains item if {
	some id, app in cloud.resources("function_app")
	not closed(id, app)
	count(anonymous(id)) + count(auth_unknown(id)) > 0
	open := array.concat(open_unknown(app), auth_unknown(id))
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
not_decided(id, app) if count(open_unknown(app)) > 0

not_decided(id, app) if {
	count(open_unknown(app)) == 0
	count(anonymous(id)) == 0
}
