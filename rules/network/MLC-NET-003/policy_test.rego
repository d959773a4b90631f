package mlcheck.rules.net_003_test

import data.mlcheck.rules.net_003
import rego.v1

ep(attrs) := {"kind": "endpoint", "attrs": object.union({"type": "ml_online_endpoint", "name": "churn", "provider_type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints", "format": "arm"}, attrs)}

test_private_with_keys_is_flagged if {
	nodes := {"e": ep({"public_network_access": false, "auth_mode": "key"})}
	[i.evidence.facts | some i in net_003.exposed_endpoints] == [{"auth_mode": "key"}] with input.nodes as nodes
}

test_private_with_entra_tokens_passes if {
	nodes := {"e": ep({"public_network_access": false, "auth_mode": "aad_token"})}
	count(net_003.exposed_endpoints) == 0 with input.nodes as nodes
}

test_absent_auth_mode_cannot_be_evaluated_unless_public if {
	private := {"e": ep({"public_network_access": false})}
	[i.cannot_evaluate | some i in net_003.exposed_endpoints] == [true] with input.nodes as private
	public := {"e": ep({"public_network_access": true})}
	[object.get(i, "cannot_evaluate", false) | some i in net_003.exposed_endpoints] == [false] with input.nodes as public
}
