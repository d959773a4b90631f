"""Children a resource declares inline, as resources of their own (issue 9).

`expand`, which the collectors' emit calls on every raw resource: the children a resource
declares inline (a virtual network's subnets) become resources of their own, as Azure
itself models them (`Microsoft.Network/virtualNetworks/subnets`), so that a compute or a
private endpoint naming a subnet links to the subnet; and a standalone security rule is
read through the same conversion as an NSG's inline rules (checker/cloud/network.py).
"""
from __future__ import annotations

import dataclasses
from typing import Any

from .identity import identity_references
from .model import RawResource, Reference, Unknown
from .network import (ARM_CHILDREN, ARM_ENVELOPE, ARM_ROUTE, ARM_ROUTE_TABLE, ARM_STANDALONE_RULE, ARM_VNET,
                      MAX_RULES, TF_CLASSIC_COLLECTIONS, TF_INLINE_SUBNET, TF_POLICY_COLLECTIONS, TF_POLICY_GROUP,
                      TF_ROUTE, TF_ROUTE_TABLE, TF_STANDALONE_RULE, is_blank)
from .vocabulary import family_of, resource_type


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
    identity_references(raw)
    if not raw.declared and ptype in FLAT_LISTS:
        for path in FLAT_LISTS[ptype]:
            _nest(raw.properties.get("properties"), path.split("."))
    rtype = resource_type(raw.format, raw.provider_type.split("@")[0])
    if rtype is not None and rtype.name in ID_LINKED:
        _id_links(raw)
    if ptype == TF_STANDALONE_RULE:
        _standalone_terraform_rule(raw)
    elif ptype == ARM_STANDALONE_RULE:
        props = raw.properties.get("properties")
        if isinstance(props, dict):
            name = raw.name.rsplit("/", 1)[-1] if isinstance(raw.name, str) else None
            props.setdefault("securityRules", [{"name": name, "properties": dict(props)}])
    elif ptype in TF_CLASSIC_COLLECTIONS:
        _classic_collection(raw, TF_CLASSIC_COLLECTIONS[ptype])
    elif ptype == TF_POLICY_GROUP:
        _policy_group(raw)
    elif ptype in (TF_ROUTE_TABLE, TF_ROUTE, ARM_ROUTE_TABLE, ARM_ROUTE):
        _routes(raw, ptype)
    elif ptype == "azurerm_virtual_network":
        return _subnets(raw, raw.properties.get("subnet"), "subnet", TF_INLINE_SUBNET)
    elif ptype == ARM_VNET:
        props = raw.properties.get("properties")
        if isinstance(props, dict):
            return _subnets(raw, props.get("subnets"), "properties.subnets", "Microsoft.Network/virtualNetworks/subnets")
    return []


# Types whose links may hold a literal ARM id in a template (an elastic pool's scale set, a
# NIC's subnet): a reference by id, as an export's would be.
ID_LINKED = frozenset({"firewall", "firewall_policy", "firewall_rule_collection", "route_table", "route",
                       "subnet_route_table_association", "network_interface", "nic_nsg_association",
                       "virtual_machine", "vm_scale_set", "devops_elastic_pool", "managed_devops_pool",
                       "github_network_settings"})


# Lists an `az … show` export prints flat ({name, subnet, …}) where a template nests each
# item's settings under `properties`: nested here, so one ARM path reads both.
FLAT_LISTS = {
    "microsoft.network/azurefirewalls": ("ipConfigurations",),
    "microsoft.network/networkinterfaces": ("ipConfigurations",),
    "microsoft.compute/virtualmachinescalesets": (
        "virtualMachineProfile.networkProfile.networkInterfaceConfigurations",
        "virtualMachineProfile.networkProfile.networkInterfaceConfigurations.*.properties.ipConfigurations"),
}


def _nest(container: Any, path: list[str]) -> None:
    for i, part in enumerate(path):
        if part == "*":
            for item in container if isinstance(container, list) else ():
                _nest(item, path[i + 1:])
            return
        if not isinstance(container, dict):
            return
        if i == len(path) - 1:
            items = container.get(part)
            if isinstance(items, list):
                container[part] = [item if not isinstance(item, dict) or "properties" in item else
                                   {**{k: item[k] for k in ARM_ENVELOPE if k in item},
                                    "properties": {k: v for k, v in item.items() if k not in ARM_ENVELOPE}}
                                   for item in items]
            return
        container = container.get(part)


def _at(value: Any, path: str) -> Any:
    """The value at a dotted path: a digit indexes a list, a one-item list (an HCL block) is
    stepped through."""
    for part in path.split("."):
        if isinstance(value, list):
            if part.isdigit():
                value = value[int(part)] if int(part) < len(value) else None
                continue
            value = value[0] if len(value) == 1 else None
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _subnet_ids(raw: RawResource) -> None:
    """A subnet link holding a subnet's id (Bicep `'${vnet.id}/subnets/${name}'`) names the
    subnet, not only the network its expression refers to: a reference by id as well."""
    rtype = resource_type(raw.format, raw.provider_type.split("@")[0])
    for link in rtype.links if rtype else ():
        path = link.paths.get(family_of(raw.format))
        if link.role != "subnet" or not path:
            continue
        value = _at(raw.properties, path)
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


def _by_name(raw: RawResource, attribute: str, target_type: str) -> None:
    """A link written as the target's literal name (azurerm's `route_table_name`)."""
    value = raw.properties.get(attribute)
    if isinstance(value, str) and value and not any(r.attribute == attribute for r in raw.references):
        raw.references.append(Reference(attribute, value, by="name", target_type=target_type))


def _classic_collection(raw: RawResource, kind: str) -> None:
    """An azurerm classic firewall rule collection: its rules with the collection's name,
    priority and action, as the list the firewall rule conversion reads; its firewall by name."""
    props = raw.properties
    props.setdefault("rule_collections", [{"kind": kind, "name": props.get("name"), "priority": props.get("priority"),
                                           "action": props.get("action"), "rule": props.get("rule")}])
    _by_name(raw, "azure_firewall_name", "azurerm_firewall")


def _policy_group(raw: RawResource) -> None:
    """An azurerm policy rule collection group's application and network collection blocks,
    each with the group's priority (NAT collections translate inbound traffic: left out)."""
    props, gathered = raw.properties, []
    for block, kind in TF_POLICY_COLLECTIONS.items():
        items = props.get(block)
        if isinstance(items, Unknown):
            gathered.append(items)
        elif isinstance(items, list):
            gathered += [{**item, "kind": kind, "group_priority": props.get("priority")} if isinstance(item, dict)
                         else item for item in items]
        elif not is_blank(items):
            gathered.append(items)              # a map or text: the conversion leaves it unrecognised
    props.setdefault("rule_collections", gathered)


def _routes(raw: RawResource, ptype: str) -> None:
    """Routes name the resource their next-hop IP is taken from (a firewall's private IP,
    written as a reference): `next_hop_resource` on the route, from the reference its own
    attribute makes. A standalone route is also given as the one-route list of its table."""
    props = raw.properties
    if ptype == TF_ROUTE:
        props.setdefault("route", [{k: v for k, v in props.items() if k != "route"}])
        _by_name(raw, "route_table_name", TF_ROUTE_TABLE)
        items, at = props["route"], ("next_hop_in_ip_address", "next_hop_in_ip_address")
    elif ptype == TF_ROUTE_TABLE:
        items, at = props.get("route"), ("route.next_hop_in_ip_address", "next_hop_in_ip_address")
    else:
        inner = props.get("properties")
        if not isinstance(inner, dict):
            return
        if ptype == ARM_ROUTE:
            name = raw.name.rsplit("/", 1)[-1] if isinstance(raw.name, str) else None
            inner.setdefault("routes", [{"name": name, "properties": dict(inner)}])
            items, at = inner["routes"], ("properties.nextHopIpAddress", "")
        else:
            items, at = inner.get("routes"), ("properties.routes.{i}.properties.nextHopIpAddress", "")
    if not isinstance(items, list):
        return
    for i, item in enumerate(items[:MAX_RULES]):
        if not isinstance(item, dict):
            continue
        attribute = at[0].format(i=i)
        for ref in raw.references:
            if ref.attribute != attribute or ref.by != "address":
                continue
            if at[1] and len(items) > 1 and not _names(item, at[1], ref.target, raw.module):
                continue                            # an HCL block path names every route block alike
            item.setdefault("next_hop_resource", ref.target)


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
            if is_blank(properties.get("address_prefixes")) and not is_blank(properties.get("address_prefix")):
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
    rtype = resource_type(raw.format, raw.provider_type)
    referenced = {r.attribute for r in raw.references}
    for link in rtype.links if rtype else ():
        path = link.paths.get(family_of(raw.format))
        if not path or path in referenced or path == "parent":
            continue
        value = _at(raw.properties, path)
        if isinstance(value, str) and "/providers/" in value.lower():
            raw.references.append(Reference(path, value.strip(), by="arm_id"))
    return raw
