package mlcheck.rules.azp_004_test

import data.mlcheck.rules.azp_004
import rego.v1

compute(attrs) := {"kind": "resource", "attrs": object.union({"type": "ml_compute", "name": "cluster", "provider_type": "azurerm_machine_learning_compute_cluster", "format": "terraform"}, attrs)}

test_no_subnet_is_flagged if {
	count(azp_004.outside_vnet) == 1 with input.nodes as {"c": compute({"subnet": null})}
}

test_subnet_passes if {
	count(azp_004.outside_vnet) == 0 with input.nodes as {"c": compute({"subnet": "/subscriptions/x/subnets/training"})}
}
