"""What the export readers share: JSON read with the line each list item starts on,
secrets kept out of properties, and references taken from the vocabulary's links."""
from __future__ import annotations

import codecs
import functools
import json
import re
from dataclasses import dataclass
from typing import Any

from ...cloud import Reference
from ..resources import ABSENT, lookup
from ...cloud.vocabulary import family_of, resource_type

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
# Keys whose string values are credentials in Azure and Kubernetes objects (ARM
# `adminUserPassword`, CLI `admin_password`, connection strings, SAS tokens, k8s
# `stringData`): the value is never recorded, only that it was set.
_SECRET_KEY = re.compile(r"password|passwd|secret(?!name|id|uri|url)|token(?!auth)|credential|connectionstring|"
                         r"connection_string|sastoken|sas_token|accountkey|account_key|accesskey|access_key|"
                         r"privatekey|private_key", re.I)
NOT_RECORDED = "(set; not recorded)"
MAX_DEPTH = 64


class ExportError(ValueError):
    """A file that claims an export's shape but breaks it: the reason and its line."""

    def __init__(self, reason: str, line: int | None) -> None:
        super().__init__(reason)
        self.reason, self.line = reason, line


def as_text(data: bytes) -> str:
    """JSON bytes as text: UTF-8 (with or without a BOM) or UTF-16 with a BOM (what
    Windows PowerShell 5 writes for `az … > file.json`)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    return data.decode("utf-8-sig")


class Lines:
    """Line numbers of offsets in one text, for offsets asked in increasing order."""

    def __init__(self, text: str) -> None:
        self.text, self.offset, self.line = text, 0, 1

    def at(self, offset: int) -> int:
        if offset < self.offset:
            self.offset, self.line = 0, 1
        self.line += self.text.count("\n", self.offset, offset)
        self.offset = offset
        return self.line


@dataclass
class Item:
    value: Any
    offset: int


def _skip(text: str, i: int) -> int:
    return _WS.match(text, i).end()


def _value(text: str, i: int) -> tuple[Any, int]:
    try:
        return _DECODER.raw_decode(text, i)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise json.JSONDecodeError("nested too deep", text, i) from None
    except ValueError:          # an integer past Python's 4300-digit conversion limit
        raise json.JSONDecodeError("a number too long to read", text, i) from None


def read_array(text: str, i: int) -> tuple[list[Item], int]:
    """The items of the JSON array starting at text[i] ('['), each with its offset, and
    the offset after its closing ']'."""
    items: list[Item] = []
    i = _skip(text, i + 1)
    if text.startswith("]", i):
        return items, i + 1
    while True:
        value, end = _value(text, i)
        items.append(Item(value, i))
        i = _skip(text, end)
        if text.startswith(",", i):
            i = _skip(text, i + 1)
        elif text.startswith("]", i):
            return items, i + 1
        else:
            raise json.JSONDecodeError("expecting ',' or ']'", text, i)


def top_level(text: str, lists: tuple[str, ...]) -> tuple[Any, dict[str, list[Item]]]:
    """The document, with the items and offsets of its top-level list (key "") or of the
    lists under the keys `lists` of its top-level object."""
    i = _skip(text, 0)
    found: dict[str, list[Item]] = {}
    if text.startswith("[", i):
        found[""], end = read_array(text, i)
        doc: Any = [item.value for item in found[""]]
    elif text.startswith("{", i):
        doc, end = _object(text, i, lists, found)
    else:
        doc, end = _value(text, i)
    if _skip(text, end) != len(text):
        raise json.JSONDecodeError("extra data after the document", text, _skip(text, end))
    return doc, found


def _object(text: str, i: int, lists: tuple[str, ...], found: dict[str, list[Item]]) -> tuple[dict, int]:
    doc: dict = {}
    i = _skip(text, i + 1)
    if text.startswith("}", i):
        return doc, i + 1
    while True:
        if not text.startswith('"', i):
            raise json.JSONDecodeError("expecting a property name in double quotes", text, i)
        key, i = _value(text, i)
        i = _skip(text, i)
        if not text.startswith(":", i):
            raise json.JSONDecodeError("expecting ':'", text, i)
        i = _skip(text, i + 1)
        if key in lists and text.startswith("[", i):
            found[key], i = read_array(text, i)
            doc[key] = [item.value for item in found[key]]
        else:
            doc[key], i = _value(text, i)
        i = _skip(text, i)
        if text.startswith(",", i):
            i = _skip(text, i + 1)
        elif text.startswith("}", i):
            return doc, i + 1
        else:
            raise json.JSONDecodeError("expecting ',' or '}'", text, i)


def without_secrets(value: Any, depth: int = 0) -> Any:
    """The value with every credential-named string replaced by NOT_RECORDED."""
    if depth > MAX_DEPTH:
        return "…"
    if isinstance(value, dict):
        named = value.get("name")      # {name: DB_PASSWORD, value: …}: k8s env, ARM app settings
        secret_pair = isinstance(named, str) and secret_name(named)
        out = {}
        for k, v in value.items():
            if isinstance(v, (dict, list)):
                out[k] = without_secrets(v, depth + 1)
            elif isinstance(v, str) and v and isinstance(k, str) and (
                    secret_name(k) or (secret_pair and k == "value")):
                out[k] = NOT_RECORDED
            else:
                out[k] = v
        return out
    if isinstance(value, list):
        return [without_secrets(v, depth + 1) if isinstance(v, (dict, list)) else v for v in value]
    return value


@functools.lru_cache(maxsize=4096)
def secret_name(key: str) -> bool:
    """A key (or an env var's name) that holds a credential; keys repeat in every row."""
    return bool(_SECRET_KEY.search(key))


def linked_ids(fmt: str, provider_type: str, properties: dict, skip: tuple[str, ...] = ("parent",)) -> list[Reference]:
    """References by ARM id from the attributes the vocabulary lists as links of this
    type (a workspace's storage account, key vault, …), where they hold an id."""
    rtype = resource_type(fmt, provider_type, properties)
    refs: list[Reference] = []
    for link in rtype.links if rtype else ():
        path = link.paths.get(family_of(fmt))
        if not path or path in skip:
            continue
        value = lookup(properties, path)
        if value is not ABSENT and isinstance(value, str) and "/providers/" in value.lower():
            refs.append(Reference(path, value.strip(), by="arm_id"))
    return refs


def parent_id(arm_id: str) -> str | None:
    """The ARM id of a child resource's parent (`…/workspaces/ws/computes/cpu` →
    `…/workspaces/ws`); None for a top-level resource."""
    parts = arm_id.rstrip("/").split("/")
    lowered = [p.lower() for p in parts]
    if "providers" not in lowered:
        return None
    at = len(lowered) - 1 - lowered[::-1].index("providers")
    tail = parts[at + 1:]                  # namespace, type, name[, type, name…]
    if len(tail) < 5 or len(tail) % 2 == 0:
        return None
    return "/".join(parts[:-2])


_ISO_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$", re.I)


def iso_minutes(value: Any) -> int | None:
    """An ISO-8601 duration (`PT30M`, `PT1H`, `P1DT2H`) in whole minutes; None when it is not one."""
    if not isinstance(value, str):
        return None
    m = _ISO_DURATION.match(value.strip())
    if not m or not any(m.groups()):
        return None
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in m.groups())
    return int(days * 1440 + hours * 60 + minutes + seconds // 60)
