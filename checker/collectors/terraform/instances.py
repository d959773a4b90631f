"""One root module evaluated statically: its module instances, resource instances and the
references between them, as RawResources.

A root is a folder Terraform would run in (config.roots). Its variables come from their
defaults and the folder's var files; a local module's from the module block that calls
it, evaluated in the caller (so `var.key_vault_id` inside the module keeps the caller's
`azurerm_key_vault.kv` reference). `count` / `for_each` expand a block into instances when
they are static; when they are not, the block is one resource whose `condition` is
unknown. Everything is evaluated lazily and once (expressions.Evaluator), with bounds on
chains of references, module depth and instance counts, so a hostile configuration ends
in unknowns, never in a hang.
"""
from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from ...cloud.model import RawResource, Reference, Unknown
from ...cloud.vocabulary import carrier
from .. import FileRef
from . import azapi, manifests
from .config import META_ARGUMENTS, META_BLOCKS, MODULE_META, Module, local_folder, module_source
from .expressions import ALL, FILE, NO_KEY, UNKNOWN_KEY, EvalError, Evaluator, Ref, render
from .names import resource_name

if TYPE_CHECKING:    # annotations only: importing .hcl loads python-hcl2 and lark
    from .hcl import Attribute, Block, Body

MAX_CHAIN = 64              # variables / locals / outputs resolving through one another
MAX_MODULE_DEPTH = 16
MAX_MODULE_INSTANCES = 2_000
MAX_RESOURCES = 100_000     # resource instances per root
MAX_COUNT = 10_000          # instances of one block
STEPS_PER_RESOURCE = 20_000 # evaluation steps a root may spend, per resource block it declares
MIN_STEPS = 2_000_000

AUTO_VAR_FILES = ("terraform.tfvars", "terraform.tfvars.json")


def key_text(key: Any) -> str:
    if key is NO_KEY:
        return ""
    if isinstance(key, int) and not isinstance(key, bool):
        return f"[{key}]"
    return f"[{json.dumps(str(key))}]"


class _NoModule:
    """The environment of a var file: literal values only."""
    path = ""

    def variable(self, name):
        return Unknown(f"var.{name}", "a var file cannot refer to variables"), []

    local = variable

    def module_output(self, call, key, output):
        return Unknown(f"module.{call}.{output}", "a var file cannot refer to modules"), []


@dataclass
class Pending:
    ref: FileRef
    raw: RawResource
    refs: list[tuple[str, Ref]]


class Run:
    """The evaluation of one root folder."""

    def __init__(self, modules: dict[str, Module], root: str, files: dict[str, str] | None = None) -> None:
        self.modules = modules
        self.root = root
        self.files = files or {}            # tree path → text file()/templatefile() may read
        self.gaps: list[dict] = []
        self.keys: dict[tuple[str, str], list | None] = {}   # (instance path, block address) → keys
        self.pending: list[Pending] = []
        self.carried_files: dict[int, list[str]] = {}      # id(raw) → the files its carried object was read from
        self.module_instances = 0
        self.chain = 0
        blocks = sum(len(m.resources) + len(m.locals) for m in modules.values())
        self.budget = [max(MIN_STEPS, STEPS_PER_RESOURCE * blocks)]

    def evaluate(self) -> list[tuple[FileRef, RawResource]]:
        top = Instance(self, self.modules[self.root], "", None, None, (self.root,), True)
        self.expand(top)
        if self.budget[0] < 0:
            self.gaps.append({"folder": self.root, "reason": "the evaluation step budget was spent: the values "
                              "evaluated after that are unknown"})
        if len(self.pending) >= MAX_RESOURCES:
            self.gaps.append({"folder": self.root, "reason": f"more than {MAX_RESOURCES} resource instances: "
                              "the rest are not collected"})
        return [(p.ref, self.finish(p)) for p in self.pending]

    def gap(self, instance: "Instance", call: str, reason: str, source: str | None) -> None:
        entry = {"folder": instance.module.folder, "module": self.qualified(instance.path, f"module.{call}"),
                 "source": source or "", "reason": reason}
        if entry not in self.gaps:
            self.gaps.append(entry)

    def qualified(self, path: str, address: str = "") -> str:
        """A module instance path as recorded: prefixed with the root folder, since one
        module folder may be instantiated by several roots of a tree."""
        full = ".".join(p for p in (path, address) if p)
        if not path:
            return full
        return full if self.root == "." else f"{self.root}:{full}"

    # -- expansion ------------------------------------------------------------------------
    def expand(self, instance: "Instance") -> None:
        for declared in instance.module.resources:
            block = declared.block
            address = ("data." if block.type == "data" else "") + ".".join(block.labels)
            keys, condition = instance.instance_keys(block.body)
            self.keys[(instance.path, address)] = None if keys is None else [k for k, _ in keys]
            for key, bound in keys if keys is not None else [(NO_KEY, _unbound(block.body, condition))]:
                if len(self.pending) >= MAX_RESOURCES:
                    return
                raw, refs = build_resource(instance, declared.block, address, key, bound,
                                           condition if keys is None else instance.condition)
                self.pending.append(Pending(declared.ref, raw, refs))
        for call in sorted(instance.module.calls):
            for key in instance.call_keys(call):
                child = instance.child(call, key)
                if isinstance(child, Instance):
                    self.expand(child)

    def finish(self, pending: Pending) -> RawResource:
        raw = pending.raw
        seen: set[tuple[str, str]] = set()
        for attribute, ref in pending.refs:
            if ref.key is FILE:
                self._carried_file(raw, attribute, ref.target)
                continue
            attribute = azapi.attribute(raw, attribute)
            for target in self.targets(ref):
                if (attribute, target) not in seen:
                    seen.add((attribute, target))
                    raw.references.append(Reference(attribute, target))
        return raw

    def _carried_file(self, raw: RawResource, attribute: str, path: str) -> None:
        """A file read into the object a resource carries (`manifest = yamldecode(file(…))`),
        as a path of the tree (file() reads relative to the root folder)."""
        held = carrier(raw.format, raw.provider_type)
        if held is None or not (attribute == held.path or attribute.startswith(f"{held.path}.")):
            return
        where = posixpath.normpath(posixpath.join(self.root, path))
        files = self.carried_files.setdefault(id(raw), [])
        if where not in files:
            files.append(where)

    def targets(self, ref: Ref) -> list[str]:
        keys = self.keys.get((ref.module, ref.target))
        if keys is None:
            chosen = [NO_KEY]
        elif ref.key in (NO_KEY, ALL, UNKNOWN_KEY):
            chosen = keys            # every instance it may name
        else:
            chosen = [ref.key]
        return [self.qualified(ref.module, ref.target + key_text(k)) for k in chosen]


class Instance:
    """A module instance: what its expressions see (expressions.Environment)."""

    def __init__(self, run: Run, module: Module, path: str, inputs: dict[str, Attribute] | None,
                 caller: Callable[[], Evaluator] | None, stack: tuple[str, ...], condition: Any) -> None:
        self.run, self.module, self.path = run, module, path
        self.inputs, self.caller, self.stack, self.condition = inputs, caller, stack, condition
        self._values: dict[tuple[str, str], tuple[Any, list[Ref]]] = {}
        self._busy: set[tuple[str, str]] = set()
        self._children: dict[tuple[str, Any], Any] = {}
        self._call_keys: dict[str, list] = {}
        self._call_bound: dict[str, tuple[dict, Any]] = {}
        self._blocks: dict[str, Block] | None = None        # resource blocks by address
        self._bound: dict[str, dict] = {}                   # resource address → {instance key: names bound}

    # -- Environment ----------------------------------------------------------------------
    @property
    def budget(self) -> list[int]:
        return self.run.budget

    def variable(self, name: str) -> tuple[Any, list[Ref]]:
        return self._cached("var", name, self._variable)

    def local(self, name: str) -> tuple[Any, list[Ref]]:
        return self._cached("local", name, self._local)

    def module_output(self, call: str, key: Any, output: str) -> tuple[Any, list[Ref]]:
        text = f"module.{call}{key_text(key) if key not in (ALL, UNKNOWN_KEY) else '[…]'}.{output}"
        if key in (ALL, UNKNOWN_KEY) or (key is NO_KEY and self.call_keys(call) != [NO_KEY]):
            refs: list[Ref] = []
            for k in self.call_keys(call):
                child = self.child(call, k)
                if isinstance(child, Instance):
                    refs += child.output(output)[1]
            return Unknown(text, "names several module instances or one not known statically"), refs
        child = self.child(call, key)
        if not isinstance(child, Instance):
            return Unknown(text, child), []
        return child.output(output)

    @property
    def paths(self) -> dict[str, str]:
        """path.module and path.root, as Terraform gives them: relative to the root folder."""
        module = posixpath.relpath(self.module.folder, self.run.root) if self.module.folder != self.run.root else "."
        return {"module": module, "root": ".", "cwd": "."}

    def read_text(self, path: str) -> tuple[str | None, str]:
        """A file's text for file()/templatefile(): relative to the root folder Terraform runs
        in, as the scanned tree handed it over; never a path outside the tree."""
        if path.startswith(("/", "~")) or ":" in path.split("/", 1)[0]:
            return None, "an absolute path: outside the scanned tree, not read"
        where = posixpath.normpath(posixpath.join(self.run.root, path))
        if where == ".." or where.startswith("../"):
            return None, "outside the scanned tree: not read"
        text = self.run.files.get(where)
        return (text, "") if text is not None else (None, "the scanned tree holds no such text file (a YAML or "
                                                          "template file under the size kept)")

    def configured(self, address: str, key: Any, path: list) -> tuple[Any, list] | None:
        """A resource argument this module instance's configuration sets, named by `path`
        (`metadata`, 0, `labels`, …) on the instance `key` of the block `address`: its value,
        evaluated as that instance (count.index, each.*), and the path left to apply to it;
        None when the path does not reach an argument written in the block."""
        block = self._resource_blocks().get(address)
        if block is None:
            return None
        bound = self._instance_bound(address, block).get(key)
        found = argument_at(block.body, path)
        if bound is None or found is None:
            return None
        attribute, reached, rest = found
        slot = f"{address}{key_text(key)}.{'.'.join(str(p) for p in reached)}"
        value, _ = self._cached("resource", slot, lambda _: evaluate(Evaluator(self, dict(bound)), attribute.expr))
        return value, rest

    def _resource_blocks(self) -> dict[str, Block]:
        if self._blocks is None:
            self._blocks = {".".join(d.block.labels): d.block for d in self.module.resources
                            if d.block.type == "resource"}
        return self._blocks

    def _instance_bound(self, address: str, block: Block) -> dict:
        """The names each instance of a block binds, by instance key ({} when not static)."""
        if address not in self._bound:
            keys, _ = self.instance_keys(block.body)
            self._bound[address] = dict(keys) if keys is not None else {}
        return self._bound[address]

    # -- values -----------------------------------------------------------------------------
    def _cached(self, kind: str, name: str, compute: Callable[[str], tuple[Any, list[Ref]]]):
        slot = (kind, name)
        if slot in self._values:
            return self._values[slot]
        if slot in self._busy:
            return Unknown(f"{kind}.{name}", f"{kind}.{name} refers to itself"), []
        if self.run.chain >= MAX_CHAIN:
            return Unknown(f"{kind}.{name}", f"more than {MAX_CHAIN} values refer through one another"), []
        self._busy.add(slot)
        self.run.chain += 1
        try:
            result = compute(name)
        finally:
            self.run.chain -= 1
            self._busy.discard(slot)
        self._values[slot] = result
        return result

    def _variable(self, name: str) -> tuple[Any, list[Ref]]:
        declared = self.module.variables.get(name)
        if declared is None:
            return Unknown(f"var.{name}", f"no variable block declares {name!r}"), []
        if _sensitive(declared.block.body):
            return Unknown(f"var.{name}", "a sensitive variable: its value is not recorded"), []
        if self.inputs is not None and name in self.inputs:
            return evaluate(self.caller(), self.inputs[name].expr)
        if self.inputs is None:
            value = self._from_var_files(name)
            if value is not None:
                return value, []
        default = declared.block.body.attributes.get("default")
        if default is not None:
            return evaluate(Evaluator(_NoModule()), default.expr)
        why = ("the module call does not set it" if self.inputs is not None
               else "no var file in the folder sets it")
        return Unknown(f"var.{name}", f"variable without a default; {why}"), []

    def _from_var_files(self, name: str) -> Any:
        """terraform.tfvars, then *.auto.tfvars (lexical), then other var files when they
        agree (Terraform reads those only when named with -var-file)."""
        auto = [(f, v) for f, v in self.module.var_files if f in AUTO_VAR_FILES or ".auto.tfvars" in f]
        other = [(f, v) for f, v in self.module.var_files if (f, v) not in auto]
        value = None
        for _, values in sorted(auto, key=lambda fv: (fv[0] not in AUTO_VAR_FILES, fv[0])):
            if name in values:
                value = evaluate(Evaluator(_NoModule()), values[name].expr)[0]
        found = [(f, evaluate(Evaluator(_NoModule()), v[name].expr)[0]) for f, v in other if name in v]
        distinct = []
        for _, v in found:
            if v not in distinct:
                distinct.append(v)
        if len(distinct) == 1:
            return distinct[0]
        if len(distinct) > 1:
            return Unknown(f"var.{name}", "set differently by the var files "
                           + ", ".join(sorted(f for f, _ in found)) + " (one is chosen with -var-file)")
        return value

    def _local(self, name: str) -> tuple[Any, list[Ref]]:
        found = self.module.locals.get(name)
        if found is None:
            return Unknown(f"local.{name}", f"no locals block declares {name!r}"), []
        return evaluate(Evaluator(self), found[1].expr)

    def output(self, name: str) -> tuple[Any, list[Ref]]:
        return self._cached("output", name, self._output)

    def _output(self, name: str) -> tuple[Any, list[Ref]]:
        declared = self.module.outputs.get(name)
        value = declared.block.body.attributes.get("value") if declared else None
        if value is None:
            return Unknown(f"{self.path}.{name}", f"the module declares no output {name!r}"), []
        result, refs = evaluate(Evaluator(self), value.expr)
        if _sensitive(declared.block.body):
            return Unknown(f"{self.path}.{name}", "a sensitive output: its value is not recorded"), refs
        return result, refs

    # -- instances ------------------------------------------------------------------------
    def instance_keys(self, body: Body) -> tuple[list[tuple[Any, dict]] | None, Any]:
        """The instances a block's count / for_each makes: [(key, bound names)], or None
        with the unknown condition when they cannot be told."""
        count, for_each = body.attributes.get("count"), body.attributes.get("for_each")
        if count is None and for_each is None:
            return [(NO_KEY, {})], self.condition
        attribute = count or for_each
        value, _ = evaluate(Evaluator(self), attribute.expr)
        if isinstance(value, Unknown):
            return None, Unknown(attribute.source[:300] or value.expression, value.reason)
        if count is not None:
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                return None, Unknown(attribute.source[:300], "count is not a whole number")
            if value > MAX_COUNT:
                return None, Unknown(attribute.source[:300], f"count over {MAX_COUNT}: not expanded")
            return [(i, {"count": {"index": i}}) for i in range(int(value))], self.condition
        if isinstance(value, dict):
            items = sorted(value.items())
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            items = [(v, v) for v in sorted(set(value))]
        else:
            return None, Unknown(attribute.source[:300], "for_each is not a map or a set of strings")
        if len(items) > MAX_COUNT:
            return None, Unknown(attribute.source[:300], f"for_each over {MAX_COUNT} items: not expanded")
        return [(k, {"each": {"key": k, "value": v}}) for k, v in items], self.condition

    def call_keys(self, call: str) -> list:
        if call not in self._call_keys:
            declared = self.module.calls.get(call)
            keys, condition = self.instance_keys(declared.block.body) if declared else ([], True)
            self._call_keys[call] = [NO_KEY] if keys is None else [k for k, _ in keys]
            unbound = _unbound(declared.block.body, condition) if keys is None and declared else {}
            self._call_bound[call] = (dict(keys or [(NO_KEY, unbound)]), condition if keys is None else self.condition)
        return self._call_keys[call]

    def child(self, call: str, key: Any) -> "Instance | str":
        """The module instance a call makes for a key, or why it cannot be read."""
        slot = (call, key)
        if slot not in self._children:
            self._children[slot] = self._make_child(call, key)
        return self._children[slot]

    def _make_child(self, call: str, key: Any) -> "Instance | str":
        declared = self.module.calls.get(call)
        if declared is None:
            return f"no module block {call!r} in {self.module.folder}"
        source = module_source(declared.block)
        if source is None:
            reason = "module source is not a literal string"
            self.run.gap(self, call, reason, None)
            return reason
        folder, reason = local_folder(self.module.folder, source)
        if folder is not None and folder not in self.run.modules:
            reason = f"module folder {folder} holds no Terraform file in the scanned tree"
        elif folder in self.stack:
            reason = f"module includes itself ({' → '.join(self.stack + (folder,))}): not expanded again"
        elif len(self.stack) > MAX_MODULE_DEPTH:
            reason = f"modules nested more than {MAX_MODULE_DEPTH} deep: not expanded"
        elif self.run.module_instances >= MAX_MODULE_INSTANCES:
            reason = f"more than {MAX_MODULE_INSTANCES} module instances: not expanded"
        if reason:
            self.run.gap(self, call, reason, source)
            return reason
        keys = self.call_keys(call)
        if key not in keys:
            return f"module.{call} has no instance {key_text(key) or '(unkeyed)'}"
        bound, condition = self._call_bound[call]
        self.run.module_instances += 1
        inputs = {n: a for n, a in declared.block.body.attributes.items() if n not in MODULE_META}
        extra = bound.get(key, {})
        return Instance(self.run, self.run.modules[folder], self.run_path(call, key), inputs,
                        lambda: Evaluator(self, extra), self.stack + (folder,), condition)

    def run_path(self, call: str, key: Any) -> str:
        return ".".join(p for p in (self.path, f"module.{call}{key_text(key)}") if p)


def _unbound(body: Body, condition: Any) -> dict:
    """The names a block's count / for_each would bind when its instances cannot be told:
    `each.*` / `count.*` are unknown for the same reason (not "outside a resource that sets
    for_each", which it does)."""
    meta = "for_each" if "for_each" in body.attributes else "count" if "count" in body.attributes else None
    if meta is None or not isinstance(condition, Unknown):
        return {}
    name = "each" if meta == "for_each" else "count"
    return {name: Unknown(name, f"the {meta} ({condition.expression[:120]}) cannot be evaluated: {condition.reason}")}


def argument_at(body: Body, path: list) -> tuple[Attribute, list, list] | None:
    """The argument a reference's path names in a resource block, through its nested blocks
    (a block list indexed `.0` / `[0]`), with the path taken to reach it and the rest; None
    when the path ends on a block (it holds computed attributes too), goes through a dynamic
    block or a meta-argument, or names nothing written (the provider computes it)."""
    taken: list = []
    rest = list(path)
    while rest:
        name = rest.pop(0)
        if not isinstance(name, str) or (not taken and (name in META_ARGUMENTS or name in META_BLOCKS)):
            return None
        taken.append(name)
        if name in body.attributes:
            return body.attributes[name], taken, rest
        if any(b.type == "dynamic" and b.labels[:1] == [name] for b in body.blocks):
            return None
        found = [b for b in body.blocks if b.type == name]
        index = rest.pop(0) if rest else None
        if isinstance(index, str) and index.isdigit():
            index = int(index)
        if not found or not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(found):
            return None
        taken.append(index)
        body = found[index].body
    return None


def _sensitive(body: Body) -> bool:
    flag = body.attributes.get("sensitive")
    return flag is not None and flag.expr == ("lit", True)


def evaluate(ev: Evaluator, expr: tuple) -> tuple[Any, list[Ref]]:
    """An expression's value (or Unknown) and the references it makes."""
    try:
        value = ev.eval(expr)
    except EvalError as exc:
        value = Unknown(render(expr)[:300], f"Terraform would reject it: {exc}")
    except RecursionError:
        value = Unknown(render(expr)[:300], "nested too deeply to evaluate")
    return value, list(ev.refs)


# -- one resource ------------------------------------------------------------------------------

def build_resource(instance: Instance, block, address: str, key: Any, bound: dict,
                   condition: Any) -> tuple[RawResource, list[tuple[str, Ref]]]:
    rtype = block.labels[0]
    refs: list[tuple[str, Ref]] = []
    expressions: dict[str, str] = {}

    shared = Evaluator(instance, dict(bound))

    def make_ev(extra: dict | None = None) -> Evaluator:
        # One evaluator for the resource's attributes (an evaluator keeps nothing between
        # expressions but the references it found, started afresh here); blocks that bind
        # names of their own (dynamic) get theirs.
        if extra:
            return Evaluator(instance, {**bound, **extra})
        shared.refs = []
        return shared

    properties = read_body(block.body, make_ev, "", refs, expressions, top=True,
                           unwrap_json=rtype.startswith("azapi_"), rtype=rtype)
    depends = block.body.attributes.get("depends_on")
    if depends is not None:
        refs += [("depends_on", r) for r in evaluate(make_ev(), depends.expr)[1]]
    name = resource_name("terraform", rtype, properties)
    raw = RawResource("terraform", rtype, address + key_text(key), properties, name=name, line=block.line,
                      expressions=expressions, module=instance.run.qualified(instance.path),
                      scope=instance.run.root, condition=condition)
    if block.type == "data":
        # an existing resource: its attributes are read when Terraform plans; its name may
        # find the resource where another root or source declares it
        raw.properties = Unknown(address, "a data source: the existing resource's attributes are read when "
                                          "Terraform plans")
        if isinstance(name, str) and name:
            raw.references.append(Reference("name", name, by="name", target_type=rtype))
    elif rtype == "azapi_resource":
        azapi.to_arm(raw)
    else:
        manifests.settle(raw)
    return raw, refs


def read_body(body: Body, make_ev: Callable[..., Evaluator], prefix: str, refs: list, expressions: dict,
              top: bool = False, unwrap_json: bool = False, rtype: str = "") -> dict:
    out: dict[str, Any] = {}
    for name, attribute in body.attributes.items():
        if top and name in META_ARGUMENTS:
            continue
        path = f"{prefix}{name}"
        expr = attribute.expr
        if unwrap_json and top and name == "body" and expr[0] == "call" and expr[1] == "jsonencode" \
                and len(expr[2]) == 1:
            expr = expr[2][0]                   # azapi v1: body = jsonencode({...})
        if top:
            expr = manifests.as_decoded(rtype, name, expr)     # kubectl_manifest: yaml_body
        expressions[path] = attribute.source[:300]
        out[name] = _value_with_paths(expr, path, make_ev, refs, expressions, 0)
    for block in body.blocks:
        if top and block.type in META_BLOCKS:
            continue
        if block.type == "dynamic" and block.labels:
            out[block.labels[0]] = _dynamic(block, make_ev, f"{prefix}{block.labels[0]}.", refs, expressions)
            continue
        inner = read_body(block.body, make_ev, f"{prefix}{block.type}.", refs, expressions)
        existing = out.setdefault(block.type, [])
        if isinstance(existing, list):
            existing.append(inner)
    return out


def _dynamic(block, make_ev, prefix: str, refs: list, expressions: dict) -> Any:
    """`dynamic "x" { for_each, iterator, content {…} }` as the list of blocks it makes."""
    for_each = block.body.attributes.get("for_each")
    content = next((b for b in block.body.blocks if b.type == "content"), None)
    if for_each is None or content is None:
        return []
    ev = make_ev()
    value, found = evaluate(ev, for_each.expr)
    refs += [(prefix.rstrip("."), r) for r in found]
    if isinstance(value, Unknown):
        return Unknown(f"dynamic {block.labels[0]!r}: {for_each.source[:200]}", value.reason)
    iterator = block.body.attributes.get("iterator")
    name = iterator.expr[1] if iterator and iterator.expr[0] == "trav" else block.labels[0]
    items = list(value.items()) if isinstance(value, dict) else list(enumerate(value)) \
        if isinstance(value, list) else []
    out = []
    for k, v in items[:MAX_COUNT]:
        bound = {name: {"key": k, "value": v}}
        out.append(read_body(content.body, lambda extra=None, b=bound: make_ev({**b, **(extra or {})}),
                             prefix, refs, expressions))
    return out


def _value_with_paths(expr: tuple, path: str, make_ev, refs: list, expressions: dict, depth: int) -> Any:
    """An expression's value; an object with literal keys is walked key by key, so each
    reference and source expression keeps its own attribute path."""
    if expr[0] == "object" and depth < 20 and all(k[0] == "lit" and isinstance(k[1], str) for k, _ in expr[1]):
        out = {}
        for (_, key), value in expr[1]:
            sub = f"{path}.{key}"
            if value[0] != "object":
                expressions[sub] = render(value)[:300]
            out[key] = _value_with_paths(value, sub, make_ev, refs, expressions, depth + 1)
        return out
    value, found = evaluate(make_ev(), expr)
    refs += [(path, r) for r in found]
    return value
