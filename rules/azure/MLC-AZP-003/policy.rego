# MLC-AZP-003: the Azure Policy built-in 5f0c7d88-c7de-45b8-ac49-db49e72eaa78 ("Azure Machine Learning workspaces should use user-assigned managed identity") over the collected
# infrastructure definitions, before anything is deployed.
package mlcheck.rules.azp_003

import data.mlcheck.lib.cloud
import rego.v1

checks := {"ml_workspace": [{"fact": "primary_user_assigned_identity", "bad": [null], "why": "no user-assigned identity: the workspace acts as its system-assigned identity"}]}

system_identity_only := cloud.items(checks, "ML workspace")
