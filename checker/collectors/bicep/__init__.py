"""Bicep files: resources, their facts and references, statically evaluated
(evaluate.py), read with tree-sitter-bicep.

Why tree-sitter and not pycep-parser: pycep cannot tell a string literal from an identifier
(`publicNetworkAccess: publicNetworkAccess` and `'Disabled'` come out alike) and fails a
whole file on constructs it does not know; tree-sitter keeps them apart and recovers from
what it cannot parse, which becomes a coverage note with its line (research notes §0.4).

A tree is read once it has handed over all its files (finish): files that another file
calls as a local module are evaluated through their callers, with the params given
(a module's resources carry the module chain: `module = "ml"`); the others are roots,
evaluated with their params from a `.bicepparam` whose `using` names them, or from
deploymentParameters JSON files paired by stem (`main.parameters.json` → `main.bicep`;
files that disagree make the value unknown), else from defaults. A file only in a cycle of
modules is evaluated as a root, and the cycle is an error with its line. Coverage notes go
on each file node's `coverage` attribute.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from .. import CollectContext, FileParser, FileRef
from ..resources import emit
from ..arm import JsonFile, merged_parameters, pair_parameters, read_json, schema_kind
from .evaluate import Evaluation, FileScope, Parsed, index, line, text

NAME = "bicep"
MAX_ERRORS_PER_FILE = 20
_USING = re.compile(r"^\s*using\s+'([^']*)'.*$", re.M)
_PARAM = re.compile(r"^(\s*)param(\s+\w+\s*=)", re.M)


@dataclass
class TreeFiles:
    bicep: dict[str, tuple[FileRef, bytes]] = field(default_factory=dict)
    bicepparam: dict[str, tuple[FileRef, bytes]] = field(default_factory=dict)
    parameters: dict[str, JsonFile] = field(default_factory=dict)


def _parser():
    import tree_sitter
    import tree_sitter_bicep
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_bicep.language()))


class BicepParser(FileParser):
    name = NAME
    patterns = ("*.bicep", "*.bicepparam", "*.json")

    def __init__(self) -> None:
        self.trees: dict[str, TreeFiles] = {}
        self._ts = None

    def parse(self, ref: FileRef, data: bytes, ctx: CollectContext) -> None:
        files = self.trees.setdefault(ref.tree, TreeFiles())
        if ref.path.endswith(".bicep"):
            files.bicep[ref.path] = (ref, data)
        elif ref.path.endswith(".bicepparam"):
            files.bicepparam[ref.path] = (ref, data)
        elif b"deploymentParameters" in data:           # parameter files only: templates are ARM's
            read = read_json(ref, data, _Quiet(ctx), self.name)
            if read is not None and schema_kind(read[1]) == "parameters":
                files.parameters[ref.path] = JsonFile(ref, read[1], read[0])

    def finish(self, tree: str, ctx: CollectContext) -> None:
        files = self.trees.pop(tree, None)
        if files is None or not files.bicep:
            return
        if self._ts is None:
            self._ts = _parser()
        parsed: dict[str, Parsed] = {}
        for path, (ref, data) in files.bicep.items():
            p = self.read(ref, data, ctx)
            if p is not None:
                parsed[path] = p
        errors: dict[str, list] = {}

        def problem(p: Parsed, reason: str, at: int | None) -> None:
            errors.setdefault(p.ref.path, []).append((reason, at))

        called = {target for p in parsed.values() for target in local_modules(p)}
        roots = [path for path in parsed if path not in called]
        supplied = self.root_parameters(files, list(parsed), ctx)
        done: set[str] = set()
        for path in roots + [p for p in parsed if p not in roots]:
            if path in done:
                continue
            ev = Evaluation(parsed, problem, parsed[path].ref.display)
            try:
                ev.run(parsed[path], supplied.get(path, {}))
            except RecursionError:
                problem(parsed[path], "nested too deeply to evaluate", None)
            for p, raw in ev.raw_resources():
                emit(ctx, p.ref, raw)
            done |= ev.visited
        for path, p in parsed.items():
            for reason, at in errors.get(path, [])[:MAX_ERRORS_PER_FILE]:
                ctx.graph.error(self.name, p.ref.display, reason, at)
            if p.notes:
                ctx.graph.update_attrs(p.ref.node, coverage=list(p.notes.values()))

    def read(self, ref: FileRef, data: bytes, ctx: CollectContext) -> Parsed | None:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            ctx.graph.error(self.name, ref.display, f"not UTF-8 text (byte {exc.start})", None)
            return None
        src = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
        p = Parsed(ref, src, self._ts.parse(src))
        index(p)
        root = p.tree.root_node
        if root.has_error and not p.order and src.strip():
            first = _first_error(root)
            ctx.graph.error(self.name, ref.display, "not Bicep: no declaration could be read", line(first) if
                            first is not None else 1)
            return None
        return p

    def root_parameters(self, files: TreeFiles, bicep: list[str], ctx: CollectContext) -> dict[str, dict]:
        """root path → param values, from paired parameter JSON files and .bicepparam files."""
        out: dict[str, dict] = {}
        for path, params in pair_parameters(bicep, list(files.parameters)).items():
            if params:
                out[path] = merged_parameters([files.parameters[p] for p in params])
        for path, (ref, data) in files.bicepparam.items():
            source = data.decode("utf-8", "replace")
            using = _USING.search(source)
            if not using:
                ctx.graph.error(self.name, ref.display, "a .bicepparam file without `using '<file>.bicep'`", 1)
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), using.group(1)))
            # `param x = value` read as `var x = value`: the same expressions, evaluated alike
            as_bicep = _PARAM.sub(r"\1var\2", source[:using.start()] + "//" + source[using.start():])
            p = Parsed(ref, as_bicep.encode(), self._ts.parse(as_bicep.encode()))
            index(p)
            scope = FileScope(Evaluation({}, lambda *a: None, ref.display), p, {}, "", (path,), True)
            values = {name: scope.symbol_value(kind, name) for kind, name in p.decls
                      if kind == "variable_declaration"}
            out.setdefault(target, {}).update(values)
            if target not in files.bicep:
                ctx.graph.error(self.name, ref.display, f"uses {using.group(1)}, which is not in the scanned tree",
                                source[:using.start()].count("\n") + 1)
        return out


def local_modules(p: Parsed) -> list[str]:
    """The tree paths of the local modules a file calls."""
    out = []
    for node in p.order:
        if node.type != "module_declaration":
            continue
        path_node = next((c for c in node.children if c.type == "string"), None)
        raw = text(path_node, p.src).strip("'") if path_node is not None else ""
        if raw and not raw.startswith(("br:", "br/", "ts:", "ts/")) and "${" not in raw:
            out.append(posixpath.normpath(posixpath.join(posixpath.dirname(p.ref.path), raw)))
    return out


def _first_error(node):
    stack = [node]
    while stack:
        n = stack.pop(0)
        if n.type == "ERROR" or n.is_missing:
            return n
        stack.extend(n.children)
    return None


class _Quiet:
    """A context whose graph takes no errors: a broken parameter file is ARM's to report."""

    class _Graph:
        def error(self, *args, **kwargs) -> None:
            return None

    def __init__(self, ctx: CollectContext) -> None:
        self.graph = self._Graph()
