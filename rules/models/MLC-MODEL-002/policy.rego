# MLC-MODEL-002: a version whose artifacts load by running code (pickle-based formats the
# model collector told by content) while its MLmodel flavor has a code-free format.
package mlcheck.rules.model_002

import data.mlcheck.lib
import rego.v1

code_format contains finding if {
	some id, mv in input.nodes
	mv.kind == "model_version"
	mv.attrs.artifact_formats_run_code == true
	is_object(mv.attrs.mlmodel)
	alternative := mv.attrs.mlmodel.safe_alternative
	is_string(alternative)
	finding := {
		"node": id,
		"message": sprintf("Model version %s (%v flavor) is stored as %v, which runs code when loaded; %v is a format that does not", [lib.version_name(mv), mv.attrs.mlmodel.flavor, concat(", ", mv.attrs.artifact_formats), alternative]),
		"evidence": {"facts": {
			"formats": mv.attrs.artifact_formats, "flavor": mv.attrs.mlmodel.flavor,
			"serialization_format": object.get(mv.attrs.mlmodel, "serialization_format", null),
			"safe_alternative": alternative,
		}},
	}
}
