"""MLflow collector: registered models, their versions, the runs behind them, datasets, experiments.

One collector, three readers that return the same records, so every store yields the same facts:
- a tracking server (OSS, Databricks, Azure ML) through MLflow's REST API 2.0 (rest.py);
- an SQLite backend store read with sqlite3 straight from MLflow's schema, read-only (sqlite.py);
- a legacy file store (mlruns/): meta.yaml files and one-value-per-file tags (filestore.py).
The MLflow client is not used: it costs seconds to import and hundreds of MB of dependencies.
Where stores are found and how they are named: sources.py; records into nodes: emit.py.

By default only the runs that model versions point to, plus a bounded window of recent runs,
are read (params `mlflow.recent_runs`, `request_timeout`, `max_model_versions`, `retries`,
`total_timeout`), so a store with a million runs stays fast; `total_timeout` bounds the whole
source whatever the reader. Soft-deleted versions and runs, and prompts (registered models
tagged mlflow.prompt.is_prompt), are skipped, as MLflow's own search does. A bad item (a row,
a JSON object, a meta.yaml) is a collection error of its own; the rest of the store is
collected. Credentials come from MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD (or
the URL) and never reach attrs, errors or displays.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from .. import CollectContext, Collector, Source
from ..models.mlflow_artifacts import read_artifacts
from .emit import Emitter, note_source
from .filestore import FileStoreReader
from .records import Collected, Deadline, Settings, StoreError
from .rest import RestReader, is_url, split_url
from .sources import MlflowSource, detect, from_uri
from .sqlite import SqliteReader

__all__ = ["MlflowCollector", "MlflowSource", "Settings"]


class MlflowCollector(Collector):
    name = "mlflow"

    @classmethod
    def detect(cls, root: Path, display: str) -> list[Source]:
        """File stores (mlruns/) and SQLite stores (by their tables) under root."""
        return detect(cls.name, root, display)

    @classmethod
    def from_uri(cls, uri: str) -> Source:
        return from_uri(cls.name, uri)

    def collect(self, source: Source, ctx: CollectContext) -> None:
        if getattr(source, "unexamined", ""):
            ctx.graph.error(self.name, source.display, source.unexamined)
            return
        if getattr(source, "not_a_store", ""):
            note_source(ctx, source, not_a_store=source.not_a_store)
            return
        settings, problems = Settings.from_params(ctx.params.get("mlflow", {}))
        for reason in problems:
            ctx.graph.error(self.name, source.display, reason)
        deadline = Deadline(settings.total_timeout)
        try:
            reader = self._reader(source, settings, deadline)
        except StoreError as exc:
            ctx.graph.error(self.name, source.display, exc.reason)
            return
        try:
            data = self._gather(reader, settings,
                                lambda reason: ctx.graph.error(self.name, source.display, reason))
            for p in reader.problems:
                ctx.graph.error(self.name, p.where, p.reason, p.line)
            data.unreadable_runs = reader.unreadable_runs
            emitter = Emitter(ctx, self.name, source)
            emitter.emit(data)
            read_artifacts(ctx, self.name, source, emitter, reader)   # the model files (issue 11)
        finally:
            reader.close()
        if data.truncated_versions:
            note_source(ctx, source, model_versions_truncated_at=settings.max_model_versions)

    @staticmethod
    def _reader(source: Source, settings: Settings, deadline: Deadline):
        if is_url(source.uri):
            base, _, user, password = split_url(source.uri)
            if user is None and password is None:       # canonical uri: credentials kept aside
                user, password = getattr(source, "credentials", (None, None))
            return RestReader(base, source.display, settings, deadline, user, password)
        if Path(source.uri).is_dir():
            return FileStoreReader(source.uri, source.display, settings, deadline)
        return SqliteReader(source.uri, source.display, settings, deadline)

    @staticmethod
    def _gather(reader, settings: Settings, error: Callable[[str], None]) -> Collected:
        """Each step independent; a fatal failure (unreachable, auth, time limit) ends the rest."""
        data = Collected()

        def versions():
            data.versions, data.truncated_versions = reader.versions(settings.max_model_versions)

        def referenced_runs():
            ids = sorted({v.run_id for v in data.versions if v.run_id})
            data.runs.update(reader.runs(ids, [e.experiment_id for e in data.experiments]))

        def recent_runs():
            exp_ids = [e.experiment_id for e in data.experiments]
            for run in reader.recent_runs(settings.recent_runs, exp_ids, set(data.runs)):
                data.runs[run.run_id] = run

        steps = [("experiments", lambda: setattr(data, "experiments", reader.experiments())),
                 ("registered models", lambda: setattr(data, "models", reader.models())),
                 ("model versions", versions), ("runs of model versions", referenced_runs),
                 ("recent runs", recent_runs)]
        for what, step in steps:
            try:
                step()
            except StoreError as exc:
                error(f"{what}: {exc.reason}")
                if exc.fatal:
                    break
        return data
