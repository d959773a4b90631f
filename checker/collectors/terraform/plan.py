"""Terraform plan JSON (`terraform show -json plan.out`, format_version 1.x): the exact form.

Facts come from `planned_values` (root_module and its child_modules); an attribute that
is known only after apply is absent there, so `resource_changes[].change.after_unknown`
puts it back as unknown (never absent, which would take the provider default). Values the
plan marks sensitive (`sensitive_values`, `after_sensitive`) are dropped before they reach
the properties: an unknown "(sensitive)" stands in their place. References come from
`configuration`: each expression lists what it refers to (`azurerm_storage_account.ml.id`,
`var.kv_id`, `module.kv.id`); variables of a child module are followed to the module
call's inputs, module outputs to their expressions, and an address to the planned
instances it names (`x.y` → `x.y[0]`, `x.y["a"]`).
Layout: https://developer.hashicorp.com/terraform/internals/json-format
"""
from __future__ import annotations

import re
from typing import Any, Iterator

from ...cloud.model import RawResource, Reference, Unknown
from . import azapi, manifests
from .names import resource_name

FORMAT = "terraform-plan"
MAX_DEPTH = 64
SENSITIVE = Unknown("(sensitive)", "marked sensitive in the plan: the value is not recorded")
AFTER_APPLY = Unknown("(known after apply)", "known only after apply")
_INDEX = re.compile(r"\[[^\]]*\]")
_SKIP_ROOTS = frozenset({"local", "each", "count", "path", "terraform", "self"})


class PlanError(Exception):
    pass


def is_plan(doc: Any) -> bool:
    return isinstance(doc, dict) and "format_version" in doc and any(
        k in doc for k in ("planned_values", "resource_changes", "configuration"))


def read_plan(doc: dict, scope: str) -> list[RawResource]:
    version = str(doc.get("format_version", ""))
    if version.split(".")[0] != "1":
        raise PlanError(f"plan format_version {version!r}: only 1.x is read")
    changes = {c["address"]: c.get("change") or {} for c in _dicts(doc.get("resource_changes"))
               if isinstance(c.get("address"), str)}
    config = Configuration(doc.get("configuration"))
    planned = list(_planned(doc, changes))
    instances: dict[str, list[str]] = {}
    for module, res in planned:
        instances.setdefault(deindexed(res["address"]), []).append(res["address"])
    out = []
    for module, res in planned:
        out.append(_resource(module, res, changes.get(res["address"], {}), config, instances, scope))
    return out


def deindexed(address: str) -> str:
    return _INDEX.sub("", address) if "[" in address else address


def _dicts(value: Any) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _planned(doc: dict, changes: dict) -> Iterator[tuple[str, dict]]:
    root = (doc.get("planned_values") or {}).get("root_module") if isinstance(doc.get("planned_values"), dict) \
        else None
    if isinstance(root, dict):
        yield from _walk(root, 0)
        return
    for address, change in changes.items():         # no planned_values: the changes' after
        actions = change.get("actions") or []
        if actions == ["delete"] or not isinstance(change.get("after"), dict):
            continue
        module, _, local = _split_module(address)
        yield module, {"address": address, "type": local.split(".")[-2] if "." in local else local,
                       "mode": "data" if local.startswith("data.") else "managed", "values": change["after"]}


def _walk(module: dict, depth: int) -> Iterator[tuple[str, dict]]:
    if depth > MAX_DEPTH:
        raise PlanError(f"child_modules nested more than {MAX_DEPTH} deep")
    address = module.get("address") if isinstance(module.get("address"), str) else ""
    for res in _dicts(module.get("resources")):
        if isinstance(res.get("address"), str) and isinstance(res.get("type"), str):
            yield address, res
    for child in _dicts(module.get("child_modules")):
        yield from _walk(child, depth + 1)


def _split_module(address: str) -> tuple[str, str, str]:
    """('module.a["x"].module.b', '.', 'azurerm_x.y[0]') from a full address."""
    parts = re.findall(r'module\.[^.\[]+(?:\[[^\]]*\])?\.', address)
    prefix = "".join(parts)
    if not address.startswith(prefix):
        return "", "", address
    return prefix[:-1], ".", address[len(prefix):]


def _resource(module: str, res: dict, change: dict, config: "Configuration", instances: dict,
              scope: str) -> RawResource:
    values = res.get("values") if isinstance(res.get("values"), dict) else {}
    values = _masked(values, res.get("sensitive_values"), SENSITIVE)
    values = _masked(values, change.get("after_sensitive"), SENSITIVE)
    values = _masked(values, change.get("after_unknown"), AFTER_APPLY, fill=True)
    address = res["address"]
    local = address[len(module) + 1:] if module and address.startswith(module + ".") else address
    raw = RawResource(FORMAT, res["type"], local, values, name=resource_name(FORMAT, res["type"], values),
                      module=module, scope=scope)
    seen = set()
    for attribute, refs in config.references(deindexed(address)):
        raw.expressions.setdefault(attribute, ", ".join(refs[:3])[:300])
        for target in config.resolve(deindexed(module), refs):
            for instance in instances.get(target, [target]):
                if (attribute, instance) not in seen and instance != address:
                    seen.add((attribute, instance))
                    raw.references.append(Reference(attribute, instance))
    if res.get("mode") == "managed" and res["type"] == "azapi_resource":
        azapi.to_arm(raw)
        raw.references = [Reference(azapi.attribute(raw, r.attribute), r.target) for r in raw.references]
    elif res.get("mode") == "managed":
        manifests.settle(raw)
    return raw


def _masked(values: Any, marks: Any, stand_in: Unknown, fill: bool = False, depth: int = 0) -> Any:
    """`values` with every path `marks` sets to true replaced by `stand_in` (and added
    where absent, when `fill`)."""
    if marks is True:
        return stand_in if (fill or values is not None) else values
    if not marks:
        return values
    if depth > MAX_DEPTH:
        return stand_in
    if isinstance(marks, dict) and isinstance(values, dict):
        out = dict(values)
        for key, mark in marks.items():
            if key in out or (fill and _any_true(mark)):
                out[key] = _masked(out.get(key), mark, stand_in, fill, depth + 1)
        return out
    if isinstance(marks, list) and isinstance(values, list):
        return [_masked(v, marks[i], stand_in, fill, depth + 1) if i < len(marks) else v
                for i, v in enumerate(values)]
    if fill and values is None and _any_true(marks):
        return stand_in
    return values


def _any_true(marks: Any, depth: int = 0) -> bool:
    if marks is True:
        return True
    if depth > MAX_DEPTH:
        return False
    items = marks.values() if isinstance(marks, dict) else marks if isinstance(marks, list) else ()
    return any(_any_true(m, depth + 1) for m in items)


class Configuration:
    """`configuration`: each resource's expressions and each module's calls, by module path
    (without instance keys)."""

    def __init__(self, configuration: Any) -> None:
        self.resources: dict[str, dict] = {}          # full config address → expressions
        self.modules: dict[str, dict] = {}            # module path ("" root) → module dict
        root = configuration.get("root_module") if isinstance(configuration, dict) else None
        if isinstance(root, dict):
            self._index(root, "", 0)

    def _index(self, module: dict, path: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            return
        self.modules[path] = module
        for res in _dicts(module.get("resources")):
            if isinstance(res.get("address"), str):
                full = f"{path}.{res['address']}" if path else res["address"]
                self.resources[full] = res
        calls = module.get("module_calls")
        for name, call in (calls.items() if isinstance(calls, dict) else ()):
            if isinstance(call, dict) and isinstance(call.get("module"), dict):
                self._index(call["module"], f"{path}.module.{name}" if path else f"module.{name}", depth + 1)

    def references(self, address: str) -> list[tuple[str, list[str]]]:
        res = self.resources.get(address)
        if res is None:
            return []
        out = list(_expressions(res.get("expressions"), "", 0))
        depends = res.get("depends_on")
        if isinstance(depends, list):
            out.append(("depends_on", [d for d in depends if isinstance(d, str)]))
        return out

    def resolve(self, module: str, refs: list[str], depth: int = 0) -> set[str]:
        """The resource addresses (full, without keys) references made in `module` name."""
        out: set[str] = set()
        if depth > MAX_DEPTH:
            return out
        prefix = f"{module}." if module else ""
        for ref in refs:
            parts = deindexed(ref).split(".") if isinstance(ref, str) else []
            if len(parts) < 2 or parts[0] in _SKIP_ROOTS:
                continue
            if parts[0] == "var":
                out |= self._variable(module, parts[1], depth)
            elif parts[0] == "module":
                if len(parts) >= 3:
                    out |= self._output(f"{prefix}module.{parts[1]}", parts[2], depth)
            elif parts[0] == "data":
                if len(parts) >= 3:
                    out.add(f"{prefix}data.{parts[1]}.{parts[2]}")
            else:
                out.add(f"{prefix}{parts[0]}.{parts[1]}")
        return out

    def _variable(self, module: str, name: str, depth: int) -> set[str]:
        if not module:
            return set()
        parent, _, call = module.rpartition(".module.") if ".module." in module else ("", "", module[7:])
        call_dict = ((self.modules.get(parent) or {}).get("module_calls") or {}).get(call) or {}
        expression = (call_dict.get("expressions") or {}).get(name) if isinstance(call_dict, dict) else None
        refs = expression.get("references") if isinstance(expression, dict) else None
        return self.resolve(parent, refs, depth + 1) if isinstance(refs, list) else set()

    def _output(self, module: str, name: str, depth: int) -> set[str]:
        output = ((self.modules.get(module) or {}).get("outputs") or {}).get(name)
        expression = output.get("expression") if isinstance(output, dict) else None
        refs = expression.get("references") if isinstance(expression, dict) else None
        return self.resolve(module, refs, depth + 1) if isinstance(refs, list) else set()


def _expressions(expressions: Any, prefix: str, depth: int) -> Iterator[tuple[str, list[str]]]:
    """(attribute path, references) for each expression that refers to something."""
    if depth > MAX_DEPTH:
        return
    blocks = expressions if isinstance(expressions, list) else [expressions]
    for block in blocks:
        if not isinstance(block, dict):
            continue
        for key, value in block.items():
            path = f"{prefix}{key}"
            if isinstance(value, dict) and ("references" in value or "constant_value" in value):
                refs = value.get("references")
                if isinstance(refs, list) and refs:
                    yield path, [r for r in refs if isinstance(r, str)]
            elif isinstance(value, (dict, list)):
                yield from _expressions(value, f"{path}.", depth + 1)
