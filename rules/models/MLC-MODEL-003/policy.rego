# MLC-MODEL-003: a version's artifacts carry no model-signing signature, or one that does not
# match them (the model collector's `signature` state). Unreachable artifacts and signatures
# nothing here could verify cannot be evaluated.
package mlcheck.rules.model_003

import data.mlcheck.lib
import rego.v1

why := {
	"absent": "has no model-signing signature beside its artifacts",
	"digest_mismatch": "has a signature whose manifest does not match its artifacts (changed after signing)",
	"bad_signature": "has a signature that does not verify with any configured public key",
}

unsigned contains finding if {
	some id, mv in input.nodes
	mv.kind == "model_version"
	mv.attrs.artifacts == "read"
	reason := why[mv.attrs.signature]
	finding := {
		"node": id,
		"message": sprintf("Model version %s %s", [lib.version_name(mv), reason]),
		"evidence": {"facts": {"signature": mv.attrs.signature, "signature_files": object.get(mv.attrs, "signature_files", [])}},
	}
}

unsigned contains finding if {
	some id, mv in input.nodes
	mv.kind == "model_version"
	mv.attrs.artifacts == "read"
	mv.attrs.signature == "unverified"
	finding := {
		"node": id, "cannot_evaluate": true,
		"message": sprintf("Model version %s is signed, but the signature could not be verified here", [lib.version_name(mv)]),
		"evidence": {"facts": {"signature": "unverified", "signature_files": object.get(mv.attrs, "signature_files", [])}},
	}
}

unsigned contains finding if {
	some id, mv in input.nodes
	mv.kind == "model_version"
	mv.attrs.artifacts == "unknown"
	finding := {
		"node": id, "cannot_evaluate": true,
		"message": sprintf("Model version %s: artifacts not reachable (%v)", [lib.version_name(mv), object.get(mv.attrs, "artifacts_unknown_reason", "unknown")]),
		"evidence": {"facts": {"artifacts": "unknown", "reason": object.get(mv.attrs, "artifacts_unknown_reason", null)}},
	}
}
