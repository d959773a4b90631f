"""Credentials YAML writes on the lines after their name, which a line-by-line scan misses:

    jumphost_password:          db_password: >-          api_token: |
      type: string                <one value>              <one value>
      default: "<the value>"

A key whose name holds a credential (redact.is_credential_name) and has no value on its own
line is followed to its value: the `default:` or `value:` of the mapping under it (parameter
declarations: Azure Pipelines, Helm values schemas, Ansible argument specs), a block scalar
(`|`, `>`, with chomping) holding one line, or a plain scalar on the next line. The value is
judged by redact.is_secret_value, the same test as a value on the name's own line
(references, placeholders, identifiers are no credentials). A block of several lines (a
script, a certificate) is not one value: a private key in it has its own detection.

Read from the text, not a YAML load: the secrets parser scans every YAML file and most have
no such key; str.find over the credential hints finds the keys, and only their next lines
are read.
"""
from __future__ import annotations

import re

from ... import redact
from .detector import Found, split_lines

KIND = "Secret Keyword"              # the kind detect-secrets gives a value after a credential's name
MAX_LOOKAHEAD = 20                   # lines under a key read for its value
_VALUE_KEYS = frozenset({"default", "value", "defaultvalue"})
# The end of a key that names a credential (a name ends in a credential word, then digits or
# underscores: redact.is_credential_name), with nothing after its colon but a block
# indicator or a comment. Matched, lowercased, where str.find puts a credential hint: a
# regex searched over the whole text tries every position and cost five times as much.
_KEY_END = re.compile(r"(?:pass(?:word|wd|phrase)?|pwd|secret|token|key)[\d_]*[\"']?[ \t]*:[ \t]*"
                      r"(?:[|>][-+1-9]{0,2}[ \t]*)?(?:#[^\n]*)?\r?$", re.M)
# The whole line of such a key: indentation (and a list item's dash), the key, its block indicator.
_KEY_LINE = re.compile(r"(?P<lead>[ \t]*(?:-[ \t]+)?)[\"']?(?P<name>[\w.\-]+)[\"']?[ \t]*:[ \t]*"
                       r"(?P<block>[|>][-+1-9]{0,2})?[ \t]*(?:#.*)?\r?")
# A line of a mapping: `key:` or `key: value` (a trailing comment dropped).
_ENTRY = re.compile(r"^[ \t]*[\"']?(?P<key>[\w.\-]+)[\"']?[ \t]*:(?:[ \t]+(?P<value>.*?))?[ \t]*(?:[ \t]#.*)?$")
_ALLOWLIST = "pragma: allowlist secret"


def next_line_values(text: str) -> list[Found]:
    """Each credential whose value is on the lines after its YAML key, at the value's line."""
    numbers = _open_key_lines(text)
    if not numbers:
        return []
    lines = split_lines(text)
    found: list[Found] = []
    for number in numbers:
        key = _KEY_LINE.fullmatch(lines[number - 1])
        if key is None or not redact.is_credential_name(key.group("name")):
            continue
        hit = _value_under(lines, number, len(key.group("lead")), key.group("block"))
        if hit and redact.is_secret_value(hit[1]) and _ALLOWLIST not in lines[number - 1] + lines[hit[0] - 1]:
            found.append(Found(hit[0], KIND, hit[1].strip().strip("\"'")))
    return found


def _open_key_lines(text: str) -> list[int]:
    """1-based numbers of the lines _KEY_END matches on, in order. Positions are the lowered
    text's (lowering may change a non-ASCII text's length, never its newlines)."""
    lowered = text.lower()
    starts = set()
    for hint in redact.CREDENTIAL_HINTS:
        at = lowered.find(hint)
        while at >= 0:
            if _KEY_END.match(lowered, at):
                starts.add(lowered.rfind("\n", 0, at) + 1)
            at = lowered.find(hint, at + 1)
    numbers, line, pos = [], 1, 0
    for start in sorted(starts):
        line += lowered.count("\n", pos, start)
        pos = start
        numbers.append(line)
    return numbers


def _value_under(lines: list[str], key_line: int, column: int, block: str | None) -> tuple[int, str] | None:
    """(line, value) of the one value under the key on `key_line` (1-based) whose name
    starts at `column`; None when what is under it is no single value."""
    body = _indented_below(lines, key_line, column)
    if not body:
        return None
    if block:                          # a block scalar: one line of content is one value
        return body[0] if len(body) == 1 else None
    first_line, first = body[0]
    if first.startswith("- "):
        return None                    # a list
    entry = _ENTRY.match(first)
    if entry is None:                  # a plain scalar on the next line (` #` starts a comment)
        return (first_line, first.split(" #", 1)[0]) if len(body) == 1 else None
    depth = _indent(lines[first_line - 1])
    for number, content in body:       # a mapping: its default or value, at its own depth
        entry = _ENTRY.match(content)
        if entry and _indent(lines[number - 1]) == depth and entry.group("key").lower() in _VALUE_KEYS:
            value = entry.group("value") or ""
            return (number, value) if value and value[:1] not in "|>&*!" else None
    return None


def _indented_below(lines: list[str], key_line: int, column: int) -> list[tuple[int, str]]:
    """(line, stripped text) of the lines under a key, indented past its column: comments
    and blank lines skipped, MAX_LOOKAHEAD lines at most."""
    body = []
    for number in range(key_line + 1, min(len(lines), key_line + MAX_LOOKAHEAD) + 1):
        text = lines[number - 1].rstrip("\r")
        content = text.strip()
        if not content or content.startswith("#"):
            continue
        if _indent(text) <= column:
            break
        body.append((number, content))
    return body


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" \t"))
