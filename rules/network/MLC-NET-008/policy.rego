# MLC-NET-008: a key vault reachable from every network, or not recoverable. Medium; high
# (the item's own severity) when an ML workspace uses it.
package mlcheck.rules.net_008

import data.mlcheck.lib.cloud
import rego.v1

checks := {"key_vault": [
	{"fact": "default_network_action", "bad": ["allow"], "why": "every network admitted (public network access on, default action Allow)", "unless": {"fact": "public_network_access", "value": false}},
	{"fact": "purge_protection", "bad": [false], "why": "purge protection off: deleted keys and secrets can be purged at once"},
	{"fact": "soft_delete", "bad": [false], "why": "soft delete off"},
]}

weak_vaults := cloud.raised_when_used(cloud.items(checks, "key vault"), {"ml_workspace"})
