package mlcheck.rules.azp_001_test

import data.mlcheck.rules.azp_001
import rego.v1

compute(attrs) := {"kind": "resource", "attrs": object.union({"type": "ml_compute", "name": "ci", "provider_type": "azurerm_machine_learning_compute_instance", "format": "terraform"}, attrs)}

test_local_auth_is_flagged if {
	count(azp_001.local_auth_enabled) == 1 with input.nodes as {"c": compute({"local_auth": true})}
}

test_disabled_local_auth_passes if {
	count(azp_001.local_auth_enabled) == 0 with input.nodes as {"c": compute({"local_auth": false})}
}

test_unknown_compute_type_cannot_be_evaluated if {
	nodes := {"c": compute({"provider_type": "Microsoft.MachineLearningServices/workspaces/computes", "local_auth": true, "unknown": {"compute_type": {"expression": "[parameters('t')]", "reason": "no default"}}})}
	[i.cannot_evaluate | some i in azp_001.local_auth_enabled] == [true] with input.nodes as nodes
}
