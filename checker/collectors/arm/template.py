"""One ARM template evaluated statically into raw resources.

What is read (learn.microsoft.com "Template structure and syntax", "Resource declaration",
"Child resources", "Nested templates", "Resource iteration", "Property iteration",
"Conditional deployment"):
- parameters (a value supplied by a parameter file or a nested deployment, else the
  defaultValue, else unknown), variables (lazily, a variable that refers to itself is
  unknown), variable and property `copy` arrays, expressions (expressions.py, functions.py);
- resources as an array, or (languageVersion 2.0) an object keyed by symbolic name;
  child resources nested in a parent's `resources` (type and name composed from the
  parent's), resource `copy` loops whose count is known (an unknown count gives one
  resource whose condition is unknown), `condition` (false: not deployed, not recorded;
  unknown: recorded with the condition unknown);
- nested deployments (Microsoft.Resources/deployments with an inline `template`, in the
  outer scope by default or the inner one with its own parameters), and linked templates
  by `relativePath` when the tree holds them; any other link is a coverage note.
- references: `dependsOn`, and every value built from resourceId()/reference()/a symbol,
  matched against the file's own resources by type and name — a name with unknown parts
  matches a resource whose name is built the same way — else kept as an ARM id (with
  placeholders) or a name for the linker.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any, Callable

from ...cloud.model import RawResource, Reference, Unknown
from .expressions import ExpressionError, is_expression, literal, parse
from .functions import DEPLOY_TIME, call, member
from .values import (Atom, OpenDict, RefStr, Target, Unresolved, is_unknown, join, join_names, name_key,
                     refs_of, rendered, unknown, with_refs)

FORMAT = "arm"
MAX_COPY = 800                 # ARM's own limit on copy count
MAX_NESTING = 20               # nested deployments read; deeper ones are an error
MAX_RESOURCES = 200_000        # per file, copies included
DEPLOYMENTS = "microsoft.resources/deployments"
_SCALARS = frozenset({int, float, bool, type(None)})
NOT_PROPERTIES = frozenset({"type", "apiversion", "name", "dependson", "copy", "condition", "resources",
                            "comments", "existing", "import"})


class TemplateError(Exception):
    """Something the template does that stops it being read at all."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.line = line


@dataclass
class Deployment:
    """One template's names: its parameters and variables, where atoms of its unknown
    parameters are keyed (`key`), and the address prefix of its resources."""
    template: dict
    key: str
    prefix: str
    supplied: dict                           # parameter name (lower) → value given from outside
    symbolic: bool
    depth: int = 0
    parameters: dict = field(default_factory=dict)
    variables: dict = field(default_factory=dict)
    busy: set = field(default_factory=set)
    # expression text (and copy indexes) → its value: a template repeats its expressions
    # (`[parameters('location')]` on every resource, one resourceId() in dependsOn and in a
    # property); values are immutable ones only, lists and objects are evaluated each time.
    memo: dict = field(default_factory=dict)

    def declared(self, section: str) -> dict:
        raw = self.template.get(section)
        return {str(k).lower(): v for k, v in raw.items()} if isinstance(raw, dict) else {}


@dataclass
class Declared:
    """A resource found in the template, before its references are matched."""
    rtype: str
    name: Any
    body: dict
    deployment: Deployment
    copies: dict
    address: str
    condition: Any
    line: int | None
    parent: str | None                        # address of the enclosing resource
    properties: dict = field(default_factory=dict)
    expressions: dict = field(default_factory=dict)
    depends: list = field(default_factory=list)


class Template:
    """A template file (or a linked one) read into `Declared` resources, then into raw
    resources. `lines(rtype)` gives the next line a resource of that type is declared on;
    `linked(path)` a linked template the tree holds (its document) or None;
    `problem(reason, line)` records a collection error and `note(construct, line, text)`
    a coverage note."""

    def __init__(self, path: str, lines: Callable[[str], int | None], linked: Callable[[str], Any],
                 problem: Callable[[str, int | None], None], note: Callable[[str, int | None, str], None]) -> None:
        self.path, self.lines, self.linked, self.problem, self.note = path, lines, linked, problem, note
        self.found: list[Declared] = []
        self.addresses: set[str] = set()
        self.errors = 0

    # -- evaluation ---------------------------------------------------------------------
    def value(self, raw: Any, dep: Deployment, copies: dict, line: int | None, path: str = "",
              record: dict | None = None) -> Any:
        """A JSON value with its expressions evaluated (property copies expanded)."""
        if isinstance(raw, str):
            if not is_expression(raw):
                return literal(raw)
            if record is not None and path:
                record[path] = raw
            return self.expression(raw, dep, copies, line)
        if isinstance(raw, list):
            return [self.value(v, dep, copies, line, f"{path}.{i}" if path else str(i), record)
                    for i, v in enumerate(raw)]
        if isinstance(raw, dict):
            out: dict = {}
            for k, v in raw.items():
                kind = type(v)
                if kind in _SCALARS or kind is str and not is_expression(v):
                    out[k] = literal(v) if kind is str else v       # most values: no call, no path
                elif k == "copy" and isinstance(v, list):
                    out.update(self.copy_properties(v, dep, copies, line, path, record))
                else:
                    out[k] = self.value(v, dep, copies, line, f"{path}.{k}" if path else str(k), record)
            return out
        return raw

    def copy_properties(self, loops: list, dep: Deployment, copies: dict, line: int | None, path: str,
                        record: dict | None) -> dict:
        out: dict = {}
        for loop in loops:
            if not isinstance(loop, dict) or not isinstance(loop.get("name"), str) or "input" not in loop:
                continue
            name = loop["name"]
            count = self.value(loop.get("count"), dep, copies, line)
            where = f"{path}.{name}" if path else name
            if is_unknown(count) or not isinstance(count, int) or isinstance(count, bool):
                out[name] = unknown(str(loop.get("count")), f"copy count of {name} is not known statically"
                                    if is_unknown(count) else f"copy count of {name} is not a number")
                continue
            if count > MAX_COPY or count < 0:
                self.problem(f"{where}: copy count {count} is outside 0..{MAX_COPY}", line)
                out[name] = unknown(str(loop.get("count")), f"copy count {count} out of range")
                continue
            out[name] = [self.value(loop["input"], dep, {**copies, name.lower(): i}, line,
                                    f"{where}.{i}", record) for i in range(count)]
        return out

    def expression(self, text: str, dep: Deployment, copies: dict, line: int | None) -> Any:
        # Remembered only outside a parameter's or variable's own evaluation (dep.busy), where
        # a name that refers back to itself reads as unknown for that evaluation alone.
        key = (text, *copies.items()) if copies else text
        if not dep.busy and key in dep.memo:
            return dep.memo[key]
        try:
            tree = parse(text)
        except ExpressionError as exc:
            self.problem(f"{text[:120]!r} is not a valid expression: {exc}", line)   # at each place
            return unknown(text, f"not a valid expression: {exc}")
        try:
            value = self.node(tree, dep, copies, text, line)
        except RecursionError:
            value = unknown(text, "expression too deep to evaluate")
        if not dep.busy and not isinstance(value, (list, dict)):
            dep.memo[key] = value
        return value

    def node(self, node: tuple, dep: Deployment, copies: dict, text: str, line: int | None) -> Any:
        kind = node[0]
        if kind in ("str", "num"):
            return node[1]
        if kind == "member":
            base = self.node(node[1], dep, copies, text, line)
            key = self.node(node[2], dep, copies, text, line)
            return member(base, key, text)
        name, args = node[1], node[2]
        lname = name.lower()
        if "." in name:
            return unknown(text, f"user-defined function {name}() is not evaluated")
        values = [self.node(a, dep, copies, text, line) for a in args]
        if lname == "parameters":
            return self.parameter(values[0] if values else None, dep, text)
        if lname == "variables":
            return self.variable(values[0] if values else None, dep, text)
        if lname == "copyindex":
            return self.copy_index(values, copies, text)
        if lname == "reference":
            return self.reference(values, dep, text)
        return call(name, values, text)

    def parameter(self, name: Any, dep: Deployment, text: str) -> Any:
        if not isinstance(name, str):
            return unknown(text, "parameters() needs a known name")
        key = name.lower()
        if key in dep.parameters:
            return dep.parameters[key]
        declared = dep.declared("parameters").get(key)
        if key in dep.supplied:
            value = dep.supplied[key]
        elif not isinstance(declared, dict):
            value = unknown(text, f"parameter {name!r} is not declared")
        elif "defaultValue" in declared:
            if key in dep.busy:
                return unknown(text, f"parameter {name!r} refers to itself")
            dep.busy.add(key)
            try:
                value = self.value(declared["defaultValue"], dep, {}, None)
            finally:
                dep.busy.discard(key)
        else:
            value = Unresolved(f"parameters('{name}')", "parameter without a default value or a "
                               "value from a parameter file", (Atom(f"{dep.key}parameters('{key}')"),))
        dep.parameters[key] = value
        return value

    def variable(self, name: Any, dep: Deployment, text: str) -> Any:
        if not isinstance(name, str):
            return unknown(text, "variables() needs a known name")
        key = name.lower()
        if key in dep.variables:
            return dep.variables[key]
        declared = dep.declared("variables")
        if key in dep.busy:
            return unknown(text, f"variable {name!r} refers to itself")
        dep.busy.add(key)
        try:
            if key not in declared:
                loops = declared.get("copy")
                loop = next((c for c in loops if isinstance(c, dict) and str(c.get("name", "")).lower() == key),
                            None) if isinstance(loops, list) else None
                value = self.copy_properties([loop], dep, {}, None, "variables", None).get(loop["name"]) \
                    if loop else unknown(text, f"variable {name!r} is not declared")
            else:
                value = self.value(declared[key], dep, {}, None)
        finally:
            dep.busy.discard(key)
        if value is None and key not in declared:
            value = unknown(text, f"variable {name!r} is not declared")
        dep.variables[key] = value
        return value

    @staticmethod
    def copy_index(values: list, copies: dict, text: str) -> Any:
        loop = values[0] if values and isinstance(values[0], str) else ""
        offset = next((v for v in values if isinstance(v, int) and not isinstance(v, bool)), 0)
        index = copies.get(loop.lower())
        if index is None:
            return unknown(text, f"copyIndex({loop!r}) outside its copy loop" if loop
                           else "copyIndex() outside a copy loop")
        return index if is_unknown(index) else index + offset

    def reference(self, values: list, dep: Deployment, text: str) -> Any:
        """reference(): known only at deployment, but it says which resource it reads."""
        refs = list(refs_of(*values[:1]))
        if values and isinstance(values[0], str) and not refs:
            ident = values[0]
            if dep.symbolic and "/" not in ident:
                refs.append(Target(address=dep.prefix + ident))
            elif "/providers/" in ident.lower():
                refs.append(_id_target(ident))
            else:
                refs.append(Target(name=(ident,)))
        return Unresolved(text[:300], f"reference() is {DEPLOY_TIME}", (Atom(text),), tuple(refs))

    # -- resources ----------------------------------------------------------------------
    def read(self, template: dict, dep: Deployment, parent: Declared | None = None,
             parent_condition: Any = True) -> None:
        resources = template.get("resources", [])
        if isinstance(resources, dict):              # languageVersion 2.0: symbolic names
            items = [(str(k), v) for k, v in resources.items()]
        elif isinstance(resources, list):
            items = [(None, v) for v in resources]
        else:
            self.problem(f"'resources' is {type(resources).__name__}, not an array or an object", None)
            return
        for symbol, body in items:
            if not isinstance(body, dict):
                self.problem(f"a resource is {type(body).__name__}, not an object", None)
                continue
            self.resource(symbol, body, dep, parent, parent_condition)

    def resource(self, symbol: str | None, body: dict, dep: Deployment, parent: Declared | None,
                 parent_condition: Any) -> None:
        rtype = body.get("type")
        line = self.lines(rtype) if isinstance(rtype, str) else None
        if not isinstance(rtype, str) or not rtype:
            self.problem("a resource without a 'type'", line)
            return
        if body.get("existing") is True:
            return                                     # a reference to a resource, not a declaration
        if parent is not None and "/" not in rtype.split("/")[0] and "." not in rtype.split("/")[0]:
            rtype = f"{parent.rtype}/{rtype}"        # a child nested in its parent: short type
        loop = body.get("copy")
        if isinstance(loop, dict):
            count = self.value(loop.get("count"), dep, {}, line)
            loop_name = str(loop.get("name", "")).lower()
            if is_unknown(count) or not isinstance(count, int) or isinstance(count, bool):
                reason = count.reason if is_unknown(count) else "copy count is not a number"
                index = unknown("copyIndex()", f"copy count not known statically: {reason}")
                cond = Unknown(str(loop.get("count"))[:300], f"copy count not known statically: {reason}")
                self.instance(symbol, body, rtype, dep, {loop_name: index, "": index}, line, parent,
                              cond, "[*]")
                return
            if not 0 <= count <= MAX_COPY:
                self.problem(f"copy count {count} is outside 0..{MAX_COPY}", line)
                return
            for i in range(count):
                self.instance(symbol, body, rtype, dep, {loop_name: i, "": i}, line, parent, parent_condition,
                              f"[{i}]")
            return
        self.instance(symbol, body, rtype, dep, {}, line, parent, parent_condition, "")

    def instance(self, symbol: str | None, body: dict, rtype: str, dep: Deployment, copies: dict,
                 line: int | None, parent: Declared | None, parent_condition: Any, suffix: str) -> None:
        if len(self.found) >= MAX_RESOURCES:
            if len(self.found) == MAX_RESOURCES:
                self.problem(f"more than {MAX_RESOURCES} resources; the rest are not read", line)
                self.found.append(self.found[-1])
            return
        condition = self.value(body["condition"], dep, copies, line) if "condition" in body else True
        if not is_unknown(condition) and not _truthy(condition):
            return                                     # not deployed
        if is_unknown(condition):
            condition = Unknown(str(body["condition"])[:300], condition.reason)
        elif isinstance(parent_condition, Unknown):
            condition = parent_condition
        name = self.value(body.get("name"), dep, copies, line) if "name" in body else \
            unknown("(no name)", "the resource has no name")
        if parent is not None:
            name = join_names(parent.name, name)
        address = self.unique(dep.prefix + (symbol + suffix if symbol else f"{rtype}/{_text_of(body.get('name'))}"
                                                                            f"{suffix}"))
        found = Declared(rtype, name, body, dep, copies, address, condition, line,
                         parent.address if parent else None)
        record: dict = {}
        own = body
        if rtype.lower() == DEPLOYMENTS and isinstance(body.get("properties"), dict):
            # the nested template is read as resources of its own, in its own scope
            own = {**body, "properties": {k: v for k, v in body["properties"].items() if k != "template"}}
        found.properties = {k: self.value(v, dep, copies, line, k, record) for k, v in own.items()
                            if k.lower() not in NOT_PROPERTIES}
        found.expressions = record
        depends = body.get("dependsOn", [])
        found.depends = [self.value(d, dep, copies, line) for d in depends] if isinstance(depends, list) else []
        self.found.append(found)
        if rtype.lower() == DEPLOYMENTS:
            self.nested(found, dep, copies, line, condition)
        children = body.get("resources")
        if isinstance(children, (list, dict)):
            self.read({"resources": children}, dep, found, condition)

    def unique(self, address: str) -> str:
        candidate, n = address, 1
        while candidate in self.addresses:
            n += 1
            candidate = f"{address}#{n}"
        self.addresses.add(candidate)
        return candidate

    def nested(self, found: Declared, dep: Deployment, copies: dict, line: int | None, condition: Any) -> None:
        props = found.body.get("properties")
        if not isinstance(props, dict):
            return
        template = props.get("template")
        link = props.get("templateLink")
        if template is None and isinstance(link, dict):
            relative = link.get("relativePath")
            if isinstance(relative, str) and not is_expression(relative):
                template = self.linked(posixpath.join(posixpath.dirname(self.path), relative))
            if template is None:
                target = relative or link.get("uri") or link.get("id")
                self.note("templateLink", line, f"linked template {str(target)[:200]} is not in the scanned "
                                                "tree: its resources are not read")
                return
        if not isinstance(template, dict):
            return
        if dep.depth + 1 > MAX_NESTING:
            self.problem(f"nested deployments deeper than {MAX_NESTING} levels; the deeper ones are not read",
                         line)
            return
        options = props.get("expressionEvaluationOptions")
        scope = options.get("scope") if isinstance(options, dict) else None
        inner = isinstance(scope, str) and scope.lower() == "inner" or isinstance(link, dict)
        prefix = f"{found.address}/"
        if inner:
            supplied: dict = {}
            given = props.get("parameters")
            for k, v in (given.items() if isinstance(given, dict) else ()):
                supplied[str(k).lower()] = parameter_value(v, lambda raw: self.value(raw, dep, copies, line))
            child = Deployment(template, f"{dep.key}{found.address}:", prefix, supplied,
                               _symbolic(template), dep.depth + 1)
        else:
            child = Deployment(dep.template, dep.key, prefix, dep.supplied, dep.symbolic, dep.depth + 1,
                               dep.parameters, dep.variables, dep.busy)     # the parent's names
        self.read(template, child, None, condition)

    # -- into raw resources -------------------------------------------------------------
    def raw_resources(self, scope: str) -> list[RawResource]:
        index: dict[tuple, str] = {}
        by_name: dict[tuple, list[str]] = {}
        for d in self.found:
            index.setdefault((d.rtype.lower(), name_key(d.name)), d.address)
            by_name.setdefault(name_key(d.name), []).append(d.address)
        out = []
        for d in self.found[:MAX_RESOURCES]:
            refs = self.references(d, index, by_name)
            out.append(RawResource(
                FORMAT, d.rtype, d.address, plain(d.properties),
                name=_name(d.name), api_version=_api(d.body.get("apiVersion")), line=d.line,
                references=refs, expressions=d.expressions, scope=scope, condition=d.condition))
        return out

    def references(self, d: Declared, index: dict, by_name: dict) -> list[Reference]:
        out: dict[tuple, Reference] = {}

        def add(attribute: str, target: Target) -> None:
            ref = _resolve(attribute, target, index, by_name)
            if ref is not None and ref.target != d.address:
                out.setdefault((ref.attribute, ref.target, ref.by), ref)

        if d.parent:
            out[("parent", d.parent, "address")] = Reference("parent", d.parent)
        elif d.rtype.count("/") >= 2:                     # a child declared at the top: parent by name
            names = _segments(d.name)
            if names is not None and len(names) >= 2:
                add("parent", Target(rtype=d.rtype.rsplit("/", 1)[0].lower(), name=tuple(names[:-1])))
        for path, value in _walk(d.properties):
            for target in refs_of(value):
                add(path, target)
        for value in d.depends:
            targets = refs_of(value)
            if not targets and isinstance(value, str):
                targets = (_depends_target(value, d.deployment),)
            for target in targets:
                add("dependsOn", target)
        return list(out.values())


def parameter_value(given: Any, evaluate: Callable[[Any], Any]) -> Any:
    """A parameter as a parameter file or a nested deployment gives it: {value} or a Key
    Vault {reference} (a secret: unknown, never fetched)."""
    if isinstance(given, dict) and "value" in given:
        return evaluate(given["value"])
    if isinstance(given, dict) and "reference" in given:
        return unknown("reference (Key Vault secret)", "a Key Vault secret, known only at deployment")
    return unknown(str(given)[:200], "a parameter value must be {\"value\": …} or a Key Vault reference")


def _resolve(attribute: str, target: Target, index: dict, by_name: dict) -> Reference | None:
    if target.address:
        return Reference(attribute, target.address)
    full = join_names(*target.name) if target.name else None
    if full is None:
        return None
    key = name_key(full)
    if target.rtype:
        hit = index.get((target.rtype, key))
        if hit:
            return Reference(attribute, hit)
        text = _render_id(target)
        return Reference(attribute, text, by="arm_id", target_type=target.rtype) if text else None
    hits = by_name.get(key, [])
    if len(hits) == 1:
        return Reference(attribute, hits[0])
    return Reference(attribute, full if isinstance(full, str) else rendered(full), by="name")


def _render_id(target: Target) -> str:
    types = target.rtype.split("/")
    pieces: list = ["/subscriptions/<subscriptionId>/resourceGroups/<resourceGroupName>/providers/", types[0]]
    for t, n in zip(types[1:], target.name):
        pieces += ["/", t, "/", n]
    value = join(pieces, target.rtype)
    return value if isinstance(value, str) else rendered(value)


def _depends_target(value: str, dep: Deployment) -> Target:
    """A dependsOn entry written as text: a symbol (2.0), an id, `type/name`, or a name."""
    if dep.symbolic and "/" not in value:
        return Target(address=dep.prefix + value)
    if "/providers/" in value.lower():
        return _id_target(value)
    parts = value.split("/")
    if len(parts) >= 3 and "." in parts[0] and len(parts) % 2 == 1:
        return Target(rtype="/".join([parts[0], *parts[1::2]]).lower(), name=tuple(parts[2::2]))
    return Target(name=(value,))


def _id_target(arm_id: str) -> Target:
    tail = arm_id.split("/providers/")[-1].split("/")
    if len(tail) >= 3 and len(tail) % 2 == 1:
        return Target(rtype="/".join([tail[0], *tail[1::2]]).lower(), name=tuple(tail[2::2]))
    return Target(name=(arm_id,))


def _segments(name: Any) -> list | None:
    if isinstance(name, str):
        return name.split("/")
    if isinstance(name, Unresolved):
        segments: list[list] = [[]]
        for part in name.parts:
            if isinstance(part, str):
                pieces = part.split("/")
                segments[-1].append(pieces[0])
                segments += [[p] for p in pieces[1:]]
            else:
                segments[-1].append(part)
        return [_piece(s, name) for s in segments]
    return None


def _piece(parts: list, whole: Unresolved) -> Any:
    parts = [p for p in parts if p != ""]
    if all(isinstance(p, str) for p in parts):
        return "".join(parts)
    return Unresolved(whole.expression, whole.reason, tuple(parts))


def _walk(value: Any, path: str = ""):
    """(dotted path, value) for every value that came from a resource."""
    if isinstance(value, (Unresolved, RefStr)):
        if value.refs:
            yield path, value
        return
    if isinstance(value, dict):
        if isinstance(value, OpenDict) and isinstance(value.gap, Unresolved) and value.gap.refs:
            yield path, value.gap                   # a part of unknown content came from a resource
        for k, v in value.items():
            yield from _walk(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, f"{path}.{i}" if path else str(i))


def plain(value: Any) -> Any:
    """Evaluated values as the vocabulary takes them: an id with unknown parts as its text
    with placeholders, other unknowns as Unknown, known text as str."""
    if isinstance(value, Unresolved):
        return rendered(value) if value.id_like else Unknown(value.expression, value.reason)
    if isinstance(value, Unknown):
        return value
    if isinstance(value, RefStr):
        return str(value)
    if isinstance(value, OpenDict):              # a key it does not list stays unknown, not absent
        out = OpenDict({k: plain(v) for k, v in dict.items(value)})
        out.gap = Unknown(value.gap.expression, value.gap.reason)
        return out
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _name(value: Any) -> Any:
    if isinstance(value, Unresolved):
        return Unknown(value.expression, value.reason)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Unknown):
        return value
    return Unknown(str(value)[:300], "the name is not a string")


def _api(value: Any) -> str | None:
    return value if isinstance(value, str) and not is_expression(value) else None


def _text_of(value: Any) -> str:
    return value if isinstance(value, str) else str(value)[:200]


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() != "false"
    return bool(value)


def _symbolic(template: dict) -> bool:
    return str(template.get("languageVersion", "")).startswith("2") or isinstance(template.get("resources"), dict)


def new_deployment(template: dict, supplied: dict) -> Deployment:
    return Deployment(template, "", "", supplied, _symbolic(template))


__all__ = ["Template", "TemplateError", "Deployment", "new_deployment", "parameter_value", "plain",
           "with_refs"]
