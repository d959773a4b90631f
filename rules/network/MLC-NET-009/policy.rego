# MLC-NET-009: a container registry with an admin user, anonymous pull or open to every
# network. Medium; high (the item's own severity) when an ML workspace or deployment uses it.
package mlcheck.rules.net_009

import data.mlcheck.lib.cloud
import rego.v1

checks := {"container_registry": [
	{"fact": "admin_user", "bad": [true], "why": "admin user enabled (a shared password with push rights)"},
	{"fact": "anonymous_pull", "bad": [true], "why": "anonymous pull enabled"},
	{"fact": "default_network_action", "bad": ["allow"], "why": "every network admitted (public network access on, default action Allow)", "unless": {"fact": "public_network_access", "value": false}},
]}

weak_registries := cloud.raised_when_used(cloud.items(checks, "container registry"), {"ml_workspace", "ml_online_deployment"})
