# MLC-MODEL-004: a model version whose source lies outside the artifact root of the run it
# names (produced_by). Paths compare without a file:// scheme; runs:/ sources by run id.
# A version registered from an MLflow 3 logged model (models:/<model_id>) is judged by the
# logged model's own run (logged_model_run_id, recorded when the store could say).
package mlcheck.rules.model_004

import data.mlcheck.lib
import rego.v1

source_outside_run contains finding if {
	some [mv_id, run_id] in lib.edges("produced_by")
	mv := input.nodes[mv_id]
	mv.kind == "model_version"
	run := input.nodes[run_id]
	root := trim_right(trim_prefix(run.attrs.artifact_uri, "file://"), "/")
	source := mv.attrs.source
	not startswith(source, "models:/")
	not mv.attrs.logged_model_id # judged by the logged model's run (below)
	not inside(trim_prefix(source, "file://"), root, run.attrs.run_id)
	finding := {
		"node": mv_id,
		"message": sprintf("Model version %s is registered from %v, outside the artifact root of run %v (%v): what is served is not what that run trained", [lib.version_name(mv), source, run.attrs.run_id, run.attrs.artifact_uri]),
		"evidence": {"facts": {"source": source, "run": run_id, "run_artifact_uri": run.attrs.artifact_uri}},
	}
}

# The source is the run's artifact root or under it, or a runs:/ URI of the run (file://
# already removed from both). One chain: the first that holds ends it.
inside(source, root, run) if {
	source == root
} else if {
	startswith(source, concat("", [root, "/"]))
} else if {
	source == concat("", ["runs:/", run])
} else if {
	startswith(source, concat("", ["runs:/", run, "/"]))
}

source_outside_run contains finding if {
	some [mv_id, run_id] in lib.edges("produced_by")
	mv := input.nodes[mv_id]
	mv.kind == "model_version"
	logged := mv.attrs.logged_model_id
	run := input.nodes[run_id]
	not logged_by(mv, run.attrs.run_id)
	finding := {
		"node": mv_id,
		"message": sprintf("Model version %s is registered from logged model %v, which run %v did not log (the logged model's run: %v): what is served is not what that run trained", [lib.version_name(mv), logged, run.attrs.run_id, logged_run(mv)]),
		"evidence": {"facts": {"source": mv.attrs.source, "run": run_id, "logged_model_id": logged, "logged_model_run_id": logged_run(mv), "logged_model_artifact_uri": object.get(mv.attrs, "logged_model_artifact_uri", null)}},
	}
}

logged_by(mv, run_id) if mv.attrs.logged_model_run_id == run_id

logged_run(mv) := object.get(mv.attrs, "logged_model_run_id", null)
