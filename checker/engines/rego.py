"""Rego rules: embedded (regopy, the default) or on an OPA server (opa-python-client).

Contract (DESIGN.md): input is the graph document, `data.mlcheck.params` holds the
configured parameters, and the rule a catalog entry names is a set of
{"node": id, "message": str, "evidence": {...}}. Both back ends load the same modules
and must give the same hits.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlparse

from ..catalog import Rule, RuleError
from ..graph import canonical_json
from . import Hit

PACKAGE = re.compile(r"^\s*package\s+([A-Za-z_][\w.]*)", re.MULTILINE)


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


class EmbeddedRego:
    """regopy: rego-cpp in process. No server, no binary."""

    def __init__(self, policy_files: list[Path], params: dict) -> None:
        from regopy import Interpreter
        self._modules = [(p, p.read_text(encoding="utf-8")) for p in policy_files]
        self._params = params
        self._new = Interpreter

    def _interpreter(self, doc_json: str):
        from regopy.rego_shared import RegoError
        interp = self._new()
        for path, text in self._modules:
            try:
                interp.add_module(str(path), text)
            except RegoError as exc:
                raise RuleError(str(path), f"Rego module does not compile: {_first_error(exc)}") from exc
        interp.add_data_json(canonical_json({"mlcheck": {"params": self._params}}))
        interp.set_input_term(doc_json)
        return interp

    def query(self, rules: list[Rule], doc: dict) -> dict[str, list]:
        """The value of each rule's Rego rule; None where it is undefined."""
        from regopy.rego_shared import RegoError
        if not rules:
            return {}
        interp = self._interpreter(canonical_json(doc))
        out: dict[str, list] = {}
        for rule in rules:
            try:
                output = interp.query(rule_path(rule))
            except RegoError as exc:
                raise RuleError(rule.path, f"{rule_path(rule)} failed: {_first_error(exc)}", "check.rego") from exc
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
        interp = self._interpreter("{}")
        results = []
        for path, text in self._modules:
            pkg = PACKAGE.search(text)
            if not pkg:
                continue
            for name in sorted(set(re.findall(r"^\s*(test_\w+)\s+if\b", text, re.MULTILINE))):
                query = f"data.{pkg.group(1)}.{name}"
                try:
                    output = interp.query(query)
                    ok = output.ok() and bool(output.results) and output.results[0].expressions == [True]
                    detail = "" if ok else (f"{query} is undefined or false" if output.ok()
                                            else f"{query} failed to evaluate")
                except Exception as exc:  # noqa: BLE001 - reported, not raised
                    ok, detail = False, f"{query} failed: {_first_error(exc)}"
                results.append((f"{path.name}::{name}", ok, detail))
        return results


class OpaServerRego:
    """The same policies on an OPA server, through opa-python-client."""

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
        self._modules = [(p, p.read_text(encoding="utf-8")) for p in policy_files]
        self._params = params
        self._loaded = False

    def _load(self) -> None:
        from opa_client.errors import ConnectionsError, RegoParseError
        import requests
        try:
            for i, (path, text) in enumerate(self._modules):
                try:
                    # Ids are positional so one scan's modules never clash with each other.
                    self.client.update_policy_from_string(text, f"mlcheck/{i:03d}-{path.stem}",
                                                          rego_compat=False)
                except RegoParseError as exc:
                    raise RuleError(str(path), f"OPA rejected the module: {exc}") from exc
            self.client.update_or_create_data(self._params, "mlcheck/params")
        except (ConnectionsError, requests.RequestException, ValueError) as exc:
            raise RegoBackendError(f"OPA server {self.url} unusable: {exc}") from exc
        self._loaded = True

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
                raise RegoBackendError(f"OPA server {self.url} failed on {rule_path(rule)}: {exc}") from exc
            value = answer.get("result")
            out[rule.id] = sorted(value, key=canonical_json) if isinstance(value, list) else value
        return out


def _first_error(exc: Exception) -> str:
    text = str(exc)
    msgs = re.findall(r"\(errormsg \d+:([^)]*)\)", text)
    locs = re.findall(r"\(error \d+:([^|]+)\|(\d+)\|", text)
    if msgs:
        where = f" ({locs[0][0]} at offset {locs[0][1]})" if locs else ""
        return msgs[0] + where
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
