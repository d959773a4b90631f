"""Azure ML Kubernetes online deployments linked onto the cluster that runs them: CLI v2
kubernetesOnlineEndpoint / kubernetesOnlineDeployment specs (shapes of the azure-ai-ml
schemas and Azure/azureml-examples cli/endpoints/online/kubernetes), an attached
Kubernetes compute spec and Terraform's AKS cluster and inference cluster."""
from __future__ import annotations

import textwrap
from pathlib import Path

from conftest import collect_graph, node_attrs, out_edges

from checker.linkers import link_kubernetes_online_deployments

SCHEMAS = "https://azuremlschemas.azureedge.net/latest"
CLUSTER_ID = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/"
              "Microsoft.ContainerService/managedClusters/aks-ml")


def write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def estate(root: Path, compute: str = "azureml:aks-inference") -> None:
    write(root, "ml/endpoint.yml", f"""\
        $schema: {SCHEMAS}/kubernetesOnlineEndpoint.schema.json
        name: churn-aks
        compute: {compute}
        auth_mode: key
        """)
    write(root, "ml/blue.yml", f"""\
        $schema: {SCHEMAS}/kubernetesOnlineDeployment.schema.json
        name: blue
        type: kubernetes
        endpoint_name: churn-aks
        model: azureml:churn:3
        instance_count: 1
        """)
    write(root, "ml/attach.yml", f"""\
        $schema: {SCHEMAS}/kubernetesCompute.schema.json
        name: aks-inference
        type: kubernetes
        resource_id: {CLUSTER_ID}
        namespace: churn
        """)
    write(root, "infra/main.tf", """\
        resource "azurerm_kubernetes_cluster" "ml" {
          name                = "aks-ml"
          location            = "westeurope"
          resource_group_name = "rg-ml"
          dns_prefix          = "aksml"
          default_node_pool {
            name       = "default"
            node_count = 2
            vm_size    = "Standard_D4s_v5"
          }
          identity {
            type = "SystemAssigned"
          }
        }
        """)


def test_kubernetes_deployment_uses_the_endpoints_attached_compute_and_its_cluster(tmp_path):
    estate(tmp_path)
    graph = collect_graph(tmp_path, link_resources=True)
    link_kubernetes_online_deployments(graph)
    deployment = "deployment:azureml:fs:./ml/blue.yml"
    compute = "resource:azureml:fs:./ml/attach.yml#aks-inference"
    cluster = "resource:terraform:fs:./infra/main.tf#azurerm_kubernetes_cluster.ml"
    assert compute in out_edges(graph, deployment, "uses")
    assert out_edges(graph, compute, "uses") == {cluster}
    assert "compute" not in (node_attrs(graph, deployment).get("unresolved") or {})


def test_terraform_inference_cluster_of_that_name_is_the_compute_too(tmp_path):
    estate(tmp_path)
    (tmp_path / "ml/attach.yml").unlink()
    with (tmp_path / "infra/main.tf").open("a", encoding="utf-8") as tf:
        tf.write(textwrap.dedent("""
            resource "azurerm_machine_learning_inference_cluster" "aks" {
              name                          = "aks-inference"
              location                      = "westeurope"
              cluster_purpose               = "FastProd"
              kubernetes_cluster_id         = azurerm_kubernetes_cluster.ml.id
              machine_learning_workspace_id = "/subscriptions/0/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw"
            }
            """))
    graph = collect_graph(tmp_path, link_resources=True)
    link_kubernetes_online_deployments(graph)
    inference = "resource:terraform:fs:./infra/main.tf#azurerm_machine_learning_inference_cluster.aks"
    assert inference in out_edges(graph, "deployment:azureml:fs:./ml/blue.yml", "uses")
    assert out_edges(graph, inference, "uses") == {"resource:terraform:fs:./infra/main.tf#azurerm_kubernetes_cluster.ml"}


def test_a_compute_no_source_attaches_is_unresolved(tmp_path):
    estate(tmp_path, compute="azureml:gpu-aks")
    graph = collect_graph(tmp_path, link_resources=True)
    link_kubernetes_online_deployments(graph)
    attrs = node_attrs(graph, "deployment:azureml:fs:./ml/blue.yml")
    assert "gpu-aks is not an attached Kubernetes compute" in attrs["unresolved"]["compute"]["reason"]
    assert out_edges(graph, "deployment:azureml:fs:./ml/blue.yml", "uses") == set()
