"""Networks and private networking in the one vocabulary (issue 9).

Conversions the vocabulary uses for network facts — security rules into one normalised
list whatever the source, subnet service endpoints and delegations — and `expand`, which
the collectors' emit calls on every raw resource: the children a resource declares inline
(a virtual network's subnets) become resources of their own, as Azure itself models them
(`Microsoft.Network/virtualNetworks/subnets`), so that a compute or a private endpoint
naming a subnet links to the subnet; and a standalone security rule is read through the
same conversion as an NSG's inline rules.

A normalised security rule: {name, direction (inbound|outbound), access (allow|deny),
priority (int), protocol (tcp|udp|icmp|*|…), source [prefixes, service tags, `asg:<id>`],
destination_ports [as written: "22", "1000-2000", "*"]} and, where a field cannot be told
(an Unknown value, a required field absent, a value the provider does not document),
`unknown: {field: {expression, reason}}` with the field None — never a guess.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from .model import UNRECOGNISED, RawResource, Reference, Unknown

DIRECTIONS = {"inbound": "inbound", "outbound": "outbound"}
ACCESS = {"allow": "allow", "deny": "deny"}
# Fields ARM spells in one or the other form; the same in azurerm (snake_case).
ARM_RULE = {"source": ("sourceAddressPrefix", "sourceAddressPrefixes"),
            "destination_ports": ("destinationPortRange", "destinationPortRanges")}
TF_RULE = {"source": ("source_address_prefix", "source_address_prefixes"),
           "destination_ports": ("destination_port_range", "destination_port_ranges")}
MAX_RULES = 2000


def _blank(value: Any) -> bool:
    """Absent: missing, null, "" or [] (a plan writes every optional attribute, unset ones empty)."""
    return value is None or value == "" or value == []


def _strings(value: Any) -> list[str] | Unknown | None:
    """A prefix or port field (one value or a list) as a list of strings; None if not one."""
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, Unknown):
            return item
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            return None
        if str(item).strip():
            out.append(str(item).strip())
    return out


def _one_of(rule: dict, field: str, value: Any, expression: str, choices: dict) -> None:
    if isinstance(value, Unknown):
        rule["unknown"][field] = value.as_dict()
    elif isinstance(value, str) and value.strip().lower() in choices:
        rule[field] = choices[value.strip().lower()]
    else:
        rule["unknown"][field] = {"expression": expression, "reason": (
            "absent (the provider requires it)" if _blank(value) else f"value {value!r} is not one the provider documents")}


def _listed(rule: dict, field: str, raw: dict, names: tuple[str, str], extra: list | None = None) -> None:
    """source / destination_ports from the singular and the plural attribute together."""
    values: list[str] = []
    for name in names:
        value = raw.get(name)
        if _blank(value):
            continue
        got = _strings(value)
        if isinstance(got, Unknown):
            rule["unknown"][field] = {**got.as_dict(), "attribute": name}
            return
        if got is None:
            rule["unknown"][field] = {"expression": repr(value)[:300], "attribute": name,
                                      "reason": "neither text nor a list of text"}
            return
        values += got
    values += extra or []
    if not values:
        rule["unknown"][field] = {"expression": f"{names[0]} / {names[1]} (absent)",
                                  "reason": "absent (the provider requires one of them)"}
        return
    rule[field] = values


def _priority(rule: dict, value: Any, attribute: str) -> None:
    if isinstance(value, Unknown):
        rule["unknown"]["priority"] = {**value.as_dict(), "attribute": attribute}
    elif isinstance(value, int) and not isinstance(value, bool):
        rule["priority"] = value
    elif isinstance(value, str) and value.strip().isdigit():
        rule["priority"] = int(value.strip())
    else:
        rule["unknown"]["priority"] = {"expression": "(absent)" if _blank(value) else repr(value)[:300],
                                       "attribute": attribute, "reason": "absent (the provider requires it)"
                                       if _blank(value) else "not a number"}


def _rule(raw: dict, names: dict, asgs: str) -> dict:
    rule: dict = {"name": None, "direction": None, "access": None, "priority": None, "protocol": None,
                  "source": None, "destination_ports": None, "unknown": {}}
    name = raw.get("name")
    if isinstance(name, str):
        rule["name"] = name
    _one_of(rule, "direction", raw.get(SPELLED["direction"]), SPELLED["direction"], DIRECTIONS)
    _one_of(rule, "access", raw.get(SPELLED["access"]), SPELLED["access"], ACCESS)
    _priority(rule, raw.get(SPELLED["priority"]), SPELLED["priority"])
    protocol = raw.get(SPELLED["protocol"])
    if isinstance(protocol, str) and protocol.strip():
        rule["protocol"] = protocol.strip().lower()
    else:
        rule["unknown"]["protocol"] = ({**protocol.as_dict()} if isinstance(protocol, Unknown) else
                                       {"expression": "(absent)", "reason": "absent (the provider requires it)"})
    groups = raw.get(asgs)
    extra = [f"asg:{g.get('id') if isinstance(g, dict) else g}" for g in groups] if isinstance(groups, list) else []
    if isinstance(groups, Unknown):
        rule["unknown"]["source"] = {**groups.as_dict(), "attribute": asgs}
    else:
        _listed(rule, "source", raw, names["source"], extra)
    _listed(rule, "destination_ports", raw, names["destination_ports"])
    if not rule["unknown"]:
        del rule["unknown"]
    return rule


# direction, access, priority and protocol are spelled alike in azurerm and ARM
SPELLED = {"direction": "direction", "access": "access", "priority": "priority", "protocol": "protocol"}


def _unknown_rule(value: Unknown) -> dict:
    return {"name": None, "direction": None, "access": None, "priority": None, "protocol": None,
            "source": None, "destination_ports": None,
            "unknown": {"rule": value.as_dict()}}


def terraform_rules(value: Any) -> Any:
    """azurerm `security_rule` blocks (HCL or plan JSON) into normalised rules."""
    if not isinstance(value, list):
        return _unrecognised()
    out = []
    for item in value[:MAX_RULES]:
        if isinstance(item, Unknown):
            out.append(_unknown_rule(item))
        elif isinstance(item, dict):
            out.append(_rule(item, TF_RULE, "source_application_security_group_ids"))
        else:
            return _unrecognised()
    return out


def arm_rules(value: Any) -> Any:
    """ARM `securityRules` ({name, properties}) — or an `az network nsg show` export, whose
    rules are printed flat — into normalised rules."""
    if not isinstance(value, list):
        return _unrecognised()
    out = []
    for item in value[:MAX_RULES]:
        if isinstance(item, Unknown):
            out.append(_unknown_rule(item))
            continue
        if not isinstance(item, dict):
            return _unrecognised()
        props = item.get("properties")
        if isinstance(props, Unknown):
            out.append(_unknown_rule(props))
            continue
        fields = {**props, "name": item.get("name")} if isinstance(props, dict) else item
        out.append(_rule(fields, ARM_RULE, "sourceApplicationSecurityGroups"))
    return out


def terraform_delegations(value: Any) -> Any:
    """`delegation { service_delegation { name } }` blocks → the delegated services."""
    if not isinstance(value, list):
        return _unrecognised()
    out = []
    for block in value:
        inner = block.get("service_delegation") if isinstance(block, dict) else None
        inner = inner[0] if isinstance(inner, list) and len(inner) == 1 else inner
        service = inner.get("name") if isinstance(inner, dict) else None
        if not isinstance(service, str):
            return _unrecognised()
        out.append(service)
    return out


def arm_delegations(value: Any) -> Any:
    """ARM `delegations[].properties.serviceName` (flat `serviceName` in an az export)."""
    if not isinstance(value, list):
        return _unrecognised()
    out = []
    for item in value:
        props = item.get("properties", item) if isinstance(item, dict) else None
        service = props.get("serviceName") if isinstance(props, dict) else None
        if not isinstance(service, str):
            return _unrecognised()
        out.append(service)
    return out


def prefixes(value: Any) -> Any:
    """Address prefixes (a list, or one prefix as azurerm 3.x wrote it): an unresolved one
    leaves the whole list unknown."""
    got = _strings(value)
    return _unrecognised() if got is None else got


def arm_prefixes(properties: Any) -> Any:
    """An ARM subnet's `addressPrefix` and `addressPrefixes` (either may be written)."""
    if not isinstance(properties, dict):
        return _unrecognised()
    values: list[str] = []
    for name in ("addressPrefix", "addressPrefixes"):
        if _blank(properties.get(name)):
            continue
        got = _strings(properties[name])
        if got is None or isinstance(got, Unknown):
            return _unrecognised() if got is None else got
        values += got
    return values or None


def arm_service_endpoints(value: Any) -> Any:
    """ARM `serviceEndpoints[].service`."""
    if not isinstance(value, list):
        return _unrecognised()
    services = [item.get("service") if isinstance(item, dict) else None for item in value]
    return services if all(isinstance(s, str) for s in services) else _unrecognised()


def _unrecognised() -> Any:
    return UNRECOGNISED


# -- children declared inline, standalone rules ------------------------------------------

TF_STANDALONE_RULE = "azurerm_network_security_rule"
TF_INLINE_SUBNET = "azurerm_virtual_network.subnet"
ARM_VNET = "microsoft.network/virtualnetworks"
ARM_STANDALONE_RULE = "microsoft.network/networksecuritygroups/securityrules"
ARM_ENVELOPE = ("id", "name", "type", "etag", "properties")
ARM_CHILDREN = (ARM_STANDALONE_RULE, "microsoft.network/virtualnetworks/subnets",
                "microsoft.network/privateendpoints/privatednszonegroups")


def expand(raw: RawResource) -> list[RawResource]:
    """The resources declared inline in `raw` (a virtual network's subnets), each with the
    references its own attributes make; `raw` itself is prepared in place (a standalone
    security rule is also given as the one-rule list its facts are read from)."""
    ptype = raw.provider_type.split("@")[0].lower()
    if ptype in ARM_CHILDREN:
        _parent_by_name(raw, ptype)
    if not isinstance(raw.properties, dict):
        return []
    _subnet_ids(raw)
    if ptype == TF_STANDALONE_RULE:
        _standalone_terraform_rule(raw)
    elif ptype == ARM_STANDALONE_RULE:
        props = raw.properties.get("properties")
        if isinstance(props, dict):
            name = raw.name.rsplit("/", 1)[-1] if isinstance(raw.name, str) else None
            props.setdefault("securityRules", [{"name": name, "properties": dict(props)}])
    elif ptype == "azurerm_virtual_network":
        return _subnets(raw, raw.properties.get("subnet"), "subnet", TF_INLINE_SUBNET)
    elif ptype == ARM_VNET:
        props = raw.properties.get("properties")
        if isinstance(props, dict):
            return _subnets(raw, props.get("subnets"), "properties.subnets", "Microsoft.Network/virtualNetworks/subnets")
    return []


def _subnet_ids(raw: RawResource) -> None:
    """A subnet link holding a subnet's id (Bicep `'${vnet.id}/subnets/${name}'`) names the
    subnet, not only the network its expression refers to: a reference by id as well."""
    from .vocabulary import family_of, resource_type
    rtype = resource_type(raw.format, raw.provider_type.split("@")[0])
    for link in rtype.links if rtype else ():
        path = link.paths.get(family_of(raw.format))
        if link.role != "subnet" or not path:
            continue
        value: Any = raw.properties
        for part in path.split("."):
            value = value[int(part)] if isinstance(value, list) and part.isdigit() and int(part) < len(value) \
                else value.get(part) if isinstance(value, dict) else None
        if isinstance(value, str) and "/subnets/" in value.lower() and "/providers/" in value.lower() \
                and not any(r.attribute == path and r.by == "arm_id" for r in raw.references):
            raw.references.append(Reference(path, value.strip(), by="arm_id"))


def _parent_by_name(raw: RawResource, ptype: str) -> None:
    """A child declared at the top level by its full name (Bicep `name: '${pe.name}/default'`)
    names its parent: the parent's ARM id, as a nested ARM child would."""
    if any(r.attribute == "parent" for r in raw.references) or not raw.declared or not isinstance(raw.name, str):
        return
    names, types = raw.name.split("/"), raw.provider_type.split("@")[0].split("/")
    if len(names) != len(types) - 1 or len(names) < 2 or not all(names):
        return
    path = "".join(f"/{t}/{n}" for t, n in zip(types[1:-1], names[:-1]))
    raw.references.append(Reference("parent", f"/subscriptions/<subscriptionId>/resourceGroups/<resourceGroupName>"
                                              f"/providers/{types[0]}{path}", by="arm_id"))


def _standalone_terraform_rule(raw: RawResource) -> None:
    raw.properties.setdefault("security_rule", [{k: v for k, v in raw.properties.items() if k != "security_rule"}])
    nsg = raw.properties.get("network_security_group_name")
    if isinstance(nsg, str) and nsg and not any(r.attribute == "network_security_group_name" for r in raw.references):
        raw.references.append(Reference("network_security_group_name", nsg, by="name",
                                        target_type="azurerm_network_security_group"))


def _subnets(raw: RawResource, items: Any, path: str, child_type: str) -> list[RawResource]:
    if not isinstance(items, list):
        return []
    out = []
    indexed = path.startswith("properties.")        # ARM paths index list items; HCL block paths do not
    for i, item in enumerate(items[:MAX_RULES]):
        if not isinstance(item, dict):
            continue
        name = item.get("name")
        prefix = f"{path}.{i}." if indexed else f"{path}."
        if indexed:
            props = item.get("properties") if isinstance(item.get("properties"), dict) else \
                {k: v for k, v in item.items() if k not in ARM_ENVELOPE}
            properties: dict = {"properties": props}
            strip = f"{path}.{i}."
        else:
            properties = dict(item)
            if _blank(properties.get("address_prefixes")) and not _blank(properties.get("address_prefix")):
                properties["address_prefixes"] = [properties["address_prefix"]]     # azurerm 3.x spelling
            strip = prefix
        # an HCL block path names every inline subnet alike: a reference is the child's only
        # when the vnet has one subnet block, else it stays with the vnet
        own = [r for r in raw.references if r.attribute.startswith(prefix)
               and (indexed or len(items) == 1 or _names(item, r.attribute[len(prefix):], r.target, raw.module))]
        refs = [dataclasses.replace(r, attribute=r.attribute[len(strip):]) for r in own]
        raw.references = [r for r in raw.references if r not in own]
        # ARM names a child `network/subnet`; azurerm names a subnet alone
        child_name: Any = ((f"{raw.name}/{name}" if indexed else name)
                           if isinstance(raw.name, str) and isinstance(name, str)
                           else Unknown(f"{raw.name!r}/{name!r}", "the subnet's or its network's name is unknown"))
        address = (item["id"] if not raw.declared and isinstance(item.get("id"), str)
                   else f"{raw.address}/subnets/{name if isinstance(name, str) else i}")
        expressions = {k[len(strip):]: v for k, v in raw.expressions.items() if k.startswith(strip)}
        child = RawResource(raw.format, child_type, address, properties, name=child_name,
                            api_version=raw.api_version, line=raw.line, declared=raw.declared,
                            references=refs + [Reference("parent", _full_address(raw), by="address"
                                                         if raw.declared else "arm_id")],
                            expressions=expressions, module=raw.module, scope=raw.scope, condition=raw.condition)
        out.append(_id_links(child))
    return out


def _names(item: dict, attribute: str, target: str, module: str) -> bool:
    """Whether a block's attribute is the expression that names `target` (an HCL reference
    is recorded per block type, not per block)."""
    value = item.get(attribute.split(".")[0])
    local = target[len(module) + 1:] if module and target.startswith(module + ".") else target
    written = value.expression if isinstance(value, Unknown) else value
    return isinstance(written, str) and (written == local or written.startswith(local + "."))


def _full_address(raw: RawResource) -> str:
    return f"{raw.module}.{raw.address}" if raw.module else raw.address


def _id_links(raw: RawResource) -> RawResource:
    """A link attribute holding an ARM id (an export, a literal id) as a reference by id."""
    from .vocabulary import family_of, resource_type
    rtype = resource_type(raw.format, raw.provider_type)
    referenced = {r.attribute for r in raw.references}
    for link in rtype.links if rtype else ():
        path = link.paths.get(family_of(raw.format))
        if not path or path in referenced or path == "parent":
            continue
        value: Any = raw.properties
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, str) and "/providers/" in value.lower():
            raw.references.append(Reference(path, value.strip(), by="arm_id"))
    return raw
