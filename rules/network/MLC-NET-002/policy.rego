# MLC-NET-002: workspace egress not restricted, a data exfiltration path. Findings on Azure
# ML workspaces list the FQDN outbound rules their source states, for review.
package mlcheck.rules.net_002

import data.mlcheck.lib.cloud
import rego.v1

checks := {
	"ml_workspace": [{"fact": "isolation_mode", "bad": ["disabled", "allow_internet_outbound"], "why": "outbound traffic to the internet is not restricted (managed network isolation mode)"}],
	"sagemaker_domain": [{"fact": "public_network_access", "bad": [true], "why": "Studio apps reach the internet through SageMaker's VPC (PublicInternetOnly)"}],
	"sagemaker_notebook_instance": [
		{"fact": "public_network_access", "bad": [true], "why": "direct internet access enabled"},
		{"fact": "subnet", "bad": [null], "why": "not in a VPC"},
	],
	"sagemaker_model": [{"fact": "network_isolation", "bad": [false], "why": "the model container may make outbound calls (network isolation off) from SageMaker's network (no vpc_config)"}],
}

# A model in the customer's VPC: its egress is that VPC's to control.
in_vpc(id) if {
	input.nodes[id].attrs.type == "sagemaker_model"
	input.nodes[id].attrs.vpc == true
}

# name → destination of each FQDN outbound rule (ARM: a map by rule name; CLI YAML: a list).
fqdn_rules(node) := {name: object.get(r, "destination", null) |
	r := node.attrs.outbound_rules[name]
	lower(object.get(r, "type", "")) == "fqdn"
}

open_egress contains item if {
	some base in cloud.items(checks, "ML workspace")
	rules := fqdn_rules(input.nodes[base.node])
	count(rules) > 0
	# object.union one level at a time: regopy 1.5.2 does not merge nested objects.
	item := object.union(base, {"evidence": object.union(base.evidence, {"fqdn_outbound_rules": rules})})
}

open_egress contains base if {
	some base in cloud.items(checks, "ML workspace")
	count(fqdn_rules(input.nodes[base.node])) == 0
	not in_vpc(base.node)
}
