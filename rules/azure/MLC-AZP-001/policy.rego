# MLC-AZP-001: the Azure Policy built-in e96a9a5f-07ca-471b-9bc5-6a0f33cbd68f ("Machine Learning computes should have local authentication methods disabled") over the collected
# infrastructure definitions, before anything is deployed.
package mlcheck.rules.azp_001

import data.mlcheck.lib.cloud
import rego.v1

checks := [{"fact": "local_auth", "bad": [true], "why": "local authentication enabled"}]

local_auth_enabled := cloud.compute_items({"computeinstance", "amlcompute", "kubernetes", "aks", "virtualmachine"}, checks, "ML compute")
