"""Shards: sources collected without linking, saved, and merged into one graph.

A shard is a snapshot taken before the linkers ran (`"stage": "collected"`), plus where
the repositories it holds can be opened again: the linkers ask a git repository what a
commit tracked (RepositoryReader), a live object that no file can hold. A snapshot without
a stage was saved by `scan --snapshot-out`, after linking: it is replayed alone, as ever.

Merging adds every node, edge, collection error and source of each shard to one graph.
Node ids are source-qualified, so two shards meet on a node only when two sources record
the same thing; their facts are then joined as a single scan joins them (a second sighting
adds the attributes the first lacked). An attribute both hold with different values is a
conflict: the first value is kept and a collection error names the node, the attributes
and both provenances (the scan is incomplete, exit 3) — never a silent overwrite.
"""
from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ..collectors import Source, load_registry
from ..graph import (SNAPSHOT_FORMAT, SNAPSHOT_VERSION, CollectionError, EstateGraph, canonical_bytes,
                     saved_document, shared_provenance)
from ..inputs import load_json

STAGE_COLLECTED = "collected"
MERGE = "merge"          # the `collector` of the collection errors merging records


@dataclass
class Shard:
    graph: EstateGraph
    # repo node id → {"kind", "uri", "root"}: the source that repository was collected from
    readers: dict[str, dict] = field(default_factory=dict)
    origin: str = ""                 # the shard file, or the source, for messages
    # Per source, in collection order: {"position" (the source's place among all the sources
    # resolved, before --shard), "source" (its graph.sources entry), "nodes" (ids it added
    # first), "errors" (how many of graph.errors are its)}. Merging replays the sources in
    # position order, so nodes, sources and errors come in the order a single scan gives them
    # (some linkers keep the first facts they meet).
    segments: list[dict] = field(default_factory=list)
    linked: bool = False             # a snapshot saved after linking (scan --snapshot-out)


def collect_source(source: Source, params: dict, max_parse_bytes: int | None, position: int = 0,
                   exclude: tuple[str, ...] = ()) -> Shard:
    """One source on its own graph, exactly as a single-process scan collects it (the same
    registry, parsers and crash handling): the task a Dask worker runs."""
    from ..collection import collect
    registry = _registry()
    ctx = collect([source], registry, params, max_parse_bytes, list(exclude), finish=False)   # GC off inside
    for reader in ctx.repositories.values():
        close = getattr(reader, "close", None)
        if close:
            close()
    refs = {nid: {"kind": source.kind, "uri": source.uri, "root": source.root} for nid in ctx.repositories}
    segment = _segment(ctx.graph, position)
    pending = {p.name: state for p in ctx.parsers if (state := p.pending()) is not None}
    if pending:
        segment["pending"], segment["collected_at"] = pending, ctx.collected_at
    return Shard(ctx.graph, refs, source.display, [segment])


@functools.lru_cache(maxsize=1)
def _registry() -> dict[str, type]:
    """Read once per process: entry points cost ~0.1 s a read, and a worker runs many tasks."""
    return load_registry()


def _segment(graph: EstateGraph, position: int) -> dict:
    return {"position": position, "source": graph.sources[0], "nodes": list(graph.g.nodes),
            "errors": len(graph.errors)}


def finish_merged(shard: Shard, params: dict) -> None:
    """The parsers' scan-wide finish over merged shards, as a single scan runs it after its
    last source: each source's pending state (segment "pending", in position order) given
    back to a fresh parser, then every parser's finish_scan on the merged graph. A shard
    that is saved again (`mlcheck collect` of several sources) keeps its pending state and
    is not finished: it may yet be merged with the sources its templates name."""
    from ..collection import finish_scan
    from ..collectors import CollectContext, file_parsers
    ctx = CollectContext(shard.graph, params=params, parsers=file_parsers(_registry()))
    # What the finish adds was collected when its last pending source was (a rebuilt graph,
    # from the cache, is the graph first built, collection times included).
    times = [str(s["collected_at"]) for s in shard.segments if s.get("pending") and s.get("collected_at")]
    if times:
        ctx.collected_at = max(times)
    parsers = {p.name: p for p in ctx.parsers}
    for segment in shard.segments:
        for name, state in (segment.get("pending") or {}).items():
            parser = parsers.get(name)
            try:
                if parser is None:
                    raise ValueError("no such file parser here")
                parser.resume(state, ctx)
            except (KeyError, TypeError, ValueError) as exc:
                shard.graph.error(MERGE, segment["source"].get("source", "?"),
                                  f"pending state of parser {name!r} not usable ({type(exc).__name__}: {exc}): "
                                  "references from this source into other trees are not resolved")
    finish_scan(ctx)


def failed_shard(source: Source, reason: str, position: int = 0) -> Shard:
    """A source whose task could not run to the end (its worker died too often): a
    collection error of its own, as a crashed collector is in a single-process scan."""
    graph = EstateGraph()
    graph.sources.append({"kind": source.kind, "source": source.display})
    graph.error(source.kind, source.display, reason)
    return Shard(graph, {}, source.display, [_segment(graph, position)])


def save_shard(shard: Shard, path: Path) -> None:
    """A snapshot of the collected (not linked) graph, with where its repositories are."""
    graph = shard.graph
    document = graph.document()
    doc = {"format": SNAPSHOT_FORMAT, "version": SNAPSHOT_VERSION, "stage": STAGE_COLLECTED,
           "digest": graph.digest(document), "sources": graph.sources, "readers": shard.readers,
           "segments": shard.segments,
           "collection_errors": [e.as_dict() for e in graph.errors], **document}
    sealed = pending_digest(shard.segments)
    if sealed:
        doc["pending_digest"] = sealed
    tmp = Path(path).with_name(Path(path).name + ".tmp")
    tmp.write_bytes(saved_document(doc))
    tmp.replace(path)          # a reader never sees half a shard (the cache shares files)


def load_snapshot(path: Path) -> Shard:
    """A shard from its file (`linked` when it is a snapshot scan --snapshot-out saved).
    ValueError with the reason for a bad file, or one changed after it was saved."""
    doc = load_json(Path(path), "snapshot")
    graph = EstateGraph.from_document(doc, str(path))
    stored = doc.get("digest")
    matches, actual = graph.matches_digest(stored)
    if not matches:
        raise ValueError(f"{path}: the snapshot's content does not match its digest "
                         f"(stored {stored}, content {actual}): it was changed after it was saved; refused")
    stage = doc.get("stage")
    segments = doc.get("segments")
    if isinstance(segments, list) and doc.get("pending_digest") != pending_digest(segments):
        raise ValueError(f"{path}: the snapshot's pending parser state does not match its digest: "
                         "it was changed after it was saved; refused")
    if stage is None:
        return Shard(graph, origin=str(path), linked=True)
    if stage != STAGE_COLLECTED:
        raise ValueError(f"{path}: unknown snapshot stage {stage!r}")
    readers = doc.get("readers", {})
    if not isinstance(readers, dict) or not all(
            isinstance(r, dict) and all(isinstance(r.get(k), str) for k in ("kind", "uri", "root"))
            for r in readers.values()):
        raise ValueError(f"{path}: malformed snapshot: 'readers' must map repo ids to {{kind, uri, root}}")
    if not _segments_fit(segments, graph):
        raise ValueError(f"{path}: malformed snapshot: 'segments' must list, per source, its position, "
                         "source entry, node ids and error count, covering every node and source once")
    return Shard(graph, readers, str(path), segments)


def pending_digest(segments: list) -> str | None:
    """sha256 of the parsers' pending state the segments carry (None without any): the
    graph's digest does not cover it, and the merge reads templates out of it."""
    pending = [s.get("pending") if isinstance(s, dict) else None for s in segments]
    if not any(pending):
        return None
    return "sha256:" + hashlib.sha256(canonical_bytes(pending)).hexdigest()


def _segments_fit(segments, graph: EstateGraph) -> bool:
    if not isinstance(segments, list) or not all(
            isinstance(s, dict) and type(s.get("position")) is int and isinstance(s.get("source"), dict)
            and isinstance(s.get("nodes"), list) and type(s.get("errors")) is int and s["errors"] >= 0
            and isinstance(s.get("pending", {}), dict)
            for s in segments):
        return False
    ids = [nid for s in segments for nid in s["nodes"]]
    return (len(ids) == len(graph) and set(ids) == set(graph.g.nodes)
            and [s["source"] for s in segments] == graph.sources
            and sum(s["errors"] for s in segments) <= len(graph.errors))


def trusted_shard(doc: dict, origin: str) -> Shard:
    """A shard this mlcheck wrote and authenticated (the cache's HMAC): its strings went
    through the graph's door when it was collected, so they are adopted as they are
    (cleaning and the digest would cost as much as collecting a git repository again)."""
    graph = EstateGraph()
    for nid, node in doc["nodes"].items():
        node["provenance"] = shared_provenance(node["provenance"])
        graph.adopt_node(nid, node)
    for e in doc["edges"]:
        graph.g.add_edge(e["src"], e["dst"], key=e["kind"], kind=e["kind"])
    graph.errors = [CollectionError(**e) for e in doc["collection_errors"]]
    graph.sources = doc["sources"]
    return Shard(graph, doc["readers"], origin, doc["segments"])


def load_snapshots(paths: list[Path], params: dict | None = None) -> tuple[EstateGraph, dict | None]:
    """--from-snapshot, once or repeated: (graph, repository readers). One linked snapshot
    is replayed as it is (readers None: the linkers do not run again); shards are merged
    and their repositories opened again for the linkers."""
    shards = []
    for path in paths:
        shard = load_snapshot(path)
        if shard.linked:
            if len(paths) > 1:
                raise ValueError(f"{path} was saved after linking (scan --snapshot-out): only shards "
                                 "from `mlcheck collect` can be merged; replay it on its own")
            return shard.graph, None
        shards.append(shard)
    merged = merge_files(shards)
    finish_merged(merged, params or {})
    return merged.graph, open_readers(merged.graph, merged.readers)


def merge(shards) -> Shard:
    """One graph from shards whose sources come in position order (as the pipeline yields
    them): each shard is merged and can be let go before the next arrives."""
    merged, conflicts = Shard(EstateGraph()), []
    for shard in shards:
        for segment, errors in _with_errors(shard):
            _add_nodes(merged, shard, segment, errors, conflicts)
        _add_rest(merged, shard, conflicts)
    merged.graph.errors += conflicts
    return merged


def merge_files(shards: list[Shard]) -> Shard:
    """Shards in any order (files from CI jobs, each a share of the sources): their sources
    replayed in position order, so the result is what one collection of them all gives."""
    merged, conflicts = Shard(EstateGraph()), []
    segments = sorted(((segment["position"], n, segment, errors) for n, shard in enumerate(shards)
                       for segment, errors in _with_errors(shard)), key=lambda s: s[:2])
    for _, n, segment, errors in segments:
        _add_nodes(merged, shards[n], segment, errors, conflicts)
    for shard in shards:
        _add_rest(merged, shard, conflicts)
    merged.graph.errors += conflicts
    return merged


def _with_errors(shard: Shard):
    first = 0
    for segment in shard.segments:
        yield segment, shard.graph.errors[first:first + segment["errors"]]
        first += segment["errors"]


def _add_nodes(merged: Shard, shard: Shard, segment: dict, errors: list, conflicts: list) -> None:
    """A source's nodes (new ones added, known ones enriched), its entry and its errors."""
    graph, g, new = merged.graph, merged.graph.g, []
    nodes = shard.graph.g.nodes
    for nid in segment["nodes"]:
        data = nodes[nid]
        if nid not in g:
            graph.adopt_node(nid, data)
            new.append(nid)
            continue
        have = g.nodes[nid]
        differ = sorted(k for k, v in data["attrs"].items() if k in have["attrs"] and have["attrs"][k] != v)
        if differ:
            graph.error(MERGE, nid, f"merge conflict: {', '.join(differ)} differ(s) between "
                                    f"{_where(have['provenance'])} (kept) and {_where(data['provenance'])} "
                                    f"(from {shard.origin})")
            conflicts.append(graph.errors.pop())
        have["attrs"].update({k: v for k, v in data["attrs"].items() if k not in have["attrs"]})
    graph.sources.append(segment["source"])
    graph.errors += errors
    merged.segments.append({**segment, "nodes": new, "errors": len(errors)})


def _add_rest(merged: Shard, shard: Shard, conflicts: list) -> None:
    """A shard's edges (between its own nodes, all added by now), readers and the merge
    conflicts it already held (the errors past its sources')."""
    g = merged.graph.g
    for src, dst, kind in shard.graph.g.edges(keys=True):      # ids as the shard's door made them
        g.add_edge(src, dst, key=kind, kind=kind)
    merged.readers.update(shard.readers)
    conflicts += shard.graph.errors[sum(s["errors"] for s in shard.segments):]


def _where(provenance: dict) -> str:
    if not provenance:
        return "a linker"
    line = f":{provenance['line']}" if provenance.get("line") is not None else ""
    return f"{provenance.get('source', '?')}{line} ({provenance.get('collector', '?')})"


def open_readers(graph: EstateGraph, refs: dict[str, dict]) -> dict:
    """The repository readers the linkers need, opened again where this process can reach
    the repositories; one it cannot is a collection error (its runs' source files cannot
    be checked), never a silent gap."""
    readers = {}
    for nid, ref in refs.items():
        opener = READER_OPENERS.get(ref["kind"])
        problem = "no reader for this kind of source" if opener is None else None
        reader = None
        if opener is not None:
            reader, problem = opener(ref)
        if reader is None:
            graph.error(MERGE, nid, f"repository not reachable from the merging machine ({problem}): "
                                    "the source files of runs built from it cannot be checked")
        else:
            readers[nid] = reader
    return readers


def _open_git(ref: dict):
    """A GitTreeReader on the repository at ref's uri, with the collector's own checks."""
    from ..collectors.git import Git, GitError, GitTreeReader, find_enclosing_repo
    from ..collectors.safety import git_dir_problem, is_worktree
    top = find_enclosing_repo(Path(ref["uri"]))
    if top is None:
        return None, f"{ref['uri']} is not a git repository here"
    problem = git_dir_problem(top, ref["root"] or top)
    if problem:
        return None, problem
    if not is_worktree(str(top)):
        return GitTreeReader(Git(str(top), None)), None
    git = Git(str(top / ".git"), str(top))
    if (top / ".git").is_file():      # linked work tree or submodule: its real git dir
        try:
            git = Git(git.text("rev-parse", "--absolute-git-dir").strip(), str(top))
        except GitError as exc:
            return None, str(exc)
    return GitTreeReader(git), None


READER_OPENERS = {"git": _open_git}

