"""Terraform files into a small syntax tree: blocks with their lines, attributes with
their expressions compiled from python-hcl2's Lark parse tree.

python-hcl2's own dict output keeps quotes to tell a literal from an expression, loses
line numbers (8.x ignores `with_meta`) and gives `jsonencode({...})` as one opaque string;
its Lark tree (`parses_to_tree`, built with `propagate_positions`) has all three. A Lark
tree costs about 130 times the text it parses, so each file's tree is compiled at once
into the tuples below and let go: a 10k-resource estate keeps the tuples, not the trees.

Expressions (`Expr`) are tuples whose first item names the kind:
    ("lit", value)                       a literal: str, int, float, bool, None
    ("tpl", parts)                       a template: str pieces and Exprs
    ("trav", root, steps)                `var.x`, `a.b[0]`, `x[*].y`: steps are ("attr", name),
                                         ("index", Expr), ("splat",)
    ("get", base, steps)                 the same steps after any other expression
    ("call", name, args, expand_last)
    ("cond", test, yes, no)
    ("bin", op, left, right)             ("un", op, operand)
    ("tuple", items)                     ("object", [(key Expr, value Expr)])
    ("for", key_var, value_var, collection, key Expr | None, value Expr, condition | None, group)
    ("bad", why)                         a construct this reader leaves unknown (template directives)
`.tf.json` files compile to the same tuples (Terraform's JSON syntax: strings holding `${…}`
are templates).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import hcl2
from lark import Token, Tree
from lark.exceptions import LarkError, UnexpectedInput

Expr = tuple

# Deeper than this, a file is refused (a collection error), not a recursion crash.
MAX_DEPTH = 150


class HclError(Exception):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class Attribute:
    name: str
    expr: Expr
    source: str                      # the expression as written (for evidence)
    line: int | None


@dataclass
class Body:
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list["Block"] = field(default_factory=list)


@dataclass
class Block:
    type: str
    labels: list[str]
    body: Body
    line: int | None


# -- HCL native syntax -----------------------------------------------------------------

def parse_hcl(text: str) -> Body:
    """A .tf / .tfvars text as a Body; HclError (with the line) when it is not HCL."""
    try:
        tree = hcl2.parses_to_tree(text)
    except UnexpectedInput as exc:
        raise HclError(_first_line(exc), getattr(exc, "line", None)) from None
    except (LarkError, ValueError) as exc:
        raise HclError(_first_line(exc)) from None
    except RecursionError:
        raise HclError("nested too deeply to parse") from None
    return _Compiler(text).body(tree.children[0], 0)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def _trees(node: Tree) -> list[Tree]:
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


class _Compiler:
    def __init__(self, text: str) -> None:
        self.text = text

    def _deep(self, depth: int, node: Tree) -> None:
        if depth > MAX_DEPTH:
            raise HclError(f"nested more than {MAX_DEPTH} levels deep", _line(node))

    def body(self, node: Tree, depth: int) -> Body:
        self._deep(depth, node)
        out = Body()
        for child in _trees(node):
            if child.data == "attribute":
                name_node, *_, value = [c for c in child.children if isinstance(c, Tree)]
                name = _name(name_node)
                out.attributes[name] = Attribute(name, self.expr(value, depth + 1), self.source(value),
                                                 _line(child))
            elif child.data == "block":
                parts = _trees(child)
                labels = [_label(p) for p in parts[1:-1]]
                out.blocks.append(Block(_name(parts[0]), labels, self.body(parts[-1], depth + 1), _line(child)))
        return out

    def source(self, node: Tree) -> str:
        meta = node.meta
        if getattr(meta, "empty", True):
            return ""
        return self.text[meta.start_pos:meta.end_pos].strip()

    def expr(self, node: Any, depth: int) -> Expr:
        self._deep(depth, node)
        d = depth + 1
        if isinstance(node, Token):
            return ("lit", str(node))
        kind = node.data
        kids = _trees(node)
        if kind == "expr_term":
            if len(kids) == 1:
                return self.expr(kids[0], d)
            tokens = [c for c in node.children if isinstance(c, Token)]
            return ("lit", str(tokens[0])) if tokens else ("bad", "empty expression")
        if kind == "conditional":
            return ("cond", self.expr(kids[0], d), self.expr(kids[1], d), self.expr(kids[2], d))
        if kind == "binary_op":
            left, term = kids[0], kids[1]
            op_node, right = _trees(term)[0], _trees(term)[-1]
            return ("bin", str(op_node.children[0]), self.expr(left, d), self.expr(right, d))
        if kind == "unary_op":
            return ("un", str(node.children[0]), self.expr(kids[0], d))
        if kind == "int_lit":
            return ("lit", int(str(node.children[0])))
        if kind == "float_lit":
            return ("lit", float(str(node.children[0])))
        if kind == "literal_value":
            return ("lit", {"true": True, "false": False, "null": None}[str(node.children[0])])
        if kind == "identifier":
            return ("trav", str(node.children[0]), [])
        if kind == "string":
            return self.template(node, d)
        if kind in ("heredoc_template", "heredoc_template_trim"):
            return heredoc(str(node.children[0]), kind.endswith("trim"))
        if kind == "template_string":
            return ("bad", "template directive")
        if kind == "tuple":
            return ("tuple", [self.expr(k, d) for k in kids])
        if kind == "object":
            return ("object", [self.object_elem(k, d) for k in kids])
        if kind == "function_call":
            names = [str(c.children[0]) for c in kids if c.data == "identifier"]
            args = next((c for c in kids if c.data == "arguments"), None)
            arg_exprs = [self.expr(a, d) for a in _trees(args)] if args is not None else []
            expand = args is not None and any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in args.children)
            return ("call", "::".join(names), arg_exprs, expand)
        if kind in ("get_attr_expr_term", "index_expr_term", "attr_splat_expr_term", "full_splat_expr_term"):
            return self.traversal(node, d)
        if kind in ("for_tuple_expr", "for_object_expr"):
            return self.for_expr(node, kind == "for_object_expr", d)
        return ("bad", f"unsupported expression ({kind})")

    def object_elem(self, node: Tree, depth: int) -> tuple[Expr, Expr]:
        key_node, value = _trees(node)[0], _trees(node)[-1]
        inner = _trees(key_node)
        key: Expr
        if not inner:                                   # a keyword used as a key: `in = 1`
            key = ("lit", str(key_node.children[0].children[0]) if key_node.children else "")
        else:
            k = inner[0]
            sub = _trees(k) if k.data == "expr_term" else []
            if k.data == "expr_term" and len(sub) == 1 and sub[0].data == "identifier" \
                    and not any(isinstance(c, Token) and c.type == "LPAR" for c in k.children):
                key = ("lit", str(sub[0].children[0]))   # a bare name is the key itself
            elif k.data == "keyword":
                key = ("lit", str(k.children[0]))
            else:
                key = self.expr(k, depth + 1)
        return key, self.expr(value, depth + 1)

    def traversal(self, node: Tree, depth: int) -> Expr:
        steps: list = []
        current = node
        while isinstance(current, Tree) and current.data in (
                "get_attr_expr_term", "index_expr_term", "attr_splat_expr_term", "full_splat_expr_term"):
            base, op = _trees(current)
            steps[:0] = self.steps(op, depth)
            current = base
            if isinstance(current, Tree) and current.data == "expr_term" and len(_trees(current)) == 1 \
                    and not any(isinstance(c, Token) and c.type == "LPAR" for c in current.children):
                current = _trees(current)[0]
            depth += 1
            self._deep(depth, node)
        if isinstance(current, Tree) and current.data == "identifier":
            return ("trav", str(current.children[0]), steps)
        return ("get", self.expr(current, depth + 1), steps)

    def steps(self, op: Tree, depth: int) -> list:
        kind = op.data
        if kind == "get_attr":
            return [("attr", _name(_trees(op)[0]))]
        if kind == "braces_index":
            return [("index", self.expr(_trees(op)[0], depth + 1))]
        if kind == "short_index":
            return [("index", ("lit", int(str(op.children[-1]))))]
        if kind in ("attr_splat", "full_splat"):
            out: list = [("splat",)]
            for sub in _trees(op):
                out += self.steps(sub, depth + 1)
            return out
        return [("index", ("bad", f"unsupported step ({kind})"))]

    def for_expr(self, node: Tree, is_object: bool, depth: int) -> Expr:
        parts = _trees(node)
        intro = parts[0]
        names = [str(c.children[0]) for c in _trees(intro) if c.data == "identifier"]
        collection = self.expr(_trees(intro)[-1], depth + 1)
        key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        cond = next((self.expr(_trees(p)[0], depth + 1) for p in parts if p.data == "for_cond"), None)
        body = [p for p in parts[1:] if p.data != "for_cond"]
        group = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in node.children)
        if is_object:
            return ("for", key_var, value_var, collection, self.expr(body[0], depth + 1),
                    self.expr(body[1], depth + 1), cond, group)
        return ("for", key_var, value_var, collection, None, self.expr(body[0], depth + 1), cond, False)

    def template(self, node: Tree, depth: int) -> Expr:
        parts: list = []
        for part in _trees(node):
            piece = part.children[0]
            if isinstance(piece, Token):
                text = str(piece)
                if piece.type == "ESCAPED_INTERPOLATION" or piece.type == "ESCAPED_DIRECTIVE":
                    parts.append(text[1:])                      # $${ → ${, %%{ → %{
                else:
                    parts.append(unescape(text))
            elif piece.data == "interpolation":
                parts.append(self.expr(_trees(piece)[0], depth + 1))
            else:
                return ("bad", "template directive (%{…})")
        return _template(parts)


def _template(parts: list) -> Expr:
    merged: list = []
    for p in parts:
        if isinstance(p, str) and merged and isinstance(merged[-1], str):
            merged[-1] += p
        else:
            merged.append(p)
    if not merged:
        return ("lit", "")
    if len(merged) == 1 and isinstance(merged[0], str):
        return ("lit", merged[0])
    return ("tpl", merged)


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.S)


def unescape(text: str) -> str:
    if "\\" not in text:
        return text

    def one(m: re.Match) -> str:
        code = m.group(1)
        if code[0] in "uU" and len(code) > 1:
            value = int(code[1:], 16)
            return chr(value) if value <= 0x10FFFF else m.group(0)
        return _ESCAPES.get(code, m.group(0))
    return _ESCAPE.sub(one, text)


def heredoc(token: str, trim: bool) -> Expr:
    lines = token.split("\n")
    body = lines[1:-2] if len(lines) >= 3 else []
    if trim:
        indents = [len(l) - len(l.lstrip(" \t")) for l in body if l.strip()]
        cut = min(indents) if indents else 0
        body = [l[cut:] for l in body]
    text = "".join(l.rstrip("\r") + "\n" for l in body)
    if "${" in text.replace("$${", "") or "%{" in text.replace("%%{", ""):
        return template_text(text)
    return ("lit", text.replace("$${", "${").replace("%%{", "%{"))


def template_text(text: str) -> Expr:
    """Text holding `${…}` interpolations (a heredoc's, a templatefile()'s file) as the
    template expression a quoted string of the same text compiles to; a directive
    (`%{ if }`, `%{ for }`) is not read: ("bad", why)."""
    try:
        expr = parse_hcl("x = " + json.dumps(text)).attributes["x"].expr
    except (HclError, KeyError):
        return ("bad", "a template this reader cannot parse")
    return expr


def _name(node: Tree) -> str:
    if isinstance(node, Token):
        return str(node)
    if node.data == "string":
        return "".join(str(p.children[0]) for p in _trees(node))
    first = node.children[0]
    return str(first.children[0]) if isinstance(first, Tree) else str(first)


def _label(node: Tree) -> str:
    if node.data == "string":
        return unescape("".join(str(p.children[0]) for p in _trees(node) if isinstance(p.children[0], Token)))
    return _name(node)


def _line(node: Tree) -> int | None:
    meta = node.meta
    return None if getattr(meta, "empty", True) else meta.line


# -- Terraform JSON syntax (.tf.json, .tfvars.json) -------------------------------------

def parse_tf_json(data: bytes) -> Body:
    """A .tf.json document as a Body (lines unknown: the JSON syntax has none per block)."""
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise HclError(f"not JSON: {exc.msg}" if hasattr(exc, "msg") else "not JSON",
                       getattr(exc, "lineno", None)) from None
    except RecursionError:
        raise HclError("nested too deeply to parse") from None
    if not isinstance(doc, dict):
        raise HclError("a Terraform JSON file holds an object at the top", 1)
    return _json_body(doc, 0)


# Block types and how many labels each takes in Terraform's JSON syntax.
_JSON_LABELS = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1, "locals": 0,
                "provider": 1, "terraform": 0}


def _json_body(doc: dict, depth: int) -> Body:
    out = Body()
    for key, value in doc.items():
        labels = _JSON_LABELS.get(key)
        if depth == 0 and labels is not None:
            for entry in value if isinstance(value, list) else [value]:
                for block in _json_blocks(key, entry, labels):
                    out.blocks.append(block)
            continue
        out.attributes[key] = Attribute(key, json_expr(value, depth + 1), _json_source(value), None)
    return out


def _json_blocks(kind: str, value: Any, labels: int, found: tuple = ()) -> list[Block]:
    if labels == 0:
        if kind == "locals" or kind == "terraform":
            items = value if isinstance(value, list) else [value]
            return [Block(kind, list(found), _json_body(v, 1), None) for v in items if isinstance(v, dict)]
        return []
    if not isinstance(value, dict):
        return []
    out: list[Block] = []
    for label, inner in value.items():
        if labels == 1:
            for v in inner if isinstance(inner, list) else [inner]:
                if isinstance(v, dict):
                    body = _json_body(v, 1)
                    out.append(Block(kind, [*found, label], body, None))
        else:
            out += _json_blocks(kind, inner, labels - 1, (*found, label))
    return out


def json_expr(value: Any, depth: int = 0) -> Expr:
    if depth > MAX_DEPTH:
        raise HclError(f"nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, str):
        if "${" not in value and "%{" not in value:
            return ("lit", value)
        try:
            body = parse_hcl("x = " + json.dumps(value))
            return body.attributes["x"].expr
        except (HclError, KeyError):
            return ("bad", "a template this reader cannot parse")
    if isinstance(value, list):
        return ("tuple", [json_expr(v, depth + 1) for v in value])
    if isinstance(value, dict):
        return ("object", [(("lit", str(k)), json_expr(v, depth + 1)) for k, v in value.items()])
    return ("lit", value)


def _json_source(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)[:300]
