"""mlcheck's own inputs — config, rule files, policies, snapshots, baselines — read one way:
regular files only (a FIFO named as a config must not hang the scan), bounded, decoded as
UTF-8, every failure a ValueError naming the file. Scanned data goes through the collectors,
never through here."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from .regular_file import read_regular_file

MAX_INPUT_BYTES = 512 * 2**20      # a snapshot of a very large estate stays well below this


class InputError(ValueError):
    """One of mlcheck's own files cannot be used: the path, the line where known, the reason."""

    def __init__(self, path: Path | str, reason: str, line: int | None = None) -> None:
        self.path, self.reason, self.line = str(path), reason, line
        super().__init__(f"{path}:{line}: {reason}" if line else f"{path}: {reason}")


def read_bytes(path: Path | str, what: str, limit: int = MAX_INPUT_BYTES) -> bytes:
    try:
        return read_regular_file(path, limit)
    except OSError as exc:
        raise InputError(path, f"cannot read {what}: {exc.strerror or exc}") from exc


def read_text(path: Path | str, what: str, limit: int = MAX_INPUT_BYTES) -> str:
    data = read_bytes(path, what, limit)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(path, f"{what} is not UTF-8 text", data[:exc.start].count(b"\n") + 1) from None
    if "\0" in text:
        raise InputError(path, f"{what} holds a NUL byte", text[:text.index("\0")].count("\n") + 1)
    return text


def load_json(path: Path | str, what: str) -> Any:
    """A JSON document mlcheck wrote. NaN and Infinity are not JSON (nor can any engine take
    them), and nesting beyond what the parser can take is refused, not a crash."""
    text = read_text(path, what)
    try:
        return json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise InputError(path, f"not a readable {what}: nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise InputError(path, f"not a readable {what}: {exc.msg}", exc.lineno) from exc


def _no_constant(name: str) -> float:
    raise json.JSONDecodeError(f"{name} is not a JSON value", name, 0)


def is_finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
