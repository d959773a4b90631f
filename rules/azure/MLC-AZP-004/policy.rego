# MLC-AZP-004: the Azure Policy built-in 7804b5c7-01dc-4723-969b-ae300cc07ff1 ("Azure Machine Learning Computes should be in a virtual network") over the collected
# infrastructure definitions, before anything is deployed.
package mlcheck.rules.azp_004

import data.mlcheck.lib.cloud
import rego.v1

checks := [{"fact": "subnet", "bad": [null], "why": "not in a virtual network"}]

outside_vnet := cloud.compute_items({"computeinstance", "amlcompute"}, checks, "ML compute")
