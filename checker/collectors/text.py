"""Text as the graph records it: free text bounded, paths made valid UTF-8."""
from __future__ import annotations

from typing import Any

# Longest free text (commands, descriptions) a node records.
MAX_TEXT = 500


def short(text: Any) -> str:
    """Free text as recorded: a list of lines joined, at most MAX_TEXT characters."""
    if isinstance(text, list):
        text = "\n".join(str(t) for t in text)
    return str(text)[:MAX_TEXT]


def text_path(path: str) -> str:
    """A path fit for ids and reports: bytes that are not UTF-8 (kept by os.walk as
    surrogates) become U+FFFD, so one odd file name cannot break JSON output."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
