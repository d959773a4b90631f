"""An MLflow tracking server (OSS, Databricks, Azure ML) through REST API 2.0, with urllib.

JSON over HTTP, paged with page_token, bounded retries. Two clocks bound it:
request_timeout is how long the server may stay silent (per socket operation), and
total_timeout bounds the whole source — connection, headers and body included. A server
that trickles a byte every few seconds never trips the first, so a watchdog ends the
connection in flight when the second runs out.
"""
from __future__ import annotations

import base64
import http.client
import json
import os
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Iterator

from ..urls import url_without_secrets
from .records import (LoggedModelRec, CONTEXT_TAG, DELETED_STAGE, BadItem, DatasetRec, Deadline, ExperimentRec,
                      ModelRec, Problems, RunRec, Settings, StoreError, VersionRec, chunks, clip,
                      describe, ident, kv_list, not_a_number, to_int, to_str)

RETRY_STATUS = {429, 500, 502, 503, 504}
MAX_RESPONSE_BYTES = 256 * 1024 * 1024
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"
READ_CHUNK = 1024 * 1024
REST_RUN_CHUNK = 100        # run ids per runs/search call
REST_PAGE = {"experiments": 1000, "models": 1000, "versions": 10000, "runs": 1000}
SAFE_RUN_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_url(uri: str) -> bool:
    return bool(re.match(r"(?i)^(https?|azureml)://", uri))


def split_url(uri: str) -> tuple[str, str, str | None, str | None]:
    """(canonical base URL, label host[:port][/path], user, password).

    The canonical URL has a lower-case scheme and host, no default port, no credentials,
    query, fragment or trailing slash: the same server named two ways is one source."""
    parts = urllib.parse.urlsplit(uri.strip())
    scheme = "https" if parts.scheme.lower() == "azureml" else parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if not host:
        raise ValueError(f"{url_without_secrets(uri)}: no host in URL")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{url_without_secrets(uri)}: bad port") from None
    hostport = f"[{host}]" if ":" in host else host
    hostport += f":{port}" if port and port != DEFAULT_PORTS.get(scheme) else ""
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/")
    user = urllib.parse.unquote(parts.username) if parts.username else None
    password = urllib.parse.unquote(parts.password) if parts.password else None
    return f"{scheme}://{hostport}{path}", f"{hostport}{path}", user, password


# -- transport --------------------------------------------------------------------------

class _Watchdog:
    """Shuts the connection in flight down when the source's time is up. Blocked reads then
    return at once, whatever stage the request is in."""

    def __init__(self, deadline: Deadline) -> None:
        self.lock = threading.Lock()
        self.sock: socket.socket | None = None
        self.fired = False
        self.timer = threading.Timer(max(deadline.remaining(), 0.0), self._fire)
        self.timer.daemon = True
        self.timer.start()

    def _fire(self) -> None:
        with self.lock:
            self.fired = True
            self._shutdown()

    def _shutdown(self) -> None:
        if self.sock is not None:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def attach(self, sock: socket.socket | None) -> None:
        with self.lock:
            self.sock = sock
            if self.fired:
                self._shutdown()

    def detach(self) -> None:
        with self.lock:
            self.sock = None

    def stop(self) -> None:
        self.timer.cancel()
        self.detach()


def _watched(base: type, watchdog: _Watchdog) -> type:
    """`base` (HTTPConnection or HTTPSConnection) handing its socket to the watchdog once
    connected. Connecting itself is bounded by the socket timeout, which never exceeds the
    time left (the TLS handshake counts that timeout for the whole handshake)."""

    class Watched(base):
        def connect(self):
            super().connect()
            watchdog.attach(self.sock)

    return Watched


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are refused: the Authorization header must not follow them to another host."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _opener(watchdog: _Watchdog) -> urllib.request.OpenerDirector:
    """urllib (proxies from the environment, TLS) with connections the watchdog can end."""
    plain, tls = (_watched(http.client.HTTPConnection, watchdog),
                  _watched(http.client.HTTPSConnection, watchdog))

    class HTTP(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(plain, req)

    class HTTPS(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(tls, req, context=self._context)

    return urllib.request.build_opener(_NoRedirect, HTTP, HTTPS)


class _Retryable(Exception):
    def __init__(self, reason: str, fatal: bool = False, retry_after: float = 0.0) -> None:
        super().__init__(reason)
        self.reason, self.fatal, self.retry_after = reason, fatal, retry_after


def _retry_after(headers) -> float:
    """A Retry-After in seconds (the HTTP-date form is ignored), capped at a minute."""
    try:
        return min(max(float((headers or {}).get("Retry-After", 0)), 0.0), 60.0)
    except (TypeError, ValueError):
        return 0.0


class RestReader:
    """An MLflow tracking server through REST API 2.0 (OSS, Databricks, Azure ML)."""

    def __init__(self, base_url: str, display: str, settings: Settings, deadline: Deadline,
                 user: str | None = None, password: str | None = None) -> None:
        self.base = base_url.rstrip("/") + "/api/2.0/mlflow/"
        self.settings, self.deadline = settings, deadline
        self.headers = {"Accept": "application/json", "User-Agent": "mlcheck"}
        self.secrets: list[str] = []
        self._set_auth(user, password)
        self.watchdog: _Watchdog | None = None
        self.opener: urllib.request.OpenerDirector | None = None
        self.problems = Problems(display)
        self.unreadable_runs: dict[str, str] = {}
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
        if self.watchdog is not None:
            self.watchdog.stop()

    def artifact_listing(self, path: str) -> list[dict]:
        """The artifact proxy's listing of one folder (mlflow server --serve-artifacts)."""
        files = self.call("GET", ARTIFACTS, {"path": path}).get("files")
        return [f for f in files if isinstance(f, dict)] if isinstance(files, list) else []

    def artifact_bytes(self, path: str, limit: int) -> bytes:
        """One artifact's bytes through the proxy, read no further than `limit` + 1."""
        endpoint = f"{ARTIFACTS}/{urllib.parse.quote(path)}"
        if self.watchdog is None:
            self.watchdog = _Watchdog(self.deadline)
            self.opener = _opener(self.watchdog)
        remaining = self.deadline.remaining()
        if remaining <= 0:
            raise self.deadline.error(endpoint)
        request = urllib.request.Request(self._url(endpoint), headers=dict(self.headers))
        self.calls += 1
        try:
            with self.opener.open(request, timeout=min(self.settings.request_timeout, remaining)) as resp:
                return resp.read(min(limit, MAX_RESPONSE_BYTES) + 1)
        except urllib.error.HTTPError as exc:
            raise StoreError(self._redact(f"{endpoint}: HTTP {exc.code}")) from None
        except (OSError, http.client.HTTPException) as exc:
            raise StoreError(self._redact(f"{endpoint}: {type(exc).__name__}: {exc}")) from None
        finally:
            self.watchdog.detach()

    def _url(self, endpoint: str) -> str:
        """Tracking API endpoints are relative to /api/2.0/mlflow/; one starting with "/"
        (the artifact proxy's) to the server's root."""
        if endpoint.startswith("/"):
            return self.base[:-len("/api/2.0/mlflow/")] + endpoint
        return self.base + endpoint

    def _redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, "***")
        return text

    def call(self, method: str, endpoint: str, params: dict) -> dict:
        """One API call with bounded retries (5xx, 429, network) inside the total time limit."""
        if self.watchdog is None:               # started with the first call, stopped by close()
            self.watchdog = _Watchdog(self.deadline)
            self.opener = _opener(self.watchdog)
        attempt = 0
        while True:
            remaining = self.deadline.remaining()
            if remaining <= 0:
                raise self.deadline.error(endpoint)
            try:
                return self._once(method, endpoint, params, min(self.settings.request_timeout, remaining))
            except _Retryable as exc:
                attempt += 1
                if attempt > self.settings.retries:
                    tries = f" (after {attempt} attempts)" if attempt > 1 else ""
                    raise StoreError(self._redact(exc.reason) + tries, fatal=exc.fatal) from None
                pause = max(0.5 * 2 ** (attempt - 1), exc.retry_after)
                time.sleep(min(pause, max(0.0, self.deadline.remaining())))

    def _once(self, method: str, endpoint: str, params: dict, timeout: float) -> dict:
        try:
            raw = self._exchange(method, endpoint, params, timeout)
        except (_Retryable, StoreError):
            if self.watchdog.fired:
                raise self.deadline.error(endpoint) from None
            raise
        finally:
            self.watchdog.detach()
        if self.watchdog.fired:                 # a body cut short by the watchdog
            raise self.deadline.error(endpoint)
        if len(raw) > MAX_RESPONSE_BYTES:
            raise StoreError(f"{endpoint}: response larger than {MAX_RESPONSE_BYTES} bytes; refused")
        try:
            doc = json.loads(raw or b"{}")
        except (ValueError, RecursionError):
            raise StoreError(f"{endpoint}: response is not JSON; is this an MLflow tracking "
                             "server?", fatal=True) from None
        if not isinstance(doc, dict):
            raise StoreError(f"{endpoint}: response is not a JSON object", fatal=True)
        return doc

    def _exchange(self, method: str, endpoint: str, params: dict, timeout: float) -> bytes:
        """The response body of one request; transport failures as _Retryable."""
        url, data = self._url(endpoint), None
        headers = dict(self.headers)
        if method == "GET":
            query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None}, doseq=True)
            url += f"?{query}" if query else ""
        else:
            data = json.dumps({k: v for k, v in params.items() if v is not None}).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        self.calls += 1
        silent = f"{endpoint}: no response within {timeout:g} s (request_timeout)"
        try:
            with self.opener.open(request, timeout=timeout) as resp:
                return self._body(resp)
        except urllib.error.HTTPError as exc:
            raise self._http_error(endpoint, exc) from None
        except (TimeoutError, socket.timeout):
            raise _Retryable(silent, fatal=True) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                raise _Retryable(silent, fatal=True) from None
            raise _Retryable(f"cannot reach the tracking server: {exc.reason}", fatal=True) from None
        except (OSError, http.client.HTTPException) as exc:
            raise _Retryable(f"{endpoint}: connection failed: {type(exc).__name__}: {exc}",
                             fatal=True) from None

    @staticmethod
    def _body(resp) -> bytes:
        """The body in chunks, never more than the limit (+1 byte to see it exceeded):
        read(n) would allocate n bytes up front."""
        parts, size = [], 0
        while size <= MAX_RESPONSE_BYTES:
            part = resp.read(min(READ_CHUNK, MAX_RESPONSE_BYTES + 1 - size))
            if not part:
                break
            parts.append(part)
            size += len(part)
        return b"".join(parts)

    def _http_error(self, endpoint: str, exc: urllib.error.HTTPError) -> Exception:
        code = exc.code
        try:
            body = json.loads(exc.read(4096) or b"{}")
        except (ValueError, OSError, http.client.HTTPException, RecursionError):
            body = {}
        detail = ""
        if isinstance(body, dict) and (body.get("error_code") or body.get("message")):
            code_name = clip(body.get("error_code") or "", 80)
            detail = f": {code_name} {clip(body.get('message') or '', 200)}".rstrip()
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
            for item in items:
                if isinstance(item, dict):
                    yield item
                else:
                    self.problems.add(f"{endpoint}: an item of '{key}' is not an object "
                                      f"({type(item).__name__}); skipped")
            token = doc.get("next_page_token")
            if not token:
                return
            if not isinstance(token, str):
                raise StoreError(f"{endpoint}: next_page_token is {describe(token)}; paging stopped")
            if token in seen:
                raise StoreError(f"{endpoint}: the server repeated a page token; paging stopped")
            seen.add(token)

    def _read(self, what: str, convert, item: dict):
        """convert(item), or None with the item's problem recorded."""
        try:
            return convert(item)
        except BadItem as exc:
            self.problems.add(f"{what}: {exc}; skipped")
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            self.problems.add(f"{what}: unreadable ({type(exc).__name__}); skipped")
        return None

    # records
    def experiments(self) -> list[ExperimentRec]:
        out = []
        for e in self.pages("POST", "experiments/search", "experiments", {"view_type": "ALL"},
                            REST_PAGE["experiments"]):
            rec = self._read("experiments/search: an experiment", _experiment_from_json, e)
            if rec is not None:
                out.append(rec)
        return out

    def models(self) -> list[ModelRec]:
        out = []
        for m in self.pages("GET", "registered-models/search", "registered_models", {},
                            REST_PAGE["models"]):
            rec = self._read("registered-models/search: a registered model", _model_from_json, m)
            if rec is not None:
                out.append(rec)
        return out

    def versions(self, limit: int | None) -> tuple[list[VersionRec], bool]:
        out: list[VersionRec] = []
        page = min(REST_PAGE["versions"], limit + 1) if limit is not None else REST_PAGE["versions"]
        seen = set()
        # The server's default order (OSS: last updated first, name, version desc) is kept:
        # a limit then keeps the most recently active versions, as the other readers do.
        for v in self.pages("GET", "model-versions/search", "model_versions", {}, max(page, 1)):
            rec = self._read("model-versions/search: a model version", _version_from_json, v)
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
            for chunk in chunks(safe, REST_RUN_CHUNK):
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
            rec = self._read("runs/search: a run", _run_from_json, r)
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
        run = doc.get("run")
        return self._read(f"runs/get {run_id}", _run_from_json, run if isinstance(run, dict) else {})

    def logged_model(self, model_id: str) -> LoggedModelRec | None:
        """An MLflow 3 logged model (GET logged-models/{model_id}); None when the server
        has no such model (or, before MLflow 3, no such endpoint)."""
        try:
            doc = self.call("GET", f"logged-models/{urllib.parse.quote(model_id, safe='')}", {})
        except StoreError as exc:
            if exc.status in (400, 404):
                return None
            raise
        info = _dict(_dict(doc.get("model")).get("info"))
        return LoggedModelRec(model_id, _text_or_none(info.get("artifact_uri")),
                              _text_or_none(info.get("source_run_id")))

    def recent_runs(self, n: int, experiment_ids: list[str], skip: set) -> list[RunRec]:
        if n <= 0 or not experiment_ids:
            return []
        out = []
        for r in self.pages("POST", "runs/search", "runs", {
                "experiment_ids": experiment_ids, "run_view_type": "ACTIVE_ONLY",
                "order_by": ["attributes.start_time DESC"]}, min(n, REST_PAGE["runs"])):
            rec = self._read("runs/search: a run", _run_from_json, r)
            if rec is None or rec.lifecycle_stage != "active":
                continue
            out.append(rec)
            if len(out) >= n:
                break
        return [r for r in out if r.run_id not in skip]


# -- JSON to records ------------------------------------------------------------------------

def _text_or_none(value) -> str | None:
    return value if isinstance(value, str) and value else None


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _experiment_from_json(e: dict) -> ExperimentRec:
    return ExperimentRec(ident(e.get("experiment_id"), "experiment_id"), to_str(e.get("name")) or "",
                         to_str(e.get("lifecycle_stage")) or "active", kv_list(e.get("tags")))


def _model_from_json(m: dict) -> ModelRec:
    aliases = {a["alias"]: to_int(a.get("version")) for a in m.get("aliases") or []
               if isinstance(a, dict) and isinstance(a.get("alias"), str)}
    return ModelRec(ident(m.get("name"), "name"), to_str(m.get("description")),
                    to_int(m.get("creation_timestamp")), kv_list(m.get("tags")), aliases)


def _version_from_json(v: dict) -> VersionRec:
    version = to_int(v.get("version"))
    if version is None:
        raise BadItem(f"version is {not_a_number(v.get('version'))}")
    return VersionRec(ident(v.get("name"), "name"), version, to_str(v.get("source")),
                      to_str(v.get("run_id")), to_str(v.get("run_link")), to_str(v.get("current_stage")),
                      to_str(v.get("status")), kv_list(v.get("tags")), to_int(v.get("creation_timestamp")),
                      to_str(v.get("description")), to_int(v.get("last_updated_timestamp")),
                      to_str(v.get("model_id")) or None)


def _run_from_json(doc: dict) -> RunRec:
    info, data, inputs = _dict(doc.get("info")), _dict(doc.get("data")), _dict(doc.get("inputs"))
    run_id = ident(info.get("run_id") or info.get("run_uuid"), "run_id")
    datasets = []
    for item in inputs.get("dataset_inputs") or []:
        ds = _dict(item).get("dataset")
        if not isinstance(ds, dict):
            continue
        datasets.append(DatasetRec(to_str(ds.get("name")) or "", to_str(ds.get("digest")) or "",
                                   to_str(ds.get("source_type")) or "", to_str(ds.get("source")) or "",
                                   to_str(ds.get("schema")), to_str(ds.get("profile")),
                                   kv_list(item.get("tags")).get(CONTEXT_TAG)))
    tags = kv_list(data.get("tags"))
    params, metrics = data.get("params"), data.get("metrics")
    return RunRec(run_id, to_str(info.get("experiment_id")) or "",
                  to_str(info.get("run_name")) or tags.get("mlflow.runName"), to_str(info.get("status")),
                  to_str(info.get("lifecycle_stage")) or "active", to_int(info.get("start_time")),
                  to_int(info.get("end_time")), to_str(info.get("user_id")), tags,
                  len(params) if isinstance(params, list) else 0,
                  len(metrics) if isinstance(metrics, list) else 0, datasets,
                  to_str(info.get("artifact_uri")))
