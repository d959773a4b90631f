"""NSG rules, routes and firewalls (issue 9): per-stage time and peak memory beside the parse floor.

    .venv/bin/python bench/bench_infra_network.py                  # 1k and 10k NSG rules
    .venv/bin/python bench/bench_infra_network.py --sizes 1000

Corpus (generated into a temp dir, deleted after): N NSG rules, half in Terraform, half in
ARM. Terraform: a root module calling one module per 100 rules (modules/net-<m>/: a
subnet, an NSG with 50 inline `security_rule` blocks, 50 standalone
azurerm_network_security_rule, a subnet-NSG association, a route table whose 0.0.0.0/0
goes to the hub firewall, a compute cluster of an HBI workspace in the subnet), the hub
(firewall, policy, rule collection group) in the root. ARM: one template per 100 rules (an
NSG with 50 inline securityRules, 50 child securityRules, a virtual network with a subnet
naming the NSG and a route table; the first also the hub firewall, by its private IP). Rules mix single ports, ranges, lists, `*`, service tags
and CIDRs, inbound and outbound.

Measured in this process: a scan (checker.scan.run_scan with only MLC-NET-011 and
MLC-NET-012) timed per stage by a bench/stages.py StageTimer (collect: walk, parse, emit;
link: every linker; rules: the two rules on the embedded Rego engine), best of --repeat
untraced runs; then one run under a traced StageTimer for each stage's tracemalloc peak.
The floor is reading the same files and decoding them alone: python-hcl2's
`hcl2.parses_to_tree` on the .tf files (the Lark tree the collector compiles from: the least
any python-hcl2 reader pays; `hcl2.loads`, its dict output, costs 3-4x more), `json.loads`
on the templates, with the cyclic GC off as run_scan's collect stage has it.

On the 2-core development machine (shared with three other engineers' runs, so seconds
vary by up to 1.7x between runs), 10k NSG rules (100 NSGs, 4.9 MiB, 50 Terraform modules
and 50 ARM templates): collect 7.8-8.5 s (peak 67 MiB), link 0.3-0.4 s (6 MiB), the two
rules 4.7-7.9 s (10 MiB; 100 NET-011 findings, NET-012 closed by the firewall), beside a
floor of 12.4-13.6 s (collect 0.6-0.7x the floor, which parses with the same
`hcl2.parses_to_tree` call; why the collector's pass is cheaper was not investigated);
1k rules: collect 0.9-1.1 s, rules 0.6-0.8 s, floor 1.1-1.2 s.
"""
from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from checker.scan import ScanOptions, run_scan  # noqa: E402
from stages import StageTimer  # noqa: E402

PER_NSG = 100           # rules per NSG: half inline, half standalone
PORTS = ("22", "443", "1000-2000", "*", "8080")
SOURCES = ("Internet", "10.0.0.0/8", "*", "AzureLoadBalancer", "VirtualNetwork")


def _rule_fields(i: int) -> dict:
    outbound = i % 4 == 3
    return {"name": f"r{i}", "priority": 100 + i, "direction": "Outbound" if outbound else "Inbound",
            "access": "Deny" if i % 5 == 4 else "Allow", "protocol": ("Tcp", "Udp", "*")[i % 3],
            "source": SOURCES[i % len(SOURCES)], "ports": [PORTS[i % len(PORTS)], PORTS[(i + 2) % len(PORTS)]],
            "destination": "Internet" if outbound else "*"}


def tf_rule(i: int) -> str:
    r = _rule_fields(i)
    ports = json.dumps(r["ports"])
    return f'''
  security_rule {{
    name                       = "{r["name"]}"
    priority                   = {r["priority"]}
    direction                  = "{r["direction"]}"
    access                     = "{r["access"]}"
    protocol                   = "{r["protocol"]}"
    source_port_range          = "*"
    destination_port_ranges    = {ports}
    source_address_prefix      = "{r["source"]}"
    destination_address_prefix = "{r["destination"]}"
  }}
'''


def tf_standalone(i: int) -> str:
    r = _rule_fields(i)
    return f'''
resource "azurerm_network_security_rule" "{r["name"]}" {{
  name                        = "{r["name"]}"
  priority                    = {r["priority"]}
  direction                   = "{r["direction"]}"
  access                      = "{r["access"]}"
  protocol                    = "{r["protocol"]}"
  source_port_range           = "*"
  destination_port_range      = "{r["ports"][0]}"
  source_address_prefix       = "{r["source"]}"
  destination_address_prefix  = "{r["destination"]}"
  resource_group_name         = "rg-net"
  network_security_group_name = azurerm_network_security_group.nsg.name
}}
'''


def tf_module(m: int) -> str:
    half = PER_NSG // 2
    inline = "".join(tf_rule(i) for i in range(half))
    standalone = "".join(tf_standalone(i) for i in range(half, PER_NSG))
    return f'''variable "workspace_id" {{}}
variable "firewall_ip" {{}}

resource "azurerm_subnet" "ml" {{
  name                 = "snet-{m}"
  resource_group_name  = "rg-net"
  virtual_network_name = "vnet-spokes"
  address_prefixes     = ["10.{m // 250}.{m % 250}.0/24"]
}}

resource "azurerm_network_security_group" "nsg" {{
  name                = "nsg-{m}"
  location            = "westeurope"
  resource_group_name = "rg-net"
{inline}}}
{standalone}
resource "azurerm_subnet_network_security_group_association" "ml" {{
  subnet_id                 = azurerm_subnet.ml.id
  network_security_group_id = azurerm_network_security_group.nsg.id
}}

resource "azurerm_route_table" "rt" {{
  name                = "rt-{m}"
  location            = "westeurope"
  resource_group_name = "rg-net"

  route {{
    name                   = "default"
    address_prefix         = "0.0.0.0/0"
    next_hop_type          = "VirtualAppliance"
    next_hop_in_ip_address = var.firewall_ip
  }}
}}

resource "azurerm_subnet_route_table_association" "ml" {{
  subnet_id      = azurerm_subnet.ml.id
  route_table_id = azurerm_route_table.rt.id
}}

resource "azurerm_machine_learning_compute_cluster" "cpu" {{
  name                          = "cpu-{m}"
  location                      = "westeurope"
  vm_priority                   = "Dedicated"
  vm_size                       = "STANDARD_DS3_V2"
  machine_learning_workspace_id = var.workspace_id
  subnet_resource_id            = azurerm_subnet.ml.id

  scale_settings {{
    min_node_count                       = 0
    max_node_count                       = 4
    scale_down_nodes_after_idle_duration = "PT30S"
  }}
}}
'''


def tf_root(modules: int) -> str:
    calls = "".join(f'''
module "net_{m}" {{
  source       = "./modules/net-{m}"
  workspace_id = azurerm_machine_learning_workspace.hbi.id
  firewall_ip  = "10.255.0.4"
}}
''' for m in range(modules))
    return f'''resource "azurerm_machine_learning_workspace" "hbi" {{
  name                    = "mlw-hbi"
  location                = "westeurope"
  resource_group_name     = "rg-net"
  application_insights_id = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Insights/components/a"
  key_vault_id            = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"
  storage_account_id      = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st"
  high_business_impact    = true

  identity {{
    type = "SystemAssigned"
  }}
}}

resource "azurerm_firewall_policy" "hub" {{
  name                = "afwp-hub"
  resource_group_name = "rg-net"
  location            = "westeurope"
}}

resource "azurerm_firewall_policy_rule_collection_group" "hub" {{
  name               = "egress"
  firewall_policy_id = azurerm_firewall_policy.hub.id
  priority           = 100

  application_rule_collection {{
    name     = "web"
    priority = 100
    action   = "Allow"

    rule {{
      name = "pypi"
      protocols {{
        type = "Https"
        port = 443
      }}
      source_addresses  = ["10.0.0.0/8"]
      destination_fqdns = ["pypi.org", "*.pythonhosted.org"]
    }}
  }}
}}
{calls}'''


def arm_rule(i: int, child: str | None = None) -> dict:
    r = _rule_fields(i)
    props = {"priority": r["priority"], "direction": r["direction"], "access": r["access"], "protocol": r["protocol"],
             "sourceAddressPrefix": r["source"], "sourcePortRange": "*", "destinationAddressPrefix": r["destination"],
             "destinationPortRanges": r["ports"]}
    if child is None:
        return {"name": r["name"], "properties": props}
    return {"type": "Microsoft.Network/networkSecurityGroups/securityRules", "apiVersion": "2023-09-01",
            "name": f"{child}/{r['name']}", "dependsOn": [f"[resourceId('Microsoft.Network/networkSecurityGroups', '{child}')]"],
            "properties": props}


def arm_template(m: int) -> str:
    half, nsg = PER_NSG // 2, f"nsg-arm-{m}"
    resources = [
        {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-09-01", "name": nsg,
         "location": "westeurope", "properties": {"securityRules": [arm_rule(i) for i in range(half)]}},
        *[arm_rule(i, nsg) for i in range(half, PER_NSG)],
        {"type": "Microsoft.Network/routeTables", "apiVersion": "2023-09-01", "name": f"rt-arm-{m}",
         "location": "westeurope", "properties": {"routes": [{"name": "default", "properties": {
             "addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.255.0.4"}}]}},
        {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": f"vnet-arm-{m}",
         "location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": [f"10.128.{m % 250}.0/24"]},
                                                  "subnets": [{"name": "snet", "properties": {
                                                      "addressPrefix": f"10.128.{m % 250}.0/24",
                                                      "networkSecurityGroup": {"id": f"[resourceId('Microsoft.Network/networkSecurityGroups', '{nsg}')]"},
                                                      "routeTable": {"id": f"[resourceId('Microsoft.Network/routeTables', 'rt-arm-{m}')]"}}}]}},
    ]
    if m == 0:                      # the hub firewall every route's next hop names by its private IP
        resources.append({"type": "Microsoft.Network/azureFirewalls", "apiVersion": "2023-09-01", "name": "afw-hub",
                          "location": "westeurope", "properties": {
                              "ipConfigurations": [{"name": "c", "properties": {"privateIPAddress": "10.255.0.4"}}],
                              "networkRuleCollections": [{"name": "azure", "properties": {
                                  "priority": 100, "action": {"type": "Allow"}, "rules": [{
                                      "name": "aml", "protocols": ["TCP"], "sourceAddresses": ["10.0.0.0/8"],
                                      "destinationAddresses": ["AzureMachineLearning"], "destinationPorts": ["443"]}]}}]}})
    return json.dumps({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                       "contentVersion": "1.0.0.0", "resources": resources}, indent=2)


def write(root: Path, n: int) -> None:
    nsgs = max(2, n // PER_NSG)
    tf_nsgs, arm_nsgs = nsgs // 2, nsgs - nsgs // 2
    (root / "terraform").mkdir(parents=True)
    (root / "terraform" / "main.tf").write_text(tf_root(tf_nsgs))
    for m in range(tf_nsgs):
        folder = root / "terraform" / "modules" / f"net-{m}"
        folder.mkdir(parents=True)
        (folder / "main.tf").write_text(tf_module(m))
    (root / "arm").mkdir()
    for m in range(arm_nsgs):
        (root / "arm" / f"network-{m}.json").write_text(arm_template(m))


def floor(root: Path) -> float:
    """Decoding the same files alone: hcl2.parses_to_tree on .tf, json.loads on templates."""
    import hcl2
    hcl2.parses_to_tree("a = 1\n")  # its grammar built before the clock starts, as for the scan
    gc.disable()                     # as run_scan's collect stage does
    try:
        start = time.perf_counter()
        for path in sorted(root.rglob("*")):
            if path.suffix == ".tf":
                hcl2.parses_to_tree(path.read_text())
            elif path.suffix == ".json":
                json.loads(path.read_bytes())
        return time.perf_counter() - start
    finally:
        gc.enable()


def scan(root: Path, traced: bool) -> tuple[dict, object]:
    timer = StageTimer(traced)
    result = run_scan(ScanOptions(paths=[str(root)], only=["MLC-NET-011", "MLC-NET-012"]), observe=timer)
    return timer.stages, result


def measure(n: int, repeat: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / f"network-{n}"
        root.mkdir()
        write(root, n)
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        best: dict[str, float] = {}
        floors = []
        for _ in range(repeat):
            stages, result = scan(root, traced=False)
            for stage, entry in stages.items():
                best[stage] = min(best.get(stage, entry["seconds"]), entry["seconds"])
            floors.append(floor(root))
        graph = result.graph
        rules = sum(len(d["attrs"].get("security_rules") or []) for _, d in graph.nodes("resource")
                    if d["attrs"].get("type") in ("network_security_group", "network_security_rule"))
        assert not graph.errors, graph.errors[:3]
        hits = {rid: (len(r.hits), len(r.undetermined)) for rid, r in result.results.items()}
        assert not any(r.error for r in result.results.values()), [r.error for r in result.results.values()]
        traced, _ = scan(root, traced=True)
    f = min(floors)
    parts = ", ".join(f"{s} {best[s]:.2f} s" + (f" / {traced[s]['peak_mib']:.0f} MiB" if "peak_mib" in traced.get(s, {})
                                                else "") for s in ("collect", "link", "rules") if s in best)
    return (f"network {n:>6} NSG rules ({rules} normalised, {size / 2**20:5.1f} MiB, (findings, cannot evaluate) {hits}): {parts}; "
            f"floor {f:.2f} s (collect {best['collect'] / f:.1f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    for n in args.sizes:
        print(measure(n, args.repeat), flush=True)


if __name__ == "__main__":
    main()
