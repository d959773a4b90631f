"""What ARM and Bicep expressions evaluate to, statically.

Known values are plain JSON values (str, int, float, bool, None, list, dict). A value that
is only known at deployment is an `Unresolved` (a `checker.cloud.Unknown`, so the
vocabulary treats it as unknown) that also keeps:

- `parts`: the value as a sequence of known text and `Atom`s (one per unknown piece, keyed
  by what it is: `parameters('name')` of one deployment, `uniqueString(<rg id>)`). Two
  names built the same way compare equal, so `resourceId(type, variables('saName'))`
  finds the resource named `[variables('saName')]` although neither can be evaluated
  (research §5.3).
- `refs`: the resources the value came from (`sa.id`, `resourceId(...)`, `reference(...)`),
  so an attribute holding it becomes a reference wherever the value travels (variables,
  parameters, module outputs).
- `id_like`: it is a resource id (resourceId(), `sa.id`, a path under one). Such a value is
  recorded as an id with placeholders for its unknown parts
  (`/subscriptions/<subscriptionId>/resourceGroups/<resourceGroupName>/providers/…`), since
  what it names is known even where its text is not.

Known text that came from a resource (`sa.name`) is a `RefStr`, a str with `refs`. An
object with a part that could not be read (a Bicep spread of unknown content, a union()
with an object of unknown content: objects.py) is an `OpenDict`: the keys it lists are
known, any other key is unknown rather than absent. It stays open in the resource's
properties (template.plain), where facts read it (`checker.collectors.resources.lookup`).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from ...cloud.model import Unknown

MAX_TEXT = 1_000_000          # longest string an expression may build
MAX_ITEMS = 100_000           # longest array an expression may build
MAX_PARTS = 256               # pieces an unknown string keeps (beyond: one atom)
SUBSCRIPTION = "subscription().subscriptionId"
RESOURCE_GROUP = "resourceGroup().name"
PLACEHOLDERS = {SUBSCRIPTION: "<subscriptionId>", RESOURCE_GROUP: "<resourceGroupName>"}


@dataclass(frozen=True)
class Atom:
    """One unknown piece of a value; the same key means the same value."""
    key: str


@dataclass(frozen=True)
class Target:
    """A resource a value points at. `address` when the source says which declaration
    (a Bicep symbol, an ARM symbolic name); else the ARM type and the name's parts,
    matched against the deployment's resources once all are read."""
    rtype: str = ""
    name: tuple = ()
    address: str = ""


@dataclass(frozen=True)
class Unresolved(Unknown):
    parts: tuple = ()
    refs: tuple = ()
    id_like: bool = False


@dataclass(frozen=True)
class Maybe(Unresolved):
    """A key set in one branch of a condition not known statically: absent, or `value`
    (objects.py). Unknown as a fact; a later merge still knows what it would merge."""
    value: Any = field(default=None, compare=False, hash=False)
    cause: str = field(default="", compare=False, hash=False)    # why the condition is unknown


class RefStr(str):
    """Known text that came from a resource (`sa.name`): it keeps the resource."""
    refs: tuple = ()

    def __new__(cls, text: str, refs: Iterable[Target]):
        value = super().__new__(cls, text)
        value.refs = tuple(refs)
        return value


class OpenDict(dict):
    """An object with a part that could not be read: a key it does not hold is unknown,
    not absent (`checker.collectors.resources.lookup` asks `in`, then indexes)."""
    gap: Unknown = Unknown("…", "part of this object could not be read")

    def __contains__(self, key: object) -> bool:
        return True

    def __missing__(self, key: str) -> Unknown:
        return self.gap


def unknown(expression: str, reason: str, key: str | None = None, refs: Iterable[Target] = (),
            id_like: bool = False) -> Unresolved:
    """An unknown value made of one atom (keyed by `key`, else by its expression)."""
    return Unresolved(expression[:300], reason, (Atom(key or expression),), tuple(refs), id_like)


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown)


def refs_of(*values: Any) -> tuple:
    """The resources values came from (RefStr, Unresolved, and inside lists and dicts)."""
    out: list = []
    for value in values:
        if isinstance(value, (Unresolved, RefStr)):
            out.extend(value.refs)
        elif isinstance(value, list):
            out.extend(refs_of(*value))
        elif isinstance(value, dict):
            out.extend(refs_of(*value.values()))
            if isinstance(value, OpenDict):              # what it may hold came from somewhere too
                out.extend(refs_of(value.gap))
    return tuple(dict.fromkeys(out))


def with_refs(value: Any, refs: Iterable[Target]) -> Any:
    refs = tuple(refs)
    if not refs:
        return value
    if isinstance(value, Unresolved):
        return Unresolved(value.expression, value.reason, value.parts, tuple(dict.fromkeys(value.refs + refs)),
                          value.id_like)
    if isinstance(value, str):
        return RefStr(value, dict.fromkeys(getattr(value, "refs", ()) + refs))
    return value


def key_of(value: Any) -> str:
    """A canonical text for a value, known or not: atoms by their keys."""
    if isinstance(value, Unresolved):
        return "".join(p if isinstance(p, str) else f"\x00{p.key}\x00" for p in value.parts)
    if isinstance(value, Unknown):
        return f"\x00{value.expression}\x00"
    if isinstance(value, str):
        return value
    try:
        return json.dumps(_canonical(value), sort_keys=True, default=key_of)
    except (TypeError, ValueError, RecursionError):
        return repr(value)


def _canonical(value: Any) -> Any:
    """Containers as json.dumps takes them, an OpenDict with its gap as a key of its own
    (json.dumps writes a dict subclass as a plain dict)."""
    if isinstance(value, OpenDict):
        return {"\x00open\x00": key_of(value.gap), **{k: _canonical(v) for k, v in dict.items(value)}}
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def partly_unknown(value: Any) -> bool:
    """An unknown, an open object, or a container holding one."""
    if isinstance(value, (Unknown, OpenDict)):
        return True
    if isinstance(value, dict):
        return any(partly_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(partly_unknown(v) for v in value)
    return False


def same(a: Any, b: Any) -> bool | None:
    """Whether two values are equal (ARM's equals, Bicep's ==): None when they differ only
    in what is unknown (the same atoms are the same value)."""
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if key_of(a) == key_of(b):
        return True
    return None if partly_unknown(a) or partly_unknown(b) else False


def parts_of(value: Any) -> tuple:
    """A string value as (text | Atom, …); an Unknown without parts is one atom."""
    if isinstance(value, Unresolved):
        return value.parts
    if isinstance(value, Unknown):
        return (Atom(value.expression),)
    if isinstance(value, str):
        return (value,) if value else ()
    return (Atom(key_of(value)),) if not isinstance(value, (int, float, bool)) else (json.dumps(value),)


def join(values: list[Any], expression: str) -> Any:
    """Strings concatenated, known or not: known text when every piece is known, else an
    Unresolved whose parts say how it was built. The refs of every piece are kept; an id
    stays an id when it comes first (`'${vnet.id}/subnets/a'`)."""
    if all(type(v) is str for v in values):          # plain text only: no refs, nothing unknown
        text = "".join(values)
        return text if len(text) <= MAX_TEXT else unknown(expression, f"the text would be longer than {MAX_TEXT} "
                                                                      "characters")
    refs = refs_of(*values)
    if not any(isinstance(v, Unknown) for v in values):
        text = "".join(values)
        if len(text) > MAX_TEXT:
            return unknown(expression, f"the text would be longer than {MAX_TEXT} characters")
        return RefStr(text, refs) if refs else text
    parts: list = []
    for value in values:
        for part in parts_of(value):
            if isinstance(part, str) and parts and isinstance(parts[-1], str):
                parts[-1] += part
            else:
                parts.append(part)
    first = next((v for v in values if not (isinstance(v, str) and not v)), None)
    reason = next(v.reason for v in values if isinstance(v, Unknown))
    if len(parts) > MAX_PARTS or sum(len(p) for p in parts if isinstance(p, str)) > MAX_TEXT:
        return Unresolved(expression[:300], reason, (Atom(expression),), refs)
    return Unresolved(expression[:300], reason, tuple(parts), refs, isinstance(first, Unresolved) and first.id_like)


def name_key(value: Any) -> tuple:
    """A resource name as a comparable key: text lower-cased (Azure names compare without
    case), atoms by key."""
    out: list = []
    for part in parts_of(value):
        out.append(part.lower() if isinstance(part, str) else part)
    return tuple(out)


def join_names(*names: Any) -> Any:
    """parent/child names joined with '/' (an unknown part stays unknown)."""
    pieces: list = []
    for i, name in enumerate(names):
        if i:
            pieces.append("/")
        pieces.append(name)
    return join(pieces, "/".join(n.expression if isinstance(n, Unknown) else str(n) for n in names))


def split_name(value: Any) -> list[tuple]:
    """A full name's segments (split at '/' in its known text), each as a name key."""
    segments: list[list] = [[]]
    for part in name_key(value):
        if isinstance(part, str):
            pieces = part.split("/")
            for i, piece in enumerate(pieces):
                if i:
                    segments.append([])
                if piece:
                    segments[-1].append(piece)
        else:
            segments[-1].append(part)
    return [tuple(s) for s in segments]


_SLASH = re.compile(r"[/\s]+")


def placeholder(atom: Atom) -> str:
    if atom.key in PLACEHOLDERS:
        return PLACEHOLDERS[atom.key]
    text = _SLASH.sub(" ", atom.key.replace("\x00", ""))
    return f"<{text[:80]}>"


def rendered(value: Unresolved) -> str:
    """An id-like unknown as an id with placeholders for what is unknown."""
    return "".join(p if isinstance(p, str) else placeholder(p) for p in value.parts)


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    if value is None:
        return "null"
    return type(value).__name__
