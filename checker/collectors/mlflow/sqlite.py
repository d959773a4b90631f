"""MLflow's SQLite backend store, read with sqlite3 straight from MLflow's schema.

Opened read-only and creating nothing beside the file, only after its header says SQLite;
every query is bounded by the source's time limit (a progress handler interrupts it).
SQLite is dynamically typed, so each row is checked: a BLOB run id or a NULL tag key is that
item's problem, not the store's.
"""
from __future__ import annotations

import os
import sqlite3
import stat
import urllib.parse
from typing import Iterable

from .records import (LoggedModelRec, CONTEXT_TAG, DELETED_STAGE, PROMPT_TAG, BadItem, DatasetRec, Deadline, Dropped,
                      ExperimentRec, ModelRec, Problems, RunRec, Settings, StoreError, VersionRec,
                      NotUtf8, chunks, ident, left_out, not_a_number, opt_text, to_int)

SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_BYTES = 100
SQL_CHUNK = 500             # ids per IN (...) list
DEFAULT_WORKSPACE = "default"
REQUIRED_TABLES = frozenset({"experiments", "runs", "tags", "registered_models", "model_versions"})
OPTIONAL_TABLES = frozenset({"experiment_tags", "params", "latest_metrics", "datasets", "inputs",
                             "input_tags", "registered_model_tags", "registered_model_aliases",
                             "model_version_tags", "logged_models"})
PROGRESS_STEPS = 50_000     # SQLite VM steps between two looks at the clock


def read_header(path) -> bytes:
    """The first bytes of a regular file. Symlinks, FIFOs and devices are not read (a FIFO
    named like a database must not hang the scan): OSError."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError("not a regular file")
        return os.read(fd, HEADER_BYTES)
    finally:
        os.close(fd)


def is_sqlite(header: bytes) -> bool:
    return header.startswith(SQLITE_MAGIC)


def connect_read_only(path: str, header: bytes, busy_timeout: float) -> sqlite3.Connection:
    """A read-only connection that writes nothing into the scanned tree. A read-only
    connection to a WAL database creates its -wal and -shm files; when they are absent
    (no writer is live) the file is opened immutable instead, which creates nothing."""
    uri = "file:" + urllib.parse.quote(os.path.abspath(path)) + "?mode=ro"
    wal = len(header) > 19 and header[18] == 2 and header[19] == 2
    if wal and not (os.path.exists(path + "-wal") and os.path.exists(path + "-shm")):
        uri += "&immutable=1"
    return sqlite3.connect(uri, uri=True, timeout=busy_timeout, check_same_thread=False)


def table_names(db: sqlite3.Connection) -> set[str]:
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if isinstance(r[0], str)}


def holds_mlflow_schema(path: str, header: bytes, seconds: float) -> bool:
    """True when the SQLite file at `path` has MLflow's tracking tables. Bounded: a lock is
    waited on and the query run for at most `seconds`. sqlite3.Error when it cannot tell."""
    db = connect_read_only(path, header, seconds)
    try:
        deadline = Deadline(seconds)
        db.set_progress_handler(lambda: int(deadline.expired()), PROGRESS_STEPS // 10)
        return REQUIRED_TABLES <= table_names(db)
    finally:
        db.close()


def _tolerant_text(data: bytes) -> str:
    """Text that is not UTF-8 (SQLite stores what it is given) read with U+FFFD for the bad
    bytes, as NotUtf8: one odd tag value must not fail the query that reads every tag, and
    the item that held it is named (opt_text, ident)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return NotUtf8(data.decode("utf-8", "replace"))


class SqliteReader:
    """An MLflow SQLite backend store, read-only, straight from MLflow's schema."""

    def __init__(self, path: str, display: str, settings: Settings, deadline: Deadline) -> None:
        self.problems = Problems(display)
        self.unreadable_runs: dict[str, str] = {}
        self.bad_run_ids: set[bytes] = set()     # BLOB run ids a version's problem already named
        self.deadline = deadline
        self._dataset_rows: dict[str, tuple] = {}           # dataset uuid -> its fields
        self._dataset_recs: dict[tuple, DatasetRec] = {}    # (uuid, context) -> the shared record
        try:
            header = read_header(path)
        except OSError as exc:
            raise StoreError(f"not a readable SQLite database: {exc.strerror or exc}", fatal=True) from None
        if not is_sqlite(header):
            raise StoreError("not a readable SQLite database: the file does not start with "
                             "SQLite's header", fatal=True)
        try:        # a lock is waited on for request_timeout at most, as a silent server is
            self.db = connect_read_only(path, header, max(0.0, min(settings.request_timeout,
                                                                   deadline.remaining())))
            self.db.set_progress_handler(lambda: int(deadline.expired()), PROGRESS_STEPS)
            tables = table_names(self.db)
        except sqlite3.Error as exc:
            raise StoreError(f"not a readable SQLite database: {exc}", fatal=True) from None
        missing = REQUIRED_TABLES - tables
        if missing:
            self.db.close()
            raise StoreError("not an MLflow tracking store: SQLite database without the tables "
                             + ", ".join(sorted(missing)), fatal=True)
        self.tables = tables
        self.columns = {t: {r[1] for r in self._rows(f'PRAGMA table_info("{t}")')}
                        for t in tables if t in REQUIRED_TABLES | OPTIONAL_TABLES}

    def close(self) -> None:
        self.db.close()

    def _rows(self, sql: str, args: Iterable = ()) -> list[tuple]:
        args = tuple(args)
        try:
            try:
                return self.db.execute(sql, args).fetchall()
            except sqlite3.OperationalError as exc:
                if "decode" not in str(exc) or self.db.text_factory is _tolerant_text:
                    raise
                self.db.text_factory = _tolerant_text     # the slower reading, only when needed
                return self.db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            if self.deadline.expired():
                raise self.deadline.error("SQLite query") from None
            raise StoreError(f"SQLite query failed: {exc}") from None

    def _ws(self, table: str) -> str:
        """Restrict to MLflow's default workspace when the schema has workspaces (MLflow 3.x)."""
        if "workspace" in self.columns.get(table, ()):
            return f" AND workspace = '{DEFAULT_WORKSPACE}'"
        return ""

    def _bad_row(self, table: str, exc: BadItem) -> None:
        self.problems.add(f"{table}: a row's {exc}; skipped")

    def _put_tag(self, tags: dict, key, value, table: str, owner) -> None:
        """One tag row into `tags`; a key or value that is not text is the tag's problem."""
        if type(key) is str and key and type(value) is str:
            tags[key] = value
            return
        try:
            key = ident(key, "key")
        except BadItem as exc:
            self.problems.add(f"{table}: a tag of {owner}: {exc}; skipped")
            return
        dropped: Dropped = []
        text = opt_text(value, "value", dropped)
        if dropped:
            self.problems.add(left_out(f"{table}: tag {key!r} of {owner}", dropped))
        if text is not None or value is None:       # None: left out
            tags[key] = text or ""

    def _tags(self, table: str, *owner_cols: str) -> dict[tuple, dict]:
        """Every tag of `table` by owner key (a tuple of its owner columns as text)."""
        out: dict[tuple, dict] = {}
        if table not in self.tables:
            return out
        cols = ", ".join(f'"{k}"' for k in owner_cols)
        sql = f'SELECT {cols}, "key", value FROM "{table}" WHERE 1=1{self._ws(table)}'
        for *owner, key, value in self._rows(sql):
            owner = tuple(str(x) for x in owner)
            self._put_tag(out.setdefault(owner, {}), key, value, table, "/".join(owner))
        return out

    def experiments(self) -> list[ExperimentRec]:
        tags = self._tags("experiment_tags", "experiment_id")
        out = []
        for eid, name, stage in self._rows(
                "SELECT experiment_id, name, lifecycle_stage FROM experiments WHERE 1=1"
                f"{self._ws('experiments')} ORDER BY experiment_id"):
            try:
                eid = ident(eid, "experiment_id")
            except BadItem as exc:
                self._bad_row("experiments", exc)
                continue
            dropped: Dropped = []
            name, stage = opt_text(name, "name", dropped), opt_text(stage, "lifecycle_stage", dropped)
            if dropped:
                self.problems.add(left_out(f"experiment {eid}", dropped))
            out.append(ExperimentRec(eid, name or "", stage or "active", tags.get((eid,), {})))
        return out

    def _prompt_names(self) -> set:
        names = set()
        for table in ("registered_model_tags", "model_version_tags"):
            if table in self.tables:
                names |= {n for (n,) in self._rows(
                    f'SELECT DISTINCT name FROM "{table}" WHERE "key" = ? AND lower(value) = \'true\''
                    f"{self._ws(table)}", (PROMPT_TAG,))}
        return names

    def _aliases(self) -> dict[str, dict]:
        aliases: dict[str, dict] = {}
        if "registered_model_aliases" not in self.tables:
            return aliases
        for name, alias, version in self._rows(
                "SELECT name, alias, version FROM registered_model_aliases WHERE 1=1"
                f"{self._ws('registered_model_aliases')}"):
            try:
                name, alias = ident(name, "name"), ident(alias, "alias")
            except BadItem as exc:
                self._bad_row("registered_model_aliases", exc)
                continue
            if to_int(version) is None:
                self.problems.add(f"registered_model_aliases: alias {alias!r} of {name}: version is "
                                  f"{not_a_number(version)}; skipped")
                continue
            aliases.setdefault(name, {})[alias] = to_int(version)
        return aliases

    def models(self) -> list[ModelRec]:
        tags = self._tags("registered_model_tags", "name")
        aliases = self._aliases()
        prompts = self._prompt_names()
        out = []
        for name, desc, created in self._rows(
                "SELECT name, description, creation_time FROM registered_models WHERE 1=1"
                f"{self._ws('registered_models')} ORDER BY name"):
            try:
                name = ident(name, "name")
            except BadItem as exc:
                self._bad_row("registered_models", exc)
                continue
            if name in prompts:
                continue
            dropped: Dropped = []
            desc = opt_text(desc, "description", dropped)
            if dropped:
                self.problems.add(left_out(f"registered model {name}", dropped))
            out.append(ModelRec(name, desc, to_int(created), tags.get((name,), {}), aliases.get(name, {})))
        return out

    def versions(self, limit: int | None) -> tuple[list[VersionRec], bool]:
        prompts = self._prompt_names()
        sql = ("SELECT name, version, source, run_id, run_link, current_stage, status, creation_time, "
               "description, last_updated_time FROM model_versions "
               "WHERE (current_stage IS NULL OR current_stage != ?)"
               f"{self._ws('model_versions')} ORDER BY last_updated_time DESC, name, version DESC")
        rows = [r for r in self._rows(sql, (DELETED_STAGE,)) if r[0] not in prompts]
        truncated = limit is not None and len(rows) > limit
        rows = rows[:limit] if limit is not None else rows
        tags = self._tags("model_version_tags", "name", "version")
        out = []
        for row in rows:
            rec = self._version(row, tags)
            if rec is not None:
                out.append(rec)
        return out, truncated

    def _version(self, row: tuple, tags: dict) -> VersionRec | None:
        name, version, source, run_id, run_link, stage, status, created, desc, updated = row
        try:
            name = ident(name, "name")
            if to_int(version) is None:
                raise BadItem(f"version of {name} is {not_a_number(version)}")
        except BadItem as exc:
            self._bad_row("model_versions", exc)
            return None
        version = to_int(version)
        dropped: Dropped = []
        fields = [opt_text(value, column, dropped) for value, column in (
            (source, "source"), (run_id, "run_id"), (run_link, "run_link"), (stage, "current_stage"),
            (status, "status"), (desc, "description"))]
        if dropped:
            self.problems.add(left_out(f"model version {name}/{version}", dropped))
        if isinstance(run_id, bytes) and fields[1] is None:
            self.bad_run_ids.add(run_id)
        source, run_id, run_link, stage, status, desc = fields
        return VersionRec(name, version, source, run_id, run_link, stage, status,
                          tags.get((name, str(version)), {}), to_int(created), desc, to_int(updated))

    def runs(self, run_ids: list[str], experiment_ids: list[str] | None = None) -> dict[str, RunRec]:
        found: dict[str, RunRec] = {}
        for chunk in chunks(sorted(set(run_ids)), SQL_CHUNK):
            found.update(self._run_chunk(chunk))
        return found

    def _run_chunk(self, ids: list[str]) -> dict[str, RunRec]:
        marks = ",".join("?" * len(ids))
        runs: dict[str, RunRec] = {}
        artifact = "artifact_uri" if "artifact_uri" in self.columns.get("runs", ()) else "NULL"
        for rid, name, eid, status, stage, start, end, user, artifact_uri in self._rows(
                "SELECT run_uuid, name, experiment_id, status, lifecycle_stage, start_time, end_time, "
                f"user_id, {artifact} FROM runs WHERE run_uuid IN ({marks}) AND lifecycle_stage = 'active'", ids):
            eid = str(eid) if type(eid) is int else eid            # MLflow's INTEGER column
            if not all(v is None or type(v) is str for v in (name, eid, status, user)):
                dropped: Dropped = []
                name, eid, status, user = (opt_text(v, c, dropped) for v, c in (
                    (name, "name"), (eid, "experiment_id"), (status, "status"), (user, "user_id")))
                if dropped:
                    self.problems.add(left_out(f"run {rid}", dropped))
            runs[rid] = RunRec(rid, eid or "", name, status, "active", to_int(start), to_int(end), user,
                               {}, 0, 0, [], artifact_uri if type(artifact_uri) is str else None)
        if not runs:
            return runs
        live = list(runs)
        marks = ",".join("?" * len(live))
        for rid, key, value in self._rows(
                f'SELECT run_uuid, "key", value FROM tags WHERE run_uuid IN ({marks})', live):
            tags = runs[rid].tags
            if type(key) is str and key and type(value) is str:      # the common case, inline
                tags[key] = value
            else:
                self._put_tag(tags, key, value, "tags", f"run {rid}")
        for table, attr in (("params", "params_count"), ("latest_metrics", "metrics_count")):
            if table in self.tables:
                for rid, count in self._rows(f'SELECT run_uuid, count(*) FROM "{table}" '
                                             f"WHERE run_uuid IN ({marks}) GROUP BY run_uuid", live):
                    setattr(runs[rid], attr, count)
        if {"inputs", "datasets"} <= self.tables:
            self._datasets(runs, live, marks)
        return runs

    def _datasets(self, runs: dict[str, RunRec], live: list[str], marks: str) -> None:
        """Each run's dataset inputs. A store has few datasets read by many runs: each is
        fetched once and its record shared (per context), not one copy of its schema and
        profile per run."""
        context = ("(SELECT value FROM input_tags t WHERE t.input_uuid = i.input_uuid AND t.name = ?)"
                   if "input_tags" in self.tables else "NULL")
        args = ([CONTEXT_TAG] if "input_tags" in self.tables else []) + live
        inputs = self._rows(f"SELECT i.destination_id, i.source_id, {context} FROM inputs i "
                            "WHERE i.source_type = 'DATASET' AND i.destination_type = 'RUN' "
                            f"AND i.destination_id IN ({marks})", args)
        self._fetch_datasets({uuid for _, uuid, _ in inputs if uuid not in self._dataset_rows})
        for rid, uuid, ctx in inputs:
            found = self._dataset_rows.get(uuid)
            if found is None:
                continue                    # an input whose dataset is gone, as MLflow's join drops it
            dropped: Dropped = []
            ctx = opt_text(ctx, "context", dropped)
            if dropped:
                self.problems.add(left_out(f"a dataset input of run {rid}", dropped))
            key = (uuid, ctx)
            if key not in self._dataset_recs:
                self._dataset_recs[key] = DatasetRec(*found, ctx)
            runs[rid].datasets.append(self._dataset_recs[key])
        for rid in {rid for rid, _, _ in inputs if rid in runs}:
            runs[rid].datasets.sort(key=lambda d: (d.name, d.digest))

    def _fetch_datasets(self, uuids: set) -> None:
        for chunk in chunks(sorted(u for u in uuids if isinstance(u, str)), SQL_CHUNK):
            for uuid, *row in self._rows(
                    "SELECT dataset_uuid, name, digest, dataset_source_type, dataset_source, "
                    f"dataset_schema, dataset_profile FROM datasets WHERE dataset_uuid IN "
                    f"({','.join('?' * len(chunk))})", chunk):
                dropped: Dropped = []
                name, digest, stype, source, schema, profile = (opt_text(v, c, dropped) for v, c in zip(
                    row, ("name", "digest", "dataset_source_type", "dataset_source", "dataset_schema",
                          "dataset_profile")))
                if dropped:
                    self.problems.add(left_out(f"dataset {uuid}", dropped))
                self._dataset_rows[uuid] = (name or "", digest or "", stype or "", source or "",
                                            schema, profile)

    def logged_model(self, model_id: str) -> LoggedModelRec | None:
        """An MLflow 3 logged model from the logged_models table (None: no such live model,
        or a store from before MLflow 3)."""
        if "logged_models" not in self.tables:
            return None
        rows = self._rows("SELECT artifact_location, source_run_id FROM logged_models WHERE model_id = ? "
                          "AND (lifecycle_stage IS NULL OR lifecycle_stage != 'deleted')"
                          + self._ws("logged_models"), (model_id,))
        if not rows:
            return None
        location, run = rows[0]
        return LoggedModelRec(model_id, location if isinstance(location, str) and location else None,
                              run if isinstance(run, str) and run else None)

    def recent_runs(self, n: int, experiment_ids: list[str], skip: set) -> list[RunRec]:
        if n <= 0:
            return []
        ws = ""
        if "workspace" in self.columns.get("experiments", ()):
            ws = (" AND experiment_id IN (SELECT experiment_id FROM experiments "
                  f"WHERE workspace = '{DEFAULT_WORKSPACE}')")
        ids = []
        for (rid,) in self._rows(f"SELECT run_uuid FROM runs WHERE lifecycle_stage = 'active'{ws} "
                                 "ORDER BY start_time DESC, run_uuid LIMIT ?", (n,)):
            try:
                rid = ident(rid, "run_uuid")
            except BadItem as exc:
                if rid not in self.bad_run_ids:      # else said once, by the version naming it
                    self._bad_row("runs", exc)
                continue
            if rid not in skip:
                ids.append(rid)
        found = self.runs(ids)
        return [found[r] for r in ids if r in found]
