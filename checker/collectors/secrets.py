"""Secrets parser: Yelp's detect-secrets over a file's bytes, in memory.

Runs detect-secrets' default plugin set and default filters (heuristic false-positive
filters included) the way its `scan_file` does, but on the bytes the tree collector
hands over, so files from bare repositories are scanned too. Notebooks are scanned
cell by cell, sources and outputs apart, and each hit is placed on its line in the
.ipynb JSON.

Only where a secret is gets recorded: detect-secrets' type name, the line, and the
sha1 it calls `hashed_secret`. The value itself is never stored, logged or printed.
Secrets are never verified against their services (that would be a network call).
"""
from __future__ import annotations

import bisect
import codecs
import configparser
import contextlib
import io
import json
import json.decoder
import json.scanner
import re
import threading
import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Iterator

from ..safeyaml import YamlError, load_yaml
from . import CollectContext, FileParser, FileRef
from .notebook import NotebookError, notebook_cells

# Larger files are recorded as not scanned rather than slowing every scan down.
MAX_SCAN_BYTES = 2 * 1024 * 1024
# Hits listed per file (secrets_count stays the full count): keeps snapshots and evidence small.
MAX_RECORDED = 500

# Filters that must stay off here: one stats the path on disk (our bytes may come from
# a bare repository), the other verifies secrets over the network.
_DISABLED_FILTERS = (
    "detect_secrets.filters.common.is_invalid_file",
    "detect_secrets.filters.common.is_ignored_due_to_verification_policies",
)

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_NOTEBOOK_CELL_EXT = {"python": ".py"}   # detect-secrets tunes its keyword regexes by extension


@dataclass(frozen=True, order=True)
class SecretHit:
    """Where a secret is; deliberately holds no part of its value."""
    line: int
    type: str
    hash: str
    where: str = "text"
    cell: int | None = None

    def as_dict(self) -> dict:
        out = {"type": self.type, "line": self.line, "where": self.where, "hash": self.hash}
        if self.cell is not None:
            out["cell"] = self.cell
        return out


class _NamedText(io.StringIO):
    """The file object detect-secrets' transformers expect: text with a `.name`."""

    def __init__(self, text: str, name: str) -> None:
        super().__init__(text)
        self.name = name


class Detector:
    """detect-secrets, imported and configured once per process (see `detector()`)."""

    def __init__(self) -> None:
        ds = _import_detect_secrets()
        self._scan, self._transformers = ds["scan"], ds["transformers"]
        self._filetype, self._yaml_type = ds["determine_file_type"], ds["yaml_type"]
        self._efficient_parsing_error = ds["efficient_parsing_error"]
        self._settings = ds["get_settings"]
        self._plugin_names = sorted(cls.__name__ for cls in ds["plugin_classes"])
        self._configure()

    def _configure(self) -> None:
        """Every built-in plugin with its defaults, default filters less the two above."""
        settings = self._settings()
        settings.configure_plugins([{"name": name} for name in self._plugin_names])
        settings.disable_filters(*_DISABLED_FILTERS)

    def _ensure_configured(self) -> None:
        # Someone else in the process may have reset detect-secrets' global settings.
        settings = self._settings()
        if sorted(settings.plugins) != self._plugin_names or any(
                f in settings.filters for f in _DISABLED_FILTERS):
            self._configure()

    @property
    def plugin_names(self) -> list[str]:
        return list(self._plugin_names)

    def excluded_by(self, filename: str) -> str | None:
        """The detect-secrets file filter (non-text, lock, swagger file) that skips this name."""
        self._ensure_configured()
        for fn in self._scan.get_filters_with_parameter("filename"):
            if fn.injectable_variables == {"filename"} and fn(filename):
                return fn.path.rsplit(".", 1)[-1]
        return None

    def scan_text(self, filename: str, text: str) -> set[tuple[int, str, str]]:
        """(line, type, hashed_secret) of every secret in `text`, as `scan_file` would find them.

        Raw lines and detect-secrets' parsed view (INI/YAML values, quoted) are both
        scanned; the eager config view is tried only when neither found anything, as
        detect-secrets does.
        """
        self._ensure_configured()
        hits = self._scan_lines(filename, _split_lines(text))
        view = self._transformed(filename, text, eager=False)
        hits |= _new_in_view(self._scan_lines(filename, view), hits, view)
        if not hits:
            hits = self._scan_lines(filename, self._transformed(filename, text, eager=True))
        return hits

    def _scan_lines(self, filename: str, lines: list[str]) -> set[tuple[int, str, str]]:
        if not any(lines):
            return set()
        found = self._scan._process_line_based_plugins(list(enumerate(lines, start=1)), filename)
        # Keep the location and the hash; the PotentialSecret (and its value) is dropped here.
        return {(s.line_number, s.type, s.secret_hash) for s in found}

    def _transformed(self, filename: str, text: str, eager: bool) -> list[str]:
        if not eager and self._filetype(filename) == self._yaml_type and not _yaml_is_safe(text, filename):
            return []    # detect-secrets' YAML view re-parses the file: only after our bounded loader
        try:
            with self._efficient_configparser():
                lines = self._transformers.get_transformed_file(_NamedText(text, filename),
                                                                use_eager_transformers=eager)
        except Exception:  # noqa: BLE001 - the raw lines were scanned already; the view is extra
            return []
        return lines or []

    @contextlib.contextmanager
    def _efficient_configparser(self) -> Iterator[None]:
        """detect-secrets' linear-time configparser error class, only while it parses.

        It swaps configparser.ParsingError for a class that records no error lines
        (the stock one concatenates every bad line: quadratic on large non-INI files);
        mlcheck's other parsers get the stock class back.
        """
        stock = configparser.ParsingError
        configparser.ParsingError = self._efficient_parsing_error
        try:
            yield
        finally:
            configparser.ParsingError = stock


def _import_detect_secrets() -> dict:
    """Import detect-secrets without letting it print or change the process for others.

    On import it points logging at warnings (logging.captureWarnings) and replaces
    configparser.ParsingError; both are put back.
    """
    stock_parsing_error, stock_showwarning = configparser.ParsingError, warnings.showwarning
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            from detect_secrets import transformers
            from detect_secrets.core import scan
            from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
            from detect_secrets.settings import get_settings
            from detect_secrets.transformers import config as config_transformer
            from detect_secrets.util.filetype import FileType, determine_file_type
            plugin_classes = list(get_mapping_from_secret_type_to_class().values())
    finally:
        configparser.ParsingError, warnings.showwarning = stock_parsing_error, stock_showwarning
    return {"scan": scan, "transformers": transformers, "get_settings": get_settings,
            "determine_file_type": determine_file_type, "yaml_type": FileType.YAML,
            "efficient_parsing_error": config_transformer.EfficientParsingError,
            "plugin_classes": plugin_classes}


_detector: Detector | None = None
_detector_lock = threading.Lock()


def detector() -> Detector:
    """The process-wide Detector; the slow import and setup happen on first use only."""
    global _detector
    with _detector_lock:
        if _detector is None:
            _detector = Detector()
        return _detector


# Content hashes are hex and high-entropy by design: every .dvc file and lock file has
# them, and none is a credential. Only the hex-entropy plugin is silenced, only there.
CONTENT_HASH_LINE = re.compile(
    r"^\s*(?:-\s*)?[\"']?(md5|etag|checksum|sha\d*|sha\d*sum|digest|hash|rev_lock|version_id|"
    r"object_id|commit|oid)[\"']?\s*[:=]\s*[\"']?[0-9a-fA-F]{7,128}[\"']?\s*,?\s*$")


def is_content_hash(kind: str, line: str) -> bool:
    return kind == "Hex High Entropy String" and CONTENT_HASH_LINE.match(line) is not None


def _split_lines(text: str) -> list[str]:
    """Lines as git and editors count them (on '\\n' only)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _new_in_view(view_hits: set, raw_hits: set, view: list[str]) -> set:
    """Hits of the parsed view that the raw lines did not already place.

    The view puts a multi-line value (a YAML block, an INI continuation) on its key's
    line; when the raw lines found the same secret inside that value, theirs is kept.
    """
    starts = [i for i, line in enumerate(view, start=1) if line]
    fresh = set()
    for line, kind, digest in view_hits:
        nxt = bisect.bisect_right(starts, line)
        end = starts[nxt] - 1 if nxt < len(starts) else float("inf")
        if not any(k == kind and d == digest and line <= n <= end for n, k, d in raw_hits):
            fresh.add((line, kind, digest))
    return fresh


def _yaml_is_safe(text: str, origin: str) -> bool:
    try:
        load_yaml(text, origin)
    except YamlError:
        return False
    return True


def decode_text(data: bytes) -> str | None:
    """The file as text, or None for binary content (detect-secrets skips those too)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8-sig", "replace")


# -- notebooks --------------------------------------------------------------------

class _Located(str):
    """A JSON string value that knows the line of the .ipynb it starts on."""
    line: int


def load_json_with_lines(text: str):
    """json.loads, but every string value is a _Located carrying its line number.

    Strings in JSON cannot span lines, so the start line is the line.
    """
    newlines = [m.start() for m in re.finditer("\n", text)]
    decoder = json.JSONDecoder()

    def parse_string(s: str, end: int, strict: bool = True):
        value, after = json.decoder.scanstring(s, end, strict)
        located = _Located(value)
        located.line = bisect.bisect_left(newlines, end) + 1
        return located, after

    decoder.parse_string = parse_string
    decoder.scan_once = json.scanner.py_make_scanner(decoder)   # the C scanner takes no hook
    return decoder.decode(text)


@dataclass
class _Chunk:
    """One text of a notebook cell (its source, or one output) as lines with their .ipynb lines."""
    cell: int
    where: str                  # "source" | "output"
    lines: list[str]
    json_lines: list[int]


def _pieces(value) -> list[_Located]:
    """nbformat multiline strings are a string or a list of strings."""
    if isinstance(value, str):
        return [value] if isinstance(value, _Located) else []
    if isinstance(value, list):
        return [v for v in value if isinstance(v, _Located)]
    return []


def _chunk(cell: int, where: str, pieces: list[_Located], strip_ansi: bool) -> _Chunk | None:
    if not pieces:
        return None
    lines, json_lines = [""], [pieces[0].line]
    for piece in pieces:
        text = _ANSI_ESCAPE.sub("", piece) if strip_ansi else str(piece)
        for k, part in enumerate(text.split("\n")):
            if k:
                lines.append("")
                json_lines.append(piece.line)
            if part:
                if not lines[-1]:
                    json_lines[-1] = piece.line   # a line belongs to the piece that fills it
                lines[-1] += part
    return _Chunk(cell, where, lines, json_lines)


def notebook_cell_list(nb) -> list | None:
    """The notebook's cells, or None when `nb` is no notebook whose cells can be read."""
    if not isinstance(nb, dict):
        return None
    try:
        return notebook_cells(nb)
    except NotebookError:
        return None


def notebook_chunks(cells: list) -> Iterator[_Chunk]:
    """Cell sources, then each output's text/plain, stream text and error traceback."""
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict):
            continue
        source = _chunk(index, "source", _pieces(cell.get("source", cell.get("input"))), False)
        if source:
            yield source
        outputs = cell.get("outputs") if isinstance(cell.get("outputs"), list) else []
        for output in outputs:
            if not isinstance(output, dict):
                continue
            data = output.get("data") if isinstance(output.get("data"), dict) else {}
            for value in (output.get("text"), data.get("text/plain"), output.get("traceback")):
                chunk = _chunk(index, "output", _pieces(value), True)
                if chunk:
                    yield chunk


def notebook_language(nb) -> str:
    meta = nb.get("metadata") if isinstance(nb, dict) and isinstance(nb.get("metadata"), dict) else {}
    for key, field in (("language_info", "name"), ("kernelspec", "language")):
        section = meta.get(key)
        if isinstance(section, dict) and isinstance(section.get(field), str):
            return section[field].lower()
    return ""


def scan_notebook(det: Detector, path: str, nb: dict, cells: list) -> list[SecretHit]:
    ext = _NOTEBOOK_CELL_EXT.get(notebook_language(nb), "")
    hits: set[SecretHit] = set()
    for chunk in notebook_chunks(cells):
        # A name per cell keeps the notebook's path (for detect-secrets' path filters)
        # and gives sources the language's extension (for its keyword regexes).
        name = f"{path}/cell-{chunk.cell}{ext}" if chunk.where == "source" else f"{path}/cell-{chunk.cell}/output"
        for line, kind, digest in det.scan_text(name, "\n".join(chunk.lines)):
            json_line = chunk.json_lines[min(line, len(chunk.json_lines)) - 1]
            hits.add(SecretHit(json_line, kind, digest, chunk.where, chunk.cell))
    return sorted(hits)


# -- the parser -------------------------------------------------------------------

class SecretsParser(FileParser):
    """Records secrets_scanned, then secrets and secrets_count (secrets_truncated past
    MAX_RECORDED hits), or secrets_skip_reason when the file was not scanned."""
    name = "secrets"
    patterns = (
        # code and notebooks
        "*.py", "*.ipynb", "*.r", "*.R", "*.sql", "*.scala", "*.sh", "*.bash", "*.ps1",
        # configuration
        "*.yml", "*.yaml", "*.json", "*.toml", "*.cfg", "*.ini", "*.conf", "*.properties",
        "*.env", ".env", ".env.*", "Dockerfile", "MLproject", "Jenkinsfile",
        # infrastructure as code
        "*.tf", "*.tfvars", "*.hcl", "*.bicep", "*.bicepparam",
        # DVC (its remotes' credentials live in .dvc/config and config.local)
        "*.dvc", "dvc.yaml", "dvc.lock", ".dvc/config", "*/.dvc/config",
        ".dvc/config.local", "*/.dvc/config.local",
        # credential files people commit by mistake
        ".pypirc", ".netrc", ".npmrc", "*.pem", "*.key", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519",
        # plain text notes and requirements files (data-sized ones are skipped by size)
        "*.txt",
    )

    def parse(self, ref: FileRef, data: bytes, ctx: CollectContext) -> None:
        text = decode_text(data) if len(data) <= MAX_SCAN_BYTES else None
        skip = self._skip_reason(ref.path, data, text)
        if skip:
            ctx.graph.update_attrs(ref.node, secrets_scanned=False, secrets_skip_reason=skip)
            return
        hits = self._scan(ref.path, text)
        attrs = {"secrets_scanned": True, "secrets": [h.as_dict() for h in hits[:MAX_RECORDED]],
                 "secrets_count": len(hits)}
        if len(hits) > MAX_RECORDED:
            attrs["secrets_truncated"] = True
        ctx.graph.update_attrs(ref.node, **attrs)

    @staticmethod
    def _skip_reason(path: str, data: bytes, text: str | None) -> str | None:
        if len(data) > MAX_SCAN_BYTES:
            return "over 2 MiB"
        excluded = detector().excluded_by(path)
        if excluded:
            return f"excluded by detect-secrets filter {excluded}"
        return "binary content" if text is None else None

    @staticmethod
    def _scan(path: str, text: str) -> list[SecretHit]:
        det = detector()
        if PurePosixPath(path).suffix.lower() == ".ipynb":
            try:
                nb = load_json_with_lines(text)
            except (ValueError, RecursionError):
                nb = None   # not a readable notebook (the notebook parser says so): scan it as text
            cells = notebook_cell_list(nb)
            if cells is not None:
                return scan_notebook(det, path, nb, cells)
        lines = _split_lines(text)       # numbered as detect-secrets numbers its hits
        return sorted(SecretHit(line, kind, digest) for line, kind, digest in det.scan_text(path, text)
                      if not is_content_hash(kind, lines[line - 1] if 0 < line <= len(lines) else ""))
