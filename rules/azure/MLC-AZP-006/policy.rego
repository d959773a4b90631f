# MLC-AZP-006: the Azure Policy built-in afe0c3be-ba3b-4544-ba52-0c99672a8ad6 ("Resource logs
# in Azure Machine Learning Workspaces should be enabled"): a declared workspace that no
# diagnostic setting with a log category on targets (an edge `uses` from the setting).
package mlcheck.rules.azp_006

import data.mlcheck.lib
import data.mlcheck.lib.cloud
import rego.v1

exports := {"az-export", "resource-graph", "azure-export", "azureml-export"}

settings_of(id) := {s | some s in lib.predecessors("uses", id); input.nodes[s].attrs.type == "diagnostic_setting"}

logging(id) := {s | some s in settings_of(id); input.nodes[s].attrs.logs_enabled == true}

undecided_settings(id) := {s | some s in settings_of(id); not cloud.known(input.nodes[s], "logs_enabled")}

declared_workspaces[id] := node if {
	some id, node in cloud.resources("ml_workspace")
	not node.attrs.format in exports
}

no_resource_logs contains item if {
	some id, node in declared_workspaces
	count(logging(id)) == 0
	count(undecided_settings(id)) == 0
	item := {
		"node": id,
		"message": concat("", ["ML workspace ", cloud.text(cloud.name(id, node)), ": no diagnostic setting sends its resource logs (Azure Policy afe0c3be)"]),
		"evidence": {"diagnostic_settings": sort(settings_of(id))},
	}
}

no_resource_logs contains item if {
	some id, node in declared_workspaces
	count(logging(id)) == 0
	count(undecided_settings(id)) > 0
	item := {
		"node": id, "cannot_evaluate": true,
		"message": concat("", ["cannot evaluate ML workspace ", cloud.text(cloud.name(id, node)), ": whether its diagnostic settings send logs is unknown"]),
		"evidence": {"unknown": [cloud.unknown_entry(input.nodes[s], "logs_enabled") | some s in undecided_settings(id)]},
	}
}
