"""Self-hosted agents to the network they run in (checker/pipelines/agents.py): real files
collected by the real parsers, then the linkers."""
from __future__ import annotations

import json

from checker.linkers import run_linkers

from conftest import collect_graph, write_files

WORKSPACE = """\
resource "azurerm_machine_learning_workspace" "prod" {
  name                          = "mlw-churn-prod"
  location                      = "westeurope"
  resource_group_name           = "rg-ml"
  application_insights_id       = "x"
  key_vault_id                  = "y"
  storage_account_id            = "z"
  public_network_access_enabled = false
  identity {
    type = "SystemAssigned"
  }
}
"""
PIPELINE = """\
trigger: none
pool:
  name: {pool}
steps:
  - script: az ml job create -f train.yml -w mlw-churn-prod
"""
# A Managed DevOps Pool (Microsoft.DevOpsInfrastructure/pools, API 2024-10-19) injected into a
# subnet; the workspace's private endpoint in the same virtual network.
MANAGED_POOL = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "resources": [
        {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": "vnet-ml",
         "location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
                                                  "subnets": [{"name": "agents", "properties": {"addressPrefix": "10.1.1.0/24"}},
                                                              {"name": "endpoints", "properties": {"addressPrefix": "10.1.2.0/24"}}]}},
        {"type": "Microsoft.DevOpsInfrastructure/pools", "apiVersion": "2024-10-19", "name": "churn-managed-agents",
         "location": "westeurope",
         "properties": {"maximumConcurrency": 4, "organizationProfile": {"kind": "AzureDevOps", "organizations": [{"url": "https://dev.azure.com/contoso"}]},
                        "agentProfile": {"kind": "Stateless"},
                        "fabricProfile": {"kind": "Vmss", "sku": {"name": "Standard_D2ads_v5"},
                                          "images": [{"wellKnownImageName": "ubuntu-22.04/latest"}],
                                          "networkProfile": {"subnetId": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet-ml', 'agents')]"}}}},
        {"type": "Microsoft.Network/privateEndpoints", "apiVersion": "2023-09-01", "name": "pe-mlw",
         "location": "westeurope",
         "properties": {"subnet": {"id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet-ml', 'endpoints')]"},
                        "privateLinkServiceConnections": [{"name": "mlw", "properties": {
                            "privateLinkServiceId": "[resourceId('Microsoft.MachineLearningServices/workspaces', 'mlw-churn-prod')]",
                            "groupIds": ["amlworkspace"]}}]}},
        {"type": "Microsoft.MachineLearningServices/workspaces", "apiVersion": "2024-04-01", "name": "mlw-churn-prod",
         "location": "westeurope", "identity": {"type": "SystemAssigned"},
         "properties": {"publicNetworkAccess": "Disabled", "storageAccount": "x", "keyVault": "y", "applicationInsights": "z"}},
    ],
}
JOB = "job:ci:fs:./azure-pipelines.yml#Job"


def _scan(tmp_path, files):
    write_files(tmp_path, files)
    graph = collect_graph(tmp_path)
    run_linkers(graph, {})
    return graph


def test_a_managed_devops_pool_in_the_workspace_network_reaches_it(tmp_path):
    graph = _scan(tmp_path, {"azure-pipelines.yml": PIPELINE.format(pool="churn-managed-agents"),
                             "infra/pool.json": json.dumps(MANAGED_POOL, indent=2)})
    agent = graph.node(JOB)["attrs"]["agent_network"]
    assert "missing" not in agent, agent
    assert [graph.node(v)["attrs"]["name"] for v in agent["virtual_networks"]] == ["vnet-ml"]
    assert list(agent["reaches"].values()) == ["private endpoint pe-mlw in vnet-ml"]
    assert list(graph.out_edges(JOB, "runs_on")) == agent["pools"]


def test_an_elastic_pool_whose_scale_set_is_not_collected_says_so(tmp_path):
    pool = """\
resource "azuredevops_elastic_pool" "agents" {
  name                   = "churn-vnet-agents"
  service_endpoint_id    = "00000000-0000-0000-0000-000000000001"
  service_endpoint_scope = "00000000-0000-0000-0000-000000000002"
  azure_resource_id      = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-agents/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-agents"
  desired_idle           = 1
  max_capacity           = 2
}
"""
    graph = _scan(tmp_path, {"azure-pipelines.yml": PIPELINE.format(pool="churn-vnet-agents"),
                             "infra/main.tf": WORKSPACE, "infra/pool.tf": pool})
    agent = graph.node(JOB)["attrs"]["agent_network"]
    assert agent["missing"].startswith("churn-vnet-agents is declared, but no subnet of its agents is collected")


def test_an_undeclared_pool_and_a_runner_set_with_two_candidate_clusters_are_missing_facts(tmp_path):
    graph = _scan(tmp_path, {"azure-pipelines.yml": PIPELINE.format(pool="onprem-agents"), "infra/main.tf": WORKSPACE})
    assert "no collected infrastructure declares onprem-agents" in graph.node(JOB)["attrs"]["agent_network"]["missing"]
    assert not list(graph.out_edges(JOB, "runs_on"))
    aks = """\
resource "azurerm_kubernetes_cluster" "{name}" {{
  name                = "{name}"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "{name}"
  default_node_pool {{
    name       = "system"
    node_count = 1
    vm_size    = "Standard_D2s_v5"
  }}
  identity {{
    type = "SystemAssigned"
  }}
}}
"""
    runner_set = """\
apiVersion: actions.github.com/v1alpha1
kind: AutoscalingRunnerSet
metadata:
  name: arc-ml
  namespace: arc-runners
spec:
  githubConfigUrl: https://github.com/contoso/churn
  template:
    spec:
      containers:
        - name: runner
          image: ghcr.io/actions/actions-runner:2.321.0
"""
    workflow = """\
on: push
jobs:
  train:
    runs-on: arc-ml
    steps:
      - run: az ml job create -f train.yml -w mlw-churn-prod
"""
    other = tmp_path / "gh"
    graph = _scan(other, {".github/workflows/train.yml": workflow, "k8s/arc.yaml": runner_set,
                          "infra/main.tf": WORKSPACE, "infra/aks.tf": aks.format(name="aks-a") + aks.format(name="aks-b")})
    agent = graph.node("job:ci:fs:./.github/workflows/train.yml#train")["attrs"]["agent_network"]
    assert agent["hosting"] == "self_hosted"            # runs-on: arc-ml alone named it
    assert "declares 2 Kubernetes clusters" in agent["missing"]


def test_an_elastic_pool_on_a_scale_set_an_arm_template_declares(tmp_path):
    """The elastic pool names the scale set by its ARM id; the scale set, its virtual network
    and the workspace's private endpoint come from an ARM template."""
    pool = """\
resource "azuredevops_elastic_pool" "agents" {
  name                   = "churn-vnet-agents"
  service_endpoint_id    = "00000000-0000-0000-0000-000000000001"
  service_endpoint_scope = "00000000-0000-0000-0000-000000000002"
  azure_resource_id      = "/subscriptions/<SUBSCRIPTION_ID>/resourceGroups/rg-agents/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-agents"
  desired_idle           = 1
  max_capacity           = 2
}
"""
    subnet = "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet-ml', 'agents')]"
    template = {k: v for k, v in MANAGED_POOL.items() if k != "resources"}
    template["resources"] = [r for r in MANAGED_POOL["resources"] if r["type"] != "Microsoft.DevOpsInfrastructure/pools"] + [
        {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-03-01", "name": "vmss-agents",
         "location": "westeurope", "sku": {"name": "Standard_D2s_v5", "capacity": 0},
         "properties": {"overprovision": False, "upgradePolicy": {"mode": "Manual"},
                        "virtualMachineProfile": {"networkProfile": {"networkInterfaceConfigurations": [
                            {"name": "nic", "properties": {"primary": True, "ipConfigurations": [
                                {"name": "ipconfig", "properties": {"subnet": {"id": subnet}}}]}}]}}}}]
    graph = _scan(tmp_path, {"azure-pipelines.yml": PIPELINE.format(pool="churn-vnet-agents"),
                             "infra/pool.tf": pool, "infra/network.json": json.dumps(template, indent=2)})
    agent = graph.node(JOB)["attrs"]["agent_network"]
    assert "missing" not in agent, agent
    assert list(agent["reaches"].values()) == ["private endpoint pe-mlw in vnet-ml"]
