"""Wrong-shape cases for the YAML parsers, derived from what each parser reads.

A clean parse of a fixture folder runs once with `Fields` recording every field the
parser reads: the mapping or list, the key, the kinds the field accepts. Each read gives
cases: the same files with that one value replaced, in the file's own text, by a value
of each kind the field does not accept. Where the value sits is found with PyYAML's pure
composer — not with safeyaml's line marks, which are under test — so each case knows
the line its collection error must name. A field a parser reads is never left out.

The real parser parses the real bytes of every file it claims in the folder, through
its FileParser interface (thousands of cases: no git, no tree walk; the tree collectors
hand files to parsers the same way, and the parsers' own tests cover that path).
"""
from __future__ import annotations

import functools
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from checker.collectors import CollectContext, FileParser, FileRef
from checker.graph import EstateGraph
from checker.safeyaml import Fields, load_yaml

SAMPLES = {"text": "'wrong shape'", "integer": "7", "float": "7.5", "boolean": "true",
           "mapping": "{wrong: shape}", "list": "[wrong, shape]", "null": "null"}
# 7.5 only where an integer is wanted: elsewhere 7 already stands for numbers.
ACCEPTED = {"text": {"text"}, "number": {"integer", "float"}, "integer": {"integer"},
            "boolean": {"boolean"}, "mapping": {"mapping"}, "list": {"list"}}


@dataclass(frozen=True)
class Read:
    file: str                   # relative to the fixture folder
    path: tuple                 # keys and indexes from the document's root
    field: str                  # as the parser names it
    kinds: tuple[str, ...]
    null_ok: bool


@dataclass(frozen=True)
class Case:
    read: Read
    wrong: str                  # a SAMPLES key
    text: str                   # the whole file, mutated
    line: int                   # where the value's key (or list item) sits

    def __str__(self) -> str:
        return f"{self.read.file}: {self.read.field} = {SAMPLES[self.wrong]}"


def parse_folder(parser: type[FileParser], folder: Path, replace: dict[str, str] | None = None,
                 under: str = "") -> EstateGraph:
    """A graph of what one parser makes of the files it claims in `folder` (or in its
    subfolder `under`, not below), in sorted order, `replace` standing in for some files'
    text."""
    graph = EstateGraph()
    ctx = CollectContext(graph)
    repo = graph.add_node("repo", "fs:.", {"path": ".", "vcs": "none"})
    instance = parser()
    for file in sorted((folder / under).glob("*") if under else folder.rglob("*")):
        path = file.relative_to(folder).as_posix()
        if not file.is_file() or not instance.claims(path):
            continue
        text = (replace or {}).get(path)
        data = text.encode("utf-8") if text is not None else file.read_bytes()
        node = graph.add_node("file", f"fs:./{path}", {"path": path})
        instance.parse(FileRef(node, path, path, repo, "fs:.", None), data, ctx)
    return graph


def record_reads(parser: type[FileParser], folder: Path, module: ModuleType) -> list[Read]:
    """Every present field `parser` (defined in `module`) reads while parsing `folder`."""
    docs: list[tuple[str, Any]] = []
    seen: list[tuple[Any, Any, str, tuple, bool]] = []
    get, items, entries = Fields.get, Fields.items, Fields.entries

    def recording_get(self, mapping, key, field, *kinds, null_ok=False):
        if key in mapping:
            seen.append((mapping, key, field, kinds, null_ok))
        return get(self, mapping, key, field, *kinds, null_ok=null_ok)

    def recording_items(self, seq, field, *kinds):
        seen.extend((seq, i, f"{field}[{i}]", kinds, False) for i in range(len(seq)))
        return items(self, seq, field, *kinds)

    def recording_entries(self, mapping, field, *kinds, null_ok=False):
        seen.extend((mapping, k, f"{field}.{k}" if field else str(k), kinds, null_ok) for k in mapping)
        return entries(self, mapping, field, *kinds, null_ok=null_ok)

    def recording_load(data, origin="<yaml>", *args, **kwargs):
        doc = load_yaml(data, origin, *args, **kwargs)
        docs.append((origin, doc))
        return doc

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Fields, "get", recording_get)
        mp.setattr(Fields, "items", recording_items)
        mp.setattr(Fields, "entries", recording_entries)
        mp.setattr(module, "load_yaml", recording_load)
        graph = parse_folder(parser, folder)
    assert not graph.errors, f"the clean fixture {folder} must collect cleanly: {graph.errors}"
    reads: dict[tuple, Read] = {}
    for container, key, field, kinds, null_ok in seen:
        origin, path = locate(docs, container)
        # One case per field and file: the second item of a list goes the first one's way.
        shape = (origin, re.sub(r"\[\d+\]", "[]", field), kinds, null_ok)
        reads.setdefault(shape, Read(origin, (*path, key), field, kinds, null_ok))
    return list(reads.values())


def locate(docs: list[tuple[str, Any]], target: Any) -> tuple[str, tuple]:
    """(origin, key path) of a container, found by identity in the loaded documents."""
    for origin, doc in docs:
        stack: list[tuple[Any, tuple]] = [(doc, ())]
        while stack:
            node, path = stack.pop()
            if node is target:
                return origin, path
            children = node.items() if isinstance(node, dict) else \
                enumerate(node) if isinstance(node, list) else ()
            stack.extend((v, (*path, k)) for k, v in children if isinstance(v, (dict, list)))
    raise AssertionError("a read container is in no loaded document")


def cases(folder: Path, reads: list[Read]) -> list[Case]:
    out = []
    for read in reads:
        accepted = set().union(*(ACCEPTED[k] for k in read.kinds)) | ({"null"} if read.null_ok else set())
        text = (folder / read.file).read_text(encoding="utf-8")
        for wrong in SAMPLES:
            if wrong not in accepted and (wrong != "float" or "integer" in accepted):
                out.append(Case(read, wrong, *mutate(text, read.path, SAMPLES[wrong])))
    return out


def mutate(text: str, path: tuple, sample: str) -> tuple[str, int]:
    """`text` with the value at `path` replaced by `sample`, and the line of its key/item.

    A mapping value is rewritten from its key's `:` on, so a block that started on the
    next line becomes a flow value on the key's line."""
    node = composed(text)
    *parents, last = path
    for step in parents:
        node = child(node, step)[1]
    key, value = child(node, last)
    end = value.end_mark.index
    trailing = re.search(r"\s*$", text[value.start_mark.index:end]).group(0)   # a block ends on the next line
    if key is value:                                        # a list item
        start, lead = value.start_mark.index, ""
    else:
        start, lead = text.index(":", key.end_mark.index) + 1, " "
    return text[:start] + lead + sample + trailing + text[end:], key.start_mark.line + 1


@functools.lru_cache(maxsize=8)
def composed(text: str) -> yaml.Node:
    return yaml.compose(text, Loader=yaml.SafeLoader)


def child(node: yaml.Node, step: Any) -> tuple[yaml.Node, yaml.Node]:
    """(where it sits, the value) of one step into a composed node."""
    if isinstance(node, yaml.SequenceNode):
        return node.value[step], node.value[step]
    for key, value in node.value:
        if key.value == str(step):
            return key, value
    raise AssertionError(f"no {step!r} in the composed document")


def run_case(parser: type[FileParser], folder: Path, case: Case) -> str | None:
    """None when the case gives exactly one collection error naming its file, line and
    field; otherwise what went wrong."""
    # Files only meet their siblings (dvc.yaml and dvc.lock): the folder of the file will do.
    under = posixpath.dirname(case.read.file)
    errors = parse_folder(parser, folder, {case.read.file: case.text}, under).errors
    ok = (len(errors) == 1 and errors[0].collector == parser.name
          and errors[0].source == case.read.file and errors[0].line == case.line
          and errors[0].reason.startswith(f"{case.read.field}: expected"))
    return None if ok else f"{case} (line {case.line}): got {[str(e) for e in errors]}"
