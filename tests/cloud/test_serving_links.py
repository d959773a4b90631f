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


def test_azure_ml_extension_inference_router_from_terraform_and_bicep(tmp_path):
    write(tmp_path, "tf/main.tf", """\
        variable "router" {}

        resource "azurerm_kubernetes_cluster_extension" "public" {
          name           = "azureml"
          cluster_id     = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks"
          extension_type = "Microsoft.AzureML.Kubernetes"
          configuration_settings = {
            enableInference            = "True"
            inferenceRouterServiceType = "loadBalancer"
          }
        }

        resource "azurerm_kubernetes_cluster_extension" "unknown" {
          name           = "azureml2"
          cluster_id     = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks"
          extension_type = "Microsoft.AzureML.Kubernetes"
          configuration_settings = {
            inferenceRouterServiceType = var.router
          }
        }

        resource "azurerm_kubernetes_cluster_extension" "flux" {
          name           = "flux"
          cluster_id     = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks"
          extension_type = "microsoft.flux"
        }
        """)
    write(tmp_path, "bicep/ext.bicep", """\
        resource aks 'Microsoft.ContainerService/managedClusters@2024-02-01' existing = {
          name: 'aks-ml'
        }

        resource azureml 'Microsoft.KubernetesConfiguration/extensions@2023-05-01' = {
          name: 'azureml'
          scope: aks
          properties: {
            extensionType: 'Microsoft.AzureML.Kubernetes'
            configurationSettings: {
              enableInference: 'True'
              inferenceRouterServiceType: 'LoadBalancer'
              internalLoadBalancerProvider: 'azure'
            }
          }
        }
        """)
    graph = collect_graph(tmp_path)
    tf = "resource:terraform:fs:./tf/main.tf#azurerm_kubernetes_cluster_extension."
    public = node_attrs(graph, tf + "public")
    assert public["type"] == "k8s_cluster_extension" and public["inference_router"] == "loadbalancer"
    assert public["extension_type"] == "microsoft.azureml.kubernetes"
    unknown = node_attrs(graph, tf + "unknown")["unknown"]["inference_router"]      # var.router has no default
    assert unknown["expression"] == "var.router" and "not one this provider documents" not in unknown["reason"]
    assert node_attrs(graph, tf + "flux").get("inference_router") is None          # no inference router
    bicep = node_attrs(graph, "resource:bicep:fs:./bicep/ext.bicep#azureml")
    assert bicep["inference_router"] == "loadbalancer-internal"


def test_endpoint_and_deployment_specs_without_schema_are_told_by_content(tmp_path):
    # Azure/azureml-examples writes its Kubernetes endpoint and deployment specs with no
    # $schema line; `az ml` reads them all the same, and so must the scan.
    estate(tmp_path)
    for name in ("ml/endpoint.yml", "ml/blue.yml"):
        path = tmp_path / name
        path.write_text("".join(line for line in path.read_text().splitlines(keepends=True)
                                if not line.startswith("$schema")), encoding="utf-8")
    graph = collect_graph(tmp_path, link_resources=True)
    link_kubernetes_online_deployments(graph)
    deployment = "deployment:azureml:fs:./ml/blue.yml"
    attrs = node_attrs(graph, deployment)
    assert attrs["type"] == "kubernetes" and attrs["endpoint_name"] == "churn-aks" and "schema" not in attrs
    assert "resource:azureml:fs:./ml/attach.yml#aks-inference" in out_edges(graph, deployment, "uses")
    endpoint = node_attrs(graph, "resource:azureml:fs:./ml/endpoint.yml#churn-aks")
    assert endpoint["provider_type"] == "kubernetes_online_endpoint"
