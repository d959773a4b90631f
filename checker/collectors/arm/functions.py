"""The template functions ARM and Bicep share, evaluated on values (values.py).

`call(name, args, expression)` applies a function to evaluated arguments: a known result
where every argument it needs is known, else an `Unresolved` that keeps the refs of its
arguments (and, for names and ids, how the value was built). Functions whose value exists
only at deployment (uniqueString, guid, utcNow, reference, list*) are unknown by nature;
resourceGroup()/subscription() give objects whose ids are known up to placeholders and
whose other properties (location) are unknown. Scope-bound functions (parameters,
variables, copyIndex, reference of a symbol) are the evaluators' (template.py, bicep).
A function given a value of the wrong type is unknown with the reason, not a crash: the
deployment would fail, but the rest of the file is still read.
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable

from ...cloud.model import Unknown
from .objects import create_object, either, merge
from .values import (MAX_ITEMS, MAX_TEXT, RESOURCE_GROUP, SUBSCRIPTION, Atom, OpenDict, Target,
                     Unresolved, describe, is_unknown, join, key_of, partly_unknown, refs_of, same, unknown,
                     with_refs)

DEPLOY_TIME = "known only at deployment"
_FORMAT_ITEM = re.compile(r"\{(\d+)(?::[^}]*)?\}|\{\{|\}\}")


class Mismatch(Exception):
    """A function given what it cannot take (the reason becomes the unknown's)."""


def scope_objects() -> dict[str, Any]:
    """resourceGroup() and subscription(): ids with placeholders, the rest unknown."""
    rg_obj = OpenDict(id=_RG_ID, name=_RG)
    rg_obj.gap = _RG_GAP
    sub_obj = OpenDict(id=_SUB_ID, subscriptionId=_SUB)
    sub_obj.gap = _SUB_GAP
    return {"resourcegroup": rg_obj, "subscription": sub_obj}


def _as_id(value: Any) -> Any:
    return Unresolved(value.expression, value.reason, value.parts, value.refs, True) \
        if isinstance(value, Unresolved) else value


# The same for every template (immutable values; the objects holding them are made per call)
_SUB = Unresolved(SUBSCRIPTION, DEPLOY_TIME, (Atom(SUBSCRIPTION),))
_RG = Unresolved(RESOURCE_GROUP, DEPLOY_TIME, (Atom(RESOURCE_GROUP),))
_SUB_ID = _as_id(join(["/subscriptions/", _SUB], "subscription().id"))
_RG_ID = _as_id(join(["/subscriptions/", _SUB, "/resourceGroups/", _RG], "resourceGroup().id"))
_RG_GAP = unknown("resourceGroup().location", DEPLOY_TIME)
_SUB_GAP = unknown("subscription().tenantId", DEPLOY_TIME)


def resource_id(args: list, expression: str, level: str = "group") -> Any:
    """resourceId([subscriptionId,] [resourceGroupName,] type, name1, name2 …) and its
    subscription/tenant/extension kin: the id with placeholders for what is unknown,
    pointing at the resource it names."""
    at = next((i for i, a in enumerate(args) if isinstance(a, str) and "/" in a and "." in a.split("/")[0]),
              None)
    if level == "extension":
        at = 1 if len(args) > 2 and isinstance(args[1], str) else None
    if at is None or len(args) - at < 2:
        return unknown(expression, "resourceId needs a resource type and a name")
    rtype, names = args[at], args[at + 1:]
    types = rtype.split("/")
    if len(types) != len(names) + 1:
        return unknown(expression, f"resourceId: {rtype} needs {len(types) - 1} name(s), got {len(names)}")
    sub = args[0] if (at >= 2 or (level == "subscription" and at == 1)) else _SUB
    rg = args[at - 1] if at >= 1 else _RG
    prefix: tuple = {"group": ("/subscriptions/", sub, "/resourceGroups/", rg),
                     "subscription": ("/subscriptions/", sub), "tenant": (),
                     "extension": (args[0],)}[level]
    pieces: list = [*prefix, "/providers/", types[0]]
    for t, n in zip(types[1:], names):
        pieces += ["/", t, "/", n]
    value = join(pieces, expression)
    target = Target(rtype=rtype.lower(), name=tuple(names))
    if isinstance(value, Unresolved):
        return Unresolved(value.expression, value.reason, value.parts, value.refs + (target,), True)
    return with_refs(value, [target])


def _strings(name: str, args: list) -> None:
    for a in args:
        if not isinstance(a, str) and not is_unknown(a):
            raise Mismatch(f"{name} expects strings, got {describe(a)}")


def _concat(args: list, expression: str) -> Any:
    if args and all(isinstance(a, list) for a in args):
        out = [x for a in args for x in a]
        if len(out) > MAX_ITEMS:
            return unknown(expression, f"the array would hold more than {MAX_ITEMS} items")
        return out
    pieces = [a if isinstance(a, str) or is_unknown(a) else _text(a) for a in args]
    return join(pieces, expression)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"            # ARM's string(true) is "True"
    if isinstance(value, (int, float)):
        return str(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if partly_unknown(value):
        raise Mismatch(f"the text of {describe(value)} not known in full")
    return json.dumps(value, separators=(",", ":"))


def _format(args: list, expression: str) -> Any:
    if not args or not isinstance(args[0], str):
        if args and is_unknown(args[0]):
            return with_refs(unknown(expression, args[0].reason), refs_of(*args))
        raise Mismatch("format expects a format string first")
    text, values = args[0], args[1:]
    pieces: list = []
    at = 0
    for m in _FORMAT_ITEM.finditer(text):
        pieces.append(text[at:m.start()])
        at = m.end()
        if m.group(0) in ("{{", "}}"):
            pieces.append(m.group(0)[0])
            continue
        index = int(m.group(1))
        if index >= len(values):
            raise Mismatch(f"format: no argument {index}")
        if ":" in m.group(0) and not is_unknown(values[index]):
            return unknown(expression, "format: number formats are not evaluated")
        value = values[index]
        pieces.append(value if isinstance(value, str) or is_unknown(value) else _text(value))
    pieces.append(text[at:])
    return join(pieces, expression)


def _equals(a: Any, b: Any) -> bool:
    equal = same(a, b)                         # ARM's equals is case-sensitive for strings
    if equal is None:
        raise Mismatch("equals of values not known in full")
    return equal


def _compare(op: Callable[[Any, Any], bool]) -> Callable:
    def compare(a: Any, b: Any) -> bool:
        if isinstance(a, str) and isinstance(b, str):
            return op(a.lower(), b.lower())
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) \
                and not isinstance(a, bool) and not isinstance(b, bool):
            return op(a, b)
        raise Mismatch("comparison of values that are not both numbers or strings")
    return compare


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, (int, float)):
        return bool(value)
    raise Mismatch(f"bool expects a boolean, a 'true'/'false' string or a number, got {describe(value)}")


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise Mismatch("int of a boolean")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Mismatch(f"int of {describe(value)}") from None


def _length(value: Any) -> int:
    if isinstance(value, (str, list, dict)):
        return len(value)
    raise Mismatch(f"length of {describe(value)}")


def _contains(container: Any, item: Any) -> bool:
    if isinstance(container, str):
        return isinstance(item, str) and item.lower() in container.lower()
    if isinstance(container, dict):
        return isinstance(item, str) and item.lower() in (k.lower() for k in container)
    if isinstance(container, list):
        found = [same(x, item) for x in container]
        if True not in found and None in found:
            raise Mismatch("contains: items not known in full")
        return True in found
    raise Mismatch(f"contains on {describe(container)}")


def _union(args: list, expression: str) -> Any:
    """Objects merged key by key, deeply, later winning (objects.merge: an argument of
    unknown content makes the keys before it unknown, not the whole object); arrays
    without repeats (an unknown array: unknown)."""
    if any(isinstance(v, dict) for v in args) and all(isinstance(v, (dict, Unknown)) for v in args):
        return merge(args, expression, deep=True)
    bad = next((a for a in args if is_unknown(a)), None)
    if bad is not None:
        return with_refs(unknown(expression, bad.reason), refs_of(*args))
    if args and all(isinstance(v, list) for v in args):
        out_list: list = []
        for v in args:
            out_list += [x for x in v if all(same(x, y) is not True for y in out_list)]
        return out_list
    raise Mismatch("union of values that are not all objects or all arrays")


def _shallow_merge(args: list, expression: str) -> Any:
    """shallowMerge([a, b, …]): top-level keys, later winning (objects.merge)."""
    if len(args) != 1:
        raise Mismatch("shallowMerge takes one array of objects")
    items = args[0]
    if is_unknown(items):
        return with_refs(unknown(expression, items.reason), refs_of(items))
    if not isinstance(items, list) or not all(isinstance(v, (dict, Unknown)) for v in items):
        raise Mismatch("shallowMerge expects an array of objects")
    return merge(items, expression, deep=False)


def _range(start: Any, count: Any) -> list:
    start, count = _int(start), _int(count)
    if count < 0 or count > MAX_ITEMS:
        raise Mismatch(f"range count {count} out of bounds")
    return list(range(start, start + count))


def _json(text: Any) -> Any:
    if not isinstance(text, str):
        raise Mismatch(f"json of {describe(text)}")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise Mismatch(f"json: {exc}") from None


def _string(value: Any) -> str:
    return _text(value)


def _arith(op: Callable[[int, int], Any]) -> Callable:
    def apply(a: Any, b: Any) -> Any:
        a, b = _int(a), _int(b)
        try:
            result = op(a, b)
        except ZeroDivisionError:
            raise Mismatch("division by zero") from None
        if isinstance(result, int) and abs(result) > 2 ** 63:
            raise Mismatch("integer overflow")
        return result
    return apply


def _substring(text: Any, start: Any = 0, length: Any = None) -> str:
    if not isinstance(text, str):
        raise Mismatch(f"substring of {describe(text)}")
    start = _int(start)
    end = len(text) if length is None else start + _int(length)
    if start < 0 or end > len(text) or end < start:
        raise Mismatch("substring out of range")
    return text[start:end]


def _take_skip(take: bool) -> Callable:
    def apply(value: Any, count: Any) -> Any:
        if not isinstance(value, (str, list)):
            raise Mismatch(f"{'take' if take else 'skip'} of {describe(value)}")
        n = max(0, _int(count))
        return value[:n] if take else value[n:]
    return apply


def _first_last(first: bool) -> Callable:
    def apply(value: Any) -> Any:
        if not isinstance(value, (str, list)):
            raise Mismatch(f"{'first' if first else 'last'} of {describe(value)}")
        if not value:
            return "" if isinstance(value, str) else None
        return value[0] if first else value[-1]
    return apply


def _split(text: Any, sep: Any) -> list:
    if not isinstance(text, str):
        raise Mismatch(f"split of {describe(text)}")
    seps = sep if isinstance(sep, list) else [sep]
    if not all(isinstance(s, str) and s for s in seps):
        raise Mismatch("split needs non-empty string separators")
    return re.split("|".join(map(re.escape, seps)), text)


def _join(items: Any, sep: Any) -> str:
    if not isinstance(items, list) or not isinstance(sep, str):
        raise Mismatch("join expects an array and a string")
    return sep.join(_text(i) for i in items)


def _str_fn(fn: Callable[[str], Any], name: str) -> Callable:
    def apply(value: Any, *rest: Any) -> Any:
        if not isinstance(value, str) or not all(isinstance(r, str) for r in rest):
            raise Mismatch(f"{name} expects strings, got {describe(value)}")
        return fn(value, *rest)
    return apply


def _replace(text: str, old: str, new: str) -> str:
    if not old:
        raise Mismatch("replace of an empty string")
    if len(text) + text.count(old) * len(new) > MAX_TEXT:
        raise Mismatch(f"the text would be longer than {MAX_TEXT} characters")
    return text.replace(old, new)


# name (lower case) → function of known values. The rest of the language is in `call`.
KNOWN: dict[str, Callable[..., Any]] = {
    "tolower": _str_fn(str.lower, "toLower"), "toupper": _str_fn(str.upper, "toUpper"),
    "trim": _str_fn(str.strip, "trim"), "replace": _str_fn(_replace, "replace"),
    "startswith": _str_fn(lambda a, b: a.lower().startswith(b.lower()), "startsWith"),
    "endswith": _str_fn(lambda a, b: a.lower().endswith(b.lower()), "endsWith"),
    "indexof": _str_fn(lambda a, b: a.lower().find(b.lower()), "indexOf"),
    "lastindexof": _str_fn(lambda a, b: a.lower().rfind(b.lower()), "lastIndexOf"),
    "substring": _substring, "take": _take_skip(True), "skip": _take_skip(False),
    "first": _first_last(True), "last": _first_last(False), "split": _split, "join": _join,
    "equals": _equals, "not": lambda a: not _bool(a),
    "less": _compare(lambda a, b: a < b), "lessorequals": _compare(lambda a, b: a <= b),
    "greater": _compare(lambda a, b: a > b), "greaterorequals": _compare(lambda a, b: a >= b),
    "empty": lambda v: not v if isinstance(v, (str, list, dict)) or v is None else False,
    "length": _length, "contains": _contains, "range": _range, "json": _json,
    "string": _string, "int": _int, "bool": _bool, "array": lambda v: v if isinstance(v, list) else [v],
    "createarray": lambda *a: list(a),
    "add": _arith(lambda a, b: a + b), "sub": _arith(lambda a, b: a - b), "mul": _arith(lambda a, b: a * b),
    "div": _arith(lambda a, b: int(a / b)), "mod": _arith(lambda a, b: int(a - b * int(a / b))),
    "min": lambda *a: min(_int(x) for x in (a[0] if len(a) == 1 and isinstance(a[0], list) else a)),
    "max": lambda *a: max(_int(x) for x in (a[0] if len(a) == 1 and isinstance(a[0], list) else a)),
    "true": lambda: True, "false": lambda: False, "null": lambda: None,
    "items": lambda o: [{"key": k, "value": v} for k, v in o.items()] if isinstance(o, dict)
    else (_ for _ in ()).throw(Mismatch("items of a non-object")),
}
# Functions building objects from parts, some of which may be unknown (objects.py).
OBJECT_BUILDERS: dict[str, Callable[[list, str], Any]] = {
    "union": _union, "shallowmerge": _shallow_merge, "createobject": create_object,
}
# Known only at deployment, whatever the arguments (keyed by their arguments, so the same
# call names the same value: two names built from uniqueString(resourceGroup().id) match).
DEPLOY_ONLY = frozenset({"uniquestring", "guid", "newguid", "utcnow", "deployment", "environment", "tenant",
                         "managementgroup", "pickzones", "providers", "listkeys", "listsecrets",
                         "listaccountsas", "listservicesas", "reference", "base64", "base64tostring",
                         "datauri", "datauritostring", "uri", "uricomponent", "uricomponenttostring",
                         "dateTimeAdd".lower(), "datetimefromepoch", "datetimetoepoch", "getsecret"})


def call(name: str, args: list, expression: str) -> Any:
    """The value of a built-in function on evaluated arguments."""
    lname = name.lower()
    if lname in ("resourcegroup", "subscription") and not args:
        return scope_objects()[lname]
    for fname, level in (("resourceid", "group"), ("subscriptionresourceid", "subscription"),
                         ("tenantresourceid", "tenant"), ("extensionresourceid", "extension")):
        if lname == fname:
            return _guard(lambda: resource_id(args, expression, level), expression, args)
    if lname == "concat":
        return _guard(lambda: _concat(args, expression), expression, args)
    if lname == "format":
        return _guard(lambda: _format(args, expression), expression, args)
    if lname == "if":
        if len(args) != 3:
            return unknown(expression, "if takes three arguments")
        if is_unknown(args[0]):                    # what both branches agree on
            return _guard(lambda: either(args[0], args[1], args[2], expression), expression, args)
        return _guard(lambda: args[1] if _bool(args[0]) else args[2], expression, args)
    if lname in OBJECT_BUILDERS:                   # key by key: a part may be unknown
        return _guard(lambda: OBJECT_BUILDERS[lname](args, expression), expression, args)
    if lname == "coalesce":
        for a in args:
            if is_unknown(a):
                return with_refs(unknown(expression, a.reason), refs_of(*args))
            if a is not None:
                return a
        return None
    if lname in ("and", "or"):
        stop = lname == "or"
        for a in args:
            if not is_unknown(a) and _guard(lambda: _bool(a), expression, args) is stop:
                return stop
        if any(is_unknown(a) for a in args):
            return with_refs(unknown(expression, next(a.reason for a in args if is_unknown(a))), refs_of(*args))
        return not stop
    if lname in DEPLOY_ONLY or lname.startswith("list"):
        return Unresolved(expression[:300], f"{name}() is {DEPLOY_TIME}",
                          (Atom(f"{lname}({','.join(key_of(a) for a in args)})"),), refs_of(*args))
    fn = KNOWN.get(lname)
    if fn is None:
        return with_refs(unknown(expression, f"function {name}() is not evaluated statically"), refs_of(*args))
    return _unknown_args(args, expression, lambda: fn(*args))


def _unknown_args(args: list, expression: str, apply: Callable[[], Any], names_ok: bool = False) -> Any:
    if not names_ok:
        bad = next((a for a in args if is_unknown(a)), None)
        if bad is None:                            # an open object's key set is not known in full
            bad = next((a.gap for a in args if isinstance(a, OpenDict)), None)
        if bad is not None:
            return with_refs(unknown(expression, bad.reason), refs_of(*args))
    return _guard(apply, expression, args)


def _guard(apply: Callable[[], Any], expression: str, args: list) -> Any:
    try:
        return apply()
    except Mismatch as exc:
        return unknown(expression, str(exc))
    except TypeError as exc:                       # wrong number of arguments
        return unknown(expression, f"bad arguments: {str(exc)[:120]}")
    except (OverflowError, ValueError, RecursionError, MemoryError) as exc:
        return unknown(expression, f"not evaluated: {type(exc).__name__}")


def member(value: Any, key: Any, expression: str) -> Any:
    """value.key / value[key]: a property of an object, an item of an array."""
    if isinstance(value, OpenDict) and isinstance(key, str) and not any(
            isinstance(k, str) and k.lower() == key.lower() for k in dict.keys(value)):
        gap = value.gap
        return Unresolved(expression[:300], gap.reason, (Atom(expression),), refs_of(value))
    if is_unknown(value) or is_unknown(key):
        base = value if is_unknown(value) else key
        return Unresolved(expression[:300], base.reason, (Atom(expression),), refs_of(value, key))
    if isinstance(value, dict) and isinstance(key, str):
        for k in (key, *(k for k in value if isinstance(k, str) and k.lower() == key.lower())):
            if dict.__contains__(value, k):
                return with_refs(value[k], refs_of(value)) if isinstance(value[k], str) else value[k]
        return unknown(expression, f"the object has no property {key!r}")
    if isinstance(value, (list, str)) and isinstance(key, int) and not isinstance(key, bool):
        if -len(value) <= key < len(value) and key >= 0:
            return value[key]
        return unknown(expression, f"index {key} out of range")
    return unknown(expression, f"cannot take {key!r} of {describe(value)}")


__all__ = ["call", "member", "resource_id", "scope_objects", "Unknown", "DEPLOY_TIME"]
