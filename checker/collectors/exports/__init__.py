"""Cloud exports: what is deployed, read from JSON files found in the scanned trees
(issue 8, "Cloud exports"). A scheduled report can check production where no IaC exists.

Every `*.json` file is looked at; only the shapes below are read, whatever the file is
called, and any other JSON is left alone without a word:
- Azure (azure.py): Resource Graph results, `az resource list` / `az … show` output
  (ARM or flat SDK shape), `az ml … show` output → resources of format `azure-export`
  (`azureml-export` for the CLI v2 shape), node `resource:azure:<ARM id, lower case>`, so
  one resource exported twice is one node and IaC declaring it links to it by ARM id;
- Kubernetes (k8s.py): `kubectl get … -o json` lists → format `k8s-export`.

A file that claims one of these shapes but breaks it (JSON that ends early, a row that
is not a resource, `data` that is not a list) is one collection error naming the file
and line; the good rows of a list are still collected.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .. import CollectContext, FileParser, FileRef
from ...safeyaml import describe
from ...cloud import RawResource
from ..resources import emit, node_key
from . import azure, k8s
from .common import Item, Lines, as_text, top_level

# Cheap checks on the text before any JSON is decoded (most JSON in a repository is
# neither): an ARM id, or a Kubernetes object from a cluster.
_ARM_ID = re.compile(r'"/subscriptions/[^"]*/providers/', re.I)
_K8S = re.compile(r'"kind"\s*:\s*"List"|"uid"\s*:')
_GRAPH = re.compile(r'"(?:skip_token|\$skipToken|total_records|totalRecords)"\s*:')
LISTS = ("data", "value", "items")


class ExportsParser(FileParser):
    name = "exports"
    patterns = ("*.json",)

    def __init__(self) -> None:
        # tree → node key → the best sighting so far: one resource exported in several
        # files of a tree (a Resource Graph page and `az … show`) is one node, with the
        # facts of its fullest export (a row without properties knows none).
        self._pending: dict[str, dict[str, _Sighting]] = {}

    def parse(self, ref: FileRef, data: bytes, ctx: CollectContext) -> None:
        try:
            text = as_text(data)
        except UnicodeDecodeError as exc:
            if _ARM_ID.search(data.decode("utf-8", "replace")):
                self._error(ctx, ref, f"not UTF-8 or UTF-16 text: {exc.reason}",
                            data[:exc.start].count(b"\n") + 1)
            return
        azure_like = bool(_ARM_ID.search(text) or _GRAPH.search(text))
        k8s_like = bool(_K8S.search(text))
        if not (azure_like or k8s_like):
            return
        try:
            doc, lists = top_level(text, LISTS)
        except json.JSONDecodeError as exc:
            self._error(ctx, ref, f"invalid JSON: {exc.msg}", exc.lineno)
            return
        Reader(self, ref, ctx, Lines(text)).read(doc, lists)

    def finish(self, tree: str, ctx: CollectContext) -> None:
        for sighting in self._pending.pop(tree, {}).values():
            nid = emit(ctx, sighting.ref, sighting.raw)
            for other in sighting.others:
                ctx.graph.add_edge(nid, other.node, "defined_in")

    def _error(self, ctx: CollectContext, ref: FileRef, reason: str, line: int | None) -> None:
        ctx.graph.error(self.name, ref.display, reason, line)

    def _seen(self, ref: FileRef, raw: RawResource) -> None:
        found = self._pending.setdefault(ref.tree, {})
        key = ":".join(node_key(raw, ref))          # one node, whatever the shape it came in
        rank = _completeness(raw)
        old = found.get(key)
        if old is None:
            found[key] = _Sighting(rank, ref, raw, [])
        elif rank > old.rank:
            found[key] = _Sighting(rank, ref, raw, [*old.others, old.ref])
        elif ref.node != old.ref.node:
            old.others.append(ref)


@dataclass
class _Sighting:
    rank: int
    ref: FileRef
    raw: RawResource
    others: list[FileRef]


def _completeness(raw: RawResource) -> int:
    """2: the resource's properties as exported; 1: none (az resource list, a projection)."""
    return 1 if raw.properties.get("properties") is azure.NO_PROPERTIES else 2


class Reader:
    """One export file: which shape it is, its resources, its one problem."""

    def __init__(self, parser: ExportsParser, ref: FileRef, ctx: CollectContext, lines: Lines) -> None:
        self.parser, self.ref, self.ctx, self.lines = parser, ref, ctx, lines

    def read(self, doc: Any, lists: dict[str, list[Item]]) -> None:
        if k8s.is_list(doc):
            self._k8s_items(doc, lists.get("items"))
        elif k8s.is_live_object(doc):
            self._k8s(doc, None)
        elif isinstance(doc, dict) and "data" in doc and any(m in doc for m in azure.GRAPH_MARKERS):
            self._graph(doc, lists.get("data"))
        elif isinstance(doc, dict) and isinstance(doc.get("value"), list) and \
                any(azure.shape_of(item) for item in doc["value"]):
            self._rows("value", lists["value"], flat_ok=True)
        elif isinstance(doc, list) and any(azure.shape_of(item) for item in doc):
            self._rows("", lists[""], flat_ok=True)
        elif azure.shape_of(doc):
            self._emit(azure.resource(doc, None))

    # -- Azure ---------------------------------------------------------------------
    def _graph(self, doc: dict, items: list[Item] | None) -> None:
        data = doc["data"]
        if items is not None:
            self._rows("data", items, flat_ok=False)
            return
        rows = azure.table_rows(data) if isinstance(data, dict) else None
        if rows is None:
            self._problem("data: expected a list of rows (or a table of columns and rows), found "
                          f"{describe(data)}", None)
            return
        self._rows("data.rows", [Item(row, -1) for row in rows], flat_ok=False)

    def _rows(self, where: str, items: list[Item], flat_ok: bool) -> None:
        bad: list[tuple[int, Item, str]] = []
        for index, item in enumerate(items):
            line = self.lines.at(item.offset) if item.offset >= 0 else None
            shape = azure.shape_of(item.value)
            if shape is None:
                bad.append((index, item, _azure_problem(item.value)))
                continue
            self._emit(azure.resource(item.value, line, flat_ok=flat_ok, shape=shape))
        self._report(where, bad)

    # -- Kubernetes -------------------------------------------------------------------
    def _k8s_items(self, doc: dict, items: list[Item] | None) -> None:
        if items is None:
            self._problem(f"items: expected a list, found {describe(doc['items'])}", None)
            return
        bad: list[tuple[int, Item, str]] = []
        for index, item in enumerate(items):
            reason = k8s.problem(item.value)
            if reason:
                bad.append((index, item, reason))
                continue
            self._k8s(item.value, self.lines.at(item.offset))
        self._report("items", bad)

    def _k8s(self, obj: dict, line: int | None) -> None:
        reason = k8s.problem(obj)
        if reason:
            self._problem(f"a Kubernetes object with {reason}; not collected", line)
            return
        self._emit(k8s.resource(obj, line, self.ref.display))

    # -- shared ---------------------------------------------------------------------------
    def _emit(self, raw: RawResource) -> None:
        self.parser._seen(self.ref, raw)

    def _report(self, where: str, bad: list[tuple[int, Item, str]]) -> None:
        """One problem for the file, at its first bad item (the others counted)."""
        if not bad:
            return
        index, item, reason = bad[0]
        more = f" (and {len(bad) - 1} more like it)" if len(bad) > 1 else ""
        place = f"{where}[{index}]" if where else f"item {index}"
        self._problem(f"{place}: {reason}; not collected{more}",
                      self.lines.at(item.offset) if item.offset >= 0 else None)

    def _problem(self, reason: str, line: int | None) -> None:
        self.parser._error(self.ctx, self.ref, reason, line)


def _azure_problem(value: Any) -> str:
    if not isinstance(value, dict):
        return f"not a resource object but {describe(value)}"
    if not isinstance(value.get("id"), str):
        return "no id (a Resource Graph query must project id and type for a row to be collected)"
    if azure.arm_type_of(value["id"]) is None:
        return "id is not an ARM resource id"
    return "no ARM type"
