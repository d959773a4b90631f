"""Rego rules: embedded (regorus by default, regopy selectable) or on an OPA server.

Contract (DESIGN.md): each rule's input is the graph document restricted to what it
declares it reads (check.input), `data.mlcheck.params` holds the configured parameters,
and the rule a catalog entry names is a set of {"node": id, "message": str, "evidence": {...}},
each optionally with "severity" (one of SEVERITIES: that finding's own, instead of the rule's)
or "cannot_evaluate": true.
All back ends load the same modules and must give the same hits.

Errors: a module that does not parse or compile, or a rule reference no module defines, is
a RuleError (exit 2: nothing can be scanned until it is fixed). A rule that fails on this
data — an engine error, an answer that breaks the contract, a time-out, an answer too large
— becomes that rule's RuleResult.error: the other rules' findings stand, and the scan exits 3.
"""
from __future__ import annotations

import dataclasses
import functools
import os
import re
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Callable
from urllib.parse import urlparse

from ..rule import Rule, RuleError
from ..graph import EstateGraph
from ..severity import SEVERITIES
from . import Hit, RuleResult
from . import rego_wire as wire
from .rego_embedded import DEFAULT_ENGINE, ENGINES, PACKAGE, ModuleError, RuleNotFound, test_rules
from .rego_isolate import TaskFailed, describe_error, run_all, too_big

# Policy ids under this prefix on an OPA server belong to mlcheck: each scan replaces them.
ID_PREFIX = "mlcheck/"
TOKEN_HINT = " (check --opa-token / MLCHECK_OPA_TOKEN)"
# Bounds on one rule's evaluation, overridable as params.rego_timeout / rego_max_result_bytes.
DEFAULT_TIMEOUT = 60.0       # a built-in rule takes seconds at 200k nodes
DEFAULT_MAX_RESULT_BYTES = 256 * 2**20
OPA_CONNECT_TIMEOUT = 5.0
OPA_ADMIN_TIMEOUT = 10.0      # answering a policy upload, listing or data write
# A task's answer: a tag byte, then (for VALUE) the rule's value as JSON.
VALUE, UNDEFINED, NO_RULE, FAILED = b"J", b"U", b"N", b"F"


class RegoBackendError(Exception):
    """The Rego back end cannot be used at all (unknown engine, bad limits, OPA server
    unreachable or refusing us): exit 2."""


class ContractError(Exception):
    """A rule's answer that breaks the Rego contract."""


# Builtins a policy may not call: rules come from shared repositories and must not reach
# the network, the process environment or anything outside the input they are given. OPA
# calls this list "capabilities"; the embedded child process is sandboxed as well.
FORBIDDEN_BUILTINS = ("http.send", "opa.runtime", "net.lookup_ip_addr", "rego.parse_module")
_STRING_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|`[^`]*`|#[^\n]*')
_FORBIDDEN_CALL = re.compile(r"(?<![\w.])(" + "|".join(re.escape(b) for b in FORBIDDEN_BUILTINS) + r")\s*\(")


def read_modules(policy_files: list[Path]) -> list[tuple[str, str]]:
    """(path, text) of each policy: readable UTF-8, and calling no forbidden builtin."""
    from ..inputs import InputError, read_text
    modules = []
    for path in policy_files:
        try:
            text = read_text(path, "Rego policy")
        except InputError as exc:
            raise RuleError(exc.path, f"line {exc.line}: {exc.reason}" if exc.line else exc.reason) from exc
        code = _STRING_OR_COMMENT.sub(lambda m: " " * len(m.group(0)) if "\n" not in m.group(0)
                                      else re.sub(r"[^\n]", " ", m.group(0)), text)
        call = _FORBIDDEN_CALL.search(code)
        if call:
            line = code[:call.start()].count("\n") + 1
            raise RuleError(str(path), f"line {line}: calls {call.group(1)}, which mlcheck policies may not "
                            "use (no network, environment or parsing of other modules)")
        modules.append((str(path), text))
    return modules


def rule_path(rule: Rule) -> str:
    return rule.check["rego"]


def applies_to(rule: Rule) -> dict:
    """The selector counting the nodes a rule applies to; by default every node of the
    kinds it reads."""
    return rule.check.get("applies_to") or {"kind": rule.check["input"]["kinds"]}


def input_selector(rule: Rule) -> dict:
    """The nodes a rule's check.input names, as a selector (every node without one)."""
    declared = rule.check.get("input")
    if declared is None:
        return {}
    return {"kind": list(declared["kinds"]), **({"where": declared["where"]} if "where" in declared else {})}


def rule_input(rule: Rule, graph: EstateGraph, evaluator=None) -> dict:
    """The part of the graph a rule declares it reads (check.input), or all of it. With
    `where`, only the nodes of those kinds the condition does not rule out (true or unknown),
    and of the declared edges none between two nodes it ruled out: a storage rule need not receive
    every resource of a 30k-resource estate. With `attrs`,
    only the attributes it reads of the kinds named; with `provenance: false`, nodes without
    their provenance (a lineage rule's runs: a quarter of its input)."""
    declared = rule.check.get("input")
    if declared is None:
        return graph.document()
    from .graph import GraphEvaluator
    evaluator = evaluator or GraphEvaluator(graph)
    selector = input_selector(rule)
    ids = evaluator.index.candidates(selector)
    edges = declared_edges(declared.get("edges", []), graph, evaluator.index.edges_by_kind)
    if "where" in declared:
        test = evaluator.tests.selector(selector)
        left_out = {n for n in ids if test(n) is False}
        ids = [n for n in ids if n not in left_out]
        # An edge between two nodes `where` left out leads nowhere the rule reads (58k of
        # 64k edges for MLC-LIN-004 at 200k nodes). One with an end the rule receives stays
        # (MLC-NET-007 reads a deployment's serves edge to versions it was not sent), as does
        # one through nodes of kinds it does not receive (its runs and datasets are hops).
        edges = [e for e in edges if e[0] not in left_out or e[1] not in left_out]
    return graph.subdocument(ids, edges, declared.get("attrs"), declared.get("provenance", True))


def declared_edges(declared: list, graph: EstateGraph, by_kind: dict[str, list]) -> list:
    """The edges check.input.edges names: every edge of a kind given by name; of a kind given
    as {kind, from, to}, those whose source / target node is of the kinds listed."""
    out: list = []
    nodes = graph.g._node
    for entry in declared:
        if isinstance(entry, str):
            out += by_kind.get(entry, [])
            continue
        sources, targets = set(entry.get("from") or ()), set(entry.get("to") or ())
        out += [e for e in by_kind.get(entry["kind"], [])
                if (not sources or nodes[e[0]]["kind"] in sources) and (not targets or nodes[e[1]]["kind"] in targets)]
    return out


def parse_hits(rule: Rule, value, graph: EstateGraph) -> tuple[list[Hit], list[Hit]]:
    """Validate a rule's value against the contract and turn it into hits, and the nodes it
    says it cannot judge (items with "cannot_evaluate": true: a fact they need is unknown)."""
    if not isinstance(value, list):
        raise ContractError(f"must be a set of objects, got {_json_type(value)}")
    hits, undetermined = [], []
    for item in value:
        if not (isinstance(item, dict) and isinstance(item.get("node"), str)
                and isinstance(item.get("message", ""), str)
                and isinstance(item.get("evidence", {}), dict)):
            raise ContractError(f"returned {wire.dumps(item)[:200]}: each item needs node (string), "
                                "message (string), evidence (object)")
        if item["node"] not in graph:
            raise ContractError(f"names node {item['node']!r} which is not in the graph")
        if item.get("severity") is not None and item["severity"] not in SEVERITIES:
            raise ContractError(f"returned severity {wire.dumps(item['severity'])[:60]} for {item['node']!r}: "
                                f"expected one of {', '.join(SEVERITIES)}")
        hit = Hit(item["node"], item.get("message") or rule.title, item.get("evidence", {}), item.get("severity"))
        (undetermined if item.get("cannot_evaluate") is True else hits).append(hit)
    order = lambda h: (h.node, h.message)      # noqa: E731
    return sorted(hits, key=order), sorted(undetermined, key=order)


def _json_type(value) -> str:
    names = {dict: "an object", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return names.get(type(value), "null" if value is None else type(value).__name__)


def rule_defined(ref: str, modules: list[tuple[str, str]]) -> bool:
    """Whether some module's package holds a rule head with this name (for back ends that
    answer "undefined" alike for a missing rule and a rule with no value)."""
    package, _, name = ref.removeprefix("data.").rpartition(".")
    head = re.compile(rf"^(?:default\s+)?{re.escape(name)}\b\s*(?:contains\b|:=|=|if\b|\[|\{{|\(|$)", re.MULTILINE)
    return any(m.group(1) == package and head.search(text)
               for _, text in modules for m in [PACKAGE.search(text)] if m)


def limits(params: dict) -> tuple[float, int]:
    """(seconds, bytes) one rule's evaluation may take, from params."""
    timeout = params.get("rego_timeout", DEFAULT_TIMEOUT)
    max_bytes = params.get("rego_max_result_bytes", DEFAULT_MAX_RESULT_BYTES)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise RegoBackendError(f"params.rego_timeout: expected a positive number of seconds, got {timeout!r}")
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
        raise RegoBackendError(f"params.rego_max_result_bytes: expected a positive integer, got {max_bytes!r}")
    return float(timeout), max_bytes


class RegoEngine:
    """The engine for `check: {rego: …}` rules: each rule gets the part of the graph it
    declares (check.input), runs on its own (a child process per rule when embedded), its
    hits are checked against the contract, and its applicability is counted with the graph
    engine's selector (check.applies_to)."""

    def __init__(self, policy_files: list[Path], params: dict, engine: str | None = None,
                 opa_url: str | None = None, opa_token: str | None = None) -> None:
        self._modules = read_modules(policy_files)
        if opa_url:
            self.backend = OpaServerRego(policy_files, params, opa_url, opa_token)
        else:
            self.backend = EmbeddedRego(policy_files, params, engine or DEFAULT_ENGINE)

    def evaluate(self, rules: list[Rule], graph: EstateGraph) -> dict[str, RuleResult]:
        from .graph import GraphEvaluator
        if not rules:
            return {}
        # One index for every rule's input and applicability, built here (edges, and the
        # types the selectors below narrow by) so that the rules' children inherit it.
        evaluator = GraphEvaluator(graph)
        _ = evaluator.index.edges_by_kind
        # Largest inputs first, so that the last rule a worker takes is a small one.
        by_size = sorted(rules, key=lambda r: -len(evaluator.index.candidates(input_selector(r))))
        # A rule no node could apply to (no candidate of its kinds and types) is answered here:
        # a fork of a 200k-node parent costs 60 ms, and most cloud rules have nothing there.
        idle = {r.id for r in rules if not evaluator.index.candidates(applies_to(r))}
        by_id = {r.id: r for r in rules}
        results: dict[str, RuleResult] = {}

        def judge(rule_id: str, answered: tuple[object, int | None]) -> None:
            results[rule_id] = self._judge(by_id[rule_id], *answered, graph)
        # Judged as the answers come (a back end that can tells them early): checking 50k
        # hits of one rule overlaps the evaluation of the others.
        answers = self.backend.query(by_size, functools.partial(rule_input, graph=graph, evaluator=evaluator),
                                     lambda rule: len(evaluator.select(applies_to(rule))), idle, judge)
        for rule in rules:
            if rule.id not in results:
                judge(rule.id, answers[rule.id])
        return {rule.id: results[rule.id] for rule in rules}

    def _judge(self, rule: Rule, answer, applicable: int | None, graph: EstateGraph) -> RuleResult:
        """A rule's answer against the contract: its result, or a failed result saying why."""
        try:
            if isinstance(answer, Exception):
                raise answer
            if answer is None and not rule_defined(rule_path(rule), self._modules):
                raise RuleNotFound(rule_path(rule))
            hits, undetermined = ([], []) if answer is None else parse_hits(rule, answer, graph)
        except RuleNotFound as exc:
            raise RuleError(rule.path, f"{rule_path(rule)} is not defined by any loaded policy",
                            "check.rego") from exc
        except (TaskFailed, ContractError) as exc:
            return RuleResult.failed(rule.id, f"{rule_path(rule)} {_as_clause(exc)}")
        return RuleResult(rule.id, max(applicable, len({h.node for h in hits + undetermined})),
                          hits, undetermined=undetermined)


def _as_clause(exc: Exception) -> str:
    text = str(exc)
    return text if isinstance(exc, ContractError) else f"could not be evaluated: {text}"


def workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class EmbeddedRego:
    """An embedded engine (rego_embedded.ENGINES): each rule evaluates in its own child
    process, on its own input, within params.rego_timeout and params.rego_max_result_bytes."""

    def __init__(self, policy_files: list[Path], params: dict, engine: str = DEFAULT_ENGINE) -> None:
        if engine not in ENGINES:
            raise RegoBackendError(f"unknown Rego engine {engine!r} (known: {', '.join(ENGINES)})")
        self.timeout, self.max_bytes = limits(params)
        self._modules = read_modules(policy_files)
        try:
            self.engine = ENGINES[engine](self._modules, wire.dumps({"mlcheck": {"params": params}}))
        except ModuleError as exc:
            raise RuleError(exc.path, exc.reason) from exc

    def query(self, rules: list[Rule], input_of: Callable[[Rule], dict],
              count_of: Callable[[Rule], int], idle: AbstractSet[str] = frozenset(),
              on_answer: Callable[[str, tuple[object, int | None]], None] | None = None
              ) -> dict[str, tuple[object, int | None]]:
        """Each rule's (value, nodes it applies to): the value None when undefined, or the
        exception saying why there is none (and no count). `input_of(rule)` and
        `count_of(rule)` are called in the child process, so both cores share them. Rules
        that read the same part of the graph share one child and one parsed input; `idle`
        rules (nothing they could apply to) are not run. `on_answer(rule id, (value,
        count))` is told each group's answers as its child gives them."""
        try:
            # Built-in rules ship checked (tests/test_builtin_rules.py), as they ship
            # validated: their compile cost every scan 0.11 s before its rules could start.
            self.engine.check_calls([rule_path(r) for r in rules if not r.builtin])
        except ModuleError as exc:
            raise RuleError(exc.path, exc.reason) from exc
        results: dict[str, tuple[object, int | None]] = {r.id: (None, 0) for r in rules if r.id in idle}
        rules = [r for r in rules if r.id not in idle]
        groups = shared_inputs(rules)
        tasks = {g[0].id: functools.partial(self._evaluate, g, merged_input(g), input_of, count_of) for g in groups}
        by_first = {g[0].id: g for g in groups}

        def answered(key: str, answer: bytes | TaskFailed) -> None:
            group = by_first[key]
            if isinstance(answer, TaskFailed):
                if len(group) > 1:
                    answer = TaskFailed(f"{answer} (its process also evaluated "
                                        f"{', '.join(r.id for r in group)}, which read the same input)")
                found = [(r.id, (answer, None)) for r in group]
            else:
                found = list(zip((r.id for r in group), _frames(answer)))
            results.update(found)
            for rule_id, value in found if on_answer else ():
                on_answer(rule_id, value)
        if tasks:
            self.engine.prepare()             # once here, not once in each child
            run_all(tasks, self.timeout, self.max_bytes, min(len(tasks), workers()),
                    {g[0].id: len(g) for g in groups}, answered)
        return results

    def _evaluate(self, group: list[Rule], merged: Rule, input_of: Callable[[Rule], dict],
                  count_of: Callable[[Rule], int]) -> bytes:
        """In the group's child: per rule, count the nodes it applies to and evaluate it on
        the input built once; answer a frame per rule (count, size, tagged value). A rule
        that applies to no node is not evaluated (its hits must lie within
        check.applies_to: `rules test` checks it): on a lineage estate the serving rules
        would otherwise parse 50 MB of runs for nothing."""
        frames, loaded = [], False
        for rule in group:
            count = count_of(rule)
            body = UNDEFINED            # a missing rule is still named: evaluate() checks the modules
            if count:
                if not loaded:
                    self.engine.set_input(wire.dumps(input_of(merged)))
                    loaded = True
                count, body = self._answer(rule, count)
            frames.append(b"%d %d\n" % (count, len(body)) + body)
        return b"".join(frames)

    def _answer(self, rule: Rule, count: int) -> tuple[int, bytes]:
        try:
            value = self.engine.query(rule_path(rule))
        except RuleNotFound:
            return 0, NO_RULE
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - one rule's failure (a Rust panic too) is its own
            return count, FAILED + describe_error(exc).encode("utf-8", "replace")
        body = VALUE + value.encode("utf-8") if value else UNDEFINED
        if len(body) > self.max_bytes:
            return count, FAILED + too_big(len(body), self.max_bytes).encode()
        return count, body

    def run_tests(self) -> list[tuple[str, bool, str]]:
        """Rego unit tests (`test_*` rules) in the loaded modules: (file::name, passed, detail)."""
        tests = test_rules(self._modules)
        tasks = {ref: functools.partial(self._evaluate_test, ref) for _, ref in tests}
        answers = run_all(tasks, self.timeout, self.max_bytes, min(len(tasks), workers()))
        results = []
        for path, ref in tests:
            answer = _decode(answers[ref])
            name = f"{Path(path).name}::{ref.rpartition('.')[2]}"
            if isinstance(answer, Exception):
                results.append((name, False, f"{ref} failed: {answer}"))
            else:
                results.append((name, answer is True, "" if answer is True else f"{ref} is undefined or false"))
        return results

    def _evaluate_test(self, ref: str) -> bytes:
        value = self.engine.evaluate(ref, "{}")
        return VALUE + value.encode("utf-8") if value else UNDEFINED


def shared_inputs(rules: list[Rule]) -> list[list[Rule]]:
    """The rules grouped by the part of the graph they read (kinds, edges, where), in order
    of first appearance: each group's input is built and parsed once."""
    groups: dict[str | None, list[Rule]] = {}
    for rule in rules:
        declared = rule.check.get("input")
        key = None if declared is None else wire.dumps(
            [sorted(declared["kinds"]), sorted(wire.dumps(e) for e in declared.get("edges", [])), declared.get("where")])
        groups.setdefault(key, []).append(rule)
    return list(groups.values())


def merged_input(group: list[Rule]) -> Rule:
    """A rule standing for the group, whose input serves each: per kind, the union of the
    attributes they project (whole where one does not project it), provenance if one reads
    it. More attributes than a rule declares cannot change its answer (the projection test
    checks each rule with all of them)."""
    declared = [r.check.get("input") for r in group]
    if len(group) == 1 or declared[0] is None:
        return group[0]
    projected = [d.get("attrs", {}) for d in declared]
    attrs = {kind: sorted(set().union(*(p[kind] for p in projected)))
             for kind in projected[0] if all(kind in p for p in projected)}
    merged = {k: v for k, v in declared[0].items() if k != "attrs"}
    merged["provenance"] = any(d.get("provenance", True) for d in declared)
    if attrs:
        merged["attrs"] = attrs
    return dataclasses.replace(group[0], check=dict(group[0].check, input=merged))


def _frames(answer: bytes):
    """Each rule's (value, count) from a group's answer: `count size\n` + tagged body, per rule."""
    at = 0
    while at < len(answer):
        end = answer.index(b"\n", at)
        count, size = (int(x) for x in answer[at:end].split())
        at = end + 1 + size
        yield _decode(answer[end + 1:at]), count


def _decode(answer: bytes | TaskFailed):
    """A task's answer as a value, None (undefined), or the exception to raise for it."""
    if isinstance(answer, TaskFailed):
        return answer
    tag, body = answer[:1], answer[1:]
    if tag == NO_RULE:
        return RuleNotFound()
    if tag == FAILED:
        return TaskFailed(body.decode("utf-8", "replace"))
    if tag == UNDEFINED:
        return None
    try:
        return wire.loads(body)
    except ValueError as exc:
        return TaskFailed(f"the engine's answer is not valid JSON ({exc})")


class OpaServerRego:
    """The same policies on an OPA server, through opa-python-client.

    Policy ids under ID_PREFIX on that server are mlcheck's: a scan uploads its modules
    there and deletes the ones an earlier scan left, because OPA merges every module it
    holds into one policy and a leftover could still add hits to a rule.
    """

    def __init__(self, policy_files: list[Path], params: dict, url: str, token: str | None = None) -> None:
        from opa_client import OpaClient
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise RegoBackendError(f"--opa-url {url!r}: expected http(s)://host[:port]")
        port = parsed.port or (443 if parsed.scheme == "https" else 8181)
        self.timeout, self.max_bytes = limits(params)
        # No retries: a server that accepts connections and never answers would cost each
        # request its read timeout once per retry.
        self.admin_timeout = min(OPA_ADMIN_TIMEOUT, self.timeout)
        self.client = OpaClient(host=parsed.hostname, port=port, ssl=parsed.scheme == "https",
                                token=token, timeout=(OPA_CONNECT_TIMEOUT, self.admin_timeout), retries=0)
        self.url = f"{parsed.scheme}://{parsed.hostname}:{port}"
        # Ids are positional so one scan's modules never clash with each other.
        self._modules = {f"{ID_PREFIX}{i:03d}-{Path(p).stem}": (Path(p), text)
                         for i, (p, text) in enumerate(read_modules(policy_files))}
        self._params = params
        self._loaded = False

    def _load(self) -> None:
        import requests
        from opa_client.errors import ConnectionsError
        try:
            self._sync_policies()
            self._put_params()
        except (ConnectionsError, requests.RequestException, ValueError) as exc:
            raise RegoBackendError(f"OPA server {self.url} {_request_failure(exc, self.admin_timeout)}") from exc
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

    def _put_params(self) -> None:
        """data.mlcheck.params, as wire JSON (the client's own writer loses lone surrogates)."""
        response = self.client._session.put(f"{self.client.root_url}/data/mlcheck/params",
                                            data=wire.dumps(self._params).encode("utf-8"),
                                            headers={"Content-Type": "application/json"},
                                            timeout=self.client.timeout)
        if response.status_code >= 400:
            response.raise_for_status()

    def query(self, rules: list[Rule], input_of: Callable[[Rule], dict],
              count_of: Callable[[Rule], int], idle: AbstractSet[str] = frozenset(),
              on_answer: Callable[[str, tuple[object, int | None]], None] | None = None
              ) -> dict[str, tuple[object, int | None]]:
        """Each rule's (value, nodes it applies to): the value None when undefined, or the
        TaskFailed saying why there is none. One query at a time, so the caller judges
        the answers at the end (`on_answer` is for back ends that answer in parallel)."""
        if not self._loaded:
            self._load()
        answers = {}
        for rule in rules:      # as embedded: a rule that applies to no node is not queried
            count = 0 if rule.id in idle else count_of(rule)
            answers[rule.id] = (self._query_one(rule, input_of(rule)) if count else None, count)
        return answers

    def _query_one(self, rule: Rule, doc: dict):
        import requests
        url = f"{self.client.root_url}/data/" + rule_path(rule).removeprefix("data.").replace(".", "/")
        body = '{"input":' + wire.dumps(doc) + "}"
        try:
            with self.client._session.post(url, data=body.encode("utf-8"), stream=True,
                                           headers={"Content-Type": "application/json"},
                                           timeout=(OPA_CONNECT_TIMEOUT, self.timeout)) as response:
                if response.status_code >= 400:     # e.g. 500: the policy failed to evaluate
                    _ = response.content            # read while the connection is open
                    response.raise_for_status()
                text = _read_bounded(response, self.max_bytes)
        except requests.RequestException as exc:
            where = "on" if getattr(exc, "response", None) is not None else "because"
            return TaskFailed(f"{where} OPA server {self.url}: {_request_failure(exc, self.timeout, True)}")
        if text is None:
            return TaskFailed(f"OPA server {self.url} answered more than {self.max_bytes:,} bytes "
                              "(params.rego_max_result_bytes)")
        try:
            return wire.loads(text).get("result")
        except (ValueError, AttributeError) as exc:
            return TaskFailed(f"OPA server {self.url} answered malformed JSON ({exc})")


def _read_bounded(response, max_bytes: int) -> str | None:
    """The response body, or None when it is larger than max_bytes."""
    chunks, size = [], 0
    for chunk in response.iter_content(1 << 20):
        size += len(chunk)
        if size > max_bytes:
            return None
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8")


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


def _read_timed_out(exc: Exception) -> bool:
    """requests reports a read time-out as a ConnectionError once urllib3 gives up retrying."""
    from urllib3.exceptions import ReadTimeoutError
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, ReadTimeoutError)


def _request_failure(exc: Exception, read_timeout: float = OPA_ADMIN_TIMEOUT, querying: bool = False) -> str:
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
    if isinstance(exc, requests.ConnectTimeout):
        return f"is unreachable: no connection within {OPA_CONNECT_TIMEOUT:g} s"
    if isinstance(exc, requests.Timeout) or _read_timed_out(exc):   # connected, then silence
        return (f"accepted the connection but sent no answer within {read_timeout:g} s"
                + (" (params.rego_timeout)" if querying else ""))
    if isinstance(exc, requests.ConnectionError):
        reason = re.search(r"\[Errno -?\d+\][^'\")]*", str(exc))
        return f"is unreachable: {reason.group(0).strip() if reason else type(exc).__name__}"
    return f"is unusable: {exc}"


