"""Networks and private networking in the one vocabulary (issue 9).

Conversions the vocabulary uses for network facts — security rules into one normalised
list whatever the source, subnet service endpoints and delegations. The children a
network resource declares inline become resources of their own in checker/cloud/children.py.

A normalised security rule: {name, direction (inbound|outbound), access (allow|deny),
priority (int), protocol (tcp|udp|icmp|*|…), source and destination [prefixes, service tags,
`asg:<id>`], destination_ports [as written: "22", "1000-2000", "*"]} and, where a field cannot be told
(an Unknown value, a required field absent, a value the provider does not document),
`unknown: {field: {expression, reason}}` with the field None — never a guess.
"""
from __future__ import annotations

from typing import Any

from .model import UNRECOGNISED, Unknown

DIRECTIONS = {"inbound": "inbound", "outbound": "outbound"}
ACCESS = {"allow": "allow", "deny": "deny"}
# Fields ARM spells in one or the other form; the same in azurerm (snake_case).
ARM_RULE = {"source": ("sourceAddressPrefix", "sourceAddressPrefixes"),
            "destination": ("destinationAddressPrefix", "destinationAddressPrefixes"),
            "destination_ports": ("destinationPortRange", "destinationPortRanges")}
TF_RULE = {"source": ("source_address_prefix", "source_address_prefixes"),
           "destination": ("destination_address_prefix", "destination_address_prefixes"),
           "destination_ports": ("destination_port_range", "destination_port_ranges")}
# Application security groups beside the prefixes, as `asg:<id>`.
ASGS = {"terraform": ("source_application_security_group_ids", "destination_application_security_group_ids"),
        "arm": ("sourceApplicationSecurityGroups", "destinationApplicationSecurityGroups")}
MAX_RULES = 2000


def is_blank(value: Any) -> bool:
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
            "absent (the provider requires it)" if is_blank(value) else f"value {value!r} is not one the provider documents")}


def _listed(rule: dict, field: str, raw: dict, names: tuple[str, str], extra: list | None = None) -> None:
    """source / destination_ports from the singular and the plural attribute together."""
    values: list[str] = []
    for name in names:
        value = raw.get(name)
        if is_blank(value):
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
        rule["unknown"]["priority"] = {"expression": "(absent)" if is_blank(value) else repr(value)[:300],
                                       "attribute": attribute, "reason": "absent (the provider requires it)"
                                       if is_blank(value) else "not a number"}


def _rule(raw: dict, names: dict, asgs: tuple[str, str]) -> dict:
    rule: dict = {"name": None, "direction": None, "access": None, "priority": None, "protocol": None,
                  "source": None, "destination": None, "destination_ports": None, "unknown": {}}
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
    for field, groups_at in (("source", asgs[0]), ("destination", asgs[1])):
        groups = raw.get(groups_at)
        extra = [f"asg:{g.get('id') if isinstance(g, dict) else g}" for g in groups] if isinstance(groups, list) else []
        if isinstance(groups, Unknown):
            rule["unknown"][field] = {**groups.as_dict(), "attribute": groups_at}
        else:
            _listed(rule, field, raw, names[field], extra)
    _listed(rule, "destination_ports", raw, names["destination_ports"])
    if not rule["unknown"]:
        del rule["unknown"]
    return rule


# direction, access, priority and protocol are spelled alike in azurerm and ARM
SPELLED = {"direction": "direction", "access": "access", "priority": "priority", "protocol": "protocol"}


def _unknown_rule(value: Unknown) -> dict:
    return {"name": None, "direction": None, "access": None, "priority": None, "protocol": None,
            "source": None, "destination": None, "destination_ports": None,
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
            out.append(_rule(item, TF_RULE, ASGS["terraform"]))
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
        out.append(_rule(fields, ARM_RULE, ASGS["arm"]))
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
        if is_blank(properties.get(name)):
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


# Provider types of the children a network resource may declare inline.
TF_STANDALONE_RULE = "azurerm_network_security_rule"
TF_INLINE_SUBNET = "azurerm_virtual_network.subnet"
ARM_VNET = "microsoft.network/virtualnetworks"
ARM_STANDALONE_RULE = "microsoft.network/networksecuritygroups/securityrules"
ARM_ENVELOPE = ("id", "name", "type", "etag", "properties")
ARM_CHILDREN = (ARM_STANDALONE_RULE, "microsoft.network/virtualnetworks/subnets",
                "microsoft.network/privateendpoints/privatednszonegroups")
