"""Cloud exports: what is deployed, from JSON files in the scanned trees — Azure Resource
Graph results, `az resource list` / `az <service> show` / `az ml … show` output and
`kubectl get -o json` lists — into the same resource nodes and facts as IaC. The files
are written here in the shapes the az CLI, the Resource Graph REST API and kubectl print
(documented output, field names as the services return them); nothing talks to Azure or
a cluster."""
from __future__ import annotations

import codecs
import json

import pytest
from conftest import collect_graph, errors_for, make_repo, node_attrs as attrs

from checker.cloud import RawResource
from checker.collectors.resources import emit
from checker.cloud.links import link_resources
from checker.collectors import CollectContext, FileRef
from checker.graph import EstateGraph

SUB = "/subscriptions/00000000-1111-2222-3333-444444444444"
RG = f"{SUB}/resourceGroups/rg-ml-prod"
ML = f"{RG}/providers/Microsoft.MachineLearningServices"
WS = f"{ML}/workspaces/mlw-prod"
COMPUTE = f"{WS}/computes/ci-alice"
ENDPOINT = f"{WS}/onlineEndpoints/churn-endpoint"
DEPLOYMENT = f"{ENDPOINT}/deployments/blue"
STORAGE = f"{RG}/providers/Microsoft.Storage/storageAccounts/stmlprod001"
KEY_VAULT = f"{RG}/providers/Microsoft.KeyVault/vaults/kv-ml-prod"
AKS = f"{RG}/providers/Microsoft.ContainerService/managedClusters/aks-serving"
DEV_WS = f"{ML}/workspaces/mlw-dev"
SUBNET = f"{RG}/providers/Microsoft.Network/virtualNetworks/vnet-ml/subnets/snet-compute"
SECRET = "hunter2-but-longer-9Qz"           # pragma: allowlist secret


def row(arm_id: str, rtype: str, properties: dict | None = None, **extra) -> dict:
    """A Resource Graph row: type lower case, as ARG returns it."""
    out = {"id": arm_id, "name": arm_id.rsplit("/", 1)[1], "type": rtype.lower(), "tenantId": "tenant-1",
           "kind": "", "location": "westeurope", "resourceGroup": "rg-ml-prod",
           "subscriptionId": "00000000-1111-2222-3333-444444444444", "managedBy": "", "sku": None,
           "plan": None, "tags": {}, "identity": None, "zones": None, "extendedLocation": None, **extra}
    if properties is not None:
        out["properties"] = properties
    return out


GRAPH_RESULT = {
    "count": 6,
    "data": [
        row(WS, "Microsoft.MachineLearningServices/workspaces", {
            "publicNetworkAccess": "Disabled", "hbiWorkspace": True, "storageAccount": STORAGE,
            "keyVault": KEY_VAULT, "managedNetwork": {"isolationMode": "AllowInternetOutbound",
                                                      "outboundRules": {}},
            "encryption": {"status": "Disabled"}}, kind="Default",
            tags={"data-classification": "sensitive"}),
        row(COMPUTE, "Microsoft.MachineLearningServices/workspaces/computes", {
            "computeType": "ComputeInstance", "disableLocalAuth": True, "provisioningState": "Succeeded",
            "properties": {"vmSize": "STANDARD_DS3_V2", "enableNodePublicIp": False,
                           "idleTimeBeforeShutdown": "PT60M", "subnet": {"id": SUBNET},
                           "sshSettings": {"sshPublicAccess": "Disabled", "adminUserName": "azureuser"}}}),
        row(ENDPOINT, "Microsoft.MachineLearningServices/workspaces/onlineEndpoints", {
            "authMode": "Key", "publicNetworkAccess": "Enabled",
            "scoringUri": "https://churn-endpoint.westeurope.inference.ml.azure.com/score"}),
        row(DEPLOYMENT, "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments", {
            "egressPublicNetworkAccess": "Disabled", "instanceType": "Standard_DS3_v2",
            "model": f"{WS}/models/churn-model/versions/3"}),
        row(STORAGE, "Microsoft.Storage/storageAccounts", {
            "allowBlobPublicAccess": False, "minimumTlsVersion": "TLS1_2", "supportsHttpsTrafficOnly": True,
            "publicNetworkAccess": "Disabled", "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"},
            "allowSharedKeyAccess": False}, kind="StorageV2"),
        row(KEY_VAULT, "Microsoft.KeyVault/vaults", {
            "publicNetworkAccess": "disabled", "enableSoftDelete": True, "enableRbacAuthorization": True,
            "tenantId": "tenant-1", "sku": {"family": "A", "name": "standard"}}),
    ],
    "skip_token": None,
    "total_records": 6,
}

# `az resource list -o json`: no properties for most resources.
RESOURCE_LIST = [
    {"id": WS, "name": "mlw-prod", "type": "Microsoft.MachineLearningServices/workspaces",
     "location": "westeurope", "kind": "Default", "identity": {"type": "SystemAssigned"}, "tags": {},
     "properties": None, "sku": {"name": "Basic", "tier": "Basic"}, "managedBy": None,
     "resourceGroup": "rg-ml-prod", "changedTime": "2026-01-01T00:00:00+00:00"},
    {"id": AKS, "name": "aks-serving", "type": "Microsoft.ContainerService/managedClusters",
     "location": "westeurope", "kind": None, "identity": {"type": "SystemAssigned"}, "tags": {"env": "prod"},
     "properties": None, "sku": {"name": "Base", "tier": "Free"}, "resourceGroup": "rg-ml-prod"},
]

# `az aks show -o json`: the SDK model printed flat, SDK attribute names.
AKS_SHOW = {
    "id": AKS, "name": "aks-serving", "type": "Microsoft.ContainerService/ManagedClusters",
    "location": "westeurope", "resourceGroup": "rg-ml-prod", "kubernetesVersion": "1.30.3",
    "enableRbac": True, "disableLocalAccounts": False, "fqdn": "aks-serving-dns-1a2b3c.hcp.westeurope.azmk8s.io",
    "apiServerAccessProfile": {"authorizedIpRanges": ["203.0.113.0/24"], "enablePrivateCluster": False},
    "agentPoolProfiles": [{"name": "nodepool1", "count": 3, "vmSize": "Standard_D4s_v3",
                           "enableNodePublicIp": True, "mode": "System"}],
    "servicePrincipalProfile": {"clientId": "msi"},
    "linuxProfile": {"adminUsername": "azureuser", "ssh": {"publicKeys": [{"keyData": "ssh-rsa AAAAB3Nza"}]}},
}

# `az storage account show -o json`: flat; enableHttpsTrafficOnly / networkRuleSet are the
# SDK's names for supportsHttpsTrafficOnly / networkAcls; null means not set.
STORAGE_SHOW = {
    "accessTier": "Hot", "allowBlobPublicAccess": True, "allowSharedKeyAccess": None,
    "enableHttpsTrafficOnly": False, "minimumTlsVersion": "TLS1_0", "publicNetworkAccess": None,
    "networkRuleSet": {"bypass": "AzureServices", "defaultAction": "Allow", "ipRules": [],
                       "virtualNetworkRules": []},
    "id": f"{RG}/providers/Microsoft.Storage/storageAccounts/stscratch", "kind": "StorageV2",
    "location": "westeurope", "name": "stscratch", "type": "Microsoft.Storage/storageAccounts",
    "primaryEndpoints": {"blob": "https://stscratch.blob.core.windows.net/"},
}

# `az ml workspace show` / `az ml compute show`: the CLI v2 snake_case shape.
ML_WORKSPACE_SHOW = {
    "application_insights": f"{RG}/providers/Microsoft.insights/components/appi-dev",
    "description": "dev", "display_name": "mlw-dev", "enable_data_isolation": False, "hbi_workspace": False,
    "id": DEV_WS, "identity": {"type": "system_assigned"}, "key_vault": KEY_VAULT, "location": "westeurope",
    "managed_network": {"isolation_mode": "disabled", "outbound_rules": []},
    "mlflow_tracking_uri": "azureml://westeurope.api.azureml.ms/mlflow/v1.0" + DEV_WS,
    "name": "mlw-dev", "public_network_access": "Enabled", "resource_group": "rg-ml-prod",
    "storage_account": STORAGE, "tags": {}, "system_datastores_auth_mode": "accesskey",
}
ML_COMPUTE_SHOW = {
    "enable_node_public_ip": True, "enable_os_patching": False, "enable_root_access": True,
    "enable_sso": True, "id": f"{DEV_WS}/computes/ci-dev", "idle_time_before_shutdown": "PT20M",
    "location": "westeurope", "name": "ci-dev", "network_settings": {"private_ip_address": "10.0.0.4",
                                                                      "public_ip_address": "20.1.2.3"},
    "os_image_metadata": {"is_latest_os_image_version": True}, "provisioning_state": "Succeeded",
    "resourceGroup": "rg-ml-prod", "size": "STANDARD_DS3_V2", "ssh_public_access_enabled": False,
    "state": "Running", "type": "computeinstance",
}

# ARM REST list: {"value": [...]}.
ARM_LIST = {"value": [{
    "id": f"{RG}/providers/Microsoft.ContainerRegistry/registries/crmlprod", "name": "crmlprod",
    "type": "Microsoft.ContainerRegistry/registries", "location": "westeurope",
    "sku": {"name": "Premium", "tier": "Premium"},
    "properties": {"adminUserEnabled": True, "publicNetworkAccess": "Enabled", "anonymousPullEnabled": False,
                   "networkRuleSet": {"defaultAction": "Allow", "ipRules": []}}}], "nextLink": None}

LAST_APPLIED = json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},
                           "stringData": {"password": SECRET}})


def k8s_meta(name: str, namespace: str | None = "serving", **extra) -> dict:
    meta = {"name": name, "uid": f"uid-{name}", "resourceVersion": "12345",
            "creationTimestamp": "2026-01-01T00:00:00Z", **extra}
    if namespace:
        meta["namespace"] = namespace
    return meta


KUBECTL_LIST = {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": [
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": k8s_meta("churn-scorer"),
     "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "churn"}}, "template": {"spec": {"containers": [
         {"name": "scorer", "image": "crmlprod.azurecr.io/churn:3",
          "env": [{"name": "DB_PASSWORD", "value": SECRET}, {"name": "MODEL", "value": "churn:3"}]}]}}}},
    {"apiVersion": "v1", "kind": "Service", "metadata": k8s_meta("churn-scorer"),
     "spec": {"type": "LoadBalancer", "selector": {"app": "churn"},
              "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}]},
     "status": {"loadBalancer": {"ingress": [{"ip": "20.50.60.70"}]}}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": k8s_meta("churn", annotations={
        "kubectl.kubernetes.io/last-applied-configuration": LAST_APPLIED}),
     "spec": {"ingressClassName": "nginx", "rules": [{"host": "churn.example.com", "http": {"paths": [
         {"path": "/", "pathType": "Prefix",
          "backend": {"service": {"name": "churn-scorer", "port": {"number": 80}}}}]}}]}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": k8s_meta("deny-all"),
     "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}},
    {"apiVersion": "v1", "kind": "Secret", "metadata": k8s_meta("db"), "type": "Opaque",
     "data": {"password": "aHVudGVyMi1idXQtbG9uZ2VyLTlRego="}},
    {"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService", "metadata": k8s_meta("sklearn-iris"),
     "spec": {"predictor": {"model": {"modelFormat": {"name": "sklearn"},
                                      "storageUri": "gs://kfserving-examples/models/sklearn/1.0/model"}}}},
    {"apiVersion": "v1", "kind": "Namespace", "metadata": k8s_meta("serving", namespace=None)},
]}

NOT_EXPORTS = {
    "web/package.json": json.dumps({"name": "web", "version": "1.0.0", "dependencies": {"react": "^18"}}),
    "infra/azuredeploy.json": json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0", "parameters": {}, "resources": [{
            "type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "st",
            "properties": {"supportsHttpsTrafficOnly": True}}],
        "outputs": {"id": {"type": "string", "value": f"{RG}/providers/Microsoft.Storage/storageAccounts/st"}}}),
    "config/settings.json": json.dumps({"workspace_id": WS, "retries": 3}),
    "data/numbers.json": "[1, 2, 3]",
    "data/broken-unrelated.json": '{"name": "web", ',
}

BAD = {
    # truncated mid-row: the JSON error's line
    "bad/truncated.json": json.dumps(GRAPH_RESULT, indent=2)[:900],
    "bad/data-not-list.json": json.dumps({"count": 1, "data": "oops", "skip_token": None}),
    # a projected query without id on some rows: those rows cannot be nodes
    "bad/projected.json": json.dumps([row(STORAGE.replace("stmlprod001", "stgood"), "Microsoft.Storage/storageAccounts",
                                          {"allowBlobPublicAccess": False}),
                                      {"name": "noid1", "type": "microsoft.storage/storageaccounts"},
                                      {"name": "noid2", "type": "microsoft.storage/storageaccounts"}], indent=2),
    "bad/k8s-items.json": json.dumps({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Service", "metadata": k8s_meta("ok-svc", namespace="other")},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"namespace": "other"}}]}, indent=2),
}


def files() -> dict[str, str | bytes]:
    return {
        "exports/resource-graph.json": json.dumps(GRAPH_RESULT, indent=2),
        "exports/az-resource-list.json": json.dumps(RESOURCE_LIST, indent=2),
        "exports/aks-show.json": json.dumps(AKS_SHOW, indent=2),
        # Windows PowerShell 5 `az … > file.json` writes UTF-16 with a BOM
        "exports/storage-show.json": codecs.BOM_UTF16_LE + json.dumps(STORAGE_SHOW, indent=2).encode("utf-16-le"),
        "exports/ml-workspace-show.json": json.dumps(ML_WORKSPACE_SHOW, indent=2),
        "exports/ml-compute-show.json": json.dumps(ML_COMPUTE_SHOW, indent=2),
        "exports/acr-list.json": json.dumps(ARM_LIST, indent=2),
        "cluster/serving.json": json.dumps(KUBECTL_LIST, indent=2),
        **NOT_EXPORTS, **BAD,
    }


@pytest.fixture(scope="module")
def graph(tmp_path_factory) -> EstateGraph:
    repo = make_repo(tmp_path_factory.mktemp("exports") / "repo", files())
    g = collect_graph(repo, link_resources=True)
    return g


def azure(arm_id: str, kind: str = "resource") -> str:
    return f"{kind}:azure:{arm_id.lower()}"


EP, DEP = azure(ENDPOINT, "endpoint"), azure(DEPLOYMENT, "deployment")


# -- Resource Graph ---------------------------------------------------------------------

def test_resource_graph_rows_become_the_vocabulary_facts(graph):
    ws = attrs(graph, azure(WS))
    assert (ws["type"], ws["format"], ws["declared"]) == ("ml_workspace", "azure-export", False)
    assert ws["public_network_access"] is False and ws["hbi"] is True
    assert ws["isolation_mode"] == "allow_internet_outbound" and ws["cmk"] is False
    assert ws["fact_sources"]["public_network_access"] == {
        "attribute": "properties.publicNetworkAccess", "from": "set", "expression": "Disabled"}
    assert ws["tags"] == {"data-classification": "sensitive"}
    ci = attrs(graph, azure(COMPUTE))
    assert (ci["type"], ci["compute_type"], ci["node_public_ip"], ci["local_auth"]) == (
        "ml_compute", "computeinstance", False, False)
    assert ci["idle_shutdown"] == "PT60M" and ci["subnet"] == SUBNET
    ep = attrs(graph, EP)
    assert (ep["public_network_access"], ep["auth_mode"]) == (True, "key")
    assert attrs(graph, DEP)["egress_public_network_access"] is False
    sa = attrs(graph, azure(STORAGE))
    assert (sa["public_blob_access"], sa["min_tls_version"], sa["default_network_action"], sa["https_only"],
            sa["shared_key_access"]) == (False, "1.2", "deny", True, False)
    kv = attrs(graph, azure(KEY_VAULT))
    assert kv["public_network_access"] is False and kv["soft_delete"] is True
    assert kv["purge_protection"] is False and kv["fact_sources"]["purge_protection"]["from"] == "default"


def test_references_inside_an_export_become_edges(graph):
    assert set(graph.out_edges(azure(WS), "uses")) == {azure(STORAGE), azure(KEY_VAULT)}
    assert list(graph.out_edges(azure(COMPUTE), "in_workspace")) == [azure(WS)]
    assert list(graph.out_edges(EP, "in_workspace")) == [azure(WS)]
    assert list(graph.out_edges(DEP, "uses")) == [EP]


# -- az resource list / az <service> show / ARM REST ----------------------------------------

def test_a_resource_exported_twice_is_one_node_with_its_fullest_facts(graph):
    ws = attrs(graph, azure(WS))                 # in the Resource Graph file and az resource list
    assert ws["public_network_access"] is False and "public_network_access" not in ws.get("unknown", {})
    sources = {d for d in graph.out_edges(azure(WS), "defined_in")}
    assert {s.rsplit("/", 1)[1] for s in sources} == {"resource-graph.json", "az-resource-list.json"}
    aks = attrs(graph, azure(AKS))               # az resource list (no properties) and az aks show
    assert aks["type"] == "k8s_cluster" and aks["rbac"] is True and aks["private_cluster"] is False
    assert aks["authorized_ip_ranges"] == ["203.0.113.0/24"]        # the SDK's authorizedIpRanges
    assert aks["node_public_ip"] is True and aks["local_accounts"] is True


def test_az_resource_list_without_properties_leaves_facts_unknown(tmp_path):
    root = tmp_path / "only-list"
    root.mkdir()
    (root / "resources.json").write_text(json.dumps(RESOURCE_LIST))
    g = collect_graph(root)
    ws = attrs(g, azure(WS))
    assert ws["type"] == "ml_workspace" and not g.errors
    for fact in ("public_network_access", "isolation_mode", "hbi", "cmk"):
        assert fact not in ws, fact                       # never the provider default
        assert "export holds no properties" in ws["unknown"][fact]["reason"]


def test_flat_az_show_output_with_sdk_names(graph):
    sa = attrs(graph, azure(f"{RG}/providers/Microsoft.Storage/storageAccounts/stscratch"))
    assert sa["https_only"] is False                       # enableHttpsTrafficOnly
    assert sa["default_network_action"] == "allow"          # networkRuleSet.defaultAction
    assert sa["public_blob_access"] is True and sa["min_tls_version"] == "1.0"
    assert sa["shared_key_access"] is True and sa["fact_sources"]["shared_key_access"]["from"] == "default"
    acr = attrs(graph, azure(f"{RG}/providers/Microsoft.ContainerRegistry/registries/crmlprod"))
    assert (acr["type"], acr["admin_user"], acr["public_network_access"]) == ("container_registry", True, True)


def test_az_ml_show_output_reads_the_cli_v2_keys(graph):
    ws = attrs(graph, azure(DEV_WS))
    assert (ws["type"], ws["format"], ws["public_network_access"], ws["isolation_mode"]) == (
        "ml_workspace", "azureml-export", True, "disabled")
    assert set(graph.out_edges(azure(DEV_WS), "uses")) == {azure(STORAGE), azure(KEY_VAULT)}
    assert "unresolved" in ws and "reference application_insights" in ws["unresolved"]
    ci_id = azure(f"{DEV_WS}/computes/ci-dev")
    ci = attrs(graph, ci_id)
    assert (ci["type"], ci["provider_type"], ci["node_public_ip"], ci["idle_shutdown"]) == (
        "ml_compute", "computeinstance", True, 20)
    assert list(graph.out_edges(ci_id, "in_workspace")) == [azure(DEV_WS)]


def test_declared_iac_and_the_export_link_by_arm_id(graph, tmp_path):
    """A declared ARM storage account (emitted here as the ARM parser would: it is not on
    this branch) and the exported workspace that names it, linked by type and name."""
    root = tmp_path / "estate"
    root.mkdir()
    (root / "rg.json").write_text(json.dumps(GRAPH_RESULT))
    g = collect_graph(root)
    ctx = CollectContext(g)
    ref = FileRef("file:fs:./rg.json", "infra/main.json", "infra/main.json", "repo:fs:.", "fs:.", None)
    declared = emit(ctx, ref, RawResource("arm", "Microsoft.Storage/storageAccounts", "sa", {
        "properties": {"allowBlobPublicAccess": False}}, name="stmlprod001", api_version="2023-01-01"))
    link_resources(g)
    assert set(g.out_edges(azure(WS), "uses")) >= {declared, azure(STORAGE)}


# -- kubectl --------------------------------------------------------------------------------

def test_kubectl_list_items_become_resources(graph):
    ids = {n for n, d in graph.nodes("resource") if d["attrs"].get("format") == "k8s-export"}
    assert ids == {f"resource:k8s:serving/{k.lower()}/{n}" for k, n in (
        ("Deployment", "churn-scorer"), ("Service", "churn-scorer"), ("Ingress", "churn"),
        ("NetworkPolicy", "deny-all"), ("Secret", "db"), ("InferenceService", "sklearn-iris"))} | {
        "resource:k8s:_/namespace/serving", "resource:k8s:other/service/ok-svc"}
    svc = attrs(graph, "resource:k8s:serving/service/churn-scorer")
    assert (svc["provider_type"], svc["api_version"], svc["type"]) == ("Service", "v1", "k8s_service")
    assert svc["properties"]["spec"]["type"] == "LoadBalancer" and svc["service_type"] == "loadbalancer"
    isvc = attrs(graph, "resource:k8s:serving/inferenceservice/sklearn-iris")
    assert (isvc["api_version"], isvc["type"]) == ("serving.kserve.io/v1beta1", "k8s_inference_service")


def test_ingress_backends_are_edges_to_their_services(graph):
    assert list(graph.out_edges("resource:k8s:serving/ingress/churn", "uses")) == [
        "resource:k8s:serving/service/churn-scorer"]


def test_secrets_from_a_cluster_are_never_recorded(graph):
    dump = json.dumps({n: d for n, d in graph.nodes() if n.startswith("resource:k8s:")}, default=str)
    assert SECRET not in dump and "aHVudGVy" not in dump
    secret = attrs(graph, "resource:k8s:serving/secret/db")
    assert "data" not in secret["properties"] and secret["properties"]["data_keys"] == ["password"]
    ingress = attrs(graph, "resource:k8s:serving/ingress/churn")
    assert ingress["properties"]["metadata"]["annotations"][
        "kubectl.kubernetes.io/last-applied-configuration"] == "(set; not recorded)"


# -- what is not an export, and what breaks one ---------------------------------------------

def test_other_json_is_left_alone(graph):
    for path in NOT_EXPORTS:
        assert not errors_for(graph, path), path
    # An ARM template or any other JSON is no export (the ARM parser reads templates).
    sources = {d["provenance"]["source"] for _, d in graph.nodes("resource")
               if d["attrs"].get("format", "").endswith("-export")}
    assert not [s for s in sources for path in NOT_EXPORTS if s.endswith(path)]


def test_broken_exports_are_errors_with_file_and_line(graph):
    found = {path: [(e.collector, e.line, e.reason) for e in errors_for(graph, path)] for path in BAD}
    truncated = found["bad/truncated.json"]
    assert len(truncated) == 1 and truncated[0][0] == "exports" and truncated[0][2].startswith("invalid JSON")
    assert truncated[0][1] == json.dumps(GRAPH_RESULT, indent=2)[:900].count("\n") + 1
    assert found["bad/data-not-list.json"] == [
        ("exports", None, "data: expected a list of rows (or a table of columns and rows), found a string")]
    (_, line, reason), = found["bad/projected.json"]
    assert line == json.dumps(json.loads(BAD["bad/projected.json"])[:1], indent=2).count("\n") + 1
    assert reason.startswith("item 1: no id") and "(and 1 more like it)" in reason
    assert azure(STORAGE.replace("stmlprod001", "stgood")) in graph     # the good row still counts
    (_, line, reason), = found["bad/k8s-items.json"]
    k8s_text = BAD["bad/k8s-items.json"]
    assert reason.startswith("items[1]: no metadata.name")
    assert line == k8s_text[:k8s_text.rindex('{\n      "apiVersion"')].count("\n") + 1
    assert len(graph.errors) == 4


def test_a_thousand_resource_export(tmp_path):
    rows = []
    for i in range(250):
        ws = f"{ML}/workspaces/mlw-{i:03d}"
        sa = f"{RG}/providers/Microsoft.Storage/storageAccounts/st{i:03d}"
        rows += [row(ws, "Microsoft.MachineLearningServices/workspaces",
                     {"publicNetworkAccess": "Enabled" if i % 2 else "Disabled", "storageAccount": sa}),
                 row(f"{ws}/computes/cpu", "Microsoft.MachineLearningServices/workspaces/computes",
                     {"computeType": "AmlCompute", "properties": {"enableNodePublicIp": bool(i % 3)}}),
                 row(sa, "Microsoft.Storage/storageAccounts", {"allowBlobPublicAccess": False}),
                 row(f"{RG}/providers/Microsoft.Network/virtualNetworks/vnet-{i:03d}",
                     "Microsoft.Network/virtualNetworks", {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}})]
    text = json.dumps({"count": 1000, "data": rows, "skip_token": "ew0KICAiJGlkIjogIjEiLA0K",
                       "total_records": 4000}, indent=2)
    root = tmp_path / "big"
    root.mkdir()
    (root / "page-1.json").write_text(text)
    g = collect_graph(root, link_resources=True)
    nodes = [n for n, d in g.nodes("resource") if d["attrs"].get("format") == "azure-export"]
    assert len(nodes) == 1000 and not g.errors
    public = [n for n in nodes if g.node(n)["attrs"].get("public_network_access") is True
              and g.node(n)["attrs"]["type"] == "ml_workspace"]
    assert len(public) == 125
    assert sum(1 for n in nodes if g.node(n)["attrs"]["type"] == "virtual_network") == 250   # typed since issue 9
    last = f"{RG}/providers/Microsoft.Network/virtualNetworks/vnet-249"
    brace_line = text[:text.index(f'"id": "{last}"')].count("\n")      # the row's "{" is the line before
    assert g.node(azure(last))["provenance"]["line"] == brace_line
    assert len(list(g.out_edges(azure(f"{ML}/workspaces/mlw-249/computes/cpu"), "in_workspace"))) == 1
    assert list(g.out_edges(azure(f"{ML}/workspaces/mlw-249"), "uses")) == [
        azure(f"{RG}/providers/Microsoft.Storage/storageAccounts/st249")]


def test_arm_acronym_values_normalise_as_the_cli_spells_them(tmp_path):
    """ARM's `AMLToken` is the CLI YAML's `aml_token`: one value for one rule."""
    root = tmp_path / "ep"
    root.mkdir()
    shown = {"id": f"{WS}/onlineEndpoints/token-endpoint", "name": "token-endpoint",
             "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints", "location": "westeurope",
             "kind": "Managed", "identity": {"type": "SystemAssigned"},
             "properties": {"authMode": "AMLToken", "publicNetworkAccess": "Disabled",
                            "provisioningState": "Succeeded"}}
    (root / "endpoint.json").write_text(json.dumps(shown, indent=2))
    g = collect_graph(root)
    a = attrs(g, azure(shown["id"], "endpoint"))
    assert (a["auth_mode"], a["public_network_access"]) == ("aml_token", False)
