"""Egress definitions: firewall rules, routes and what sits in subnets, in Terraform, ARM,
Bicep and `az` exports — rules and routes written as maps or text, next hops and rule lists
from expressions, ports and service tags mixed, dynamic blocks, collections with no rules,
10k rules in one collection, truncated and mis-encoded files: a reading, an unknown
(`routes` / `firewall_rules` in the node's unknown), or one collection error with file and
line; never a crash or a hang."""
from __future__ import annotations

import json

from . import mutate as m
from .cases import EITHER, NONE, ONE, Case, Expect, files, rng_for

TF_NODE = "resource:terraform:{p}/main.tf#"
ARM_NODE = "resource:arm:{p}/azuredeploy.json#"

GOOD_TF = '''resource "azurerm_route_table" "rt" {
  name                = "rt"
  location            = "westeurope"
  resource_group_name = "rg"

  route {
    name                   = "default"
    address_prefix         = "0.0.0.0/0"
    next_hop_type          = "VirtualAppliance"
    next_hop_in_ip_address = azurerm_firewall.fw.ip_configuration[0].private_ip_address
  }
}

resource "azurerm_firewall" "fw" {
  name                = "fw"
  location            = "westeurope"
  resource_group_name = "rg"
  sku_name            = "AZFW_VNet"
  sku_tier            = "Standard"
}

resource "azurerm_firewall_network_rule_collection" "c" {
  name                = "c"
  azure_firewall_name = "fw"
  resource_group_name = "rg"
  priority            = 100
  action              = "Allow"

  rule {
    name                  = "r"
    source_addresses      = ["*"]
    destination_ports     = ["*", "1000-2000", "53"]
    destination_addresses = ["0.0.0.0/0", "AzureCloud"]
    protocols             = ["TCP", "UDP"]
  }
}
'''


def _arm(resources: list) -> str:
    return json.dumps({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                       "contentVersion": "1.0.0.0", "parameters": {"p": {"type": "string"}},
                       "resources": resources}, indent=2)


ROUTE_TABLE = {"type": "Microsoft.Network/routeTables", "apiVersion": "2023-09-01", "name": "rt",
               "location": "westeurope", "properties": {"routes": [
                   {"name": "d", "properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "Internet"}}]}}
FIREWALL = {"type": "Microsoft.Network/azureFirewalls", "apiVersion": "2023-09-01", "name": "fw",
            "location": "westeurope", "properties": {"applicationRuleCollections": [
                {"name": "web", "properties": {"priority": 100, "action": {"type": "Allow"}, "rules": [
                    {"name": "all", "sourceAddresses": ["*"], "targetFqdns": ["*"],
                     "protocols": [{"protocolType": "Https", "port": 443}]}]}}]}}
GROUP = {"type": "Microsoft.Network/firewallPolicies/ruleCollectionGroups", "apiVersion": "2023-09-01",
         "name": "pol/g", "properties": {"priority": 100, "ruleCollections": [
             {"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "c", "priority": 100,
              "action": {"type": "Allow"}, "rules": [{"ruleType": "NetworkRule", "name": "n", "ipProtocols": ["Any"],
                                                      "sourceAddresses": ["*"], "destinationAddresses": ["*"],
                                                      "destinationPorts": ["*"]}]}]}}


def _tf(name: str, text: str | bytes, expect: Expect) -> Case:
    return Case(f"network/tf-{name}", files({"main.tf": text}), expect, target="main.tf")


def _arm_case(name: str, text: str | bytes, expect: Expect) -> Case:
    return Case(f"network/arm-{name}", files({"azuredeploy.json": text}), expect, target="azuredeploy.json")


def _with(resource: dict, **props) -> dict:
    return {**resource, "properties": {**resource["properties"], **props}}


def cases(seed: int) -> list[Case]:
    rng = rng_for(seed, "network")
    out = []
    for i, at in enumerate(m.truncation_points(GOOD_TF.encode(), rng, 2)):
        out.append(_tf(f"truncated-{i}", GOOD_TF[:at], Expect(EITHER)))
    many_rules = "".join(f'''
  rule {{
    name                  = "r{i}"
    source_addresses      = ["10.{i % 250}.0.0/16"]
    destination_ports     = ["{i % 65000}"]
    destination_addresses = ["*"]
    protocols             = ["TCP"]
  }}
''' for i in range(10_000))
    out += [
        _tf("good", GOOD_TF, Expect(NONE, nodes=(TF_NODE + "azurerm_route_table.rt has routes",
                                                 TF_NODE + "azurerm_firewall_network_rule_collection.c has firewall_rules"))),
        _tf("route-as-map", GOOD_TF.replace("  route {", "  route = {"),
            Expect(EITHER, nodes=(TF_NODE + "azurerm_route_table.rt has unknown",))),
        _tf("route-as-list", GOOD_TF.replace("  route {", "  route = [{").replace(
            "private_ip_address\n  }", "private_ip_address\n  }]"),
            Expect(EITHER, nodes=(TF_NODE + "azurerm_route_table.rt",))),
        _tf("routes-from-a-variable", 'variable "routes" {}\nresource "azurerm_route_table" "rt" {\n'
                                      '  name = "rt"\n  route = var.routes\n}\n',
            Expect(NONE, nodes=(TF_NODE + "azurerm_route_table.rt has unknown",))),
        _tf("dynamic-routes", 'resource "azurerm_route_table" "rt" {\n  name = "rt"\n'
                              '  dynamic "route" {\n    for_each = var.routes\n    content {\n'
                              '      name = route.key\n      address_prefix = route.value\n'
                              '      next_hop_type = "Internet"\n    }\n  }\n}\n',
            Expect(NONE, nodes=(TF_NODE + "azurerm_route_table.rt",))),
        _tf("next-hop-expression", GOOD_TF.replace(
            "azurerm_firewall.fw.ip_configuration[0].private_ip_address",
            'cidrhost(var.hub_prefix, 4) == "" ? null : lookup(var.ips, "fw")'),
            Expect(NONE, nodes=(TF_NODE + "azurerm_route_table.rt has routes",))),
        _tf("ports-and-tags-mixed", GOOD_TF.replace('["*", "1000-2000", "53"]', '["*", 1000, "2000-1000", "x", true]'),
            Expect(NONE, nodes=(TF_NODE + "azurerm_firewall_network_rule_collection.c",))),
        _tf("rule-as-text", GOOD_TF.replace("  rule {", '  rule = "everything"\n  ignored {'),
            Expect(EITHER, nodes=(TF_NODE + "azurerm_firewall_network_rule_collection.c has unknown",))),
        _tf("collection-without-rules", GOOD_TF.split("  rule {")[0] + "}\n",
            Expect(NONE, nodes=(TF_NODE + "azurerm_firewall_network_rule_collection.c has firewall_rules",))),
        _tf("ten-thousand-rules", lambda: GOOD_TF.split("  rule {")[0] + many_rules + "}\n",
            Expect(NONE, nodes=(TF_NODE + "azurerm_firewall_network_rule_collection.c has firewall_rules",))),
        _tf("invalid-utf8", GOOD_TF.encode().replace(b"rg", m.INVALID_UTF8, 1), Expect(ONE)),
        _arm_case("good", _arm([ROUTE_TABLE, FIREWALL, GROUP]),
                  Expect(NONE, nodes=(ARM_NODE + "Microsoft.Network/routeTables/rt has routes",
                                      ARM_NODE + "Microsoft.Network/azureFirewalls/fw has firewall_rules"))),
        _arm_case("routes-as-object", _arm([_with(ROUTE_TABLE, routes={"d": {"addressPrefix": "0.0.0.0/0"}})]),
                  Expect(NONE, nodes=(ARM_NODE + "Microsoft.Network/routeTables/rt has unknown",))),
        _arm_case("routes-from-parameter", _arm([_with(ROUTE_TABLE, routes="[parameters('p')]")]),
                  Expect(NONE, nodes=(ARM_NODE + "Microsoft.Network/routeTables/rt has unknown",))),
        _arm_case("next-hop-from-reference", _arm([_with(ROUTE_TABLE, routes=[{"name": "d", "properties": {
            "addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance",
            "nextHopIpAddress": "[reference(resourceId('Microsoft.Network/azureFirewalls', 'fw')).ipConfigurations[0].properties.privateIPAddress]"}}]),
            FIREWALL]), Expect(NONE, nodes=(ARM_NODE + "Microsoft.Network/routeTables/rt has routes",))),
        _arm_case("route-items-not-objects", _arm([_with(ROUTE_TABLE, routes=["0.0.0.0/0", 42, None])]),
                  Expect(NONE, nodes=(ARM_NODE + "Microsoft.Network/routeTables/rt has unknown",))),
        _arm_case("collections-not-a-list", _arm([_with(FIREWALL, applicationRuleCollections={"web": {}})]),
                  Expect(NONE, nodes=(ARM_NODE + "Microsoft.Network/azureFirewalls/fw has unknown",))),
        _arm_case("rule-type-unknown", _arm([{**GROUP, "properties": {"ruleCollections": [
            {"name": "c", "action": {"type": "Allow"}, "rules": [{"ruleType": "Teleport"}, "rule"]}]}}]),
                  Expect(NONE, nodes=(ARM_NODE + "Microsoft.Network/firewallPolicies/ruleCollectionGroups/pol/g has unknown",))),
        _arm_case("ports-everywhere", _arm([{**GROUP, "properties": {"priority": "[parameters('p')]", "ruleCollections": [
            {"name": "c", "priority": "x", "action": "Allow", "rules": [
                {"ruleType": "NetworkRule", "name": "n", "ipProtocols": "Any", "sourceAddresses": "*",
                 "destinationAddresses": ["*", {"nested": []}], "destinationPorts": [1, "2-3", "*", [4]]}]}]}}]),
                  Expect(NONE, nodes=(ARM_NODE + "Microsoft.Network/firewallPolicies/ruleCollectionGroups/pol/g has firewall_rules",))),
        _arm_case("deep-route", _arm([_with(ROUTE_TABLE, routes="DEEP")]).replace('"DEEP"', m.deep_json(2_000)),
                  Expect(EITHER)),
    ]
    return out
