"""Reporters: one module per output format, each `render(result, stream)`. Never re-evaluate."""
from __future__ import annotations

import importlib

FORMATS = {"console": "console", "json": "json_report"}


def render(fmt: str, result, stream, **options) -> None:
    module = importlib.import_module(f".{FORMATS[fmt]}", __name__)
    module.render(result, stream, **options)
