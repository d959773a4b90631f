"""Reporters: one module per output format, each `render(result, stream)`. Never re-evaluate."""
from __future__ import annotations

import importlib
import re

FORMATS = {"console": "console", "json": "json_report"}


def render(fmt: str, result, stream, **options) -> None:
    module = importlib.import_module(f".{FORMATS[fmt]}", __name__)
    module.render(result, stream, **options)


# Characters that move the cursor, change colours or reorder text: a file named
# "x\n\nPASS: …" must not print a line of its own. C0/C1 controls, DEL, line and
# paragraph separators and bidirectional overrides are shown as escapes.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    return _UNPRINTABLE.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), str(text))
