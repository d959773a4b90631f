"""Networks and private networking (issue 9): virtual networks, subnets, NSGs and their
rules, private endpoints, from Terraform HCL and plan JSON, ARM, Bicep and `az` exports,
through the real collectors and the cloud linker. The files are written here in the shapes
the azurerm docs, the ARM template reference and public modules use (azurerm
`security_rule` blocks, `azurerm_network_security_rule`, ARM `securityRules[]` and child
`securityRules`, inline `subnets[]`, `privateDnsZoneGroups` children, `az network … show`
output printed flat)."""
from __future__ import annotations

import json

from conftest import collect_graph, node_attrs, write_files

from checker.cloud.network import arm_rules, terraform_rules
from checker.cloud.model import Unknown
from checker.cloud.vocabulary import UNRECOGNISED

NSG_TF = '''
variable "admin_port" {}
variable "mgmt_sources" {
  default = ["Internet", "10.0.0.0/8"]
}

resource "azurerm_network_security_group" "ml" {
  name                = "nsg-ml"
  location            = "westeurope"
  resource_group_name = "rg-ml"

  security_rule {
    name                       = "AllowSSH"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "22"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }

  security_rule {
    name                         = "AllowMgmt"
    priority                     = 110
    direction                    = "Inbound"
    access                       = "Allow"
    protocol                     = "*"
    source_port_range            = "*"
    destination_port_ranges      = ["3000-3400", "5985", "*"]
    source_address_prefixes      = var.mgmt_sources
    destination_address_prefix   = "*"
  }

  security_rule {
    name                       = "AllowAdmin"
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = var.admin_port
    source_address_prefix      = "VirtualNetwork"
    destination_address_prefix = "*"
  }
}

resource "azurerm_network_security_group" "empty" {
  name                = "nsg-empty"
  location            = "westeurope"
  resource_group_name = "rg-ml"
}

resource "azurerm_network_security_rule" "rdp" {
  name                        = "AllowRdp"
  priority                    = 300
  direction                   = "Inbound"
  access                      = "Deny"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "3389"
  source_address_prefix       = "Internet"
  destination_address_prefix  = "*"
  resource_group_name         = "rg-ml"
  network_security_group_name = azurerm_network_security_group.ml.name
}

resource "azurerm_network_security_rule" "by_name" {
  name                        = "AllowWinRM"
  priority                    = 310
  direction                   = "sideways"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_ranges     = ["5985-5986"]
  source_address_prefix       = "*"
  destination_address_prefix  = "*"
  resource_group_name         = "rg-ml"
  network_security_group_name = "nsg-empty"
}
'''

NETWORK_TF = '''
resource "azurerm_virtual_network" "ml" {
  name                = "vnet-ml"
  location            = "westeurope"
  resource_group_name = "rg-ml"
  address_space       = ["10.10.0.0/16"]

  subnet {
    name           = "snet-web"
    address_prefix = "10.10.9.0/24"
    security_group = azurerm_network_security_group.web.id
  }

  subnet {
    name             = "snet-batch"
    address_prefixes = ["10.10.8.0/24"]
  }
}

resource "azurerm_network_security_group" "web" {
  name                = "nsg-web"
  location            = "westeurope"
  resource_group_name = "rg-ml"
}

resource "azurerm_subnet" "training" {
  name                 = "snet-training"
  resource_group_name  = "rg-ml"
  virtual_network_name = azurerm_virtual_network.ml.name
  address_prefixes     = ["10.10.1.0/24"]
  service_endpoints    = ["Microsoft.Storage", "Microsoft.KeyVault"]

  delegation {
    name = "aci"
    service_delegation {
      name    = "Microsoft.ContainerInstance/containerGroups"
      actions = ["Microsoft.Network/virtualNetworks/subnets/join/action"]
    }
  }
}

resource "azurerm_subnet_network_security_group_association" "training" {
  subnet_id                 = azurerm_subnet.training.id
  network_security_group_id = azurerm_network_security_group.web.id
}

resource "azurerm_machine_learning_workspace" "ml" {
  name                          = "mlw-ml"
  location                      = "westeurope"
  resource_group_name           = "rg-ml"
  application_insights_id       = "/subscriptions/0/resourceGroups/rg-ml/providers/Microsoft.Insights/components/appi"
  key_vault_id                  = "/subscriptions/0/resourceGroups/rg-ml/providers/Microsoft.KeyVault/vaults/kv"
  storage_account_id            = "/subscriptions/0/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/st"
  public_network_access_enabled = false
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_compute_cluster" "cpu" {
  name                          = "cpu"
  location                      = "westeurope"
  vm_priority                   = "Dedicated"
  vm_size                       = "STANDARD_DS3_V2"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.ml.id
  subnet_resource_id            = azurerm_subnet.training.id
  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 2
    scale_down_nodes_after_idle_duration = "PT30M"
  }
}

resource "azurerm_kubernetes_cluster" "inference" {
  name                = "aks-inference"
  location            = "westeurope"
  resource_group_name = "rg-ml"
  dns_prefix          = "aksinf"

  default_node_pool {
    name           = "system"
    node_count     = 2
    vm_size        = "Standard_D4s_v5"
    vnet_subnet_id = "/subscriptions/0/resourceGroups/rg-ml/providers/Microsoft.Network/virtualNetworks/vnet-ml/subnets/snet-aks"
  }

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_private_endpoint" "mlw" {
  name                = "pe-mlw"
  location            = "westeurope"
  resource_group_name = "rg-ml"
  subnet_id           = azurerm_subnet.training.id

  private_service_connection {
    name                           = "psc"
    private_connection_resource_id = azurerm_machine_learning_workspace.ml.id
    subresource_names              = ["amlworkspace"]
    is_manual_connection           = false
  }
}
'''

ARM = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {"vnetName": {"type": "string", "defaultValue": "vnet-aml"},
                   "allowedSource": {"type": "string"}},
    "resources": [
        {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-09-01", "name": "nsg-aml",
         "location": "westeurope",
         "properties": {"securityRules": [
             {"name": "AllowBatch", "properties": {
                 "priority": "100", "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
                 "sourceAddressPrefix": "BatchNodeManagement", "sourcePortRange": "*",
                 "destinationAddressPrefix": "*", "destinationPortRange": "29876-29877"}},
             {"name": "AllowFromParam", "properties": {
                 "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
                 "sourceAddressPrefix": "[parameters('allowedSource')]", "sourcePortRange": "*",
                 "destinationAddressPrefix": "*", "destinationPortRanges": ["22", "3389"]}}]}},
        {"type": "Microsoft.Network/networkSecurityGroups/securityRules", "apiVersion": "2023-09-01",
         "name": "nsg-aml/DenyAll",
         "dependsOn": ["[resourceId('Microsoft.Network/networkSecurityGroups', 'nsg-aml')]"],
         "properties": {"priority": 4096, "direction": "Inbound", "access": "Deny", "protocol": "*",
                        "sourceAddressPrefixes": ["Internet", "AzureCloud"], "sourcePortRange": "*",
                        "destinationAddressPrefix": "*", "destinationPortRange": "*"}},
        {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01",
         "name": "[parameters('vnetName')]", "location": "westeurope",
         "properties": {"addressSpace": {"addressPrefixes": ["10.30.0.0/16"]}, "subnets": [
             {"name": "snet-training", "properties": {
                 "addressPrefix": "10.30.0.0/24",
                 "networkSecurityGroup": {"id": "[resourceId('Microsoft.Network/networkSecurityGroups', 'nsg-aml')]"},
                 "serviceEndpoints": [{"service": "Microsoft.Storage"}]}},
             {"name": "snet-pe", "properties": {
                 "addressPrefixes": ["10.30.1.0/24"],
                 "delegations": [{"name": "web", "properties": {"serviceName": "Microsoft.Web/serverFarms"}}]}}]}},
        {"type": "Microsoft.MachineLearningServices/workspaces/computes", "apiVersion": "2024-04-01",
         "name": "mlw/cpu", "location": "westeurope",
         "properties": {"computeType": "AmlCompute", "properties": {
             "subnet": {"id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', parameters('vnetName'), 'snet-training')]"}}}},
        {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "kv-aml", "location": "westeurope",
         "properties": {"tenantId": "[subscription().tenantId]", "sku": {"family": "A", "name": "standard"},
                        "publicNetworkAccess": "Disabled"}},
        {"type": "Microsoft.Network/privateEndpoints", "apiVersion": "2023-09-01", "name": "pe-kv",
         "location": "westeurope",
         "properties": {
             "subnet": {"id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', parameters('vnetName'), 'snet-pe')]"},
             "privateLinkServiceConnections": [{"name": "kv", "properties": {
                 "privateLinkServiceId": "[resourceId('Microsoft.KeyVault/vaults', 'kv-aml')]", "groupIds": ["vault"]}}]},
         "resources": [{"type": "privateDnsZoneGroups", "apiVersion": "2023-09-01", "name": "default",
                        "dependsOn": ["[resourceId('Microsoft.Network/privateEndpoints', 'pe-kv')]"],
                        "properties": {"privateDnsZoneConfigs": [{"name": "vault", "properties": {
                            "privateDnsZoneId": "[resourceId('Microsoft.Network/privateDnsZones', 'privatelink.vaultcore.azure.net')]"}}]}}]},
    ]}

BICEP = '''
param location string = resourceGroup().location

resource nsg 'Microsoft.Network/networkSecurityGroups@2023-09-01' = {
  name: 'nsg-bicep'
  location: location
  properties: {
    securityRules: [
      {
        name: 'AllowHttps'
        properties: {
          priority: 200
          direction: 'Inbound'
          access: 'Allow'
          protocol: 'Tcp'
          sourceAddressPrefix: 'Internet'
          sourcePortRange: '*'
          destinationAddressPrefix: '*'
          destinationPortRange: '443'
        }
      }
    ]
  }
}

resource pe 'Microsoft.Network/privateEndpoints@2023-09-01' = {
  name: 'pe-st'
  location: location
  properties: {
    subnet: {
      id: '/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet-pe'
    }
    privateLinkServiceConnections: [
      {
        name: 'blob'
        properties: {
          privateLinkServiceId: '/subscriptions/0/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st'
          groupIds: [
            'blob'
          ]
        }
      }
    ]
  }
}

resource zoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2023-09-01' = {
  name: '${pe.name}/default'
  properties: {
    privateDnsZoneConfigs: []
  }
}
'''

SUB = "/subscriptions/0000/resourceGroups/rg-ml/providers"
AZ_NSG = {
    "id": f"{SUB}/Microsoft.Network/networkSecurityGroups/nsg-train", "name": "nsg-train",
    "type": "Microsoft.Network/networkSecurityGroups", "location": "westeurope", "resourceGroup": "rg-ml",
    "provisioningState": "Succeeded", "defaultSecurityRules": [],
    "securityRules": [{
        "access": "Allow", "destinationAddressPrefix": "*", "destinationAddressPrefixes": [],
        "destinationPortRange": "", "destinationPortRanges": ["22", "80"], "direction": "Inbound",
        "id": f"{SUB}/Microsoft.Network/networkSecurityGroups/nsg-train/securityRules/web", "name": "web",
        "priority": 300, "protocol": "Tcp", "sourceAddressPrefix": "", "sourceAddressPrefixes": ["0.0.0.0/0"],
        "sourcePortRange": "*", "sourcePortRanges": [], "resourceGroup": "rg-ml",
        "type": "Microsoft.Network/networkSecurityGroups/securityRules"}]}
AZ_VNET = {
    "id": f"{SUB}/Microsoft.Network/virtualNetworks/vnet", "name": "vnet", "type": "Microsoft.Network/virtualNetworks",
    "location": "westeurope", "resourceGroup": "rg-ml", "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
    "subnets": [{"addressPrefix": "10.0.0.0/24", "id": f"{SUB}/Microsoft.Network/virtualNetworks/vnet/subnets/train",
                 "name": "train", "resourceGroup": "rg-ml", "type": "Microsoft.Network/virtualNetworks/subnets",
                 "networkSecurityGroup": {"id": f"{SUB}/Microsoft.Network/networkSecurityGroups/nsg-train"}}]}


def tf_id(address: str, path: str = "main.tf") -> str:
    return f"resource:terraform:fs:./{path}#{address}"


def collected(tmp_path, files: dict):
    write_files(tmp_path, files)
    return collect_graph(tmp_path, link_resources=True)


def uses(graph, nid: str, kind: str = "uses") -> set[str]:
    return set(graph.out_edges(nid, kind))


def by_name(rules: list[dict]) -> dict[str, dict]:
    return {r["name"]: r for r in rules}


# -- Terraform ---------------------------------------------------------------------------------

def test_terraform_nsg_rules_normalised_with_lists_ranges_tags_and_unknowns(tmp_path):
    g = collected(tmp_path, {"main.tf": NSG_TF})
    nsg = node_attrs(g, tf_id("azurerm_network_security_group.ml"))
    assert nsg["type"] == "network_security_group"
    rules = by_name(nsg["security_rules"])
    assert rules["AllowSSH"] == {"name": "AllowSSH", "direction": "inbound", "access": "allow", "priority": 100,
                                 "protocol": "tcp", "source": ["*"], "destination": ["*"],
                                 "destination_ports": ["22"]}
    mgmt = rules["AllowMgmt"]
    assert mgmt["source"] == ["Internet", "10.0.0.0/8"]              # a variable's default, tags and CIDRs mixed
    assert mgmt["destination_ports"] == ["3000-3400", "5985", "*"]    # as written
    assert mgmt["protocol"] == "*" and "unknown" not in mgmt
    admin = rules["AllowAdmin"]                                        # no priority, a port from a bare variable
    assert admin["priority"] is None and admin["destination_ports"] is None
    assert admin["unknown"]["priority"]["reason"].startswith("absent")
    assert admin["unknown"]["destination_ports"]["expression"] == "var.admin_port"
    assert admin["source"] == ["VirtualNetwork"]
    assert nsg["fact_sources"]["security_rules"]["from"] == "set"


def test_terraform_nsg_without_rules_takes_the_documented_default(tmp_path):
    g = collected(tmp_path, {"main.tf": NSG_TF})
    empty = node_attrs(g, tf_id("azurerm_network_security_group.empty"))
    assert empty["security_rules"] == []
    assert empty["fact_sources"]["security_rules"]["from"] == "default"
    assert "default rules" in empty["fact_sources"]["security_rules"]["default"]


def test_standalone_terraform_rules_attach_to_their_nsg_by_reference_or_name(tmp_path):
    g = collected(tmp_path, {"main.tf": NSG_TF})
    rdp = tf_id("azurerm_network_security_rule.rdp")
    assert node_attrs(g, rdp)["type"] == "network_security_rule"
    assert node_attrs(g, rdp)["security_rules"] == [{
        "name": "AllowRdp", "direction": "inbound", "access": "deny", "priority": 300, "protocol": "tcp",
        "source": ["Internet"], "destination": ["*"], "destination_ports": ["3389"]}]
    assert tf_id("azurerm_network_security_group.ml") in uses(g, rdp)
    named = tf_id("azurerm_network_security_rule.by_name")
    assert uses(g, named) == {tf_id("azurerm_network_security_group.empty")}     # a literal name
    winrm = node_attrs(g, named)["security_rules"][0]
    assert winrm["direction"] is None and "sideways" in winrm["unknown"]["direction"]["reason"]
    assert winrm["destination_ports"] == ["5985-5986"]


def test_terraform_subnets_inline_and_standalone_with_their_nsg_and_hosts(tmp_path):
    g = collected(tmp_path, {"main.tf": NETWORK_TF})
    vnet = tf_id("azurerm_virtual_network.ml")
    assert node_attrs(g, vnet)["address_space"] == ["10.10.0.0/16"]
    web = tf_id("azurerm_virtual_network.ml/subnets/snet-web")
    batch = tf_id("azurerm_virtual_network.ml/subnets/snet-batch")
    w, b = node_attrs(g, web), node_attrs(g, batch)
    assert (w["type"], w["name"], w["address_prefixes"]) == ("subnet", "snet-web", ["10.10.9.0/24"])   # 3.x
    assert b["address_prefixes"] == ["10.10.8.0/24"] and b["network_security_group"] is None
    assert b["fact_sources"]["network_security_group"]["from"] == "default"
    # the NSG id is known only after apply, but the reference names it: an edge, this subnet's only
    assert "network_security_group" in w["unknown"]
    assert uses(g, web) == {tf_id("azurerm_network_security_group.web"), vnet}
    assert uses(g, batch) == {vnet}
    assert tf_id("azurerm_network_security_group.web") not in uses(g, vnet)
    training = tf_id("azurerm_subnet.training")
    t = node_attrs(g, training)
    assert t["service_endpoints"] == ["Microsoft.Storage", "Microsoft.KeyVault"]
    assert t["delegations"] == ["Microsoft.ContainerInstance/containerGroups"]
    assert "network_security_group" not in t and "network_security_group" not in t.get("unknown", {})
    assoc = tf_id("azurerm_subnet_network_security_group_association.training")
    assert uses(g, assoc) == {training, tf_id("azurerm_network_security_group.web")}
    # what sits in the subnet: the compute and the private endpoint name it
    assert training in uses(g, tf_id("azurerm_machine_learning_compute_cluster.cpu"))
    pe = tf_id("azurerm_private_endpoint.mlw")
    assert uses(g, pe) == {training}
    assert uses(g, pe, "private_link") == {tf_id("azurerm_machine_learning_workspace.ml")}
    p = node_attrs(g, pe)
    assert p["subresource_names"] == ["amlworkspace"] and p["dns_zone_group"] is False
    assert p["fact_sources"]["dns_zone_group"]["from"] == "default"
    # AKS nodes in a subnet given by literal id: a reference by id (the subnet is not collected here)
    aks = node_attrs(g, tf_id("azurerm_kubernetes_cluster.inference"))
    assert {"attribute": "default_node_pool.vnet_subnet_id", "by": "arm_id",
            "target": "/subscriptions/0/resourceGroups/rg-ml/providers/Microsoft.Network/virtualNetworks/vnet-ml/"
                      "subnets/snet-aks"} in aks["references"]


def test_terraform_plan_security_rules_with_empty_singular_fields(tmp_path):
    rule = {"name": "ssh", "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
            "source_port_range": "*", "source_port_ranges": [], "destination_port_range": "",
            "destination_port_ranges": ["22", "2222"], "source_address_prefix": "Internet",
            "source_address_prefixes": [], "destination_address_prefix": "*", "destination_address_prefixes": [],
            "source_application_security_group_ids": [], "destination_application_security_group_ids": [],
            "description": ""}
    plan = {"format_version": "1.2", "terraform_version": "1.7.5", "planned_values": {"root_module": {"resources": [{
        "address": "azurerm_network_security_group.ml", "mode": "managed", "type": "azurerm_network_security_group",
        "name": "ml", "provider_name": "registry.terraform.io/hashicorp/azurerm", "schema_version": 0,
        "values": {"name": "nsg-ml", "location": "westeurope", "resource_group_name": "rg", "security_rule": [rule],
                   "tags": None},
        "sensitive_values": {"security_rule": [{"destination_port_ranges": [False, False]}]}}]}}}
    g = collected(tmp_path, {"infra/tfplan.json": json.dumps(plan)})
    nsg = node_attrs(g, "resource:terraform-plan:fs:./infra/tfplan.json#azurerm_network_security_group.ml")
    assert nsg["security_rules"] == [{"name": "ssh", "direction": "inbound", "access": "allow", "priority": 100,
                                      "protocol": "tcp", "source": ["Internet"], "destination": ["*"],
                                      "destination_ports": ["22", "2222"]}]


# -- ARM, Bicep, exports -------------------------------------------------------------------------

def test_arm_nsg_child_rules_inline_subnets_endpoints_and_zone_groups(tmp_path):
    g = collected(tmp_path, {"azuredeploy.json": json.dumps(ARM, indent=2)})
    key = "resource:arm:fs:./azuredeploy.json#"
    nsg = key + "Microsoft.Network/networkSecurityGroups/nsg-aml"
    rules = by_name(node_attrs(g, nsg)["security_rules"])
    assert rules["AllowBatch"]["priority"] == 100                      # "100": ARM strings count
    assert rules["AllowBatch"]["destination_ports"] == ["29876-29877"]
    param = rules["AllowFromParam"]
    assert param["source"] is None and param["unknown"]["source"]["expression"] == "parameters('allowedSource')"
    assert param["priority"] is None and param["destination_ports"] == ["22", "3389"]
    deny = key + "Microsoft.Network/networkSecurityGroups/securityRules/nsg-aml/DenyAll"
    assert node_attrs(g, deny)["security_rules"] == [{
        "name": "DenyAll", "direction": "inbound", "access": "deny", "priority": 4096, "protocol": "*",
        "source": ["Internet", "AzureCloud"], "destination": ["*"], "destination_ports": ["*"]}]
    assert nsg in uses(g, deny)
    vnet = key + "Microsoft.Network/virtualNetworks/[parameters('vnetName')]"
    training, pe_subnet = vnet + "/subnets/snet-training", vnet + "/subnets/snet-pe"
    t, p = node_attrs(g, training), node_attrs(g, pe_subnet)
    assert (t["name"], t["address_prefixes"], t["service_endpoints"]) == (
        "vnet-aml/snet-training", ["10.30.0.0/24"], ["Microsoft.Storage"])
    assert t["network_security_group"].endswith("/networkSecurityGroups/nsg-aml")
    assert uses(g, training) == {nsg, vnet}
    assert nsg not in uses(g, vnet)                    # the subnet's reference moved to the subnet
    assert (p["address_prefixes"], p["delegations"], p["network_security_group"]) == (
        ["10.30.1.0/24"], ["Microsoft.Web/serverFarms"], None)
    assert training in uses(g, key + "Microsoft.MachineLearningServices/workspaces/computes/mlw/cpu")
    pe = key + "Microsoft.Network/privateEndpoints/pe-kv"
    assert uses(g, pe) == {pe_subnet}
    assert uses(g, pe, "private_link") == {key + "Microsoft.KeyVault/vaults/kv-aml"}
    assert node_attrs(g, pe)["subresource_names"] == ["vault"]
    assert "dns_zone_group" not in node_attrs(g, pe)   # ARM: a child resource says it, not a property
    zone = key + "Microsoft.Network/privateEndpoints/privateDnsZoneGroups/default"
    assert node_attrs(g, zone)["type"] == "private_dns_zone_group" and uses(g, zone) == {pe}


def test_bicep_zone_group_declared_by_full_name_finds_its_endpoint(tmp_path):
    g = collected(tmp_path, {"main.bicep": BICEP})
    key = "resource:bicep:fs:./main.bicep#"
    assert uses(g, key + "zoneGroup") == {key + "pe"}
    assert by_name(node_attrs(g, key + "nsg")["security_rules"])["AllowHttps"]["source"] == ["Internet"]
    pe = node_attrs(g, key + "pe")
    assert pe["subnet"].endswith("/subnets/snet-pe") and pe["subresource_names"] == ["blob"]
    # literal ids that name nothing collected stay unresolved references, not edges
    assert not uses(g, key + "pe", "private_link")


def test_az_exports_printed_flat(tmp_path):
    g = collected(tmp_path, {"exports/nsg.json": json.dumps(AZ_NSG), "exports/vnet.json": json.dumps(AZ_VNET)})
    nsg = "resource:azure:" + AZ_NSG["id"].lower()
    assert node_attrs(g, nsg)["security_rules"] == [{
        "name": "web", "direction": "inbound", "access": "allow", "priority": 300, "protocol": "tcp",
        "source": ["0.0.0.0/0"], "destination": ["*"], "destination_ports": ["22", "80"]}]
    subnet = "resource:azure:" + AZ_VNET["subnets"][0]["id"].lower()
    s = node_attrs(g, subnet)
    assert (s["type"], s["name"], s["address_prefixes"]) == ("subnet", "vnet/train", ["10.0.0.0/24"])
    assert uses(g, subnet) == {nsg, "resource:azure:" + AZ_VNET["id"].lower()}


# -- bad input -----------------------------------------------------------------------------------

def test_malformed_rule_lists_are_unrecognised_or_unknown_never_guessed():
    assert terraform_rules("not a list") is UNRECOGNISED and arm_rules({"a": 1}) is UNRECOGNISED
    assert terraform_rules([1, 2]) is UNRECOGNISED and arm_rules(["x"]) is UNRECOGNISED
    [hidden] = terraform_rules([Unknown("each.value", "dynamic block")])
    assert hidden["unknown"]["rule"]["expression"] == "each.value" and hidden["access"] is None
    [odd] = arm_rules([{"name": "odd", "properties": {
        "priority": "high", "direction": "Inbound", "access": "Allow", "protocol": "",
        "sourceAddressPrefix": {"nested": True}, "destinationPortRanges": [True]}}])
    assert odd["priority"] is None and "not a number" in odd["unknown"]["priority"]["reason"]
    assert odd["protocol"] is None and odd["source"] is None and odd["destination_ports"] is None
    assert set(odd["unknown"]) == {"priority", "protocol", "source", "destination", "destination_ports"}
    assert odd["unknown"]["destination"]["reason"].startswith("absent")
    [missing] = arm_rules([{"name": "bare", "properties": {"priority": 1, "direction": "Outbound",
                                                           "access": "Deny", "protocol": "Udp"}}])
    assert missing["unknown"]["source"]["reason"].startswith("absent")


def test_a_security_rule_list_that_is_not_one_leaves_the_fact_unknown(tmp_path):
    bad = {"$schema": ARM["$schema"], "contentVersion": "1.0.0.0", "resources": [
        {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-09-01", "name": "nsg-bad",
         "properties": {"securityRules": "AllowAll"}}]}
    g = collected(tmp_path, {"azuredeploy.json": json.dumps(bad)})
    nsg = node_attrs(g, "resource:arm:fs:./azuredeploy.json#Microsoft.Network/networkSecurityGroups/nsg-bad")
    assert "security_rules" not in nsg and "AllowAll" in nsg["unknown"]["security_rules"]["expression"]


def test_bicep_subnet_named_by_an_id_built_from_its_network(tmp_path):
    bicep = '''
param subnetName string = 'snet-pe'

resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = {
  name: 'vnet-aml'
  properties: {
    addressSpace: { addressPrefixes: ['10.0.0.0/16'] }
    subnets: [
      { name: 'snet-train', properties: { addressPrefix: '10.0.0.0/24' } }
      { name: subnetName, properties: { addressPrefix: '10.0.1.0/24' } }
    ]
  }
}

resource pe 'Microsoft.Network/privateEndpoints@2023-09-01' = {
  name: 'pe-built'
  properties: {
    subnet: { id: '${vnet.id}/subnets/${subnetName}' }
    privateLinkServiceConnections: []
  }
}

resource byIndex 'Microsoft.Network/privateEndpoints@2023-09-01' = {
  name: 'pe-index'
  properties: {
    subnet: { id: vnet.properties.subnets[1].id }
    privateLinkServiceConnections: []
  }
}
'''
    g = collected(tmp_path, {"main.bicep": bicep})
    key = "resource:bicep:fs:./main.bicep#"
    assert uses(g, key + "pe") == {key + "vnet", key + "vnet/subnets/snet-pe"}
    # a subnet by its index in the network's list is not followed (not covered): the network only
    assert uses(g, key + "byIndex") == {key + "vnet"}


def test_bicep_zone_group_finds_its_endpoint_whose_name_is_known_only_at_deployment(tmp_path):
    # The endpoint's name holds uniqueString(): the child's full name cannot be matched by
    # its segments, but it is built from the endpoint's own `.name`, which says the parent.
    g = collected(tmp_path, {"net.bicep": """\
param prefix string = 'ml'
var suffix = uniqueString(resourceGroup().id)

resource endpoint 'Microsoft.Network/privateEndpoints@2023-09-01' = {
  name: 'pe-${prefix}-${suffix}'
  location: 'westeurope'
  properties: {
    subnet: {
      id: '/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet-pe'
    }
    privateLinkServiceConnections: []
  }
}

resource other 'Microsoft.Network/privateEndpoints@2023-09-01' = {
  name: 'pe-other-${suffix}'
  location: 'westeurope'
  properties: {
    privateLinkServiceConnections: []
  }
}

resource zones 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2023-09-01' = {
  name: '${endpoint.name}/vault-zones'
  properties: {
    privateDnsZoneConfigs: []
  }
}

resource tagged 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2023-09-01' = {
  name: '${prefix}-${suffix}/unknown-parent'
  properties: {
    privateDnsZoneConfigs: []
  }
}
"""})
    key = "resource:bicep:fs:./net.bicep#"
    assert uses(g, key + "zones") == {key + "endpoint"}
    assert not uses(g, key + "tagged")          # built from no endpoint symbol: not guessed
