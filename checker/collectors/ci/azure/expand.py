"""Azure Pipelines template expressions, read without running anything: `${{ parameters.x }}`
and `${{ variables.x }}` replaced where their values are literals, `${{ if … }}` /
`${{ elseif … }}` / `${{ else }}` insertion keys taken when their condition is made of
literals, `${{ each x in … }}` repeated over a literal list or mapping.

What cannot be read (a condition on a runtime value, `each` over something unknown) is kept
as unknown with its line, never guessed: the branches of an undecided `if` are all read
(what the pipeline *may* run), an undecided `each` body is left out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ....safeyaml import YamlList, YamlMap, line_of

MAX_NODES = 200_000          # values an expansion may build (nested loops stay bounded)

_EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.S)
_INSERT = re.compile(r"^\$\{\{\s*(if|elseif|else|each)\b(.*?)\}\}\s*$", re.S)
_EACH = re.compile(r"^\s*([A-Za-z_][\w]*)\s+in\s+(.+?)\s*$", re.S)
_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][\w.-]*)"
                    r"|(?P<punct>[(),\[\]]))")


class TooLarge(Exception):
    """The expansion built more than MAX_NODES values."""


class Undecided(Exception):
    """An expression names a value not known before the pipeline runs."""


@dataclass
class Scope:
    parameters: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    loop: dict[str, Any] = field(default_factory=dict)
    unknown: list[dict] = field(default_factory=list)    # {"line", "reason"}
    built: list[int] = field(default_factory=lambda: [0])  # shared count across nested scopes

    def with_loop(self, name: str, value: Any) -> "Scope":
        return Scope(self.parameters, self.variables, {**self.loop, name: value}, self.unknown, self.built)


def expand(node: Any, scope: Scope) -> Any:
    """The node with what its expressions say read in."""
    scope.built[0] += 1
    if scope.built[0] > MAX_NODES:
        raise TooLarge()
    if isinstance(node, str):
        return _substitute(node, scope)
    if isinstance(node, list):
        return _expand_list(node, scope)
    if isinstance(node, dict):
        return _expand_map(node, scope)
    return node


def _expand_list(items: list, scope: Scope) -> YamlList:
    out, lines = YamlList(), []
    out.line = line_of(items)
    chain = _Chain()              # an if / elseif / else chain runs over consecutive items
    for i, item in enumerate(items):
        line = line_of(items, i)
        if isinstance(item, dict) and item and all(_is_insertion(k) for k in item):
            merged = None         # branches that are mappings make one item of their keys
            for value, value_line in _inserted(item, scope, line, chain):
                if isinstance(value, dict):
                    if merged is None:
                        merged = YamlMap()
                        merged.line, merged.lines = value_line, {}
                        out.append(merged)
                        lines.append(value_line)
                    merged.update(value)
                    merged.lines.update(getattr(value, "lines", {}) or {})
                    continue
                values = value if isinstance(value, list) else [value]
                for j, v in enumerate(values):
                    out.append(v)
                    lines.append(line_of(value, j) if isinstance(value, list) else value_line)
            continue
        chain = _Chain()
        out.append(expand(item, scope))
        lines.append(line)
    out.lines = lines
    return out


def _expand_map(mapping: dict, scope: Scope) -> YamlMap:
    out = YamlMap()
    out.line, out.lines = line_of(mapping), {}
    chain = _Chain()
    for key, value in mapping.items():
        line = line_of(mapping, key)
        if _is_insertion(key):
            for inserted, _ in _inserted({key: value}, scope, line, chain):
                if isinstance(inserted, dict):
                    out.update(inserted)
                    out.lines.update(getattr(inserted, "lines", {}) or {})
            continue
        new_key = _substitute(key, scope) if isinstance(key, str) else key
        try:
            out[new_key] = expand(value, scope)
        except TypeError:                      # a key substituted into an unhashable value
            out[key] = expand(value, scope)
            new_key = key
        out.lines[new_key] = line
    return out


def _is_insertion(key: Any) -> bool:
    return isinstance(key, str) and bool(_INSERT.match(key))


@dataclass
class _Chain:
    done: bool = False            # a branch of the chain was taken: the rest are not
    undecided: bool = False       # a condition of the chain is not known: every branch is read


def _inserted(item: dict, scope: Scope, line: int | None, chain: _Chain):
    """(expanded value, line) of each branch an insertion mapping contributes: an if/elseif/
    else chain takes its first true branch; an undecided one contributes every branch."""
    for key, value in item.items():
        kind, rest = _INSERT.match(key).groups()
        key_line = line_of(item, key) or line
        if kind == "each":
            yield from _each(rest, value, scope, key_line)
            continue
        if kind == "if":
            chain.done, chain.undecided = False, False
        if chain.done:
            continue
        if kind == "else":
            chain.done = True
            yield expand(value, scope), key_line
            continue
        try:
            taken = truthy(evaluate(rest, scope))
        except Undecided:
            scope.unknown.append({"line": key_line, "reason": f"condition not known before the run: {key.strip()[:200]}"})
            chain.undecided = True
            yield expand(value, scope), key_line
            continue
        if taken:
            chain.done = not chain.undecided
            yield expand(value, scope), key_line


def _each(rest: str, body: Any, scope: Scope, line: int | None):
    m = _EACH.match(rest)
    collection = None
    if m:
        try:
            collection = evaluate(m.group(2), scope)
        except Undecided:
            collection = None
    if not isinstance(collection, (list, dict)):
        scope.unknown.append({"line": line, "reason": f"${{{{ each{rest[:200]} }}}}: the collection is not "
                                                      "known before the run; its items are not read"})
        return
    items = (list(collection) if isinstance(collection, list)
             else [{"key": k, "value": v} for k, v in collection.items()])
    for element in items:
        yield expand(body, scope.with_loop(m.group(1), element)), line


def _substitute(text: str, scope: Scope) -> Any:
    """`${{ … }}` in a string replaced by its value where known; a string that is one whole
    expression becomes its value (a list of steps passed as a parameter)."""
    if "${{" not in text:
        return text
    whole = _EXPR.fullmatch(text.strip())
    if whole and not _INSERT.match(text.strip()):
        try:
            return evaluate(whole.group(1), scope)
        except Undecided:
            return text

    def one(m: re.Match) -> str:
        try:
            value = evaluate(m.group(1), scope)
        except Undecided:
            return m.group(0)
        if isinstance(value, (dict, list)):
            return m.group(0)
        return _text(value)
    return _EXPR.sub(one, text)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return "" if value is None else str(value)


# -- the expression language (learn.microsoft.com/azure/devops/pipelines/process/expressions)

def evaluate(text: str, scope: Scope) -> Any:
    tokens = [m for m in _TOKEN.finditer(text)]
    if "".join(m.group(0) for m in tokens).strip() != text.strip():
        raise Undecided(text)                  # operators we do not read (`[`, `!`, …)
    parser = _Parser([(m.lastgroup, m.group(m.lastgroup)) for m in tokens], scope)
    value = parser.value()
    if parser.pos != len(parser.tokens):
        raise Undecided(text)
    return value


_FUNCTIONS = {
    "eq": lambda a, b: _cmp(a) == _cmp(b), "ne": lambda a, b: _cmp(a) != _cmp(b),
    "not": lambda a: not truthy(a),
    "startswith": lambda a, b: str(a).lower().startswith(str(b).lower()),
    "endswith": lambda a, b: str(a).lower().endswith(str(b).lower()),
    "contains": lambda a, b: str(b).lower() in str(a).lower(),
    "containsvalue": lambda a, b: any(_cmp(x) == _cmp(b) for x in (a.values() if isinstance(a, dict) else a or [])),
    "lower": lambda a: str(a).lower(), "upper": lambda a: str(a).upper(),
}


def _cmp(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value != "" and value.lower() != "false"
    return bool(value)


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], scope: Scope) -> None:
        self.tokens, self.pos, self.scope = tokens, 0, scope

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, text: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (text is not None and token[1] != text):
            raise Undecided(text or "end")
        self.pos += 1
        return token

    def value(self) -> Any:
        kind, text = self.take()
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text) if "." in text else int(text)
        if kind != "name":
            raise Undecided(text)
        if self.peek() == ("punct", "("):
            return self.call(text.lower())
        return self.reference(text)

    def call(self, name: str) -> Any:
        self.take("(")
        args = []
        while self.peek() != ("punct", ")"):
            args.append(self.value())
            if self.peek() == ("punct", ","):
                self.take(",")
        self.take(")")
        if name in ("and", "or"):
            return all(map(truthy, args)) if name == "and" else any(map(truthy, args))
        if name in ("in", "notin") and args:
            found = any(_cmp(args[0]) == _cmp(a) for a in args[1:])
            return found if name == "in" else not found
        if name == "coalesce":
            return next((a for a in args if a not in ("", None)), "")
        if name == "format" and args:
            return re.sub(r"\{(\d+)\}", lambda m: _text(args[1 + int(m.group(1))]) if 1 + int(m.group(1)) < len(args)
                          else m.group(0), str(args[0]))
        function = _FUNCTIONS.get(name)
        if function is None:
            raise Undecided(name)
        try:
            return function(*args)
        except TypeError:
            raise Undecided(name) from None

    def reference(self, name: str) -> Any:
        if name in ("true", "True"):
            return True
        if name in ("false", "False"):
            return False
        if name == "null":
            return None
        parts = name.split(".")
        if self.peek() == ("punct", "["):          # variables['x'], parameters['x']
            self.take("[")
            _, key = self.take()
            self.take("]")
            parts.append(key.strip("'"))
        root, rest = parts[0], parts[1:]
        if root in self.scope.loop:
            value = self.scope.loop[root]
        elif root == "parameters" and rest and rest[0] in self.scope.parameters:
            value, rest = self.scope.parameters[rest[0]], rest[1:]
        elif root == "variables" and rest and rest[0] in self.scope.variables:
            value, rest = self.scope.variables[rest[0]], rest[1:]
        else:
            raise Undecided(name)
        for part in rest:
            if not isinstance(value, dict) or part not in value:
                raise Undecided(name)
            value = value[part]
        return value
