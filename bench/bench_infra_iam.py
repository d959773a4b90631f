"""Access control (issue 9): role assignments collected, linked and judged, beside the parse floor.

    .venv/bin/python bench/bench_infra_iam.py                 # 1k and 10k role assignments
    .venv/bin/python bench/bench_infra_iam.py --sizes 100 1000

Corpus (generated into a temp dir, deleted after), N role assignments per source form:
- Terraform: modules of 100 assignments each (a folder per module, called from a root
  main.tf), each module with 5 user-assigned identities, a GitHub Actions federated
  credential on the first, a custom role granting `*` and one granting reads, and its
  assignments cycling through Owner by name, Contributor by GUID, a custom role by
  reference, Reader, and a storage data role, at subscription, resource-group and resource
  scope, to the module's identities;
- ARM: templates of 100 `Microsoft.Authorization/roleAssignments` each, with
  `subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '<guid>')` roles,
  `reference(resourceId(...)).principalId` principals, extension scopes on a storage
  account, and the same identities and credentials.

Stages, measured in this process, best of 3 (CPU seconds; the rules stage once, wall clock): *collect* is the real folder
collector with the Terraform and ARM parsers registered (walk, read, parse, evaluate, emit
with the access-control vocabulary); *link* is checker.cloud.links.link_resources
(references into edges); *rules* is MLC-IAM-001/002/003 on the embedded Rego engine. The
*floor* is python-hcl2's `parses_to_tree` on every .tf file plus `json.loads` on every
template: what any reader of these files pays. Peak memory is tracemalloc's peak over one
collect + link.

On the 2-core development machine (shared with three other sessions), 10k per form
(20,000 role assignments, 7.9 MiB): collect 12.9 s, 1.4x the floor of 9.2 s; link 0.24 s;
the three rules 7.6 s (MLC-IAM-001 judging each assignment once, the principal only where
role and scope leave it open: it took 15.9 s before); peak 170 MiB. 1k per form: collect
0.89 s (1.4x the floor of 0.62 s), link 0.02 s, rules 0.93 s, peak 16 MiB.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from checker.catalog import load_catalog  # noqa: E402
from checker.cloud.links import link_resources  # noqa: E402
from checker.collectors.arm import ArmParser  # noqa: E402
from checker.collectors.folder import FolderCollector  # noqa: E402
from checker.collectors.terraform import TerraformParser  # noqa: E402
from checker.scan import collect, evaluate, resolve_sources, select_rules  # noqa: E402

PER_FILE = 100
ROLES = ['role_definition_name = "Owner"', 'role_definition_id = "b24988ac-6180-42a0-ab88-20f7382dd24c"',
         "role_definition_id = azurerm_role_definition.all.role_definition_resource_id",
         'role_definition_name = "Reader"', 'role_definition_name = "Storage Blob Data Contributor"']
SCOPES = ["data.azurerm_subscription.current.id", "azurerm_resource_group.rg.id", "azurerm_storage_account.sa.id"]
GUIDS = ["8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "b24988ac-6180-42a0-ab88-20f7382dd24c",
         "acdd72a7-3385-48ef-bd42-f606fba81ae7", "ba92f5b4-2d11-453d-a403-e96b0029c9fe"]


def terraform_module(m: int) -> str:
    head = f'''data "azurerm_subscription" "current" {{}}

resource "azurerm_resource_group" "rg" {{
  name     = "rg-ml-{m}"
  location = "westeurope"
}}

resource "azurerm_storage_account" "sa" {{
  name                     = "stml{m}"
  resource_group_name      = azurerm_resource_group.rg.name
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
  identity {{
    type = "SystemAssigned"
  }}
}}

resource "azurerm_role_definition" "all" {{
  name  = "all-{m}"
  scope = azurerm_resource_group.rg.id
  permissions {{
    actions = ["*"]
  }}
  assignable_scopes = [azurerm_resource_group.rg.id]
}}

resource "azurerm_role_definition" "reads" {{
  name  = "reads-{m}"
  scope = data.azurerm_subscription.current.id
  permissions {{
    actions     = ["Microsoft.MachineLearningServices/workspaces/*/read"]
    not_actions = []
  }}
  assignable_scopes = [data.azurerm_subscription.current.id]
}}

resource "azurerm_federated_identity_credential" "gh" {{
  name                = "gh-{m}"
  resource_group_name = azurerm_resource_group.rg.name
  parent_id           = azurerm_user_assigned_identity.id0.id
  audience            = ["api://AzureADTokenExchange"]
  issuer              = "https://token.actions.githubusercontent.com"
  subject             = "repo:contoso/ml-{m}:environment:prod"
}}
'''
    identities = "".join(f'''
resource "azurerm_user_assigned_identity" "id{i}" {{
  name                = "id-{m}-{i}"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
}}
''' for i in range(5))
    assignments = "".join(f'''
resource "azurerm_role_assignment" "ra{i}" {{
  scope          = {SCOPES[i % 3]}
  {ROLES[i % 5]}
  principal_id   = azurerm_user_assigned_identity.id{i % 5}.principal_id
  principal_type = "ServicePrincipal"
}}
''' for i in range(PER_FILE))
    return head + identities + assignments


def arm_template(t: int) -> str:
    resources: list = [{"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2023-01-31",
                        "name": f"id-{t}-{i}", "location": "westeurope"} for i in range(5)]
    resources.append({"type": "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
                      "apiVersion": "2023-01-31", "name": f"id-{t}-0/gh",
                      "properties": {"issuer": "https://token.actions.githubusercontent.com",
                                     "subject": f"repo:contoso/ml-{t}:ref:refs/heads/main",
                                     "audiences": ["api://AzureADTokenExchange"]}})
    resources.append({"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": f"stml{t}",
                      "location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"},
                      "properties": {"allowSharedKeyAccess": False}})
    for i in range(PER_FILE):
        ra = {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
              "name": f"[guid(resourceGroup().id, 'ra-{t}-{i}')]",
              "properties": {
                  "roleDefinitionId": f"[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', "
                                      f"'{GUIDS[i % 4]}')]",
                  "principalId": f"[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', "
                                 f"'id-{t}-{i % 5}'), '2023-01-31').principalId]",
                  "principalType": "ServicePrincipal"}}
        if i % 3 == 2:
            ra["scope"] = f"[format('Microsoft.Storage/storageAccounts/{{0}}', 'stml{t}')]"
        resources.append(ra)
    return json.dumps({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                       "contentVersion": "1.0.0.0", "resources": resources}, indent=2)


def write(root: Path, n: int) -> None:
    files = max(1, n // PER_FILE)
    calls = []
    for m in range(files):
        folder = root / "terraform" / "modules" / f"team{m}"
        folder.mkdir(parents=True)
        (folder / "main.tf").write_text(terraform_module(m))
        calls.append(f'module "team{m}" {{\n  source = "./modules/team{m}"\n}}\n')
        arm = root / "arm" / f"team{m}"
        arm.mkdir(parents=True)
        (arm / "azuredeploy.json").write_text(arm_template(m))
    (root / "terraform" / "main.tf").write_text("".join(calls))


REGISTRY = {"folder": FolderCollector, TerraformParser.name: TerraformParser, ArmParser.name: ArmParser}


def collect_and_link(root: Path):
    start = time.process_time()
    ctx = collect(resolve_sources([str(root)], [], REGISTRY), REGISTRY, {}, None)
    collected = time.process_time() - start
    link_resources(ctx.graph)
    return ctx.graph, collected, time.process_time() - start - collected


def floor(root: Path) -> float:
    import hcl2
    hcl2.parses_to_tree("a = 1\n")           # the grammar, built once: not per file
    start = time.process_time()
    for path in sorted(root.rglob("*")):
        if path.suffix == ".tf":
            hcl2.parses_to_tree(path.read_text())
        elif path.suffix == ".json":
            json.loads(path.read_bytes())
    return time.process_time() - start


def rules_stage(graph) -> float:
    catalog = load_catalog([], True)
    rules = select_rules(catalog.rules, ["MLC-IAM-*"], [])
    start = time.perf_counter()            # wall clock: an engine may work outside this thread
    results = evaluate(graph, catalog, rules, {})
    seconds = time.perf_counter() - start
    errors = [r.error for r in results.values() if r.error]
    assert not errors, errors
    return seconds, {rid: len(r.hits) for rid, r in results.items()}


def measure(n: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / f"iam-{n}"
        root.mkdir()
        write(root, n)
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        collects, links, floors = [], [], []
        for _ in range(3):
            graph, c, li = collect_and_link(root)
            collects.append(c)
            links.append(li)
            floors.append(floor(root))
        assert not graph.errors, graph.errors[:3]
        assignments = sum(1 for _, d in graph.nodes("resource") if d["attrs"].get("type") == "role_assignment")
        judged, hits = rules_stage(graph)
        tracemalloc.start()
        collect_and_link(root)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    c, li, f = min(collects), min(links), min(floors)
    return (f"iam {n:>6} per form ({assignments} role assignments, {size / 2**20:5.1f} MiB): collect {c:6.2f} s, "
            f"link {li:5.2f} s, rules {judged:5.2f} s {hits}, floor {f:6.2f} s (collect {c / f:4.1f}x), "
            f"peak {peak / 2**20:5.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    for n in parser.parse_args().sizes:
        print(measure(n), flush=True)


if __name__ == "__main__":
    main()
