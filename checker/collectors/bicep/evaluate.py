"""One Bicep file (and the local modules it calls) evaluated statically over its
tree-sitter tree (tree-sitter-bicep), into raw resources.

Read: `param` (a supplied value, else its default, else unknown), `var`, `resource`
(type@apiVersion, body, `parent:`, child resources nested in a body, `existing`), `module`
(a local .bicep file evaluated with its params, its outputs then known to the caller;
registry `br:`/`ts:` modules and paths outside the tree are coverage notes and their
outputs unknown), `output`, `for` loops over a known array or range (an unknown one gives
one resource whose condition is unknown), `if` conditions, and the expression language
(strings with interpolation, operators, member and index access, the template functions
shared with ARM: ../arm/functions.py). A symbol's `.id`, `.name` or any other property
is a reference to it. What the tree holds but this reader does not evaluate — decorators,
lambdas, user-defined functions and types, imports, and what the grammar could not parse
(ERROR nodes: `extension`, object spread, newer syntax) — becomes a coverage note with its
line, never silence.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any, Callable

from ...cloud.model import RawResource, Reference, Unknown
from ..arm.functions import DEPLOY_TIME, call, member, resource_id
from ..arm.objects import either, merge
from ..arm.template import _resolve, _segments, _walk, plain, _name
from ..arm.values import (MAX_ITEMS, MAX_TEXT, Atom, OpenDict, RefStr, Target, Unresolved, describe, is_unknown,
                          join, join_names, key_of, name_key, partly_unknown, refs_of, same, unknown, with_refs)

FORMAT = "bicep"
MAX_MODULE_DEPTH = 10
MAX_LOOP = 800
MAX_RESOURCES = 200_000
ESCAPES = {"\\'": "'", "\\\\": "\\", "\\n": "\n", "\\r": "\r", "\\t": "\t", "\\$": "$"}
NOT_PROPERTIES = frozenset({"name", "parent", "dependsOn"})
NOTES = {
    "decorators": "decorators (@description, @allowed, @secure, @batchSize …) are not evaluated",
    "lambda_expression": "lambdas (map, filter, reduce …) are not evaluated: their results are unknown",
    "user_defined_function": "user-defined functions are not evaluated: calls to them are unknown",
    "type_declaration": "user-defined types are not read",
    "import_functionality": "imports are not followed: imported symbols are unknown",
    "ERROR": "this part of the file is not Bicep the grammar (tree-sitter-bicep 1.1) can read "
             "(e.g. extension, object spread, newer syntax): it is not collected",
}


def text(node, src: bytes) -> str:
    return src[node.start_byte:node.end_byte].decode("utf-8", "replace")


def line(node) -> int:
    return node.start_point[0] + 1


@dataclass
class Parsed:
    """A .bicep file handed over by the tree: its source and tree-sitter tree."""
    ref: Any
    src: bytes
    tree: Any
    decls: dict = field(default_factory=dict)       # symbol → declaration node
    order: list = field(default_factory=list)       # top-level declaration nodes in order
    notes: dict = field(default_factory=dict)       # construct → {line, count, note}

    def note(self, construct: str, at: int, note: str) -> None:
        entry = self.notes.setdefault(construct, {"construct": construct, "line": at, "count": 0, "note": note})
        entry["count"] += 1
        entry["line"] = min(entry["line"], at)


def index(parsed: Parsed) -> None:
    """Symbols and coverage notes of a parsed file (once)."""
    for node in parsed.tree.root_node.children:
        kind = node.type
        if kind in ("parameter_declaration", "variable_declaration", "resource_declaration",
                    "module_declaration", "output_declaration"):
            ident = next((c for c in node.children if c.type == "identifier"), None)
            if ident is not None:
                parsed.decls.setdefault((kind, text(ident, parsed.src)), node)
            parsed.order.append(node)
    stack = [parsed.tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" and _spread_read(node):
            pass                                      # an object spread: read (FileScope.object)
        elif node.type in NOTES:
            parsed.note(node.type, line(node), NOTES[node.type])
            if node.type in ("ERROR", "lambda_expression", "user_defined_function", "type_declaration"):
                continue
        elif node.is_missing:
            parsed.note("ERROR", line(node), NOTES["ERROR"])
        stack.extend(node.children)


@dataclass
class Instance:
    """A resource or module instance found while evaluating."""
    symbol: str
    rtype: str
    api: str | None
    name: Any
    body: Any                                    # the object node
    env: dict
    address: str
    condition: Any
    at: int
    parent: Any = None                           # a Target
    existing: bool = False


class Evaluation:
    """One root file's evaluation: the resources of the root and of every module
    instance it calls, matched against each other at the end."""

    def __init__(self, files: dict[str, Parsed], problem: Callable[[Parsed, str, int | None], None],
                 scope: str) -> None:
        self.files, self.problem, self.scope = files, problem, scope
        self.out: list[tuple[Parsed, RawResource, Any, list]] = []   # (file, raw, refs-values, depends)
        self.visited: set[str] = set()              # the files this evaluation read
        self.index: dict[tuple, str] = {}
        self.by_name: dict[tuple, list[str]] = {}
        self.types: dict[str, str] = {}             # resource address → its type (lower case)
        self.count = 0

    def run(self, parsed: Parsed, supplied: dict) -> None:
        FileScope(self, parsed, supplied, "", (parsed.ref.path,), True).run()

    def raw_resources(self) -> list[tuple[Parsed, RawResource]]:
        result = []
        for parsed, raw, properties, depends in self.out:
            refs: dict[tuple, Reference] = {}
            own = f"{raw.module}.{raw.address}" if raw.module else raw.address

            def add(attribute: str, target: Target) -> None:
                ref = _resolve(attribute, target, self.index, self.by_name)
                if ref is not None and ref.target != own:
                    refs.setdefault((ref.attribute, ref.target, ref.by), ref)

            for attribute, target in raw.references:
                add(attribute, target)
            for path, value in _walk(properties):
                for target in refs_of(value):
                    add(path, target)
            for value in depends:
                for target in refs_of(value):
                    add("dependsOn", target)
            raw.references = list(refs.values())
            result.append((parsed, raw))
        return result


class FileScope:
    """The symbols of one file instance (the root, or a module called with params)."""

    def __init__(self, ev: Evaluation, parsed: Parsed, supplied: dict, chain: str, stack: tuple,
                 condition: Any) -> None:
        self.ev, self.parsed, self.src, self.supplied = ev, parsed, parsed.src, supplied
        self.chain, self.stack, self.condition = chain, stack, condition
        self.values: dict[tuple, Any] = {}
        self.busy: set = set()
        ev.visited.add(parsed.ref.path)

    def address(self, symbol: str) -> str:
        return f"{self.chain}.{symbol}" if self.chain else symbol

    def run(self) -> None:
        for node in self.parsed.order:
            if node.type == "resource_declaration":
                self.symbol_value("resource_declaration", text(self.ident(node), self.src))
            elif node.type == "module_declaration":
                self.symbol_value("module_declaration", text(self.ident(node), self.src))

    @staticmethod
    def ident(node):
        return next(c for c in node.children if c.type == "identifier")

    # -- symbols -------------------------------------------------------------------------
    def lookup(self, name: str, env: dict, node) -> Any:
        if name in env:
            return env[name]
        for kind in ("parameter_declaration", "variable_declaration", "resource_declaration", "module_declaration"):
            if (kind, name) in self.parsed.decls:
                return self.symbol_value(kind, name)
        if name in ("az", "sys"):
            return OpenDict()
        return unknown(name, f"{name} is not declared in this file")

    def symbol_value(self, kind: str, name: str) -> Any:
        key = (kind, name)
        if key in self.values:
            return self.values[key]
        if key in self.busy:
            return unknown(name, f"{name} refers to itself")
        self.busy.add(key)
        try:
            node = self.parsed.decls[key]
            value = {"parameter_declaration": self.param, "variable_declaration": self.var,
                     "resource_declaration": self.resource, "module_declaration": self.module}[kind](name, node)
        finally:
            self.busy.discard(key)
        self.values[key] = value
        return value

    def param(self, name: str, node) -> Any:
        if name in self.supplied:
            return self.supplied[name]
        value = self.after_equals(node)
        if value is not None:
            return self.expr(value, {})
        return Unresolved(name, "parameter without a default value or a value from a parameter file",
                          (Atom(f"{self.parsed.ref.path}:{self.chain}:param:{name}"),))

    def var(self, name: str, node) -> Any:
        value = self.after_equals(node)
        return self.expr(value, {}) if value is not None else unknown(name, "variable without a value")

    @staticmethod
    def after_equals(node):
        seen = False
        for c in node.children:
            if seen and c.is_named:
                return c
            if c.type == "=":
                seen = True
        return None

    # -- resources -----------------------------------------------------------------------
    def resource(self, symbol: str, node, parent: Instance | None = None, env: dict | None = None) -> Any:
        type_node = next((c for c in node.children if c.type == "string"), None)
        spec = self.expr(type_node, {}) if type_node is not None else None
        if not isinstance(spec, str):
            self.ev.problem(self.parsed, f"resource {symbol}: the type is not a literal string", line(node))
            return unknown(symbol, "resource type not known")
        rtype, _, api = spec.partition("@")
        if parent is not None and "." not in rtype.split("/")[0]:
            rtype = f"{parent.rtype}/{rtype}"
            api = api or parent.api
        existing = any(c.type == "existing" for c in node.children)
        body = self.after_equals(node)
        return self.instances(symbol, rtype, api or None, body, env or {}, line(node), parent, existing,
                              self.emit_resource)

    def instances(self, symbol: str, rtype: str, api: str | None, body, env: dict, at: int,
                  parent: Instance | None, existing: bool, emit: Callable[[Instance], Any]) -> Any:
        """Loops and conditions around a body: the symbol's value (a list for a loop)."""
        condition: Any = parent.condition if parent else self.condition
        body, condition, skipped = self.unwrap_if(body, env, condition)
        if skipped:
            return unknown(symbol, f"{symbol} is not deployed (its condition is false)")
        if body is not None and body.type == "for_statement":
            return self.loop(symbol, rtype, api, body, env, at, parent, existing, emit, condition)
        if body is None or body.type != "object":
            self.ev.problem(self.parsed, f"{symbol}: the body is not an object", at)
            return unknown(symbol, "the body could not be read")
        inst = Instance(symbol, rtype, api, None, body, env, self.address(symbol), condition, at, None, existing)
        return emit(inst, parent)

    def unwrap_if(self, body, env: dict, condition: Any) -> tuple[Any, Any, bool]:
        """`if (test) {…}` around a resource body: (the object body, the condition, whether
        the test is false). An unknown test becomes the resource's condition."""
        if body is None or body.type != "if_statement":
            return body, condition, False
        test = next(c for c in body.children if c.type == "parenthesized_expression")
        value = self.expr(test, env)
        body = next((c for c in body.children if c.type == "object"), None)
        if is_unknown(value):
            return body, Unknown(text(test, self.src)[:300], value.reason), False
        return body, condition, value is not True

    def loop_parts(self, node, env: dict) -> tuple[str, str | None, Any, Any, Any]:
        """(item name, index name, the items or an Unknown, the source node, the body) of a
        `[for item in xs: …]` / `[for (item, i) in xs: …]`."""
        body = node.child_by_field_name("body")
        params = next((c for c in node.children if c.type == "for_loop_parameters"), None)
        named = [c for c in node.children if c.is_named and c != body and c != params]
        if params is not None:
            item = next((text(c, self.src) for c in params.children if c.type == "loop_variable"), "_")
            position = next((text(c, self.src) for c in params.children if c.type == "loop_enumerator"), None)
            source = named[0] if named else None
        else:
            item, position = (text(named[0], self.src) if named else "_"), None
            source = named[1] if len(named) > 1 else None
        items = self.expr(source, env) if source is not None else unknown("for", "loop without a source")
        if isinstance(items, dict) and not isinstance(items, OpenDict):
            items = [{"key": k, "value": v} for k, v in items.items()]
        if not isinstance(items, list) and not is_unknown(items):
            items = unknown(text(source, self.src), "the loop is not over an array")
        return item, position, items, source, body

    def loop(self, symbol, rtype, api, node, env, at, parent, existing, emit, condition) -> Any:
        item, position, items, source, body = self.loop_parts(node, env)
        if is_unknown(items):
            cond = Unknown(text(source, self.src)[:300] if source else symbol,
                           f"loop over a collection not known statically: {items.reason}")
            one = {item: unknown(item, "loop item not known statically")}
            if position:
                one[position] = unknown(position, "loop index not known statically")
            return [self.looped(symbol, rtype, api, body, {**env, **one}, at, parent, existing, emit, cond, "[*]")]
        if len(items) > MAX_LOOP:
            self.ev.problem(self.parsed, f"{symbol}: a loop of {len(items)} items (more than {MAX_LOOP})", at)
            items = items[:MAX_LOOP]
        return [self.looped(symbol, rtype, api, body, {**env, item: v, **({position: i} if position else {})},
                            at, parent, existing, emit, condition, f"[{i}]") for i, v in enumerate(items)]

    def looped(self, symbol, rtype, api, body, env, at, parent, existing, emit, condition, suffix) -> Any:
        body, condition, skipped = self.unwrap_if(body, env, condition)
        if skipped:
            return unknown(symbol + suffix, "not deployed (its condition is false)")
        if body is None or body.type != "object":
            return unknown(symbol, "the loop body could not be read")
        inst = Instance(symbol, rtype, api, None, body, env, self.address(symbol) + suffix, condition, at, None,
                        existing)
        return emit(inst, parent)

    def props(self, body) -> list[tuple[str, Any, Any]]:
        """(key, value node, property node) of an object node; nested resources as value
        nodes of type resource_declaration."""
        out = []
        for prop in body.children:
            found = self.prop(prop)
            if found is not None:
                out.append((*found, prop))
        return out

    def prop(self, prop) -> tuple[str, Any] | None:
        """(key, value node) of an object_property; a nested resource as ("", its node)."""
        if prop.type != "object_property":
            return None
        named = [c for c in prop.children if c.is_named]
        if named and named[0].type == "resource_declaration":
            return "", named[0]
        if len(named) < 2:
            return None
        return self.key(named[0]), named[-1]

    def key(self, node) -> str:
        if node.type == "string":
            value = self.expr(node, {})
            return value if isinstance(value, str) else text(node, self.src)
        return text(node, self.src)

    def emit_resource(self, inst: Instance, parent: Instance | None) -> Any:
        self.ev.types[inst.address] = inst.rtype.lower()
        props = self.props(inst.body)
        fields = {k: v for k, v, _ in props if k}
        name = self.expr(fields["name"], inst.env) if "name" in fields else unknown(inst.symbol, "no name")
        parent_target = None
        if parent is None and "parent" not in fields:
            parent_target = self.parent_in_name(inst.rtype, name)
        if parent is not None:
            name, parent_target = join_names(parent.name, name), Target(address=parent.address)
        elif "parent" in fields:
            pv = self.expr(fields["parent"], inst.env)
            pinst = getattr(pv, "instance", None) if isinstance(pv, OpenDict) else None
            if pinst is not None:
                name = join_names(pinst.name, name)
                parent_target = Target(address=pinst.address) if not pinst.existing else \
                    _type_target(pinst.rtype, pinst.name)
            else:
                parent_target = next(iter(refs_of(pv)), None)
        inst.name, inst.parent = name, parent_target
        value = self.symbol_object(inst)
        self.ev.count += 1
        if self.ev.count > MAX_RESOURCES:
            if self.ev.count == MAX_RESOURCES + 1:
                self.ev.problem(self.parsed, f"more than {MAX_RESOURCES} resources; the rest are not read", inst.at)
            return value
        if not inst.existing:
            record: dict = {}
            properties = {k: self.expr(v, inst.env, k, record) for k, v, _ in props
                          if k and k not in NOT_PROPERTIES}
            depends = self.expr(fields["dependsOn"], inst.env) if "dependsOn" in fields else []
            module = self.chain
            address = inst.address[len(module) + 1:] if module else inst.address
            raw = RawResource(FORMAT, inst.rtype, address,
                              plain(properties), name=_name(name), api_version=inst.api, line=inst.at,
                              references=[("parent", parent_target)] if parent_target else [],
                              expressions=record, module=module, scope=self.ev.scope, condition=inst.condition)
            self.ev.out.append((self.parsed, raw, properties, depends if isinstance(depends, list) else [depends]))
            self.ev.index.setdefault((inst.rtype.lower(), name_key(name)), inst.address)
            self.ev.by_name.setdefault(name_key(name), []).append(inst.address)
        local = inst.address[len(self.chain) + 1:] if self.chain else inst.address
        for _, child, prop in props:
            if child.type == "resource_declaration":     # Bicep names it parent::child
                self.resource(f"{local}::{text(self.ident(child), self.src)}", child, inst, inst.env)
        return value

    def parent_in_name(self, rtype: str, name: Any) -> Target | None:
        """A child declared at the top level by its full name whose parent part is known
        only at deployment (`name: '${pe.name}/default'`, the endpoint named with
        uniqueString()): its parent is the one resource of the parent type the name is
        built from. A name known in full is matched by its segments (cloud/children.py)."""
        if not isinstance(name, Unresolved) or rtype.count("/") < 2:
            return None
        parent_type = rtype.rsplit("/", 1)[0].lower()
        found = {t.address for t in refs_of(name)
                 if isinstance(t, Target) and t.address and self.ev.types.get(t.address) == parent_type}
        return Target(address=found.pop()) if len(found) == 1 else None

    def symbol_object(self, inst: Instance) -> OpenDict:
        """What `sym` evaluates to: `.id`, `.name`, `.type`, `.apiVersion` known up to
        placeholders; any other property (`.properties.x`) a reference, unknown."""
        target = _type_target(inst.rtype, inst.name) if inst.existing else Target(address=inst.address)
        segments = _segments(inst.name) or [inst.name]
        rid = resource_id([inst.rtype, *segments], f"{inst.symbol}.id")
        rid = _retarget(rid, target)
        obj = OpenDict(id=rid, name=with_refs(inst.name, [target]) if isinstance(inst.name, (str, Unresolved))
                       else inst.name, type=inst.rtype, apiVersion=inst.api or "")
        obj.gap = Unresolved(f"{inst.symbol}.properties", f"a property of {inst.symbol} is {DEPLOY_TIME}",
                             (Atom(f"{inst.address}.properties"),), (target,))
        obj.instance = inst
        return obj

    # -- modules -------------------------------------------------------------------------
    def module(self, symbol: str, node) -> Any:
        path_node = next((c for c in node.children if c.type == "string"), None)
        source = self.expr(path_node, {}) if path_node is not None else None
        body = self.after_equals(node)
        return self.instances(symbol, "module", None, body, {}, line(node), None, False,
                              lambda inst, _: self.call_module(inst, source))

    def call_module(self, inst: Instance, source: Any) -> Any:
        props = {k: v for k, v, _ in self.props(inst.body) if k}
        params_node = props.get("params")
        gap = OpenDict()
        gap.gap = unknown(f"{inst.symbol}.outputs", f"outputs of module {inst.symbol} are not known")
        result = OpenDict(outputs=gap, name=self.expr(props["name"], inst.env) if "name" in props else inst.symbol)
        result.gap = gap.gap
        if not isinstance(source, str):
            self.ev.problem(self.parsed, f"module {inst.symbol}: the path is not a literal string", inst.at)
            return result
        if source.startswith(("br:", "br/", "ts:", "ts/")):
            self.parsed.note("module", inst.at, f"registry module {source[:200]} is not resolved offline: its "
                             "resources are not collected and its outputs are unknown")
            gap.gap = unknown(f"{inst.symbol}.outputs", f"module {source[:200]} comes from a registry")
            return result
        folder = posixpath.dirname(self.parsed.ref.path)
        target = posixpath.normpath(posixpath.join(folder, source))
        module = self.ev.files.get(target)
        if module is None or target.startswith("../") or target == "..":
            self.parsed.note("module", inst.at, f"module {source[:200]} is not in the scanned tree: its resources "
                             "are not collected and its outputs are unknown")
            gap.gap = unknown(f"{inst.symbol}.outputs", f"module {source[:200]} is not in the scanned tree")
            return result
        if target in self.stack:
            self.ev.problem(self.parsed, f"module {inst.symbol} ({source}) includes itself through "
                            f"{' → '.join(self.stack)}", inst.at)
            return result
        if len(self.stack) > MAX_MODULE_DEPTH:
            self.ev.problem(self.parsed, f"modules nested deeper than {MAX_MODULE_DEPTH} levels", inst.at)
            return result
        supplied: dict = {}
        if params_node is not None and params_node.type == "object":
            for k, v, _ in self.props(params_node):
                supplied[k] = self.expr(v, inst.env)
        elif params_node is not None:
            value = self.expr(params_node, inst.env)
            supplied = dict(value) if isinstance(value, dict) else {}
        child = FileScope(self.ev, module, supplied, inst.address, self.stack + (target,), inst.condition)
        child.run()
        outputs = OpenDict()
        outputs.gap = unknown(f"{inst.symbol}.outputs", f"module {source} has no such output")
        for (kind, name), decl in module.decls.items():
            if kind == "output_declaration":
                value_node = child.after_equals(decl)
                dict.__setitem__(outputs, name, child.expr(value_node, {}) if value_node is not None
                                 else unknown(name, "output without a value"))
        result["outputs"] = outputs
        return result

    # -- expressions ---------------------------------------------------------------------
    def expr(self, node, env: dict, path: str = "", record: dict | None = None) -> Any:
        try:
            return self._expr(node, env, path, record)
        except RecursionError:
            return unknown(text(node, self.src)[:300], "expression too deep to evaluate")

    def _expr(self, node, env: dict, path: str = "", record: dict | None = None) -> Any:
        kind = node.type
        if record is not None and path and kind not in ("object", "array", "string", "number", "boolean", "null"):
            record[path] = text(node, self.src)[:300]
        if kind == "string":
            return self.string(node, env)
        if kind == "number":
            raw = text(node, self.src)
            return float(raw) if "." in raw else int(raw)
        if kind == "boolean":
            return text(node, self.src) == "true"
        if kind == "null":
            return None
        if kind == "object":
            return self.object(node, env, path, record)
        if kind == "array":
            items = [c for c in node.children if c.is_named and c.type != "comment"]
            return [self._expr(c, env, f"{path}.{i}" if path else str(i), record) for i, c in enumerate(items)]
        if kind == "identifier":
            return self.lookup(text(node, self.src), env, node)
        if kind == "parenthesized_expression":
            inner = next((c for c in node.children if c.is_named), None)
            return self._expr(inner, env) if inner is not None else None
        if kind == "member_expression":
            obj = node.child_by_field_name("object") or node.children[0]
            prop = node.child_by_field_name("property") or node.children[-1]
            base = self._expr(obj, env)
            return member(base, text(prop, self.src), text(node, self.src))
        if kind == "subscript_expression":
            obj = node.child_by_field_name("object") or node.children[0]
            index = node.child_by_field_name("index") or [c for c in node.children if c.is_named][-1]
            return member(self._expr(obj, env), self._expr(index, env), text(node, self.src))
        if kind == "call_expression":
            return self.call(node, env)
        if kind == "ternary_expression":
            test = self._expr(node.child_by_field_name("condition"), env)
            if is_unknown(test):                   # what both branches agree on
                test = Unknown(text(node.child_by_field_name("condition"), self.src)[:300], test.reason)
                return either(test, self._expr(node.child_by_field_name("consequence"), env),
                              self._expr(node.child_by_field_name("alternative"), env), text(node, self.src))
            branch = "consequence" if test is True else "alternative"
            return self._expr(node.child_by_field_name(branch), env)
        if kind == "unary_expression":
            op = text(node.child_by_field_name("operator"), self.src)
            value = self._expr(node.child_by_field_name("argument"), env)
            if is_unknown(value):
                return value
            if op == "!" and isinstance(value, bool):
                return not value
            if op == "-" and isinstance(value, (int, float)) and not isinstance(value, bool):
                return -value
            return unknown(text(node, self.src), f"{op} of {type(value).__name__}")
        if kind == "binary_expression":
            return self.binary(node, env)
        if kind == "for_statement":
            return self.comprehension(node, env)
        if kind == "lambda_expression":
            return unknown(text(node, self.src), "lambdas are not evaluated")
        return unknown(text(node, self.src)[:300], f"{kind} is not evaluated")

    def object(self, node, env: dict, path: str, record: dict | None) -> Any:
        """An object literal. Spreads (`...x`, which tree-sitter-bicep 1.1 reads as ERROR
        children) are merged in order with the properties around them, later winning per
        key (objects.merge); a part that cannot be read is a part of unknown content."""
        parts: list = []
        out: dict = {}
        for child in node.children:
            if child.type == "ERROR":
                parts += [out, *self.spreads(child, env)]
                out = {}
                continue
            prop = self.prop(child)
            if prop is None or not prop[0]:
                continue
            key, value = prop[0], prop[1]
            if self.swallows_spread(value):
                out[key] = unknown(text(child, self.src)[:300], SWALLOWED)
                parts += [out, self.unread(child, SWALLOWED)]
                out = {}
                continue
            out[key] = self._expr(value, env, f"{path}.{key}" if path else key, record)
        if not parts:
            return out
        return merge([*parts, out], text(node, self.src), deep=False)

    def spreads(self, error, env: dict) -> list:
        """The values an ERROR child of an object spreads (`...a`, `...a, ...b`); anything
        else, a part of unknown content."""
        spread = spread_values(error)
        if spread is None:
            return [self.unread(error, "part of this object could not be read")]
        values = []
        for c in spread:
            value = self._expr(c, env)
            values.append(value if isinstance(value, (dict, Unknown)) else
                          unknown(text(c, self.src)[:300], f"a spread of {describe(value)}"))
        return values

    def unread(self, node, reason: str) -> Unknown:
        return unknown(text(node, self.src)[:300], reason)

    def swallows_spread(self, value) -> bool:
        """`key: v` followed by a spread on the next line: the grammar reads `v...x` as one
        member expression holding an ERROR of dots (only when the file has ERROR nodes)."""
        if "ERROR" not in self.parsed.notes or value.type not in ("member_expression", "call_expression"):
            return False
        stack = [value]
        while stack:
            n = stack.pop()
            if n.type == "ERROR" and n.children and all(c.type == "." for c in n.children):
                return True
            stack.extend(n.children)
        return False

    def string(self, node, env: dict) -> Any:
        pieces: list = []
        for c in node.children:
            if c.type == "string_content":
                pieces.append(text(c, self.src))
            elif c.type == "escape_sequence":
                raw = text(c, self.src)
                pieces.append(ESCAPES.get(raw, raw))
            elif c.type == "interpolation":
                inner = next((x for x in c.children if x.is_named), None)
                value = self._expr(inner, env) if inner is not None else ""
                if isinstance(value, (dict, list)) and partly_unknown(value):
                    value = with_refs(unknown(text(c, self.src), "an object or array not known in full"),
                                      refs_of(value))
                pieces.append(value if isinstance(value, str) or is_unknown(value) else _json_text(value))
        if all(type(p) is str for p in pieces):           # plain text: the source text is not needed
            plain = "".join(pieces)
            if len(plain) <= MAX_TEXT:
                return plain
        return join(pieces, text(node, self.src))

    def call(self, node, env: dict) -> Any:
        fn = node.child_by_field_name("function") or node.children[0]
        args_node = node.child_by_field_name("arguments")
        args = [self._expr(a, env) for a in (args_node.children if args_node else []) if a.is_named
                and a.type != "comment"]
        name = text(fn, self.src)
        if fn.type == "member_expression":
            ns, _, name = name.rpartition(".")
            if ns not in ("az", "sys"):
                return unknown(text(node, self.src), f"{ns}.{name}() is not evaluated")
        lname = name.lower()
        if lname == "any":
            return args[0] if args else None
        if (("user_defined_function", name) in self.parsed.decls or
                any(c.type == "user_defined_function" and text(c.child_by_field_name("name"), self.src) == name
                    for c in self.parsed.tree.root_node.children if c.child_by_field_name("name"))):
            return unknown(text(node, self.src), f"user-defined function {name}() is not evaluated")
        if lname.startswith("load") or lname in ("readenvironmentvariable", "getsecret"):
            return with_refs(unknown(text(node, self.src), f"{name}() is not evaluated"), refs_of(*args))
        return call(name, args, text(node, self.src))

    def binary(self, node, env: dict) -> Any:
        op = text(node.child_by_field_name("operator"), self.src)
        left = self._expr(node.child_by_field_name("left"), env)
        if op == "??":
            return self._expr(node.child_by_field_name("right"), env) if left is None else left
        if op in ("&&", "||") and not is_unknown(left) and isinstance(left, bool):
            if left is (op == "||"):
                return left
        right = self._expr(node.child_by_field_name("right"), env)
        expression = text(node, self.src)
        if is_unknown(left) or is_unknown(right):
            bad = left if is_unknown(left) else right
            return with_refs(unknown(expression, bad.reason), refs_of(left, right))
        try:
            if op in ("==", "!="):
                equal = same(left, right)
                if equal is None:
                    return with_refs(unknown(expression, "a comparison of values not known in full"),
                                     refs_of(left, right))
                return equal is (op == "==")
            if op == "=~":
                return key_of(left).lower() == key_of(right).lower()
            if op == "!~":
                return key_of(left).lower() != key_of(right).lower()
            if op in ("&&", "||"):
                return bool(right) if isinstance(right, bool) else unknown(expression, "not a boolean")
            numeric = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
                       "/": lambda a, b: int(a / b), "%": lambda a, b: int(a - b * int(a / b)),
                       "<": lambda a, b: a < b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b,
                       ">=": lambda a, b: a >= b}
            if op in numeric and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right)):
                return numeric[op](left, right)
            if op in ("<", ">", "<=", ">=") and isinstance(left, str) and isinstance(right, str):
                return numeric[op](left, right)
        except ZeroDivisionError:
            return unknown(expression, "division by zero")
        return unknown(expression, f"operator {op} on these values is not evaluated")

    def comprehension(self, node, env: dict) -> Any:
        """`[for x in xs: value]` and `[for x in xs: if (c) value]` as a value."""
        item, position, items, _, body = self.loop_parts(node, env)
        if is_unknown(items):
            return with_refs(unknown(text(node, self.src), items.reason), refs_of(items))
        out: list = []
        for i, v in enumerate(items[:MAX_ITEMS]):
            scope = {**env, item: v, **({position: i} if position else {})}
            value_node = body
            if body is not None and body.type == "if_statement":
                test = self._expr(next(c for c in body.children if c.type == "parenthesized_expression"), scope)
                if is_unknown(test):
                    return with_refs(unknown(text(node, self.src), test.reason), refs_of(test))
                if test is not True:
                    continue
                value_node = [c for c in body.children if c.is_named][-1]
            out.append(self._expr(value_node, scope) if value_node is not None else None)
        return out


SWALLOWED = ("a spread (...) the grammar reads into the value of the property before it: neither is read "
             "(write the spread first, or on the same line with commas)")


def _spread_read(error) -> bool:
    """An ERROR that is an object spread in an object read as a value — not a resource or
    module body, nor a module's params, whose properties are read one by one."""
    obj = error.parent
    if obj is None or obj.type != "object" or spread_values(error) is None:
        return False
    holder = obj.parent
    if holder is None or holder.type in ("resource_declaration", "module_declaration", "if_statement",
                                         "for_statement"):
        return False
    return not (holder.type == "object_property" and holder.children
                and holder.children[0].type == "identifier" and holder.children[0].text == b"params")


def spread_values(error) -> list | None:
    """The expressions an ERROR node inside an object spreads, when it is only spreads
    (`...a`, `...a, ...b`, one per line); else None."""
    values: list = []
    dots = 0
    for c in error.children:
        if c.type == "." and dots < 3:
            dots += 1
        elif c.is_named and dots == 3 and c.type != "ERROR":
            values.append(c)
            dots = 0
        elif not (c.type == "," and dots == 0 and values):
            return None
    return values if values and dots == 0 else None


def _json_text(value: Any) -> str:
    import json
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, (int, float)) else json.dumps(value, separators=(",", ":"))


def _type_target(rtype: str, name: Any) -> Target:
    return Target(rtype=rtype.lower(), name=tuple(_segments(name) or [name]))


def _retarget(value: Any, target: Target) -> Any:
    """An id pointing at one resource: the symbol it came from, not its type and name."""
    if isinstance(value, Unresolved):
        return Unresolved(value.expression, value.reason, value.parts, (target,), True)
    if isinstance(value, RefStr):
        return RefStr(str(value), [target])
    return value
