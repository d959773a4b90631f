"""`--cache DIR`, the second step: an estate whose every source and whose rules are unchanged
is not linked and judged again; its rule results and findings are replayed.

Beside the per-source shards (cache.py) the cache keeps, under DIR/replay/, the outcome of a
scan keyed by everything that decides it:
- every source's state key (cache.py: its state, mlcheck's code, the collectors, params,
  the parse limit, --exclude): a source without a readable state (a URL) makes the scan
  not replayable;
- the rules as selected (--only/--skip/--framework) and overridden, whole (check, severity,
  metadata); every Rego module's text (a rule's module may import any other); the rule
  params (config); the Rego engine chosen; mlcheck's version and the versions of every
  distribution it depends on (the engines, networkx, the YAML parser).
Never replayed: a scan judged by a remote OPA server (its version is not ours to key) and
rules whose Rego reads the clock (`time.now_ns`): their results may change with nothing else.

Replayed: the rule results and the findings as built, before waivers and the baseline
(those are applied again: a waiver expires by date, a baseline file changes), and the
facts every report prints about the graph (digest, sources, collection errors, node
counts, why a rule matched nothing). An entry is two files: KEY.json (the facts, the
results, each finding's head) and KEY.details.json (its message, evidence, locations:
verified with the head, parsed only when read; packing.py). The reports themselves are
replayed when nothing that decides them changed (reports.py: KEY.report-…). The graph itself is not loaded: reports that ask it
about single nodes (a finding's place for SARIF, JUnit, CI annotations) are answered from
the answers recorded when the same reports ran on the real graph; any other question (a
new report format, --snapshot-out, the ML-BOM) loads the graph on first use — the shards
from the cache, merged and linked as usual, checked against the recorded digest — and its
answers are kept for the next run.

Not kept: an outcome that may change with nothing changed — a rule that could not be
evaluated (a Rego timeout on a loaded machine), a source whose collector crashed.

Entries carry the cache's HMAC (cache.py); one that does not verify is refused: the scan
runs in full and writes it again. At most KEEP entries are kept (several configurations
may share one cache), the oldest dropped;
one per configuration (a new state of the sources replaces the old one).
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from .. import __version__
from ..collection import gc_paused, resolve_sources
from ..collectors import load_registry
from ..engines import RuleResult
from ..findings import Finding
from ..graph import CollectionError, EstateGraph, canonical_json
from ..regular_file import read_regular_file
from .cache import MAX_ENTRY_BYTES, NOT_KEPT, Cache
from .packing import Details, pack, unpack

FOLDER = "replay"
KEEP = 8
FORMAT = 2                  # 2: findings packed as head and details (packing.py)
CLOCK = re.compile(r"\btime\.now_ns\b")


@dataclass
class Kept:
    """What a replay gives run_scan: the graph's stand-in, the results, the findings
    before waivers and the baseline, and the facts about the graph reports print."""
    graph: "AnsweringGraph"
    results: dict[str, RuleResult]
    findings: list[Finding]
    not_applicable_reasons: dict[str, str]


class Replay:
    """One scan's sources, their cache keys and, when it is replayable, its replay key."""

    def __init__(self, opts, catalog, rules) -> None:
        self.opts = opts
        self.registry = load_registry()
        self.sources = resolve_sources(opts.paths, opts.sources, self.registry)
        self.cache = Cache(opts.cache_dir, self.registry, opts.params, opts.max_parse_bytes, tuple(opts.exclude))
        self.keys = [self.cache.key(s) for s in self.sources]
        self.key = judging_key(self.cache.context, self.keys, catalog, rules, opts)
        self.packed: tuple[str, str] | None = None

    # -- replaying -------------------------------------------------------------------------
    def kept(self, rules) -> Kept | None:
        """The outcome kept for this key, if any and authentic: findings in the order the
        rules built them (run_scan sorts them as ever)."""
        entry = self._read(self._path(".json"))
        if entry is None or entry.get("format") != FORMAT or entry.get("key") != self.key:
            return None
        details = self.read_signed(self._path(".details.json"))     # verified now, parsed when read
        if details is None:
            return None
        answers = self._read(self._path(".answers.json")) or {}
        graph = AnsweringGraph(entry["facts"], answers, self.load_graph)
        try:
            findings, results = unpack(entry, Details(details), rules)
        except (KeyError, TypeError, ValueError):      # signed, but by another mlcheck's packing
            return None
        return Kept(graph, results, findings, entry["facts"]["not_applicable_reasons"])

    def load_graph(self) -> EstateGraph:
        """The linked graph, rebuilt from the cached shards (a source whose entry went
        missing is collected again) — what a reporter asking more than was recorded needs."""
        from ..linkers import run_linkers
        from .pipeline import collect_shards
        with gc_paused():           # as run_scan collects
            sharded = collect_shards(self.sources, self.registry, self.opts.params, self.opts.max_parse_bytes,
                                     None, self.opts.cache_dir, exclude=tuple(self.opts.exclude), keys=self.keys)
        graph = sharded.graph
        run_linkers(graph, sharded.readers())
        return graph

    # -- keeping ---------------------------------------------------------------------------
    def keep_findings(self, found: list[Finding], results: dict[str, RuleResult], rules) -> None:
        """The findings as the rules built them (in that order), before waivers and the
        baseline change their status."""
        if self.key:
            self.packed = pack(found, results, rules)

    def record(self, result) -> None:
        """Keep this scan's outcome for its key; the result's graph goes behind a stand-in
        that records what the reports ask, kept by result.on_reported."""
        if not self.key or self.packed is None or passing_trouble(result):
            return
        graph = result.graph
        facts = {"digest": result.digest, "sources": graph.sources, "errors": [e.as_dict() for e in graph.errors],
                 "nodes": len(graph), "count_by_kind": graph.count_by_kind(),
                 "not_applicable_reasons": result.not_applicable_reasons}
        head = json.dumps({"format": FORMAT, "key": self.key, "facts": facts}, ensure_ascii=False)
        self._evict()
        findings, details = self.packed
        self._write(self._path(".details.json"), details)
        self._write(self._path(".json"), head[:-1] + ", " + findings[1:])
        self.packed = None
        answering = AnsweringGraph(None, {}, lambda: graph)
        result.graph, result.on_reported = answering, lambda: self.keep_answers(answering)
        result.write_report = self.write_report

    def write_report(self, fmt: str, result, stream, **options) -> None:
        """reporters.render for a kept outcome: its reports are kept too (reports.py)."""
        from .reports import KeptReports
        KeptReports(self).render(fmt, result, stream, **options)

    def keep_answers(self, graph: "AnsweringGraph") -> None:
        """After the reports: the answers they needed, added to those kept for this key."""
        if not self.key or not graph.new_answers or not self._path(".json").is_file():
            return
        answers = self._read(self._path(".answers.json")) or {}
        answers.update(graph.new_answers)
        self._write(self._path(".answers.json"), json.dumps(answers, ensure_ascii=False))
        graph.new_answers = {}

    def report_path(self, report_key: str) -> Path:
        return self.cache.dir / FOLDER / f"{self.key}.report-{report_key}"

    def read_signed(self, path: Path) -> bytes | None:
        """A file this cache wrote (its HMAC holds), or None: missing, damaged, forged."""
        try:
            data = read_regular_file(path, MAX_ENTRY_BYTES)
        except OSError:
            return None
        return data if self.cache.signed(path, data) else None

    def keep_report(self, copy: Path, path: Path, keep: int) -> None:
        """Keep the report written to `copy` as `path`, signed, beside its outcome (while the
        outcome is there), and at most `keep` reports for it, the oldest dropped."""
        if not self._path(".json").is_file():
            return
        self.cache.sign_file(copy, path)
        copy.replace(path)
        kept = sorted((p for p in path.parent.glob(f"{self.key}.report-*") if p.suffix not in (".mac", ".tmp")),
                      key=lambda p: p.stat().st_mtime_ns)
        for old in kept[:max(0, len(kept) - keep)]:
            old.unlink(missing_ok=True)
            _mac(old).unlink(missing_ok=True)

    # -- files -----------------------------------------------------------------------------
    def _path(self, suffix: str) -> Path:
        """DIR/replay/CONFIGURATION-STATE.json: a miss costs no read of an entry."""
        return self.cache.dir / FOLDER / f"{self.key}{suffix}"

    def _read(self, path: Path) -> dict | None:
        """An entry this cache wrote (its HMAC holds), or None: missing, damaged, forged."""
        data = self.read_signed(path)
        if data is None:
            return None
        try:
            return json.loads(data)
        except ValueError:
            return None

    def _write(self, path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8", "surrogatepass")
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)      # a reader never sees half an entry (its MAC would not hold)
        self.cache.sign(path, data)

    def _evict(self) -> None:
        """Room for this entry: its configuration's entry of an older state goes (a new
        state replaces the old one, as a source's shard does: the cache does not grow night
        after night), and the oldest of the other configurations' beyond KEEP - 1."""
        folder = self.cache.dir / FOLDER
        entries = sorted(folder.glob("*[0-9a-f].json"), key=lambda p: p.stat().st_mtime) if folder.is_dir() else []
        configuration = self.key.split("-")[0]
        mine = [p for p in entries if p.name.startswith(configuration)]
        others = [p for p in entries if p not in mine]
        for old in mine + others[:max(0, len(others) - (KEEP - 1))]:
            stem = old.name[:-len(".json")]
            for suffix in (".json", ".json.mac", ".details.json", ".details.json.mac", ".answers.json",
                           ".answers.json.mac"):
                (folder / f"{stem}{suffix}").unlink(missing_ok=True)
            for report in folder.glob(f"{stem}.report-*"):       # its reports (and their MACs)
                report.unlink(missing_ok=True)


def _mac(path: Path) -> Path:
    return path.with_name(path.name + ".mac")


def passing_trouble(result) -> bool:
    """An outcome that may differ on the next run with nothing changed is not kept: a rule
    that could not be evaluated (a timeout on a loaded machine, a crashed engine process) or
    a source whose collector crashed (cache.py does not keep its shard either)."""
    return bool(result.evaluation_errors) or any(e.reason.startswith(NOT_KEPT) for e in result.graph.errors)


def judging_key(context: str, source_keys: list, catalog, rules, opts) -> str | None:
    """Everything that decides the rule results and findings, hashed, as CONFIGURATION-STATE:
    the configuration (rules, modules, params, engine, versions, the cache's context) and
    the sources' state keys. None when they may change with nothing we can key (a source
    without state, a remote OPA, the clock)."""
    if not source_keys or any(k is None for k in source_keys) or opts.opa_url:
        return None
    modules = [_text(p) for p in catalog.policy_files]
    if any(CLOCK.search(text) for text in modules):
        return None
    configuration = {"format": FORMAT, "context": context, "rules": [asdict(r) for r in rules], "modules": modules,
                     "params": opts.params, "rego_engine": opts.rego_engine, "mlcheck": __version__,
                     "dependencies": dependency_versions()}
    return f"{_sha(configuration)}-{_sha(source_keys)}"


def _sha(value) -> str:
    return hashlib.sha256(canonical_json(value).encode("utf-8", "surrogatepass")).hexdigest()


def _text(path: Path) -> str:
    return Path(path).read_bytes().decode("utf-8", "replace")


def dependency_versions() -> dict[str, str | None]:
    """The installed version of every distribution mlcheck requires (engines, parsers)."""
    try:
        requires = importlib.metadata.distribution("mlcheck-estate").requires or []
    except importlib.metadata.PackageNotFoundError:
        return {}
    names = sorted({re.split(r"[\s<>=!~;\[(]", r, maxsplit=1)[0] for r in requires if "extra ==" not in r})
    out = {}
    for name in names:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


class AnsweringGraph:
    """The graph as reports see it after a scan with --cache. `facts` (None: the graph is
    here) answer what every report prints; node questions (`in`, node, out_edges,
    in_edges) are answered from `answers` recorded on an earlier run; anything else loads
    the graph (`load`) and is passed to it. Every answer the real graph gives to a node
    question is recorded in `new_answers`, kept for the next run."""

    def __init__(self, facts: dict | None, answers: dict, load: Callable[[], EstateGraph]) -> None:
        self._facts, self._answers, self._load = facts, answers, load
        self._graph: EstateGraph | None = load() if facts is None else None
        self.new_answers: dict = {}
        if facts is not None:
            self.sources = facts["sources"]
            self.errors = [CollectionError(**e) for e in facts["errors"]]
        else:
            self.sources, self.errors = self._graph.sources, self._graph.errors

    @property
    def loaded(self) -> bool:
        return self._graph is not None

    def graph(self) -> EstateGraph:
        if self._graph is None:
            self._graph = self._load()
            digest = self._graph.digest()
            if digest != self._facts["digest"]:
                raise ValueError(f"the graph rebuilt from the cache has digest {digest}, not the "
                                 f"{self._facts['digest']} its replayed results were judged on: "
                                 "a source changed during the scan; scan again")
        return self._graph

    def digest(self, doc: dict | None = None) -> str:
        if self._facts is not None and doc is None:
            return self._facts["digest"]
        return self.graph().digest(doc)

    def count_by_kind(self) -> dict[str, int]:
        return dict(self._facts["count_by_kind"]) if self._facts is not None else self.graph().count_by_kind()

    def __len__(self) -> int:
        return self._facts["nodes"] if self._facts is not None else len(self.graph())

    def __contains__(self, nid: str) -> bool:
        return self._ask("contains", nid, None, lambda g: nid in g)

    def node(self, nid: str) -> dict:
        return self._ask("node", nid, None, lambda g: g.node(nid))

    def out_edges(self, nid: str, kind: str | None = None):
        return iter(self._ask("out_edges", nid, kind, lambda g: list(g.out_edges(nid, kind))))

    def in_edges(self, nid: str, kind: str | None = None):
        return iter(self._ask("in_edges", nid, kind, lambda g: list(g.in_edges(nid, kind))))

    def _ask(self, question: str, nid: str, kind: str | None, real: Callable[[EstateGraph], object]):
        key = canonical_json([question, nid, kind])
        if key in self._answers:
            return self._answers[key]
        answer = real(self.graph())
        self.new_answers[key] = self._answers[key] = answer
        return answer

    def __getattr__(self, name: str):
        if name.startswith("__") or name in ("_facts", "_answers", "_load", "_graph"):
            raise AttributeError(name)      # copy/pickle probes, or asked before __init__ set it
        return getattr(self.graph(), name)


__all__ = ["Replay", "AnsweringGraph", "Kept", "judging_key", "dependency_versions"]
