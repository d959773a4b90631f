package mlcheck.rules.azp_006_test

import data.mlcheck.rules.azp_006
import rego.v1

ws(format) := {"kind": "resource", "attrs": {"type": "ml_workspace", "name": "mlw", "provider_type": "azurerm_machine_learning_workspace", "format": format}}

diag(on) := {"kind": "resource", "attrs": {"type": "diagnostic_setting", "name": "diag", "provider_type": "azurerm_monitor_diagnostic_setting", "format": "terraform", "logs_enabled": on}}

test_workspace_without_setting_is_flagged if {
	count(azp_006.no_resource_logs) == 1 with input as {"nodes": {"w": ws("terraform")}, "edges": []}
}

test_setting_with_logs_passes if {
	count(azp_006.no_resource_logs) == 0 with input as {"nodes": {"w": ws("terraform"), "d": diag(true)}, "edges": [{"src": "d", "dst": "w", "kind": "uses"}]}
}

test_setting_with_metrics_only_is_flagged if {
	some item in azp_006.no_resource_logs with input as {"nodes": {"w": ws("bicep"), "d": diag(false)}, "edges": [{"src": "d", "dst": "w", "kind": "uses"}]}
	item.evidence.diagnostic_settings == ["d"]
}

test_exported_workspace_is_not_judged if {
	count(azp_006.no_resource_logs) == 0 with input as {"nodes": {"w": ws("az-export")}, "edges": []}
}
