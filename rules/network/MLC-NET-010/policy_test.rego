package mlcheck.rules.net_010_test

import data.mlcheck.rules.net_010
import rego.v1

aks(attrs) := {"kind": "resource", "attrs": object.union({"type": "k8s_cluster", "name": "aks", "provider_type": "azurerm_kubernetes_cluster", "format": "terraform", "private_cluster": true, "authorized_ip_ranges": [], "rbac": true, "local_accounts": false, "node_public_ip": false}, attrs)}

test_private_hardened_cluster_passes if {
	count(net_010.exposed_clusters) == 0 with input.nodes as {"c": aks({})}
}

test_public_api_server_needs_authorized_ranges if {
	count(net_010.exposed_clusters) == 1 with input.nodes as {"c": aks({"private_cluster": false})}
	count(net_010.exposed_clusters) == 0 with input.nodes as {"c": aks({"private_cluster": false, "authorized_ip_ranges": ["203.0.113.0/24"]})}
	count(net_010.exposed_clusters) == 1 with input.nodes as {"c": aks({"private_cluster": false, "authorized_ip_ranges": ["0.0.0.0/0"]})}
}

test_eks_is_not_asked_for_local_accounts_or_node_ips if {
	eks := {"kind": "resource", "attrs": {"type": "k8s_cluster", "provider_type": "aws_eks_cluster", "private_cluster": false, "authorized_ip_ranges": ["10.0.0.0/8"]}}
	count(net_010.exposed_clusters) == 0 with input.nodes as {"e": eks}
}
