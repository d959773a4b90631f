# MLC-NET-003: an online endpoint open to the internet (Azure ML, Vertex AI prediction or Vector
# Search index endpoints), or an Azure ML
# one using static keys where tokens and Entra ID are available.
package mlcheck.rules.net_003

import data.mlcheck.lib.cloud
import rego.v1

checks := {
	"ml_online_endpoint": [
		{"fact": "public_network_access", "bad": [true], "why": "public network access enabled"},
		{"fact": "auth_mode", "bad": ["key"], "why": "key authentication (AML or Entra ID tokens are available)"},
	],
	"vertex_endpoint": [{"fact": "public_network_access", "bad": [true], "why": "public: neither peered with a VPC network nor behind Private Service Connect"}],
	"vertex_index_endpoint": [{"fact": "public_network_access", "bad": [true], "why": "public endpoint enabled: its deployed indexes answer queries from the internet"}],
}

exposed_endpoints := cloud.items(checks, "online endpoint")
