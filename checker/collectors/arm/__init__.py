"""ARM templates: resources, their facts and references, statically evaluated.

A JSON file is an ARM template when its `$schema` names a deploymentTemplate schema
(resource group, subscription, management group or tenant), and a parameter file when it
names deploymentParameters — never by its file name. Like Azure (learn.microsoft.com
"Template structure and syntax": comments with // and /* */, which the Azure CLI,
PowerShell and VS Code accept), a template may hold comments; trailing commas, which
Json.NET reads too, are accepted with them. Other JSON files are left alone without a word.

Parameter files pair with the template of the same stem in the same folder
(`azuredeploy.parameters.json`, `main.parameters.dev.json` → `azuredeploy.json`,
`main.json`), or with the folder's only template. Several files for one template: a value
they agree on is used, one they differ on is unknown. Templates are read once the tree has
handed over all its files (finish), so parameter files and linked templates are at hand.
Coverage notes (what was not read and why: a linked template outside the tree) go on the
file node's `coverage` attribute.
"""
from __future__ import annotations

import bisect
import json
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from ...graph import node_id
from .. import CollectContext, FileParser, FileRef
from ..resources import emit
from .template import Template, new_deployment, parameter_value
from .values import unknown

NAME = "arm"
MAX_ERRORS_PER_FILE = 20
_TYPE_KEY = re.compile(r'"type"\s*:\s*"((?:[^"\\]|\\.)*)"')
_PARAMS_STEM = re.compile(r"^(?P<stem>.+?)\.param(?:eter)?s(?:\.[^.]+)?\.jsonc?$", re.I)


@dataclass
class JsonFile:
    ref: FileRef
    doc: dict
    text: str
    notes: list = field(default_factory=list)


@dataclass
class TreeFiles:
    templates: dict[str, JsonFile] = field(default_factory=dict)
    parameters: dict[str, JsonFile] = field(default_factory=dict)


def load_jsonc(text: str) -> Any:
    """JSON, or JSON with comments and trailing commas (as Azure reads templates)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as first:
        stripped = strip_comments(text)
        if stripped == text:
            raise first
        return json.loads(stripped)


_COMMENT = re.compile(r'"(?:[^"\\]|\\.)*"|//[^\n]*|/\*.*?\*/', re.S)
_TRAILING_COMMA = re.compile(r'"(?:[^"\\]|\\.)*"|,(?=\s*[\]}])')


def strip_comments(text: str) -> str:
    """Comments blanked (newlines kept, so lines still count), trailing commas dropped."""
    def blank(m: re.Match) -> str:
        token = m.group(0)
        if token.startswith('"'):
            return token
        if token == ",":
            return " "
        return re.sub(r"[^\n]", " ", token)
    return _TRAILING_COMMA.sub(blank, _COMMENT.sub(blank, text))


def schema_kind(doc: Any) -> str | None:
    """template | parameters | None, from `$schema`."""
    schema = doc.get("$schema") if isinstance(doc, dict) else None
    if not isinstance(schema, str):
        return None
    lowered = schema.lower()
    if "deploymenttemplate" in lowered:
        return "template"
    if "deploymentparameters" in lowered:
        return "parameters"
    return None


def read_json(ref: FileRef, data: bytes, ctx: CollectContext, parser: str) -> tuple[str, Any] | None:
    """(text, document) of an ARM-looking JSON file; None (nothing said) for other JSON;
    a collection error for one that names an ARM schema but cannot be read."""
    if b"deploymentTemplate" not in data and b"deploymentParameters" not in data \
            and b"deploymenttemplate" not in data.lower()[:4096]:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        ctx.graph.error(parser, ref.display, f"not UTF-8 text (byte {exc.start})", None)
        return None
    try:
        doc = load_jsonc(text)
    except json.JSONDecodeError as exc:
        if re.search(r'"\$schema"\s*:\s*"[^"]*deployment(template|parameters)', text, re.I):
            ctx.graph.error(parser, ref.display, f"not valid JSON: {exc.msg}", exc.lineno)
        return None
    except RecursionError:
        ctx.graph.error(parser, ref.display, "JSON nested too deeply to read", None)
        return None
    return text, doc


def merged_parameters(files: list[JsonFile]) -> dict:
    """name (lower) → value from one or more parameter files; a value the files disagree
    on is unknown, naming them."""
    values: dict[str, list[tuple[str, Any]]] = {}
    for f in files:
        params = f.doc.get("parameters")
        for k, v in (params.items() if isinstance(params, dict) else ()):
            values.setdefault(str(k).lower(), []).append((f.ref.display, parameter_value(v, lambda raw: raw)))
    out: dict = {}
    for name, given in values.items():
        texts = {json.dumps(v, sort_keys=True, default=str) for _, v in given}
        if len(texts) == 1 or len(given) == 1:
            out[name] = given[0][1]
        else:
            where = ", ".join(f"{path}: {str(v)[:40]}" for path, v in given)
            out[name] = unknown(f"parameters('{name}')", f"the parameter files disagree ({where})")
    return out


def pair_parameters(templates: list[str], parameters: list[str]) -> dict[str, list[str]]:
    """template path → its parameter files (same folder; same stem, else the only template)."""
    out: dict[str, list[str]] = {t: [] for t in templates}
    by_dir: dict[str, list[str]] = {}
    for t in templates:
        by_dir.setdefault(posixpath.dirname(t), []).append(t)
    for p in parameters:
        folder, name = posixpath.split(p)
        m = _PARAMS_STEM.match(name)
        stem = m.group("stem") if m else None
        candidates = by_dir.get(folder, [])
        match = [t for t in candidates if stem and posixpath.basename(t).rsplit(".", 1)[0].lower() == stem.lower()]
        if not match and len(candidates) == 1:
            match = candidates
        for t in match[:1]:
            out[t].append(p)
    return out


class LineFinder:
    """The line of each resource: the next `"type": "<type>"` of that type in the text
    (resources are met in the order they are written)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.positions: dict[str, list[int]] | None = None
        self.used: dict[str, int] = {}
        self.newlines: list[int] = []

    def __call__(self, rtype: str) -> int | None:
        if self.positions is None:
            self.positions = {}
            for m in _TYPE_KEY.finditer(self.text):
                self.positions.setdefault(m.group(1), []).append(m.start())
            self.newlines = [m.start() for m in re.finditer("\n", self.text)]
        spots = self.positions.get(rtype, [])
        at = self.used.get(rtype, 0)
        if not spots:
            return None
        self.used[rtype] = at + 1
        return bisect.bisect_left(self.newlines, spots[min(at, len(spots) - 1)]) + 1


class ArmParser(FileParser):
    name = NAME
    patterns = ("*.json", "*.jsonc")

    def __init__(self) -> None:
        self.trees: dict[str, TreeFiles] = {}

    def parse(self, ref: FileRef, data: bytes, ctx: CollectContext) -> None:
        read = read_json(ref, data, ctx, self.name)
        if read is None:
            return
        text, doc = read
        kind = schema_kind(doc)
        if kind is None:
            return
        files = self.trees.setdefault(ref.tree, TreeFiles())
        (files.templates if kind == "template" else files.parameters)[ref.path] = JsonFile(ref, doc, text)

    def finish(self, tree: str, ctx: CollectContext) -> None:
        files = self.trees.pop(tree, None)
        if files is None:
            return
        pairs = pair_parameters(list(files.templates), list(files.parameters))
        for path, template in files.templates.items():
            source = bicep_source(template, ctx)
            if source:
                # `az bicep build` output beside its source: the Bicep parser reads the source;
                # reading both would declare every resource twice.
                ctx.graph.update_attrs(template.ref.node, coverage=[{
                    "construct": "template", "line": 1, "note": f"compiled from {source} "
                    "(metadata._generator: bicep): its resources are read from that source"}])
                continue
            supplied = merged_parameters([files.parameters[p] for p in pairs.get(path, [])])
            collect_template(template, supplied, files, ctx, self.name)


def bicep_source(f: JsonFile, ctx: CollectContext) -> str | None:
    """The Bicep file this template was compiled from, when the tree holds it: same folder
    and stem, and the template says Bicep generated it."""
    meta = f.doc.get("metadata")
    generator = meta.get("_generator") if isinstance(meta, dict) else None
    if not (isinstance(generator, dict) and str(generator.get("name", "")).lower() == "bicep"):
        return None
    source = f.ref.path.rsplit(".", 1)[0] + ".bicep"
    return source if node_id("file", f"{f.ref.tree_key}/{source}") in ctx.graph else None


def collect_template(f: JsonFile, supplied: dict, files: TreeFiles, ctx: CollectContext, parser: str) -> None:
    ref = f.ref
    errors: list[tuple[str, int | None]] = []

    def problem(reason: str, line: int | None) -> None:
        errors.append((reason, line))

    def note(construct: str, line: int | None, text: str) -> None:
        f.notes.append({"construct": construct, "line": line, "note": text})

    def linked(path: str) -> Any:
        hit = files.templates.get(posixpath.normpath(path))
        return hit.doc if hit else None

    if not isinstance(f.doc.get("resources", []), (list, dict)):
        ctx.graph.error(parser, ref.display, "'resources' is neither an array nor an object", 1)
        return
    template = Template(ref.path, LineFinder(f.text), linked, problem, note)
    try:
        template.read(f.doc, new_deployment(f.doc, supplied))
    except RecursionError:
        problem("the template is nested too deeply to read", None)
    for raw in template.raw_resources(ref.display):
        emit(ctx, ref, raw)
    for reason, line in errors[:MAX_ERRORS_PER_FILE]:
        ctx.graph.error(parser, ref.display, reason, line)
    if len(errors) > MAX_ERRORS_PER_FILE:
        ctx.graph.error(parser, ref.display, f"{len(errors) - MAX_ERRORS_PER_FILE} more problems not listed", None)
    if f.notes:
        ctx.graph.update_attrs(ref.node, coverage=f.notes[:100])
