"""MLflow collector: registered models, their versions, the runs behind them, datasets, experiments.

One collector, three readers that return the same records, so every store yields the same facts:
- a tracking server (OSS, Databricks, Azure ML) through MLflow's REST API 2.0, spoken with
  urllib: JSON over HTTP, paginated with page_token, bounded retries and a total time limit;
- an SQLite backend store read with sqlite3 straight from MLflow's schema, opened read-only;
- a legacy file store (mlruns/): meta.yaml files (via safeyaml) and one-value-per-file tags.
The MLflow client is not used: it costs seconds to import and hundreds of MB of dependencies.

By default only the runs that model versions point to, plus a bounded window of recent runs,
are read (params `mlflow.recent_runs`, `request_timeout`, `max_model_versions`, `retries`,
`total_timeout`), so a store with a million runs stays fast. Soft-deleted versions and runs,
and prompts (registered models tagged mlflow.prompt.is_prompt), are skipped, as MLflow's own
search does. Credentials come from MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD
and never reach attrs, errors or displays.
"""
from __future__ import annotations

import base64
import datetime as _dt
import http.client
import json
import os
import re
import socket
import sqlite3
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from ..safeyaml import YamlError, load_yaml
from . import CollectContext, Collector, Source
from .files import SKIP_DIRS, is_mlflow_file_store, url_without_secrets

TAG_VALUE_LIMIT = 500
PROFILE_LIMIT = 500
DELETED_STAGE = "Deleted_Internal"         # MLflow's mark for a soft-deleted model version
PROMPT_TAG = "mlflow.prompt.is_prompt"
CONTEXT_TAG = "mlflow.data.context"
DEFAULT_WORKSPACE = "default"
RUN_STATUS = {1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED"}
RETRY_STATUS = {429, 500, 502, 503, 504}
MAX_RESPONSE_BYTES = 256 * 1024 * 1024
MAX_STORE_FILE_BYTES = 1024 * 1024
REST_RUN_CHUNK = 100        # run ids per runs/search call
SQL_CHUNK = 500             # ids per IN (...) list
REST_PAGE = {"experiments": 1000, "models": 1000, "versions": 10000, "runs": 1000}
SAFE_RUN_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
_SECRET_QUERY = re.compile(
    r"(?i)\b(sig|token|access_token|password|secret|x-amz-signature|x-amz-credential|"
    r"x-amz-security-token)=[^&\"'\s]+")
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/@\s\"']+@")


# -- settings ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Settings:
    recent_runs: int = 200
    request_timeout: float = 10.0
    max_model_versions: int | None = None
    retries: int = 3
    total_timeout: float = 300.0

    @classmethod
    def from_params(cls, params) -> tuple["Settings", list[str]]:
        """Settings from ctx.params["mlflow"]; a bad value keeps its default and is reported."""
        if not isinstance(params, dict):
            return cls(), ["params.mlflow must be a mapping; using defaults"]
        values, problems = {}, []
        checks = {"recent_runs": (int, 0), "retries": (int, 0), "max_model_versions": (int, 0),
                  "request_timeout": (float, 0.001), "total_timeout": (float, 0.001)}
        for name, (kind, minimum) in checks.items():
            if name not in params or (name == "max_model_versions" and params[name] is None):
                continue
            value = params[name]
            ok = (isinstance(value, (int, float)) and not isinstance(value, bool)
                  and (kind is float or float(value).is_integer()) and value >= minimum)
            if ok:
                values[name] = kind(value)
            else:
                problems.append(f"params.mlflow.{name}: expected a number >= {minimum}, "
                                f"got {value!r}; using the default")
        return cls(**values), problems


# -- records every reader returns -------------------------------------------------------------

@dataclass
class ExperimentRec:
    experiment_id: str
    name: str
    lifecycle_stage: str
    tags: dict


@dataclass
class DatasetRec:
    name: str
    digest: str
    source_type: str
    source: str
    schema: str | None
    profile: str | None
    context: str | None


@dataclass
class RunRec:
    run_id: str
    experiment_id: str
    run_name: str | None
    status: str | None
    lifecycle_stage: str
    start_time: int | None
    end_time: int | None
    user_id: str | None
    tags: dict
    params_count: int
    metrics_count: int
    datasets: list[DatasetRec] = field(default_factory=list)


@dataclass
class ModelRec:
    name: str
    description: str | None
    created: int | None
    tags: dict
    aliases: dict               # alias -> version (int)


@dataclass
class VersionRec:
    name: str
    version: int
    source: str | None
    run_id: str | None
    run_link: str | None
    stage: str | None
    status: str | None
    tags: dict
    created: int | None
    description: str | None
    updated: int | None = None


def _newest_first(versions: list["VersionRec"]) -> list["VersionRec"]:
    """MLflow's own search order: last updated first, then name, then highest version."""
    versions = sorted(versions, key=lambda v: (v.name, -v.version))
    return sorted(versions, key=lambda v: -(v.updated or 0))


class StoreError(Exception):
    """A store step failed. `fatal`: the store is unusable, later steps are not tried."""

    def __init__(self, reason: str, fatal: bool = False, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason, self.fatal, self.status = reason, fatal, status


@dataclass
class Problem:
    where: str                  # the source display, or a file inside a file store
    reason: str
    line: int | None = None


# -- small helpers ------------------------------------------------------------------------

def _iso(ms) -> str | None:
    """Milliseconds since the epoch as an ISO-8601 UTC string."""
    if ms is None or isinstance(ms, bool):
        return None
    try:
        return _dt.datetime.fromtimestamp(int(ms) / 1000, _dt.timezone.utc).isoformat(
            timespec="milliseconds")
    except (ValueError, OverflowError, OSError, TypeError):
        return None


def _int(value) -> int | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _str(value) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _truncate(value, limit: int = TAG_VALUE_LIMIT) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[:limit]


def _kv_list(items) -> dict:
    """[{"key": k, "value": v}, ...] (MLflow's JSON tag shape) as a dict."""
    out = {}
    for item in items or []:
        if isinstance(item, dict) and isinstance(item.get("key"), str):
            out[item["key"]] = _str(item.get("value")) or ""
    return out


def scrub_secrets(text: str) -> str:
    """URL credentials and signed-URL query secrets removed from a string."""
    if "@" not in text and "=" not in text:      # the common case, without two regex passes
        return text
    return _SECRET_QUERY.sub(lambda m: f"{m.group(1)}=REDACTED", _URL_USERINFO.sub(r"\1", text))


def _tag_dict(tags: dict) -> dict:
    """Tags as recorded: values truncated and scrubbed of URL credentials; keys interned,
    since a store repeats the same few keys on every run (it saves memory on big stores)."""
    return {sys.intern(k): scrub_secrets(_truncate(v)) for k, v in sorted(tags.items())}


def _source_uri(source: str | None) -> str | None:
    """The uri/path/url a dataset source JSON points at."""
    try:
        doc = json.loads(source or "")
    except (ValueError, TypeError):
        return None
    if isinstance(doc, dict):
        for key in ("uri", "path", "url"):
            if isinstance(doc.get(key), str) and doc[key]:
                return doc[key]
    return None


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _is_prompt(tags: dict) -> bool:
    return str(tags.get(PROMPT_TAG, "")).lower() == "true"


# -- REST reader ----------------------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are refused: the Authorization header must not follow them to another host."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class _Retryable(Exception):
    def __init__(self, reason: str, fatal: bool = False, retry_after: float = 0.0) -> None:
        super().__init__(reason)
        self.reason, self.fatal, self.retry_after = reason, fatal, retry_after


class RestReader:
    """An MLflow tracking server through REST API 2.0 (OSS, Databricks, Azure ML)."""

    def __init__(self, base_url: str, settings: Settings, user: str | None = None,
                 password: str | None = None) -> None:
        self.base = base_url.rstrip("/") + "/api/2.0/mlflow/"
        self.settings = settings
        self.deadline = time.monotonic() + settings.total_timeout
        self.headers = {"Accept": "application/json", "User-Agent": "mlcheck"}
        self.secrets: list[str] = []
        self._set_auth(user, password)
        self.opener = urllib.request.build_opener(_NoRedirect)
        self.problems: list[Problem] = []
        self.calls = 0

    def _set_auth(self, user: str | None, password: str | None) -> None:
        token = os.environ.get("MLFLOW_TRACKING_TOKEN")
        user = os.environ.get("MLFLOW_TRACKING_USERNAME") or user
        password = os.environ.get("MLFLOW_TRACKING_PASSWORD") or password
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
            self.secrets.append(token)
        elif user and password:
            basic = base64.b64encode(f"{user}:{password}".encode()).decode()
            self.headers["Authorization"] = f"Basic {basic}"
            self.secrets += [password, basic]

    def close(self) -> None:
        pass

    def _redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, "***")
        return text

    # transport
    def call(self, method: str, endpoint: str, params: dict) -> dict:
        """One API call with bounded retries (5xx, 429, network) inside the total time limit."""
        attempt = 0
        while True:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise StoreError(f"{endpoint}: gave up, total time limit of "
                                 f"{self.settings.total_timeout:g} s reached", fatal=True)
            try:
                return self._once(method, endpoint, params, min(self.settings.request_timeout, remaining))
            except _Retryable as exc:
                attempt += 1
                if attempt > self.settings.retries:
                    tries = f" (after {attempt} attempts)" if attempt > 1 else ""
                    raise StoreError(self._redact(exc.reason) + tries, fatal=exc.fatal) from None
                pause = max(0.5 * 2 ** (attempt - 1), exc.retry_after)
                time.sleep(min(pause, max(0.0, self.deadline - time.monotonic())))

    def _once(self, method: str, endpoint: str, params: dict, timeout: float) -> dict:
        url, data = self.base + endpoint, None
        headers = dict(self.headers)
        if method == "GET":
            query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None}, doseq=True)
            url += f"?{query}" if query else ""
        else:
            data = json.dumps({k: v for k, v in params.items() if v is not None}).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        self.calls += 1
        try:
            with self.opener.open(request, timeout=timeout) as resp:
                raw = resp.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise self._http_error(endpoint, exc) from None
        except (TimeoutError, socket.timeout):
            raise _Retryable(f"{endpoint}: no response within {timeout:g} s (request_timeout)",
                             fatal=True) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise _Retryable(f"{endpoint}: no response within {timeout:g} s (request_timeout)",
                                 fatal=True) from None
            raise _Retryable(f"cannot reach the tracking server: {reason}", fatal=True) from None
        except (OSError, http.client.HTTPException) as exc:
            raise _Retryable(f"{endpoint}: connection failed: {type(exc).__name__}: {exc}",
                             fatal=True) from None
        if len(raw) > MAX_RESPONSE_BYTES:
            raise StoreError(f"{endpoint}: response larger than {MAX_RESPONSE_BYTES} bytes; refused")
        try:
            doc = json.loads(raw or b"{}")
        except ValueError:
            raise StoreError(f"{endpoint}: response is not JSON; is this an MLflow tracking "
                             "server?", fatal=True) from None
        if not isinstance(doc, dict):
            raise StoreError(f"{endpoint}: response is not a JSON object", fatal=True)
        return doc

    def _http_error(self, endpoint: str, exc: urllib.error.HTTPError) -> Exception:
        code = exc.code
        try:
            body = json.loads(exc.read(4096) or b"{}")
        except (ValueError, OSError):
            body = {}
        detail = ""
        if isinstance(body, dict) and (body.get("error_code") or body.get("message")):
            code_name = _truncate(body.get("error_code") or "", 80)
            detail = f": {code_name} {_truncate(body.get('message') or '', 200)}".rstrip()
        reason = self._redact(f"{endpoint}: HTTP {code}{detail}")
        if code in RETRY_STATUS:
            return _Retryable(reason, retry_after=_retry_after(exc.headers))
        if code in (401, 403):
            return StoreError(f"{reason} (not authorised: set MLFLOW_TRACKING_TOKEN or "
                              "MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD)", fatal=True, status=code)
        if 300 <= code < 400:
            return StoreError(f"{endpoint}: HTTP {code} redirect not followed (credentials stay "
                              "with the given host); give the final URL", fatal=True, status=code)
        return StoreError(reason, status=code)

    def pages(self, method: str, endpoint: str, key: str, params: dict, page_size: int) -> Iterator[dict]:
        """Every item of a paginated list call (page_token / next_page_token)."""
        token, seen = None, set()
        while True:
            doc = self.call(method, endpoint, {**params, "max_results": page_size, "page_token": token})
            items = doc.get(key) or []
            if not isinstance(items, list):
                raise StoreError(f"{endpoint}: '{key}' is not a list")
            yield from (item for item in items if isinstance(item, dict))
            token = doc.get("next_page_token")
            if not token:
                return
            if token in seen:
                raise StoreError(f"{endpoint}: the server repeated a page token; paging stopped")
            seen.add(token)

    # records
    def experiments(self) -> list[ExperimentRec]:
        out = []
        for e in self.pages("POST", "experiments/search", "experiments", {"view_type": "ALL"},
                            REST_PAGE["experiments"]):
            if e.get("experiment_id") is None:
                continue
            out.append(ExperimentRec(str(e["experiment_id"]), _str(e.get("name")) or "",
                                     _str(e.get("lifecycle_stage")) or "active", _kv_list(e.get("tags"))))
        return out

    def models(self) -> list[ModelRec]:
        out = []
        for m in self.pages("GET", "registered-models/search", "registered_models", {},
                            REST_PAGE["models"]):
            if not isinstance(m.get("name"), str):
                continue
            aliases = {a["alias"]: _int(a.get("version")) for a in m.get("aliases") or []
                       if isinstance(a, dict) and isinstance(a.get("alias"), str)}
            out.append(ModelRec(m["name"], _str(m.get("description")), _int(m.get("creation_timestamp")),
                                _kv_list(m.get("tags")), aliases))
        return out

    def versions(self, limit: int | None) -> tuple[list[VersionRec], bool]:
        out: list[VersionRec] = []
        page = min(REST_PAGE["versions"], limit + 1) if limit is not None else REST_PAGE["versions"]
        seen = set()
        # The server's default order (OSS: last updated first, name, version desc) is kept:
        # a limit then keeps the most recently active versions, as the other readers do.
        for v in self.pages("GET", "model-versions/search", "model_versions", {}, max(page, 1)):
            rec = _version_from_json(v)
            if rec is None or rec.stage == DELETED_STAGE or (rec.name, rec.version) in seen:
                continue
            seen.add((rec.name, rec.version))
            if limit is not None and len(out) >= limit:
                return out, True
            out.append(rec)
        return out, False

    def runs(self, run_ids: list[str], experiment_ids: list[str]) -> dict[str, RunRec]:
        found: dict[str, RunRec] = {}
        safe = [r for r in run_ids if SAFE_RUN_ID.match(r)]
        single = [r for r in run_ids if not SAFE_RUN_ID.match(r)]
        if experiment_ids:
            for chunk in _chunks(safe, REST_RUN_CHUNK):
                try:
                    found.update(self._search_run_ids(chunk, experiment_ids))
                except StoreError as exc:
                    if exc.fatal or exc.status != 400:
                        raise
                    single += chunk     # a backend without `run_id IN`: fetch one by one
        else:
            single += safe
        for run_id in single:
            rec = self._get_run(run_id)
            if rec and rec.lifecycle_stage == "active":
                found[rec.run_id] = rec
        return found

    def _search_run_ids(self, chunk: list[str], experiment_ids: list[str]) -> dict[str, RunRec]:
        """Active runs among `chunk`, in one search. A backend that ignores the filter (and
        would page through every run) is caught at its first foreign run: 400 -> one by one."""
        wanted, found = set(chunk), {}
        ids = ", ".join(f"'{r}'" for r in chunk)
        for r in self.pages("POST", "runs/search", "runs", {
                "experiment_ids": experiment_ids, "filter": f"attributes.run_id IN ({ids})",
                "run_view_type": "ACTIVE_ONLY"}, REST_PAGE["runs"]):
            rec = _run_from_json(r)
            if rec is None:
                continue
            if rec.run_id not in wanted:
                raise StoreError("runs/search ignored the run_id filter", status=400)
            if rec.lifecycle_stage == "active":
                found[rec.run_id] = rec
        return found

    def _get_run(self, run_id: str) -> RunRec | None:
        try:
            doc = self.call("GET", "runs/get", {"run_id": run_id})
        except StoreError as exc:
            if exc.status in (400, 404):     # RESOURCE_DOES_NOT_EXIST / INVALID_PARAMETER_VALUE
                return None
            raise
        return _run_from_json(doc.get("run") or {})

    def recent_runs(self, n: int, experiment_ids: list[str], skip: set) -> list[RunRec]:
        if n <= 0 or not experiment_ids:
            return []
        out = []
        for r in self.pages("POST", "runs/search", "runs", {
                "experiment_ids": experiment_ids, "run_view_type": "ACTIVE_ONLY",
                "order_by": ["attributes.start_time DESC"]}, min(n, REST_PAGE["runs"])):
            rec = _run_from_json(r)
            if rec is None or rec.lifecycle_stage != "active":
                continue
            out.append(rec)
            if len(out) >= n:
                break
        return [r for r in out if r.run_id not in skip]


def _retry_after(headers) -> float:
    """A Retry-After in seconds (the HTTP-date form is ignored), capped at a minute."""
    try:
        return min(max(float((headers or {}).get("Retry-After", 0)), 0.0), 60.0)
    except (TypeError, ValueError):
        return 0.0


def _version_from_json(v: dict) -> VersionRec | None:
    version = _int(v.get("version"))
    if not isinstance(v.get("name"), str) or version is None:
        return None
    return VersionRec(v["name"], version, _str(v.get("source")), _str(v.get("run_id")),
                      _str(v.get("run_link")), _str(v.get("current_stage")), _str(v.get("status")),
                      _kv_list(v.get("tags")), _int(v.get("creation_timestamp")), _str(v.get("description")),
                      _int(v.get("last_updated_timestamp")))


def _run_from_json(doc: dict) -> RunRec | None:
    info = doc.get("info") if isinstance(doc.get("info"), dict) else {}
    data = doc.get("data") if isinstance(doc.get("data"), dict) else {}
    inputs = doc.get("inputs") if isinstance(doc.get("inputs"), dict) else {}
    run_id = _str(info.get("run_id") or info.get("run_uuid"))
    if not run_id:
        return None
    datasets = []
    for item in inputs.get("dataset_inputs") or []:
        ds = item.get("dataset") if isinstance(item, dict) else None
        if not isinstance(ds, dict):
            continue
        datasets.append(DatasetRec(_str(ds.get("name")) or "", _str(ds.get("digest")) or "",
                                   _str(ds.get("source_type")) or "", _str(ds.get("source")) or "",
                                   _str(ds.get("schema")), _str(ds.get("profile")),
                                   _kv_list(item.get("tags")).get(CONTEXT_TAG)))
    tags = _kv_list(data.get("tags"))
    return RunRec(run_id, str(info.get("experiment_id", "")),
                  _str(info.get("run_name")) or tags.get("mlflow.runName"), _str(info.get("status")),
                  _str(info.get("lifecycle_stage")) or "active", _int(info.get("start_time")),
                  _int(info.get("end_time")), _str(info.get("user_id")), tags,
                  len(data.get("params") or []), len(data.get("metrics") or []), datasets)


# -- SQLite reader --------------------------------------------------------------------------

REQUIRED_TABLES = {"experiments", "runs", "tags", "registered_models", "model_versions"}
OPTIONAL_TABLES = {"experiment_tags", "params", "latest_metrics", "datasets", "inputs", "input_tags",
                   "registered_model_tags", "registered_model_aliases", "model_version_tags"}


class SqliteReader:
    """An MLflow SQLite backend store, read-only, straight from MLflow's schema."""

    def __init__(self, path: str, settings: Settings) -> None:
        self.problems: list[Problem] = []
        uri = "file:" + urllib.parse.quote(os.path.abspath(path)) + "?mode=ro"
        try:
            self.db = sqlite3.connect(uri, uri=True, timeout=settings.request_timeout)
            tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.Error as exc:
            raise StoreError(f"not a readable SQLite database: {exc}", fatal=True) from None
        missing = REQUIRED_TABLES - tables
        if missing:
            raise StoreError("not an MLflow tracking store: SQLite database without the tables "
                             + ", ".join(sorted(missing)), fatal=True)
        self.tables = tables
        self.columns = {t: {r[1] for r in self._rows(f'PRAGMA table_info("{t}")')}
                        for t in tables if t in REQUIRED_TABLES | OPTIONAL_TABLES}

    def close(self) -> None:
        self.db.close()

    def _rows(self, sql: str, args: Iterable = ()) -> list[tuple]:
        try:
            return self.db.execute(sql, tuple(args)).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"SQLite query failed: {exc}") from None

    def _ws(self, table: str) -> str:
        """Restrict to MLflow's default workspace when the schema has workspaces (MLflow 3.x)."""
        if "workspace" in self.columns.get(table, ()):
            return f" AND workspace = '{DEFAULT_WORKSPACE}'"
        return ""

    def _tags(self, table: str, *keys: str) -> dict[tuple, dict]:
        out: dict[tuple, dict] = {}
        if table not in self.tables:
            return out
        cols = ", ".join(f'"{k}"' for k in keys)
        sql = f'SELECT {cols}, "key", value FROM "{table}" WHERE 1=1{self._ws(table)}'
        for *key, k, v in self._rows(sql):
            out.setdefault(tuple(str(x) for x in key), {})[k] = v or ""
        return out

    def experiments(self) -> list[ExperimentRec]:
        tags = self._tags("experiment_tags", "experiment_id")
        return [ExperimentRec(str(eid), name or "", stage or "active", tags.get((str(eid),), {}))
                for eid, name, stage in self._rows(
                    "SELECT experiment_id, name, lifecycle_stage FROM experiments WHERE 1=1"
                    f"{self._ws('experiments')} ORDER BY experiment_id")]

    def _prompt_names(self) -> set[str]:
        names = set()
        for table in ("registered_model_tags", "model_version_tags"):
            if table in self.tables:
                names |= {n for (n,) in self._rows(
                    f'SELECT DISTINCT name FROM "{table}" WHERE "key" = ? AND lower(value) = \'true\''
                    f"{self._ws(table)}", (PROMPT_TAG,))}
        return names

    def models(self) -> list[ModelRec]:
        tags = self._tags("registered_model_tags", "name")
        aliases: dict[str, dict] = {}
        if "registered_model_aliases" in self.tables:
            for name, alias, version in self._rows(
                    "SELECT name, alias, version FROM registered_model_aliases WHERE 1=1"
                    f"{self._ws('registered_model_aliases')}"):
                aliases.setdefault(name, {})[alias] = _int(version)
        prompts = self._prompt_names()
        return [ModelRec(name, desc, _int(created), tags.get((name,), {}), aliases.get(name, {}))
                for name, desc, created in self._rows(
                    "SELECT name, description, creation_time FROM registered_models WHERE 1=1"
                    f"{self._ws('registered_models')} ORDER BY name")
                if name not in prompts]

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
        return [VersionRec(name, _int(version), source, run_id, run_link, stage, status,
                           tags.get((name, str(version)), {}), _int(created), desc, _int(updated))
                for name, version, source, run_id, run_link, stage, status, created, desc, updated
                in rows if _int(version) is not None], truncated

    def runs(self, run_ids: list[str], experiment_ids: list[str] | None = None) -> dict[str, RunRec]:
        found: dict[str, RunRec] = {}
        for chunk in _chunks(sorted(set(run_ids)), SQL_CHUNK):
            found.update(self._run_chunk(chunk))
        return found

    def _run_chunk(self, ids: list[str]) -> dict[str, RunRec]:
        marks = ",".join("?" * len(ids))
        runs = {}
        for rid, name, eid, status, stage, start, end, user in self._rows(
                "SELECT run_uuid, name, experiment_id, status, lifecycle_stage, start_time, end_time, "
                f"user_id FROM runs WHERE run_uuid IN ({marks}) AND lifecycle_stage = 'active'", ids):
            runs[rid] = RunRec(rid, str(eid), name, status, stage, _int(start), _int(end), user,
                               {}, 0, 0, [])
        if not runs:
            return runs
        live = list(runs)
        marks = ",".join("?" * len(live))
        for rid, k, v in self._rows(
                f'SELECT run_uuid, "key", value FROM tags WHERE run_uuid IN ({marks})', live):
            runs[rid].tags[k] = v or ""
        for table, attr in (("params", "params_count"), ("latest_metrics", "metrics_count")):
            if table in self.tables:
                for rid, count in self._rows(f'SELECT run_uuid, count(*) FROM "{table}" '
                                             f"WHERE run_uuid IN ({marks}) GROUP BY run_uuid", live):
                    setattr(runs[rid], attr, count)
        if {"inputs", "datasets"} <= self.tables:
            context = ("(SELECT value FROM input_tags t WHERE t.input_uuid = i.input_uuid AND t.name = ?)"
                       if "input_tags" in self.tables else "NULL")
            args = ([CONTEXT_TAG] if "input_tags" in self.tables else []) + live
            for rid, name, digest, stype, source, schema, profile, ctx in self._rows(
                    f"SELECT i.destination_id, d.name, d.digest, d.dataset_source_type, d.dataset_source, "
                    f"d.dataset_schema, d.dataset_profile, {context} FROM inputs i "
                    "JOIN datasets d ON d.dataset_uuid = i.source_id "
                    "WHERE i.source_type = 'DATASET' AND i.destination_type = 'RUN' "
                    f"AND i.destination_id IN ({marks}) ORDER BY i.destination_id, d.name, d.digest", args):
                runs[rid].datasets.append(DatasetRec(name or "", digest or "", stype or "", source or "",
                                                     schema, profile, ctx))
        return runs

    def recent_runs(self, n: int, experiment_ids: list[str], skip: set) -> list[RunRec]:
        if n <= 0:
            return []
        ws = ""
        if "workspace" in self.columns.get("experiments", ()):
            ws = (" AND experiment_id IN (SELECT experiment_id FROM experiments "
                  f"WHERE workspace = '{DEFAULT_WORKSPACE}')")
        ids = [r for (r,) in self._rows(
            f"SELECT run_uuid FROM runs WHERE lifecycle_stage = 'active'{ws} "
            "ORDER BY start_time DESC, run_uuid LIMIT ?", (n,)) if r not in skip]
        found = self.runs(ids)
        return [found[r] for r in ids if r in found]


# -- legacy file store reader -------------------------------------------------------------------

class FileStoreReader:
    """A legacy MLflow file store (mlruns/). Recency of runs is the meta.yaml write time,
    so the window of recent runs needs one stat per run, not one YAML parse."""

    def __init__(self, root: str, display: str, settings: Settings) -> None:
        self.root = Path(root)
        self.display = display
        self.problems: list[Problem] = []
        self._run_dirs: dict[str, Path] | None = None
        self._datasets: dict[Path, dict] = {}
        if not self.root.is_dir():
            raise StoreError("not a directory", fatal=True)

    def close(self) -> None:
        pass

    def _shown(self, path: Path) -> str:
        rel = path.relative_to(self.root).as_posix()
        return f"{self.display.rstrip('/')}/{rel}"

    def _read(self, path: Path) -> str | None:
        """A regular file's text; symlinks are never followed (reported), size is bounded."""
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            return None
        except OSError as exc:
            reason = "symlink not followed" if path.is_symlink() else f"unreadable: {exc.strerror}"
            self.problems.append(Problem(self._shown(path), reason))
            return None
        with os.fdopen(fd, "rb") as fh:
            data = fh.read(MAX_STORE_FILE_BYTES + 1)
        if len(data) > MAX_STORE_FILE_BYTES:
            self.problems.append(Problem(self._shown(path), f"over {MAX_STORE_FILE_BYTES} bytes; skipped"))
            return None
        return data.decode("utf-8", "replace")

    def _meta(self, folder: Path) -> dict | None:
        text = self._read(folder / "meta.yaml")
        if text is None:
            return None
        shown = self._shown(folder / "meta.yaml")
        try:
            doc = load_yaml(text, shown)
        except YamlError as exc:
            self.problems.append(Problem(shown, f"malformed meta.yaml: {exc.reason}", exc.line))
            return None
        if not isinstance(doc, dict):
            self.problems.append(Problem(shown, "meta.yaml is not a mapping"))
            return None
        return doc

    def _values(self, folder: Path) -> dict:
        """One value per file (tags/, aliases/); keys with '/' live in subfolders."""
        out = {}
        if not folder.is_dir() or folder.is_symlink():
            return out
        for dirpath, dirnames, filenames in os.walk(folder):
            for name in filenames:
                full = Path(dirpath) / name
                text = self._read(full)
                if text is not None:
                    out[full.relative_to(folder).as_posix()] = text
        return out

    @staticmethod
    def _count_files(folder: Path) -> int:
        if not folder.is_dir() or folder.is_symlink():
            return 0
        return sum(len(files) for _, _, files in os.walk(folder))

    def _subdirs(self, folder: Path) -> list[Path]:
        try:
            return sorted(e for e in folder.iterdir() if e.is_dir() and not e.is_symlink())
        except OSError:
            return []

    def _experiment_dirs(self) -> list[tuple[Path, bool]]:
        """(experiment folder, in trash) pairs."""
        dirs = [(d, False) for d in self._subdirs(self.root)
                if not d.name.startswith(".") and d.name != "models" and (d / "meta.yaml").exists()]
        trash = self.root / ".trash"
        if trash.is_dir() and not trash.is_symlink():
            dirs += [(d, True) for d in self._subdirs(trash) if (d / "meta.yaml").exists()]
        return dirs

    def experiments(self) -> list[ExperimentRec]:
        out = []
        for folder, trashed in self._experiment_dirs():
            meta = self._meta(folder)
            if meta is None:
                continue
            stage = "deleted" if trashed else (_str(meta.get("lifecycle_stage")) or "active")
            out.append(ExperimentRec(_str(meta.get("experiment_id")) or folder.name,
                                     _str(meta.get("name")) or "", stage, self._values(folder / "tags")))
        return out

    def models(self) -> list[ModelRec]:
        out = []
        for folder in self._subdirs(self.root / "models"):
            meta = self._meta(folder)
            if meta is None:
                continue
            tags = self._values(folder / "tags")
            if _is_prompt(tags):
                continue
            aliases = {k: _int(v.strip()) for k, v in self._values(folder / "aliases").items()}
            if not aliases and isinstance(meta.get("aliases"), dict):
                aliases = {str(k): _int(v) for k, v in meta["aliases"].items()}
            out.append(ModelRec(_str(meta.get("name")) or folder.name, _str(meta.get("description")),
                                _int(meta.get("creation_timestamp")), tags, aliases))
        return out

    def versions(self, limit: int | None) -> tuple[list[VersionRec], bool]:
        out: list[VersionRec] = []
        for model_dir in self._subdirs(self.root / "models"):
            if _is_prompt(self._values(model_dir / "tags")):
                continue
            for folder in self._subdirs(model_dir):
                if not folder.name.startswith("version-"):
                    continue
                meta = self._meta(folder)
                if meta is None:
                    continue
                version = _int(meta.get("version"))
                stage = _str(meta.get("current_stage"))
                if version is None or stage == DELETED_STAGE:
                    continue
                out.append(VersionRec(_str(meta.get("name")) or model_dir.name, version,
                                      _str(meta.get("source")), _str(meta.get("run_id")),
                                      _str(meta.get("run_link")), stage, _str(meta.get("status")),
                                      self._values(folder / "tags"), _int(meta.get("creation_timestamp")),
                                      _str(meta.get("description")),
                                      _int(meta.get("last_updated_timestamp"))))
        out = _newest_first(out)
        if limit is not None and len(out) > limit:
            return out[:limit], True
        return out, False

    def _index(self) -> dict[str, Path]:
        """run id -> run folder, for active and trashed experiments: one listing per experiment."""
        if self._run_dirs is None:
            self._run_dirs = {}
            for folder, _ in self._experiment_dirs():
                for d in self._subdirs(folder):
                    if d.name not in ("tags", "datasets") and (d / "meta.yaml").exists():
                        self._run_dirs[d.name] = d
        return self._run_dirs

    def runs(self, run_ids: list[str], experiment_ids: list[str] | None = None) -> dict[str, RunRec]:
        found = {}
        index = self._index()
        for run_id in sorted(set(run_ids)):
            folder = index.get(run_id)
            rec = self._run(folder) if folder else None
            if rec is not None and rec.lifecycle_stage == "active":
                found[rec.run_id] = rec
        return found

    def _run(self, folder: Path) -> RunRec | None:
        meta = self._meta(folder)
        if meta is None:
            return None
        tags = self._values(folder / "tags")
        status = meta.get("status")
        return RunRec(_str(meta.get("run_id") or meta.get("run_uuid")) or folder.name,
                      _str(meta.get("experiment_id")) or folder.parent.name,
                      tags.get("mlflow.runName") or _str(meta.get("run_name")),
                      RUN_STATUS.get(status, _str(status)) if not isinstance(status, bool) else None,
                      _str(meta.get("lifecycle_stage")) or "active",
                      _int(meta.get("start_time")), _int(meta.get("end_time")), _str(meta.get("user_id")),
                      tags, self._count_files(folder / "params"), self._count_files(folder / "metrics"),
                      self._inputs(folder))

    def _inputs(self, run_folder: Path) -> list[DatasetRec]:
        out = []
        for folder in self._subdirs(run_folder / "inputs"):
            meta = self._meta(folder)
            if not meta or meta.get("source_type") != "DATASET":
                continue
            ds = self._dataset(run_folder.parent, _str(meta.get("source_id")) or "")
            if ds is None:
                missing = f"dataset {meta.get('source_id')!r} not found in the experiment"
                self.problems.append(Problem(self._shown(folder / "meta.yaml"), missing))
                continue
            tags = meta.get("tags") if isinstance(meta.get("tags"), dict) else {}
            out.append(DatasetRec(_str(ds.get("name")) or "", _str(ds.get("digest")) or "",
                                  _str(ds.get("source_type")) or "", _str(ds.get("source")) or "",
                                  _str(ds.get("schema")), _str(ds.get("profile")),
                                  _str(tags.get(CONTEXT_TAG))))
        return sorted(out, key=lambda d: (d.name, d.digest))

    def _dataset(self, experiment_folder: Path, dataset_id: str) -> dict | None:
        cache = self._datasets.setdefault(experiment_folder, {})
        plain = dataset_id and "/" not in dataset_id and not dataset_id.startswith(".")
        if plain and dataset_id not in cache:
            cache[dataset_id] = self._meta(experiment_folder / "datasets" / dataset_id)
        return cache.get(dataset_id)

    def recent_runs(self, n: int, experiment_ids: list[str], skip: set) -> list[RunRec]:
        if n <= 0:
            return []
        active = {f for f, trashed in self._experiment_dirs() if not trashed}
        stamped = []
        for run_id, folder in self._index().items():
            if folder.parent in active:
                try:
                    stamped.append((-(folder / "meta.yaml").stat().st_mtime, run_id, folder))
                except OSError:
                    continue
        out, taken = [], 0
        for _, run_id, folder in sorted(stamped):
            if taken >= n:
                break
            if run_id in skip:          # already read as a model version's run: counts, not re-read
                taken += 1
                continue
            rec = self._run(folder)
            if rec is not None and rec.lifecycle_stage == "active":
                out.append(rec)
                taken += 1
        return out


# -- the collector ----------------------------------------------------------------------------

@dataclass
class Collected:
    experiments: list[ExperimentRec] = field(default_factory=list)
    models: list[ModelRec] = field(default_factory=list)
    versions: list[VersionRec] = field(default_factory=list)
    runs: dict[str, RunRec] = field(default_factory=dict)
    truncated_versions: bool = False


def split_url(uri: str) -> tuple[str, str, str, str | None, str | None]:
    """(base URL without credentials, label host[:port][/path], display, user, password)."""
    parts = urllib.parse.urlsplit(uri)
    scheme = "https" if parts.scheme.lower() == "azureml" else parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if not host:
        raise ValueError(f"{url_without_secrets(uri)}: no host in URL")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{url_without_secrets(uri)}: bad port") from None
    hostport = f"[{host}]" if ":" in host else host
    hostport += f":{port}" if port else ""
    path = parts.path.rstrip("/")
    base = f"{scheme}://{hostport}{path}"
    user = urllib.parse.unquote(parts.username) if parts.username else None
    password = urllib.parse.unquote(parts.password) if parts.password else None
    return base, f"{hostport}{path}", base, user, password


def _is_url(uri: str) -> bool:
    return bool(re.match(r"(?i)^(https?|azureml)://", uri))


class MlflowCollector(Collector):
    name = "mlflow"

    @classmethod
    def detect(cls, root: Path, display: str) -> list[Source]:
        """mlflow.db files and mlruns/ folders under root; symlinks are not followed."""
        if is_mlflow_file_store(root):
            return [Source(cls.name, str(root), root.name, display)]
        found: list[Source] = []
        for dirpath, dirnames, filenames in os.walk(root):
            here = Path(dirpath)
            keep = []
            for d in sorted(dirnames):
                full = here / d
                if d in SKIP_DIRS or full.is_symlink():
                    continue
                if is_mlflow_file_store(full):
                    found.append(cls._detected(full, root, display))
                    continue                       # a store is not searched for more stores
                keep.append(d)
            dirnames[:] = keep
            db = here / "mlflow.db"
            if "mlflow.db" in filenames and not db.is_symlink():
                found.append(cls._detected(db, root, display))
        return found

    @classmethod
    def _detected(cls, path: Path, root: Path, display: str) -> Source:
        rel = path.relative_to(root).as_posix()
        shown = rel if display in ("", ".") else f"{display.rstrip('/')}/{rel}"
        return Source(cls.name, str(path), rel, shown)

    @classmethod
    def from_uri(cls, uri: str) -> Source:
        if _is_url(uri):
            base, label, display, _, _ = split_url(uri)
            return Source(cls.name, uri, label, display)
        given = uri
        if uri.startswith("sqlite:"):
            if not uri.startswith("sqlite:///") or len(uri) == len("sqlite:///"):
                raise ValueError(f"{uri}: expected sqlite:///relative/path.db or sqlite:////absolute/path.db")
            given = uri[len("sqlite:///"):]
        elif uri.startswith("file:"):
            given = urllib.parse.unquote(urllib.parse.urlsplit(uri).path)
        elif re.match(r"^[a-z][a-z0-9+.\-]*://", uri, re.I):
            raise ValueError(f"{url_without_secrets(uri)}: unsupported MLflow URI (use http(s)://, "
                             "sqlite:///path, a .db file or an mlruns folder)")
        path = Path(given).expanduser()
        if not path.exists():
            raise ValueError(f"{uri}: no such file or folder")
        if uri.startswith("sqlite:") and not path.is_file():
            raise ValueError(f"{uri}: not a file")
        # Labelled by name, as git labels a given repository: ids never hold a machine's paths.
        return Source(cls.name, str(path.resolve()), path.resolve().name, uri)

    def collect(self, source: Source, ctx: CollectContext) -> None:
        settings, problems = Settings.from_params(ctx.params.get("mlflow", {}))
        for reason in problems:
            ctx.graph.error(self.name, source.display, reason)
        try:
            reader = self._reader(source, settings)
        except StoreError as exc:
            ctx.graph.error(self.name, source.display, exc.reason)
            return
        try:
            data = self._gather(reader, settings,
                                lambda reason: ctx.graph.error(self.name, source.display, reason))
        finally:
            reader.close()
        for p in reader.problems:
            ctx.graph.error(self.name, p.where, p.reason, p.line)
        Emitter(ctx, self.name, source).emit(data)
        if data.truncated_versions:
            _note_source(ctx, source, model_versions_truncated_at=settings.max_model_versions)

    @staticmethod
    def _reader(source: Source, settings: Settings):
        if _is_url(source.uri):
            base, _, _, user, password = split_url(source.uri)
            return RestReader(base, settings, user, password)
        if Path(source.uri).is_dir():
            return FileStoreReader(source.uri, source.display, settings)
        return SqliteReader(source.uri, settings)

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


def _note_source(ctx: CollectContext, source: Source, **facts) -> None:
    """Record a deliberate limit on this source's entry in graph.sources (not an error)."""
    for entry in reversed(ctx.graph.sources):
        if entry.get("kind") == source.kind and entry.get("source") == source.display:
            entry.update(facts)
            return


class Emitter:
    """Turns reader records into nodes and edges (LINEAGE_SPEC, MLflow)."""

    def __init__(self, ctx: CollectContext, collector: str, source: Source) -> None:
        self.ctx, self.g = ctx, ctx.graph
        self.prefix = f"mlflow://{source.label}"
        self.prov = ctx.provenance(collector, source.display)

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
        versions.reverse()
        while versions:
            v = versions.pop()
            self._version(v, models, aliases.get(v.name, {}), runs)

    def _experiment(self, e: ExperimentRec) -> str:
        return self.g.add_node("experiment", f"{self.prefix}/{e.experiment_id}", {
            "experiment_id": e.experiment_id, "name": e.name, "lifecycle_stage": e.lifecycle_stage,
            "tags": _tag_dict(e.tags)}, self.prov)

    def _run(self, r: RunRec) -> str:
        tags = _tag_dict(r.tags)
        attrs = {"run_id": r.run_id, "experiment_id": r.experiment_id, "run_name": r.run_name,
                 "status": r.status, "lifecycle_stage": r.lifecycle_stage,
                 "start_time": _iso(r.start_time), "end_time": _iso(r.end_time),
                 "user": tags.get("mlflow.user") or r.user_id,
                 "source_name": tags.get("mlflow.source.name"),
                 "source_type": tags.get("mlflow.source.type"),
                 "git_commit": tags.get("mlflow.source.git.commit"),
                 "git_repo_url": tags.get("mlflow.source.git.repoURL"),
                 "git_branch": tags.get("mlflow.source.git.branch"),
                 "docker_image": tags.get("mlflow.docker.image.name") or tags.get("mlflow.docker.image.id"),
                 "docker_image_id": tags.get("mlflow.docker.image.id"),
                 "params_count": r.params_count, "metrics_count": r.metrics_count,
                 "tags": tags, "dataset_count": len(r.datasets)}
        nid = self.g.add_node("run", f"{self.prefix}/{r.run_id}",
                              {k: v for k, v in attrs.items() if v not in (None, "")}, self.prov)
        for ds in r.datasets:
            self.g.add_edge(nid, self._dataset(r.run_id, ds), "reads")
        return nid

    def _dataset(self, run_id: str, d: DatasetRec) -> str:
        source = scrub_secrets(d.source)
        attrs = {"name": d.name, "digest": d.digest, "source_type": d.source_type, "source": source,
                 "source_uri": _source_uri(source), "context": d.context,
                 "schema_present": bool(d.schema and d.schema.strip() not in ("", "null", "{}")),
                 "profile": _truncate(d.profile, PROFILE_LIMIT) if d.profile else None}
        return self.g.add_node("dataset", f"{self.prefix}/{run_id}/{d.name}@{d.digest}",
                               {k: v for k, v in attrs.items() if v not in (None, "")}, self.prov)

    def _model(self, m: ModelRec) -> str:
        attrs = {"name": m.name, "aliases": {a: v for a, v in sorted(m.aliases.items()) if v is not None},
                 "tags": _tag_dict(m.tags),
                 "description": m.description or None, "created_at": _iso(m.created)}
        return self.g.add_node("model", f"{self.prefix}/{m.name}",
                               {k: v for k, v in attrs.items() if v is not None}, self.prov)

    def _version(self, v: VersionRec, models: dict, aliases: dict, runs: dict) -> None:
        attrs = {"name": v.name, "version": v.version, "source": v.source or None,
                 "run_id": v.run_id or None, "run_link": v.run_link or None,
                 "aliases": sorted(a for a, n in aliases.items() if n == v.version),
                 "stage": v.stage, "status": v.status,
                 "tags": _tag_dict(v.tags),
                 "created_at": _iso(v.created), "description": v.description or None}
        if attrs["source"]:
            attrs["source"] = scrub_secrets(attrs["source"])
        nid = self.g.add_node("model_version", f"{self.prefix}/{v.name}/{v.version}",
                              {k: val for k, val in attrs.items() if val is not None}, self.prov)
        model = models.get(v.name) or self.g.add_node(
            "model", f"{self.prefix}/{v.name}", {"name": v.name, "aliases": {}, "tags": {}}, self.prov)
        self.g.add_edge(nid, model, "version_of")
        if v.run_id and v.run_id in runs:
            self.g.add_edge(nid, runs[v.run_id], "produced_by")
        elif v.run_id:
            self.g.note_unresolved(nid, "run_id", v.run_id,
                                   f"run {v.run_id} is deleted or was not found in the store")
