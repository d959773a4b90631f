# MLC-NET-005: a storage account publicly reachable or weakly protected. Medium for every
# storage account; high (the item's own severity) when an ML workspace uses it.
package mlcheck.rules.net_005

import data.mlcheck.lib.cloud
import rego.v1

checks := {"storage_account": [
	{"fact": "public_blob_access", "bad": [true], "why": "anonymous public access to blobs allowed"},
	{"fact": "default_network_action", "bad": ["allow"], "why": "every network admitted (public network access on, default action Allow)", "unless": {"fact": "public_network_access", "value": false}},
	{"fact": "https_only", "bad": [false], "why": "HTTP allowed"},
	{"fact": "min_tls_version", "bad": ["1.0", "1.1"], "why": "TLS below 1.2 accepted"},
	{"fact": "shared_key_access", "bad": [true], "why": "shared key (account key, SAS) authorization allowed"},
]}

weak_storage := cloud.raised_when_used(cloud.items(checks, "storage account"), {"ml_workspace"})
