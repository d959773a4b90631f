"""Terraform collector: real HCL, Terraform JSON syntax and `terraform show -json` plan
files (shapes from the provider docs, the Azure Verified Modules and the plan JSON format
page) in real git repositories and folders, through the real tree collectors; references
into edges by the cloud linker. Nothing runs Terraform: the collector only reads files."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import TEST_DATA, collect_graph, commit_files, make_repo, node_attrs as node, write_files

from checker.collectors.terraform.config import local_folder
from checker.graph import EstateGraph

DATA = TEST_DATA / "terraform"
PLAN_KEY = "q5Fv0bX2m7Lr9Zt3Wc8Nh1Ks4Pd6Yg0Ju2Ea5Ri7To9Uw3Iy6Ob8Mn1Vl4Cx7Bz0Qa2Sd5Fg8Hj1Kl4Zx7Cv0Bn3Mq=="


@pytest.fixture(scope="module")
def estate(tmp_path_factory) -> tuple[EstateGraph, str]:
    """The fixture estate in a git repository: node ids start resource:<format>:<tree key>/<path>."""
    repo = tmp_path_factory.mktemp("tf") / "infra"
    shutil.copytree(DATA, repo)
    make_repo(repo)
    commit_files(repo, {}, "infrastructure")
    return collect_graph(repo, link_resources=True), "git:."


def uses(graph: EstateGraph, nid: str, kind: str = "uses") -> set[str]:
    return set(graph.out_edges(nid, kind))


def tf(display: str, path: str, address: str, fmt: str = "terraform", kind: str = "resource") -> str:
    return f"{kind}:{fmt}:{display}/{path}#{address}"


# -- Azure ML estate: facts, defaults, unknowns --------------------------------------------------

def test_workspace_facts_set_and_defaulted(estate):
    graph, d = estate
    ws = node(graph, tf(d, "azure-ml/main.tf", "azurerm_machine_learning_workspace.ml"))
    assert (ws["type"], ws["provider_type"], ws["name"]) == ("ml_workspace", "azurerm_machine_learning_workspace",
                                                             "mlw-mlops-prod")     # terraform.tfvars: prod
    assert ws["public_network_access"] is True and ws["fact_sources"]["public_network_access"]["from"] == "default"
    assert "defaults to true" in ws["fact_sources"]["public_network_access"]["default"]
    assert ws["hbi"] is True and ws["fact_sources"]["hbi"] == {"attribute": "high_business_impact", "from": "set",
                                                               "expression": "true"}
    assert ws["cmk"] is False and ws["tags"] == {"environment": "prod", "data-classification": "sensitive"}
    private = node(graph, tf(d, "azure-ml/private.tf", "azurerm_machine_learning_workspace.private"))
    assert (private["public_network_access"], private["isolation_mode"], private["cmk"]) == (
        False, "allow_only_approved_outbound", True)
    assert private["fact_sources"]["public_network_access"]["from"] == "set"


def test_compute_instances_from_for_each_and_their_defaults(estate):
    graph, d = estate
    alice = node(graph, tf(d, "azure-ml/main.tf", 'azurerm_machine_learning_compute_instance.personal["alice"]'))
    bob = node(graph, tf(d, "azure-ml/main.tf", 'azurerm_machine_learning_compute_instance.personal["bob"]'))
    assert (alice["name"], bob["name"]) == ("ci-alice", "ci-bob")
    assert alice["node_public_ip"] is True and alice["fact_sources"]["node_public_ip"]["from"] == "set"
    assert bob["node_public_ip"] is False
    assert alice["local_auth"] is True and alice["fact_sources"]["local_auth"]["from"] == "default"
    assert alice["properties"]["virtual_machine_size"] == "Standard_DS3_v2"


def test_a_variable_without_a_value_is_an_unknown_with_its_expression(estate):
    graph, d = estate
    cluster = node(graph, tf(d, "azure-ml/main.tf", "azurerm_machine_learning_compute_cluster.cpu"))
    assert "subnet" not in cluster
    assert cluster["unknown"]["subnet"] == {"expression": "var.compute_subnet_id", "attribute": "subnet_resource_id",
                                            "reason": "variable without a default; no var file in the folder sets it"}
    assert cluster["local_auth"] is False and cluster["ssh_public_access"] is False
    assert cluster["properties"]["scale_settings"] == [{"min_node_count": 0, "max_node_count": 4,
                                                        "scale_down_nodes_after_idle_duration": "PT30S"}]


def test_module_inputs_resolve_inside_local_modules(estate):
    graph, d = estate
    sa = node(graph, tf(d, "azure-ml/modules/storage/main.tf", "azure-ml:module.storage.azurerm_storage_account.this"))
    assert (sa["type"], sa["name"], sa["module"], sa["scope"]) == ("storage_account", "stmlopsprod",
                                                                    "azure-ml:module.storage", "git:./azure-ml")
    assert sa["public_blob_access"] is False and sa["fact_sources"]["public_blob_access"]["expression"] == \
        "var.allow_public_blobs"                      # the module's own default
    assert sa["min_tls_version"] == "1.0" and sa["default_network_action"] == "deny"
    assert sa["tags"]["data-classification"] == "sensitive"                   # passed in by the caller
    kv = node(graph, tf(d, "azure-ml/modules/keyvault/main.tf", "azure-ml:module.keyvault.azurerm_key_vault.this"))
    assert (kv["purge_protection"], kv["default_network_action"], kv["public_network_access"]) == (True, "deny", True)


def test_other_clouds(estate):
    graph, d = estate
    studio = node(graph, tf(d, "aws-sagemaker/main.tf", "aws_sagemaker_domain.studio"))
    locked = node(graph, tf(d, "aws-sagemaker/main.tf", "aws_sagemaker_domain.locked"))
    assert studio["public_network_access"] is True and studio["fact_sources"]["public_network_access"]["from"] == \
        "default"
    assert locked["public_network_access"] is False
    research = node(graph, tf(d, "aws-sagemaker/main.tf", "aws_sagemaker_notebook_instance.research"))
    isolated = node(graph, tf(d, "aws-sagemaker/main.tf", "aws_sagemaker_notebook_instance.isolated"))
    assert (research["public_network_access"], research["root_access"], research["subnet"]) == (True, True, None)
    assert (isolated["public_network_access"], isolated["root_access"]) == (False, False)
    # subnet_id = aws_subnet.private.id: an id known after apply, but set (in a VPC)
    assert isolated["subnet"] == "aws_subnet.private.id" and "subnet" not in isolated.get("unknown", {})
    assert isolated["fact_sources"]["subnet"] == {"attribute": "subnet_id", "from": "set",
                                                  "expression": "aws_subnet.private.id"}
    eks = node(graph, tf(d, "aws-sagemaker/main.tf", "aws_eks_cluster.serving"))
    assert eks["private_cluster"] is False and eks["authorized_ip_ranges"] == ["0.0.0.0/0"]
    public = node(graph, tf(d, "gcp-workbench/public.tf", "google_workbench_instance.public"))
    private = node(graph, tf(d, "gcp-workbench/main.tf.json", "google_workbench_instance.private"))
    assert public["public_ip"] is True and private["public_ip"] is False
    gke = node(graph, tf(d, "gcp-workbench/public.tf", "google_container_cluster.serving"))
    assert (gke["rbac"], gke["node_public_ip"], gke["private_cluster"]) == (False, False, False)


# -- references into edges -----------------------------------------------------------------------

def test_references_become_edges_through_modules_and_instances(estate):
    graph, d = estate
    ws = tf(d, "azure-ml/main.tf", "azurerm_machine_learning_workspace.ml")
    storage = tf(d, "azure-ml/modules/storage/main.tf", "azure-ml:module.storage.azurerm_storage_account.this")
    vault = tf(d, "azure-ml/modules/keyvault/main.tf", "azure-ml:module.keyvault.azurerm_key_vault.this")
    acr = tf(d, "azure-ml/main.tf", "azurerm_container_registry.ml")
    appi = tf(d, "azure-ml/main.tf", "azurerm_application_insights.ml")
    assert {storage, vault, acr, appi} <= uses(graph, ws)                  # module.storage.id → the account
    refs = {(r["attribute"], r["target"]) for r in node(graph, ws)["references"]}
    assert ("storage_account_id", "azure-ml:module.storage.azurerm_storage_account.this") in refs
    for key in ("alice", "bob"):
        ci = tf(d, "azure-ml/main.tf", f'azurerm_machine_learning_compute_instance.personal["{key}"]')
        assert uses(graph, ci, "in_workspace") == {ws}
    cluster = tf(d, "azure-ml/main.tf", "azurerm_machine_learning_compute_cluster.cpu")
    assert uses(graph, cluster, "in_workspace") == {ws}
    # the vault's tenant comes from the caller's data source, through the module input
    assert tf(d, "azure-ml/main.tf", "data.azurerm_client_config.current") in uses(graph, vault)
    network = tf(d, "gcp-workbench/main.tf.json", "google_compute_network.ml")
    assert uses(graph, tf(d, "gcp-workbench/main.tf.json", "google_workbench_instance.private")) == {network}


def test_a_module_outside_the_tree_or_in_the_registry_is_a_coverage_gap(estate):
    graph, d = estate
    repo = next(n for n, data in graph.nodes("repo"))
    gaps = graph.node(repo)["attrs"]["terraform_coverage"]
    registry = next(g for g in gaps if g.get("module") == "module.network")
    assert registry["source"] == "Azure/avm-res-network-virtualnetwork/azurerm" and "registry" in registry["reason"]
    assert local_folder("a/b", "../../..") == (None, "module source '../../..' leads out of the scanned tree: "
                                                     "not read")
    assert local_folder("a/b", "../c//sub") == ("a/c", "")


# -- azapi ---------------------------------------------------------------------------------------

def test_azapi_bodies_are_arm_resources(estate):
    graph, d = estate
    ws = node(graph, tf(d, "avm-workspace/main.tf", "azapi_resource.this[0]", fmt="azapi"))
    assert (ws["type"], ws["api_version"], ws["provider_type"]) == (
        "ml_workspace", "2024-10-01", "Microsoft.MachineLearningServices/workspaces@2024-10-01")
    assert ws["public_network_access"] is False          # local ? "Enabled" : "Disabled" with the default false
    assert ws["fact_sources"]["public_network_access"]["expression"] == \
        'local.enable_public_network_access ? "Enabled" : "Disabled"'
    assert (ws["isolation_mode"], ws["hbi"], ws["cmk"]) == ("allow_internet_outbound", True, False)
    assert ws["unknown"]["name"] if "name" not in ws else ws["name"] == "mlw-avm"
    assert tf(d, "avm-workspace/main.tf", "azapi_resource.hub[0]", fmt="azapi") not in graph    # count = 0
    endpoint = tf(d, "avm-workspace/main.tf", "azapi_resource.endpoint", fmt="azapi", kind="endpoint")
    e = node(graph, endpoint)                            # azapi v1: body = jsonencode({...})
    assert (e["type"], e["public_network_access"], e["auth_mode"]) == ("ml_online_endpoint", True, "key")
    assert uses(graph, endpoint, "in_workspace") == {tf(d, "avm-workspace/main.tf", "azapi_resource.this[0]",
                                                        fmt="azapi")}


# -- plan JSON -----------------------------------------------------------------------------------

def test_the_plan_is_preferred_over_the_hcl_of_its_folder(estate):
    graph, d = estate
    planned = {n for n, data in graph.nodes("resource") if data["attrs"].get("scope") == "git:./planned"}
    assert planned == {tf(d, "planned/tfplan.json", a, fmt="terraform-plan") for a in (
        "azurerm_resource_group.ml", "azurerm_storage_account.ml[0]",
        "module.ws.azurerm_machine_learning_workspace.this")}
    for nid in planned:
        assert node(graph, nid)["coverage"] == "plan preferred over the HCL in planned (the exact form of the " \
                                               "same module)"
    repo = next(n for n, data in graph.nodes("repo"))
    assert any(g["folder"] == "planned" and "tfplan.json" in g["reason"]
               for g in graph.node(repo)["attrs"]["terraform_coverage"])


def test_plan_facts_unknowns_and_sensitive_values(estate):
    graph, d = estate
    sa = node(graph, tf(d, "planned/tfplan.json", "azurerm_storage_account.ml[0]", fmt="terraform-plan"))
    assert (sa["public_network_access"], sa["public_blob_access"], sa["min_tls_version"]) == (True, True, "1.2")
    assert sa["fact_sources"]["public_blob_access"]["from"] == "set"
    assert sa["unknown"]["default_network_action"]["reason"] == "known only after apply"
    assert sa["properties"]["primary_access_key"] == {"unknown": "(sensitive)"}
    assert PLAN_KEY not in json.dumps(graph.document())
    ws = node(graph, tf(d, "planned/tfplan.json", "module.ws.azurerm_machine_learning_workspace.this",
                        fmt="terraform-plan"))
    assert ws["public_network_access"] is True and ws["unknown"]["isolation_mode"]["expression"] == \
        "(known after apply)"
    assert tf(d, "planned/tfplan.json", "azurerm_storage_account.old", fmt="terraform-plan") not in graph


def test_plan_references_follow_module_variables_to_instances(estate):
    graph, d = estate
    ws = tf(d, "planned/tfplan.json", "module.ws.azurerm_machine_learning_workspace.this", fmt="terraform-plan")
    sa = tf(d, "planned/tfplan.json", "azurerm_storage_account.ml[0]", fmt="terraform-plan")
    assert uses(graph, ws) == {sa}
    sub = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-planned/providers"
    assert node(graph, ws)["references"] == [
        {"attribute": "storage_account_id", "target": "azurerm_storage_account.ml[0]", "by": "address"},
        {"attribute": "key_vault_id", "target": f"{sub}/Microsoft.KeyVault/vaults/kv-planned", "by": "arm_id"},
        {"attribute": "application_insights_id", "target": f"{sub}/Microsoft.Insights/components/appi",
         "by": "arm_id"}]
    # ids of resources no collected source declares or exports stay unresolved, with the reason
    assert "no collected infrastructure source" in node(graph, ws)["unresolved"]["reference key_vault_id"]["reason"]
    assert uses(graph, sa) == {tf(d, "planned/tfplan.json", "azurerm_resource_group.ml", fmt="terraform-plan")}


# -- expressions, instances, hostile configurations -------------------------------------------------

def scan(tmp_path: Path, files: dict[str, str]) -> EstateGraph:
    root = tmp_path / "t"
    write_files(root, files)
    return collect_graph(root, link_resources=True)


def resource(graph: EstateGraph, suffix: str) -> dict:
    found = [data["attrs"] for nid, data in graph.nodes() if nid.endswith(suffix)]
    assert len(found) == 1, f"{suffix}: {sorted(n for n, _ in graph.nodes('resource'))}"
    return found[0]


def test_unknown_count_makes_one_conditional_resource(tmp_path):
    graph = scan(tmp_path, {"main.tf": 'variable "create" { type = bool }\n'
                                       'resource "azurerm_key_vault" "kv" {\n  count = var.create ? 1 : 0\n'
                                       '  name = "kv"\n}\n'})
    kv = resource(graph, "#azurerm_key_vault.kv")
    assert kv["conditional"] == {"expression": "var.create ? 1 : 0",
                                 "reason": "var.create: variable without a default; no var file in the folder "
                                           "sets it"}


def test_a_count_or_for_each_on_a_variable_no_block_declares_is_unknown_not_one(tmp_path):
    """Terraform refuses a reference to an undeclared variable: the instances are not known,
    whatever try() or a module call around it says."""
    graph = scan(tmp_path, {
        "main.tf": 'resource "azurerm_key_vault" "kv" {\n  count = var.create_kv\n  name = "kv"\n}\n'
                   'resource "azurerm_key_vault" "fallback" {\n  count = try(var.n, 1)\n  name = "kv-f"\n}\n'
                   'module "ws" {\n  source   = "./ws"\n  for_each = var.regions\n}\n',
        "ws/main.tf": 'resource "azurerm_key_vault" "inner" {\n  name = "kv-inner"\n}\n'})
    conditions = {a["address"]: a.get("conditional") for _, n in graph.nodes("resource") for a in [n["attrs"]]}
    assert conditions == {
        "azurerm_key_vault.kv": {"expression": "var.create_kv", "reason": "no variable block declares 'create_kv'"},
        "azurerm_key_vault.fallback": {"expression": "try(var.n, 1)", "reason": "var.n: no variable block declares 'n'"},
        "azurerm_key_vault.inner": {"expression": "var.regions",      # in module.ws
                                    "reason": "no variable block declares 'regions'"}}


def test_each_and_count_of_instances_not_told_say_why(tmp_path):
    """A resource or module whose for_each / count cannot be evaluated still sets it: each.*
    and count.* are unknown because of it, not "outside a resource that sets for_each"."""
    graph = scan(tmp_path, {
        "main.tf": 'resource "azurerm_private_endpoint" "pe" {\n  for_each = var.endpoints\n'
                   '  name      = each.value.name\n  subnet_id = each.value.subnet\n}\n'
                   'resource "azurerm_key_vault" "kv" {\n  count = var.n\n  name = "kv-${count.index}"\n}\n'
                   'module "ws" {\n  source   = "./ws"\n  for_each = var.regions\n  region = each.key\n}\n',
        "ws/main.tf": 'variable "region" {}\n'
                      'resource "azurerm_storage_account" "sa" {\n  name = "st${var.region}"\n}\n'})
    pe = resource(graph, "#azurerm_private_endpoint.pe")
    assert pe["unknown"]["subnet"] == {
        "expression": "each.value.subnet", "attribute": "subnet_id",
        "reason": "the for_each (var.endpoints) cannot be evaluated: no variable block declares 'endpoints'"}
    assert pe["unknown"]["name"]["reason"].startswith("the for_each (var.endpoints) cannot be evaluated")
    kv = resource(graph, "#azurerm_key_vault.kv")
    assert kv["unknown"]["name"]["reason"] == \
        "count.index: the count (var.n) cannot be evaluated: no variable block declares 'n'"
    sa = resource(graph, "azurerm_storage_account.sa")
    assert sa["unknown"]["name"]["reason"] == "each.key: the for_each (var.regions) cannot be " \
                                             "evaluated: no variable block declares 'regions'"


def test_a_reference_to_another_resources_id_sets_a_subnet_fact(tmp_path):
    """`subnet_resource_id = azurerm_subnet.ml.id` is known only after apply but never null:
    the compute is in a subnet. A data source's attribute, a variable or a choice that may be
    null stays unknown."""
    graph = scan(tmp_path, {"main.tf": """
variable "private" { type = bool }
resource "azurerm_subnet" "ml" {
  name = "snet-ml"
}
resource "azurerm_subnet" "counted" {
  count = 2
  name  = "snet-${count.index}"
}
data "azurerm_subnet" "shared" {
  name = "snet-shared"
}
resource "azurerm_machine_learning_compute_cluster" "in_subnet" {
  name               = "in-subnet"
  subnet_resource_id = azurerm_subnet.ml.id
}
resource "azurerm_machine_learning_compute_cluster" "indexed" {
  count              = 1
  name               = "indexed"
  subnet_resource_id = azurerm_subnet.counted[1].id
}
resource "azurerm_machine_learning_compute_cluster" "maybe" {
  name               = "maybe"
  subnet_resource_id = var.private ? azurerm_subnet.ml.id : null
}
resource "azurerm_machine_learning_compute_cluster" "from_data" {
  name               = "from-data"
  subnet_resource_id = data.azurerm_subnet.shared.id
}
resource "azapi_resource" "cluster" {
  type      = "Microsoft.MachineLearningServices/workspaces/computes@2022-10-01"
  name      = "cluster"
  parent_id = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/mlw"
  body = jsonencode({
    properties = {
      computeType = "AmlCompute"
      properties  = { subnet = { id = azurerm_subnet.ml.id } }
    }
  })
}
resource "aws_sagemaker_notebook_instance" "nb" {
  name          = "nb"
  subnet_id     = aws_subnet.undeclared.id
}
resource "azurerm_machine_learning_compute_cluster" "templated" {
  name               = "templated"
  subnet_resource_id = "${azurerm_virtual_network.v.id}/subnets/ml"
}
resource "azurerm_machine_learning_compute_cluster" "only_var" {
  name               = "only-var"
  subnet_resource_id = "${var.private}"
}
resource "aws_sagemaker_notebook_instance" "name_only" {
  name          = "name-only"
  subnet_id     = aws_subnet.undeclared.arn_suffix
}
"""})
    assert resource(graph, "#azurerm_machine_learning_compute_cluster.in_subnet")["subnet"] == "azurerm_subnet.ml.id"
    assert resource(graph, "#azurerm_machine_learning_compute_cluster.indexed[0]")["subnet"] == \
        "azurerm_subnet.counted[1].id"
    assert resource(graph, "#aws_sagemaker_notebook_instance.nb")["subnet"] == "aws_subnet.undeclared.id"
    assert resource(graph, "#azapi_resource.cluster")["subnet"] == "azurerm_subnet.ml.id"     # an azapi body too
    # a string template with text of its own is a string, never null
    assert resource(graph, "#azurerm_machine_learning_compute_cluster.templated")["subnet"] == \
        '"${azurerm_virtual_network.v.id}/subnets/ml"'
    for address in ("azurerm_machine_learning_compute_cluster.maybe", "azurerm_machine_learning_compute_cluster"
                    ".from_data", "aws_sagemaker_notebook_instance.name_only",
                    "azurerm_machine_learning_compute_cluster.only_var"):
        attrs = resource(graph, "#" + address)
        assert "subnet" not in attrs and "subnet" in attrs["unknown"], address


def test_an_empty_name_is_no_name(tmp_path):
    """A template whose attributes are placeholders (`name = ""`): findings name the resource
    by its address ("ML workspace azurerm_machine_learning_workspace.ws"), not by ""."""
    graph = scan(tmp_path, {"main.tf": 'resource "azurerm_machine_learning_workspace" "ws" {\n  name = ""\n}\n'
                                       'resource "azurerm_key_vault" "kv" {\n  name = "kv-ml"\n}\n'})
    assert "name" not in resource(graph, "#azurerm_machine_learning_workspace.ws")
    assert resource(graph, "#azurerm_key_vault.kv")["name"] == "kv-ml"


def test_aks_authorized_ranges_in_either_spelling(tmp_path):
    """azurerm 3.x's top-level api_server_authorized_ip_ranges (pagopa/azurerm's cluster
    module) is read like the api_server_access_profile block: a variable without a value is
    unknown, not "no authorized IP ranges"."""
    graph = scan(tmp_path, {"main.tf": """
variable "ranges" { type = list(string) }
resource "azurerm_kubernetes_cluster" "legacy" {
  name                            = "legacy"
  api_server_authorized_ip_ranges = ["10.0.0.0/8"]
}
resource "azurerm_kubernetes_cluster" "legacy_var" {
  name                            = "legacy-var"
  api_server_authorized_ip_ranges = var.ranges
}
resource "azurerm_kubernetes_cluster" "none" {
  name = "none"
}
"""})
    legacy = resource(graph, "#azurerm_kubernetes_cluster.legacy")
    assert legacy["authorized_ip_ranges"] == ["10.0.0.0/8"]
    assert legacy["fact_sources"]["authorized_ip_ranges"]["attribute"] == "api_server_authorized_ip_ranges"
    assert resource(graph, "#azurerm_kubernetes_cluster.legacy_var")["unknown"]["authorized_ip_ranges"][
        "expression"] == "var.ranges"
    none = resource(graph, "#azurerm_kubernetes_cluster.none")
    assert none["authorized_ip_ranges"] == [] and none["fact_sources"]["authorized_ip_ranges"]["from"] == "default"


def test_attributes_azurerm_renamed_are_read_in_either_spelling(tmp_path):
    """azurerm 3.x spellings (enable_https_traffic_only, default_node_pool.enable_node_public_ip,
    a workspace's public_access_behind_virtual_network_enabled) and 2.x's
    allow_blob_public_access are read, not taken for absent (their defaults)."""
    graph = scan(tmp_path, {"main.tf": """
resource "azurerm_storage_account" "old" {
  name                      = "stold"
  enable_https_traffic_only = false
  allow_blob_public_access  = false
}
resource "azurerm_machine_learning_workspace" "old" {
  name                                         = "mlw-old"
  public_access_behind_virtual_network_enabled = false
}
resource "azurerm_kubernetes_cluster" "old" {
  name = "aks-old"
  default_node_pool {
    name                  = "system"
    enable_node_public_ip = true
  }
}
"""})
    sa = resource(graph, "#azurerm_storage_account.old")
    assert (sa["https_only"], sa["public_blob_access"]) == (False, False)
    assert sa["fact_sources"]["https_only"]["attribute"] == "enable_https_traffic_only"
    ws = resource(graph, "#azurerm_machine_learning_workspace.old")
    assert ws["public_network_access"] is False
    assert ws["fact_sources"]["public_network_access"]["attribute"] == "public_access_behind_virtual_network_enabled"
    aks = resource(graph, "#azurerm_kubernetes_cluster.old")
    assert aks["node_public_ip"] is True
    assert aks["fact_sources"]["node_public_ip"]["attribute"] == "default_node_pool.enable_node_public_ip"


def test_var_files_auto_and_explicit(tmp_path):
    graph = scan(tmp_path, {
        "main.tf": 'variable "a" {}\nvariable "b" {}\nvariable "c" { default = "d" }\n'
                   'resource "azurerm_storage_account" "s" {\n  name = "${var.a}-${var.b}-${var.c}"\n'
                   '  min_tls_version = var.b == "x" ? "TLS1_2" : "TLS1_0"\n}\n',
        "terraform.tfvars": 'a = "one"\nb = "y"\n', "z.auto.tfvars": 'b = "x"\n', "prod.tfvars": 'c = "prod"\n'})
    sa = resource(graph, "#azurerm_storage_account.s")
    assert sa["name"] == "one-x-prod" and sa["min_tls_version"] == "1.2"


def test_var_files_that_disagree_leave_the_value_unknown(tmp_path):
    graph = scan(tmp_path, {"main.tf": 'variable "env" {}\nresource "azurerm_key_vault" "kv" { name = var.env }\n',
                            "dev.tfvars": 'env = "dev"\n', "prod.tfvars": 'env = "prod"\n'})
    kv = resource(graph, "#azurerm_key_vault.kv")
    assert "dev.tfvars, prod.tfvars" in kv["unknown"]["name"]["reason"]


def test_module_that_includes_itself_and_one_out_of_the_tree(tmp_path):
    graph = scan(tmp_path, {
        "main.tf": 'module "me" {\n  source = "./"\n}\nmodule "up" {\n  source = "../../.."\n}\n'
                   'resource "azurerm_key_vault" "kv" {\n  name = module.up.name\n  tenant_id = module.me.x\n}\n'
                   'output "x" { value = "t" }\n',
        "a/main.tf": 'module "b" { source = "../b" }\n', "b/main.tf": 'module "a" { source = "../a" }\n'
                                                                       'resource "azurerm_key_vault" "b" {}\n'})
    kv = resource(graph, "#azurerm_key_vault.kv")
    assert "leads out of the scanned tree" in kv["unknown"]["name"]["reason"]
    repo = next(n for n, _ in graph.nodes("repo"))
    reasons = [g["reason"] for g in graph.node(repo)["attrs"]["terraform_coverage"]]
    assert any("includes itself" in r for r in reasons)
    assert len([n for n, _ in graph.nodes("resource") if n.endswith("azurerm_key_vault.b")]) == 1
    assert not graph.errors


def test_cycles_and_chains_of_locals_end_in_unknowns(tmp_path):
    chain = "".join(f"  l{i} = local.l{i + 1}\n" for i in range(300)) + '  l300 = "end"\n'
    graph = scan(tmp_path, {"main.tf": "locals {\n  a = local.b\n  b = local.a\n" + chain + "}\n"
                                       'resource "azurerm_key_vault" "cycle" { name = local.a }\n'
                                       'resource "azurerm_key_vault" "chain" { name = local.l0 }\n'})
    assert "refers to itself" in resource(graph, "#azurerm_key_vault.cycle")["unknown"]["name"]["reason"]
    assert "more than 64 values refer through one another" in \
        resource(graph, "#azurerm_key_vault.chain")["unknown"]["name"]["reason"]


def test_expressions_evaluated_statically(tmp_path):
    graph = scan(tmp_path, {"main.tf": '''
locals {
  envs    = ["dev", "prod"]
  names   = [for e in local.envs : upper(e) if e != "dev"]
  by_name = { for e in local.envs : e => length(e) }
  merged  = merge({ a = 1 }, { b = 2 })
}
resource "azurerm_storage_account" "s" {
  name  = join("-", concat(local.names, [tostring(local.by_name["prod"])]))
  tags  = merge(local.merged, { c = try(local.merged.zzz, "fallback") })
  https_traffic_only_enabled = !false
  min_tls_version = format("TLS%d_%d", 1, 2)
  account_tier = lookup({ a = "Standard" }, "a", "Premium")
  access_tier = file("tier.txt")
}
'''})
    sa = resource(graph, "#azurerm_storage_account.s")
    assert sa["name"] == "PROD-4" and sa["min_tls_version"] == "1.2" and sa["https_only"] is True
    assert sa["tags"] == {"a": 1, "b": 2, "c": "fallback"}
    assert sa["properties"]["access_tier"] == {"unknown": 'file("tier.txt")'}


def test_dynamic_blocks_and_depends_on(tmp_path):
    graph = scan(tmp_path, {"main.tf": '''
variable "rules" {
  default = [{ action = "Deny" }]
}
resource "azurerm_key_vault" "kv" {
  name = "kv"
  dynamic "network_acls" {
    for_each = var.rules
    iterator = rule
    content {
      default_action = rule.value.action
      bypass         = "AzureServices"
    }
  }
  depends_on = [azurerm_storage_account.s]
}
resource "azurerm_storage_account" "s" { name = "s" }
'''})
    kv = resource(graph, "#azurerm_key_vault.kv")
    assert kv["default_network_action"] == "deny"
    assert {"attribute": "depends_on", "target": "azurerm_storage_account.s", "by": "address"} in kv["references"]


def test_skips_dot_terraform_and_reports_parse_errors_with_line(tmp_path):
    graph = scan(tmp_path, {
        ".terraform/modules/x/main.tf": 'resource "azurerm_key_vault" "cached" {}\n',
        "ok.tf": 'resource "azurerm_key_vault" "ok" { name = "ok" }\n',
        "bad.tf": 'resource "azurerm_key_vault" "bad" {\n  name = \n}\n',
        "latin1.tf": b'# caf\xe9\nresource "x" "y" {}\n',
        "broken-plan.json": '{"format_version": "1.2", "planned_values": {',
        "floorplan.json": '{"rooms": 3}', "v2.tfplan.json": '{"format_version": "2.0", "planned_values": {}}'})
    assert not [n for n, _ in graph.nodes("resource") if "cached" in n]
    resource(graph, "#azurerm_key_vault.ok")
    errors = {(e.source.rsplit("/", 1)[-1], e.line) for e in graph.errors}
    assert errors == {("bad.tf", 2), ("latin1.tf", 1), ("broken-plan.json", 1), ("v2.tfplan.json", None)}
    reasons = " ".join(e.reason for e in graph.errors)
    assert "not valid Terraform" in reasons and "only 1.x" in reasons


def test_a_thousand_resources_across_modules(tmp_path):
    """1,000 resources: 10 environments × (1 workspace + 1 storage module of 4 accounts ×
    for_each + a compute count of 20 + …), every reference resolved."""
    files = {"modules/store/main.tf": '''
variable "env" {}
variable "names" { default = ["a", "b", "c", "d"] }
resource "azurerm_storage_account" "s" {
  for_each = toset(var.names)
  name     = "st${var.env}${each.key}"
  public_network_access_enabled = var.env == "env0"
}
output "ids" { value = { for k, s in azurerm_storage_account.s : k => s.id } }
'''}
    for e in range(10):
        files[f"envs/env{e}/main.tf"] = f'''
module "store" {{
  source = "../../modules/store"
  env    = "env{e}"
}}
resource "azurerm_machine_learning_workspace" "ws" {{
  name               = "mlw-env{e}"
  storage_account_id = module.store.ids["a"]
}}
resource "azurerm_machine_learning_compute_cluster" "c" {{
  count = 95
  name  = "c${{count.index}}"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.ws.id
}}
'''
    graph = scan(tmp_path, files)
    resources = [d["attrs"] for _, d in graph.nodes("resource")]
    assert len(resources) == 1000 and not graph.errors
    assert sum(1 for a in resources if a["type"] == "storage_account" and a["public_network_access"]) == 4
    workspaces = [n for n, d in graph.nodes("resource") if d["attrs"]["type"] == "ml_workspace"]
    for ws in workspaces:
        assert len(list(graph.in_edges(ws, "in_workspace"))) == 95
        # ids are known only after apply, so ids["a"] cannot pick one account statically: the
        # reference is kept to each account the output's for-expression names (all four)
        assert len(uses(graph, ws)) == 4
    assert not any(d["attrs"].get("unresolved") for _, d in graph.nodes("resource"))


def test_arm_ids_link_across_sources_and_sensitive_variables_stay_out(tmp_path):
    """A literal ARM id in a link attribute finds the resource in another source: here an
    azapi storage account declared by name in another root folder of the tree."""
    graph = scan(tmp_path, {
        "ws/main.tf": 'variable "admin_password" {\n  default   = "Sup3r-Secret-Pa55w0rd!"\n  sensitive = true\n}\n'
                      'resource "azurerm_machine_learning_workspace" "ws" {\n  name = "mlw"\n'
                      '  storage_account_id = "/subscriptions/<SUBSCRIPTION_ID>/resourceGroups/rg/providers/'
                      'Microsoft.Storage/storageAccounts/stshared"\n}\n'
                      'resource "azurerm_machine_learning_compute_instance" "ci" {\n  name = "ci"\n'
                      '  machine_learning_workspace_id = azurerm_machine_learning_workspace.ws.id\n'
                      '  ssh {\n    public_key = var.admin_password\n  }\n}\n',
        "storage/main.tf": 'resource "azapi_resource" "sa" {\n'
                           '  type = "Microsoft.Storage/storageAccounts@2023-05-01"\n  name = "stshared"\n'
                           '  body = { properties = { allowBlobPublicAccess = false } }\n}\n'})
    ws = next(n for n, d in graph.nodes("resource") if d["attrs"]["type"] == "ml_workspace")
    sa = next(n for n, d in graph.nodes("resource") if d["attrs"]["type"] == "storage_account")
    assert uses(graph, ws) == {sa} and node(graph, sa)["public_blob_access"] is False
    assert "Sup3r-Secret-Pa55w0rd!" not in json.dumps(graph.document())
    ci = resource(graph, "#azurerm_machine_learning_compute_instance.ci")
    assert ci["properties"]["ssh"] == [{"public_key": {"unknown": "var.admin_password"}}]


def test_data_sources_are_existing_resources_found_by_name(tmp_path):
    graph = scan(tmp_path, {
        "shared/main.tf": 'resource "azurerm_key_vault" "kv" {\n  name = "kv-shared"\n'
                          '  public_network_access_enabled = false\n}\n',
        "app/main.tf": 'data "azurerm_key_vault" "kv" {\n  name = "kv-shared"\n  resource_group_name = "rg"\n}\n'
                       'resource "azurerm_machine_learning_workspace" "ws" {\n  name = "mlw"\n'
                       '  key_vault_id = data.azurerm_key_vault.kv.id\n}\n'})
    data = next(n for n, d in graph.nodes("resource") if n.endswith("#data.azurerm_key_vault.kv"))
    declared = next(n for n, d in graph.nodes("resource") if n.endswith("#azurerm_key_vault.kv"))
    attrs = node(graph, data)
    assert attrs["existing"] is True and attrs["type"] == "key_vault" and "public_network_access" not in attrs
    assert "data source" in attrs["unknown"]["public_network_access"]["reason"]
    assert uses(graph, data) == {declared}
    ws = next(n for n, d in graph.nodes("resource") if n.endswith("#azurerm_machine_learning_workspace.ws"))
    assert uses(graph, ws) == {data}


def test_addresses_resolve_within_their_own_tree(tmp_path):
    """Two scanned trees declaring the same address: each workspace uses its own account."""
    for name in ("a", "b"):
        write_files(tmp_path / name, {"main.tf": f'resource "azurerm_storage_account" "ml" {{ name = "st{name}" }}\n'
                                                 'resource "azurerm_machine_learning_workspace" "ws" {\n'
                                                 '  storage_account_id = azurerm_storage_account.ml.id\n}\n'})
    graph = collect_graph(tmp_path / "a", tmp_path / "b", link_resources=True)
    pairs = set()
    for nid, data in graph.nodes("resource"):
        if data["attrs"]["type"] == "ml_workspace":
            (target,) = uses(graph, nid)
            pairs.add((data["attrs"]["scope"], graph.node(target)["attrs"]["name"]))
    assert len(pairs) == 2 and {name for _, name in pairs} == {"sta", "stb"}


def test_a_vertex_endpoint_is_public_unless_peered_or_behind_private_service_connect(tmp_path):
    """google_vertex_ai_endpoint: public by default; `network` (a peered VPC) or Private
    Service Connect switched on make it private; a network given by a variable without a
    value leaves it unknown (MLC-NET-003 then cannot evaluate it)."""
    graph = scan(tmp_path, {"main.tf": """
variable "vpc" { type = string }
resource "google_vertex_ai_endpoint" "open" {
  name = "open"
}
resource "google_vertex_ai_endpoint" "peered" {
  name    = "peered"
  network = "projects/1/global/networks/ml"
}
resource "google_vertex_ai_endpoint" "psc" {
  name = "psc"
  private_service_connect_config {
    enable_private_service_connect = true
  }
}
resource "google_vertex_ai_endpoint" "psc_off" {
  name = "psc-off"
  private_service_connect_config {
    enable_private_service_connect = false
  }
}
resource "google_vertex_ai_endpoint" "by_var" {
  name    = "by-var"
  network = var.vpc
}
"""})
    facts = {key: resource(graph, f"#google_vertex_ai_endpoint.{key}") for key in ("open", "peered", "psc", "psc_off", "by_var")}
    assert {k: f["type"] for k, f in facts.items()} == dict.fromkeys(facts, "vertex_endpoint")
    assert {k: f.get("public_network_access") for k, f in facts.items()} == {
        "open": True, "peered": False, "psc": False, "psc_off": True, "by_var": None}
    assert facts["open"]["fact_sources"]["public_network_access"]["from"] == "default"
    assert "public_network_access" in facts["by_var"]["unknown"]


# -- Kubernetes objects declared with the Terraform kubernetes provider ----------------------------

def k8s_linked(tmp_path: Path, files: dict[str, str]) -> EstateGraph:
    from checker.cloud.links import link_kubernetes_objects, link_service_selectors
    graph = scan(tmp_path, files)
    link_kubernetes_objects(graph)
    link_service_selectors(graph)
    return graph


def nid_of(graph: EstateGraph, suffix: str) -> str:
    (found,) = [nid for nid, _ in graph.nodes() if nid.endswith(suffix)]
    return found


K8S_TF = """
resource "kubernetes_namespace_v1" "ml" {
  metadata { name = "ml" }
}
resource "kubernetes_deployment_v1" "churn" {
  metadata {
    name      = "churn-server"
    namespace = kubernetes_namespace_v1.ml.metadata[0].name
  }
  spec {
    template {
      metadata { labels = { app = "churn" } }
      spec {
        host_network = true
        security_context { run_as_non_root = true }
        container {
          name    = "mlflow"
          image   = "ghcr.io/contoso/churn:1.0"
          command = ["mlflow", "models", "serve", "-m", "models:/churn@champion"]
          security_context { run_as_user = "0" }
        }
      }
    }
  }
}
resource "kubernetes_service_v1" "churn" {
  metadata {
    name      = "churn"
    namespace = "ml"
  }
  spec {
    type     = "NodePort"
    selector = { app = "churn" }
  }
}
resource "kubernetes_service" "plain" {
  metadata { name = "plain" }
  spec {
    selector = { app = "other" }
  }
}
resource "kubernetes_ingress_v1" "by_reference" {
  metadata {
    name      = "by-reference"
    namespace = "ml"
    annotations = { "nginx.ingress.kubernetes.io/auth-url" = "https://auth.example.com" }
  }
  spec {
    default_backend {
      service {
        name = kubernetes_service_v1.churn.metadata[0].name
        port { number = 80 }
      }
    }
  }
}
# The provider's newer attribute syntax: objects, not blocks.
resource "kubernetes_ingress_v1" "by_name" {
  metadata {
    name      = "by-name"
    namespace = "ml"
  }
  spec {
    rule {
      http = {
        path = [{ path = "/", backend = { service = { name = "churn", port = { number = 80 } } } }]
      }
    }
  }
}
resource "kubernetes_network_policy_v1" "churn" {
  metadata {
    name      = "churn"
    namespace = "ml"
  }
  spec {
    pod_selector {
      match_labels = { app = "churn" }
    }
    policy_types = ["Ingress"]
  }
}
"""


def test_kubernetes_provider_objects_are_read_as_their_manifests(tmp_path):
    """kubernetes_* resources become the k8s_* types a manifest would: name from metadata,
    the provider's blocks and snake_case read as the manifest's fields, the namespace
    defaulting to "default" (provider schema) or named through a namespace resource."""
    graph = k8s_linked(tmp_path, {"main.tf": K8S_TF})
    deploy = resource(graph, "#kubernetes_deployment_v1.churn")
    assert (deploy["type"], deploy["name"], deploy["namespace"]) == ("k8s_workload", "churn-server", "ml")
    assert "unknown" not in deploy and deploy["fact_sources"]["namespace"] == {
        "attribute": "metadata.namespace", "from": "set",
        "expression": "kubernetes_namespace_v1.ml.metadata[0].name"}     # the argument written there
    assert (deploy["model_server"], deploy["host_network"], deploy["non_root_enforced"], deploy["privileged"]) == \
        ("mlflow", True, False, False)                  # run_as_user "0" on the container overrides the pod
    assert deploy["model_uris"] == ["models:/churn@champion"] and deploy["pod_labels"] == {"app": "churn"}
    assert deploy["unpinned_images"] == ["ghcr.io/contoso/churn:1.0"]
    svc = resource(graph, "#kubernetes_service_v1.churn")
    assert (svc["type"], svc["name"], svc["service_type"], svc["selector"]) == \
        ("k8s_service", "churn", "nodeport", {"app": "churn"})
    plain = resource(graph, "#kubernetes_service.plain")
    assert (plain["service_type"], plain["namespace"]) == ("clusterip", "default")
    assert plain["fact_sources"]["namespace"]["from"] == "default"
    policy = resource(graph, "#kubernetes_network_policy_v1.churn")
    assert (policy["type"], policy["pod_selector"]) == ("k8s_network_policy", {"matchLabels": {"app": "churn"}})
    assert resource(graph, "#kubernetes_namespace_v1.ml")["type"] == "k8s_namespace"
    by_ref, by_name = resource(graph, "#kubernetes_ingress_v1.by_reference"), resource(graph, "#kubernetes_ingress_v1.by_name")
    assert (by_ref["type"], by_ref["auth_annotations"], by_ref["backend_services"]) == \
        ("k8s_ingress", ["nginx.ingress.kubernetes.io/auth-url"], ["churn"])    # the Service's metadata.name
    assert (by_name["auth_annotations"], by_name["backend_services"]) == ([], ["churn"])
    svc_id, deploy_id = nid_of(graph, "#kubernetes_service_v1.churn"), nid_of(graph, "#kubernetes_deployment_v1.churn")
    assert uses(graph, svc_id, "exposes") == {deploy_id}
    for ingress in ("by_reference", "by_name"):
        assert svc_id in uses(graph, nid_of(graph, f"#kubernetes_ingress_v1.{ingress}"))
    assert not uses(graph, nid_of(graph, "#kubernetes_service.plain"), "exposes")


def test_kubernetes_provider_expressions_leave_their_facts_unknown(tmp_path):
    """A variable where a fact is decided (an image, a selector value, a switch) is unknown,
    with its expression, unless another container or setting decides it; odd shapes (a
    container that is text, a spec that is no block) are no crash."""
    graph = scan(tmp_path, {"main.tf": """
variable "image" { type = string }
variable "app" { type = string }
variable "privileged" { type = bool }
resource "kubernetes_pod_v1" "by_var" {
  metadata { name = "by-var" }
  spec {
    container {
      name  = "triton"
      image = var.image
      args  = ["tritonserver"]
      security_context {
        privileged  = var.privileged
        run_as_user = "1000"
      }
    }
  }
}
resource "kubernetes_pod_v1" "decided" {
  metadata { name = "decided" }
  spec {
    container {
      name  = "a"
      image = "tritonserver:1"
      security_context { privileged = true }
    }
    container {
      name  = "b"
      image = var.image
      security_context { privileged = var.privileged }
    }
  }
}
resource "kubernetes_service_v1" "by_var" {
  metadata { name = "by-var" }
  spec { selector = { app = var.app } }
}
resource "kubernetes_deployment_v1" "odd" {
  metadata { name = "odd" }
  spec {
    template {
      spec { container = "not a block" }
    }
  }
}
resource "kubernetes_ingress" "odd" {
  metadata { name = "odd" }
  spec = "not a block"
}
"""})
    by_var = resource(graph, "#kubernetes_pod_v1.by_var")
    assert (by_var["model_server"], by_var["non_root_enforced"]) == ("triton", True)
    assert {"privileged", "unpinned_images"} <= set(by_var["unknown"])
    assert by_var["unknown"]["unpinned_images"]["expression"] == "var.image"
    decided = resource(graph, "#kubernetes_pod_v1.decided")
    assert (decided["privileged"], decided["unpinned_images"]) == (True, ["tritonserver:1"])
    assert resource(graph, "#kubernetes_service_v1.by_var")["unknown"]["selector"]["expression"] == "var.app"
    odd = resource(graph, "#kubernetes_deployment_v1.odd")
    assert odd["type"] == "k8s_workload" and odd["privileged"] is False and "non_root_enforced" in odd["unknown"]
    assert "backend_services" in resource(graph, "#kubernetes_ingress.odd")["unknown"]
    assert not graph.errors


def test_a_reference_to_an_argument_another_resource_sets_is_its_value(tmp_path):
    """A Service selector copied from another resource's labels (the provider docs' own
    service_v1 example, `.0` and `[0]`, a deployment's template, a counted instance, through
    a local) is the value written there, so the Service links to those pods; what the
    provider computes (an id, a whole block, an argument left unset, a dynamic block, a
    splat over instances) stays unknown with its expression; a cycle ends in an unknown."""
    graph = k8s_linked(tmp_path, {"main.tf": """
variable "app" { type = string }
locals { pod_labels = kubernetes_pod_v1.example.metadata[0].labels }
resource "kubernetes_pod_v1" "example" {
  metadata {
    name   = "terraform-example"
    labels = { app = "MyExampleApp" }
  }
  spec {
    container {
      name  = "example"
      image = "pytorch/torchserve:0.11.0-cpu"
    }
  }
}
resource "kubernetes_deployment" "x" {
  count = 2
  metadata {
    name        = "x-${count.index}"
    annotations = { owner = var.app }
  }
  spec {
    template {
      metadata { labels = { app = "x-${count.index}" } }
      spec {
        container {
          name  = "x"
          image = "nginx"
        }
      }
    }
  }
}
resource "kubernetes_service_v1" "dot" {
  metadata { name = "dot" }
  spec {
    type     = "LoadBalancer"
    selector = { app = kubernetes_pod_v1.example.metadata.0.labels.app }
  }
}
resource "kubernetes_service_v1" "index" {
  metadata { name = kubernetes_pod_v1.example.metadata[0].name }
  spec { selector = { app = local.pod_labels["app"] } }
}
resource "kubernetes_service_v1" "template" {
  metadata { name = "template" }
  spec { selector = { app = kubernetes_deployment.x[1].spec.0.template.0.metadata.0.labels.app } }
}
resource "kubernetes_service_v1" "computed" {
  metadata { name = "computed" }
  spec {
    selector = {
      uid   = kubernetes_pod_v1.example.metadata.0.uid
      id    = kubernetes_pod_v1.example.id
      whole = kubernetes_pod_v1.example.metadata.0
      all   = kubernetes_deployment.x[*].metadata.0.name
      tier  = kubernetes_deployment.x[0].metadata.0.annotations.owner
    }
  }
}
resource "kubernetes_service_v1" "loop_a" {
  metadata { name = kubernetes_service_v1.loop_b.metadata.0.name }
}
resource "kubernetes_service_v1" "loop_b" {
  metadata { name = kubernetes_service_v1.loop_a.metadata.0.name }
}
"""})
    pod, x1 = nid_of(graph, "#kubernetes_pod_v1.example"), nid_of(graph, '#kubernetes_deployment.x[1]')
    dot = resource(graph, "#kubernetes_service_v1.dot")
    assert dot["selector"] == {"app": "MyExampleApp"} and "unknown" not in dot
    assert dot["fact_sources"]["selector"]["from"] == "set"
    assert uses(graph, nid_of(graph, "#kubernetes_service_v1.dot"), "exposes") == {pod}
    index = resource(graph, "#kubernetes_service_v1.index")
    assert (index["name"], index["selector"]) == ("terraform-example", {"app": "MyExampleApp"})
    assert uses(graph, nid_of(graph, "#kubernetes_service_v1.template"), "exposes") == {x1}
    assert resource(graph, "#kubernetes_service_v1.template")["selector"] == {"app": "x-1"}
    computed = resource(graph, "#kubernetes_service_v1.computed")
    assert "selector" not in computed and computed["unknown"]["selector"]["reason"].endswith("known after apply")
    props = computed["properties"]["spec"][0]["selector"]
    for key, expression in (("uid", "kubernetes_pod_v1.example.metadata[0].uid"), ("id", "kubernetes_pod_v1.example.id"),
                            ("whole", "kubernetes_pod_v1.example.metadata[0]"),
                            ("tier", "kubernetes_deployment.x[0].metadata[0].annotations.owner")):
        assert props[key]["unknown"] == expression, key          # as rendered: `.0` reads as `[0]`
    assert all("unknown" in v for v in props["all"]) or "unknown" in props["all"]
    assert pod in uses(graph, nid_of(graph, "#kubernetes_service_v1.computed"))     # the edge stays
    for loop in ("loop_a", "loop_b"):
        assert "name" in resource(graph, f"#kubernetes_service_v1.{loop}")["unknown"]
    assert not graph.errors


def test_a_namespace_named_by_its_resource_id_takes_its_name(tmp_path):
    """`kubernetes_namespace_v1.ml.id` is computed by the provider (so not read from the
    configuration), but it is the namespace's name: the linker puts that name in."""
    graph = k8s_linked(tmp_path, {"main.tf": """
resource "kubernetes_namespace_v1" "ml" {
  metadata { name = "ml" }
}
resource "kubernetes_service_v1" "svc" {
  metadata {
    name      = "svc"
    namespace = kubernetes_namespace_v1.ml.id
  }
}
"""})
    svc = resource(graph, "#kubernetes_service_v1.svc")
    assert svc["namespace"] == "ml" and "unknown" not in svc
    assert "the namespace resource's name: ml" in svc["fact_sources"]["namespace"]["expression"]


def test_a_service_selecting_a_kserve_predictor_declared_in_terraform(tmp_path):
    """An InferenceService a kubernetes_manifest carries has its predictor pods' labels
    (KServe's), so a Service selecting them exposes it, in its namespace only; a name written
    as an unknown expression leaves those labels unknown."""
    graph = k8s_linked(tmp_path, {"main.tf": """
variable "name" { type = string }
resource "kubernetes_manifest" "fraud" {
  manifest = {
    apiVersion = "serving.kserve.io/v1beta1"
    kind       = "InferenceService"
    metadata   = { name = "fraud", namespace = "ml" }
    spec       = { predictor = { sklearn = { storageUri = "gs://models/fraud/3" } } }
  }
}
resource "kubernetes_manifest" "unnamed" {
  manifest = {
    apiVersion = "serving.kserve.io/v1beta1"
    kind       = "InferenceService"
    metadata   = { name = var.name, namespace = "ml" }
    spec       = { predictor = { sklearn = { storageUri = "gs://models/x/1" } } }
  }
}
resource "kubernetes_service_v1" "lb" {
  metadata {
    name      = "fraud-lb"
    namespace = "ml"
  }
  spec {
    type     = "LoadBalancer"
    selector = { "serving.kserve.io/inferenceservice" = "fraud" }
  }
}
resource "kubernetes_service_v1" "elsewhere" {
  metadata { name = "fraud-elsewhere" }
  spec {
    selector = { "serving.kserve.io/inferenceservice" = "fraud" }
  }
}
"""})
    fraud = nid_of(graph, "#kubernetes_manifest.fraud")
    assert resource(graph, "#kubernetes_manifest.fraud")["pod_labels"] == {
        "serving.kserve.io/inferenceservice": "fraud", "component": "predictor"}
    assert uses(graph, nid_of(graph, "#kubernetes_service_v1.lb"), "exposes") == {fraud}
    assert not uses(graph, nid_of(graph, "#kubernetes_service_v1.elsewhere"), "exposes")     # namespace default
    unnamed = resource(graph, "#kubernetes_manifest.unnamed")
    assert "pod_labels" not in unnamed and unnamed["unknown"]["pod_labels"]["expression"] == "var.name"


def test_a_yaml_file_terraform_deploys_is_one_object(tmp_path):
    """A YAML file a kubernetes_manifest / kubectl_manifest reads (yamldecode(file()), through a
    local, templatefile()) is also a manifest the k8s collector reads: the Terraform resource
    stands for the object, the manifest is kept as its text (`carried_text`, `carried_by`, no
    facts of its own) and its edges are the resource's too; a file no resource reads keeps
    its own node and facts."""
    root = tmp_path / "t"
    write_files(root, {
        "main.tf": """
locals { server = yamldecode(file("${path.module}/k8s/server.yaml")) }
resource "kubernetes_manifest" "server" {
  manifest = local.server
}
resource "kubectl_manifest" "svc" {
  yaml_body = templatefile("${path.module}/k8s/svc.yaml", { name = "scorer" })
}
""",
        "k8s/server.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: scorer, namespace: ml}\n"
                           "spec:\n  template:\n    metadata: {labels: {app: scorer}}\n    spec:\n"
                           "      containers: [{name: ts, image: pytorch/torchserve:0.11.0-cpu}]\n",
        "k8s/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: '${name}', namespace: ml}\n"
                        "spec: {type: LoadBalancer, selector: {app: scorer}}\n",
        "k8s/ingress.yaml": "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: ml}\n"
                            "spec:\n  defaultBackend: {service: {name: '${name}', port: {number: 80}}}\n",
        "other/server.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: other, namespace: ml}\n"
                             "spec: {containers: [{name: ts, image: pytorch/torchserve:0.11.0-cpu}]}\n",
    })
    graph = collect_graph(root, link_resources=True)
    from checker.cloud.links import link_kubernetes_objects, link_service_selectors
    link_kubernetes_objects(graph)
    link_service_selectors(graph)
    server, svc = nid_of(graph, "#kubernetes_manifest.server"), nid_of(graph, "#kubectl_manifest.svc")
    text = nid_of(graph, "k8s/server.yaml#ml/Deployment/scorer")
    svc_text = nid_of(graph, "k8s/svc.yaml#ml/Service/${name}")      # the template's own text names it so
    for carrier, manifest, path in ((server, text, "k8s/server.yaml"), (svc, svc_text, "k8s/svc.yaml")):
        a, m = graph.node(carrier)["attrs"], graph.node(manifest)["attrs"]
        assert a["carried_from"] == [f"file:fs:./{path}"] and a["carried_manifests"] == [manifest]
        assert f"file:fs:./{path}" in uses(graph, carrier, "defined_in")
        assert (m["type"], m["carried_by"]) == ("carried_text", carrier) and m["carried_type"] in ("k8s_workload",
                                                                                                  "k8s_service")
        assert not {"namespace", "unknown", "fact_sources", "model_server", "selector"} & set(m)
        assert "judged as that resource" in m["coverage"] and m["properties"]["kind"] in ("Deployment", "Service")
    assert graph.node(server)["attrs"]["model_server"] == "torchserve"
    assert uses(graph, svc, "exposes") == {server}            # the Terraform objects select each other
    assert not uses(graph, svc_text, "exposes")
    ingress = nid_of(graph, "k8s/ingress.yaml#ml/Ingress/web")
    assert svc in uses(graph, ingress)                        # the text's Ingress reaches the deployed Service
    other = resource(graph, "other/server.yaml#ml/Pod/other")
    assert (other["type"], other["model_server"]) == ("k8s_workload", "torchserve") and "carried_by" not in other
    assert not graph.errors


def test_kubernetes_objects_in_a_plan(tmp_path):
    """Plan JSON keeps the provider's blocks as lists and fills its defaults (namespace
    "default", type "ClusterIP"); references come from the configuration."""
    metadata = lambda name, **more: [{"name": name, "namespace": "default", "annotations": None,  # noqa: E731
                                      "labels": None, "generate_name": "", **more}]
    plan = {"format_version": "1.2", "planned_values": {"root_module": {"resources": [
        {"address": "kubernetes_deployment_v1.scorer", "mode": "managed", "type": "kubernetes_deployment_v1",
         "name": "scorer", "values": {"metadata": metadata("scorer"), "spec": [{"template": [{
             "metadata": [{"labels": {"app": "scorer"}}],
             "spec": [{"host_network": False, "security_context": [],
                       "container": [{"name": "ts", "image": "pytorch/torchserve:0.11.0-cpu", "command": None,
                                      "args": None, "env": [], "security_context": []}]}]}]}]}},
        {"address": "kubernetes_service_v1.scorer", "mode": "managed", "type": "kubernetes_service_v1",
         "name": "scorer", "values": {"metadata": metadata("scorer"),
                                      "spec": [{"type": "LoadBalancer", "selector": {"app": "scorer"}}]}},
        {"address": "kubernetes_ingress_v1.scorer", "mode": "managed", "type": "kubernetes_ingress_v1",
         "name": "scorer", "values": {"metadata": metadata("scorer"), "spec": [{"default_backend": [
             {"service": [{"name": "scorer", "port": [{"number": 80, "name": ""}]}]}], "rule": []}]}},
    ]}}, "resource_changes": [
        {"address": "kubernetes_service_v1.scorer", "change": {"actions": ["create"], "after_unknown": {"status": True}}},
    ], "configuration": {"root_module": {"resources": [
        {"address": "kubernetes_ingress_v1.scorer", "expressions": {"spec": [{"default_backend": [{"service": [
            {"name": {"references": ["kubernetes_service_v1.scorer.metadata[0].name",
                                     "kubernetes_service_v1.scorer.metadata[0]", "kubernetes_service_v1.scorer"]}}]}]}]}},
    ]}}}
    graph = k8s_linked(tmp_path, {"tfplan.json": json.dumps(plan)})
    deploy, svc = resource(graph, "#kubernetes_deployment_v1.scorer"), resource(graph, "#kubernetes_service_v1.scorer")
    assert (deploy["format"], deploy["type"], deploy["name"], deploy["namespace"], deploy["model_server"]) == \
        ("terraform-plan", "k8s_workload", "scorer", "default", "torchserve")
    assert (svc["type"], svc["service_type"], svc["namespace"]) == ("k8s_service", "loadbalancer", "default")
    ingress = nid_of(graph, "#kubernetes_ingress_v1.scorer")
    svc_id = nid_of(graph, "#kubernetes_service_v1.scorer")
    assert resource(graph, "#kubernetes_ingress_v1.scorer")["backend_services"] == ["scorer"]
    assert uses(graph, ingress) == {svc_id}
    assert uses(graph, svc_id, "exposes") == {nid_of(graph, "#kubernetes_deployment_v1.scorer")}


def test_a_vector_search_index_endpoint_is_public_only_when_asked(tmp_path):
    """google_vertex_ai_index_endpoint: public when public_endpoint_enabled is true; absent,
    no public endpoint (terraform-provider-google docs); its name is the display name."""
    graph = scan(tmp_path, {"main.tf": """
variable "public" { type = bool }
resource "google_vertex_ai_index_endpoint" "open" {
  display_name            = "open"
  public_endpoint_enabled = true
}
resource "google_vertex_ai_index_endpoint" "peered" {
  display_name = "peered"
  network      = "projects/1/global/networks/ml"
}
resource "google_vertex_ai_index_endpoint" "psc" {
  display_name = "psc"
  private_service_connect_config {
    enable_private_service_connect = true
  }
}
resource "google_vertex_ai_index_endpoint" "by_var" {
  display_name            = "by-var"
  public_endpoint_enabled = var.public
}
"""})
    found = {key: resource(graph, f"#google_vertex_ai_index_endpoint.{key}") for key in ("open", "peered", "psc", "by_var")}
    assert {k: (f["type"], f["name"]) for k, f in found.items()} == {
        k: ("vertex_index_endpoint", k.replace("_", "-")) for k in found}
    assert {k: f.get("public_network_access") for k, f in found.items()} == {
        "open": True, "peered": False, "psc": False, "by_var": None}
    assert found["peered"]["fact_sources"]["public_network_access"]["from"] == "default"
    assert (found["peered"]["vpc_network"], found["psc"]["private_service_connect"]) == \
        ("projects/1/global/networks/ml", True)
    assert "public_network_access" in found["by_var"]["unknown"]
    assert nid_of(graph, "#google_vertex_ai_index_endpoint.open").startswith("endpoint:")


# -- whole Kubernetes objects: kubernetes_manifest and kubectl_manifest -----------------------------

MANIFEST_TF = """
variable "image" { type = string }
variable "namespace" {
  type    = string
  default = "serving"
}

resource "kubernetes_namespace_v1" "ml" {
  metadata { name = "ml" }
}

# The manifest's own spelling as an HCL object; a variable touches one container's image.
resource "kubernetes_manifest" "fraud" {
  manifest = {
    apiVersion = "serving.kserve.io/v1beta1"
    kind       = "InferenceService"
    metadata = {
      name      = "fraud"
      namespace = kubernetes_namespace_v1.ml.metadata[0].name
    }
    spec = {
      predictor = {
        containers = [{ name = "kserve-container", image = var.image }]
      }
    }
  }
}

resource "kubernetes_manifest" "open_lb" {
  manifest = {
    apiVersion = "v1"
    kind       = "Service"
    metadata   = { name = "fraud-lb", namespace = "ml" }
    spec       = { type = "LoadBalancer", selector = { app = "fraud" } }
  }
}

# YAML text whose interpolation a variable's default decides.
resource "kubectl_manifest" "policy" {
  yaml_body = <<-YAML
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata:
      name: default-deny
      namespace: ${var.namespace}
    spec:
      podSelector: {}
  YAML
}

resource "kubectl_manifest" "unknown_image" {
  yaml_body = <<-YAML
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: scorer
    spec:
      template:
        metadata:
          labels: {app: scorer}
        spec:
          containers:
            - name: triton
              image: nvcr.io/nvidia/tritonserver:${var.image}
              args: [tritonserver, --model-repository=s3://models]
              securityContext: {runAsNonRoot: true}
  YAML
}

resource "kubernetes_manifest" "from_file" {
  manifest = yamldecode(file("${path.module}/k8s/seldon.yaml"))
}

resource "kubernetes_manifest" "from_template" {
  manifest = yamldecode(templatefile("k8s/model.yaml.tftpl", { uri = "gs://models/iris", server = var.image }))
}

resource "kubectl_manifest" "moved" {
  override_namespace = "elsewhere"
  yaml_body          = file("k8s/seldon.yaml")
}
"""

SELDON_YAML = """apiVersion: machinelearning.seldon.io/v1
kind: SeldonDeployment
metadata:
  name: iris
  namespace: seldon
spec:
  predictors:
    - name: default
      graph:
        name: classifier
        implementation: SKLEARN_SERVER
        modelUri: gs://models/iris
"""

MODEL_TEMPLATE = """apiVersion: mlops.seldon.io/v1alpha1
kind: Model
metadata:
  name: iris
spec:
  storageUri: ${uri}
  server: ${server}
"""


def test_whole_manifests_are_read_as_the_objects_they_carry(tmp_path):
    """kubernetes_manifest (an HCL object, yamldecode(file()), yamldecode(templatefile()))
    and kubectl_manifest (YAML text, file()) are the k8s_* resources the same objects in a
    YAML file would be; the node, its references and evidence stay Terraform's, an
    expression leaves only the facts it touches unknown."""
    graph = k8s_linked(tmp_path, {"main.tf": MANIFEST_TF, "k8s/seldon.yaml": SELDON_YAML,
                                  "k8s/model.yaml.tftpl": MODEL_TEMPLATE})
    fraud = resource(graph, "#kubernetes_manifest.fraud")
    assert (fraud["format"], fraud["provider_type"], fraud["type"], fraud["name"]) == \
        ("terraform", "kubernetes_manifest", "k8s_inference_service", "fraud")
    assert fraud["cluster_local"] is False and fraud["fact_sources"]["cluster_local"]["attribute"] == \
        "manifest.metadata.labels"
    assert fraud["namespace"] == "ml"                   # named through the namespace resource
    assert fraud["unknown"]["unpinned_images"]["expression"] == "var.image"
    assert nid_of(graph, "#kubernetes_namespace_v1.ml") in uses(graph, nid_of(graph, "#kubernetes_manifest.fraud"))
    lb = resource(graph, "#kubernetes_manifest.open_lb")
    assert (lb["type"], lb["service_type"], lb["selector"], lb["namespace"]) == \
        ("k8s_service", "loadbalancer", {"app": "fraud"}, "ml")
    policy = resource(graph, "#kubectl_manifest.policy")
    assert (policy["type"], policy["namespace"], policy["pod_selector"]) == ("k8s_network_policy", "serving", {})
    scorer = resource(graph, "#kubectl_manifest.unknown_image")
    assert (scorer["type"], scorer["model_server"], scorer["non_root_enforced"], scorer["namespace"]) == \
        ("k8s_workload", "triton", True, "")            # no namespace: the one kubectl applies to
    assert scorer["unknown"]["unpinned_images"]["expression"] == "nvcr.io/nvidia/tritonserver:${var.image}"
    seldon = resource(graph, "#kubernetes_manifest.from_file")
    assert (seldon["type"], seldon["model_server"], seldon["model_uris"]) == \
        ("k8s_inference_service", "sklearn", ["gs://models/iris"])
    model = resource(graph, "#kubernetes_manifest.from_template")
    assert (model["type"], model["model_uris"]) == ("k8s_seldon_model", ["gs://models/iris"])
    assert model["unknown"]["server"]["expression"] == "server"
    moved = resource(graph, "#kubectl_manifest.moved")
    assert (moved["type"], moved["name"], moved["namespace"]) == ("k8s_inference_service", "iris", "elsewhere")
    assert not graph.errors


def test_whole_manifests_bad_input_is_an_error_or_unknown(tmp_path):
    """A yaml_body that is not YAML is a collection error at the resource's line; a file()
    outside the tree is never read; a Secret's values are not recorded; a manifest that is
    no object, or an unknown line of YAML, types nothing."""
    graph = scan(tmp_path, {"infra/main.tf": """
variable "labels" { type = string }
resource "kubectl_manifest" "broken" {
  yaml_body = "kind: [Service"
}
resource "kubernetes_manifest" "outside" {
  manifest = yamldecode(file("../../secrets.yaml"))
}
resource "kubectl_manifest" "secret" {
  yaml_body = <<YAML
apiVersion: v1
kind: Secret
metadata:
  name: creds
stringData:
  password: s3cr3t-value
YAML
}
resource "kubernetes_manifest" "text" {
  manifest = "not an object"
}
resource "kubectl_manifest" "whole_line" {
  yaml_body = <<-YAML
    apiVersion: v1
    kind: Service
    metadata:
      name: lb
    ${var.labels}
  YAML
}
resource "kubectl_manifest" "two_documents" {
  yaml_body = "kind: A\\n---\\nkind: B\\n"
}
""", "secrets.yaml": "kind: Secret\n"})
    (error,) = [e for e in graph.errors if "broken" in e.reason]
    assert error.line == 3 and "not YAML" in error.reason and error.source.endswith("main.tf")
    outside = resource(graph, "#kubernetes_manifest.outside")
    assert outside["type"] == "other" and "outside the scanned tree" in outside["unknown"]["name"]["reason"]
    secret = resource(graph, "#kubectl_manifest.secret")
    assert secret["properties"]["yaml_body"]["data_keys"] == [] and "s3cr3t" not in json.dumps(secret)
    assert resource(graph, "#kubernetes_manifest.text")["type"] == "other"
    assert resource(graph, "#kubectl_manifest.whole_line")["type"] == "other"
    assert resource(graph, "#kubectl_manifest.two_documents")["type"] == "other"
    assert len(graph.errors) == 2                       # broken, two documents


def test_whole_manifests_in_a_plan(tmp_path):
    """In `terraform show -json`, a kubernetes_manifest's `manifest` is an object in values
    (its `object` known after apply); a kubectl_manifest's `yaml_body` is the rendered text,
    or hidden as sensitive with `yaml_body_parsed` beside it."""
    isvc = {"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
            "metadata": {"name": "fraud", "namespace": "ml",
                         "labels": {"networking.knative.dev/visibility": "cluster-local"}},
            "spec": {"predictor": {"sklearn": {"storageUri": "gs://models/fraud"}}}}
    service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: fraud\n  namespace: ml\nspec:\n  type: NodePort\n"
    plan = {"format_version": "1.2", "planned_values": {"root_module": {"resources": [
        {"address": "kubernetes_manifest.fraud", "mode": "managed", "type": "kubernetes_manifest", "name": "fraud",
         "values": {"manifest": isvc, "computed_fields": None, "field_manager": [], "timeouts": [], "wait": []}},
        {"address": "kubectl_manifest.svc", "mode": "managed", "type": "kubectl_manifest", "name": "svc",
         "values": {"yaml_body": service, "force_new": False}},
        {"address": "kubectl_manifest.hidden", "mode": "managed", "type": "kubectl_manifest", "name": "hidden",
         "values": {"yaml_body_parsed": service.replace("name: fraud", "name: hidden")},
         "sensitive_values": {"yaml_body": True}},
    ]}}, "resource_changes": [
        {"address": "kubernetes_manifest.fraud", "change": {"actions": ["create"], "after_unknown": {"object": True}}},
    ]}
    graph = k8s_linked(tmp_path, {"tfplan.json": json.dumps(plan)})
    fraud = resource(graph, "#kubernetes_manifest.fraud")
    assert (fraud["format"], fraud["type"], fraud["name"], fraud["cluster_local"], fraud["storage_uri"]) == \
        ("terraform-plan", "k8s_inference_service", "fraud", True, "gs://models/fraud")
    svc = resource(graph, "#kubectl_manifest.svc")
    assert (svc["type"], svc["name"], svc["service_type"]) == ("k8s_service", "fraud", "nodeport")
    hidden = resource(graph, "#kubectl_manifest.hidden")
    assert (hidden["type"], hidden["name"], hidden["service_type"]) == ("k8s_service", "hidden", "nodeport")
    assert not graph.errors
