package mlcheck.rules.azp_002_test

import data.mlcheck.rules.azp_002
import rego.v1

ci(attrs) := {"kind": "resource", "attrs": object.union({"type": "ml_compute", "name": "ci", "provider_type": "Microsoft.MachineLearningServices/workspaces/computes", "format": "bicep", "compute_type": "computeinstance"}, attrs)}

test_no_idle_shutdown_is_flagged if {
	count(azp_002.no_idle_shutdown) == 1 with input.nodes as {"c": ci({"idle_shutdown": null})}
}

test_idle_shutdown_passes_and_clusters_are_not_judged if {
	count(azp_002.no_idle_shutdown) == 0 with input.nodes as {"c": ci({"idle_shutdown": "PT30M"})}
	count(azp_002.no_idle_shutdown) == 0 with input.nodes as {"c": ci({"compute_type": "amlcompute", "idle_shutdown": null})}
}

test_azurerm_instances_cannot_be_evaluated if {
	nodes := {"c": ci({"provider_type": "azurerm_machine_learning_compute_instance", "format": "terraform", "compute_type": null})}
	[i.cannot_evaluate | some i in azp_002.no_idle_shutdown] == [true] with input.nodes as nodes
}
