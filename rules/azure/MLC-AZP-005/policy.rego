# MLC-AZP-005: the Azure Policy built-in 40cec1dd-a100-4920-b15b-3024fe8901ab ("Azure Machine
# Learning workspaces should use private link") over the collected definitions: a workspace
# that no private endpoint of the estate targets (no edge `private_link` into it) and, when
# exported from Azure, holds no approved private endpoint connection.
package mlcheck.rules.azp_005

import data.mlcheck.lib
import data.mlcheck.lib.cloud
import rego.v1

endpoints_of(id) := {pe | some pe in lib.predecessors("private_link", id); input.nodes[pe].attrs.type == "private_endpoint"}

# An export of the deployed workspace counts its approved connections itself.
approved(node) if node.attrs.approved_private_endpoints > 0

no_private_link contains item if {
	some id, node in cloud.resources("ml_workspace")
	count(endpoints_of(id)) == 0
	not approved(node)
	item := {
		"node": id,
		"message": concat("", ["ML workspace ", cloud.text(cloud.name(id, node)), ": no private endpoint targets it (Azure Policy 40cec1dd: workspaces should use private link)"]),
		"evidence": {"private_endpoints": [], "public_network_access": object.get(node.attrs, "public_network_access", null)},
	}
}
