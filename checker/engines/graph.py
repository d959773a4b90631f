"""The native graph engine: declarative YAML conditions evaluated on the estate graph.

A check selects nodes (`match`), then flags those failing `require` or satisfying
`forbid` (or every match when neither is given). Conditions combine attribute
predicates, all/any/not, paths over typed edges and neighbour counts; every verdict
carries its evidence: the path found, or where the search stopped.

Unknown is a state, not a value (DESIGN.md): a fact a collector could not resolve
statically is recorded under `attrs.unknown[fact]` with its expression, and a test on
it is neither true nor false. Conditions combine in three-valued logic (all: false wins,
then unknown; any: true wins, then unknown; not keeps unknown), and a node whose verdict
stays unknown is reported as *cannot evaluate* with the expressions that stopped it —
never as a pass, never as a finding.
"""
from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..graph import EstateGraph, iter_attr
from ..rule import RuleError
from . import Hit, RuleResult

if TYPE_CHECKING:
    from ..rule import Rule

ATTR_OPS = ("equals", "not_equals", "in", "not_in", "exists", "missing", "regex", "glob",
            "gt", "ge", "lt", "le", "contains")

DEFAULT_MAX_DEPTH = 10


@dataclass
class Verdict:
    ok: bool | None                      # None: cannot tell (a fact it needs is unknown)
    evidence: list[dict] = field(default_factory=list)


def unknown_fact(attrs: dict, dotted: str) -> dict | None:
    """The `unknown` entry of the fact a dotted attribute path starts with, if recorded."""
    entry = (attrs.get("unknown") or {}).get(dotted.split(".", 1)[0])
    return entry if isinstance(entry, dict) else None


class GraphIndex:
    """Nodes by kind, built once per scan and shared by every graph rule; edges by kind when
    asked (Rego rules' inputs)."""

    def __init__(self, graph: EstateGraph) -> None:
        self.graph = graph
        self.by_kind = graph.ids_by_kind()
        self._types: dict[str, dict[str, Any]] = {}

    @functools.cached_property
    def edges_by_kind(self) -> dict[str, list[tuple[str, str, str]]]:
        # networkx's adjacency dicts, not its edge view: 280k edges at 200k nodes, in the
        # same order, at half the cost (the Rego stage builds this before it forks).
        found: dict[str, list[tuple[str, str, str]]] = {}
        for src, peers in self.graph.g._succ.items():
            for dst, keys in peers.items():
                for kind in keys:
                    found.setdefault(kind, []).append((src, dst, kind))
        return found

    def candidates(self, selector: dict) -> list[str]:
        """The nodes of the selector's kinds, less those whose `type` its `where` rules out
        (most cloud rules read a few resource types of thousands of resources: a dict
        lookup each, not a condition evaluated each). A node without a known type stays."""
        kinds = selector.get("kind")
        if kinds is None:
            return [n for ids in self.by_kind.values() for n in ids]
        kinds = [kinds] if isinstance(kinds, str) else kinds
        allowed = type_filter(selector.get("where"))
        if allowed is None:
            return [n for k in kinds for n in self.by_kind.get(k, [])]
        return [n for k in kinds for n, t in self.types(k).items() if t is _UNTYPED or t in allowed]

    def types(self, kind: str) -> dict[str, Any]:
        """node id → its `type` (hashable text), or _UNTYPED (absent, unknown, odd); cached."""
        if kind not in self._types:
            nodes = self.graph.g.nodes
            self._types[kind] = {n: _type_of(nodes[n]["attrs"]) for n in self.by_kind.get(kind, [])}
        return self._types[kind]


_UNTYPED = object()


def _type_of(attrs: dict) -> Any:
    value = attrs.get("type")
    if not isinstance(value, str) or "type" in (attrs.get("unknown") or {}):
        return _UNTYPED
    return value


def type_filter(cond: dict | None) -> set | None:
    """The `type` values a condition can hold for (a node of another known type makes it
    false), or None when it does not say. `all`: any member's filter; `any`: only when
    every member has one."""
    if not isinstance(cond, dict):
        return None
    if cond.get("attr") == "type" and "equals" in cond and isinstance(cond["equals"], str):
        return {cond["equals"]}
    if cond.get("attr") == "type" and isinstance(cond.get("in"), list) and \
            all(isinstance(v, str) for v in cond["in"]):
        return set(cond["in"])
    if isinstance(cond.get("all"), list):
        found = [f for f in map(type_filter, cond["all"]) if f is not None]
        return set.intersection(*found) if found else None
    if isinstance(cond.get("any"), list):
        found = [type_filter(c) for c in cond["any"]]
        return set().union(*found) if found and all(f is not None for f in found) else None
    return None


class GraphEvaluator:
    def __init__(self, graph: EstateGraph) -> None:
        self.graph = graph
        self.index = GraphIndex(graph)
        self._regex: dict[str, re.Pattern] = {}

    # -- selectors ----------------------------------------------------------
    def select(self, selector: dict) -> list[str]:
        """Nodes the selector certainly matches."""
        test = self.tests.selector(selector)
        return [n for n in self.index.candidates(selector) if test(n) is True]

    def matches(self, nid: str, selector: dict) -> bool | None:
        """The selector's verdict on a node without its evidence: what filtering needs
        (rules' inputs and applicability test every node of their kinds, 160k at 200k)."""
        return self.tests.selector(selector)(nid)

    @functools.cached_property
    def tests(self) -> VerdictTests:
        return VerdictTests(self)

    def match_verdict(self, nid: str, selector: dict) -> Verdict:
        data = self.graph.node(nid)
        kinds = selector.get("kind")
        if kinds is not None and data["kind"] not in ([kinds] if isinstance(kinds, str) else kinds):
            return Verdict(False)
        if "id" in selector and not fnmatch.fnmatchcase(nid, selector["id"]):
            return Verdict(False)
        return Verdict(True) if "where" not in selector else self.holds(nid, selector["where"])

    # -- conditions ---------------------------------------------------------
    def holds(self, nid: str, cond: dict) -> Verdict:
        if "all" in cond:                     # false wins, then unknown
            evidence: list[dict] = []
            unknown = []
            for sub in cond["all"]:
                v = self.holds(nid, sub)
                if v.ok is False:
                    return Verdict(False, evidence + v.evidence)
                (unknown if v.ok is None else evidence).extend(v.evidence)
            return Verdict(None, unknown) if unknown else Verdict(True, evidence)
        if "any" in cond:                     # true wins, then unknown
            evidence, unknown = [], []
            for sub in cond["any"]:
                v = self.holds(nid, sub)
                if v.ok:
                    return Verdict(True, v.evidence)
                (unknown if v.ok is None else evidence).extend(v.evidence)
            return Verdict(None, unknown) if unknown else Verdict(False, evidence)
        if "not" in cond:
            v = self.holds(nid, cond["not"])
            return Verdict(None if v.ok is None else not v.ok, v.evidence)
        if "attr" in cond:
            attrs = self.graph.node(nid)["attrs"]
            found, value = iter_attr(attrs, cond["attr"])
            entry = None if found else unknown_fact(attrs, cond["attr"])
            if entry is not None:
                return Verdict(None, [{"unknown": cond["attr"], "node": nid, **entry}])
            return Verdict(self._attr_holds(found, value, cond))
        if "path" in cond:
            return self._path(nid, cond["path"])
        if "neighbors" in cond:
            return self._neighbors(nid, cond["neighbors"])
        raise ValueError(f"unknown condition {sorted(cond)}")

    def _attr_holds(self, found: bool, value: Any, cond: dict, op: str | None = None) -> bool:
        op = op or next(o for o in ATTR_OPS if o in cond)
        want = cond[op]
        if op == "exists":
            return found and value is not None
        if op == "missing":
            return not found or value is None
        if op == "not_equals":
            return not found or value != want
        if op == "not_in":
            return not found or value not in want
        if not found:
            return False
        if op == "equals":
            return value == want
        if op == "in":
            return value in want
        if op == "regex":
            pattern = self._regex.setdefault(want, re.compile(want))
            return isinstance(value, str) and pattern.search(value) is not None
        if op == "glob":
            return isinstance(value, str) and fnmatch.fnmatchcase(value, want)
        if op == "contains":
            if isinstance(value, str):
                return isinstance(want, str) and want in value
            if isinstance(value, dict):
                return isinstance(want, str) and want in value
            return isinstance(value, list) and want in value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        return {"gt": value > want, "ge": value >= want, "lt": value < want, "le": value <= want}[op]

    def _step(self, nid: str, kinds: set[str] | None, direction: str) -> list[str]:
        # networkx's adjacency dicts (peer → {edge key: data}; the key is the edge kind):
        # an in_edges view per node cost more than the step itself.
        g = self.graph.g
        adjacency = (g._succ if direction == "out" else g._pred).get(nid, {})
        return [peer for peer, by_key in adjacency.items()
                for kind in by_key if kinds is None or kind in kinds]

    def _path(self, start: str, spec: dict) -> Verdict:
        direction = spec.get("direction", "out")
        if "via" in spec:
            steps = [set([s]) if isinstance(s, str) else set(s) for s in spec["via"]]
            max_depth = len(steps)
        else:
            steps = None
            max_depth = spec.get("max_depth", DEFAULT_MAX_DEPTH)
        via_any = set(spec["via_any"]) if "via_any" in spec else None
        paths = {start: [start]}
        frontier = [start]
        seen = {start}
        undecided: list[dict] = []          # reached nodes whose match depends on unknown facts
        for depth in range(max_depth):
            kinds = steps[depth] if steps else via_any
            nxt = []
            for nid in frontier:
                for peer in self._step(nid, kinds, direction):
                    if steps is None and peer in seen:
                        continue
                    seen.add(peer)
                    paths.setdefault(peer, paths[nid] + [peer])
                    nxt.append(peer)
                    if steps is None or depth == len(steps) - 1:
                        reached = self.match_verdict(peer, spec["to"])
                        if reached.ok:
                            return Verdict(True, [{"path": paths[peer], "found": True}])
                        if reached.ok is None:
                            undecided += [{**e, "path": paths[peer]} for e in reached.evidence]
            if undecided and not nxt:
                return Verdict(None, undecided)
            if not nxt:
                edge = "/".join(sorted(kinds)) if kinds else "any"
                return Verdict(False, [{"path": _longest(paths, frontier), "found": False,
                                        "stopped_at": sorted(frontier)[:5],
                                        "missing_edge": edge, "direction": direction}])
            frontier = nxt
        if undecided:
            return Verdict(None, undecided)
        return Verdict(False, [{"path": _longest(paths, frontier), "found": False,
                                "stopped_at": sorted(frontier)[:5],
                                "reason": f"reached {', '.join(sorted(frontier)[:3])}, which does not "
                                          f"match {_describe(spec['to'])}"}])

    def _peers(self, nid: str, spec: dict) -> set[str]:
        """The nodes a neighbors condition counts from, before its `to`."""
        direction = spec.get("direction", "out")
        dirs = ("out", "in") if direction == "both" else (direction,)
        return {p for d in dirs for p in self._step(nid, {spec["edge"]}, d)}

    def _neighbors(self, nid: str, spec: dict) -> Verdict:
        peers = self._peers(nid, spec)
        undecided: list[dict] = []
        if "to" in spec:
            verdicts = {p: self.match_verdict(p, spec["to"]) for p in peers}
            peers = {p for p, v in verdicts.items() if v.ok}
            undecided = [e for v in verdicts.values() if v.ok is None for e in v.evidence]
        n = len(peers)
        ok = _within(n, spec)
        # Unknown only when the undecided peers could change the answer.
        if undecided and ok != _within(n + len({e.get("node") for e in undecided}), spec):
            return Verdict(None, undecided)
        return Verdict(ok, [{"neighbors": spec["edge"], "direction": spec.get("direction", "out"), "count": n,
                             "sample": sorted(peers)[:5]}])


def _within(n: int, spec: dict) -> bool:
    """A neighbour count within the condition's min and max."""
    return n >= spec.get("min", 0) and ("max" not in spec or n <= spec["max"])


def _frozen(value: Any) -> Any:
    """A condition as a hashable key; types kept (1, True and "1" are three conditions)."""
    if isinstance(value, dict):
        return ("dict", tuple(sorted((k, _frozen(v)) for k, v in value.items())))
    if isinstance(value, list):
        return ("list", tuple(_frozen(v) for v in value))
    return (type(value).__name__, value)


class VerdictTests:
    """Conditions compiled once into functions answering holds(…).ok: True, False or None
    (unknown) and no evidence. Building evidence (paths, where a search stopped) for every
    node a filter rules out cost more than the test; the verdict is the same, which
    tests/engines/test_graph_verdicts.py checks against `holds` on generated conditions.
    Compiled per node kind: a test of an attribute no node of that kind holds (nor records
    as unknown) is decided at once and all/any fold it away — a commit is not asked for a
    model version's aliases 100k times. Valid while the graph does not change (as the
    index): a path's target verdicts are memoised per node."""

    def __init__(self, evaluator: GraphEvaluator) -> None:
        self.evaluator = evaluator
        self.nodes = evaluator.graph.g._node
        # (spec frozen, node kind or None) → its test or constant verdict: rules that write
        # the same condition (a YAML anchor, or by hand) share one
        self._compiled: dict[tuple[Any, str | None], Any] = {}
        self._facts: dict[str, frozenset[str]] = {}
        self._target_sets: dict[Any, tuple[set, set]] = {}

    def selector(self, selector: dict):
        return self._memo(selector, None, self._compile_selector)

    def condition(self, cond: dict, kind: str):
        """The condition on nodes of this kind: a test, or True / False when already decided."""
        return self._memo(cond, kind, self._compile_condition)

    def _memo(self, spec: dict, kind: str | None, compile_):
        key = (_frozen(spec), kind)
        if key not in self._compiled:
            self._compiled[key] = compile_(spec, kind)
        return self._compiled[key]

    def facts(self, kind: str) -> frozenset[str]:
        """The attribute names some node of this kind holds or records as unknown."""
        if kind not in self._facts:
            names: set[str] = set()
            for nid in self.evaluator.index.by_kind.get(kind, []):
                attrs = self.nodes[nid]["attrs"]
                names.update(attrs)
                if isinstance(attrs.get("unknown"), dict):
                    names.update(attrs["unknown"])
            self._facts[kind] = frozenset(names)
        return self._facts[kind]

    def _compile_selector(self, selector: dict, _kind: None):
        kinds = selector.get("kind")
        kinds = None if kinds is None else frozenset([kinds] if isinstance(kinds, str) else kinds)
        pattern, cond = selector.get("id"), selector.get("where")
        by_kind: dict[str, Any] = {}

        def test(nid: str) -> bool | None:
            kind = self._data(nid)["kind"]
            if kinds is not None and kind not in kinds:
                return False
            if pattern is not None and not fnmatch.fnmatchcase(nid, pattern):
                return False
            if cond is None:
                return True
            if kind not in by_kind:
                by_kind[kind] = self.condition(cond, kind)
            where = by_kind[kind]
            return where if isinstance(where, bool) else where(nid)
        return test

    def _data(self, nid: str) -> dict:
        data = self.nodes.get(nid)
        return data if data is not None else self.evaluator.graph.node(nid)

    def _compile_condition(self, cond: dict, kind: str):
        if "all" in cond or "any" in cond:
            every = "all" in cond
            return self._fold(every, [self.condition(c, kind) for c in cond["all" if every else "any"]])
        if "not" in cond:
            inner = self.condition(cond["not"], kind)
            if isinstance(inner, bool):
                return not inner
            return lambda nid: (lambda ok: None if ok is None else not ok)(inner(nid))
        if "attr" in cond:
            return self._attr(cond, kind)
        # Searches do not depend on the start's kind: compiled once, their memo shared.
        if "path" in cond and "via" in cond["path"]:
            return self._memo(cond, None, lambda c, _: self._steps(c["path"]))
        if "neighbors" in cond:
            return self._memo(cond, None, lambda c, _: self._neighbors(c))
        # Searches of any depth: rarer in filters; ask the evaluator.
        return lambda nid: self.evaluator.holds(nid, cond).ok

    @classmethod
    def _fold(cls, every: bool, parts: list):
        """all (every) or any over tests and decided parts: a part that decides (false for
        all, true for any) decides the whole; the others drop out."""
        if any(part is (not every) for part in parts):
            return not every
        tests = [part for part in parts if not isinstance(part, bool)]
        if len(tests) <= 1:
            return tests[0] if tests else every
        return cls._all(tests) if every else cls._any(tests)

    @staticmethod
    def _all(parts):
        def test(nid: str) -> bool | None:
            unknown = False
            for part in parts:
                ok = part(nid)
                if ok is False:
                    return False
                unknown = unknown or ok is None
            return None if unknown else True
        return test

    @staticmethod
    def _any(parts):
        def test(nid: str) -> bool | None:
            unknown = False
            for part in parts:
                ok = part(nid)
                if ok:
                    return True
                unknown = unknown or ok is None
            return None if unknown else False
        return test

    def _attr(self, cond: dict, kind: str):
        name, holds = cond["attr"], self.evaluator._attr_holds
        op = next(o for o in ATTR_OPS if o in cond)
        if name.split(".", 1)[0] not in self.facts(kind):
            return holds(False, None, cond, op)

        def test(nid: str) -> bool | None:
            attrs = self._data(nid)["attrs"]
            found, value = iter_attr(attrs, name)
            if not found and "unknown" in attrs and unknown_fact(attrs, name) is not None:
                return None
            return holds(found, value, cond, op)
        return test

    def _targets(self, to: dict, target, candidates: list[str]) -> tuple[set, set]:
        """The candidates `to` holds for and those it may hold for, once per `to`: paths that
        end at the same targets share them (MLC-LIN-004 asks two paths for production
        versions among 30k)."""
        key = _frozen(to)
        if key not in self._target_sets:
            verdicts = [(t, target(t)) for t in candidates]
            self._target_sets[key] = ({t for t, ok in verdicts if ok is True},
                                      {t for t, ok in verdicts if ok is None})
        return self._target_sets[key]

    def _steps(self, spec: dict):
        """A path of fixed steps: true when a node the last step reaches matches `to`,
        unknown when none does and one may. Walked forward from each node asked, until
        more nodes were asked than `to` has candidates: then once backward from the
        targets, and each later answer is a set lookup (MLC-LIN-004's filter asks 100k
        commits whether a production version is two steps away)."""
        steps = [frozenset([s]) if isinstance(s, str) else frozenset(s) for s in spec["via"]]
        if not steps:
            return lambda nid: False
        step, direction = self.evaluator._step, spec.get("direction", "out")
        target = self.selector(spec["to"])
        candidates = self.evaluator.index.candidates(spec["to"])
        memo: dict[str, bool | None] = {}
        asked, reaching = [0], []          # reaching: [(nodes reaching a true, an unknown target)]

        def walk_back() -> tuple[set, set]:
            back = "in" if direction == "out" else "out"
            true, unknown = self._targets(spec["to"], target, candidates)
            for kinds in reversed(steps):
                true = {p for n in true for p in step(n, kinds, back)}
                unknown = {p for n in unknown for p in step(n, kinds, back)}
            return true, unknown - true

        def test(nid: str) -> bool | None:
            if not reaching:
                asked[0] += 1
                if asked[0] > len(candidates):
                    reaching.append(walk_back())
            if reaching:
                true, unknown = reaching[0]
                return True if nid in true else None if nid in unknown else False
            frontier = [nid]
            for kinds in steps:
                frontier = [peer for n in frontier for peer in step(n, kinds, direction)]
                if not frontier:
                    return False
            unknown = False
            for peer in frontier:
                ok = memo[peer] if peer in memo else memo.setdefault(peer, target(peer))
                if ok:
                    return True
                unknown = unknown or ok is None
            return None if unknown else False
        return test

    def _neighbors(self, cond: dict):
        """A neighbour count; when a neighbour's match is unknown, whether that changes the
        answer depends on the evidence: the evaluator decides those nodes."""
        spec, peers_of = cond["neighbors"], self.evaluator._peers
        target = self.selector(spec["to"]) if "to" in spec else None
        memo: dict[str, bool | None] = {}

        def test(nid: str) -> bool | None:
            peers = peers_of(nid, spec)
            if target is not None:
                verdicts = [memo[p] if p in memo else memo.setdefault(p, target(p)) for p in peers]
                if None in verdicts:
                    return self.evaluator.holds(nid, cond).ok
                peers = [ok for ok in verdicts if ok]
            return _within(len(peers), spec)
        return test


# Attributes only one kind of source records, and what their absence everywhere means.
RECORDED_BY = {
    "tracked": ("git", "no git repository was found under the scanned paths: files in plain "
                       "folders have no tracked state"),
}


def why_not_applicable(evaluator: GraphEvaluator, selector: dict) -> str:
    """Why a rule's selector matched no node, in words, for the summary."""
    kinds = selector.get("kind")
    shown = ("/".join([kinds] if isinstance(kinds, str) else kinds) + " node") if kinds else "node"
    if "id" in selector:
        shown += f" with id {selector['id']}"
    candidates = evaluator.index.candidates({k: v for k, v in selector.items() if k != "where"})
    if "id" in selector:
        candidates = [n for n in candidates if fnmatch.fnmatchcase(n, selector["id"])]
    if not candidates:
        return f"no {shown} was collected"
    where = selector.get("where")
    tests = where["all"] if isinstance(where, dict) and "all" in where else [where] if where else []
    for test in tests:
        if not any(evaluator.holds(n, test).ok is not False for n in candidates):
            return (f"none of the {len(candidates)} {shown}(s) has {describe_condition(test)}"
                    + _absence_hint(evaluator.graph, test))
    return f"none of the {len(candidates)} {shown}(s) meets the rule's conditions"


def _absence_hint(graph: EstateGraph, test: dict) -> str:
    recorded = RECORDED_BY.get(test.get("attr", ""))
    if recorded and not any(d["attrs"].get("vcs") == recorded[0] for _, d in graph.nodes("repo")):
        return f" ({recorded[1]})"
    return ""


def describe_condition(cond: dict) -> str:
    if "attr" in cond:
        op = next(o for o in ATTR_OPS if o in cond)
        value = "" if op in ("exists", "missing") else f" {cond[op]!r}"
        return f"{cond['attr']} {op}{value}"
    if "path" in cond:
        via = cond["path"].get("via") or cond["path"].get("via_any") or []
        steps = " → ".join("/".join(v) if isinstance(v, list) else v for v in via)
        return f"a path via {steps} to {_describe(cond['path']['to'])}"
    if "neighbors" in cond:
        return f"a {cond['neighbors']['edge']} neighbour"
    return "the rule's conditions"


def _describe(selector: dict) -> str:
    """A selector in words, for evidence: "a run with git_commit exists"."""
    kind = selector.get("kind", "node")
    kind = "/".join(kind) if isinstance(kind, list) else kind
    where = selector.get("where")
    if not where:
        return f"a {kind}"
    if "attr" in where:
        op = next(o for o in ATTR_OPS if o in where)
        value = "" if op in ("exists", "missing") else f" {where[op]!r}"
        return f"a {kind} with {where['attr']} {op}{value}"
    return f"a {kind} meeting the rule's conditions"


def _longest(paths: dict[str, list[str]], frontier: list[str]) -> list[str]:
    return max((paths[n] for n in frontier), key=len, default=[])


# -- rule evaluation -----------------------------------------------------------

def referenced_attrs(cond: Any) -> list[str]:
    """Attributes of the flagged node itself that a condition reads (not of path targets)."""
    if not isinstance(cond, dict):
        return []
    out = [cond["attr"]] if "attr" in cond else []
    for key in ("all", "any"):
        for sub in cond.get(key, []):
            out += referenced_attrs(sub)
    if "not" in cond:
        out += referenced_attrs(cond["not"])
    if "where" in cond:
        out += referenced_attrs(cond["where"])
    return out


_TEMPLATE = re.compile(r"\{(id|kind|attrs(?:\.[A-Za-z0-9_\-]+)+)\}")


def render_message(template: str, nid: str, data: dict) -> str:
    def sub(m: re.Match) -> str:
        name = m.group(1)
        if name in ("id", "kind"):
            return nid if name == "id" else data["kind"]
        found, value = iter_attr(data["attrs"], name[len("attrs."):])
        return str(value) if found else "?"
    return _TEMPLATE.sub(sub, template)


class GraphEngine:
    """The engine for `check: {match, require|forbid}` rules."""

    def evaluate(self, rules: list[Rule], graph: EstateGraph) -> dict[str, RuleResult]:
        evaluator = GraphEvaluator(graph)
        results = {}
        for rule in rules:
            try:
                results[rule.id] = evaluate(rule, evaluator)
            except Exception as exc:  # noqa: BLE001 - e.g. a snapshot fact of an unexpected type
                results[rule.id] = RuleResult.failed(rule.id, f"{type(exc).__name__}: {exc}")
        return results


def evaluate(rule: Rule, evaluator: GraphEvaluator) -> RuleResult:
    check = rule.check
    facts_names = sorted(set(referenced_attrs(check["match"]) + referenced_attrs(check.get("require"))
                             + referenced_attrs(check.get("forbid"))))
    result = RuleResult(rule.id, 0)
    for nid in evaluator.index.candidates(check["match"]):
        verdict = evaluator.match_verdict(nid, check["match"])
        if verdict.ok is False:
            continue
        result.applicable += 1
        if verdict.ok is True:
            if "require" in check:
                verdict = evaluator.holds(nid, check["require"])
                verdict.ok = None if verdict.ok is None else not verdict.ok
            elif "forbid" in check:
                verdict = evaluator.holds(nid, check["forbid"])
        if verdict.ok is None:       # the match or the check needs a fact nobody could resolve
            result.undetermined.append(_undetermined(rule, nid, verdict, evaluator.graph))
            continue
        if not verdict.ok:
            continue
        data = evaluator.graph.node(nid)
        facts = {}
        for name in facts_names:
            found, value = iter_attr(data["attrs"], name)
            if found:
                facts[name] = value
        evidence = {"facts": facts}
        if data["attrs"].get("unresolved"):   # joins a linker could not make, with reasons
            evidence["unresolved"] = data["attrs"]["unresolved"]
        if verdict.evidence:
            evidence["trace"] = verdict.evidence
        message = render_message(check.get("message", rule.title), nid, data)
        result.hits.append(Hit(nid, message, evidence))
    return result


def _undetermined(rule: Rule, nid: str, verdict: Verdict, graph: EstateGraph) -> Hit:
    """A node the rule cannot judge, with each unknown fact and the expression behind it."""
    unknown = [e for e in verdict.evidence if "unknown" in e]
    named = "; ".join(f"{e['unknown']} is {e.get('expression', 'unknown')}"
                      + (f" ({e['reason']})" if e.get("reason") else "")
                      + (f" on {e['node']}" if e.get("node") not in (None, nid) else "")
                      for e in unknown[:3])
    return Hit(nid, f"cannot evaluate {rule.id} on {nid}: {named}", {"unknown": unknown})


# -- checks at catalog load --------------------------------------------------------

def validate_conditions(rule: Rule) -> None:
    """Checks JSON Schema cannot express: exactly one operator per attribute test, valid regexes."""
    def walk(cond: Any, where: str) -> None:
        if not isinstance(cond, dict):
            return
        if "attr" in cond:
            ops = [o for o in ATTR_OPS if o in cond]
            if len(ops) != 1:
                raise RuleError(rule.path, f"attribute test on {cond['attr']!r} needs exactly one of "
                                f"{', '.join(ATTR_OPS)} (has {len(ops)})", where)
            if ops[0] == "regex":
                try:
                    re.compile(cond["regex"])
                except re.error as exc:
                    raise RuleError(rule.path, f"invalid regex: {exc}", where + ".regex") from exc
        for key, value in cond.items():
            if isinstance(value, dict):
                walk(value, f"{where}.{key}")
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    walk(item, f"{where}.{key}.{i}")
    walk(rule.check, "check")
