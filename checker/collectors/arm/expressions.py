"""ARM template expressions: `"[concat('st', parameters('name'))]"` into a small tree.

Grammar (learn.microsoft.com, "Syntax and expressions in ARM templates"): a JSON string
that starts with `[` and ends with `]` is an expression; `[[` starts a literal `[`. An
expression is a function call (`name(args)`, `namespace.name(args)` for user functions)
or a literal ('text' with '' for a quote, an integer), followed by any number of
`.property` and `[index]` accesses. Nodes are tuples: ("str", text), ("num", n),
("call", name, args), ("member", base, key-node). Bounded: an expression past MAX_LENGTH
characters (ARM's own limit is 24,576) or nested deeper than MAX_DEPTH is an error, never
a recursion crash.
"""
from __future__ import annotations

import functools
import re

MAX_LENGTH = 100_000
MAX_DEPTH = 100

_TOKEN = re.compile(r"""\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][\w$]*)"""
                    r"""|(?P<punct>[().,\[\]?]))""")


class ExpressionError(ValueError):
    pass


def is_expression(text: str) -> bool:
    return len(text) >= 2 and text[0] == "[" and text[-1] == "]" and not text.startswith("[[")


def literal(text: str) -> str:
    """A JSON string that is not an expression, as the text it stands for."""
    return text[1:] if text.startswith("[[") else text


@functools.lru_cache(maxsize=8192)
def parse(text: str) -> tuple:
    """The tree of an expression string (with its brackets); templates repeat their
    expressions (copies, one pattern per resource), so trees are cached, immutable."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
    tokens = _tokens(text[1:-1])
    parser = _Parser(tokens, text)
    node = parser.expression(0)
    if parser.at < len(tokens):
        raise ExpressionError(f"unexpected {tokens[parser.at][1]!r} after the end")
    return node


def _tokens(body: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    at = 0
    while at < len(body):
        m = _TOKEN.match(body, at)
        if not m or m.end() == at:
            if body[at:].strip() == "":
                break
            raise ExpressionError(f"unexpected character {body[at]!r} at column {at + 2}")
        at = m.end()
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
    return out


class _Parser:
    def __init__(self, tokens: list, text: str) -> None:
        self.tokens, self.text, self.at = tokens, text, 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, punct: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ExpressionError("the expression ends early")
        if punct is not None and token != ("punct", punct):
            raise ExpressionError(f"expected {punct!r}, found {token[1]!r}")
        self.at += 1
        return token

    def expression(self, depth: int) -> tuple:
        if depth > MAX_DEPTH:
            raise ExpressionError(f"expression nested deeper than {MAX_DEPTH} levels")
        kind, value = self.take()
        if kind == "str":
            node: tuple = ("str", value[1:-1].replace("''", "'"))
        elif kind == "num":
            node = ("num", float(value) if "." in value else int(value))
        elif kind == "name":
            name = value
            if self.peek() == ("punct", ".") and self.at + 1 < len(self.tokens) \
                    and self.tokens[self.at + 1][0] == "name":     # namespace.function(
                self.take()
                name = f"{value}.{self.take()[1]}"
            self.take("(")
            args: list = []
            while self.peek() != ("punct", ")"):
                args.append(self.expression(depth + 1))
                if self.peek() == ("punct", ","):
                    self.take()
                elif self.peek() != ("punct", ")"):
                    self.take(")")
            self.take(")")
            node = ("call", name, tuple(args))
        else:
            raise ExpressionError(f"unexpected {value!r}")
        return self.postfix(node, depth)

    def postfix(self, node: tuple, depth: int) -> tuple:
        while True:
            token = self.peek()
            if token == ("punct", "."):
                self.take()
                if self.peek() == ("punct", "?"):
                    self.take()
                kind, value = self.take()
                if kind != "name":
                    raise ExpressionError(f"expected a property name after '.', found {value!r}")
                node = ("member", node, ("str", value))
            elif token == ("punct", "["):
                self.take()
                index = self.expression(depth + 1)
                self.take("]")
                node = ("member", node, index)
            else:
                return node
