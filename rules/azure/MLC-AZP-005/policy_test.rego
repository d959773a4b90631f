package mlcheck.rules.azp_005_test

import data.mlcheck.rules.azp_005
import rego.v1

ws := {"kind": "resource", "attrs": {"type": "ml_workspace", "name": "mlw", "provider_type": "azurerm_machine_learning_workspace", "format": "terraform"}}

pe := {"kind": "resource", "attrs": {"type": "private_endpoint", "name": "pe", "provider_type": "azurerm_private_endpoint", "format": "terraform"}}

vault := {"kind": "resource", "attrs": {"type": "key_vault", "name": "kv", "provider_type": "azurerm_key_vault", "format": "terraform"}}

test_workspace_without_endpoint_is_flagged if {
	count(azp_005.no_private_link) == 1 with input as {"nodes": {"w": ws}, "edges": []}
}

test_workspace_with_endpoint_passes if {
	count(azp_005.no_private_link) == 0 with input as {"nodes": {"w": ws, "p": pe}, "edges": [{"src": "p", "dst": "w", "kind": "private_link"}]}
}

test_an_endpoint_to_another_resource_does_not_count if {
	azp_005.no_private_link == {i | some i in azp_005.no_private_link; i.node == "w"} with input as {"nodes": {"w": ws, "p": pe, "k": vault}, "edges": [{"src": "p", "dst": "k", "kind": "private_link"}]}
	count(azp_005.no_private_link) == 1 with input as {"nodes": {"w": ws, "p": pe, "k": vault}, "edges": [{"src": "p", "dst": "k", "kind": "private_link"}]}
}

test_an_exported_workspace_with_an_approved_connection_passes if {
	exported := object.union(ws, {"attrs": {"format": "az-export", "approved_private_endpoints": 1}})
	count(azp_005.no_private_link) == 0 with input as {"nodes": {"w": exported}, "edges": []}
}

test_an_exported_workspace_with_only_pending_connections_is_flagged if {
	exported := object.union(ws, {"attrs": {"format": "az-export", "approved_private_endpoints": 0}})
	count(azp_005.no_private_link) == 1 with input as {"nodes": {"w": exported}, "edges": []}
}
