"""Objects built from parts, known key by key: what ARM's union() and shallowMerge(),
createObject(), Bicep's object spread and a condition not known statically make of the
objects they are given, when some of it is unknown.

A result is a dict whose keys hold known values or unknowns; it is an `OpenDict` (any key
it does not list is unknown, not absent) when a part of unknown content could add keys.

Semantics (learn.microsoft.com, ARM and Bicep "Object functions"; the deep merge of
union() was documented in MicrosoftDocs/azure-docs 9413fbe, January 2024, shallowMerge()
in de3ad6c, May 2024; Bicep's spread in "Bicep spread operator"):
- union(a, b, …) of objects: later objects win per key; a key holding objects on both
  sides is merged the same way, recursively (nested arrays are replaced, not merged).
- shallowMerge([a, b, …]), createObject(k1, v1, …) and `{ …a, k: v }`: later wins per key,
  top level only.
- An object of unknown content (a parameter without a value, reference()) may hold any
  key: every key it comes after becomes unknown (it may be replaced, or merged into), the
  keys after it stay known, and the result is open. An `OpenDict` part replaces only what
  it may hold: the keys it lists, and — through its gap — every other key before it.
- `test ? a : b` / if(test, a, b) with an unknown test: a value both branches agree on is
  known (objects compared key by key); a key only one branch sets is a `Maybe` (absent, or
  its value: unknown as a fact); a key neither sets is absent, unless a branch is open.
  A later merge over a `Maybe` merges both ways and keeps what they agree on, so
  `union({properties: {a: 1}}, c ? {properties: {b: 2}} : {})` knows `properties.a`.
"""
from __future__ import annotations

from typing import Any, Iterable

from ...cloud.model import Unknown
from .values import Atom, Maybe, OpenDict, key_of, refs_of, unknown, with_refs


def merge(parts: Iterable[Any], expression: str, deep: bool) -> Any:
    """Objects (dicts, OpenDicts or unknowns) merged in order, later winning per key.
    Raises TypeError when a part is known but not an object (the caller's Mismatch)."""
    out: dict = {}
    gap: Unknown | None = None
    for part in parts:
        if isinstance(part, Unknown):
            _replaceable(out, lambda k: True, part, expression)
            gap = part
            continue
        if not isinstance(part, dict):
            raise TypeError("not an object")
        if isinstance(part, OpenDict):
            _replaceable(out, lambda k: not dict.__contains__(part, k), part.gap, expression)
            gap = part.gap
        for key, value in dict.items(part):
            out[key] = _combine(out[key], value, f"{expression}.{key}", deep) if key in out else value
    return opened(out, gap)


def _combine(before: Any, value: Any, expression: str, deep: bool) -> Any:
    """One key's value after a later part sets it to `value`."""
    if isinstance(value, Maybe):              # absent (before stays) or its value
        return either(value, _combine(before, value.value, expression, deep), before, expression)
    if isinstance(before, Maybe):             # absent (value alone) or its value
        return either(before, _combine(before.value, value, expression, deep), value, expression)
    if deep and isinstance(value, dict) and isinstance(before, (dict, Unknown)):
        return merge((before, value), expression, True)
    return value


def _replaceable(out: dict, may_hold, by: Unknown, expression: str) -> None:
    """The keys a part of unknown content may hold become unknown (replaced, or merged
    into); they keep the resources their values came from (the part's own stay with the
    result's gap)."""
    for key in [k for k in out if may_hold(k)]:
        out[key] = unknown(f"{expression}.{key}", f"a later part may replace {key}: {by.reason}",
                           refs=refs_of(out[key]))


def maybe(value: Any, when: bool, test: Unknown, expression: str, key: str) -> Maybe:
    """A key one branch sets: unknown as a fact, its value kept for a later merge."""
    if isinstance(test, Maybe):               # a merge with a key set in one branch: which one is not this
        cause, where = test.cause, "under a condition not known statically"
    else:
        cause, where = test.reason, f"when a condition not known statically is {'true' if when else 'false'}"
    return Maybe(expression[:300], f"{key} is set only {where}: {cause}", (Atom(expression),), refs_of(value),
                 False, value, cause)


def opened(known: dict, gap: Unknown | None) -> dict:
    if gap is None:
        return known
    result = OpenDict(known)
    result.gap = gap
    return result


def create_object(args: list, expression: str) -> Any:
    """createObject(k1, v1, k2, v2, …): a value may be unknown; an unknown key may be any
    key (the pairs before it may be replaced by it). Raises TypeError on a known key that
    is not a string or an odd count."""
    if len(args) % 2:
        raise TypeError("createObject takes key/value pairs")
    parts: list = []
    for key, value in zip(args[::2], args[1::2]):
        if isinstance(key, Unknown):
            parts.append(with_refs(unknown(expression, f"a key is not known statically: {key.reason}"),
                                   refs_of(key, value)))
        elif isinstance(key, str):
            parts.append({key: value})
        else:
            raise TypeError("createObject keys must be strings")
    return merge(parts, expression, deep=False)


def either(test: Unknown, yes: Any, no: Any, expression: str) -> Any:
    """`test ? yes : no` with `test` unknown: what both branches agree on."""
    if isinstance(yes, dict) and isinstance(no, dict):
        out: dict = {}
        for key in dict.fromkeys([*dict.keys(yes), *dict.keys(no)]):
            here = dict.__contains__(yes, key) or isinstance(yes, OpenDict)
            there = dict.__contains__(no, key) or isinstance(no, OpenDict)
            if here and there:
                out[key] = either(test, yes[key], no[key], f"{expression}.{key}")
            else:
                out[key] = maybe(yes[key] if here else no[key], here, test, f"{expression}.{key}", key)
        gaps = [b.gap for b in (yes, no) if isinstance(b, OpenDict)]
        return opened(out, unknown(expression, f"a branch may hold more keys: {gaps[0].reason}",
                                   refs=refs_of(*gaps)) if gaps else None)
    if key_of(yes) == key_of(no):
        return with_refs(yes, refs_of(no))
    return with_refs(unknown(expression, test.reason), refs_of(test, yes, no))
