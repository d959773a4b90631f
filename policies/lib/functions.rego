# Whether the internet reaches a function app, one judgement for the rules that ask it
# (MLC-FUNC-001, MLC-NET-014). A rule that imports this library asks in its check.input
# for the function app resources, their HTTP functions (endpoints), and the exposes and
# private_link edges.
#
# What keeps the public out, as facts of the app: a gate is closed when its fact is known
# and differs from "open". The legacy azurerm_function_app has no auth_settings_v2. ARM and
# Bicep configure authentication in sites/config children: an authsettingsV2 child is the
# app's authentication, the older authsettings view is not asked for beside it.
package mlcheck.lib.functions

import data.mlcheck.lib
import data.mlcheck.lib.cloud
import rego.v1

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

# Some gate is known closed, or a private endpoint reaches the app.
closed(id, app) if {
	some g in gates
	concerns(app, g)
	cloud.known(app, g.fact)
	app.attrs[g.fact] != g.open
}

closed(id, app) if count(lib.successors("private_link", id) | lib.predecessors("private_link", id)) > 0

# The gates that cannot be read (each as cloud.unknown_entry).
open_unknown(app) := [entry |
	g := gates[_]
	concerns(app, g)
	not cloud.known(app, g.fact)
	entry := cloud.unknown_entry(app, g.fact)
]

# Every gate known open: the app answers anyone on the internet.
open(id, app) if {
	not closed(id, app)
	count(open_unknown(app)) == 0
}

# The gates as evidence (the facts known, with where each came from).
app_facts(app) := [quoted | g := gates[_]; concerns(app, g); cloud.known(app, g.fact); quoted := cloud.quote(app, g.fact)]
