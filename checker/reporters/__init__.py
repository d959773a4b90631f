"""Reporters: one module per output format, `<format>_report.py`, each with
`render(result, stream, **options)` and the file `EXTENSIONS` its format implies. They
read the scan result and the catalog; they never re-evaluate. Adding a format is adding
a module: the CLI lists the formats from this package without importing them."""
from __future__ import annotations

import importlib
import pkgutil
import re
from types import ModuleType

SUFFIX = "_report"


def formats() -> list[str]:
    return sorted(m.name[:-len(SUFFIX)] for m in pkgutil.iter_modules(__path__) if m.name.endswith(SUFFIX))


def reporter(fmt: str) -> ModuleType:
    if fmt not in formats():
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(formats())})")
    return importlib.import_module(f".{fmt}{SUFFIX}", __name__)


def implied_format(filename: str) -> str | None:
    """The format a file name's extension implies (report.sarif → sarif), if any."""
    lower = filename.lower()
    # The longest matching extension wins: report.sarif.json is SARIF, not JSON.
    matches = [(len(ext), fmt) for fmt in formats() for ext in getattr(reporter(fmt), "EXTENSIONS", ())
               if lower.endswith(ext)]
    return max(matches)[1] if matches else None


def render(fmt: str, result, stream, **options) -> None:
    reporter(fmt).render(result, stream, **options)


# Characters that move the cursor, change colours or reorder text: a file named
# "x\n\nPASS: …" must not print a line of its own. C0/C1 controls, DEL, line and
# paragraph separators and bidirectional overrides are shown as escapes.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    return _UNPRINTABLE.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), str(text))
