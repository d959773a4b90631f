package mlcheck.rules.model_003_test

import data.mlcheck.rules.model_003
import rego.v1

mv(attrs) := {"model_version:churn/3": {"kind": "model_version", "attrs": object.union({"name": "churn", "version": 3}, attrs)}}

found(attrs) := f if {
	f := model_003.unsigned with input.nodes as mv(attrs) with input.edges as []
}

test_absent_mismatch_and_bad_are_flagged if {
	some s in ["absent", "digest_mismatch", "bad_signature"]
	fs := found({"artifacts": "read", "signature": s})
	count(fs) == 1
	some f in fs
	not f.cannot_evaluate
}

test_unverified_and_unreachable_cannot_be_evaluated if {
	some f in found({"artifacts": "read", "signature": "unverified"})
	f.cannot_evaluate
	some g in found({"artifacts": "unknown", "artifacts_unknown_reason": "s3:// object store not reachable from the scan"})
	g.cannot_evaluate
	g.message == "Model version churn v3: artifacts not reachable (s3:// object store not reachable from the scan)"
}

test_verified_passes if {
	count(found({"artifacts": "read", "signature": "verified"})) == 0
}
