package mlcheck.rules.azp_003_test

import data.mlcheck.rules.azp_003
import rego.v1

ws(attrs) := {"kind": "resource", "attrs": object.union({"type": "ml_workspace", "name": "mlw", "provider_type": "azurerm_machine_learning_workspace", "format": "terraform"}, attrs)}

test_no_primary_uai_is_flagged if {
	count(azp_003.system_identity_only) == 1 with input.nodes as {"w": ws({"primary_user_assigned_identity": null})}
}

test_primary_uai_passes if {
	count(azp_003.system_identity_only) == 0 with input.nodes as {"w": ws({"primary_user_assigned_identity": "/subscriptions/x/id-mlw"})}
}
