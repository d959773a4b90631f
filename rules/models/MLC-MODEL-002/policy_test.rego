package mlcheck.rules.model_002_test

import data.mlcheck.rules.model_002
import rego.v1

mv(formats, runs, flavor, alt) := {"model_version:churn/3": {"kind": "model_version", "attrs": {
	"name": "churn", "version": 3, "artifacts": "read", "artifact_formats": formats, "artifact_formats_run_code": runs,
	"mlmodel": {"flavor": flavor, "serialization_format": "cloudpickle", "safe_alternative": alt},
}}}

test_sklearn_pickle_is_flagged if {
	found := model_002.code_format with input.nodes as mv(["pickle"], true, "sklearn", "skops or ONNX")
	some f in found
	f.message == "Model version churn v3 (sklearn flavor) is stored as pickle, which runs code when loaded; skops or ONNX is a format that does not"
}

test_safe_format_or_custom_pyfunc_passes if {
	count(model_002.code_format) == 0 with input.nodes as mv(["safetensors"], false, "pytorch", "safetensors")
	count(model_002.code_format) == 0 with input.nodes as mv(["pickle"], true, "python_function", null)
}
