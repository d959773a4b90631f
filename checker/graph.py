"""The estate graph: typed nodes with provenance, typed edges, snapshots.

Every stage reads and writes this one structure (DESIGN.md, "The estate graph").
Node ids are `<kind>:<source-qualified key>`; missing facts are absent edges.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

import networkx as nx
import orjson

from .redact import clean, clean_text

NODE_KINDS = frozenset({
    "repo", "commit", "file", "experiment", "run", "model", "model_version",
    "dataset", "environment", "pipeline", "job", "endpoint", "deployment",
    "resource", "network", "identity", "step",
})

EDGE_KINDS = frozenset({
    "version_of", "produced_by", "built_from", "source_file", "reads", "writes",
    "contains", "tracked_by", "deploys", "serves", "runs_on", "in_workspace",
    "uses", "exposes", "private_link", "defined_in", "stored_in", "needs",
})

SNAPSHOT_FORMAT = "mlcheck-snapshot"
SNAPSHOT_VERSION = 1


def node_id(kind: str, key: str) -> str:
    """Ids pass redact.clean like every recorded string (a file name can hold a token)."""
    return clean_text(f"{kind}:{key}")


def _ends(adjacent: dict | None, kind: str | None) -> list[str]:
    """The other ends of a node's edges from networkx's adjacency dict ({end: {kind: data}}:
    edges are keyed by kind), one per edge, in networkx's order. Its edge views cost a
    generator step per edge: asked for one `defined_in` edge of a pipeline with 5,000 jobs,
    5,000 times, they took 100 s."""
    if not adjacent:
        return []
    if kind is None:
        return [end for end, keys in adjacent.items() for _ in keys]
    return [end for end, keys in adjacent.items() if kind in keys]


def _clear_nx_cache(g: nx.MultiDiGraph) -> None:
    """What networkx does after every change (nx._clear_cache): converted copies of the
    graph it may have cached are stale."""
    cache = g.__dict__.get("__networkx_cache__")
    if cache:
        cache.clear()


def utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Provenance:
    collector: str
    source: str            # path relative to the scan root as given, or a URL
    line: int | None = None
    collected_at: str = ""

    def as_dict(self) -> dict:
        out = {"collector": self.collector, "source": self.source,
               "collected_at": self.collected_at}
        if self.line is not None:
            out["line"] = self.line
        return out


@dataclass
class CollectionError:
    """A source or file that could not be (fully) collected. Never fatal."""
    collector: str
    source: str
    reason: str
    line: int | None = None

    def as_dict(self) -> dict:
        out = {"collector": self.collector, "source": self.source, "reason": self.reason}
        if self.line is not None:
            out["line"] = self.line
        return out

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.reason} ({self.collector})"


class EstateGraph:
    """A MultiDiGraph with the vocabulary enforced at the door."""

    def __init__(self) -> None:
        self.g = nx.MultiDiGraph()
        self._by_kind: dict[str, dict[str, None]] = {}     # kind → ids, in insertion order
        self.errors: list[CollectionError] = []
        self.sources: list[dict] = []

    # -- building ---------------------------------------------------------
    def add_node(self, kind: str, key: str, attrs: dict | None = None,
                 provenance: Provenance | None = None) -> str:
        if kind not in NODE_KINDS:
            raise ValueError(f"unknown node kind {kind!r}")
        # Everything recorded passes redact.clean: the one point where secrets are masked.
        nid = node_id(kind, key)
        attrs = clean(attrs) if attrs else {}
        g = self.g
        node = g._node.get(nid)
        if node is not None:
            # A second sighting enriches the node; first provenance wins.
            node["attrs"].update(attrs)
            return nid
        prov = _provenance(provenance) if provenance else {}
        # What MultiDiGraph.add_node does, straight into its dicts: its checks, views and
        # factory calls were most of a node's cost (every collector adds one per fact).
        g._succ[nid], g._pred[nid] = {}, {}
        g._node[nid] = {"kind": kind, "attrs": attrs, "provenance": prov}
        _clear_nx_cache(g)
        self._by_kind.setdefault(kind, {})[nid] = None
        return nid

    def adopt_node(self, nid: str, data: dict) -> None:
        """A node of another EstateGraph, already through the door: added as it is (merging
        shards, checker/scale, copies graphs that were cleaned when they were built)."""
        self.g.add_node(nid, kind=data["kind"], attrs=data["attrs"], provenance=data["provenance"])
        self._by_kind.setdefault(data["kind"], {})[nid] = None

    def update_attrs(self, nid: str, **attrs: Any) -> None:
        self.node(nid)["attrs"].update(clean(attrs))

    def add_edge(self, src: str, dst: str, kind: str, **attrs: Any) -> None:
        if kind not in EDGE_KINDS:
            raise ValueError(f"unknown edge kind {kind!r}")
        g = self.g
        succ = g._succ
        src, dst = self._stored_id(src), self._stored_id(dst)
        for end in (src, dst):
            if end not in succ:
                raise KeyError(f"edge {kind} refers to unknown node {end}")
        # Edges are keyed by kind: one of each. Into MultiDiGraph's dicts as its add_edge
        # puts them (one key dict shared by both ends, the attrs dict in the same order).
        keys = succ[src].get(dst)
        if keys is None:
            keys = succ[src][dst] = g._pred[dst][src] = {}
        elif kind in keys:
            return
        keys[kind] = {"kind": kind, **attrs}
        _clear_nx_cache(g)

    def note_unresolved(self, nid: str, field: str, value: Any, reason: str) -> None:
        """A reference that could not be joined: kept with its raw value and the reason."""
        self.node(nid)["attrs"].setdefault("unresolved", {})[field] = clean({"value": value, "reason": reason})

    def error(self, collector: str, source: str, reason: str, line: int | None = None) -> None:
        self.errors.append(CollectionError(collector, clean_text(source), clean_text(reason), line))

    # -- reading ----------------------------------------------------------
    def __contains__(self, nid: str) -> bool:
        return isinstance(nid, str) and self._stored_id(nid) in self.g._node

    def _stored_id(self, nid: str) -> str:
        """The id as the graph holds it: as given when it is one (it passed the door: the
        common case, 52k rule hits and most edges at 200k nodes), else as node_id cleans it."""
        return nid if nid in self.g._node else clean_text(nid)

    def __len__(self) -> int:
        return self.g.number_of_nodes()

    def node(self, nid: str) -> dict:
        # networkx's own node dict: the NodeView's lookup cost more than the rest of a graph
        # condition (rules test millions of nodes at 200k).
        return self.g._node[self._stored_id(nid)]

    def nodes(self, kind: str | None = None) -> Iterator[tuple[str, dict]]:
        if kind is None:
            yield from self.g.nodes(data=True)
            return
        # From the kind index: the linkers ask for runs, commits, files … of a 200k-node graph.
        nodes = self.g.nodes
        for nid in list(self._by_kind.get(kind, ())):
            yield nid, nodes[nid]

    def out_edges(self, nid: str, kind: str | None = None) -> Iterator[str]:
        """The ends of a node's edges (of this kind), taken when asked: a linker may add
        edges to the node while it goes through them (a live view raised "dictionary
        changed size during iteration")."""
        return iter(_ends(self.g._succ.get(nid), kind))

    def in_edges(self, nid: str, kind: str | None = None) -> Iterator[str]:
        """The starts of the edges into a node (of this kind), taken when asked (see out_edges)."""
        return iter(_ends(self.g._pred.get(nid), kind))

    def ids_by_kind(self) -> dict[str, list[str]]:
        """Node ids by kind, in the order they were added (from the index add_node keeps)."""
        return {kind: list(ids) for kind, ids in self._by_kind.items()}

    def count_by_kind(self) -> dict[str, int]:
        return dict(sorted((kind, len(ids)) for kind, ids in self._by_kind.items()))

    # -- the document rules and snapshots see --------------------------------
    def document(self) -> dict:
        """The Rego input contract: {"nodes": {id: {kind, attrs, provenance}}, "edges": [...]}."""
        nodes = {nid: {"kind": d["kind"], "attrs": d["attrs"], "provenance": d["provenance"]}
                 for nid, d in sorted(self.g.nodes(data=True))}
        edges = sorted(({"src": s, "dst": t, "kind": d["kind"]}
                        for s, t, d in self.g.edges(data=True)),
                       key=lambda e: (e["src"], e["dst"], e["kind"]))
        return {"nodes": nodes, "edges": edges}

    def subdocument(self, node_ids: Iterable[str], extra_edges: Iterable[tuple[str, str, str]] = (),
                    attrs: dict[str, list[str]] | None = None, provenance: bool = True) -> dict:
        """The document restricted to these nodes, the edges between them, and `extra_edges`
        ((src, dst, kind), whose ends may lie outside); `attrs`: per kind, the only
        attributes kept; `provenance=False`: nodes without theirs. Rego rules that declare
        what they read get this, so a 50k-commit history costs nothing to rules that never
        read it; its cost follows the part taken, not the graph (callers pick ids from an
        index)."""
        attrs = attrs or {}
        nodes = {}
        data = self.g._node         # networkx's own dicts: its views cost as much as the copy
        for nid in sorted(node_ids):
            d = data[nid]
            keep = attrs.get(d["kind"])
            facts = d["attrs"] if keep is None else {a: d["attrs"][a] for a in keep if a in d["attrs"]}
            nodes[nid] = ({"kind": d["kind"], "attrs": facts, "provenance": d["provenance"]} if provenance
                          else {"kind": d["kind"], "attrs": facts})
        edges = set(extra_edges)
        succ = self.g._succ         # src -> dst -> {kind: data}
        for src in nodes:
            for dst, kinds in succ[src].items():
                if dst in nodes:
                    edges.update((src, dst, kind) for kind in kinds)
        return {"nodes": nodes, "edges": [{"src": s, "dst": t, "kind": k} for s, t, k in sorted(edges)]}

    def digest(self, doc: dict | None = None) -> str:
        """sha256 of the collected content: facts and edges, not collection times."""
        return "sha256:" + hashlib.sha256(canonical_bytes(self._content(doc))).hexdigest()

    def matches_digest(self, stored: Any) -> tuple[bool, str]:
        """Whether `stored` (a saved snapshot's digest) is this content's, and the digest
        now. A snapshot saved before the digest was hashed over orjson's canonical form
        (its floats written as Python writes them) is checked in that form too."""
        actual = self.digest()
        if stored == actual:
            return True, actual
        legacy = "sha256:" + hashlib.sha256(canonical_json(self._content(None)).encode()).hexdigest()
        return stored == legacy, actual

    def _content(self, doc: dict | None) -> dict:
        # Straight from the graph when no document is at hand: the canonical form sorts the
        # node ids itself, so only the edges need sorting (a document sorts both).
        nodes = doc["nodes"].items() if doc else self.g.nodes(data=True)
        edges = doc["edges"] if doc else [{"src": s, "dst": t, "kind": k}
                                          for s, t, k in sorted(self.g.edges(keys=True))]
        timeless: dict[int, dict] = {}      # by id: nodes share provenance dicts (shared_provenance)

        def without_time(provenance: dict) -> dict:
            found = timeless.get(id(provenance))
            if found is None:
                found = timeless[id(provenance)] = {k: v for k, v in provenance.items() if k != "collected_at"}
            return found
        return {
            "nodes": {nid: {"kind": n["kind"], "attrs": n["attrs"], "provenance": without_time(n["provenance"])}
                      for nid, n in nodes},
            "edges": edges,
            "errors": sorted((e.as_dict() for e in self.errors), key=canonical_json),
        }

    def save(self, path: Path) -> None:
        document = self.document()
        doc = {"format": SNAPSHOT_FORMAT, "version": SNAPSHOT_VERSION,
               "digest": self.digest(document), "sources": self.sources,
               "collection_errors": [e.as_dict() for e in self.errors], **document}
        Path(path).write_bytes(saved_document(doc))

    @classmethod
    def load(cls, path: Path) -> "EstateGraph":
        """Load a snapshot; raises ValueError with the reason on a bad file, including one
        whose content does not match the digest it carries (edited after it was saved)."""
        from .inputs import load_json
        doc = load_json(path, "snapshot")
        graph = cls.from_document(doc, str(path))
        stored = doc.get("digest")
        matches, actual = graph.matches_digest(stored)
        if not matches:
            raise ValueError(f"{path}: the snapshot's content does not match its digest "
                             f"(stored {stored}, content {actual}): it was changed after it was saved; refused")
        return graph

    @classmethod
    def from_document(cls, doc: dict, origin: str = "<snapshot>") -> "EstateGraph":
        if not isinstance(doc, dict) or doc.get("format") != SNAPSHOT_FORMAT:
            raise ValueError(f"{origin}: not an mlcheck snapshot (format != {SNAPSHOT_FORMAT})")
        if doc.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"{origin}: unsupported snapshot version {doc.get('version')!r}")
        graph = cls()
        if not isinstance(doc.get("nodes"), dict) or not isinstance(doc.get("edges"), list):
            raise ValueError(f"{origin}: malformed snapshot: 'nodes' must be an object and 'edges' a list")
        try:
            for nid, n in doc["nodes"].items():
                _check_node_shape(nid, n)
                kind, _, key = nid.partition(":")
                graph.add_node(kind, key, n.get("attrs", {}))
                graph.g.nodes[nid]["provenance"] = shared_provenance(dict(n.get("provenance", {})))
            for e in doc["edges"]:
                if not isinstance(e, dict):
                    raise ValueError(f"edge {e!r} is not an object")
                graph.add_edge(e["src"], e["dst"], e["kind"])
            graph.errors = [_collection_error(e) for e in doc.get("collection_errors", [])]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"{origin}: malformed snapshot: {exc}") from exc
        sources = doc.get("sources", [])
        if not isinstance(sources, list) or not all(isinstance(s, dict) for s in sources):
            raise ValueError(f"{origin}: malformed snapshot: 'sources' must be a list of objects")
        graph.sources = list(sources)
        return graph


def _provenance(provenance: Provenance) -> dict:
    """clean(provenance.as_dict()), built once: its keys are constant names of no
    credential, so cleaning it is cleaning each value (as_dict's dict was copied again)."""
    if type(provenance) is not Provenance:
        return shared_provenance(clean(provenance.as_dict()))
    out = {"collector": clean(provenance.collector), "source": clean(provenance.source),
           "collected_at": clean(provenance.collected_at)}
    if provenance.line is not None:
        out["line"] = clean(provenance.line)
    return shared_provenance(out)


def shared_provenance(provenance: dict) -> dict:
    """One dict for equal provenances (every commit of a repository, every record of an
    MLflow store has the same): at --scale 1 that is 400k dicts fewer in the scan and in
    each rule child that reads them. Nothing changes a node's provenance once it is added."""
    try:
        key = tuple((k, v, type(v)) for k, v in provenance.items())
        shared = _SHARED_PROVENANCE.get(key)
    except TypeError:             # an unhashable value (a hand-made snapshot): kept as it is
        return provenance
    if shared is None:
        if len(_SHARED_PROVENANCE) >= _SHARED_MAX:
            _SHARED_PROVENANCE.clear()
        shared = _SHARED_PROVENANCE[key] = provenance
    return shared


_SHARED_PROVENANCE: dict[tuple, dict] = {}
_SHARED_MAX = 50_000


def _collection_error(entry: Any) -> CollectionError:
    if not isinstance(entry, dict):
        raise ValueError(f"collection error {entry!r} is not an object")
    error = CollectionError(**entry)
    if not all(isinstance(v, str) for v in (error.collector, error.source, error.reason)) or not (
            error.line is None or (isinstance(error.line, int) and not isinstance(error.line, bool))):
        raise ValueError(f"collection error {entry!r}: collector, source and reason are strings, line a number")
    return error


def _check_node_shape(nid: str, n: Any) -> None:
    """The structure every stage relies on; attribute values are facts and may be anything."""
    if not isinstance(n, dict) or n.get("kind") != nid.partition(":")[0]:
        raise ValueError(f"node {nid} is not an object with kind {nid.partition(':')[0]!r}")
    for part in ("attrs", "provenance"):
        if not isinstance(n.get(part, {}), dict):
            raise ValueError(f"node {nid}: {part} must be an object")
    unresolved = n.get("attrs", {}).get("unresolved", {})
    if not isinstance(unresolved, dict) or not all(isinstance(v, dict) for v in unresolved.values()):
        raise ValueError(f"node {nid}: attrs.unresolved must map fields to {{value, reason}} objects")


def canonical_json(value: Any, indent: int | None = None) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, indent=indent,
                      separators=(",", ": ") if indent else (",", ":"), default=str)


# What orjson writes as Python's json would not: datetimes and dataclasses go to `default`.
_CANONICAL = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | \
    orjson.OPT_PASSTHROUGH_DATACLASS


def saved_document(value: Any) -> bytes:
    """A document mlcheck saves (snapshot, shard): canonical_bytes' form indented by two,
    a newline at the end. A 200k-node snapshot: json's indenting encoder is pure Python."""
    try:
        return orjson.dumps(value, default=str, option=_CANONICAL | orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    except orjson.JSONEncodeError:
        return (canonical_json(value, indent=1) + "\n").encode("utf-8")


def canonical_bytes(value: Any) -> bytes:
    """The graph digest's canonical form: compact UTF-8 JSON with sorted keys, as
    canonical_json gives it but for number forms (orjson writes 1e-7 where Python writes
    1e-07, and NaN as null), three times faster: a 200k-node graph is 270 MB of it. What
    orjson refuses (integers beyond 64 bits, lone surrogates, nesting beyond 254) takes
    canonical_json, so the same content always has the same form."""
    try:
        return orjson.dumps(value, default=str, option=_CANONICAL)
    except orjson.JSONEncodeError:
        return canonical_json(value).encode("utf-8", "surrogatepass")


def iter_attr(attrs: dict, dotted: str) -> tuple[bool, Any]:
    """Look up a dotted attribute path; returns (found, value)."""
    if "." not in dotted:
        return (True, attrs[dotted]) if isinstance(attrs, dict) and dotted in attrs else (False, None)
    cur: Any = attrs
    for part in dotted.split("."):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        else:
            return False, None
    return True, cur

