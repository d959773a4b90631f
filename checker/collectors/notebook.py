"""Notebook parser: structure facts of .ipynb files (nbformat 3 and 4), never executed."""
from __future__ import annotations

import json

from . import CollectContext, FileParser, FileRef


class NotebookError(ValueError):
    pass


NOT_CELLS = "'cells' is not a list of cell objects"


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


def notebook_facts(nb: object) -> dict:
    """nb_* attributes of a parsed notebook; NotebookError when it is not one."""
    if not isinstance(nb, dict) or not isinstance(nb.get("nbformat"), int):
        raise NotebookError("not a notebook: no integer 'nbformat' at the top level")
    major = nb["nbformat"]
    if major not in (3, 4):
        raise NotebookError(f"unsupported nbformat {major} (expected 3 or 4)")
    cells = notebook_cells(nb)
    if not all(isinstance(c, dict) for c in cells):
        raise NotebookError(NOT_CELLS)
    code = [c for c in cells if c.get("cell_type") == "code"]
    counts = [c.get("execution_count", c.get("prompt_number")) for c in code]
    executed = [n for n in counts if isinstance(n, int)]
    meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    kernel = meta.get("kernelspec") if isinstance(meta.get("kernelspec"), dict) else {}
    language = meta.get("language_info") if isinstance(meta.get("language_info"), dict) else {}
    minor = nb.get("nbformat_minor", 0)
    return {
        "nb_format": f"{major}.{minor if isinstance(minor, int) else '?'}",
        "nb_cells": len(cells),
        "nb_code_cells": len(code),
        "nb_cells_with_outputs": sum(1 for c in code if c.get("outputs")),
        "nb_executed_cells": len(executed),
        "nb_max_execution_count": max(executed, default=0),
        # Cells run top to bottom once each give 1..n; anything else was run out of order.
        "nb_executed_in_order": executed == list(range(1, len(executed) + 1)),
        "nb_kernel": _name(kernel.get("name")),
        "nb_language": _name(language.get("name")) or _name(kernel.get("language")) or _cell_language(code),
    }


# A kernel or language name is a word; a notebook may hold anything there.
MAX_NAME = 200


def _name(value: object) -> str | None:
    return value[:MAX_NAME] if isinstance(value, str) else None


def _cell_language(code_cells: list[dict]) -> str | None:
    """nbformat 3 names the language on each code cell, not in the notebook metadata."""
    return next((_name(c["language"]) for c in code_cells if isinstance(c.get("language"), str)), None)


class NotebookParser(FileParser):
    name = "notebook"
    patterns = ("*.ipynb",)

    def parse(self, ref: FileRef, data: bytes, ctx: CollectContext) -> None:
        try:
            nb = json.loads(data.decode("utf-8"))
            facts = notebook_facts(nb)
        except UnicodeDecodeError as exc:
            ctx.graph.error(self.name, ref.display, f"not UTF-8 text: {exc.reason} at byte {exc.start}")
            return
        except json.JSONDecodeError as exc:
            ctx.graph.error(self.name, ref.display, f"invalid JSON: {exc.msg}", exc.lineno)
            return
        except NotebookError as exc:
            ctx.graph.error(self.name, ref.display, str(exc))
            return
        except ValueError as exc:           # e.g. a number past Python's 4300-digit limit
            ctx.graph.error(self.name, ref.display, f"invalid JSON: {exc}")
            return
        except RecursionError:
            ctx.graph.error(self.name, ref.display, "invalid JSON: nested too deeply to parse")
            return
        ctx.graph.update_attrs(ref.node, **facts)
