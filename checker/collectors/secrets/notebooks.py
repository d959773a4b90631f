"""Notebooks for the secrets parser: each cell's source and each output as its own text,
every line placed on its line of the .ipynb JSON.

Outputs are scanned as text (stream text, text/plain results, error tracebacks with their
ANSI colours removed); images and HTML are not.
"""
from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
import re
from dataclasses import dataclass
from typing import Iterator

from ..notebook import NotebookError, notebook_cells

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


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
class Chunk:
    """One text of a notebook cell (its source, or one output) as lines, with their .ipynb
    lines when the notebook was read with load_json_with_lines (else 0s)."""
    cell: int
    where: str                  # "source" | "output"
    lines: list[str]
    json_lines: list[int]


def _pieces(value) -> list[str]:
    """nbformat multiline strings are a string or a list of strings."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _line(piece: str) -> int:
    return getattr(piece, "line", 0)


def _chunk(cell: int, where: str, pieces: list[str], strip_ansi: bool) -> Chunk | None:
    if not pieces:
        return None
    lines, json_lines = [""], [_line(pieces[0])]
    for piece in pieces:
        text = _ANSI_ESCAPE.sub("", piece) if strip_ansi else str(piece)
        for k, part in enumerate(text.split("\n")):
            if k:
                lines.append("")
                json_lines.append(_line(piece))
            if part:
                if not lines[-1]:
                    json_lines[-1] = _line(piece)   # a line belongs to the piece that fills it
                lines[-1] += part
    return Chunk(cell, where, lines, json_lines)


def notebook_cell_list(nb) -> list | None:
    """The notebook's cells, or None when `nb` is no notebook whose cells can be read."""
    if not isinstance(nb, dict):
        return None
    try:
        return notebook_cells(nb)
    except NotebookError:
        return None


def notebook_chunks(cells: list) -> Iterator[Chunk]:
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
