# MLC-AZP-002: the Azure Policy built-in 679ddf89-ab8f-48a5-9029-e76054077449 ("Azure Machine Learning Compute Instance should have idle shutdown") over the collected
# infrastructure definitions, before anything is deployed.
package mlcheck.rules.azp_002

import data.mlcheck.lib.cloud
import rego.v1

checks := [{"fact": "idle_shutdown", "bad": [null], "why": "no idle shutdown"}]

no_idle_shutdown := cloud.compute_items({"computeinstance"}, checks, "compute instance")
