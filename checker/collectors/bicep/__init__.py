"""Bicep files (placeholder while the parser is written)."""
from __future__ import annotations

from .. import FileParser


class BicepParser(FileParser):
    name = "bicep"
    patterns = ("*.bicep",)

    def parse(self, ref, data, ctx) -> None:
        return None
