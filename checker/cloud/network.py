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


# -- Azure Firewall rules --------------------------------------------------------------------
# A normalised firewall rule: {group_priority, collection, collection_priority, kind
# (application|network), name, action (allow|deny), sources [prefixes, `ipgroup:<id>`],
# destinations [addresses, FQDNs, URLs, service tags, `fqdntag:`, `ipgroup:`, `webcategory:`],
# protocols [tcp, udp, any, icmp; http:80, https:443 for application rules], ports, internet
# (whether a destination is the whole internet: `*`, `0.0.0.0/0`, `Internet`; None when a
# destination cannot be told)} and `unknown` as for security rules. azurerm (classic
# collections, policy rule collection groups) and ARM (azureFirewalls' collections,
# firewallPolicies/ruleCollectionGroups) are read through one table of spellings.

INTERNET = frozenset({"*", "0.0.0.0/0", "::/0", "internet", "any"})
FW_SOURCES = (("source_addresses", ""), ("sourceAddresses", ""), ("source_ip_groups", "ipgroup:"),
              ("sourceIpGroups", "ipgroup:"))
FW_DESTINATIONS = (("destination_addresses", ""), ("destinationAddresses", ""), ("target_fqdns", ""),
                   ("targetFqdns", ""), ("destination_fqdns", ""), ("destinationFqdns", ""),
                   ("destination_urls", ""), ("targetUrls", ""), ("fqdn_tags", "fqdntag:"),
                   ("destination_fqdn_tags", "fqdntag:"), ("fqdnTags", "fqdntag:"),
                   ("destination_ip_groups", "ipgroup:"), ("destinationIpGroups", "ipgroup:"),
                   ("web_categories", "webcategory:"), ("webCategories", "webcategory:"))
FW_PORTS = ("destination_ports", "destinationPorts")
FW_IP_PROTOCOLS = ("protocols", "ipProtocols")        # network rules: a list of names
FW_APP_PROTOCOLS = ("protocol", "protocols")          # application rules: blocks {type|protocolType, port}
COLLECTION_KINDS = {"application": "application", "network": "network"}
ARM_COLLECTIONS = {"applicationRuleCollections": "application", "networkRuleCollections": "network"}
ARM_RULE_TYPES = {"applicationrule": "application", "networkrule": "network"}


def _gather(rule: dict, field: str, raw: dict, spellings: tuple) -> None:
    """Every attribute of `spellings` present in `raw`, into one list (prefixed)."""
    values: list[str] = []
    for name, prefix in spellings:
        value = raw.get(name)
        if is_blank(value):
            continue
        got = _strings(value)
        if isinstance(got, Unknown) or got is None:
            rule["unknown"][field] = ({**got.as_dict(), "attribute": name} if got is not None else
                                      {"expression": repr(value)[:300], "attribute": name,
                                       "reason": "neither text nor a list of text"})
            return
        values += [prefix + v for v in got]
    rule[field] = values


def _app_protocols(rule: dict, raw: dict) -> None:
    """Application rules' `protocol`/`protocols` blocks ({type|protocolType, port}) → "https:443"."""
    blocks = next((raw[n] for n in FW_APP_PROTOCOLS if not is_blank(raw.get(n))), [])
    blocks = [blocks] if isinstance(blocks, dict) else blocks
    if isinstance(blocks, Unknown) or not isinstance(blocks, list):
        rule["unknown"]["protocols"] = (blocks.as_dict() if isinstance(blocks, Unknown) else
                                        {"expression": repr(blocks)[:300], "reason": "not a list of protocol blocks"})
        return
    protocols, ports = [], []
    for block in blocks:
        kind = block.get("type", block.get("protocolType")) if isinstance(block, dict) else None
        port = block.get("port") if isinstance(block, dict) else None
        if isinstance(kind, Unknown) or isinstance(port, Unknown):
            rule["unknown"]["protocols"] = (kind if isinstance(kind, Unknown) else port).as_dict()
            return
        if not isinstance(kind, str):
            rule["unknown"]["protocols"] = {"expression": repr(block)[:300], "reason": "a protocol block without a type"}
            return
        protocols.append(f"{kind.strip().lower()}:{port}" if port is not None else kind.strip().lower())
        if port is not None:
            ports.append(str(port))
    rule["protocols"], rule["ports"] = protocols, ports


def _fw_rule(raw: dict, kind: str, collection: dict) -> dict:
    rule: dict = {**collection, "kind": kind, "name": None, "sources": None, "destinations": None,
                  "protocols": None, "ports": None, "internet": None, "unknown": dict(collection.get("unknown", {}))}
    if isinstance(raw.get("name"), str):
        rule["name"] = raw["name"]
    _gather(rule, "sources", raw, FW_SOURCES)
    _gather(rule, "destinations", raw, FW_DESTINATIONS)
    if kind == "network":
        _gather(rule, "protocols", raw, tuple((n, "") for n in FW_IP_PROTOCOLS))
        if isinstance(rule["protocols"], list):
            rule["protocols"] = [p.lower() for p in rule["protocols"]]
        _gather(rule, "ports", raw, tuple((n, "") for n in FW_PORTS))
    else:
        _app_protocols(rule, raw)
    if isinstance(rule["destinations"], list):
        rule["internet"] = any(d.lower() in INTERNET for d in rule["destinations"])
    if not rule["unknown"]:
        del rule["unknown"]
    return rule


def _collection(name: Any, priority: Any, action: Any, group_priority: Any) -> dict:
    head: dict = {"group_priority": None, "collection": name if isinstance(name, str) else None,
                  "collection_priority": None, "action": None, "unknown": {}}
    action = action.get("type") if isinstance(action, dict) else action     # ARM: {type: Allow}
    _one_of(head, "action", action, "action", ACCESS)
    for field, value in (("collection_priority", priority), ("group_priority", group_priority)):
        probe: dict = {"unknown": {}}
        _priority(probe, value, field)
        head[field] = probe.get("priority")
        if probe["unknown"]:
            head["unknown"][field] = probe["unknown"]["priority"]
    if not head["unknown"]:
        del head["unknown"]
    return head


def _rules_of(collection: dict, kind: str, rules: Any, head: dict, out: list) -> Any:
    if isinstance(rules, Unknown):
        out.append({**head, "kind": kind, "name": None, "sources": None, "destinations": None, "protocols": None,
                    "ports": None, "internet": None, "unknown": {**head.get("unknown", {}), "rule": rules.as_dict()}})
        return out
    if is_blank(rules):
        return out
    if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
        return UNRECOGNISED
    for rule in rules[:MAX_RULES]:
        out.append(_fw_rule(rule, kind, head))
    return out


def terraform_firewall_rules(value: Any) -> Any:
    """The `rule_collections` children.expand gathers from an azurerm classic collection
    (azurerm_firewall_application/network_rule_collection) or a policy rule collection
    group (application_rule_collection / network_rule_collection blocks)."""
    if not isinstance(value, list):
        return _unrecognised()
    out: list = []
    for collection in value:
        if isinstance(collection, Unknown):
            return collection
        if not isinstance(collection, dict) or collection.get("kind") not in COLLECTION_KINDS:
            return _unrecognised()
        head = _collection(collection.get("name"), collection.get("priority"), collection.get("action"),
                           collection.get("group_priority", 0))
        if _rules_of(collection, collection["kind"], collection.get("rule"), head, out) is UNRECOGNISED:
            return _unrecognised()
    return out


def arm_firewall_rules(properties: Any) -> Any:
    """An ARM azureFirewalls' classic `applicationRuleCollections` / `networkRuleCollections`
    ({name, properties: {priority, action: {type}, rules}}; flat in an az export)."""
    if not isinstance(properties, dict):
        return _unrecognised()
    out: list = []
    for key, kind in ARM_COLLECTIONS.items():
        collections = properties.get(key)
        if is_blank(collections):
            continue
        if isinstance(collections, Unknown):
            return collections
        if not isinstance(collections, list):
            return _unrecognised()
        for item in collections:
            props = item.get("properties", item) if isinstance(item, dict) else None
            if not isinstance(props, dict):
                return _unrecognised()
            head = _collection(item.get("name"), props.get("priority"), props.get("action"), 0)
            if _rules_of(props, kind, props.get("rules"), head, out) is UNRECOGNISED:
                return _unrecognised()
    return out


def arm_policy_rules(properties: Any) -> Any:
    """An ARM firewallPolicies/ruleCollectionGroups' `priority` and `ruleCollections[]`
    ({ruleCollectionType, name, priority, action: {type}, rules: [{ruleType, …}]}). NAT
    collections translate inbound traffic: not egress, left out."""
    if not isinstance(properties, dict):
        return _unrecognised()
    collections = properties.get("ruleCollections")
    if is_blank(collections):
        return []
    if isinstance(collections, Unknown):
        return collections
    if not isinstance(collections, list):
        return _unrecognised()
    out: list = []
    for item in collections:
        if not isinstance(item, dict):
            return _unrecognised()
        if "nat" in str(item.get("ruleCollectionType", "")).lower():
            continue
        head = _collection(item.get("name"), item.get("priority"), item.get("action"), properties.get("priority"))
        rules = item.get("rules")
        if isinstance(rules, list):
            for rule in rules[:MAX_RULES]:
                kind = ARM_RULE_TYPES.get(str(rule.get("ruleType", "")).lower()) if isinstance(rule, dict) else None
                if kind is None:
                    return _unrecognised()
                out.append(_fw_rule(rule, kind, head))
        elif _rules_of(item, "network", rules, head, out) is UNRECOGNISED:
            return _unrecognised()
    return out


# -- routes ---------------------------------------------------------------------------------
# A normalised route: {name, address_prefix, next_hop_type (virtualappliance|internet|
# virtualnetworkgateway|vnetlocal|none), next_hop_ip, next_hop_resource (the address of the
# resource the next-hop IP is taken from, where the source says: checker/cloud/children.py)}.

NEXT_HOPS = {t.lower(): t.lower() for t in ("VirtualAppliance", "Internet", "VirtualNetworkGateway", "VnetLocal",
                                            "None", "HyperNetGateway")}
ROUTE_FIELDS = {"address_prefix": ("address_prefix", "addressPrefix"),
                "next_hop_type": ("next_hop_type", "nextHopType"),
                "next_hop_ip": ("next_hop_in_ip_address", "nextHopIpAddress")}


def _route(raw: dict) -> dict:
    props = raw.get("properties") if isinstance(raw.get("properties"), dict) else raw
    route: dict = {"name": raw.get("name") if isinstance(raw.get("name"), str) else None,
                   "address_prefix": None, "next_hop_type": None, "next_hop_ip": None, "unknown": {}}
    for field, names in ROUTE_FIELDS.items():
        name = next((n for n in names if n in props), names[0])
        value = props.get(name)
        if field == "next_hop_type":
            _one_of(route, field, value, name, NEXT_HOPS)
        elif isinstance(value, Unknown):
            route["unknown"][field] = {**value.as_dict(), "attribute": name}
        elif isinstance(value, str) and value.strip():
            route[field] = value.strip()
        elif not (field == "next_hop_ip" and is_blank(value)):         # only an appliance has one
            route["unknown"][field] = {"expression": "(absent)" if is_blank(value) else repr(value)[:300],
                                       "attribute": name, "reason": "absent (the provider requires it)"
                                       if is_blank(value) else "not text"}
    if isinstance(raw.get("next_hop_resource"), str):
        route["next_hop_resource"] = raw["next_hop_resource"]
    if not route["unknown"]:
        del route["unknown"]
    return route


def routes(value: Any) -> Any:
    """azurerm `route` blocks (HCL, plan JSON), ARM `routes[]` ({name, properties}; flat in an
    az export) into normalised routes; a map or anything else in their place is unrecognised."""
    if not isinstance(value, list):
        return _unrecognised()
    out = []
    for item in value[:MAX_RULES]:
        if isinstance(item, Unknown):
            out.append({"name": None, "address_prefix": None, "next_hop_type": None, "next_hop_ip": None,
                        "unknown": {"route": item.as_dict()}})
        elif isinstance(item, dict):
            out.append(_route(item))
        else:
            return _unrecognised()
    return out


def _unrecognised() -> Any:
    return UNRECOGNISED


# Provider types of the children a network resource may declare inline.
TF_STANDALONE_RULE = "azurerm_network_security_rule"
TF_INLINE_SUBNET = "azurerm_virtual_network.subnet"
ARM_VNET = "microsoft.network/virtualnetworks"
ARM_STANDALONE_RULE = "microsoft.network/networksecuritygroups/securityrules"
ARM_ENVELOPE = ("id", "name", "type", "etag", "properties")
TF_ROUTE_TABLE, TF_ROUTE = "azurerm_route_table", "azurerm_route"
ARM_ROUTE_TABLE, ARM_ROUTE = "microsoft.network/routetables", "microsoft.network/routetables/routes"
TF_CLASSIC_COLLECTIONS = {"azurerm_firewall_application_rule_collection": "application",
                          "azurerm_firewall_network_rule_collection": "network"}
TF_POLICY_GROUP = "azurerm_firewall_policy_rule_collection_group"
TF_POLICY_COLLECTIONS = {"application_rule_collection": "application", "network_rule_collection": "network"}
ARM_POLICY_GROUP = "microsoft.network/firewallpolicies/rulecollectiongroups"
ARM_CHILDREN = (ARM_STANDALONE_RULE, "microsoft.network/virtualnetworks/subnets",
                "microsoft.network/privateendpoints/privatednszonegroups", ARM_ROUTE, ARM_POLICY_GROUP)
