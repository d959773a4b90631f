"""One scan, stage by stage: collect → graph → rules → findings. No I/O of reports here."""
from __future__ import annotations

import contextlib
import datetime as _dt
import fnmatch
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, ContextManager

from . import findings as fnd
from . import frameworks
from .catalog import Catalog, load_catalog
from .rule import Rule, RuleError
from .collection import UsageError, collect, frozen_heap, gc_paused, resolve_sources  # noqa: F401 - the scan's API
from .collectors import load_registry
from .collectors.walker import Exclusions
from .engines import Hit, RuleResult
from .graph import EstateGraph, canonical_json
from .linkers import run_linkers
from .overrides import apply_overrides
from .severity import SEVERITIES


@dataclass
class ScanOptions:
    paths: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)        # KIND=URI
    rules_dirs: list[Path] = field(default_factory=list)
    include_builtin: bool = True
    only: list[str] = field(default_factory=list)
    skip: list[str] = field(default_factory=list)
    params: dict = field(default_factory=dict)
    waivers: list[fnd.Waiver] = field(default_factory=list)
    no_waivers: bool = False
    baseline: Path | None = None
    rego_engine: str | None = None                       # embedded engine; None: the default
    opa_url: str | None = None
    opa_token: str | None = None
    from_snapshot: Path | list[Path] | None = None         # several: shards to merge (issue 13)
    executor: str | None = None                          # local:N or dask://host:port
    cache_dir: Path | None = None                        # per-source shards by source state
    max_parse_bytes: int | None = None
    exclude: list[str] = field(default_factory=list)       # gitignore-style globs (collectors/walker.py)
    today: _dt.date | None = None
    fail_on: str = "high"                                   # lowest severity that fails the gate
    framework: str | None = None                            # run only the rules behind it
    overrides: dict[str, dict] = field(default_factory=dict)   # rule id → {severity, remediation, reason}


@dataclass
class ScanResult:
    graph: EstateGraph
    catalog: Catalog
    rules: list[Rule]
    results: dict[str, RuleResult]
    findings: list[fnd.Finding]
    fail_on: str = "high"
    framework: str | None = None
    on_reported: Callable[[], None] | None = None     # call once the reports are written (--cache keeps their answers)
    write_report: Callable | None = None              # reporters.render's stand-in: --cache replays the reports

    @functools.cached_property
    def digest(self) -> str:
        """Computed once: every report prints it, and it serialises the whole graph."""
        return self.graph.digest()

    def not_applicable(self) -> list[Rule]:
        return [r for r in self.rules if self.results[r.id].applicable == 0 and not self.results[r.id].error]

    @functools.cached_property
    def gate_failures(self) -> list[fnd.Finding]:
        """Open findings at or above fail_on from stable rules: the gate's decision, made once."""
        experimental = frozenset(r.id for r in self.rules if r.lifecycle == "experimental")
        return fnd.gate_failures(self.findings, self.fail_on, experimental)

    @functools.cached_property
    def summary(self) -> dict:
        """Totals every report prints, computed once."""
        by_sev = {s: 0 for s in reversed(SEVERITIES)}
        by_status = {fnd.OPEN: 0, fnd.WAIVED: 0, fnd.BASELINED: 0, fnd.CANNOT_EVALUATE: 0}
        for f in self.findings:
            by_status[f.status] += 1
            if f.status == fnd.OPEN:
                by_sev[f.severity] += 1
        return {"open_by_severity": by_sev, "by_status": by_status,
                "gate": {"fail_on": self.fail_on, "failing": len(self.gate_failures)},
                "rules_evaluated": len(self.rules),
                "rules_not_applicable": [r.id for r in self.not_applicable()],
                "not_applicable_reasons": self.not_applicable_reasons,
                "nodes_by_kind": self.graph.count_by_kind(),
                "collection_errors": len(self.graph.errors),
                "evaluation_errors": len(self.evaluation_errors)}

    @functools.cached_property
    def not_applicable_reasons(self) -> dict[str, str]:
        """rule id → why it matched no node (computed once, for every report)."""
        from .engines.graph import GraphEvaluator, why_not_applicable
        evaluator = GraphEvaluator(self.graph)
        return {r.id: why_not_applicable(evaluator, r.check.get("match") or r.check.get("applies_to") or {})
                for r in self.not_applicable()}

    @property
    def evaluation_errors(self) -> list[tuple[str, str]]:
        """(rule id, reason) of every rule that could not be evaluated on this data."""
        return [(r.id, self.results[r.id].error) for r in self.rules if self.results[r.id].error]

    @property
    def incomplete(self) -> bool:
        """A source was not (fully) collected or a rule could not be evaluated: exit 3."""
        return bool(self.graph.errors or self.evaluation_errors)


def select_rules(rules: list[Rule], only: list[str], skip: list[str]) -> list[Rule]:
    """The rules --only keeps and --skip leaves out. A pattern that names no rule is a
    usage error: a typo (`MLC-REPO-02`) must not pass the gate by evaluating nothing."""
    unknown_patterns(rules, [*only, *skip], "--only/--skip")

    def hit(rule: Rule, patterns: list[str]) -> bool:
        return any(fnmatch.fnmatchcase(rule.id, p) for p in patterns)
    return [r for r in rules if (not only or hit(r, only)) and not hit(r, skip)]


def unknown_patterns(rules: list[Rule], patterns: list[str], where: str) -> None:
    ids = [r.id for r in rules]
    missing = [p for p in patterns if not fnmatch.filter(ids, p)]
    if missing:
        raise UsageError(f"{where}: {', '.join(repr(p) for p in missing)} matches no rule "
                         f"(rules: {_id_summary(ids)})")


def _id_summary(ids: list[str]) -> str:
    return ", ".join(ids[:12]) + (f", … ({len(ids)} in all)" if len(ids) > 12 else "")


def evaluate(graph: EstateGraph, catalog: Catalog, rules: list[Rule], params: dict,
             rego_engine: str | None = None, opa_url: str | None = None,
             opa_token: str | None = None) -> dict[str, RuleResult]:
    """Each engine evaluates the rules written for it; a rule it cannot evaluate comes
    back with RuleResult.error set (the scan is then incomplete, exit 3)."""
    from .engines import graph as graph_engine
    from .engines import rego
    results: dict[str, RuleResult] = {}
    by_engine = {"graph": [r for r in rules if r.engine == "graph"],
                 "rego": [r for r in rules if r.engine == "rego"]}
    if by_engine["graph"]:
        results.update(graph_engine.GraphEngine().evaluate(by_engine["graph"], graph))
    if by_engine["rego"]:
        engine = rego.RegoEngine(catalog.policy_files, params, rego_engine or rego.DEFAULT_ENGINE,
                                 opa_url, opa_token)
        results.update(engine.evaluate(by_engine["rego"], graph))
    for result in results.values():
        _existence_unknown(result, graph)
    return results


def _existence_unknown(result: RuleResult, graph: EstateGraph) -> None:
    """A hit on a resource that may not be created (its count, for_each, ARM condition or
    Bicep `if` unresolved: attrs.conditional) is not a failure: whether there is anything to
    fail is unknown, so the node cannot be evaluated, and the report names the condition.
    Unknown is a state, never a failure or a pass (issue 8), whatever engine flagged it."""
    kept = []
    for hit in result.hits:
        condition = graph.node(hit.node)["attrs"].get("conditional") if hit.node in graph else None
        if not isinstance(condition, dict):
            kept.append(hit)
            continue
        why = f"{condition.get('expression', '?')}: {condition.get('reason', 'unresolved')}"
        result.undetermined.append(Hit(
            hit.node, f"cannot evaluate: {hit.message} — if it is created ({why})",
            {**hit.evidence, "unknown": [{"fact": "created", **condition}]}, hit.severity))
    result.hits = kept


def _unobserved(stage: str):
    return contextlib.nullcontext()


def run_scan(opts: ScanOptions, observe: Callable[[str], ContextManager] = _unobserved,
             on_source: Callable | None = None) -> ScanResult:
    """The scan, stage by stage; `observe(stage)` wraps each stage (the benches time them)."""
    with observe("rules-load"):
        catalog = load_catalog(opts.rules_dirs, opts.include_builtin)
        rules = select_rules(catalog.rules, opts.only, opts.skip)
        rules = frameworks.select_rules(rules, catalog.rules, opts.framework)
        rules = apply_overrides(rules, catalog.rules, opts.overrides)
        if not opts.no_waivers:
            unknown_patterns(catalog.rules, [w.rule for w in opts.waivers], "waivers")
        Exclusions(opts.exclude)             # a bad --exclude pattern stops the scan before it starts
    replay = None
    if opts.cache_dir and not opts.from_snapshot:       # an unchanged estate: its outcome replayed
        from .scale.replay import Replay
        with observe("replay"), gc_paused():     # the outcome replayed: 100k objects, no cycles
            replay = Replay(opts, catalog, rules)
            kept = replay.kept(rules) if replay.key else None
            if kept:
                kept.findings.sort(key=_finding_order)
                _judged(kept.findings, opts)
        if kept:
            result = ScanResult(kept.graph, catalog, rules, kept.results, kept.findings,
                                opts.fail_on, opts.framework, lambda: replay.keep_answers(kept.graph),
                                replay.write_report)
            result.__dict__["not_applicable_reasons"] = kept.not_applicable_reasons
            return result
    with observe("collect"), gc_paused():     # collection.gc_paused: why
        if opts.from_snapshot:
            from .scale.shards import load_snapshots
            paths = opts.from_snapshot if isinstance(opts.from_snapshot, list) else [opts.from_snapshot]
            graph, repositories = load_snapshots(paths, opts.params)      # None: linked already
        elif opts.executor or opts.cache_dir:
            from .scale.pipeline import collect_shards
            registry = replay.registry if replay else load_registry()
            sources = replay.sources if replay else resolve_sources(opts.paths, opts.sources, registry)
            sharded = collect_shards(sources, registry, opts.params, opts.max_parse_bytes,
                                     opts.executor, opts.cache_dir, exclude=tuple(opts.exclude),
                                     keys=replay.keys if replay else None)
            graph, repositories = sharded.graph, sharded.readers()
        else:
            registry = load_registry()
            sources = resolve_sources(opts.paths, opts.sources, registry)
            collected = collect(sources, registry, opts.params, opts.max_parse_bytes, opts.exclude,
                                on_source)
            graph, repositories = collected.graph, collected.repositories
    with frozen_heap():
        results, found = _judge(opts, graph, repositories, catalog, rules, observe, replay)
    result = ScanResult(graph, catalog, rules, results, found, opts.fail_on, opts.framework)
    if replay:
        replay.record(result)
    return result


def _judge(opts: ScanOptions, graph: EstateGraph, repositories, catalog: Catalog, rules: list[Rule],
           observe: Callable[[str], ContextManager], replay=None) -> tuple[dict[str, RuleResult], list]:
    """Link (unless the graph came linked), evaluate the rules, build the findings (kept
    for `replay` before waivers and the baseline, which every run applies)."""
    if repositories is not None:
        with observe("link"):
            run_linkers(graph, repositories)
    with observe("rules"):
        results = evaluate(graph, catalog, rules, opts.params, opts.rego_engine,
                           opts.opa_url, opts.opa_token)
    with observe("findings"):
        found: list[fnd.Finding] = []
        for rule in rules:
            found += fnd.build(rule, results[rule.id].hits, graph)
            found += fnd.build(rule, results[rule.id].undetermined, graph, fnd.CANNOT_EVALUATE)
        fnd.escalate_production(found, graph, {r.id: r for r in rules},
                                opts.params.get("production", fnd.DEFAULT_PRODUCTION))
        if replay:
            replay.keep_findings(found, results, rules)
        found.sort(key=_finding_order)
        _judged(found, opts)
    return results, found


def _finding_order(f: fnd.Finding) -> tuple:
    return (-f.rank, f.rule_id, f.node)


def _judged(found: list[fnd.Finding], opts: ScanOptions) -> list[fnd.Finding]:
    """Waivers (they expire by date) and the baseline: applied on every run, replayed or not."""
    if not opts.no_waivers:
        fnd.apply_waivers(found, opts.waivers, opts.today or _dt.date.today())
    if opts.baseline:
        fnd.apply_baseline(found, fnd.load_baseline(opts.baseline))
    return found


__all__ = ["ScanOptions", "ScanResult", "run_scan", "UsageError", "RuleError", "canonical_json"]
