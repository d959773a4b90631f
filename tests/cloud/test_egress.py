"""Egress and what sits in subnets (issue 9): Azure Firewall and its rules (azurerm classic
collections and policy rule collection groups, ARM azureFirewalls' collections and
firewallPolicies/ruleCollectionGroups), route tables and routes (inline, standalone, ARM
children), subnet ↔ route table associations, NICs, VMs, scale sets and build agents (Azure
DevOps elastic pools, Managed DevOps Pools, GitHub-hosted private networking), from
Terraform HCL and plan JSON, ARM, Bicep and `az … show` exports, through the real
collectors and the cloud linker. Shapes from the azurerm docs, the ARM template reference
and what public modules write; bad input (routes written as a map, next hops and rules
from expressions, ports and tags mixed) gives a reading, an unknown, or an error with file
and line."""
from __future__ import annotations

import json

from conftest import collect_graph, node_attrs, write_files

from checker.cloud.model import Unknown
from checker.cloud.network import arm_firewall_rules, arm_policy_rules, routes, terraform_firewall_rules
from checker.cloud.vocabulary import UNRECOGNISED

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-hub/providers"

FIREWALL_TF = '''
variable "spoke_prefix" {
  default = "10.1.0.0/16"
}
variable "appliance_ip" {}

resource "azurerm_firewall" "hub" {
  name                = "afw-hub"
  location            = "westeurope"
  resource_group_name = "rg-hub"
  sku_name            = "AZFW_VNet"
  sku_tier            = "Standard"

  ip_configuration {
    name                 = "configuration"
    subnet_id            = azurerm_subnet.firewall.id
    public_ip_address_id = azurerm_public_ip.firewall.id
  }
}

resource "azurerm_subnet" "firewall" {
  name                 = "AzureFirewallSubnet"
  resource_group_name  = "rg-hub"
  virtual_network_name = "vnet-hub"
  address_prefixes     = ["10.0.254.0/26"]
}

resource "azurerm_firewall_application_rule_collection" "web" {
  name                = "web"
  azure_firewall_name = azurerm_firewall.hub.name
  resource_group_name = "rg-hub"
  priority            = 200
  action              = "Allow"

  rule {
    name             = "everything"
    source_addresses = [var.spoke_prefix, "10.2.0.0/16"]
    target_fqdns     = ["*"]

    protocol {
      port = "443"
      type = "Https"
    }

    protocol {
      port = "80"
      type = "Http"
    }
  }

  rule {
    name             = "windows-update"
    source_addresses = ["*"]
    fqdn_tags        = ["WindowsUpdate"]
  }
}

resource "azurerm_firewall_network_rule_collection" "ops" {
  name                = "ops"
  azure_firewall_name = "afw-hub"
  resource_group_name = "rg-hub"
  priority            = 100
  action              = "Deny"

  rule {
    name                  = "mixed"
    source_addresses      = ["10.1.0.0/16"]
    destination_ports     = ["*", "1000-2000", "53"]
    destination_addresses = ["0.0.0.0/0", "AzureCloud.westeurope"]
    protocols             = ["TCP", "UDP"]
  }
}

resource "azurerm_firewall_policy_rule_collection_group" "spoke" {
  name               = "spoke"
  firewall_policy_id = azurerm_firewall_policy.hub.id
  priority           = 300

  network_rule_collection {
    name     = "dns"
    priority = 100
    action   = "Allow"

    rule {
      name                  = "dns"
      protocols             = ["UDP"]
      source_addresses      = ["10.1.0.0/16"]
      destination_addresses = ["168.63.129.16"]
      destination_ports     = ["53"]
    }
  }

  application_rule_collection {
    name     = "internet"
    priority = 200
    action   = "Allow"

    dynamic "rule" {
      for_each = var.allowed
      content {
        name              = rule.key
        source_addresses  = ["*"]
        destination_fqdns = rule.value
      }
    }
  }

  nat_rule_collection {
    name     = "inbound"
    priority = 300
    action   = "Dnat"

    rule {
      name                = "rdp"
      protocols           = ["TCP"]
      source_addresses    = ["*"]
      destination_address = "20.0.0.1"
      destination_ports   = ["3389"]
      translated_address  = "10.1.0.4"
      translated_port     = "3389"
    }
  }
}

resource "azurerm_firewall_policy" "hub" {
  name                = "afwp-hub"
  resource_group_name = "rg-hub"
  location            = "westeurope"
}

resource "azurerm_route_table" "spoke" {
  name                = "rt-spoke"
  location            = "westeurope"
  resource_group_name = "rg-hub"

  route {
    name                   = "to-appliance"
    address_prefix         = "10.9.0.0/16"
    next_hop_type          = "VirtualAppliance"
    next_hop_in_ip_address = var.appliance_ip
  }

  route {
    name                   = "default"
    address_prefix         = "0.0.0.0/0"
    next_hop_type          = "VirtualAppliance"
    next_hop_in_ip_address = azurerm_firewall.hub.ip_configuration[0].private_ip_address
  }
}

resource "azurerm_route" "onprem" {
  name                = "onprem"
  resource_group_name = "rg-hub"
  route_table_name    = "rt-spoke"
  address_prefix      = "192.168.0.0/16"
  next_hop_type       = "VirtualNetworkGateway"
}

resource "azurerm_route_table" "as_map" {
  name                = "rt-map"
  location            = "westeurope"
  resource_group_name = "rg-hub"
  route = {
    name           = "default"
    address_prefix = "0.0.0.0/0"
    next_hop_type  = "Internet"
  }
}

resource "azurerm_subnet" "spoke" {
  name                 = "snet-spoke"
  resource_group_name  = "rg-hub"
  virtual_network_name = "vnet-hub"
  address_prefixes     = ["10.1.1.0/24"]
}

resource "azurerm_subnet_route_table_association" "spoke" {
  subnet_id      = azurerm_subnet.spoke.id
  route_table_id = azurerm_route_table.spoke.id
}
'''

AGENTS_TF = '''
resource "azurerm_network_interface" "vm" {
  name                = "nic-vm"
  location            = "westeurope"
  resource_group_name = "rg-build"

  ip_configuration {
    name                          = "internal"
    subnet_id                     = "/subscriptions/0/resourceGroups/rg-build/providers/Microsoft.Network/virtualNetworks/vnet-build/subnets/snet-vm"
    private_ip_address_allocation = "Dynamic"
    public_ip_address_id          = azurerm_public_ip.vm.id
  }
}

resource "azurerm_linux_virtual_machine" "vm" {
  name                  = "vm-jump"
  resource_group_name   = "rg-build"
  location              = "westeurope"
  size                  = "Standard_B2s"
  admin_username        = "azureuser"
  network_interface_ids = [azurerm_network_interface.vm.id]
}

resource "azurerm_network_interface_security_group_association" "vm" {
  network_interface_id      = azurerm_network_interface.vm.id
  network_security_group_id = azurerm_network_security_group.vm.id
}

resource "azurerm_network_security_group" "vm" {
  name                = "nsg-vm"
  location            = "westeurope"
  resource_group_name = "rg-build"
}

resource "azurerm_virtual_machine_scale_set" "legacy" {
  name                = "vmss-legacy"
  location            = "westeurope"
  resource_group_name = "rg-build"
  upgrade_policy_mode = "Manual"

  network_profile {
    name    = "nic"
    primary = true

    ip_configuration {
      name      = "internal"
      primary   = true
      subnet_id = azurerm_subnet.agents.id
    }
  }
}

resource "azurerm_subnet" "agents" {
  name                 = "snet-agents"
  resource_group_name  = "rg-build"
  virtual_network_name = "vnet-build"
  address_prefixes     = ["10.7.1.0/24"]
}

resource "azuredevops_elastic_pool" "by_id" {
  name                   = "agents-by-id"
  service_endpoint_id    = "00000000-0000-0000-0000-000000000001"
  service_endpoint_scope = "00000000-0000-0000-0000-000000000002"
  desired_idle           = 1
  max_capacity           = 3
  azure_resource_id      = "/subscriptions/0/resourceGroups/rg-build/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-legacy"
}
'''

ARM = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {"fwIp": {"type": "string"}},
    "resources": [
        {"type": "Microsoft.Network/firewallPolicies", "apiVersion": "2023-09-01", "name": "afwp",
         "location": "westeurope", "properties": {"sku": {"tier": "Premium"}},
         "resources": [{
             "type": "ruleCollectionGroups", "apiVersion": "2023-09-01", "name": "egress",
             "dependsOn": ["[resourceId('Microsoft.Network/firewallPolicies', 'afwp')]"],
             "properties": {"priority": 100, "ruleCollections": [
                 {"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "apps", "priority": 200,
                  "action": {"type": "Allow"}, "rules": [
                      {"ruleType": "ApplicationRule", "name": "github", "sourceAddresses": ["10.5.0.0/16"],
                       "protocols": [{"protocolType": "Https", "port": 443}],
                       "targetFqdns": ["github.com", "*.githubusercontent.com"]},
                      {"ruleType": "ApplicationRule", "name": "categories", "sourceIpGroups": [
                          "[resourceId('Microsoft.Network/ipGroups', 'build')]"],
                       "protocols": [{"protocolType": "Https", "port": 443}], "webCategories": ["Gambling"]}]},
                 {"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "net", "priority": 100,
                  "action": {"type": "Allow"}, "rules": [
                      {"ruleType": "NetworkRule", "name": "out", "ipProtocols": ["Any"], "sourceAddresses": ["*"],
                       "destinationAddresses": ["Internet"], "destinationPorts": ["*"]}]},
                 {"ruleCollectionType": "FirewallPolicyNatRuleCollection", "name": "dnat", "priority": 300,
                  "action": {"type": "Dnat"}, "rules": [{"ruleType": "NatRule", "name": "rdp"}]}]}}]},
        {"type": "Microsoft.Network/azureFirewalls", "apiVersion": "2023-09-01", "name": "afw",
         "location": "westeurope", "properties": {
             "firewallPolicy": {"id": "[resourceId('Microsoft.Network/firewallPolicies', 'afwp')]"},
             "ipConfigurations": [{"name": "c", "properties": {
                 "subnet": {"id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'AzureFirewallSubnet')]"}}}]}},
        {"type": "Microsoft.Network/routeTables", "apiVersion": "2023-09-01", "name": "rt", "location": "westeurope",
         "properties": {"routes": [
             {"name": "default", "properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance",
                                                "nextHopIpAddress": "[reference(resourceId('Microsoft.Network/azureFirewalls', 'afw')).ipConfigurations[0].properties.privateIPAddress]"}},
             {"name": "param", "properties": {"addressPrefix": "10.8.0.0/16", "nextHopType": "VirtualAppliance",
                                              "nextHopIpAddress": "[parameters('fwIp')]"}}]},
         "resources": [{"type": "routes", "apiVersion": "2023-09-01", "name": "blackhole",
                        "dependsOn": ["[resourceId('Microsoft.Network/routeTables', 'rt')]"],
                        "properties": {"addressPrefix": "10.66.0.0/16", "nextHopType": "None"}}]},
        {"type": "Microsoft.Network/virtualNetworks/subnets", "apiVersion": "2023-09-01", "name": "vnet/snet-ml",
         "properties": {"addressPrefix": "10.5.1.0/24",
                        "routeTable": {"id": "[resourceId('Microsoft.Network/routeTables', 'rt')]"}}},
        {"type": "Microsoft.Network/networkInterfaces", "apiVersion": "2023-09-01", "name": "nic",
         "location": "westeurope", "properties": {
             "networkSecurityGroup": {"id": "[resourceId('Microsoft.Network/networkSecurityGroups', 'nsg')]"},
             "ipConfigurations": [{"name": "ipconfig1", "properties": {
                 "privateIPAllocationMethod": "Dynamic",
                 "subnet": {"id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'snet-ml')]"}}}]}},
        {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-03-01", "name": "vmss",
         "location": "westeurope", "properties": {"virtualMachineProfile": {"networkProfile": {
             "networkInterfaceConfigurations": [{"name": "nic", "properties": {
                 "primary": True,
                 "networkSecurityGroup": {"id": "[resourceId('Microsoft.Network/networkSecurityGroups', 'nsg')]"},
                 "ipConfigurations": [{"name": "ip", "properties": {
                     "subnet": {"id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'snet-ml')]"}}}]}}]}}}},
        {"type": "Microsoft.DevOpsInfrastructure/pools", "apiVersion": "2024-10-19", "name": "mdp",
         "location": "westeurope", "properties": {"maximumConcurrency": 2, "fabricProfile": {
             "kind": "Vmss", "sku": {"name": "Standard_D2ads_v5"},
             "networkProfile": {"subnetId": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'snet-ml')]"}}}},
        {"type": "GitHub.Network/networkSettings", "apiVersion": "2024-04-02", "name": "gh", "location": "westeurope",
         "properties": {"businessId": "42", "subnetId": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'snet-ml')]"}},
    ]}

AZ_FIREWALL = {
    "id": f"{SUB}/Microsoft.Network/azureFirewalls/afw-hub", "name": "afw-hub",
    "type": "Microsoft.Network/azureFirewalls", "location": "westeurope", "resourceGroup": "rg-hub",
    "ipConfigurations": [{"id": f"{SUB}/Microsoft.Network/azureFirewalls/afw-hub/azureFirewallIpConfigurations/c",
                          "name": "c", "privateIPAddress": "10.0.254.4", "provisioningState": "Succeeded",
                          "subnet": {"id": f"{SUB}/Microsoft.Network/virtualNetworks/vnet-hub/subnets/AzureFirewallSubnet"},
                          "publicIPAddress": {"id": f"{SUB}/Microsoft.Network/publicIPAddresses/pip"}}],
    "applicationRuleCollections": [{"name": "web", "priority": 100, "action": {"type": "Allow"}, "rules": [
        {"name": "all", "sourceAddresses": ["10.1.0.0/16"], "targetFqdns": ["*"], "fqdnTags": [],
         "protocols": [{"protocolType": "Https", "port": 443}]}]}],
    "networkRuleCollections": [], "natRuleCollections": []}
AZ_ROUTES = {
    "id": f"{SUB}/Microsoft.Network/routeTables/rt-spoke", "name": "rt-spoke", "type": "Microsoft.Network/routeTables",
    "location": "westeurope", "resourceGroup": "rg-hub", "disableBgpRoutePropagation": True,
    "routes": [{"addressPrefix": "0.0.0.0/0", "id": f"{SUB}/Microsoft.Network/routeTables/rt-spoke/routes/default",
                "name": "default", "nextHopIpAddress": "10.0.254.4", "nextHopType": "VirtualAppliance",
                "provisioningState": "Succeeded", "type": "Microsoft.Network/routeTables/routes"}],
    "subnets": [{"id": f"{SUB}/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/snet-ml"}]}
AZ_NIC = {
    "id": f"{SUB}/Microsoft.Network/networkInterfaces/nic-agent", "name": "nic-agent",
    "type": "Microsoft.Network/networkInterfaces", "location": "westeurope", "resourceGroup": "rg-hub",
    "ipConfigurations": [{"name": "ipconfig1", "privateIPAddress": "10.1.1.5", "primary": True,
                          "subnet": {"id": f"{SUB}/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/snet-ml"}}],
    "networkSecurityGroup": {"id": f"{SUB}/Microsoft.Network/networkSecurityGroups/nsg-agent"}}


def tf_id(address: str, path: str = "main.tf") -> str:
    return f"resource:terraform:fs:./{path}#{address}"


def collected(tmp_path, files: dict):
    write_files(tmp_path, files)
    return collect_graph(tmp_path, link_resources=True)


def uses(graph, nid: str) -> set[str]:
    return set(graph.out_edges(nid, "uses"))


def by_name(items: list[dict]) -> dict[str, dict]:
    return {i["name"]: i for i in items}


# -- Terraform ---------------------------------------------------------------------------------

def test_terraform_firewall_and_classic_collections_by_reference_or_name(tmp_path):
    g = collected(tmp_path, {"main.tf": FIREWALL_TF})
    fw = tf_id("azurerm_firewall.hub")
    f = node_attrs(g, fw)
    assert f["type"] == "firewall" and f["firewall_policy"] is None
    assert f["fact_sources"]["firewall_policy"]["from"] == "default"
    assert "private_ip" not in f and "private_ip" not in f.get("unknown", {})   # azurerm exports it after apply
    assert tf_id("azurerm_subnet.firewall") in uses(g, fw)
    web = tf_id("azurerm_firewall_application_rule_collection.web")
    assert uses(g, web) == {fw}                                          # azure_firewall_name = …name
    assert uses(g, tf_id("azurerm_firewall_network_rule_collection.ops")) == {fw}     # a literal name
    rules = by_name(node_attrs(g, web)["firewall_rules"])
    everything = rules["everything"]
    assert everything == {"group_priority": 0, "collection": "web", "collection_priority": 200, "action": "allow",
                          "kind": "application", "name": "everything", "sources": ["10.1.0.0/16", "10.2.0.0/16"],
                          "destinations": ["*"], "protocols": ["https:443", "http:80"], "ports": ["443", "80"],
                          "internet": True}
    assert rules["windows-update"]["destinations"] == ["fqdntag:WindowsUpdate"]
    assert rules["windows-update"]["internet"] is False and rules["windows-update"]["protocols"] == []
    [mixed] = node_attrs(g, tf_id("azurerm_firewall_network_rule_collection.ops"))["firewall_rules"]
    assert mixed["action"] == "deny" and mixed["ports"] == ["*", "1000-2000", "53"]      # as written
    assert mixed["destinations"] == ["0.0.0.0/0", "AzureCloud.westeurope"] and mixed["internet"] is True
    assert mixed["protocols"] == ["tcp", "udp"]


def test_terraform_policy_rule_collection_group_with_a_dynamic_block(tmp_path):
    g = collected(tmp_path, {"main.tf": FIREWALL_TF})
    group = tf_id("azurerm_firewall_policy_rule_collection_group.spoke")
    assert uses(g, group) == {tf_id("azurerm_firewall_policy.hub")}
    rules = node_attrs(g, group)["firewall_rules"]
    dns = next(r for r in rules if r["name"] == "dns")
    assert (dns["group_priority"], dns["collection_priority"], dns["kind"]) == (300, 100, "network")
    assert dns["destinations"] == ["168.63.129.16"] and dns["internet"] is False
    # the dynamic rule block cannot be told: a rule whose fields are unknown, not a guess;
    # the NAT collection (inbound translation) is not egress and is left out
    dynamic = [r for r in rules if r["collection"] == "internet"]
    assert len(dynamic) == 1 and dynamic[0]["internet"] is None and dynamic[0]["destinations"] is None
    assert dynamic[0]["unknown"]
    assert not any(r["collection"] == "inbound" for r in rules)


def test_terraform_routes_inline_standalone_and_associations(tmp_path):
    g = collected(tmp_path, {"main.tf": FIREWALL_TF})
    rt = tf_id("azurerm_route_table.spoke")
    routes_ = by_name(node_attrs(g, rt)["routes"])
    default = routes_["default"]
    assert default["next_hop_type"] == "virtualappliance" and default["next_hop_ip"] is None
    assert default["next_hop_resource"] == "azurerm_firewall.hub"      # the block that names the firewall
    assert default["unknown"]["next_hop_ip"]["expression"] == "azurerm_firewall.hub.ip_configuration[0].private_ip_address"
    appliance = routes_["to-appliance"]
    assert "next_hop_resource" not in appliance
    assert appliance["unknown"]["next_hop_ip"]["expression"] == "var.appliance_ip"
    assert uses(g, rt) == {tf_id("azurerm_firewall.hub")}
    onprem = tf_id("azurerm_route.onprem")
    assert node_attrs(g, onprem)["routes"] == [{"name": "onprem", "address_prefix": "192.168.0.0/16",
                                                "next_hop_type": "virtualnetworkgateway", "next_hop_ip": None}]
    assert uses(g, onprem) == {rt}                                      # route_table_name, a literal name
    assoc = tf_id("azurerm_subnet_route_table_association.spoke")
    assert uses(g, assoc) == {rt, tf_id("azurerm_subnet.spoke")}


def test_routes_written_as_a_map_are_unknown_not_guessed(tmp_path):
    g = collected(tmp_path, {"main.tf": FIREWALL_TF})
    rt = node_attrs(g, tf_id("azurerm_route_table.as_map"))
    assert "routes" not in rt and "not one this provider documents" in rt["unknown"]["routes"]["reason"]


def test_nics_vms_scale_sets_and_elastic_pools(tmp_path):
    g = collected(tmp_path, {"main.tf": AGENTS_TF})
    nic = tf_id("azurerm_network_interface.vm")
    n = node_attrs(g, nic)
    assert n["type"] == "network_interface" and "public_ip" in n["unknown"]     # a reference: set after apply
    assert {"attribute": "ip_configuration.subnet_id", "by": "arm_id",
            "target": "/subscriptions/0/resourceGroups/rg-build/providers/Microsoft.Network/virtualNetworks/"
                      "vnet-build/subnets/snet-vm"} in n["references"]
    assert uses(g, tf_id("azurerm_linux_virtual_machine.vm")) == {nic}
    assert uses(g, tf_id("azurerm_network_interface_security_group_association.vm")) == {
        nic, tf_id("azurerm_network_security_group.vm")}
    legacy = tf_id("azurerm_virtual_machine_scale_set.legacy")
    assert node_attrs(g, legacy)["type"] == "vm_scale_set"
    assert uses(g, legacy) == {tf_id("azurerm_subnet.agents")}
    pool = node_attrs(g, tf_id("azuredevops_elastic_pool.by_id"))
    assert pool["type"] == "devops_elastic_pool"
    assert any(r["by"] == "arm_id" and r["target"].endswith("virtualMachineScaleSets/vmss-legacy")
               for r in pool["references"])


def test_terraform_plan_routes_and_policy_groups(tmp_path):
    plan = {"format_version": "1.2", "terraform_version": "1.9.5", "planned_values": {"root_module": {"resources": [
        {"address": "azurerm_route_table.rt", "mode": "managed", "type": "azurerm_route_table", "name": "rt",
         "provider_name": "registry.terraform.io/hashicorp/azurerm", "schema_version": 0,
         "values": {"name": "rt", "location": "westeurope", "resource_group_name": "rg",
                    "bgp_route_propagation_enabled": True, "tags": None,
                    "route": [{"name": "internet", "address_prefix": "0.0.0.0/0", "next_hop_type": "Internet",
                               "next_hop_in_ip_address": ""}]},
         "sensitive_values": {"route": [{}]}},
        {"address": "azurerm_firewall_policy_rule_collection_group.g", "mode": "managed",
         "type": "azurerm_firewall_policy_rule_collection_group", "name": "g",
         "provider_name": "registry.terraform.io/hashicorp/azurerm", "schema_version": 0,
         "values": {"name": "g", "priority": 100, "firewall_policy_id": "/subscriptions/0/x",
                    "nat_rule_collection": [],
                    "network_rule_collection": [],
                    "application_rule_collection": [{"name": "a", "priority": 100, "action": "Allow", "rule": [
                        {"name": "any", "description": "", "source_addresses": ["*"], "source_ip_groups": [],
                         "destination_addresses": [], "destination_urls": [], "destination_fqdns": ["*"],
                         "destination_fqdn_tags": [], "terminate_tls": False, "web_categories": [],
                         "protocols": [{"type": "Https", "port": 443}], "http_headers": []}]}]},
         "sensitive_values": {}}]}}}
    g = collected(tmp_path, {"tfplan.json": json.dumps(plan)})
    key = "resource:terraform-plan:fs:./tfplan.json#"
    assert node_attrs(g, key + "azurerm_route_table.rt")["routes"] == [{
        "name": "internet", "address_prefix": "0.0.0.0/0", "next_hop_type": "internet", "next_hop_ip": None}]
    [rule] = node_attrs(g, key + "azurerm_firewall_policy_rule_collection_group.g")["firewall_rules"]
    assert (rule["sources"], rule["destinations"], rule["internet"], rule["protocols"]) == (
        ["*"], ["*"], True, ["https:443"])


# -- ARM, Bicep, exports ---------------------------------------------------------------------------

def test_arm_policy_groups_routes_nics_scale_sets_and_build_agents(tmp_path):
    g = collected(tmp_path, {"azuredeploy.json": json.dumps(ARM, indent=2)})
    key = "resource:arm:fs:./azuredeploy.json#"
    group = key + "Microsoft.Network/firewallPolicies/ruleCollectionGroups/egress"
    policy = key + "Microsoft.Network/firewallPolicies/afwp"
    assert uses(g, group) == {policy}
    rules = by_name(node_attrs(g, group)["firewall_rules"])
    assert set(rules) == {"github", "categories", "out"}                 # the NAT collection is left out
    assert rules["github"]["destinations"] == ["github.com", "*.githubusercontent.com"]
    assert rules["github"]["internet"] is False
    assert rules["categories"]["sources"][0].startswith("ipgroup:/subscriptions/")
    assert rules["categories"]["destinations"] == ["webcategory:Gambling"]
    out = rules["out"]
    assert (out["kind"], out["group_priority"], out["protocols"], out["internet"]) == ("network", 100, ["any"], True)
    fw = key + "Microsoft.Network/azureFirewalls/afw"
    assert policy in uses(g, fw) and node_attrs(g, fw)["firewall_rules"] == []
    rt = key + "Microsoft.Network/routeTables/rt"
    r = by_name(node_attrs(g, rt)["routes"])
    assert r["default"]["next_hop_resource"] == "Microsoft.Network/azureFirewalls/afw"
    assert "next_hop_resource" not in r["param"]
    assert "parameters('fwIp')" in r["param"]["unknown"]["next_hop_ip"]["expression"]
    assert uses(g, rt) == {fw}
    blackhole = key + "Microsoft.Network/routeTables/routes/blackhole"
    assert node_attrs(g, blackhole)["routes"][0]["next_hop_type"] == "none"
    assert uses(g, blackhole) == {rt}
    subnet = key + "Microsoft.Network/virtualNetworks/subnets/vnet/snet-ml"
    assert rt in uses(g, subnet)
    for hosted in ("Microsoft.Network/networkInterfaces/nic", "Microsoft.Compute/virtualMachineScaleSets/vmss",
                   "Microsoft.DevOpsInfrastructure/pools/mdp", "GitHub.Network/networkSettings/gh"):
        assert subnet in uses(g, key + hosted), hosted
    assert node_attrs(g, key + "Microsoft.DevOpsInfrastructure/pools/mdp")["type"] == "managed_devops_pool"
    assert node_attrs(g, key + "GitHub.Network/networkSettings/gh")["type"] == "github_network_settings"


def test_bicep_route_to_a_firewall_by_symbolic_reference(tmp_path):
    bicep = '''
resource fw 'Microsoft.Network/azureFirewalls@2023-09-01' = {
  name: 'afw'
  location: 'westeurope'
  properties: {
    ipConfigurations: [
      {
        name: 'c'
        properties: {
          subnet: {
            id: resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'AzureFirewallSubnet')
          }
        }
      }
    ]
  }
}

resource rt 'Microsoft.Network/routeTables@2023-09-01' = {
  name: 'rt'
  location: 'westeurope'
  properties: {
    routes: [
      {
        name: 'lan'
        properties: {
          addressPrefix: '10.0.0.0/8'
          nextHopType: 'VnetLocal'
        }
      }
      {
        name: 'default'
        properties: {
          addressPrefix: '0.0.0.0/0'
          nextHopType: 'VirtualAppliance'
          nextHopIpAddress: fw.properties.ipConfigurations[0].properties.privateIPAddress
        }
      }
    ]
  }
}
'''
    g = collected(tmp_path, {"main.bicep": bicep})
    r = by_name(node_attrs(g, "resource:bicep:fs:./main.bicep#rt")["routes"])
    assert r["default"]["next_hop_resource"] == "fw" and "next_hop_resource" not in r["lan"]


def test_az_exports_printed_flat(tmp_path):
    g = collected(tmp_path, {"exports/fw.json": json.dumps(AZ_FIREWALL), "exports/rt.json": json.dumps(AZ_ROUTES),
                             "exports/nic.json": json.dumps(AZ_NIC)})
    fw = node_attrs(g, "resource:azure:" + AZ_FIREWALL["id"].lower())
    assert fw["private_ip"] == "10.0.254.4"
    assert any(r["target"].endswith("subnets/AzureFirewallSubnet") for r in fw["references"])
    [rule] = fw["firewall_rules"]
    assert (rule["collection"], rule["destinations"], rule["internet"]) == ("web", ["*"], True)
    rt = node_attrs(g, "resource:azure:" + AZ_ROUTES["id"].lower())
    assert rt["routes"] == [{"name": "default", "address_prefix": "0.0.0.0/0", "next_hop_type": "virtualappliance",
                             "next_hop_ip": "10.0.254.4"}]
    nic = node_attrs(g, "resource:azure:" + AZ_NIC["id"].lower())
    assert nic["subnet"].endswith("/subnets/snet-ml") and nic["public_ip"] is False
    assert {r["attribute"] for r in nic["references"]} >= {"properties.ipConfigurations.0.properties.subnet.id",
                                                           "properties.networkSecurityGroup.id"}


# -- bad input -----------------------------------------------------------------------------------

def test_malformed_firewall_rules_and_routes_are_unrecognised_or_unknown():
    assert terraform_firewall_rules({"kind": "network"}) is UNRECOGNISED
    assert terraform_firewall_rules([{"kind": "nat", "rule": []}]) is UNRECOGNISED
    assert terraform_firewall_rules([{"kind": "network", "name": "c", "priority": 1, "action": "Allow",
                                      "rule": "everything"}]) is UNRECOGNISED
    [odd] = terraform_firewall_rules([{"kind": "network", "name": "c", "priority": "first", "action": "Maybe",
                                       "rule": [{"name": "r", "source_addresses": ["*"],
                                                 "destination_addresses": [Unknown("local.dst", "a local")],
                                                 "destination_ports": [1000, "2000-3000"], "protocols": ["Any"]}]}])
    assert odd["action"] is None and "not one the provider documents" in odd["unknown"]["action"]["reason"]
    assert odd["collection_priority"] is None and odd["unknown"]["collection_priority"]["reason"] == "not a number"
    assert odd["destinations"] is None and odd["internet"] is None
    assert odd["unknown"]["destinations"]["expression"] == "local.dst"
    assert odd["ports"] == ["1000", "2000-3000"]                        # numbers and ranges mixed, as text
    assert arm_firewall_rules("x") is UNRECOGNISED
    assert arm_firewall_rules({"networkRuleCollections": {"name": "not a list"}}) is UNRECOGNISED
    assert arm_policy_rules({"ruleCollections": [{"name": "c", "rules": [{"ruleType": "Mystery"}]}]}) is UNRECOGNISED
    assert isinstance(arm_policy_rules({"ruleCollections": Unknown("[variables('c')]", "v")}), Unknown)
    assert routes({"name": "default"}) is UNRECOGNISED and routes(["0.0.0.0/0"]) is UNRECOGNISED
    [hidden, weird] = routes([Unknown("each.value", "for_each"), {"name": "w", "address_prefix": ["0.0.0.0/0"],
                                                                   "next_hop_type": "Teleport"}])
    assert hidden["unknown"]["route"]["expression"] == "each.value" and hidden["address_prefix"] is None
    assert weird["address_prefix"] is None and weird["unknown"]["address_prefix"]["reason"] == "not text"
    assert weird["next_hop_type"] is None and "Teleport" in weird["unknown"]["next_hop_type"]["reason"]


def test_arm_route_table_with_routes_from_an_expression(tmp_path):
    template = {"$schema": ARM["$schema"], "contentVersion": "1.0.0.0",
                "parameters": {"routes": {"type": "array"}},
                "resources": [{"type": "Microsoft.Network/routeTables", "apiVersion": "2023-09-01", "name": "rt",
                               "location": "westeurope", "properties": {"routes": "[parameters('routes')]"}}]}
    g = collected(tmp_path, {"azuredeploy.json": json.dumps(template)})
    rt = node_attrs(g, "resource:arm:fs:./azuredeploy.json#Microsoft.Network/routeTables/rt")
    assert "routes" not in rt and "parameters('routes')" in rt["unknown"]["routes"]["expression"]
