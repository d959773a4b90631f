"""The Terraform collector on estates of 100, 1k and 10k resources across modules, as HCL
and as plan JSON, beside the parse floor.

    .venv/bin/python bench/bench_infra_terraform.py [--sizes 100,1000,10000] [--out DIR] [--repeat 3]

Corpus (generated into OUT/terraform/<size>/, cached): E environment roots
(`envs/env<i>/`, E = size / 100), each with a `main.tf` of 20 resources of its own
(resource group, network, subnets, private endpoints, DNS zones, role assignments, a
shared registry and vault) and ten `module "team_*"` calls of a shared local module
(`modules/ml-team/`: storage account with network rules, key vault, application
insights, workspace, compute cluster, two compute instances by for_each, a role
assignment — 8 resources, linked by references and outputs), plus `variables.tf`,
`terraform.tfvars` and `outputs.tf`. The plan corpus (OUT/terraform/<size>-plan/) holds,
for each root, the `terraform show -json` document of the same resources
(planned_values with child_modules, resource_changes with after_unknown and
after_sensitive, configuration with references and module calls).

Measured, each in a fresh child process (the best of --repeat untraced runs for CPU seconds,
which a shared machine disturbs less than wall time, and max RSS; then one run under
tracemalloc for the peak MiB):
- floor, HCL: python-hcl2 alone on every .tf/.tfvars file: `hcl2.parses_to_tree` (the
  Lark tree the collector compiles from; the least any python-hcl2 reader pays) and
  `hcl2.loads` (its dict output, what most tools read);
- floor, plan: `json.loads` of every plan file;
- collect: TerraformParser.parse on every file's bytes, finish (module evaluation and
  emit into the graph), then checker.cloud.links.link_resources: seconds per stage.
The floors and parse + finish run with the cyclic GC off, as checker.scan runs collection
(checker/collection.py); link runs with it on, as the scan's link stage does.
"""
from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(REPO_ROOT))

GENERATOR_VERSION = 1
TEAMS = 10
PER_ENV = 100           # 20 root resources + 10 teams × 8
SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"

MODULE = '''variable "team" {
  type = string
}

variable "env" {
  type = string
}

variable "resource_group_name" {
  type = string
}

variable "location" {
  type = string
}

variable "subnet_id" {
  type = string
}

variable "container_registry_id" {
  type = string
}

variable "users" {
  type    = set(string)
  default = ["alice", "bob"]
}

locals {
  name = "${var.team}-${var.env}"
  tags = {
    team                  = var.team
    environment           = var.env
    "data-classification" = var.team == "risk" ? "sensitive" : "internal"
  }
}

resource "azurerm_storage_account" "this" {
  name                            = "st${replace(local.name, "-", "")}"
  resource_group_name             = var.resource_group_name
  location                        = var.location
  account_tier                    = "Standard"
  account_replication_type        = "GRS"
  allow_nested_items_to_be_public = false
  min_tls_version                 = "TLS1_2"
  public_network_access_enabled   = var.env != "prod"
  tags                            = local.tags

  network_rules {
    default_action             = var.env == "prod" ? "Deny" : "Allow"
    bypass                     = ["AzureServices"]
    virtual_network_subnet_ids = [var.subnet_id]
  }
}

resource "azurerm_key_vault" "this" {
  name                     = "kv-${local.name}"
  location                 = var.location
  resource_group_name      = var.resource_group_name
  tenant_id                = "00000000-0000-0000-0000-000000000000"
  sku_name                 = "premium"
  purge_protection_enabled = true

  network_acls {
    default_action = "Deny"
    bypass         = "AzureServices"
  }
}

resource "azurerm_application_insights" "this" {
  name                = "appi-${local.name}"
  location            = var.location
  resource_group_name = var.resource_group_name
  application_type    = "web"
}

resource "azurerm_machine_learning_workspace" "this" {
  name                          = "mlw-${local.name}"
  location                      = var.location
  resource_group_name           = var.resource_group_name
  application_insights_id       = azurerm_application_insights.this.id
  key_vault_id                  = azurerm_key_vault.this.id
  storage_account_id            = azurerm_storage_account.this.id
  container_registry_id         = var.container_registry_id
  public_network_access_enabled = var.env != "prod"
  high_business_impact          = var.team == "risk"

  managed_network {
    isolation_mode = var.env == "prod" ? "AllowOnlyApprovedOutbound" : "AllowInternetOutbound"
  }

  identity {
    type = "SystemAssigned"
  }

  tags = local.tags
}

resource "azurerm_machine_learning_compute_cluster" "cpu" {
  name                          = "cpu-${var.team}"
  location                      = var.location
  machine_learning_workspace_id = azurerm_machine_learning_workspace.this.id
  vm_priority                   = "LowPriority"
  vm_size                       = "Standard_DS3_v2"
  subnet_resource_id            = var.subnet_id
  node_public_ip_enabled        = false
  local_auth_enabled            = false

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 4
    scale_down_nodes_after_idle_duration = "PT30S"
  }

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_compute_instance" "user" {
  for_each                      = var.users
  name                          = "ci-${var.team}-${each.key}"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.this.id
  virtual_machine_size          = "Standard_DS3_v2"
  subnet_resource_id            = var.subnet_id
  node_public_ip_enabled        = false
}

resource "azurerm_role_assignment" "storage" {
  scope                = azurerm_storage_account.this.id
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = azurerm_machine_learning_workspace.this.identity[0].principal_id
}

output "workspace_id" {
  value = azurerm_machine_learning_workspace.this.id
}

output "storage_account_id" {
  value = azurerm_storage_account.this.id
}
'''

TEAM_NAMES = ("churn", "risk", "fraud", "pricing", "search", "vision", "speech", "forecast", "ranking", "ops")


def root_main(env: int) -> str:
    out = [f'''resource "azurerm_resource_group" "ml" {{
  name     = "rg-ml-${{var.env}}"
  location = var.location
  tags     = {{ environment = var.env }}
}}

resource "azurerm_virtual_network" "ml" {{
  name                = "vnet-ml-${{var.env}}"
  address_space       = ["10.{env % 250}.0.0/16"]
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name
}}

resource "azurerm_container_registry" "shared" {{
  name                = "crml${{var.env}}"
  resource_group_name = azurerm_resource_group.ml.name
  location            = azurerm_resource_group.ml.location
  sku                 = "Premium"
  admin_enabled       = false
  public_network_access_enabled = false
}}

resource "azurerm_key_vault" "shared" {{
  name                     = "kv-shared-${{var.env}}"
  location                 = azurerm_resource_group.ml.location
  resource_group_name      = azurerm_resource_group.ml.name
  tenant_id                = "00000000-0000-0000-0000-000000000000"
  sku_name                 = "standard"
  purge_protection_enabled = false
}}
''']
    for i in range(8):
        out.append(f'''
resource "azurerm_subnet" "s{i}" {{
  name                 = "snet-{i}"
  resource_group_name  = azurerm_resource_group.ml.name
  virtual_network_name = azurerm_virtual_network.ml.name
  address_prefixes     = ["10.{env % 250}.{i}.0/24"]
}}

resource "azurerm_private_dns_zone" "z{i}" {{
  name                = "privatelink{i}.${{var.env}}.example.com"
  resource_group_name = azurerm_resource_group.ml.name
}}
''')
    for t, team in enumerate(TEAM_NAMES):
        out.append(f'''
module "team_{team}" {{
  source                = "../../modules/ml-team"
  team                  = "{team}"
  env                   = var.env
  resource_group_name   = azurerm_resource_group.ml.name
  location              = azurerm_resource_group.ml.location
  subnet_id             = azurerm_subnet.s{t % 8}.id
  container_registry_id = azurerm_container_registry.shared.id
}}
''')
    return "".join(out)


VARIABLES = '''variable "env" {
  type = string
}

variable "location" {
  type    = string
  default = "westeurope"
}
'''


def hcl_corpus(size: int, out: Path) -> Path:
    root = out / f"v{GENERATOR_VERSION}" / str(size)
    if (root / ".done").exists():
        return root
    (root / "modules/ml-team").mkdir(parents=True, exist_ok=True)
    (root / "modules/ml-team/main.tf").write_text(MODULE)
    for env in range(size // PER_ENV):
        folder = root / f"envs/env{env}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "main.tf").write_text(root_main(env))
        (folder / "variables.tf").write_text(VARIABLES)
        (folder / "terraform.tfvars").write_text(f'env = "{"prod" if env % 2 else "dev"}{env}"\n')
        (folder / "outputs.tf").write_text('output "registry_id" {\n  value = azurerm_container_registry.shared.id\n}\n')
    (root / ".done").write_text("")
    return root


# -- plan corpus -------------------------------------------------------------------------------

def _res(address: str, rtype: str, name: str, values: dict, index=None, unknown=("id",), sensitive=()) -> tuple:
    planned = {"address": address, "mode": "managed", "type": rtype, "name": name,
               "provider_name": "registry.terraform.io/hashicorp/azurerm", "schema_version": 0,
               "values": values, "sensitive_values": {k: True for k in sensitive}}
    if index is not None:
        planned["index"] = index
    change = {"address": address, "mode": "managed", "type": rtype, "name": name,
              "provider_name": "registry.terraform.io/hashicorp/azurerm",
              "change": {"actions": ["create"], "before": None, "after": values,
                         "after_unknown": {k: True for k in unknown}, "before_sensitive": False,
                         "after_sensitive": {k: True for k in sensitive}}}
    return planned, change


def plan_document(env: int) -> dict:
    name = f"{'prod' if env % 2 else 'dev'}{env}"
    root, changes = [], []

    def add(planned_change, into):
        into.append(planned_change[0])
        changes.append(planned_change[1])
    rg = {"name": f"rg-ml-{name}", "location": "westeurope", "tags": {"environment": name}}
    add(_res("azurerm_resource_group.ml", "azurerm_resource_group", "ml", rg), root)
    add(_res("azurerm_virtual_network.ml", "azurerm_virtual_network", "ml",
             {"name": f"vnet-ml-{name}", "address_space": [f"10.{env % 250}.0.0/16"], "location": "westeurope"}), root)
    add(_res("azurerm_container_registry.shared", "azurerm_container_registry", "shared",
             {"name": f"crml{name}", "sku": "Premium", "admin_enabled": False, "public_network_access_enabled": False,
              "anonymous_pull_enabled": False}, sensitive=("admin_password",)), root)
    add(_res("azurerm_key_vault.shared", "azurerm_key_vault", "shared",
             {"name": f"kv-shared-{name}", "sku_name": "standard", "purge_protection_enabled": False,
              "public_network_access_enabled": True, "network_acls": []}), root)
    for i in range(8):
        add(_res(f"azurerm_subnet.s{i}", "azurerm_subnet", f"s{i}",
                 {"name": f"snet-{i}", "address_prefixes": [f"10.{env % 250}.{i}.0/24"]}), root)
        add(_res(f"azurerm_private_dns_zone.z{i}", "azurerm_private_dns_zone", f"z{i}",
                 {"name": f"privatelink{i}.{name}.example.com"}), root)
    children = []
    for t, team in enumerate(TEAM_NAMES):
        m = f"module.team_{team}"
        res: list = []
        prod = env % 2 == 1
        add(_res(f"{m}.azurerm_storage_account.this", "azurerm_storage_account", "this",
                 {"name": f"st{team}{name}", "account_tier": "Standard", "account_replication_type": "GRS",
                  "allow_nested_items_to_be_public": False, "min_tls_version": "TLS1_2",
                  "public_network_access_enabled": not prod, "https_traffic_only_enabled": True,
                  "shared_access_key_enabled": True, "primary_access_key": "redacted-by-plan",
                  "network_rules": [{"default_action": "Deny" if prod else "Allow", "bypass": ["AzureServices"]}],
                  "tags": {"team": team, "environment": name}},
                 unknown=("id", "primary_blob_endpoint"), sensitive=("primary_access_key",)), res)
        add(_res(f"{m}.azurerm_key_vault.this", "azurerm_key_vault", "this",
                 {"name": f"kv-{team}-{name}", "sku_name": "premium", "purge_protection_enabled": True,
                  "network_acls": [{"default_action": "Deny", "bypass": "AzureServices"}]}), res)
        add(_res(f"{m}.azurerm_application_insights.this", "azurerm_application_insights", "this",
                 {"name": f"appi-{team}-{name}", "application_type": "web"}, sensitive=("instrumentation_key",)), res)
        add(_res(f"{m}.azurerm_machine_learning_workspace.this", "azurerm_machine_learning_workspace", "this",
                 {"name": f"mlw-{team}-{name}", "public_network_access_enabled": not prod,
                  "high_business_impact": team == "risk",
                  "managed_network": [{"isolation_mode": "AllowOnlyApprovedOutbound" if prod else
                                       "AllowInternetOutbound"}],
                  "identity": [{"type": "SystemAssigned"}]},
                 unknown=("id", "application_insights_id", "key_vault_id", "storage_account_id",
                          "container_registry_id")), res)
        add(_res(f"{m}.azurerm_machine_learning_compute_cluster.cpu", "azurerm_machine_learning_compute_cluster",
                 "cpu", {"name": f"cpu-{team}", "vm_size": "Standard_DS3_v2", "node_public_ip_enabled": False,
                         "local_auth_enabled": False}, unknown=("id", "machine_learning_workspace_id",
                                                                "subnet_resource_id")), res)
        for user in ("alice", "bob"):
            add(_res(f'{m}.azurerm_machine_learning_compute_instance.user["{user}"]',
                     "azurerm_machine_learning_compute_instance", "user",
                     {"name": f"ci-{team}-{user}", "virtual_machine_size": "Standard_DS3_v2",
                      "node_public_ip_enabled": False}, index=user,
                     unknown=("id", "machine_learning_workspace_id", "subnet_resource_id")), res)
        add(_res(f"{m}.azurerm_role_assignment.storage", "azurerm_role_assignment", "storage",
                 {"role_definition_name": "Storage Blob Data Contributor"},
                 unknown=("id", "scope", "principal_id")), res)
        children.append({"address": m, "resources": res})
    ref = lambda *r: {"references": list(r)}  # noqa: E731
    module_resources = [
        {"address": "azurerm_machine_learning_workspace.this", "mode": "managed",
         "type": "azurerm_machine_learning_workspace", "name": "this", "expressions": {
             "application_insights_id": ref("azurerm_application_insights.this.id", "azurerm_application_insights.this"),
             "key_vault_id": ref("azurerm_key_vault.this.id", "azurerm_key_vault.this"),
             "storage_account_id": ref("azurerm_storage_account.this.id", "azurerm_storage_account.this"),
             "container_registry_id": ref("var.container_registry_id")}},
        {"address": "azurerm_machine_learning_compute_cluster.cpu", "mode": "managed",
         "type": "azurerm_machine_learning_compute_cluster", "name": "cpu", "expressions": {
             "machine_learning_workspace_id": ref("azurerm_machine_learning_workspace.this.id",
                                                  "azurerm_machine_learning_workspace.this"),
             "subnet_resource_id": ref("var.subnet_id")}},
        {"address": "azurerm_machine_learning_compute_instance.user", "mode": "managed",
         "type": "azurerm_machine_learning_compute_instance", "name": "user", "expressions": {
             "machine_learning_workspace_id": ref("azurerm_machine_learning_workspace.this.id",
                                                  "azurerm_machine_learning_workspace.this")},
         "for_each_expression": ref("var.users")},
        {"address": "azurerm_role_assignment.storage", "mode": "managed", "type": "azurerm_role_assignment",
         "name": "storage", "expressions": {"scope": ref("azurerm_storage_account.this.id",
                                                         "azurerm_storage_account.this")}},
    ]
    calls = {f"team_{team}": {"source": "../../modules/ml-team", "expressions": {
        "subnet_id": ref(f"azurerm_subnet.s{t % 8}.id", f"azurerm_subnet.s{t % 8}"),
        "container_registry_id": ref("azurerm_container_registry.shared.id", "azurerm_container_registry.shared"),
        "team": {"constant_value": team}}, "module": {"resources": module_resources}}
        for t, team in enumerate(TEAM_NAMES)}
    root_config = [{"address": f"azurerm_subnet.s{i}", "mode": "managed", "type": "azurerm_subnet", "name": f"s{i}",
                    "expressions": {"virtual_network_name": ref("azurerm_virtual_network.ml.name",
                                                                "azurerm_virtual_network.ml")}} for i in range(8)]
    return {"format_version": "1.2", "terraform_version": "1.9.5",
            "planned_values": {"root_module": {"resources": root, "child_modules": children}},
            "resource_changes": changes,
            "configuration": {"root_module": {"resources": root_config, "module_calls": calls}},
            "timestamp": "2026-01-12T09:30:00Z", "applyable": True, "complete": True, "errored": False}


def plan_corpus(size: int, out: Path) -> Path:
    root = out / f"v{GENERATOR_VERSION}" / f"{size}-plan"
    if (root / ".done").exists():
        return root
    for env in range(size // PER_ENV):
        folder = root / f"envs/env{env}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "tfplan.json").write_text(json.dumps(plan_document(env), indent=2))
    (root / ".done").write_text("")
    return root


# -- children ----------------------------------------------------------------------------------

def corpus_files(root: Path) -> list[tuple[str, bytes]]:
    return [(p.relative_to(root).as_posix(), p.read_bytes()) for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != ".done"]


def child(kind: str, root: Path, traced: bool) -> dict:
    """One measurement. Imports and python-hcl2's one-time parser construction (its Lark
    grammar, from the cache) are paid before the clock starts, by the floor and the
    collector alike: what is timed is the work per file."""
    import hcl2
    import checker.cloud.links  # noqa: F401
    import checker.collectors.terraform  # noqa: F401
    hcl2.parses_to_tree("a = 1\n")
    files = corpus_files(root)
    if traced:
        tracemalloc.start()
    stages: dict[str, float] = {}
    gc.disable()        # the floor and the collector alike, as checker.scan does around collection
    start = time.process_time()
    if kind == "hcl-tree":
        for _, data in files:
            hcl2.parses_to_tree(data.decode())
    elif kind == "hcl-loads":
        for _, data in files:
            hcl2.loads(data.decode())
    elif kind == "json":
        for _, data in files:
            json.loads(data)
    else:
        stages, graph = collect(files)
    seconds = time.process_time() - start
    gc.enable()
    out = {"seconds": seconds, "stages": stages, "bytes": sum(len(d) for _, d in files), "files": len(files),
           "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if traced:
        out["peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
    if kind == "collect":
        out["resources"] = stages.pop("resources")
        out["digest"] = graph.digest()      # what was collected and linked, outside the clock
    return out


def collect(files: list[tuple[str, bytes]]) -> tuple[dict, object]:
    """The collector as the tree collectors drive it: parse each file's bytes, finish, link."""
    from checker.cloud.links import link_resources
    from checker.collectors import CollectContext, FileRef
    from checker.collectors.terraform import TerraformParser
    from checker.graph import EstateGraph
    graph = EstateGraph()
    tree = graph.add_node("repo", "fs:.", {"path": ".", "vcs": "none"})
    ctx, parser = CollectContext(graph), TerraformParser()
    t0 = time.process_time()
    for path, data in files:
        node = graph.add_node("file", f"fs:./{path}", {"path": path})
        parser.parse(FileRef(node, path, path, tree, "fs:.", None), data, ctx)
    t1 = time.process_time()
    parser.finish(tree, ctx)
    t2 = time.process_time()
    gc.enable()         # the scan links with the collector's GC pause over
    link_resources(graph)
    t3 = time.process_time()
    assert not graph.errors, graph.errors[:3]
    return {"parse": t1 - t0, "finish": t2 - t1, "link": t3 - t2,
            "resources": sum(1 for _ in graph.nodes("resource"))}, graph


def measure(kind: str, root: Path, repeat: int) -> dict:
    """The fastest of `repeat` untraced runs (the machine is shared), then one traced run."""
    runs = []
    for traced in [False] * repeat + [True]:
        proc = subprocess.run([sys.executable, __file__, "--child", kind, str(root)] + (["--traced"] if traced else []),
                              capture_output=True, text=True, check=True)
        runs.append(json.loads(proc.stdout))
    best = min(runs[:-1], key=lambda r: r["seconds"])
    return {**best, "peak_mib": runs[-1]["peak_mib"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--out", default=str(BENCH_DIR / "out" / "terraform"))
    parser.add_argument("--child", nargs=2, metavar=("KIND", "ROOT"))
    parser.add_argument("--traced", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="untraced runs per measurement (the best counts)")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]), args.traced)))
        return
    out = Path(args.out)
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        hcl, plan = hcl_corpus(size, out), plan_corpus(size, out)
        for corpus, root, floors in (("hcl", hcl, ("hcl-tree", "hcl-loads")), ("plan", plan, ("json",))):
            results = {kind: measure(kind, root, args.repeat) for kind in (*floors, "collect")}
            c, f = results["collect"], results[floors[0]]
            rows.append((size, corpus, f["files"], f["bytes"], results, floors))
            print(f"{size:>6} {corpus:<5} {f['files']:>5} files {f['bytes'] / 1024:>8.0f} KiB  resources "
                  f"{c['resources']:>6}  " + "  ".join(
                      f"{k} {r['seconds']:.2f}s/{r['peak_mib']:.0f}MiB" for k, r in results.items())
                  + f"  (collect: parse {c['stages']['parse']:.2f}s finish {c['stages']['finish']:.2f}s link "
                    f"{c['stages']['link']:.2f}s; {c['seconds'] / f['seconds']:.2f}x the floor, max RSS "
                    f"{c['max_rss_mib']:.0f} MiB vs {f['max_rss_mib']:.0f}) graph {c['digest'][7:19]}", flush=True)


if __name__ == "__main__":
    main()
