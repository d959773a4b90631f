"""What the DVC file readers share: paths, hashes, the file being read (its problems and
the nodes it writes) and the fields several file types hold (wdir, cmd, outs/deps entries,
out options)."""
from __future__ import annotations

import posixpath
from pathlib import PurePosixPath
from typing import Any, Iterator

from .. import CollectContext, FileRef
from ..text import short
from ..urls import is_url, url_without_secrets
from ...graph import node_id
from ...safeyaml import Fields, describe, line_of

NAME = "dvc"            # the parser's name, in provenance and collection errors
HASH_FIELDS = ("md5", "etag", "checksum")       # DVC's hash fields, in the order it prefers them
OUT_FLAGS = {"cache": True, "push": True, "persist": False}   # DVC's defaults
# Stage deps with these extensions are code, not data: they get no dataset node.
CODE_EXTS = frozenset({
    ".py", ".ipynb", ".r", ".sh", ".bash", ".sql", ".scala", ".jl", ".js", ".ts", ".java",
    ".go", ".rb", ".pl", ".m", ".c", ".cc", ".cpp", ".h", ".rs", ".ps1", ".bat", ".cmd",
})


# -- small facts ---------------------------------------------------------------

def repo_path(base_dir: str, wdir: str, path: str) -> str:
    """A path declared in a DVC file, made relative to the repository root."""
    if is_url(path):
        return url_without_secrets(path)
    if path.startswith("/"):
        return posixpath.normpath(path)
    return posixpath.normpath(posixpath.join(base_dir, wdir, path))


def is_code(path: str) -> bool:
    return PurePosixPath(path).suffix.lower() in CODE_EXTS


def is_templated(value: Any) -> bool:
    return isinstance(value, str) and "${" in value


def checksum(entry: dict, name: str, field: str, read: Fields) -> str | None:
    """A hash as DVC's schema takes it (CHECKSUM_SCHEMA): a string, or an integer it turns
    into one, of at least 3 characters; null or "" is none."""
    value = read.get(entry, name, f"{field}.{name}", "text", "integer", null_ok=True)
    if value is None or value == "":
        return None
    if len(str(value)) < 3:
        read.report(f"{field}.{name}: expected a hash of at least 3 characters, found "
                    f"{describe(value)}", line_of(entry, name))
        return None
    return str(value)


def hash_facts(entry: dict, field: str, read: Fields) -> dict:
    """md5/hash/etag/version_id/size/nfiles/is_dir of one out or dep entry."""
    values = {name: value for name in HASH_FIELDS
              if (value := checksum(entry, name, field, read)) is not None}
    values.update({name: value for name in ("hash", "version_id")
                   if (value := read.scalar(entry, name, f"{field}.{name}")) is not None})
    facts: dict = {}
    algo = next((f for f in HASH_FIELDS if f in values), None)
    if algo:
        facts["md5"] = values[algo]
        # DVC 3 writes `hash: md5`; DVC 2 files name no algorithm (their field is it).
        facts["hash"] = values.get("hash", algo)
    for name in ("etag", "version_id"):
        if name in values:
            facts[name] = values[name]
    for name in ("size", "nfiles"):
        count = read.get(entry, name, f"{field}.{name}", "integer")
        if count is not None:
            facts[name] = count
    if facts.get("md5", "").endswith(".dir") or "nfiles" in facts:
        facts["is_dir"] = True
    return facts


def stage_group(name: str) -> str:
    """`train@cnn-feature1` (an expanded foreach/matrix stage in dvc.lock) → `train`."""
    return name.split("@", 1)[0]


# -- the file being read -----------------------------------------------------------

class DvcFile:
    """One DVC file being read: its problems become collection errors, `read` reads its
    fields with the types DVC's schema gives them, and its facts become nodes."""

    def __init__(self, ref: FileRef, ctx: CollectContext) -> None:
        self.ref, self.ctx = ref, ctx
        self.read = Fields(self.add)

    def add(self, reason: str, line: int | None = None) -> None:
        self.ctx.graph.error(NAME, self.ref.display, reason, line)

    def node(self, kind: str, key: str, attrs: dict, defaults: dict | None = None) -> str:
        """Add or enrich a node; `defaults` only fill attrs the node does not have yet."""
        graph = self.ctx.graph
        nid = node_id(kind, key)
        have = graph.node(nid)["attrs"] if nid in graph else {}
        fill = {k: v for k, v in (defaults or {}).items() if k not in have}
        return graph.add_node(kind, key, {**fill, **attrs, "store": "dvc"},
                              self.ctx.provenance(NAME, self.ref.display))

    def dataset(self, path: str, attrs: dict, defaults: dict | None = None, tracked: bool = True) -> str:
        ref = self.ref
        base = {"path": path, "repo": ref.tree}
        if ref.commit:
            base["commit"] = ref.commit
        if is_url(path):
            base["external"] = True
        nid = self.node("dataset", f"dvc:{ref.tree_key}/{path}", {**base, **attrs},
                        {"is_dir": False, **(defaults or {})})
        self.ctx.graph.add_edge(ref.tree, nid, "contains")
        if tracked:
            self.ctx.graph.add_edge(nid, ref.node, "tracked_by")
        return nid


# -- fields several file types hold -----------------------------------------------------

def wdir(container: dict, field: str, f: DvcFile) -> str:
    value = f.read.text(container, "wdir", field)
    return "." if value is None or is_templated(value) else value


def cmd(container: dict, field: str, f: DvcFile) -> str | None:
    """`cmd`: one command, or a list of them (DVC runs each in turn)."""
    value = f.read.get(container, "cmd", field, "text", "list")
    if isinstance(value, list):
        parts = [text for _, text in f.read.items(value, field, "text")]
        return short(parts) if parts else None
    return None if value is None else short(value)


def path_entries(seq: list | None, field: str, f: DvcFile) -> Iterator[tuple[dict, str]]:
    """(entry, its field) of a .dvc/dvc.lock `outs`/`deps` list: mappings with a path."""
    for i, entry in f.read.items(seq or [], field, "mapping"):
        where = f"{field}[{i}]"
        path = f.read.text(entry, "path", f"{where}.path")
        if path:
            yield entry, where
        elif "path" not in entry or entry["path"] == "":
            f.add(f"{where}.path: missing; every entry needs a path", line_of(seq, i))


def out_options(opts: dict, field: str, f: DvcFile) -> dict:
    """cache/push/persist (DVC defaults filled in) and an out-level remote."""
    facts: dict = {}
    for flag, default in OUT_FLAGS.items():
        value = f.read.get(opts, flag, f"{field}.{flag}", "boolean")
        facts[flag] = default if value is None else value
    remote = f.read.text(opts, "remote", f"{field}.remote")
    if remote is not None:
        facts["remote"] = remote
    return facts
