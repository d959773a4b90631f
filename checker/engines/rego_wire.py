"""JSON to and from a Rego engine, losslessly for any Python string.

Engines take UTF-8 JSON, which cannot carry a lone surrogate (U+D800-U+DFFF): regorus
refuses `"\\ud800"`, and OPA (Go) reads it as U+FFFD. So strings travel with each lone
surrogate written as ESC + one private-use character (U+E000 + its offset), and ESC itself
doubled; `loads` undoes it. ESC is U+FDD0, a Unicode noncharacter — reserved for exactly
this kind of internal use — so real text rarely holds one, and when it does it survives.

Rego sees an escaped surrogate as two characters: a policy cutting such a string with
substring() or counting it with count() sees one character more per surrogate.
"""
from __future__ import annotations

import json
import re

import orjson

ESC = "\ufdd0"
SURROGATE_BASE, PRIVATE_BASE = 0xD800, 0xE000
_TO_ESCAPE = re.compile("[\ud800-\udfff\ufdd0]")
_ESCAPED = re.compile("\ufdd0(.)", re.DOTALL)
_ESC_AS_JSON_ESCAPE = re.compile(r"\\u[fF][dD][dD]0")


def _escape(match: re.Match) -> str:
    char = match.group()
    return ESC + (ESC if char == ESC else chr(PRIVATE_BASE + ord(char) - SURROGATE_BASE))


def _unescape(match: re.Match) -> str:
    char = match.group(1)
    code = ord(char) - PRIVATE_BASE
    if char == ESC:
        return ESC
    if 0 <= code < 0x800:
        return chr(SURROGATE_BASE + code)
    return match.group()        # not ours (a policy cut the pair apart): leave it


def dumps(value) -> str:
    """Compact JSON text that encodes to UTF-8, whatever strings `value` holds."""
    # orjson first (a 200k-node rule input in a third of json's time); it refuses lone
    # surrogates (and integers beyond 64 bits), and ESC must be doubled: those take json.
    try:
        text = orjson.dumps(value).decode("utf-8")
        if ESC not in text:
            return text
    except orjson.JSONEncodeError:
        pass
    # ensure_ascii=False leaves each string's characters raw in the text, so one pass over
    # the text finds every lone surrogate and ESC, in keys and values alike.
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if text.isascii() or (ESC not in text and _encodes(text)):
        return text             # nothing to escape: skip the regex pass (a sixth of the time)
    return _TO_ESCAPE.sub(_escape, text)


def _encodes(text: str) -> bool:
    """No lone surrogate in `text` (UTF-8 refuses exactly those)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unescape_text(text: str) -> str:
    return _ESCAPED.sub(_unescape, text) if ESC in text else text


def loads(text: str | bytes):
    """The value of an engine's JSON answer, with escaped strings restored."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:      # what orjson refuses (an escaped lone surrogate, NaN) json may read
        value = json.loads(text)
    if ESC in text or _ESC_AS_JSON_ESCAPE.search(text):
        value = _restore(value)
    return value


def _restore(value):
    if isinstance(value, str):
        return unescape_text(value)
    if isinstance(value, list):
        return [_restore(v) for v in value]
    if isinstance(value, dict):
        return {unescape_text(k): _restore(v) for k, v in value.items()}
    return value
