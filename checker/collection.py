"""Sources into one graph: the paths and --source specs resolved to sources, then every
source collected (collectors, file parsers, the parsers' scan-wide finish). Below the scan
(checker/scan.py) and the scale-out (checker/scale/), which both collect through here."""
from __future__ import annotations

import contextlib
import dataclasses
import gc
from pathlib import Path
from typing import Callable

from .collectors import CollectContext, Source, file_parsers, source_collectors
from .graph import EstateGraph


class UsageError(Exception):
    """Bad arguments discovered after parsing (unknown collector, bad --source)."""


def resolve_sources(paths: list[str], specs: list[str], registry: dict[str, type]) -> list[Source]:
    sources: list[Source] = []
    collectors = source_collectors(registry)
    for given in paths:
        root = Path(given).resolve()
        if not root.exists():
            raise UsageError(f"path does not exist: {given}")
        if not root.is_dir():
            raise UsageError(f"not a directory: {given}")
        # Reports and provenance name files under the path's label, as ids do, so that
        # the graph (and its digest) does not depend on where the estate is checked out.
        found = [s for cls in collectors for s in cls.detect(root, path_label(given))]
        if len(paths) > 1:      # labels are relative to each root: keep them apart
            found = [dataclasses.replace(s, label=_under(path_label(given), s.label)) for s in found]
        sources += found
    for spec in specs:
        kind, sep, uri = spec.partition("=")
        if not sep or not uri:
            raise UsageError(f"--source {spec!r}: expected KIND=URI")
        cls = registry.get(kind)
        if cls is None or cls not in collectors:
            known = ", ".join(sorted(c.name for c in collectors))
            raise UsageError(f"--source {spec!r}: unknown source kind {kind!r} (known: {known})")
        try:
            sources.append(cls.from_uri(uri))
        except ValueError as exc:
            raise UsageError(f"--source {spec!r}: {exc}") from exc
    return _distinct(sources)


def _distinct(sources: list[Source]) -> list[Source]:
    """One source per (kind, uri): a store both detected and named with --source is
    collected once. Two different sources that would share node ids are a usage error."""
    by_uri: dict[tuple[str, str], Source] = {}
    by_label: dict[tuple[str, str], Source] = {}
    for s in sources:
        if (s.kind, s.uri) in by_uri:
            continue
        other = by_label.setdefault((s.kind, s.label), s)
        if other is not s:
            raise UsageError(f"sources {other.display} and {s.display} would share the node ids "
                             f"{s.kind}:{s.label}…; scan them in separate runs or from a common parent")
        by_uri[(s.kind, s.uri)] = s
    return list(by_uri.values())


def path_label(given: str) -> str:
    """A scan path as a stable id prefix: as given when relative, its name when absolute."""
    path = Path(given)
    return path.name if path.is_absolute() else (path.as_posix().strip("/") or ".")


def _under(prefix: str, label: str) -> str:
    return prefix if label == "." else f"{prefix}/{label}"


def collect(sources: list[Source], registry: dict[str, type], params: dict,
            max_parse_bytes: int | None, exclude: list[str] | None = None,
            on_source: Callable | None = None, finish: bool = True) -> CollectContext:
    """Every source into one graph (ctx.graph), with the readers collectors offer the
    linkers (ctx.repositories). `on_source(i, n, kind, display, graph)` is told as each
    source starts and returns what to call when it is done (progress.ScanProgress).
    `finish` False: the parsers' scan-wide finish is left to whoever holds every source
    (their pending() state, for a shard)."""
    graph = EstateGraph()
    ctx = CollectContext(graph, params=params, parsers=file_parsers(registry), exclude=list(exclude or []))
    if max_parse_bytes:
        ctx.max_parse_bytes = max_parse_bytes
    with gc_paused():
        for i, source in enumerate(sources, 1):
            done = on_source(i, len(sources), source.kind, source.display, graph) if on_source else None
            graph.sources.append({"kind": source.kind, "source": source.display})
            try:
                registry[source.kind]().collect(source, ctx)
            except Exception as exc:  # noqa: BLE001 - one broken source must not stop the scan
                graph.error(source.kind, source.display, f"collector crashed: {type(exc).__name__}: {exc}")
            if done:
                done()
        if finish:
            finish_scan(ctx)
    return ctx


def finish_scan(ctx: CollectContext) -> None:
    """References between trees, now that every tree is known: each parser's finish_scan.
    A shard's collection leaves this to the merge (checker/scale/shards.finish_merged)."""
    for parser in ctx.parsers:
        try:
            parser.finish_scan(ctx)
        except Exception as exc:  # noqa: BLE001 - one broken parser must not stop the scan
            ctx.graph.error(parser.name, "(scan)", f"parser crashed finishing the scan: {type(exc).__name__}: {exc}")


@contextlib.contextmanager
def gc_paused():
    """The cyclic GC's full collections off until the block ends, then as they were:
    collectors, snapshot loads and merges build large acyclic structures that every full
    collection walks again as they grow (~35 % of a 100k-version MLflow collection, ~25 %
    of 1,000 CI files). Young collections go on: they walk only what was just built, and
    free the short-lived cycles parsers leave (a parser object holding its own bound
    method), as they die.

    What the block built goes to the oldest generation as it ends (gc.freeze then
    gc.unfreeze, when nothing else is frozen): the next young and middle collections would
    otherwise walk all of it (0.5 s each after 10,000 CI files with the GC fully off)."""
    if not gc.isenabled():
        yield
        return
    young, middle, full = gc.get_threshold()
    owns_freeze = gc.get_freeze_count() == 0    # never unfreeze what another block froze
    gc.set_threshold(young, middle, NEVER)
    try:
        yield
    finally:
        if owns_freeze:
            gc.freeze()
        gc.set_threshold(young, middle, full)
        if owns_freeze:
            gc.unfreeze()


NEVER = 2**30       # a threshold no count of middle collections reaches


@contextlib.contextmanager
def frozen_heap():
    """What exists now out of the cyclic GC's reach until the block ends (gc.freeze): the
    collected graph is acyclic and lives as long as the scan, yet every full collection
    while linking, judging and reporting walked all of it again (at 10k Terraform
    resources the link stage took 2-6x longer)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
