"""Mutation rules shared by the format families: truncation, wrong types, deep nesting,
huge values, bad encodings, YAML tags and aliases, duplicate keys.

Each rule takes a valid document (or its bytes) and returns a hostile variant; the
families decide what the parser must make of it. Where a line can be known, helpers
compute it from the text itself (yaml.compose marks, a line-tracking JSON writer).
"""
from __future__ import annotations

import codecs
import copy
import json
import random
import re
from typing import Any

import yaml

# Deep enough to overflow any recursive parser (Python's limit is 1000 frames).
DEEP = 100_000
HUGE_INT_DIGITS = 5_000           # over Python's 4300-digit int parsing limit

# Wrong values for a field of each expected type: never None (absent is often legal).
WRONG_VALUES: dict[str, list[Any]] = {
    "mapping": [["a", "b"], 5, "text"],
    "list": [{"a": 1}, 5, "text"],
    "string": [5, ["a"], {"a": 1}, True],
    "int": ["many", ["a"], {"a": 1}, 1.5],
    "bool": ["sometimes", 5, ["a"]],
    "input": [["a", "b"]],              # a job input: a mapping, a binding or a literal scalar
    "ref": [["a"], 5, True],            # a reference: a string, or an inline mapping
}


# -- documents --------------------------------------------------------------------------

def set_at(doc: Any, path: tuple, value: Any) -> Any:
    """A deep copy of `doc` with `value` at `path` (keys and list indexes)."""
    out = copy.deepcopy(doc)
    cur = out
    for part in path[:-1]:
        cur = cur[part]
    cur[path[-1]] = value
    return out


def wrong_values(expected: str, rng: random.Random, n: int = 1) -> list[Any]:
    choices = list(WRONG_VALUES[expected])
    rng.shuffle(choices)
    return choices[:n]


def describe(value: Any) -> str:
    return type(value).__name__


# -- bytes ------------------------------------------------------------------------------

def truncation_points(data: bytes, rng: random.Random, n: int) -> list[int]:
    """n distinct cut points strictly inside the document (never the whole of it)."""
    lo, hi = max(1, len(data) // 20), len(data.rstrip()) - 1
    return sorted(rng.sample(range(lo, hi), min(n, hi - lo)))


def insert(data: bytes, rng: random.Random, what: bytes, inside: bytes = b'"') -> bytes:
    """`what` inserted right after a random occurrence of `inside` (a quote: inside a string)."""
    spots = [m.end() for m in re.finditer(re.escape(inside), data)] or [len(data) // 2]
    at = rng.choice(spots[len(spots) // 3:] or spots)
    return data[:at] + what + data[at:]


def utf8_bom(text: str) -> bytes:
    return codecs.BOM_UTF8 + text.encode()


def utf16(text: str) -> bytes:
    """UTF-16 with its BOM (what Windows tools write as "Unicode")."""
    return text.encode("utf-16")


def utf16_le(text: str) -> bytes:
    """UTF-16 without a BOM: every other byte is NUL."""
    return text.encode("utf-16-le")


INVALID_UTF8 = b"\xff\xfe\xc3("              # bytes no UTF-8 text holds
SURROGATE_UTF8 = b"\xed\xa0\x80"             # a surrogate encoded as UTF-8 (CESU-8): invalid UTF-8


# -- JSON -------------------------------------------------------------------------------

def deep_json(depth: int = DEEP, leaf: str = "0") -> str:
    return "[" * depth + leaf + "]" * depth


def json_error_line(text: str) -> int | None:
    """The line Python's JSON parser stops at, or None when the text is valid JSON."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return exc.lineno
    except (ValueError, RecursionError):
        return None
    return None


def dump_json_lines(doc: Any) -> tuple[str, dict[tuple, int]]:
    """JSON text (indent 1, ASCII escapes) and the line each path starts on."""
    lines: list[str] = []
    where: dict[tuple, int] = {}

    def emit(value: Any, path: tuple, prefix: str, depth: int, comma: str) -> None:
        pad = " " * depth
        where[path] = len(lines) + 1
        if isinstance(value, (dict, list)) and value:
            items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
            lines.append(pad + prefix + ("{" if isinstance(value, dict) else "["))
            for i, (key, item) in enumerate(items):
                inner = json.dumps(key) + ": " if isinstance(value, dict) else ""
                emit(item, path + (key,), inner, depth + 1, "," if i < len(items) - 1 else "")
            lines.append(pad + ("}" if isinstance(value, dict) else "]") + comma)
        else:
            lines.append(pad + prefix + json.dumps(value) + comma)

    emit(doc, (), "", 0, "")
    return "\n".join(lines) + "\n", where


def json_lines_of(where: dict[tuple, int], path: tuple) -> set[int]:
    """Acceptable lines for a problem at `path`: its own line and its parent's."""
    return {where[p] for p in (path, path[:-1]) if p in where and p}


# -- YAML -------------------------------------------------------------------------------

def dump_yaml(doc: Any) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=1000)


def yaml_error_line(data: bytes | str) -> tuple[bool, set[int] | None]:
    """(is valid YAML, the lines PyYAML's loaders put the first error on). The C and the
    pure-Python loaders can disagree by a line at the end of a truncated document: both count."""
    lines = set()
    for loader in (yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        try:
            yaml.load(data, Loader=loader)   # noqa: S506 - safe loaders
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            if mark:
                lines.add(mark.line + 1)
        except (yaml.YAMLError, ValueError, TypeError, RecursionError):
            pass
        else:
            return True, None
    return False, lines or None


def yaml_lines_of(text: str, path: tuple) -> set[int]:
    """Lines of the key (and of its value) at `path` and of its parent, from the YAML text."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    found: list[set[int]] = []
    for part in path:
        if isinstance(node, yaml.MappingNode):
            key, node = next((k, v) for k, v in node.value if k.value == str(part))
            found.append({key.start_mark.line + 1, node.start_mark.line + 1})
        else:
            node = node.value[part]
            found.append({node.start_mark.line + 1})
    return set().union(*found[-2:]) if found else set()


SENTINEL = "__FUZZ_VALUE__"


def yaml_with_raw(doc: Any, path: tuple, raw: str) -> str:
    """The document as YAML with the value at `path` written as raw YAML text (an alias,
    a tag, a flow collection: things a dumper will not write)."""
    text = dump_yaml(set_at(doc, path, SENTINEL))
    return text.replace(SENTINEL, raw, 1)


def recursive_alias(kind: str = "list") -> str:
    """A value that contains itself (`&a [*a]`): finite text, infinite document."""
    return "&loop [*loop]" if kind == "list" else "&loop {self: *loop}"


def billion_laughs(levels: int = 9, width: int = 9) -> tuple[str, str]:
    """(anchor definitions to put first, the alias that expands to width**levels values)."""
    lines = ["lol0: &l0 [" + ", ".join(['"lol"'] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n", f"*l{levels - 1}"


def python_tag(marker: str) -> str:
    """A tag the unsafe loader would turn into a shell command creating `marker`."""
    return f'!!python/object/apply:os.system ["touch {marker}"]'


def deep_yaml_flow(depth: int = DEEP) -> str:
    return "[" * depth + "]" * depth


def duplicate_key(text: str, key: str, value: str) -> tuple[str, int]:
    """The YAML text with a second top-level `key:` line; returns (text, its line)."""
    lines = text.splitlines()
    lines.append(f"{key}: {value}")
    return "\n".join(lines) + "\n", len(lines)
