"""The only way mlcheck reads YAML: safe loader (C when present), bounded size and aliases."""
from __future__ import annotations

import yaml

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - pure-Python PyYAML
    _Loader = yaml.SafeLoader

MAX_YAML_BYTES = 10 * 1024 * 1024
# Aliases can make a small document expand enormously ("billion laughs"); we count the
# document's size as if every alias were expanded and refuse past this many values.
MAX_EXPANDED_VALUES = 1_000_000


class YamlError(ValueError):
    def __init__(self, origin: str, reason: str, line: int | None = None) -> None:
        self.origin, self.reason, self.line = origin, reason, line
        super().__init__(f"{origin}:{line}: {reason}" if line else f"{origin}: {reason}")


def load_yaml(data: bytes | str, origin: str = "<yaml>", max_bytes: int = MAX_YAML_BYTES):
    if len(data) > max_bytes:
        raise YamlError(origin, f"{len(data)} bytes, over the {max_bytes}-byte YAML limit")
    try:
        doc = yaml.load(data, Loader=_Loader)  # noqa: S506 - a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise YamlError(origin, reason, mark.line + 1 if mark else None) from exc
    except yaml.YAMLError as exc:
        raise YamlError(origin, str(exc)) from exc
    except (ValueError, TypeError, OverflowError) as exc:   # e.g. a date like 2020-13-45
        raise YamlError(origin, f"invalid value: {exc}") from exc
    try:
        size = expanded_size(doc)
    except RecursionError:
        raise YamlError(origin, "nested too deeply; refused") from None
    if size > MAX_EXPANDED_VALUES:
        raise YamlError(origin, f"aliases expand to over {MAX_EXPANDED_VALUES} values; refused")
    return doc


def expanded_size(value, _memo: dict | None = None) -> int:
    """Values in the document with aliases expanded, computed without expanding them."""
    memo = {} if _memo is None else _memo
    key = id(value)
    if key in memo:
        return memo[key]
    memo[key] = 1   # cycles (recursive aliases) count once
    if isinstance(value, dict):
        size = 1 + sum(expanded_size(k, memo) + expanded_size(v, memo) for k, v in value.items())
    elif isinstance(value, list):
        size = 1 + sum(expanded_size(v, memo) for v in value)
    else:
        size = 1
    memo[key] = size
    return size
