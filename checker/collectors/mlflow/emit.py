"""Reader records into graph nodes and edges (the same facts whichever reader made them)."""
from __future__ import annotations

import dataclasses
import re

from .. import CollectContext, Source
from ..models.mlflow_artifacts import LOGGED_MODEL_ID
from .records import (PROFILE_LIMIT, Collected, DatasetRec, ExperimentRec, ModelRec, RunRec,
                      VersionRec, clip, iso, scrub_secrets, source_uri, tag_dict)


def note_source(ctx: CollectContext, source: Source, **facts) -> None:
    """Record facts on this source's entry in graph.sources (a limit or a finding, not an error)."""
    for entry in reversed(ctx.graph.sources):
        if entry.get("kind") == source.kind and entry.get("source") == source.display:
            entry.update(facts)
            return


# What MLflow records as mlflow.source.name for a run started in a notebook outside
# Databricks: the Jupyter (or Colab) kernel's launcher script, not the notebook.
KERNEL_LAUNCHERS = frozenset({"ipykernel_launcher.py", "colab_kernel_launcher.py"})


def _kernel_launcher(source: str | None) -> bool | None:
    """True when the source name is a kernel launcher (None: nothing to say)."""
    if not source:
        return None
    return True if source.replace("\\", "/").rsplit("/", 1)[-1] in KERNEL_LAUNCHERS else None


_COPIED_FROM = re.compile(r"models:/(?P<name>[^/]+)/(?P<version>\d+)")
MAX_COPY_HOPS = 10        # a copy of a copy …: a chain longer than this is not followed


def _runs_of_copies(versions: list[VersionRec]) -> None:
    """A version copied from another (MlflowClient.copy_model_version: source
    `models:/name/N`) with no run of its own is produced by the run its original was: the
    artifacts are that run's (a copy keeps the run id of a version that had one; MLflow 3
    copies of a logged-model version have none)."""
    by_key = {(v.name, v.version): v for v in versions}
    for i, v in enumerate(versions):
        if v.run_id or not v.source:
            continue
        original, hops = v, 0
        while original is not None and not original.run_id and hops < MAX_COPY_HOPS:
            m = _COPIED_FROM.fullmatch(original.source or "")
            original = by_key.get((m["name"], int(m["version"]))) if m else None
            hops += 1
        if original is not None and original is not v and original.run_id:
            via = f"copied from {original.name}/{original.version}"
            versions[i] = dataclasses.replace(v, run_id=original.run_id, run_via=(
                f"{via} ({original.run_via})" if original.run_via else via))


class Emitter:
    """Turns reader records into nodes and edges (LINEAGE_SPEC, MLflow)."""

    def __init__(self, ctx: CollectContext, collector: str, source: Source) -> None:
        self.ctx, self.g = ctx, ctx.graph
        self.prefix = f"mlflow://{source.label}"
        self.prov = ctx.provenance(collector, source.display)
        self.versions: list[tuple[str, str]] = []       # (version node, source) for the artifacts
        self.run_artifacts: dict[str, str] = {}         # run id → artifact root

    def emit(self, data: Collected) -> None:
        """Records are consumed as they become nodes, so a big store is not held twice."""
        experiments = {e.experiment_id: self._experiment(e) for e in data.experiments}
        runs = {}
        for run_id in sorted(data.runs):
            run = data.runs.pop(run_id)
            runs[run_id] = self._run(run)
            if run.experiment_id in experiments:
                self.g.add_edge(experiments[run.experiment_id], runs[run_id], "contains")
        models = {m.name: self._model(m) for m in data.models}
        aliases = {m.name: m.aliases for m in data.models}
        versions, data.versions = data.versions, []
        _runs_of_copies(versions)
        versions.reverse()
        while versions:
            v = versions.pop()
            self._version(v, models, aliases.get(v.name, {}), runs, data.unreadable_runs)

    def _add(self, kind: str, key: str, attrs: dict, prov) -> str:
        """Every node says which store it came from; versions are registry facts."""
        extra = {"store": "mlflow", **({"registered": True} if kind == "model_version" else {})}
        return self.g.add_node(kind, key, {**attrs, **extra}, prov)

    def _experiment(self, e: ExperimentRec) -> str:
        return self._add("experiment", f"{self.prefix}/{e.experiment_id}", {
            "experiment_id": e.experiment_id, "name": e.name, "lifecycle_stage": e.lifecycle_stage,
            "tags": tag_dict(e.tags)}, self.prov)

    def _run(self, r: RunRec) -> str:
        tags = tag_dict(r.tags)
        attrs = {"run_id": r.run_id, "experiment_id": r.experiment_id, "run_name": r.run_name,
                 "status": r.status, "lifecycle_stage": r.lifecycle_stage,
                 "start_time": iso(r.start_time), "end_time": iso(r.end_time),
                 "user": tags.get("mlflow.user") or r.user_id,
                 "source_name": tags.get("mlflow.source.name"),
                 "source_is_kernel_launcher": _kernel_launcher(tags.get("mlflow.source.name")),
                 "source_type": tags.get("mlflow.source.type"),
                 "git_commit": tags.get("mlflow.source.git.commit"),
                 "git_repo_url": tags.get("mlflow.source.git.repoURL"),
                 "git_branch": tags.get("mlflow.source.git.branch"),
                 "docker_image": tags.get("mlflow.docker.image.name") or tags.get("mlflow.docker.image.id"),
                 "docker_image_id": tags.get("mlflow.docker.image.id"),
                 "params_count": r.params_count, "metrics_count": r.metrics_count,
                 "tags": tags, "dataset_count": len(r.datasets),
                 "artifact_uri": scrub_secrets(r.artifact_uri) if r.artifact_uri else None}
        nid = self._add("run", f"{self.prefix}/{r.run_id}",
                              {k: v for k, v in attrs.items() if v not in (None, "")}, self.prov)
        for ds in r.datasets:
            self.g.add_edge(nid, self._dataset(r.run_id, ds), "reads")
        if r.artifact_uri:
            self.run_artifacts[r.run_id] = r.artifact_uri
        return nid

    def _dataset(self, run_id: str, d: DatasetRec) -> str:
        source = scrub_secrets(d.source)
        attrs = {"name": d.name, "digest": d.digest, "source_type": d.source_type, "source": source,
                 "source_uri": source_uri(source), "context": d.context,
                 "schema_present": bool(d.schema and d.schema.strip() not in ("", "null", "{}")),
                 "profile": clip(d.profile, PROFILE_LIMIT) if d.profile else None}
        return self._add("dataset", f"{self.prefix}/{run_id}/{d.name}@{d.digest}",
                               {k: v for k, v in attrs.items() if v not in (None, "")}, self.prov)

    def _model(self, m: ModelRec) -> str:
        attrs = {"name": m.name, "aliases": {a: v for a, v in sorted(m.aliases.items()) if v is not None},
                 "tags": tag_dict(m.tags),
                 "description": m.description or None, "created_at": iso(m.created)}
        return self._add("model", f"{self.prefix}/{m.name}",
                               {k: v for k, v in attrs.items() if v is not None}, self.prov)

    def _version(self, v: VersionRec, models: dict, aliases: dict, runs: dict, unreadable: dict) -> None:
        attrs = {"name": v.name, "version": v.version, "source": v.source or None,
                 "run_id": v.run_id or None, "run_link": v.run_link or None,
                 "aliases": sorted(a for a, n in aliases.items() if n == v.version),
                 "stage": v.stage, "status": v.status,
                 "tags": tag_dict(v.tags),
                 "created_at": iso(v.created), "description": v.description or None,
                 "model_id": v.model_id, "run_id_via": v.run_via,
                 "storage_location": scrub_secrets(v.storage_location) if v.storage_location else None}
        if attrs["source"]:
            attrs["source"] = scrub_secrets(attrs["source"])
        nid = self._add("model_version", f"{self.prefix}/{v.name}/{v.version}",
                              {k: val for k, val in attrs.items() if val is not None}, self.prov)
        model = models.get(v.name) or self._add(
            "model", f"{self.prefix}/{v.name}", {"name": v.name, "aliases": {}, "tags": {}}, self.prov)
        self.g.add_edge(nid, model, "version_of")
        if v.source:
            # a version copied from another (source models:/name/N) keeps its artifacts
            # where the registry stored them
            copied = v.source.startswith("models:/") and not LOGGED_MODEL_ID.fullmatch(v.source[len("models:/"):])
            self.versions.append((nid, v.storage_location if copied and v.storage_location else v.source))
        if v.run_id and v.run_id in runs:
            self.g.add_edge(nid, runs[v.run_id], "produced_by")
        elif v.run_id in unreadable:
            self.g.note_unresolved(nid, "run_id", v.run_id,
                                   f"run {v.run_id} could not be read: {unreadable[v.run_id]}")
        elif v.run_id:
            self.g.note_unresolved(nid, "run_id", v.run_id,
                                   f"run {v.run_id} is deleted or was not found in the store")
