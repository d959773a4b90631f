"""ARM and Bicep collectors against their parse floor, at 100 / 1k / 10k resources.

    .venv/bin/python bench/bench_infra_arm.py [100 1000 10000]

Corpus (generated into a temp folder, never committed): an ML estate of 50-resource
templates — storage accounts, key vaults and workspaces whose names come from parameters
(a paired parameter file) and whose links are resourceId() expressions; the Bicep side
is one main.bicep calling a 50-resource module once per 50 resources, links by symbol.

Measured, CPU time (best of 3) and peak memory (tracemalloc, a separate run), floor and
collect with the cyclic GC off as checker.scan runs collection (link with it on):
- floor: json.loads / tree-sitter parse of every file, nothing else (Bicep: the module
  parsed once per call, as often as it is evaluated; and, on a row of its own, each file
  parsed once, which is what the collector parses);
- collect: the parser's parse() and finish() into a graph (expressions, parameters,
  references, the vocabulary, node creation);
- link: checker.cloud.links.link_resources on the collected graph.
Goal (issue 8): collect within 2x the floor.

Numbers, before and after the speed work, and what stands between them and the goal:
bench/README.md, "Infrastructure collectors".
"""
from __future__ import annotations

import gc
import json
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from checker.cloud.links import link_resources  # noqa: E402
from checker.collectors import CollectContext, FileRef  # noqa: E402
from checker.collectors.arm import ArmParser  # noqa: E402
from checker.collectors.bicep import BicepParser, _parser  # noqa: E402
from checker.graph import EstateGraph  # noqa: E402

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
PARAMS = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"
PER_FILE = 50


def arm_corpus(root: Path, resources: int) -> list[Path]:
    paths = []
    for f in range(max(1, resources // PER_FILE)):
        items = []
        for i in range(PER_FILE // 5):
            sa = f"[concat('st', parameters('prefix'), '{i}')]"
            items += [
                {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-05-01", "name": sa,
                 "location": "[parameters('location')]", "kind": "StorageV2",
                 "properties": {"minimumTlsVersion": "TLS1_2", "allowBlobPublicAccess": False,
                                "networkAcls": {"defaultAction": "Deny"}}},
                {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01",
                 "name": f"[format('kv-{{0}}-{i}', parameters('prefix'))]", "location": "[parameters('location')]",
                 "properties": {"tenantId": "[subscription().tenantId]", "enablePurgeProtection": True}},
                {"type": "Microsoft.MachineLearningServices/workspaces", "apiVersion": "2024-04-01",
                 "name": f"[concat('mlw-', parameters('prefix'), '-{i}')]", "location": "[parameters('location')]",
                 "identity": {"type": "SystemAssigned"},
                 "dependsOn": [f"[resourceId('Microsoft.Storage/storageAccounts', concat('st', parameters('prefix'), '{i}'))]"],
                 "properties": {"publicNetworkAccess": "[if(equals(parameters('env'), 'prod'), 'Disabled', 'Enabled')]",
                                "storageAccount": f"[resourceId('Microsoft.Storage/storageAccounts', concat('st', parameters('prefix'), '{i}'))]",
                                "keyVault": f"[resourceId('Microsoft.KeyVault/vaults', format('kv-{{0}}-{i}', parameters('prefix')))]",
                                "managedNetwork": {"isolationMode": "AllowOnlyApprovedOutbound"}}},
                {"type": "Microsoft.MachineLearningServices/workspaces/computes", "apiVersion": "2024-04-01",
                 "name": f"[concat('mlw-', parameters('prefix'), '-{i}/cpu')]", "location": "[parameters('location')]",
                 "properties": {"computeType": "AmlCompute", "disableLocalAuth": True,
                                "properties": {"vmSize": "Standard_DS3_v2", "enableNodePublicIp": False}}},
                {"type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01",
                 "name": f"[toLower(concat('cr', parameters('prefix'), '{i}'))]", "location": "[parameters('location')]",
                 "sku": {"name": "Premium"}, "properties": {"adminUserEnabled": False}},
            ]
        template = {"$schema": SCHEMA, "contentVersion": "1.0.0.0",
                    "parameters": {"prefix": {"type": "string"}, "env": {"type": "string", "defaultValue": "prod"},
                                   "location": {"type": "string", "defaultValue": "[resourceGroup().location]"}},
                    "resources": items}
        folder = root / f"stack{f:04d}"
        folder.mkdir(parents=True)
        (folder / "azuredeploy.json").write_text(json.dumps(template, indent=2))
        (folder / "azuredeploy.parameters.json").write_text(json.dumps(
            {"$schema": PARAMS, "parameters": {"prefix": {"value": f"s{f}"}}}))
        paths += [folder / "azuredeploy.json", folder / "azuredeploy.parameters.json"]
    return paths


def bicep_corpus(root: Path, resources: int) -> list[Path]:
    module = ["param prefix string", "param location string = resourceGroup().location"]
    for i in range(PER_FILE // 5):
        module.append(f"""
resource sa{i} 'Microsoft.Storage/storageAccounts@2023-05-01' = {{
  name: 'st${{prefix}}{i}'
  location: location
  kind: 'StorageV2'
  properties: {{
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    networkAcls: {{
      defaultAction: 'Deny'
    }}
  }}
}}
resource kv{i} 'Microsoft.KeyVault/vaults@2023-07-01' = {{
  name: 'kv-${{prefix}}-{i}'
  location: location
  properties: {{
    tenantId: subscription().tenantId
    enablePurgeProtection: true
  }}
}}
resource ws{i} 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = {{
  name: 'mlw-${{prefix}}-{i}'
  location: location
  identity: {{
    type: 'SystemAssigned'
  }}
  properties: {{
    publicNetworkAccess: 'Disabled'
    storageAccount: sa{i}.id
    keyVault: kv{i}.id
    managedNetwork: {{
      isolationMode: 'AllowOnlyApprovedOutbound'
    }}
  }}
  resource cpu 'computes' = {{
    name: 'cpu'
    location: location
    properties: {{
      computeType: 'AmlCompute'
      disableLocalAuth: true
      properties: {{
        enableNodePublicIp: false
      }}
    }}
  }}
}}
resource cr{i} 'Microsoft.ContainerRegistry/registries@2023-07-01' = {{
  name: toLower('cr${{prefix}}{i}')
  location: location
  sku: {{
    name: 'Premium'
  }}
  properties: {{
    adminUserEnabled: false
  }}
}}""")
    (root / "modules").mkdir(parents=True)
    (root / "modules" / "stack.bicep").write_text("\n".join(module) + "\n")
    calls = [f"module stack{f} 'modules/stack.bicep' = {{\n  name: 'stack{f}'\n  params: {{\n    prefix: 's{f}'\n"
             f"  }}\n}}\n" for f in range(max(1, resources // PER_FILE))]
    (root / "main.bicep").write_text("".join(calls))
    return [root / "main.bicep", root / "modules" / "stack.bicep"]


def collect(parser_cls, root: Path, paths: list[Path]) -> EstateGraph:
    graph = EstateGraph()
    graph.add_node("repo", "fs:.", {"path": ".", "vcs": "none"})
    ctx = CollectContext(graph)
    parser = parser_cls()
    for path in paths:
        rel = path.relative_to(root).as_posix()
        node = graph.add_node("file", f"fs:./{rel}", {"path": rel})
        parser.parse(FileRef(node, rel, rel, "repo:fs:.", "fs:.", None), path.read_bytes(), ctx)
    parser.finish("repo:fs:.", ctx)
    return graph


def floor_json(paths: list[Path]) -> None:
    for path in paths:
        json.loads(path.read_bytes())


def floor_tree_sitter(paths: list[Path], calls: int) -> None:
    ts = _parser()
    main, module = paths
    ts.parse(main.read_bytes())
    data = module.read_bytes()
    for _ in range(calls):          # the module is evaluated per call, so parse it as often
        ts.parse(data)


def best(fn, rounds: int = 3, gc_off: bool = True) -> tuple[float, object]:
    """The least CPU time of `rounds` runs; the cyclic GC off, as checker.scan runs
    collection (checker/collection.py), unless `gc_off` is False (the link stage)."""
    times, result = [], None
    for _ in range(rounds):
        gc.collect()
        if gc_off:
            gc.disable()
        start = time.process_time()
        result = fn()
        times.append(time.process_time() - start)
        gc.enable()
    return min(times), result


def peak(fn) -> float:
    gc.collect()
    gc.disable()
    tracemalloc.start()
    fn()
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    gc.enable()
    return top / 2 ** 20


def row(label: str, n: int, floor: float, floor_mb: float, coll: float, coll_mb: float, link: float,
        graph: EstateGraph, fmt: str) -> str:
    nodes = sum(1 for _, d in graph.nodes() if d["attrs"].get("format") == fmt)
    return (f"| {label} | {n} | {nodes} | {floor * 1000:.0f} ms / {floor_mb:.1f} MiB | {coll * 1000:.0f} ms / "
            f"{coll_mb:.1f} MiB | {coll / floor:.1f}x | {link * 1000:.0f} ms | {graph.digest()[7:19]} |")


def main(sizes: list[int]) -> None:
    print("| format | resources | nodes | parse floor (CPU / peak) | collect (CPU / peak) | collect/floor | link "
          "| graph digest (collected and linked) |")
    print("|---|---|---|---|---|---|---|---|")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "arm"
            paths = arm_corpus(root, n)
            floor, _ = best(lambda: floor_json(paths))
            coll, graph = best(lambda: collect(ArmParser, root, paths))
            link, _ = best(lambda: link_resources(graph), 1, gc_off=False)
            print(row("ARM", n, floor, peak(lambda: floor_json(paths)), coll,
                      peak(lambda: collect(ArmParser, root, paths)), link, graph, "arm"), flush=True)
            root = Path(tmp) / "bicep"
            paths = bicep_corpus(root, n)
            calls = max(1, n // PER_FILE)
            floor, _ = best(lambda: floor_tree_sitter(paths, calls))
            coll, graph = best(lambda: collect(BicepParser, root, paths))
            link, _ = best(lambda: link_resources(graph), 1, gc_off=False)
            coll_mb = peak(lambda: collect(BicepParser, root, paths))
            print(row("Bicep", n, floor, peak(lambda: floor_tree_sitter(paths, calls)), coll, coll_mb, link, graph,
                      "bicep"), flush=True)
            # The collector parses each file once and evaluates the module per call: against
            # parsing the same files once, nothing else, the ratio is this.
            once, _ = best(lambda: floor_tree_sitter(paths, 1))
            print(row("Bicep, floor: each file parsed once", n, once, peak(lambda: floor_tree_sitter(paths, 1)),
                      coll, coll_mb, link, graph, "bicep"), flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 1000, 10000])
