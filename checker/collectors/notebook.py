"""Notebook parser: structure facts of .ipynb files (nbformat 3 and 4), never executed.

A notebook is read once with the C JSON parser and its values checked against the types
nbformat's schema gives them (v4 cells, v3 worksheets). A notebook with a problem is one
collection error naming the first problem's field and line, and keeps the facts its other
values give. Lines cost a second, pure-Python read (every object and array recording where
its values start): only a notebook with something to report pays for it.
"""
from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
import re
from dataclasses import dataclass
from typing import Any, Iterator

from . import CollectContext, FileParser, FileRef
from ..safeyaml import describe


class NotebookError(ValueError):
    pass


NOT_CELLS = "'cells' is not a list of cell objects"


class _TooLong:
    """An integer past Python's conversion limit (4300 digits): read, never converted."""

    def __init__(self, digits: int) -> None:
        self.digits = digits


def _int(text: str) -> int | _TooLong:
    try:
        return int(text)
    except ValueError:
        return _TooLong(len(text.lstrip("-")))


def load_notebook_json(text: str) -> Any:
    """json.loads, an integer past 4300 digits kept as a _TooLong rather than failing the read."""
    return json.loads(text, parse_int=_int)


def notebook_cells(nb: dict) -> list:
    """The cells of a notebook as found: the top-level `cells` of nbformat 4, or the
    `cells` of every worksheet of nbformat 3 (a notebook that names no version is read
    by its shape). Items are not checked; NotebookError when a container is not a list."""
    major = nb.get("nbformat")
    if major == 3 or (major != 4 and "cells" not in nb and "worksheets" in nb):
        worksheets = nb.get("worksheets") or []
        if not isinstance(worksheets, list):
            raise NotebookError("'worksheets' is not a list")
        cells = []
        for ws in worksheets:
            found = (ws.get("cells") or []) if isinstance(ws, dict) else []
            if not isinstance(found, list):
                raise NotebookError(NOT_CELLS)
            cells += found
        return cells
    if not isinstance(nb.get("cells"), list):
        raise NotebookError(NOT_CELLS)
    return nb["cells"]


# -- the nbformat schema's types ----------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    path: tuple             # keys and indexes from the top of the notebook
    reason: str


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_multiline(value: Any) -> bool:
    """nbformat's multiline string: a string, or a list of strings."""
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


# kind → (test, words)
_KINDS = {
    "integer": (_is_int, "an integer"),
    "count": (lambda v: v is None or _is_int(v), "an integer or null"),
    "string": (lambda v: isinstance(v, str), "a string"),
    "text": (_is_multiline, "a string or a list of strings"),
    "object": (lambda v: isinstance(v, dict), "an object"),
    "list": (lambda v: isinstance(v, list), "a list"),
}
# The fields each object holds, with their kinds (nbformat v4 and v3 JSON schemas).
_TOP_V4 = {"nbformat_minor": "integer", "metadata": "object", "cells": "list"}
_TOP_V3 = {"nbformat_minor": "integer", "metadata": "object", "worksheets": "list"}
_METADATA = {"kernelspec": "object", "language_info": "object"}
_WORKSHEET = {"metadata": "object", "cells": "list"}
_CELL_V4 = {"cell_type": "string", "source": "text", "metadata": "object", "outputs": "list",
            "execution_count": "count"}
_CELL_V3 = {"cell_type": "string", "input": "text", "source": "text", "metadata": "object",
            "outputs": "list", "prompt_number": "count"}


def field_name(path: tuple) -> str:
    """`cells[1].execution_count`: a path as the user reads the file."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _describe(value: Any) -> str:
    """What a JSON value is, in the schema's words (`an object`, `a list`, `a number (5)`…)."""
    if isinstance(value, _TooLong):
        return f"an integer of {value.digits} digits, past the 4300-digit limit"
    return "an object" if isinstance(value, dict) else describe(value)


def _fields(obj: dict, fields: dict[str, str], path: tuple) -> Iterator[Problem]:
    for key, kind in fields.items():
        if key in obj and not _KINDS[kind][0](obj[key]):
            yield Problem(path + (key,), f"{field_name(path + (key,))}: expected {_KINDS[kind][1]}, "
                                         f"found {_describe(obj[key])}")


def _objects(items: Any, path: tuple, what: str) -> Iterator[tuple[int, dict] | Problem]:
    """(index, item) of a list's objects; a Problem for each other item."""
    for i, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict):
            yield i, item
        else:
            yield Problem(path + (i,), f"{field_name(path + (i,))}: expected {what}, found {_describe(item)}")


def _cells(cells: Any, path: tuple, fields: dict[str, str]) -> Iterator[Problem]:
    for found in _objects(cells, path, "a cell object"):
        if isinstance(found, Problem):
            yield found
            continue
        i, cell = found
        yield from _fields(cell, fields, path + (i,))
        for output in _objects(cell.get("outputs"), path + (i, "outputs"), "an output object"):
            if isinstance(output, Problem):
                yield output


def version_problem(nb: Any) -> Problem | None:
    """Why `nb` is no notebook mlcheck reads at all (no integer nbformat, not 3 or 4)."""
    major = nb.get("nbformat") if isinstance(nb, dict) else None
    if not _is_int(major):
        found = f" (found {_describe(major)})" if isinstance(nb, dict) and "nbformat" in nb else ""
        return Problem(("nbformat",) if found else (),
                       f"not a notebook: no integer 'nbformat' at the top level{found}")
    if major not in (3, 4):
        return Problem(("nbformat",), f"unsupported nbformat {major} (expected 3 or 4)")
    return None


def schema_problems(nb: Any) -> list[Problem]:
    """Every value of `nb` whose type nbformat's schema does not allow; a notebook with no
    readable version is one problem."""
    fatal = version_problem(nb)
    if fatal:
        return [fatal]
    v3 = nb["nbformat"] == 3
    found = list(_fields(nb, _TOP_V3 if v3 else _TOP_V4, ()))
    if isinstance(nb.get("metadata"), dict):
        found += _fields(nb["metadata"], _METADATA, ("metadata",))
    if not v3:
        if "cells" not in nb:
            found.append(Problem((), "cells: missing; an nbformat 4 notebook has a list of cells"))
        return found + list(_cells(nb.get("cells"), ("cells",), _CELL_V4))
    for found_ws in _objects(nb.get("worksheets"), ("worksheets",), "a worksheet object"):
        if isinstance(found_ws, Problem):
            found.append(found_ws)
            continue
        i, worksheet = found_ws
        found += _fields(worksheet, _WORKSHEET, ("worksheets", i))
        found += _cells(worksheet.get("cells"), ("worksheets", i, "cells"), _CELL_V3)
    return found


# -- facts ----------------------------------------------------------------------------------

def _readable_cells(nb: dict) -> list[dict] | None:
    """The cell objects, skipping what is no cell; None when the cells are no list."""
    if nb["nbformat"] == 3:
        worksheets = nb.get("worksheets")
        if not isinstance(worksheets, list):
            return None
        lists = [ws.get("cells") for ws in worksheets if isinstance(ws, dict)]
        cells = [c for found in lists if isinstance(found, list) for c in found]
    else:
        cells = nb.get("cells")
        if not isinstance(cells, list):
            return None
    return [c for c in cells if isinstance(c, dict)]


def notebook_facts(nb: Any) -> dict:
    """nb_* attributes of a parsed notebook, from the values of the types nbformat gives
    them (a problem costs only its own facts); NotebookError when it is no notebook."""
    fatal = version_problem(nb)
    if fatal:
        raise NotebookError(fatal.reason)
    major, minor = nb["nbformat"], nb.get("nbformat_minor", 0)
    meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    kernel = meta.get("kernelspec") if isinstance(meta.get("kernelspec"), dict) else {}
    language = meta.get("language_info") if isinstance(meta.get("language_info"), dict) else {}
    cells = _readable_cells(nb)
    code = [c for c in cells or [] if c.get("cell_type") == "code"]
    facts: dict = {
        "nb_format": f"{major}.{minor if _is_int(minor) else '?'}",
        "nb_kernel": _name(kernel.get("name")),
        "nb_language": _name(language.get("name")) or _name(kernel.get("language")) or _cell_language(code),
    }
    if cells is None:
        return facts
    counts = [c.get("execution_count", c.get("prompt_number")) for c in code]
    executed = [n for n in counts if _is_int(n)]
    return {
        **facts,
        "nb_cells": len(cells),
        "nb_code_cells": len(code),
        "nb_cells_with_outputs": sum(1 for c in code if isinstance(c.get("outputs"), list) and c["outputs"]),
        "nb_executed_cells": len(executed),
        "nb_max_execution_count": max(executed, default=0),
        # Cells run top to bottom once each give 1..n; anything else was run out of order.
        "nb_executed_in_order": executed == list(range(1, len(executed) + 1)),
    }


# A kernel or language name is a word; a notebook may hold anything there.
MAX_NAME = 200


def _name(value: object) -> str | None:
    return value[:MAX_NAME] if isinstance(value, str) else None


def _cell_language(code_cells: list[dict]) -> str | None:
    """nbformat 3 names the language on each code cell, not in the notebook metadata."""
    return next((_name(c["language"]) for c in code_cells if isinstance(c.get("language"), str)), None)


# -- lines ------------------------------------------------------------------------------------

class _LinedDict(dict):
    """A JSON object that knows the line each of its values starts on (`lines[key]`)."""
    __slots__ = ("lines",)


class _LinedList(list):
    """A JSON array that knows the line each of its items starts on (`lines[i]`)."""
    __slots__ = ("lines",)


def load_json_lines(text: str) -> Any:
    """The JSON document with every object and array knowing its values' lines: the pure-
    Python scanner, its object and array readers wrapped to note where each value starts
    (about 10x slower than json.loads; for notebooks with something to report)."""
    newlines = [m.start() for m in re.finditer("\n", text)]
    starts: list[list[int]] = []        # value positions in each container being read

    def noting(scan_once):
        def scan(s: str, idx: int):
            starts[-1].append(idx)
            return scan_once(s, idx)
        return scan

    def lines(positions: list[int]) -> list[int]:
        return [bisect.bisect_left(newlines, p) + 1 for p in positions]

    def parse_object(s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo=None):
        starts.append([])
        try:
            pairs, end = json.decoder.JSONObject(s_and_end, strict, noting(scan_once), None, list, memo)
        finally:
            positions = starts.pop()
        obj = _LinedDict(pairs)
        obj.lines = dict(zip((k for k, _ in pairs), lines(positions)))
        return obj, end

    def parse_array(s_and_end, scan_once):
        starts.append([])
        try:
            items, end = json.decoder.JSONArray(s_and_end, noting(scan_once))
        finally:
            positions = starts.pop()
        out = _LinedList(items)
        out.lines = lines(positions)
        return out, end

    decoder = json.JSONDecoder(parse_int=_int)
    decoder.parse_object, decoder.parse_array = parse_object, parse_array
    decoder.scan_once = json.scanner.py_make_scanner(decoder)      # the C scanner takes no hooks
    return decoder.decode(text)


def line_of_path(doc: Any, path: tuple) -> int | None:
    """The line the value at `path` starts on (its deepest readable step's), in a document
    from load_json_lines; 1 for the top level."""
    line = 1
    for part in path:
        lines = getattr(doc, "lines", None)
        try:
            line, doc = lines[part], doc[part]
        except (KeyError, IndexError, TypeError):
            break
    return line


def problem_lines(text: str, problems: list[Problem]) -> list[int | None]:
    """Each problem's line, from a second, line-aware read of the text."""
    try:
        doc = load_json_lines(text)
    except (ValueError, RecursionError):        # read once already; a deeper one may not be
        return [None] * len(problems)
    return [line_of_path(doc, p.path) for p in problems]


class NotebookParser(FileParser):
    name = "notebook"
    patterns = ("*.ipynb",)

    def parse(self, ref: FileRef, data: bytes, ctx: CollectContext) -> None:
        try:
            text = data.decode("utf-8")
            nb = load_notebook_json(text)
        except UnicodeDecodeError as exc:
            ctx.graph.error(self.name, ref.display, f"not UTF-8 text: {exc.reason} at byte {exc.start}")
            return
        except json.JSONDecodeError as exc:
            ctx.graph.error(self.name, ref.display, f"invalid JSON: {exc.msg}", exc.lineno)
            return
        except ValueError as exc:
            ctx.graph.error(self.name, ref.display, f"invalid JSON: {exc}")
            return
        except RecursionError:
            ctx.graph.error(self.name, ref.display, "invalid JSON: nested too deeply to parse")
            return
        problems = schema_problems(nb)
        if problems:
            self._report(ref, ctx, text, problems)
        try:
            ctx.graph.update_attrs(ref.node, **notebook_facts(nb))
        except NotebookError:
            pass                    # reported above: no notebook, no facts

    def _report(self, ref: FileRef, ctx: CollectContext, text: str, problems: list[Problem]) -> None:
        """One error for the notebook: its first problem in the file, with its line."""
        lines = problem_lines(text, problems)
        first = min(range(len(problems)), key=lambda i: (lines[i] or 0, i))
        more = f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})" \
            if len(problems) > 1 else ""
        line = lines[first] if problems[first].path else None
        ctx.graph.error(self.name, ref.display, problems[first].reason + more, line)
