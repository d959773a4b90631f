# MLC-FUNC-002: a function app accepting HTTP, TLS below 1.2, FTP, remote debugging or
# CORS from every origin. Unknown facts (ARM without a documented default) → cannot evaluate.
package mlcheck.rules.func_002

import data.mlcheck.lib.cloud
import rego.v1

checks := {"function_app": [
	{"fact": "https_only", "bad": [false], "why": "HTTP allowed (HTTPS only off)"},
	{"fact": "min_tls_version", "bad": ["1.0", "1.1"], "why": "TLS below 1.2 accepted"},
	{"fact": "ftps_state", "bad": ["all_allowed"], "why": "unencrypted FTP allowed"},
	# The legacy azurerm_function_app has no remote debugging argument.
	{"fact": "remote_debugging", "bad": [true], "why": "remote debugging on", "not_on": ["azurerm_function_app"]},
	{"fact": "cors_allowed_origins", "bad": [], "has": "*", "why": "CORS allows every origin (*)"},
]}

weak_function_apps := cloud.items(checks, "function app")
