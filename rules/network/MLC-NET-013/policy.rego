# MLC-NET-013: private networking left half done. A workspace, storage account, key vault
# or registry with public network access disabled and no private endpoint (an edge
# `private_link` into it, nor a managed-network workspace using it): unreachable, or
# reached through a bypass; a private endpoint without a private DNS zone group (its own `dns_zone_group` fact, or an ARM child
# privateDnsZoneGroups with an edge `uses` to it): names still resolve to the public
# address; a subnet hosting ML compute without an NSG (on the subnet, by reference, or by a
# subnet-NSG association).
package mlcheck.rules.net_013

import data.mlcheck.lib
import data.mlcheck.lib.cloud
import rego.v1

private_types := {"ml_workspace", "storage_account", "key_vault", "ml_registry", "container_registry"}

into(kind, id) := lib.predecessors(kind, id)

from(kind, id) := lib.successors(kind, id)

typed(ids, rtype) := {id | id := ids[_]; input.nodes[id].attrs.type == rtype}

node_name(id) := cloud.text(cloud.name(id, input.nodes[id]))

# -- public access off, no private endpoint ---------------------------------------------------

endpoints_of(id) := typed(into("private_link", id), "private_endpoint")

# A workspace with a managed network reaches the storage account, key vault and registry it
# uses through private endpoints Azure ML creates in that network when their public access
# is disabled (required outbound rules, "Workspace managed virtual network isolation"):
# none of those endpoints is in the files.
managed_isolation := {"allow_internet_outbound", "allow_only_approved_outbound"}

managed_by(id) := {ws |
	some ws in into("uses", id)
	input.nodes[ws].attrs.type == "ml_workspace"
	input.nodes[ws].attrs.isolation_mode in managed_isolation
}

unreachable contains item if {
	some rtype in private_types
	some id, node in cloud.resources(rtype)
	cloud.known(node, "public_network_access")
	node.attrs.public_network_access == false
	count(endpoints_of(id)) == 0
	count(managed_by(id)) == 0
	item := {
		"node": id,
		"message": concat("", [rtype, " ", node_name(id), ": public network access disabled and no private endpoint (unreachable, or reached through a bypass)"]),
		"evidence": {"checks": [cloud.quote(node, "public_network_access")], "private_endpoints": []},
	}
}

unreachable contains item if {
	some rtype in private_types
	some id, node in cloud.resources(rtype)
	not cloud.known(node, "public_network_access")
	count(endpoints_of(id)) == 0
	item := {
		"node": id, "cannot_evaluate": true,
		"message": concat("", ["cannot evaluate ", rtype, " ", node_name(id), ": public_network_access unknown"]),
		"evidence": {"unknown": [cloud.unknown_entry(node, "public_network_access")]},
	}
}

# -- private endpoint without a DNS zone group ----------------------------------------------

zone_groups(id) := typed(into("uses", id), "private_dns_zone_group")

no_zone_group(id, node) if {
	count(zone_groups(id)) == 0
	not node.attrs.dns_zone_group == true
	not node.attrs.unknown.dns_zone_group
}

without_dns contains item if {
	some id, node in cloud.resources("private_endpoint")
	no_zone_group(id, node)
	item := {
		"node": id,
		"message": concat("", ["private endpoint ", node_name(id), ": no private DNS zone group (the target's name keeps resolving to its public address)"]),
		"evidence": {"checks": [object.union(object.get(node.attrs, ["fact_sources", "dns_zone_group"], {}), {"fact": "dns_zone_group", "value": false, "private_dns_zone_groups": []})], "targets": sort(from("private_link", id))},
	}
}

without_dns contains item if {
	some id, node in cloud.resources("private_endpoint")
	count(zone_groups(id)) == 0
	node.attrs.unknown.dns_zone_group
	item := {
		"node": id, "cannot_evaluate": true,
		"message": concat("", ["cannot evaluate private endpoint ", node_name(id), ": dns_zone_group unknown"]),
		"evidence": {"unknown": [cloud.unknown_entry(node, "dns_zone_group")]},
	}
}

# -- subnet hosting ML compute without an NSG -------------------------------------------------

computes_in(id) := typed(into("uses", id), "ml_compute")

has_nsg(id, node) if count(typed(from("uses", id), "network_security_group")) > 0

has_nsg(id, node) if {
	some a in typed(into("uses", id), "subnet_nsg_association")
	count(typed(from("uses", a), "network_security_group")) > 0
}

has_nsg(id, node) if {
	cloud.known(node, "network_security_group")
	node.attrs.network_security_group != null
}

# Known to have none: the subnet says so, or an azurerm_subnet (no NSG attribute of its own)
# has no association.
no_nsg(id, node) if {
	cloud.known(node, "network_security_group")
	node.attrs.network_security_group == null
}

no_nsg(id, node) if {
	node.attrs.provider_type == "azurerm_subnet"
	count(typed(into("uses", id), "subnet_nsg_association")) == 0
}

hosts(id) := sort([concat(" ", ["ml_compute", node_name(c)]) | c := computes_in(id)[_]])

unguarded contains item if {
	some id, node in cloud.resources("subnet")
	count(computes_in(id)) > 0
	not has_nsg(id, node)
	no_nsg(id, node)
	item := {
		"node": id,
		"message": concat("", ["subnet ", node_name(id), " hosts ", concat(", ", hosts(id)), " and has no network security group"]),
		"evidence": {"hosts": hosts(id), "network_security_group": null, "provider_type": node.attrs.provider_type},
	}
}

unguarded contains item if {
	some id, node in cloud.resources("subnet")
	count(computes_in(id)) > 0
	not has_nsg(id, node)
	not no_nsg(id, node)
	item := {
		"node": id, "cannot_evaluate": true,
		"message": concat("", ["cannot evaluate subnet ", node_name(id), ": whether it has a network security group is unknown"]),
		"evidence": {"unknown": [cloud.unknown_entry(node, "network_security_group")], "hosts": hosts(id)},
	}
}

private_networking_gaps := (unreachable | without_dns) | unguarded
