"""A RawResource into a graph node, through the vocabulary.

Node ids: `resource:<format>:<file key>#<module.>address` for a declaration, the file key
being its file node's (`resource:terraform:git:./infra/main.tf#azurerm_machine_learning_workspace.main`
beside `file:git:./infra/main.tf`), and
`resource:azure:<ARM id, lower case>` for an export of what is deployed, so that an `az`
export and a Resource Graph row of the same resource are one node. Serving objects
(online endpoints and deployments) take the graph's `endpoint` / `deployment` kinds.

attrs: `type` (normalised, or `other`), `provider_type`, `format`, `store`, `address`,
`name`, `api_version`, `declared`, `tags`, each normalised fact, `fact_sources`
({fact: {attribute, from: set|default, expression|default}}), `unknown`
({fact: {expression, reason, attribute}}), `references` (for the resource linker) and
`properties` (the provider's attributes as written, for rules that need more).
"""
from __future__ import annotations

import dataclasses
import json
import re
from typing import Any, Callable

from ..cloud.model import RawResource, Unknown
from ..cloud.children import expand
from ..cloud.identity import identity_facts
from ..cloud.vocabulary import UNRECOGNISED, FactSource, ResourceType, fact_source, family_of, resource_type
from . import CollectContext, FileRef

ABSENT = object()
MAX_EXPRESSION = 300


def lookup(properties: Any, dotted: str) -> Any:
    """The value at a dotted path; ABSENT when a step is missing; the Unknown when a step
    is unknown. A one-item list steps through (Terraform writes blocks as lists)."""
    return _lookup_parts(properties, dotted.split("."))


def _lookup_parts(properties: Any, parts: list[str] | tuple[str, ...]) -> Any:
    current = properties
    for part in parts:
        if type(current) is dict:                 # most steps: a plain object
            if part not in current:
                return ABSENT
            current = current[part]
            continue
        if isinstance(current, Unknown):
            return current
        if isinstance(current, list):
            if part.isdigit():
                index = int(part)
                if index >= len(current):
                    return ABSENT
                current = current[index]
                continue
            if len(current) != 1:
                return ABSENT if not current else Unknown(f"{len(current)} blocks", "several blocks, one value expected")
            current = current[0]
        if not isinstance(current, dict) or part not in current:
            return current if isinstance(current, Unknown) else ABSENT
        current = current[part]
    return current


def node_key(raw: RawResource, ref: FileRef | None) -> tuple[str, str]:
    """(kind prefix, key) — the graph node id is resource:<key> (or endpoint:/deployment:)."""
    if not raw.declared:
        return ("k8s" if family_of(raw.format) == "k8s" else "azure"), raw.address.lower()
    # The file's key in its tree, as file nodes have it: stable however the path was typed.
    where = f"{ref.tree_key}/{ref.path}" if ref else "?"
    address = f"{raw.module}.{raw.address}" if raw.module else raw.address
    return raw.format, f"{where}#{address}"


def emit(ctx: CollectContext, ref: FileRef | None, raw: RawResource) -> str:
    for child in expand(raw):                   # children declared inline: resources of their own
        emit(ctx, ref, child)
    source = fact_source(raw.format, raw.provider_type.split("@")[0], raw.properties)
    rtype, plans = _typed(source.format, source.provider_type, source.properties)
    prefix, key = node_key(raw, ref)
    attrs: dict[str, Any] = {
        "type": rtype.name if rtype else "other", "provider_type": raw.provider_type,
        "format": raw.format, "store": raw.format, "address": raw.address, "declared": raw.declared,
        "references": [{"attribute": r.attribute, "target": r.target, "by": r.by,
                        **({"target_type": r.target_type} if r.target_type else {})} for r in raw.references],
        "properties": _plain(raw.properties),
    }
    if raw.module:
        attrs["module"] = raw.module
    if raw.scope:
        attrs["scope"] = raw.scope
    if raw.api_version:
        attrs["api_version"] = raw.api_version
    unknown: dict[str, dict] = {}
    # "" (a template's placeholder) names nothing: messages fall back to the address
    _put(attrs, unknown, "name", None if raw.name == "" else raw.name, None)
    tags = lookup(raw.properties, "tags")
    if isinstance(tags, dict):
        attrs["tags"] = {str(k): (v if not isinstance(v, Unknown) else None) for k, v in tags.items()}
    if isinstance(raw.condition, Unknown):
        attrs["conditional"] = raw.condition.as_dict()
    if rtype:
        attrs.update(_facts(plans, _carried(raw, source), unknown, source.prefix))
    held, open_ = identity_facts(raw)             # any resource's `identity` block (issue 9)
    for fact, value in held.items():
        attrs.setdefault(fact, value)
    for fact, why in open_.items():
        unknown.setdefault(fact, why)
    if unknown:
        attrs["unknown"] = unknown
    kind = rtype.kind if rtype else "resource"
    nid = ctx.graph.add_node(kind, f"{prefix}:{key}", attrs, ctx.provenance(raw.format, ref.display if ref else
                                                                            raw.address, raw.line))
    if ref is not None:
        ctx.graph.add_edge(nid, ref.node, "defined_in")
    return nid


# Per (format, provider type): the type and, for each of its facts, where this source keeps
# it. The vocabulary is static, and an estate holds thousands of resources of a few types.
FactPlan = tuple[Any, str, tuple[str, ...], Callable, tuple]
_TYPED: dict[tuple[str, str, str | None], tuple[ResourceType | None, tuple[FactPlan, ...]]] = {}


def _typed(fmt: str, provider_type: str, properties: Any = None) -> tuple[ResourceType | None, tuple[FactPlan, ...]]:
    rtype = resource_type(fmt, provider_type, properties)     # a discriminator may read properties
    found = _TYPED.get((fmt, provider_type, rtype.name if rtype else None))
    if found is None:
        family, plans = family_of(fmt), []
        for fact in rtype.facts if rtype else ():
            path, convert, defaults = fact.for_source(family, provider_type)
            if path is not None:                  # else this source cannot say
                # "": the whole attribute set (checker/cloud/identity.py's conversions)
                paths = path if isinstance(path, tuple) else (path,)
                plans.append((fact, paths, tuple(tuple(p.split(".")) if p else () for p in paths),
                              convert, defaults))
        found = _TYPED[(fmt, provider_type, rtype.name if rtype else None)] = (rtype, tuple(plans))
    return found


def _carried(raw: RawResource, source: FactSource) -> RawResource:
    """The object a resource carries (a kubernetes_manifest's `manifest`) as the resource its
    facts are read from: its format, kind, properties, and the source expressions under it."""
    if not source.prefix:
        return raw
    cut = len(source.prefix)
    return dataclasses.replace(raw, format=source.format, provider_type=source.provider_type,
                               properties=source.properties, references=[],
                               expressions={k[cut:]: v for k, v in raw.expressions.items()
                                            if k.startswith(source.prefix)})


def _facts(plans: tuple[FactPlan, ...], raw: RawResource, unknown: dict, prefix: str = "") -> dict:
    if not prefix:
        return _read_facts(plans, raw, unknown)
    found: dict = {}
    out = _read_facts(plans, raw, found)
    for name, why in found.items():               # attribute paths as the resource writes them
        unknown[name] = {**why, "attribute": prefix + why["attribute"]} if "attribute" in why else why
    for why in out.get("fact_sources", {}).values():
        why["attribute"] = prefix + why["attribute"]
    return out


def _read_facts(plans: tuple[FactPlan, ...], raw: RawResource, unknown: dict) -> dict:
    out: dict[str, Any] = {}
    sources: dict[str, dict] = {}
    properties, expressions = raw.properties, raw.expressions
    for fact, paths, alternatives, convert, defaults in plans:
        if len(alternatives) == 1:                # most facts: one path
            path, value = paths[0], _lookup_parts(properties, alternatives[0])
        else:
            path, value = _first_present(properties, paths, alternatives)
        if value is ABSENT or value is None:
            if defaults:
                _put_default(fact.name, path, defaults, raw.api_version, out, sources, unknown)
            continue
        if isinstance(value, Unknown):
            if fact.id_reference and (_resource_id(raw, path, value) or _text_template(value.expression)):
                out[fact.name] = value.expression
                sources[fact.name] = {"attribute": path, "from": "set", "expression": value.expression}
                continue
            unknown[fact.name] = {**value.as_dict(), "attribute": path}
            continue
        normal = convert(value)
        if isinstance(normal, Unknown):            # a part of the value cannot be told
            unknown[fact.name] = {**normal.as_dict(), "attribute": path}
            continue
        if normal is UNRECOGNISED:
            unknown[fact.name] = {"expression": _short(value), "attribute": path,
                                  "reason": f"value {_short(value)!r} is not one this provider documents"}
            continue
        out[fact.name] = normal
        if not fact.quote:
            quoted = _short(normal)
        else:
            quoted = expressions[path] if path in expressions else _short(value)
        sources[fact.name] = {"attribute": path, "from": "set", "expression": quoted}
    if sources:
        out["fact_sources"] = sources
    return out


_KEY = re.compile(r"\[[^\]]*\]$")          # an instance key at the end of an address
_RESOURCE_ID = re.compile(r"[A-Za-z][\w-]*\.[A-Za-z_][\w-]*(\[[^\]]*\])?\.id")


def _resource_id(raw: RawResource, path: str, value: Unknown) -> bool:
    """A Terraform attribute that is another resource's id (`aws_subnet.main.id`, `…[0].id`):
    known only after apply, but never null. Not a data source's, a variable's or a module
    output's (those may be null), nor an expression that may choose another value."""
    if raw.format not in ("terraform", "azapi") or not _RESOURCE_ID.fullmatch(value.expression) \
            or value.expression.split(".", 1)[0] in ("data", "var", "local", "module", "each", "count"):
        return False
    address = value.expression.rsplit(".", 1)[0].split("[", 1)[0]
    return any(r.attribute == path and r.by == "address" and _KEY.sub("", r.target).endswith(address)
               for r in raw.references)


_INTERPOLATION = re.compile(r"\$\{[^{}]*\}")


def _text_template(expression: str) -> bool:
    """A string template with text of its own (Bicep `'${vnet.outputs.id}/subnets/${name}'`,
    Terraform `"${azurerm_virtual_network.v.id}/subnets/ml"`): whatever its parts, a string
    that is not empty, so an id set to it is set."""
    if len(expression) < 2 or expression[0] != expression[-1] or expression[0] not in "'\"" \
            or "${" not in expression:
        return False
    return bool(_INTERPOLATION.sub("", expression[1:-1]).strip())


def _put_default(name: str, path: str, defaults: tuple, api_version: str | None, out: dict, sources: dict,
                 unknown: dict) -> None:
    """An absent attribute: the provider default for this api-version, or unknown where the
    default depends on an api-version none of the defaults covers."""
    default = next((d for d in defaults if d.applies(api_version)), None)
    if default is None:
        unknown[name] = {"expression": f"{path} (absent)", "attribute": path,
                         "reason": f"absent, and the provider default depends on the "
                                   f"api-version ({api_version or 'not given'})"}
        return
    out[name] = default.value
    sources[name] = {"attribute": path, "from": "default", "default": default.source}


def _first_present(properties: Any, paths: tuple[str, ...], alternatives: tuple[tuple[str, ...], ...]
                   ) -> tuple[str, Any]:
    """(path, value) of the first of a fact's alternative paths this resource sets (one ARM
    type can keep a fact in several places: a compute instance and a cluster), else the
    first path with ABSENT."""
    for path, parts in zip(paths, alternatives):
        value = _lookup_parts(properties, parts)
        if value is not ABSENT and value is not None:
            return path, value
    return paths[0], ABSENT


def _put(attrs: dict, unknown: dict, field: str, value: Any, attribute: str | None) -> None:
    if isinstance(value, Unknown):
        unknown[field] = {**value.as_dict(), **({"attribute": attribute} if attribute else {})}
    elif value is not None:
        attrs[field] = value


def _short(value: Any) -> str:
    """A value as evidence quotes it: text as written, anything else as JSON (`false`, not
    Python's `False`)."""
    if value is True or value is False or value is None:          # most quoted facts: flags
        return _JSON_CONSTANTS[value]
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return text[:MAX_EXPRESSION]


_JSON_CONSTANTS = {True: "true", False: "false", None: "null"}


def _plain(value: Any, depth: int = 0) -> Any:
    """The properties as JSON: an Unknown becomes {"unknown": expression}; bounded depth."""
    if isinstance(value, Unknown):
        return {"unknown": value.expression[:MAX_EXPRESSION]}
    if depth > 30:
        return "…"
    kind = type(value)
    if kind in _JSON_SCALARS:
        return value
    if kind is dict or isinstance(value, dict):
        # scalars inline (most values): one call per container, not per value
        inline = depth < 30
        return {(k if type(k) is str else str(k)): (v if inline and type(v) in _JSON_SCALARS else
                                                      _plain(v, depth + 1)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in value]
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})
