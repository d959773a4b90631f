"""Static evaluation of Terraform expressions (hcl.Expr tuples).

What resolves: literals; `var.x` and `local.x` (the module supplies them: defaults,
terraform.tfvars, *.auto.tfvars, module call inputs); templates made of resolvable parts;
`a ? b : c` with a resolvable condition (or equal branches); `!`, `-`, `==`, `!=`, `<`…,
`&&`, `||`, arithmetic; `[for …]` / `{for …}` over known collections; indexes, attributes
and splats of known values; `each.*` / `count.index`; a small set of pure functions (FUNCTIONS);
`file()` and `templatefile()` of a file the scanned tree holds (the environment reads it,
with `path.module` known there) and `yamldecode()` (yamltext: an unknown interpolation
leaves only the values it touches unknown).
A reference to another resource's argument that the configuration sets
(`kubernetes_pod_v1.x.metadata.0.labels.app`, `azurerm_storage_account.sa.name`) is the value
written there (the environment's `configured`: nested blocks indexed `.0` / `[0]`).
Everything else — data sources, what the provider computes (ids, a whole block, an argument
left unset), other functions, template directives — is an `Unknown` with the expression and
the reason.

References to resources (`azurerm_storage_account.ml.id`, `…sa["k"]`, `…sa[*].id`) and data
sources are recorded as `Ref`s while evaluating, also through locals, variables and module
outputs, so the edge survives even when the value is unknown.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from ...cloud.model import Unknown
from . import yamltext

Expr = tuple       # an expression as the module docstring lays out

MAX_DEPTH = 200
MAX_ITEMS = 10_000          # longest collection a for-expression or function builds
MAX_STRING = 1_000_000      # longest string a template or function builds
MAX_NUMBER = 1e300

NO_KEY = ("no-key",)        # a reference without an instance key: `azurerm_x.y.id`
ALL = ("all",)              # a splat over the instances: `azurerm_x.y[*].id`
UNKNOWN_KEY = ("unknown-key",)
FILE = ("file",)            # the Ref of a file file()/templatefile() read (target: its path)


class EvalError(Exception):
    """What Terraform itself would reject (a missing attribute, null.x): `try()` catches it."""


@dataclass(frozen=True)
class Ref:
    """A reference found while evaluating: the module instance it lies in (`""`,
    `module.kv`, `module.x["a"]`), the block it names (`azurerm_key_vault.this`,
    `data.azurerm_client_config.c`) and the instance key."""
    module: str
    target: str
    key: Any = NO_KEY


class Environment(Protocol):
    """What one module instance supplies to the evaluator."""
    path: str                                               # "" or "module.kv" (instance path)

    def variable(self, name: str) -> tuple[Any, list[Ref]]: ...
    def local(self, name: str) -> tuple[Any, list[Ref]]: ...
    def module_output(self, call: str, key: Any, output: str) -> tuple[Any, list[Ref]]: ...


def render(e: Any) -> str:
    """A short text of an expression, for Unknown values inside a larger one."""
    kind = e[0]
    if kind == "lit":
        return json.dumps(e[1]) if isinstance(e[1], str) else _tf_text(e[1])
    if kind in ("trav", "get"):
        head = e[1] if kind == "trav" else f"({render(e[1])})"
        return head + "".join(_render_step(s) for s in e[2])
    if kind == "call":
        return f"{e[1]}({', '.join(render(a) for a in e[2][:3])}{', …' if len(e[2]) > 3 else ''})"
    if kind == "tpl":
        return '"' + "".join(p if isinstance(p, str) else "${" + render(p) + "}" for p in e[1]) + '"'
    if kind == "cond":
        return f"{render(e[1])} ? {render(e[2])} : {render(e[3])}"
    if kind == "bin":
        return f"{render(e[2])} {e[1]} {render(e[3])}"
    if kind == "un":
        return f"{e[1]}{render(e[2])}"
    return {"tuple": "[…]", "object": "{…}", "for": "for-expression", "bad": e[-1]}.get(kind, kind)


def _render_step(step: tuple) -> str:
    if step[0] == "attr":
        return f".{step[1]}"
    if step[0] == "splat":
        return "[*]"
    return f"[{render(step[1])}]"


def _tf_text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def unknown_in(value: Any) -> Unknown | None:
    """The first Unknown inside a value (a list or map may be partly known)."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, dict):
        for v in value.values():
            found = unknown_in(v)
            if found:
                return found
    elif isinstance(value, list):
        for v in value:
            found = unknown_in(v)
            if found:
                return found
    return None


class Evaluator:
    def __init__(self, env: Environment, bound: dict[str, Any] | None = None) -> None:
        self.env = env
        self.bound = bound or {}
        self.refs: list[Ref] = []
        # steps left for the whole evaluation the environment belongs to (shared, so that
        # nested for-expressions cannot multiply into a hang)
        self.budget: list[int] | None = getattr(env, "budget", None)

    def child(self, extra: dict[str, Any]) -> "Evaluator":
        ev = Evaluator(self.env, {**self.bound, **extra})
        ev.refs = self.refs
        return ev

    # -- the walk ---------------------------------------------------------------------
    def eval(self, e: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            return Unknown(render(e)[:200], "expression nested too deeply to evaluate")
        if self.budget is not None:
            self.budget[0] -= 1
            if self.budget[0] < 0:
                return Unknown(render(e)[:200], "the evaluation step budget of this configuration is spent")
        return _bounded(self._eval(e, depth), e)

    def _eval(self, e: Any, depth: int) -> Any:
        kind = e[0]
        d = depth + 1
        if kind == "lit":
            return e[1]
        if kind == "tpl":
            return self.template(e, d)
        if kind == "trav":
            return self.traversal(e, d)
        if kind == "get":
            return self.apply_steps(self.eval(e[1], d), e[2], e, d)
        if kind == "cond":
            return self.conditional(e, d)
        if kind == "bin":
            return self.binary(e, d)
        if kind == "un":
            value = self.eval(e[2], d)
            if isinstance(value, Unknown):
                return value
            if e[1] == "!":
                if not isinstance(value, bool):
                    raise EvalError(f"! needs a bool, got {_tf_text(value)}")
                return not value
            if not _is_number(value):
                raise EvalError(f"- needs a number, got {_tf_text(value)}")
            return -value
        if kind == "tuple":
            return [self.eval(x, d) for x in e[1]]
        if kind == "object":
            return self.object(e, d)
        if kind == "call":
            return self.call(e, d)
        if kind == "for":
            return self.for_expr(e, d)
        return Unknown(render(e), e[-1] if kind == "bad" else f"unsupported expression {kind}")

    def template(self, e: Expr, depth: int) -> Any:
        out = []
        for part in e[1]:
            if isinstance(part, str):
                out.append(part)
                continue
            value = self.eval(part, depth)
            if isinstance(value, Unknown):
                return Unknown(render(e), _because(value))
            if isinstance(value, (dict, list)):
                raise EvalError("a template interpolates a collection")
            if value is None:
                raise EvalError("a template interpolates null")
            out.append(_tf_text(value))
        return "".join(out)

    def conditional(self, e: Expr, depth: int) -> Any:
        test = self.eval(e[1], depth)
        if isinstance(test, Unknown):
            yes, no = self.eval(e[2], depth), self.eval(e[3], depth)
            if not isinstance(yes, Unknown) and yes == no and type(yes) is type(no):
                return yes
            return Unknown(render(e), _because(test))
        if not isinstance(test, bool):
            test = _to_bool(test)
        return self.eval(e[2] if test else e[3], depth)

    def binary(self, e: Expr, depth: int) -> Any:
        op = e[1]
        left = self.eval(e[2], depth)
        if op in ("&&", "||"):
            if left is (op == "||"):            # false && …, true || …: decided
                return left
            right = self.eval(e[3], depth)
            if right is (op == "||"):
                return right
            for side in (left, right):
                if isinstance(side, Unknown):
                    return Unknown(render(e), _because(side))
            return _to_bool(left) and _to_bool(right) if op == "&&" else _to_bool(left) or _to_bool(right)
        right = self.eval(e[3], depth)
        for side in (left, right):
            found = unknown_in(side)
            if found:
                return Unknown(render(e), _because(found))
        if op == "==":
            return _equal(left, right)
        if op == "!=":
            return not _equal(left, right)
        if not (_is_number(left) and _is_number(right)):
            raise EvalError(f"{op} needs numbers")
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        if op in ("/", "%"):
            if right == 0:
                raise EvalError("division by zero")
            return left / right if op == "/" else left % right
        return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[op]

    def object(self, e: Expr, depth: int) -> Any:
        out: dict = {}
        for key_expr, value_expr in e[1]:
            key = self.eval(key_expr, depth)
            value = self.eval(value_expr, depth)
            if isinstance(key, Unknown):
                return Unknown(render(e), f"an object key is unknown ({_because(key)})")
            out[_tf_text(key) if not isinstance(key, str) else key] = value
        return out

    def for_expr(self, e: Expr, depth: int) -> Any:
        _, key_var, value_var, coll_expr, key_expr, value_expr, cond, group = e
        coll = self.eval(coll_expr, depth)
        if isinstance(coll, Unknown):
            return Unknown(render(e), _because(coll))
        items = _items(coll)
        if len(items) > MAX_ITEMS:
            return Unknown(render(e), f"a for-expression over more than {MAX_ITEMS} items")
        out_list, out_map = [], {}
        for k, v in items:
            ev = self.child({n: x for n, x in ((key_var, k), (value_var, v)) if n})
            if cond is not None:
                keep = ev.eval(cond, depth)
                if isinstance(keep, Unknown):
                    return Unknown(render(e), _because(keep))
                if not _to_bool(keep):
                    continue
            value = ev.eval(value_expr, depth)
            if key_expr is None:
                out_list.append(value)
                continue
            key = ev.eval(key_expr, depth)
            if isinstance(key, Unknown):
                return Unknown(render(e), _because(key))
            key = key if isinstance(key, str) else _tf_text(key)
            if group:
                out_map.setdefault(key, []).append(value)
            elif key in out_map:
                raise EvalError(f"duplicate key {key!r} in a for-expression")
            else:
                out_map[key] = value
        return out_list if key_expr is None else out_map

    def call(self, e: Expr, depth: int) -> Any:
        name, arg_exprs, expand = e[1], e[2], e[3]
        if name in ("try", "can"):
            return self._try(name, arg_exprs, depth, e)
        if name in TEXT_FUNCTIONS and len(arg_exprs) == TEXT_FUNCTIONS[name] and not expand:
            return self._text_call(name, arg_exprs, depth, e)
        fn = FUNCTIONS.get(name)
        if fn is None:
            for a in arg_exprs:                 # references inside still count
                self.eval(a, depth)
            return Unknown(render(e), f"function {name}() is not evaluated statically")
        args = [self.eval(a, depth) for a in arg_exprs]
        if expand and args:
            last = args.pop()
            if isinstance(last, Unknown):
                return Unknown(render(e), _because(last))
            args += list(last) if isinstance(last, list) else [last]
        for a in args:
            found = unknown_in(a) if name not in PARTIAL else (a if isinstance(a, Unknown) else None)
            if found and name != "coalesce":
                return Unknown(render(e), _because(found))
        if sum(_size(a) for a in args) > MAX_STRING:
            return Unknown(render(e), f"{name}() over more than {MAX_STRING} characters is not evaluated")
        try:
            result = fn(*args)
        except EvalError:
            raise
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError) as exc:
            raise EvalError(f"{name}(): {exc}") from None
        return Unknown(render(e), _because(result)) if isinstance(result, Unknown) else result

    def _try(self, name: str, arg_exprs: list, depth: int, e: Expr) -> Any:
        for a in arg_exprs:
            try:
                value = self.eval(a, depth)
            except EvalError:
                continue
            if isinstance(value, Unknown):
                return Unknown(render(e), _because(value))
            return True if name == "can" else value
        if name == "can":
            return False
        raise EvalError("no argument of try() could be evaluated")

    # -- text: file(), templatefile(), yamldecode() --------------------------------------
    def _text_call(self, name: str, arg_exprs: list, depth: int, e: Expr) -> Any:
        if name == "yamldecode":
            parts = self.text_parts(arg_exprs[0], depth)
            if isinstance(parts, Unknown):
                return Unknown(render(e)[:300], _because(parts))
            # the text itself is not quoted as the expression: it may hold a Secret's values
            shown = "yamldecode(<YAML text>)" if arg_exprs[0][0] in ("lit", "tpl") else render(e)
            return yamltext.decode(parts, shown)
        parts = self.text_parts(e, depth)
        if isinstance(parts, Unknown):
            return parts
        found = next((p for p in parts if isinstance(p, Unknown)), None)
        return Unknown(render(e), _because(found)) if found else "".join(parts)

    def text_parts(self, e: Expr, depth: int) -> list | Unknown:
        """A string as its parts, text or Unknown: a template's interpolations each one part
        (so decoding the text leaves only what an unknown one touches unknown), file() and
        templatefile() read from the scanned tree."""
        if e[0] == "tpl":
            return [p if isinstance(p, str) else self._interpolated(p, depth) for p in e[1]]
        if e[0] == "call" and e[1] in ("file", "templatefile") and len(e[2]) == TEXT_FUNCTIONS[e[1]]:
            return self._file_parts(e, depth)
        value = self.eval(e, depth)
        if isinstance(value, Unknown) or isinstance(value, str):
            return value if isinstance(value, Unknown) else [value]
        raise EvalError(f"a string is needed, got {_tf_text(value) if value is None else type(value).__name__}")

    def _interpolated(self, part: Expr, depth: int) -> Any:
        value = self.eval(part, depth)
        if isinstance(value, Unknown):
            return Unknown(render(part), _because(value))
        if isinstance(value, (dict, list)) or value is None:
            raise EvalError("a template interpolates a collection or null")
        return _tf_text(value)

    def _file_parts(self, e: Expr, depth: int) -> list | Unknown:
        """file(path) / templatefile(path, vars): the file as the scanned tree holds it (the
        environment reads it, never outside the tree); a template's interpolations see
        only `vars`."""
        paths = getattr(self.env, "paths", None)         # path.module, path.root
        where = (self.child({"path": paths}) if paths else self).eval(e[2][0], depth)
        if isinstance(where, Unknown):
            return Unknown(render(e), _because(where))
        if not isinstance(where, str):
            raise EvalError(f"{e[1]}(): the path is not a string")
        read = getattr(self.env, "read_text", None)
        text, why = read(where) if read else (None, "no file is read here")
        if text is None:
            return Unknown(render(e), why)
        self.refs.append(Ref(self.env.path, where, FILE))     # what the value was read from
        if e[1] == "file":
            return [text]
        values = self.eval(e[2][1], depth)
        if isinstance(values, Unknown):
            return Unknown(render(e), _because(values))
        if not isinstance(values, dict):
            raise EvalError("templatefile(): vars is not a map")
        from .hcl import template_text           # python-hcl2 is loaded already: the .tf files were
        template = template_text(text)           # parsed with it
        if template[0] in ("lit", "bad"):
            return [template[1]] if template[0] == "lit" else Unknown(render(e), f"{e[1]}({where!r}): {template[1]}")
        scope = Evaluator(_TemplateScope(), values)
        scope.budget = self.budget
        return scope.text_parts(template, depth)

    # -- names -------------------------------------------------------------------------
    def traversal(self, e: Expr, depth: int) -> Any:
        root, steps = e[1], e[2]
        text = e                                # rendered only when quoted
        if root in self.bound:
            if isinstance(self.bound[root], Unknown):      # each/count of instances not told
                return Unknown(_text(text), self.bound[root].reason)
            return self.apply_steps(self.bound[root], steps, text, depth)
        first = steps[0][1] if steps and steps[0][0] == "attr" else None
        if root == "var" and first:
            value, refs = self.env.variable(first)
            self.refs += refs
            return self.apply_steps(value, steps[1:], text, depth)
        if root == "local" and first:
            value, refs = self.env.local(first)
            self.refs += refs
            return self.apply_steps(value, steps[1:], text, depth)
        if root == "module" and first:
            return self.module(first, steps[1:], text, depth)
        if root == "data" and len(steps) >= 2 and steps[1][0] == "attr":
            key, _ = self.instance_key(steps[2:], depth)
            self.refs.append(Ref(self.env.path, f"data.{first}.{steps[1][1]}", key))
            return Unknown(_text(text), "a data source: read when Terraform plans")
        if root in ("each", "count"):
            return Unknown(_text(text), f"{root}.* outside a resource that sets {'for_each' if root == 'each' else 'count'}")
        if root in ("path", "terraform", "self"):
            return Unknown(_text(text), f"{root}.* is known only when Terraform runs")
        if first:
            key, rest = self.instance_key(steps[1:], depth)
            self.refs.append(Ref(self.env.path, f"{root}.{first}", key))
            value = self.configured(f"{root}.{first}", key, rest, text, depth)
            if value is not None:
                return value
            return Unknown(_text(text), f"an attribute of {root}.{first}: known after apply")
        return Unknown(_text(text), f"{root} names nothing this module declares")

    def configured(self, address: str, key: Any, steps: list, text: Any, depth: int) -> Any:
        """What a reference to another resource's argument resolves to when the configuration
        sets it (`kubernetes_pod_v1.x.metadata.0.labels.app`): the value written there, as
        Terraform's state will hold it. None when the path reaches what the provider computes
        (an id, a whole block), names several instances, or the environment cannot tell."""
        lookup = getattr(self.env, "configured", None)
        if lookup is None or key in (ALL, UNKNOWN_KEY):
            return None
        path: list = []
        for step in steps:
            if step[0] == "splat":
                return None
            name = step[1] if step[0] == "attr" else self.eval(step[1], depth)
            if name is None or isinstance(name, (Unknown, dict, list)):
                return None
            path.append(name)
        found = lookup(address, key, path)
        if found is None:
            return None
        value, rest = found
        try:
            for name in rest:
                if isinstance(value, Unknown):
                    break
                value = _index(value, name, text)
        except EvalError:
            return None                 # not written there: what the provider fills in
        return Unknown(_text(text), _because(value)) if isinstance(value, Unknown) else value

    def instance_key(self, steps: list, depth: int) -> tuple[Any, list]:
        """The instance key a reference names (`[0]`, `["k"]`, `[*]`), and the steps after it."""
        if not steps or steps[0][0] == "attr":
            return NO_KEY, steps
        if steps[0][0] == "splat":
            return ALL, steps[1:]
        key = self.eval(steps[0][1], depth)
        if isinstance(key, Unknown) or isinstance(key, (dict, list)) or key is None:
            return UNKNOWN_KEY, steps[1:]
        return key, steps[1:]

    def module(self, call: str, steps: list, text: Any, depth: int) -> Any:
        key, rest = self.instance_key(steps, depth)
        if not rest or rest[0][0] != "attr":
            return Unknown(_text(text), "a whole module object is not evaluated")
        value, refs = self.env.module_output(call, key, rest[0][1])
        self.refs += refs
        return self.apply_steps(value, rest[1:], text, depth)

    def apply_steps(self, value: Any, steps: list, text: Any, depth: int) -> Any:
        for i, step in enumerate(steps):
            if isinstance(value, Unknown):
                return value
            if step[0] == "splat":
                rest = steps[i + 1:]
                items = value if isinstance(value, list) else ([] if value is None else [value])
                return [self.apply_steps(v, rest, text, depth) for v in items]
            if step[0] == "attr":
                key: Any = step[1]
            else:
                key = self.eval(step[1], depth)
                if isinstance(key, Unknown):
                    return Unknown(_text(text), _because(key))
            value = _index(value, key, text)
        return value


def _size(value: Any) -> int:
    """About how many characters a value holds (two levels deep: enough to refuse a join
    or format over many long strings before building it)."""
    if isinstance(value, str):
        return len(value)
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return sum(len(v) if isinstance(v, str) else sum(len(x) for x in v if isinstance(x, str))
               if isinstance(v, list) else 8 for v in items)


def _bounded(value: Any, e: Any) -> Any:
    """Values past the size bounds (a string doubled through 64 locals, a product of
    products) are unknown, not built."""
    if isinstance(value, str) and len(value) > MAX_STRING:
        return Unknown(render(e)[:200], f"a string over {MAX_STRING} characters")
    if isinstance(value, (list, dict)) and len(value) > MAX_ITEMS:
        return Unknown(render(e)[:200], f"a collection over {MAX_ITEMS} items")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
        return Unknown(render(e)[:200], "a number beyond the range evaluated")
    return value


def _text(source: Any) -> str:
    """An expression's text: given as text, or rendered from the expression when needed."""
    return source if isinstance(source, str) else render(source)


def _because(u: Unknown) -> str:
    return u.reason if u.reason.startswith(u.expression) else f"{u.expression}: {u.reason}"


def _index(value: Any, key: Any, text: Any) -> Any:
    if isinstance(value, dict):
        k = key if isinstance(key, str) else _tf_text(key)
        if k not in value:
            raise EvalError(f"{_text(text)}: no key or attribute {k!r}")
        return value[k]
    if isinstance(value, list):
        if isinstance(key, str) and key.isdigit():
            key = int(key)
        if not isinstance(key, (int, float)) or isinstance(key, bool) or not 0 <= int(key) < len(value):
            raise EvalError(f"{_text(text)}: index {key!r} out of range")
        return value[int(key)]
    raise EvalError(f"{_text(text)}: cannot index {_tf_text(value) if value is None else type(value).__name__}")


def _items(coll: Any) -> list[tuple[Any, Any]]:
    if isinstance(coll, dict):
        return list(coll.items())
    if isinstance(coll, list):
        return list(enumerate(coll))
    raise EvalError("a for-expression needs a list, set or map")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    if _is_number(a) != _is_number(b):
        return False
    return a == b


def _to_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v in ("true", "false"):
        return v == "true"
    raise EvalError(f"a bool is needed, got {_tf_text(v)}")


# -- functions ----------------------------------------------------------------------------

def _set(values: Any) -> list:
    items = list(values.values()) if isinstance(values, dict) else list(values)
    out: list = []
    for v in items:
        if v not in out:
            out.append(v)
    return sorted(out) if all(isinstance(v, str) for v in out) else out


def _coalesce(*args: Any) -> Any:
    for a in args:
        if isinstance(a, Unknown):
            return Unknown("coalesce(…)", _because(a))
        if a is not None and a != "":
            return a
    raise EvalError("coalesce(): no non-null argument")


def _merge(*maps: Any) -> dict:
    out: dict = {}
    for m in maps:
        if m is None:
            continue
        if not isinstance(m, dict):
            raise EvalError("merge() takes maps")
        out.update(m)
    return out


def _lookup(m: dict, key: str, *default: Any) -> Any:
    if key in m:
        return m[key]
    if default:
        return default[0]
    raise EvalError(f"lookup(): no key {key!r}")


def _flatten(v: list) -> list:
    out: list = []
    for x in v:
        out += _flatten(x) if isinstance(x, list) else [x]
        if len(out) > MAX_ITEMS:
            raise EvalError("flatten(): too many items")
    return out


def _tonumber(v: Any) -> Any:
    if _is_number(v):
        return v
    text = str(v)
    return int(text) if text.lstrip("-").isdigit() else float(text)


def _format(fmt: str, *args: Any) -> str:
    out, i, n = [], 0, 0
    while i < len(fmt):
        c = fmt[i]
        if c == "%" and i + 1 < len(fmt):
            verb = fmt[i + 1]
            if verb == "%":
                out.append("%")
            elif verb in "sdvtf" and n < len(args):
                out.append(_tf_text(args[n]) if verb != "d" else str(int(args[n])))
                n += 1
            else:
                raise EvalError(f"format(): verb %{verb} is not evaluated statically")
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


class _TemplateScope:
    """What a templatefile() template sees besides its vars: nothing."""
    path = ""

    def variable(self, name: str) -> tuple[Any, list[Ref]]:
        return Unknown(f"var.{name}", "a template sees only the vars templatefile() passes"), []

    local = variable

    def module_output(self, call: str, key: Any, output: str) -> tuple[Any, list[Ref]]:
        return Unknown(f"module.{call}.{output}", "a template sees only the vars templatefile() passes"), []


# Functions that read text: their argument count (file(path), templatefile(path, vars), yamldecode(text)).
TEXT_FUNCTIONS = {"file": 1, "templatefile": 2, "yamldecode": 1}

FUNCTIONS: dict[str, Callable[..., Any]] = {
    "toset": _set, "tolist": lambda v: list(v.values()) if isinstance(v, dict) else list(v),
    "tomap": lambda v: dict(v), "tostring": lambda v: v if isinstance(v, str) else _tf_text(v),
    "tonumber": _tonumber, "tobool": _to_bool,
    "lower": lambda s: s.lower(), "upper": lambda s: s.upper(), "trimspace": lambda s: s.strip(),
    "coalesce": _coalesce, "coalescelist": lambda *ls: next((l for l in ls if l), []),
    "merge": _merge, "concat": lambda *ls: [x for l in ls for x in l], "flatten": _flatten,
    "length": lambda v: len(v), "contains": lambda coll, v: v in coll, "lookup": _lookup,
    "keys": lambda m: sorted(m), "values": lambda m: [m[k] for k in sorted(m)],
    "join": lambda sep, items: sep.join(_tf_text(i) for i in items),
    "split": lambda sep, s: s.split(sep), "replace": lambda s, a, b: s.replace(a, b),
    "distinct": _set, "compact": lambda l: [x for x in l if x not in ("", None)],
    "element": lambda l, i: l[int(i) % len(l)], "format": _format,
    "jsonencode": lambda v: json.dumps(v, separators=(",", ":")),
    "jsondecode": lambda s: json.loads(s), "startswith": lambda s, p: s.startswith(p),
    "endswith": lambda s, p: s.endswith(p), "strcontains": lambda s, p: p in s,
    "max": lambda *a: max(a), "min": lambda *a: min(a), "abs": abs,
}
PARTIAL = {"coalesce", "merge", "concat", "tolist", "toset", "length", "keys", "compact", "flatten", "lookup"}
