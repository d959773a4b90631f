"""Rego rules: embedded (regopy, the default) or on an OPA server (opa-python-client).

Contract (DESIGN.md): input is the graph document, `data.mlcheck.params` holds the
configured parameters, and the rule a catalog entry names is a set of
{"node": id, "message": str, "evidence": {...}}. Both back ends load the same modules
and must give the same hits.
"""
from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

from ..catalog import Rule, RuleError
from ..graph import EstateGraph, canonical_json
from . import Hit, RuleResult

PACKAGE = re.compile(r"^\s*package\s+([A-Za-z_][\w.]*)", re.MULTILINE)
# Policy ids under this prefix on an OPA server belong to mlcheck: each scan replaces them.
ID_PREFIX = "mlcheck/"
TOKEN_HINT = " (check --opa-token / MLCHECK_OPA_TOKEN)"


class RegoBackendError(Exception):
    """The OPA server could not be used (unreachable, refused a policy): exit 2."""


def rule_path(rule: Rule) -> str:
    return rule.check["rego"]


def parse_hits(rule: Rule, value, doc_nodes: dict) -> list[Hit]:
    """Validate a policy's result against the contract and turn it into hits."""
    if value is None:
        raise RuleError(rule.path, f"{rule_path(rule)} is not defined by any loaded policy", "check.rego")
    if not isinstance(value, list):
        raise RuleError(rule.path, f"{rule_path(rule)} must be a set of objects, got {type(value).__name__}",
                        "check.rego")
    hits = []
    for item in value:
        if not (isinstance(item, dict) and isinstance(item.get("node"), str)
                and isinstance(item.get("message", ""), str)
                and isinstance(item.get("evidence", {}), dict)):
            raise RuleError(rule.path, f"{rule_path(rule)} returned {json.dumps(item)[:200]}: each item needs "
                            "node (string), message (string), evidence (object)", "check.rego")
        if item["node"] not in doc_nodes:
            raise RuleError(rule.path, f"{rule_path(rule)} names node {item['node']!r} which is not in the graph",
                            "check.rego")
        hits.append(Hit(item["node"], item.get("message") or rule.title, item.get("evidence", {})))
    return sorted(hits, key=lambda h: (h.node, h.message))


ENGINES = ("regopy",)
DEFAULT_ENGINE = "regopy"


class RegoEngine:
    """The engine for `check: {rego: …}` rules: each rule gets the part of the graph it
    declares (check.input), its hits are checked against the contract, and its
    applicability is counted with the graph engine's selector (check.applies_to)."""

    def __init__(self, policy_files: list[Path], params: dict, engine: str = DEFAULT_ENGINE,
                 opa_url: str | None = None, opa_token: str | None = None) -> None:
        if opa_url:
            self.backend = OpaServerRego(policy_files, params, opa_url, opa_token)
        elif engine == "regopy":
            self.backend = EmbeddedRego(policy_files, params)
        else:
            raise RegoBackendError(f"unknown Rego engine {engine!r} (known: {', '.join(ENGINES)})")

    def evaluate(self, rules: list[Rule], graph: EstateGraph) -> dict[str, RuleResult]:
        from .yaml_rules import GraphEvaluator
        if not rules:
            return {}
        doc = rego_input(graph, rules)
        values = self.backend.query(rules, doc)
        evaluator = GraphEvaluator(graph)
        results = {}
        for rule in rules:
            hits = parse_hits(rule, values.get(rule.id), doc["nodes"])
            applicable = len(evaluator.select(rule.check["applies_to"]))
            results[rule.id] = RuleResult(rule.id, max(applicable, len({h.node for h in hits})), hits)
        return results


def rego_input(graph: EstateGraph, rules: list[Rule]) -> dict:
    """The whole graph, or only the part the rules declare they read (check.input)."""
    if any("input" not in r.check for r in rules):
        return graph.document()
    kinds = {k for r in rules for k in r.check["input"]["kinds"]}
    edges = {e for r in rules for e in r.check["input"].get("edges", [])}
    return graph.subdocument(kinds, edges)


class EmbeddedRego:
    """regopy: rego-cpp in process. No server, no binary."""

    def __init__(self, policy_files: list[Path], params: dict) -> None:
        from regopy import Interpreter
        self._modules = [(p, p.read_text(encoding="utf-8")) for p in policy_files]
        self._params = params
        self._new = Interpreter

    def _interpreter(self, doc: dict):
        from regopy import Input, LogLevel
        from regopy.rego_shared import RegoError
        interp = self._new()
        # rego-cpp prints parse errors ("Errors: ...") on the process's stdout, inside any
        # report written there; the RegoError raised below carries the same messages.
        interp.log_level = LogLevel.NONE
        for path, text in self._modules:
            try:
                interp.add_module(str(path), text)
            except RegoError as exc:
                raise RuleError(str(path), f"Rego module does not compile: {_first_error(exc)}") from exc
        interp.add_data_json(canonical_json({"mlcheck": {"params": self._params}}))
        # As a value, not JSON text: rego-cpp's term parser takes 3x longer on a large graph.
        interp.set_input(Input(doc))
        return interp

    def query(self, rules: list[Rule], doc: dict) -> dict[str, list]:
        """The value of each rule's Rego rule; None where it is undefined."""
        from regopy.rego_shared import RegoError
        if not rules:
            return {}
        interp = self._interpreter(doc)
        out: dict[str, list] = {}
        for rule in rules:
            try:
                output = _evaluate(interp, rule_path(rule))
            except RegoError as exc:
                raise RuleError(rule.path, f"{rule_path(rule)} failed: {_first_error(exc)}", "check.rego") from exc
            except json.JSONDecodeError as exc:
                raise RuleError(rule.path, f"{rule_path(rule)}: regopy returned malformed JSON ({exc.msg}). "
                                "regopy 1.5.2 re-quotes strings built by lower/concat/replace inside "
                                "sprintf: assemble such messages with concat()", "check.rego") from exc
            # regopy 1.5.2 crashes when a failed output is printed: test ok() only.
            if not output.ok():
                raise RuleError(rule.path, f"{rule_path(rule)} failed to evaluate", "check.rego")
            if not output.results:
                out[rule.id] = None
                continue
            exprs = output.results[0].expressions
            out[rule.id] = exprs[0] if exprs else None
        return out

    def run_tests(self) -> list[tuple[str, bool, str]]:
        """Rego unit tests (`test_*` rules) in the loaded modules: (name, passed, detail)."""
        interp = self._interpreter({})
        results = []
        for path, text in self._modules:
            pkg = PACKAGE.search(text)
            if not pkg:
                continue
            for name in sorted(set(re.findall(r"^\s*(test_\w+)\s+if\b", text, re.MULTILINE))):
                query = f"data.{pkg.group(1)}.{name}"
                try:
                    output = _evaluate(interp, query)
                    ok = output.ok() and bool(output.results) and output.results[0].expressions == [True]
                    detail = "" if ok else (f"{query} is undefined or false" if output.ok()
                                            else f"{query} failed to evaluate")
                except Exception as exc:  # noqa: BLE001 - reported, not raised
                    ok, detail = False, f"{query} failed: {_first_error(exc)}"
                results.append((f"{path.name}::{name}", ok, detail))
        return results


class OpaServerRego:
    """The same policies on an OPA server, through opa-python-client.

    Policy ids under ID_PREFIX on that server are mlcheck's: a scan uploads its modules
    there and deletes the ones an earlier scan left, because OPA merges every module it
    holds into one policy and a leftover could still add hits to a rule.
    """

    def __init__(self, policy_files: list[Path], params: dict, url: str, token: str | None = None,
                 timeout: float = 30.0) -> None:
        from opa_client import OpaClient
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise RegoBackendError(f"--opa-url {url!r}: expected http(s)://host[:port]")
        port = parsed.port or (443 if parsed.scheme == "https" else 8181)
        self.client = OpaClient(host=parsed.hostname, port=port, ssl=parsed.scheme == "https",
                                token=token, timeout=timeout)
        self.url = f"{parsed.scheme}://{parsed.hostname}:{port}"
        # Ids are positional so one scan's modules never clash with each other.
        self._modules = {f"{ID_PREFIX}{i:03d}-{p.stem}": (p, p.read_text(encoding="utf-8"))
                         for i, p in enumerate(policy_files)}
        self._params = params
        self._loaded = False

    def _load(self) -> None:
        import requests
        from opa_client.errors import ConnectionsError, RegoParseError
        try:
            self._sync_policies()
            try:
                self.client.update_or_create_data(self._params, "mlcheck/params")
            except RegoParseError as exc:   # the client's error for any refused data write
                raise RegoBackendError(f"OPA server {self.url} refused the parameters: {_opa_error(exc)}") from exc
        except (ConnectionsError, requests.RequestException, ValueError) as exc:
            raise RegoBackendError(f"OPA server {self.url} {_request_failure(exc)}") from exc
        self._loaded = True

    def _sync_policies(self) -> None:
        """Upload this scan's modules and delete the stale ones under ID_PREFIX.

        OPA compiles every change against all the modules it holds: it refuses a module
        calling a helper whose file is not uploaded yet, and the deletion of a stale helper
        a stale module still calls. Retry the refused steps while a round makes progress."""
        uploads = dict(self._modules)
        stale = [pid for pid in self._ids_on_server() if pid.startswith(ID_PREFIX) and pid not in uploads]
        refused: dict[str, Exception] = {}
        progress = True
        while (uploads or stale) and progress:
            done = [pid for pid in stale if self._delete_stale(pid, refused)]
            done += [pid for pid in list(uploads) if self._upload(pid, uploads, refused)]
            stale = [pid for pid in stale if pid not in done]
            progress = bool(done)
        if uploads:
            pid = _most_telling(uploads, refused)
            raise RuleError(str(uploads[pid][0]), f"OPA rejected the module: {_opa_error(refused[pid])}")
        if stale:
            raise RegoBackendError(f"OPA server {self.url} refused to delete {', '.join(stale)} "
                                   f"left by an earlier scan: {_opa_error(refused[stale[0]])}")

    def _ids_on_server(self) -> list[str]:
        """Ids of the modules the server holds, from GET /v1/policies.

        Asked through the client's session rather than get_policies_list(), which requests
        /v1/policies/: OPA routes that trailing-slash path to "get the policy with id ''"."""
        response = self.client._session.get(f"{self.client.root_url}/policies", timeout=self.client.timeout)
        response.raise_for_status()
        return [p["id"] for p in response.json().get("result") or [] if isinstance(p, dict) and p.get("id")]

    def _upload(self, pid: str, uploads: dict, refused: dict) -> bool:
        from opa_client.errors import RegoParseError, TypeException
        path, text = uploads[pid]
        try:
            self.client.update_policy_from_string(text, pid, rego_compat=False)
        except TypeException as exc:    # the client refuses to send an empty module
            raise RuleError(str(path), "OPA rejected the module: empty module") from exc
        except RegoParseError as exc:
            if exc.expression != "invalid_parameter":   # e.g. 401: the server refused us, not the module
                raise RegoBackendError(f"OPA server {self.url} refused the policy upload: {_opa_error(exc)}") from exc
            refused[pid] = exc
            return False
        del uploads[pid]
        return True

    def _delete_stale(self, pid: str, refused: dict) -> bool:
        from opa_client.errors import DeletePolicyError
        try:
            self.client.delete_policy(pid)
        except DeletePolicyError as exc:
            if exc.expression == "resource_not_found":     # already gone
                return True
            if exc.expression not in ("invalid_operation", "invalid_parameter"):
                raise RegoBackendError(f"OPA server {self.url} refused to delete {pid}: {_opa_error(exc)}") from exc
            refused[pid] = exc
            return False
        return True

    def query(self, rules: list[Rule], doc: dict) -> dict[str, list]:
        import requests
        from opa_client.errors import ConnectionsError
        if not rules:
            return {}
        if not self._loaded:
            self._load()
        out: dict[str, list] = {}
        for rule in rules:
            package, _, name = rule_path(rule).removeprefix("data.").rpartition(".")
            try:
                answer = self.client.query_rule(input_data=doc, package_path=package, rule_name=name)
            except (ConnectionsError, requests.RequestException, ValueError) as exc:
                failure = _request_failure(exc)
                response = getattr(exc, "response", None)
                if response is not None and response.status_code == 500:   # the policy failed to evaluate
                    raise RuleError(rule.path, f"{rule_path(rule)} failed on OPA server {self.url}: {failure}",
                                    "check.rego") from exc
                raise RegoBackendError(f"OPA server {self.url} {failure} (querying {rule_path(rule)})") from exc
            value = answer.get("result")
            out[rule.id] = sorted(value, key=canonical_json) if isinstance(value, list) else value
        return out


def _most_telling(uploads: dict, refused: dict) -> str:
    """The refused module to blame: one that does not parse, else the first."""
    for pid in uploads:
        if any(isinstance(e, dict) and e.get("code") == "rego_parse_error"
               for e in getattr(refused.get(pid), "errors", None) or []):
            return pid
    return next(iter(uploads))


def _opa_error(exc: Exception) -> str:
    """`code: message` of an OPA error answer, with its detailed errors and their lines."""
    code, message = getattr(exc, "expression", ""), getattr(exc, "message", str(exc))
    details = []
    for err in getattr(exc, "errors", None) or []:
        if isinstance(err, dict):
            row = (err.get("location") or {}).get("row")
            details.append(f"{err.get('code', 'error')}: {err.get('message', '')}" + (f" (line {row})" if row else ""))
    text = f"{code}: {message}" + (": " + "; ".join(details) if details else "")
    return text + (TOKEN_HINT if code == "unauthorized" else "")


def _request_failure(exc: Exception) -> str:
    """What went wrong with a request to the server, as the end of one error line."""
    import requests
    response = getattr(exc, "response", None)
    if isinstance(exc, requests.HTTPError) and response is not None:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("code"):
            detail = f"{body['code']}: {body.get('message', '')}"
            errors = [e.get("message", "") for e in body.get("errors") or [] if isinstance(e, dict)]
            detail += (": " + "; ".join(errors)) if errors else ""
        else:
            detail = response.reason or "error"
        hint = TOKEN_HINT if response.status_code == 401 else ""
        return f"answered HTTP {response.status_code} {detail}{hint}"
    if isinstance(exc, requests.Timeout):
        return "did not answer in time"
    if isinstance(exc, requests.ConnectionError):
        reason = re.search(r"\[Errno -?\d+\][^'\")]*", str(exc))
        return f"is unreachable: {reason.group(0).strip() if reason else type(exc).__name__}"
    return f"is unusable: {exc}"


def _evaluate(interp, query: str):
    """regopy's Output for one query, with Rego print() output sent to stderr.

    regopy raises a bare JSONDecodeError for an answer it cannot decode; when that answer
    is a rego-cpp error node (e.g. a call to an unknown function) raise a RegoError with
    its message instead."""
    from regopy.rego_shared import RegoError
    with _native_stdout_to_stderr():
        try:
            return interp.query(query)
        except json.JSONDecodeError:
            raw = _raw_answer(interp, query)
            if raw.lstrip().startswith("(error"):
                raise RegoError(raw) from None
            raise


def _raw_answer(interp, query: str) -> str:
    """rego-cpp's own text for one answer (regopy's public API only gives it decoded)."""
    from regopy.rego_shared import rego_free_output, rego_output_string, rego_query
    impl = rego_query(interp._impl, query)
    try:
        return rego_output_string(impl)
    finally:
        rego_free_output(impl)


@functools.lru_cache(maxsize=1)
def _libc():
    import ctypes
    return ctypes.CDLL(None) if os.name == "posix" else None


@contextlib.contextmanager
def _native_stdout_to_stderr():
    """Send what native code writes to file descriptor 1 to stderr while inside.

    rego-cpp writes Rego print() output to the process's stdout through C stdio, where it
    would land inside a report written to stdout; `opa eval` prints it on stderr."""
    libc = _libc()
    try:
        saved = os.dup(1) if libc is not None else None
    except OSError:         # no stdout at all: nothing to protect
        saved = None
    if saved is None:
        yield
        return
    if sys.stdout is not None:
        sys.stdout.flush()
    libc.fflush(None)
    try:
        os.dup2(2, 1)
        yield
    finally:
        libc.fflush(None)
        os.dup2(saved, 1)
        os.close(saved)


def _first_error(exc: Exception) -> str:
    text = str(exc)
    msgs = re.findall(r"\(errormsg \d+:([^)]*)\)", text)
    locs = re.findall(r"\(error \d+:([^|]+)\|(\d+)\|", text)
    if msgs:
        where = f" ({locs[0][0]} at offset {locs[0][1]})" if locs else ""
        return msgs[0] + where
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
