# MLC-NET-001: an ML workspace reachable from the public internet. The checks are data
# (mlcheck.lib.cloud): a known bad fact is a finding, an unknown one cannot be evaluated.
package mlcheck.rules.net_001

import data.mlcheck.lib.cloud
import rego.v1

checks := {
	"ml_workspace": [{"fact": "public_network_access", "bad": [true], "why": "public network access enabled"}],
	"sagemaker_domain": [{"fact": "public_network_access", "bad": [true], "why": "Studio apps reach and are reached over the public internet (PublicInternetOnly)"}],
	"sagemaker_notebook_instance": [{"fact": "public_network_access", "bad": [true], "why": "direct internet access enabled"}],
	"vertex_workbench_instance": [{"fact": "public_ip", "bad": [true], "why": "the instance has an external IP"}],
}

public_workspaces := cloud.items(checks, "ML workspace")
