"""Azure ML resource specs (CLI v2 YAML) as cloud resources: workspaces, computes,
registries, online endpoints and deployments, in the one vocabulary. Real files in the
shapes of the azuremlschemas.azureedge.net schemas and Azure/azureml-examples
`cli/resources/**` (written here, not copied), in a real git repository and a plain
folder. Nothing talks to Azure."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import collect_graph, errors_for, make_repo, node_attrs as attrs

from checker.graph import EstateGraph

SCHEMA = "$schema: https://azuremlschemas.azureedge.net/latest/{}.schema.json\n"
SUB = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-ml-prod/providers"
STORAGE = f"{SUB}/Microsoft.Storage/storageAccounts/stmlprod001"
KEY_VAULT = f"{SUB}/Microsoft.KeyVault/vaults/kv-ml-prod"
CMK_VAULT = f"{SUB}/Microsoft.KeyVault/vaults/kv-ml-cmk"
ACR = f"{SUB}/Microsoft.ContainerRegistry/registries/crmlprod"
APPI = f"{SUB}/Microsoft.Insights/components/appi-ml-prod"
UAI = f"{SUB}/Microsoft.ManagedIdentity/userAssignedIdentities/uai-ml-prod"
SUBNET = f"{SUB}/Microsoft.Network/virtualNetworks/vnet-ml/subnets/snet-training"
PASSWORD = "Tr0ub4dor-and-3-horses"   # pragma: allowlist secret

FILES = {
    "infra/workspace/private.yml": SCHEMA.format("workspace") + f"""\
name: mlw-private
location: westeurope
display_name: Private ML workspace
description: |
  Training for the churn model. Network isolated.
hbi_workspace: true
public_network_access: disabled
image_build_compute: cpu-cluster
storage_account: {STORAGE}
key_vault: {KEY_VAULT}
container_registry: {ACR}
application_insights: {APPI}
identity:
  type: user_assigned
  user_assigned_identities:
    {UAI}: {{}}
primary_user_assigned_identity: {UAI}
customer_managed_key:
  key_vault: {CMK_VAULT}
  key_uri: https://kv-ml-cmk.vault.azure.net/keys/mlw-key/5f2d1a0c9b8e4f7a8d6c5b4a3e2d1c0b
managed_network:
  isolation_mode: allow_only_approved_outbound
  outbound_rules:
  - name: pypi
    type: fqdn
    destination: pypi.org
  - name: data-lake
    type: private_endpoint
    destination:
      service_resource_id: {STORAGE}
      subresource_target: blob
      spark_enabled: false
  - name: datafactory
    type: service_tag
    destination:
      service_tag: DataFactory
      protocol: TCP
      port_ranges: 80, 443
tags:
  data-classification: sensitive
""",
    "infra/workspace/basic.yml": SCHEMA.format("workspace") + """\
name: mlw-basic
location: eastus
display_name: Basic workspace
description: A workspace with everything the service creates for it.
tags:
  purpose: demonstration
""",
    # as azureml-examples ships it: no $schema
    "infra/workspace/mvnet-internet.yml": """\
name: mlw-mvnet
managed_network:
  isolation_mode: allow_internet_outbound
""",
    "infra/workspace/with-existing-resources.yml": SCHEMA.format("workspace") + """\
name: mlw-existing
location: "{{ location }}"
public_network_access: "{{ public_access }}"
storage_account: {PLACEHOLDER_RG}/Microsoft.Storage/storageAccounts/<STORAGE_ACCOUNT>
key_vault: {PLACEHOLDER_RG}/Microsoft.KeyVault/vaults/<KEY_VAULT>
""".replace("{PLACEHOLDER_RG}", "/subscriptions/<SUBSCRIPTION_ID>/resourceGroups/<RESOURCE_GROUP>/providers"),
    "infra/compute/cpu-cluster.yml": SCHEMA.format("amlCompute") + f"""\
name: cpu-cluster
type: amlcompute
size: STANDARD_DS3_v2
min_instances: 0
max_instances: 4
idle_time_before_scale_down: 120
enable_node_public_ip: false
ssh_public_access_enabled: false
network_settings:
  vnet_name: vnet-ml
  subnet: {SUBNET}
""",
    "infra/compute/cluster-ssh-password.yml": SCHEMA.format("amlCompute") + f"""\
name: ssh-cluster
type: amlcompute
size: STANDARD_DS3_v2
min_instances: 0
max_instances: 2
ssh_public_access_enabled: true
ssh_settings:
  admin_username: azureuser
  admin_password: {PASSWORD}
""",
    "infra/compute/instance.yml": SCHEMA.format("computeInstance") + """\
name: ci-data-scientist
type: computeinstance
size: STANDARD_DS3_v2
idle_time_before_shutdown: PT30M
enable_node_public_ip: true
ssh_public_access_enabled: true
ssh_settings:
  ssh_key_value: ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC0 azureuser@example
""",
    "infra/compute/instance-minimal.yml": SCHEMA.format("computeInstance") + """\
name: ci-minimal
type: computeinstance
size: STANDARD_DS3_v2
""",
    "infra/compute/instance-no-schema.yml": """\
name: ci-idle
type: computeinstance
size: STANDARD_DS3_v2
idle_time_before_shutdown_minutes: 45
""",
    "infra/registry/registry.yml": """\
name: mlregistry
tags:
  description: A registry replicated in three regions
location: eastus
replication_locations:
  - location: eastus
  - location: westus
  - location: westeurope
""",
    "infra/registry/private-registry.yml": SCHEMA.format("registry") + """\
name: mlregistry-private
location: westeurope
public_network_access: Disabled
replication_locations:
  - location: westeurope
""",
    "serve/endpoint.yml": SCHEMA.format("managedOnlineEndpoint") + """\
name: churn-endpoint
auth_mode: aml_token
public_network_access: disabled
""",
    "serve/blue.yml": SCHEMA.format("managedOnlineDeployment") + """\
name: blue
endpoint_name: churn-endpoint
model: azureml:churn-model:3
code_configuration:
  code: ../score/
  scoring_script: score.py
environment: azureml:churn-env:7
instance_type: Standard_DS3_v2
instance_count: 2
egress_public_network_access: disabled
""",
    "serve/open-endpoint.yml": SCHEMA.format("managedOnlineEndpoint") + """\
name: open-endpoint
""",
    "serve/green.yml": SCHEMA.format("managedOnlineDeployment") + """\
name: green
endpoint_name: open-endpoint
model: azureml:churn-model:3
instance_type: Standard_DS3_v2
instance_count: 1
""",
    "serve/orphan.yml": SCHEMA.format("managedOnlineDeployment") + """\
name: orphan
endpoint_name: no-such-endpoint
model: azureml:churn-model:3
instance_type: Standard_DS3_v2
instance_count: 1
""",
    # not resources: left to the lineage parser, or to nobody
    "jobs/train.yml": SCHEMA.format("commandJob") + """\
command: python train.py
environment: azureml:churn-env:7
compute: azureml:cpu-cluster
""",
    "config/app.yml": "name: my-app\ntype: web\nreplicas: 2\n",
}

BAD = {
    "bad/workspace-types.yml": SCHEMA.format("workspace") + """\
name: mlw-bad
public_network_access:
  - enabled
hbi_workspace: 3
managed_network:
  isolation_mode: allow_only_approved_outbound
""",
    "bad/endpoint-types.yml": SCHEMA.format("managedOnlineEndpoint") + """\
name: bad-endpoint
auth_mode: 5
""",
    "bad/compute-types.yml": SCHEMA.format("computeInstance") + """\
name: ci-bad
type: computeinstance
idle_time_before_shutdown_minutes: thirty
enable_node_public_ip: [true]
""",
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    return make_repo(tmp_path_factory.mktemp("aml") / "repo", {**FILES, **BAD})


@pytest.fixture(scope="module")
def graph(repo) -> EstateGraph:
    g = collect_graph(repo, link_resources=True)
    return g


def rid(path: str, name: str) -> str:
    return f"resource:azureml:git:./{path}#{name}"


# -- workspaces ---------------------------------------------------------------------

def test_private_workspace_facts_as_set(graph):
    a = attrs(graph, rid("infra/workspace/private.yml", "mlw-private"))
    assert (a["type"], a["provider_type"], a["format"], a["name"]) == ("ml_workspace", "workspace", "azureml",
                                                                       "mlw-private")
    assert a["public_network_access"] is False and a["hbi"] is True and a["cmk"] is True
    assert a["isolation_mode"] == "allow_only_approved_outbound"
    assert [r["type"] for r in a["outbound_rules"]] == ["fqdn", "private_endpoint", "service_tag"]
    assert a["image_build_compute"] == "cpu-cluster"
    assert a["primary_user_assigned_identity"] == UAI
    assert a["tags"] == {"data-classification": "sensitive"}
    src = a["fact_sources"]["public_network_access"]
    assert src == {"attribute": "public_network_access", "from": "set", "expression": "disabled"}
    assert "unknown" not in a


def test_workspace_without_settings_takes_documented_defaults(graph):
    a = attrs(graph, rid("infra/workspace/basic.yml", "mlw-basic"))
    assert a["public_network_access"] is True and a["hbi"] is False and a["cmk"] is False
    assert a["isolation_mode"] == "disabled" and a["primary_user_assigned_identity"] is None
    for fact in ("public_network_access", "hbi", "cmk", "isolation_mode"):
        assert a["fact_sources"][fact]["from"] == "default", fact
    assert "public_network_access: disabled" in a["fact_sources"]["public_network_access"]["default"]
    assert "image_build_compute" not in a          # no documented default: not said


def test_workspace_spec_without_schema_is_told_by_its_content(graph):
    a = attrs(graph, rid("infra/workspace/mvnet-internet.yml", "mlw-mvnet"))
    assert a["type"] == "ml_workspace" and a["isolation_mode"] == "allow_internet_outbound"
    # other YAML with a name and a type is nobody's resource
    assert not [n for n, _ in graph.nodes("resource") if "config/app.yml" in n]
    assert not [n for n, _ in graph.nodes("resource") if "jobs/train.yml" in n]


def test_templated_values_are_unknown_not_defaulted(graph):
    a = attrs(graph, rid("infra/workspace/with-existing-resources.yml", "mlw-existing"))
    assert "public_network_access" not in a
    assert a["unknown"]["public_network_access"]["expression"] == "{{ public_access }}"
    assert "placeholder" in a["unknown"]["public_network_access"]["reason"]
    assert a["properties"]["location"] == {"unknown": "{{ location }}"}
    # the references keep the placeholder ids: the linker says they name no resource
    unresolved = a["unresolved"]
    assert "names a placeholder" in unresolved["reference storage_account"]["reason"]
    assert "names a placeholder" in unresolved["reference key_vault"]["reason"]


def test_workspace_links_are_references_by_arm_id(graph):
    a = attrs(graph, rid("infra/workspace/private.yml", "mlw-private"))
    refs = {(r["attribute"], r["target"], r["by"]) for r in a["references"]}
    assert refs == {("storage_account", STORAGE, "arm_id"), ("key_vault", KEY_VAULT, "arm_id"),
                    ("container_registry", ACR, "arm_id"), ("application_insights", APPI, "arm_id"),
                    ("customer_managed_key.key_vault", CMK_VAULT, "arm_id")}
    # nothing in this repository declares them: each is unresolved with its reason
    assert "no collected infrastructure source" in a["unresolved"]["reference storage_account"]["reason"]


def test_workspace_links_to_an_exported_storage_account(tmp_path):
    export = [{"id": STORAGE, "name": "stmlprod001", "type": "Microsoft.Storage/storageAccounts",
               "location": "westeurope", "kind": "StorageV2", "properties": {"allowBlobPublicAccess": True}}]
    root = tmp_path / "estate"
    (root / "infra").mkdir(parents=True)
    (root / "infra" / "ws.yml").write_text(FILES["infra/workspace/private.yml"])
    (root / "exports").mkdir()
    (root / "exports" / "storage.json").write_text(json.dumps(export, indent=2))
    g = collect_graph(root, link_resources=True)             # a plain folder this time
    ws = "resource:azureml:fs:./infra/ws.yml#mlw-private"
    sa = f"resource:azure:{STORAGE.lower()}"
    assert list(g.out_edges(ws, "uses")) == [sa]
    assert g.node(sa)["attrs"]["public_blob_access"] is True


# -- computes -----------------------------------------------------------------------

def test_cluster_in_a_vnet_without_public_ip(graph):
    a = attrs(graph, rid("infra/compute/cpu-cluster.yml", "cpu-cluster"))
    assert (a["type"], a["provider_type"], a["compute_type"]) == ("ml_compute", "amlcompute", "amlcompute")
    assert a["node_public_ip"] is False and a["ssh_public_access"] is False and a["subnet"] == SUBNET
    assert a["fact_sources"]["node_public_ip"]["from"] == "set"
    assert "local_auth" not in a and "local_auth" not in a.get("unknown", {})   # the YAML cannot say


def test_cluster_defaults_and_password_never_recorded(graph, repo):
    nid = rid("infra/compute/cluster-ssh-password.yml", "ssh-cluster")
    a = attrs(graph, nid)
    assert a["node_public_ip"] is True and a["fact_sources"]["node_public_ip"]["from"] == "default"
    assert "defaults to true" in a["fact_sources"]["node_public_ip"]["default"]
    assert a["ssh_public_access"] is True and a["subnet"] is None
    assert a["properties"]["ssh_settings"]["admin_password"] == "(set; not recorded)"
    assert a["properties"]["ssh_settings"]["admin_username"] == "azureuser"
    assert PASSWORD not in json.dumps(graph.node(nid), default=str)


def test_instance_idle_shutdown_from_either_spelling(graph):
    a = attrs(graph, rid("infra/compute/instance.yml", "ci-data-scientist"))
    assert a["idle_shutdown"] == 30
    assert a["fact_sources"]["idle_shutdown"]["expression"] == "idle_time_before_shutdown: PT30M"
    assert a["node_public_ip"] is True and a["ssh_public_access"] is True
    b = attrs(graph, rid("infra/compute/instance-no-schema.yml", "ci-idle"))
    assert b["idle_shutdown"] == 45 and b["compute_type"] == "computeinstance"
    c = attrs(graph, rid("infra/compute/instance-minimal.yml", "ci-minimal"))
    assert c["idle_shutdown"] is None and c["fact_sources"]["idle_shutdown"]["from"] == "default"
    assert c["node_public_ip"] is True and c["ssh_public_access"] is False


# -- registries ---------------------------------------------------------------------

def test_registries_with_and_without_a_setting(graph):
    a = attrs(graph, rid("infra/registry/private-registry.yml", "mlregistry-private"))
    assert a["type"] == "ml_registry" and a["public_network_access"] is False
    b = attrs(graph, rid("infra/registry/registry.yml", "mlregistry"))      # no $schema in the file
    assert b["type"] == "ml_registry" and "public_network_access" not in b   # no documented default


# -- endpoints and deployments -------------------------------------------------------

def test_endpoint_facts_set_and_defaulted(graph):
    a = attrs(graph, "endpoint:azureml:git:./serve/endpoint.yml#churn-endpoint")
    assert a["type"] == "ml_online_endpoint" and a["public_network_access"] is False
    assert a["auth_mode"] == "aml_token"
    b = attrs(graph, "endpoint:azureml:git:./serve/open-endpoint.yml#open-endpoint")
    assert b["public_network_access"] is True and b["auth_mode"] == "key"
    assert {b["fact_sources"][f]["from"] for f in ("public_network_access", "auth_mode")} == {"default"}
    # the lineage parser still records its endpoint node
    assert "endpoint:azureml:churn-endpoint" in graph


def test_deployment_egress_and_its_endpoint(graph):
    blue = "deployment:azureml:git:./serve/blue.yml#blue"
    a = attrs(graph, blue)
    assert a["type"] == "ml_online_deployment" and a["egress_public_network_access"] is False
    assert list(graph.out_edges(blue, "uses")) == ["endpoint:azureml:git:./serve/endpoint.yml#churn-endpoint"]
    green = "deployment:azureml:git:./serve/green.yml#green"
    assert attrs(graph, green)["egress_public_network_access"] is True
    assert list(graph.out_edges(green, "uses")) == ["endpoint:azureml:git:./serve/open-endpoint.yml#open-endpoint"]
    orphan = attrs(graph, "deployment:azureml:git:./serve/orphan.yml#orphan")
    assert "no-such-endpoint" in orphan["unresolved"]["reference endpoint_name"]["reason"]


# -- bad input ------------------------------------------------------------------------

def test_wrong_types_are_errors_with_lines_and_unknown_facts(graph):
    errors = {(e.line, e.reason.split(":")[0]) for e in errors_for(graph, "bad/workspace-types.yml")}
    assert errors == {(3, "public_network_access"), (5, "hbi_workspace")}
    a = attrs(graph, rid("bad/workspace-types.yml", "mlw-bad"))
    assert "public_network_access" not in a and "hbi" not in a     # never the default
    assert "expected a string, found a list" in a["unknown"]["public_network_access"]["reason"]
    assert a["isolation_mode"] == "allow_only_approved_outbound"   # the rest of the file still counts
    compute = {(e.line, e.reason.split(":")[0]) for e in errors_for(graph, "bad/compute-types.yml")}
    assert compute == {(4, "idle_time_before_shutdown_minutes"), (5, "enable_node_public_ip")}


def test_endpoint_wrong_type_is_reported_once(graph):
    errors = errors_for(graph, "bad/endpoint-types.yml")
    assert [(e.collector, e.line) for e in errors] == [("azureml", 3)]
    a = attrs(graph, "endpoint:azureml:git:./bad/endpoint-types.yml#bad-endpoint")
    assert "auth_mode" not in a and "auth_mode" in a["unknown"]


def test_template_spec_is_recorded_not_evaluated(tmp_path):
    root = tmp_path / "t"
    root.mkdir()
    (root / "ws.yml").write_text("name: {{ ws_name }}\nmanaged_network:\n  isolation_mode: {{ mode }}\n")
    g = collect_graph(root)
    assert not g.errors and not list(g.nodes("resource"))
    assert g.node("file:fs:./ws.yml")["attrs"]["template"] is True


def test_no_errors_on_the_good_files(graph):
    assert [e for e in graph.errors if "/bad/" not in e.source] == []


def test_online_specs_without_schema_by_content_and_look_alikes_left_alone(tmp_path):
    files = {
        # an online endpoint and a managed deployment, no $schema
        "serve/endpoint.yml": "name: scorer\nauth_mode: aml_token\n",
        "serve/green.yml": "name: green\nendpoint_name: scorer\nmodel: azureml:fraud:4\n"
                           "instance_type: Standard_DS3_v2\ninstance_count: 2\n",
        # a batch deployment: its keys say so, not an online one
        "batch/nightly.yml": "name: nightly\nendpoint_name: scorer-batch\nmodel: azureml:fraud:4\n"
                             "mini_batch_size: 10\noutput_action: append_row\n",
        # other tools' YAML with a name and an auth mode or an endpoint name
        "config/proxy.yml": "name: gateway\nauth_mode: basic\n",
        "config/client.yml": "name: poller\nendpoint_name: https://api.example.test\nretries: 3\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    g = collect_graph(tmp_path)
    endpoint = attrs(g, "endpoint:azureml:fs:./serve/endpoint.yml#scorer")
    assert endpoint["auth_mode"] == "aml_token" and endpoint["public_network_access"] is True
    deployment = attrs(g, "deployment:azureml:fs:./serve/green.yml")
    assert deployment["endpoint_name"] == "scorer" and deployment["model_name"] == "fraud"
    assert deployment["kind"] == "online" and "schema" not in deployment
    told = {n for n, _ in g.nodes() if "batch/" in n or "config/" in n}
    assert told <= {"file:fs:./batch/nightly.yml", "file:fs:./config/proxy.yml", "file:fs:./config/client.yml"}
    assert not errors_for(g, "serve/")


def test_an_endpoint_on_a_preview_target_is_a_kubernetes_endpoint(tmp_path):
    """The 2021 preview CLI named the compute of a Kubernetes online endpoint `target:`
    (Azure/AML-Kubernetes' gpu-inferencing endpoint, no $schema): a Kubernetes endpoint,
    whose exposure the cluster's inference router decides, not a managed one public by
    default. Without compute or target it is a managed endpoint."""
    files = {"k8s/endpoint.yml": "name: tf-mnist\ntype: online\nauth_mode: key\ntarget: azureml:gpu-k8s\n",
             "managed/endpoint.yml": "name: scorer\ntype: online\nauth_mode: key\n"}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    g = collect_graph(tmp_path)
    k8s = attrs(g, "resource:azureml:fs:./k8s/endpoint.yml#tf-mnist")
    assert k8s["provider_type"] == "kubernetes_online_endpoint" and "public_network_access" not in k8s
    managed = attrs(g, "endpoint:azureml:fs:./managed/endpoint.yml#scorer")
    assert managed["provider_type"] == "online_endpoint" and managed["public_network_access"] is True
