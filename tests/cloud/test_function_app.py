"""Function apps in the one vocabulary: Terraform (linux, windows, legacy function app), ARM
and Bicep `Microsoft.Web/sites` of kind functionapp, and an `az functionapp show` export,
read from real files into the same facts, defaults cited, unknowns kept."""
from __future__ import annotations

import json
import textwrap

from conftest import collect_graph, errors_for, node_attrs

TERRAFORM = """
variable "tls" {
  type = string
}

resource "azurerm_storage_account" "fn" {
  name                     = "stfnscoring"
  resource_group_name      = "rg-ml"
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

resource "azurerm_service_plan" "fn" {
  name                = "asp-scoring"
  resource_group_name = "rg-ml"
  location            = "westeurope"
  os_type             = "Linux"
  sku_name            = "Y1"
}

# Everything on the provider's defaults.
resource "azurerm_linux_function_app" "defaults" {
  name                       = "func-defaults"
  resource_group_name        = "rg-ml"
  location                   = "westeurope"
  service_plan_id            = azurerm_service_plan.fn.id
  storage_account_name       = azurerm_storage_account.fn.name
  storage_account_access_key = azurerm_storage_account.fn.primary_access_key

  site_config {}
}

resource "azurerm_windows_function_app" "hardened" {
  name                          = "func-hardened"
  resource_group_name           = "rg-ml"
  location                      = "westeurope"
  service_plan_id               = azurerm_service_plan.fn.id
  storage_account_name          = azurerm_storage_account.fn.name
  storage_uses_managed_identity = true
  https_only                    = true
  public_network_access_enabled = false
  virtual_network_subnet_id     = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/apps"

  identity {
    type = "SystemAssigned, UserAssigned"
    identity_ids = ["/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-fn"]
  }

  auth_settings_v2 {
    auth_enabled           = true
    require_authentication = true
    login {}
  }

  app_settings = {
    FUNCTIONS_WORKER_RUNTIME = "python"
    MODEL_URI                = "models:/churn@champion"
    KV_REFERENCE             = "@Microsoft.KeyVault(SecretUri=https://kv-ml.vault.azure.net/secrets/db/)"
  }

  site_config {
    minimum_tls_version      = "1.3"
    ftps_state               = "FtpsOnly"
    remote_debugging_enabled = false

    cors {
      allowed_origins = ["https://portal.azure.com"]
    }

    ip_restriction {
      name       = "office"
      ip_address = "203.0.113.0/24"
      action     = "Allow"
      priority   = 100
    }
  }
}

resource "azurerm_function_app" "legacy" {
  name                       = "func-legacy"
  location                   = "westeurope"
  resource_group_name        = "rg-ml"
  app_service_plan_id        = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Web/serverFarms/asp"
  storage_account_name       = azurerm_storage_account.fn.name
  storage_account_access_key = azurerm_storage_account.fn.primary_access_key
  os_type                    = "linux"
  version                    = "~4"

  app_settings = {
    FUNCTIONS_WORKER_RUNTIME = "python"
    FEATURES_STORE           = azurerm_storage_account.fn.primary_connection_string
    EVENTS                   = "Endpoint=sb://ns-ml.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=bm90LWEta2V5LWp1c3QtYS1zaGFwZQ=="
  }

  site_config {
    min_tls_version = "1.1"
    cors {
      allowed_origins = ["*"]
    }
  }
}

resource "azurerm_linux_function_app" "unresolved" {
  name                 = "func-unresolved"
  resource_group_name  = "rg-ml"
  location             = "westeurope"
  service_plan_id      = azurerm_service_plan.fn.id
  storage_account_name = azurerm_storage_account.fn.name
  https_only           = true

  site_config {
    minimum_tls_version = var.tls
    ftps_state          = "Sometimes"
  }
}
"""


def _tf(graph, address):
    return node_attrs(graph, f"resource:terraform:fs:./main.tf#{address}")


def test_terraform_function_apps_on_defaults_set_and_unknown(tmp_path):
    (tmp_path / "main.tf").write_text(TERRAFORM)
    graph = collect_graph(tmp_path)
    assert not errors_for(graph, "main.tf")

    a = _tf(graph, "azurerm_linux_function_app.defaults")
    assert a["type"] == "function_app"
    assert (a["https_only"], a["min_tls_version"], a["ftps_state"], a["public_network_access"],
            a["remote_debugging"], a["cors_allowed_origins"], a["identity_type"], a["auth_enabled"],
            a["auth_v2_enabled"], a["access_restrictions"]) == (
        False, "1.2", "disabled", True, False, [], "none", False, False, False)
    # the key comes from another resource: set, its value unknown
    assert a["unknown"]["storage_account_key"]["expression"] == "azurerm_storage_account.fn.primary_access_key"
    assert a["account_key_settings"] == []
    assert "vnet_subnet" not in a                       # no documented default: not recorded
    source = a["fact_sources"]["https_only"]
    assert source["from"] == "default" and "https_only defaults to false" in source["default"]

    h = _tf(graph, "azurerm_windows_function_app.hardened")
    assert (h["https_only"], h["min_tls_version"], h["ftps_state"], h["public_network_access"],
            h["remote_debugging"], h["cors_allowed_origins"], h["identity_type"], h["auth_v2_enabled"],
            h["access_restrictions"], h["storage_account_key"]) == (
        True, "1.3", "ftps_only", False, False, ["https://portal.azure.com"], "systemassigned,userassigned",
        True, True, False)
    assert h["vnet_subnet"].endswith("/subnets/apps")
    assert h["account_key_settings"] == []              # a Key Vault reference, a model URI: no key
    assert h["fact_sources"]["ftps_state"] == {"attribute": "site_config.ftps_state", "from": "set",
                                               "expression": '"FtpsOnly"'}


def test_legacy_function_app_has_its_own_paths_and_defaults(tmp_path):
    (tmp_path / "main.tf").write_text(TERRAFORM)
    graph = collect_graph(tmp_path)
    g = _tf(graph, "azurerm_function_app.legacy")
    assert g["type"] == "function_app"
    assert g["min_tls_version"] == "1.1"                # site_config.min_tls_version in the legacy type
    assert g["ftps_state"] == "all_allowed"             # the legacy default
    assert "AllAllowed" in g["fact_sources"]["ftps_state"]["default"]
    assert g["cors_allowed_origins"] == ["*"]
    # no such argument on the legacy type: the source cannot say (no fact, no unknown)
    for fact in ("remote_debugging", "public_network_access", "auth_v2_enabled"):
        assert fact not in g and fact not in g.get("unknown", {})
    # names only: the storage key attribute and a literal Service Bus key
    assert g["account_key_settings"] == ["EVENTS", "FEATURES_STORE"]
    # the evidence quotes the names, not the settings' source (which holds the values)
    assert g["fact_sources"]["account_key_settings"]["expression"] == '["EVENTS", "FEATURES_STORE"]'
    assert "bm90LWEta2V5" not in json.dumps(g["account_key_settings"])


def test_unresolved_and_undocumented_values_are_unknown(tmp_path):
    (tmp_path / "main.tf").write_text(TERRAFORM)
    graph = collect_graph(tmp_path)
    u = _tf(graph, "azurerm_linux_function_app.unresolved")
    assert "min_tls_version" not in u and u["unknown"]["min_tls_version"]["expression"] == "var.tls"
    assert "Sometimes" in u["unknown"]["ftps_state"]["reason"]
    assert u["https_only"] is True


ARM = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {
        "appName": {"type": "string", "defaultValue": "func-score"},
        "storageName": {"type": "string", "defaultValue": "stscore"},
        "tls": {"type": "string"},
    },
    "resources": [
        {"type": "Microsoft.Web/sites", "apiVersion": "2022-03-01", "name": "[parameters('appName')]",
         "location": "westeurope", "kind": "functionapp,linux",
         "identity": {"type": "SystemAssigned"},
         "properties": {
             "reserved": True,
             "siteConfig": {
                 "linuxFxVersion": "Python|3.11",
                 "ftpsState": "AllAllowed",
                 "remoteDebuggingEnabled": True,
                 "cors": {"allowedOrigins": ["*"]},
                 "appSettings": [
                     {"name": "AzureWebJobsStorage",
                      "value": "[concat('DefaultEndpointsProtocol=https;AccountName=', parameters('storageName'), ';EndpointSuffix=', environment().suffixes.storage, ';AccountKey=', listKeys(resourceId('Microsoft.Storage/storageAccounts', parameters('storageName')), '2022-05-01').keys[0].value)]"},
                     {"name": "FUNCTIONS_WORKER_RUNTIME", "value": "python"},
                     {"name": "FUNCTIONS_EXTENSION_VERSION", "value": "~4"},
                 ]}}},
        {"type": "Microsoft.Web/sites", "apiVersion": "2022-03-01", "name": "func-tls",
         "location": "westeurope", "kind": "functionapp",
         "properties": {"httpsOnly": True, "publicNetworkAccess": "Disabled",
                        "siteConfig": {"minTlsVersion": "[parameters('tls')]"}}},
        {"type": "Microsoft.Web/sites", "apiVersion": "2022-03-01", "name": "web-portal",
         "location": "westeurope", "kind": "app,linux", "properties": {"httpsOnly": False}},
        {"type": "Microsoft.Web/sites", "apiVersion": "2022-03-01", "name": "logic-orders",
         "location": "westeurope", "kind": "functionapp,workflowapp", "properties": {}},
    ],
}


def test_arm_sites_of_kind_functionapp_are_function_apps(tmp_path):
    (tmp_path / "azuredeploy.json").write_text(json.dumps(ARM, indent=2))
    graph = collect_graph(tmp_path)
    assert not errors_for(graph, "azuredeploy.json")
    by_name = {d["attrs"].get("name"): d["attrs"] for _, d in graph.nodes("resource")}
    score = by_name["func-score"]
    assert score["type"] == "function_app" and score["kind"] == "functionapp,linux"
    assert (score["https_only"], score["public_network_access"], score["ftps_state"], score["remote_debugging"],
            score["cors_allowed_origins"], score["identity_type"]) == (
        False, True, "all_allowed", True, ["*"], "systemassigned")
    assert "969ac98b" in score["fact_sources"]["public_network_access"]["default"]
    # minTlsVersion absent: ARM documents no default, so it is not recorded
    assert "min_tls_version" not in score and "min_tls_version" not in score.get("unknown", {})
    assert score["account_key_settings"] == ["AzureWebJobsStorage"]
    tls = by_name["func-tls"]
    assert tls["unknown"]["min_tls_version"]["expression"] == "parameters('tls')"
    assert tls["https_only"] is True and tls["public_network_access"] is False
    # a web app and a Logic App Standard are not function apps
    assert by_name["web-portal"]["type"] == "other" and by_name["logic-orders"]["type"] == "other"


BICEP = """
param location string = resourceGroup().location
param appName string = 'func-bicep'

resource storage 'Microsoft.Storage/storageAccounts@2023-01-01' = {
  name: 'stfnbicep'
  location: location
  sku: { name: 'Standard_LRS' }
  kind: 'StorageV2'
}

resource functionApp 'Microsoft.Web/sites@2023-12-01' = {
  name: appName
  location: location
  kind: 'functionapp,linux'
  identity: { type: 'SystemAssigned' }
  properties: {
    httpsOnly: true
    publicNetworkAccess: 'Enabled'
    virtualNetworkSubnetId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/apps'
    siteConfig: {
      minTlsVersion: '1.0'
      ftpsState: 'Disabled'
      remoteDebuggingEnabled: false
      ipSecurityRestrictions: [
        {
          ipAddress: '198.51.100.0/24'
          action: 'Allow'
          priority: 100
          name: 'gateway'
        }
      ]
      appSettings: [
        {
          name: 'AzureWebJobsStorage'
          value: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value}'
        }
        {
          name: 'AzureWebJobsStorage__accountName'
          value: storage.name
        }
      ]
    }
  }
}
"""


def test_bicep_function_app(tmp_path):
    (tmp_path / "main.bicep").write_text(textwrap.dedent(BICEP))
    graph = collect_graph(tmp_path)
    assert not errors_for(graph, "main.bicep")
    a = node_attrs(graph, "resource:bicep:fs:./main.bicep#functionApp")
    assert a["type"] == "function_app"
    assert (a["https_only"], a["public_network_access"], a["min_tls_version"], a["ftps_state"],
            a["remote_debugging"], a["access_restrictions"]) == (True, True, "1.0", "disabled", False, True)
    assert a["vnet_subnet"].endswith("/subnets/apps")
    assert a["account_key_settings"] == ["AzureWebJobsStorage"]


EXPORT = {
    "id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Web/sites/func-live",
    "name": "func-live", "type": "Microsoft.Web/sites", "kind": "functionapp,linux", "location": "West Europe",
    "identity": None,
    "properties": {
        "httpsOnly": False, "publicNetworkAccess": None, "virtualNetworkSubnetId": None,
        "siteConfig": {"minTlsVersion": "1.2", "ftpsState": "FtpsOnly", "remoteDebuggingEnabled": False,
                       "cors": None, "appSettings": None,
                       "ipSecurityRestrictions": [{"ipAddress": "Any", "action": "Allow", "priority": 2147483647,
                                                   "name": "Allow all", "description": "Allow all access"}]},
    },
}


def test_export_of_a_deployed_function_app(tmp_path):
    (tmp_path / "functionapp.json").write_text(json.dumps(EXPORT))
    graph = collect_graph(tmp_path)
    a = node_attrs(graph, "resource:azure:" + EXPORT["id"].lower())
    assert a["type"] == "function_app" and a["declared"] is False
    # the implicit "Allow all" rule is no restriction
    assert (a["https_only"], a["min_tls_version"], a["ftps_state"], a["access_restrictions"]) == (
        False, "1.2", "ftps_only", False)


def test_access_restrictions_are_rules_other_than_allow_all():
    from checker.cloud.vocabulary import _restrictions
    allow_all = {"ipAddress": "Any", "action": "Allow", "priority": 2147483647, "name": "Allow all"}
    assert _restrictions([allow_all]) is False and _restrictions([]) is False
    assert _restrictions([{**allow_all, "action": "Deny", "name": "Deny all"}]) is True
    assert _restrictions([{"service_tag": "AzureFrontDoor.Backend", "action": "Allow", "priority": 100}]) is True


def test_kind_decides_only_for_microsoft_web_sites():
    from checker.cloud.vocabulary import resource_type
    assert resource_type("arm", "Microsoft.Web/sites", {"kind": "functionapp"}).name == "function_app"
    assert resource_type("bicep", "microsoft.web/sites", {"kind": "FunctionApp,Linux,Container"}).name == "function_app"
    assert resource_type("arm", "Microsoft.Web/sites", {"kind": "app"}) is None
    assert resource_type("arm", "Microsoft.Web/sites", {}) is None
    assert resource_type("arm", "Microsoft.Web/sites", None) is None
    assert resource_type("terraform", "azurerm_linux_function_app").name == "function_app"
    assert resource_type("arm", "Microsoft.Storage/storageAccounts").name == "storage_account"


# -- function code into its app, and into the registry -------------------------------------

def _registry(root, versions: dict[int, str], aliases: dict[str, int]) -> None:
    """A registry-only MLflow file store (MLflow's own layout): model churn, its versions
    with their stages, its aliases."""
    (root / "mlruns/0").mkdir(parents=True)
    (root / "mlruns/0/meta.yaml").write_text("experiment_id: '0'\nname: Default\nlifecycle_stage: active\n"
                                              "artifact_location: file:///tmp/x/mlruns/0\n")
    model = root / "mlruns/models/churn"
    model.mkdir(parents=True)
    (model / "meta.yaml").write_text("name: churn\ncreation_timestamp: 1795987079487\naliases:\n"
                                     + "".join(f"  {a}: {v}\n" for a, v in aliases.items()))
    for v, stage in versions.items():
        (model / f"version-{v}").mkdir()
        (model / f"version-{v}/meta.yaml").write_text(
            f"name: churn\nversion: {v}\ncurrent_stage: {stage}\nstatus: READY\nrun_id: null\n"
            f"source: file:///tmp/x/{v}\ncreation_timestamp: 179598707948{v}\n")


APP_CODE = '''
import azure.functions as func
import mlflow

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
champion = mlflow.pyfunc.load_model("models:/churn@champion")


@app.route(route="v/{version}")
def pinned(req):
    return mlflow.sklearn.load_model("models:/churn/1")


@app.route(route="prod")
def production(req):
    return mlflow.pyfunc.load_model("models:/churn/Production")


@app.route(route="missing")
def missing(req):
    return mlflow.pyfunc.load_model("models:/fraud/7")
'''

ONE_APP = '''
resource "azurerm_linux_function_app" "scoring" {
  name                 = "func-scoring"
  resource_group_name  = "rg-ml"
  location             = "westeurope"
  service_plan_id      = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Web/serverFarms/asp"
  storage_account_name = "stscoring"
  site_config {}
}
'''


def test_the_only_app_and_the_only_code_of_a_repository_are_linked_and_models_resolved(tmp_path):
    from checker.cloud.function_links import link_function_code, link_functions_to_models
    _registry(tmp_path, {1: "Archived", 2: "Production", 3: "None"}, {"champion": 3})
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra/main.tf").write_text(ONE_APP)
    (tmp_path / "scoring").mkdir()
    (tmp_path / "scoring/host.json").write_text(json.dumps({"version": "2.0"}))
    (tmp_path / "scoring/function_app.py").write_text(APP_CODE)
    graph = collect_graph(tmp_path)
    link_function_code(graph)
    link_functions_to_models(graph)
    app = "resource:terraform:fs:./infra/main.tf#azurerm_linux_function_app.scoring"
    base = "endpoint:function:fs:./scoring/function_app.py#"
    assert set(graph.out_edges(app, "exposes")) == {base + n for n in ("pinned", "production", "missing")}
    mv = "model_version:mlflow://mlruns/churn/"
    # the module-level champion load serves every function; each body adds its own
    assert set(graph.out_edges(base + "pinned", "serves")) == {mv + "1", mv + "3"}
    assert set(graph.out_edges(base + "production", "serves")) == {mv + "2", mv + "3"}
    assert set(graph.out_edges(base + "missing", "serves")) == {mv + "3"}
    unresolved = node_attrs(graph, base + "missing")["unresolved"]
    assert any("models:/fraud/7" in str(u) for u in (unresolved.values() if isinstance(unresolved, dict) else unresolved))


def test_two_apps_in_one_repository_are_not_guessed(tmp_path):
    from checker.cloud.function_links import link_function_code
    (tmp_path / "main.tf").write_text(ONE_APP + ONE_APP.replace('"scoring"', '"batch"'))
    (tmp_path / "host.json").write_text("{}")
    (tmp_path / "function_app.py").write_text(APP_CODE)
    graph = collect_graph(tmp_path)
    link_function_code(graph)
    assert not [e for n, _ in graph.nodes("resource") for e in graph.out_edges(n, "exposes")]
    link = node_attrs(graph, "endpoint:function:fs:./function_app.py#pinned")["function_app_link"]
    assert link.startswith("not linked: 2 function apps declared and 1 function code folders")


WORKFLOW = """
name: Deploy the scoring functions

on:
  push:
    branches: [main]
    paths: ["scoring/**"]
  workflow_dispatch:

env:
  AZURE_FUNCTIONAPP_NAME: func-scoring
  AZURE_FUNCTIONAPP_PACKAGE_PATH: ./scoring
  PYTHON_VERSION: "3.11"

jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: ${{ env.PYTHON_VERSION }}
      - name: Install dependencies
        shell: bash
        run: |
          pushd '${{ env.AZURE_FUNCTIONAPP_PACKAGE_PATH }}'
          pip install -r requirements.txt --target=".python_packages/lib/site-packages"
          popd
      - name: Deploy to Azure Functions
        uses: Azure/functions-action@v1
        with:
          app-name: ${{ env.AZURE_FUNCTIONAPP_NAME }}
          package: ${{ env.AZURE_FUNCTIONAPP_PACKAGE_PATH }}
          publish-profile: ${{ secrets.AZURE_FUNCTIONAPP_PUBLISH_PROFILE }}
          scm-do-build-during-deployment: true
          enable-oryx-build: true
  deploy-batch:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: azure/functions-action@v1
        with:
          app-name: ${{ vars.BATCH_APP }}
          package: batch
"""


def test_a_deploying_workflow_links_its_package_to_its_app(tmp_path):
    from checker.cloud.function_links import link_function_code
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra/main.tf").write_text(ONE_APP + ONE_APP.replace('"scoring"', '"batch"')
                                            .replace("func-scoring", "func-batch"))
    for folder in ("scoring", "batch"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "host.json").write_text("{}")
        (tmp_path / folder / "function_app.py").write_text(APP_CODE)
    (tmp_path / ".github/workflows").mkdir(parents=True)
    (tmp_path / ".github/workflows/deploy.yml").write_text(WORKFLOW)
    (tmp_path / ".github/workflows/broken.yml").write_text("jobs:\n  x:\n    steps: [uses: Azure/functions-action@v1\n")
    graph = collect_graph(tmp_path)
    deploys = node_attrs(graph, "file:fs:./.github/workflows/deploy.yml")["function_deploys"]
    assert deploys[0] == {"app_name": "func-scoring", "package": "./scoring", "line": 30}
    assert deploys[1]["app_name"] == {"unknown": "${{ vars.BATCH_APP }}"}
    broken = errors_for(graph, "broken.yml")
    assert len(broken) == 1 and "workflow is not YAML" in broken[0].reason and broken[0].line == 4
    link_function_code(graph)
    scoring = "resource:terraform:fs:./infra/main.tf#azurerm_linux_function_app.scoring"
    batch = "resource:terraform:fs:./infra/main.tf#azurerm_linux_function_app.batch"
    assert set(graph.out_edges(scoring, "exposes")) == {f"endpoint:function:fs:./scoring/function_app.py#{n}"
                                                        for n in ("pinned", "production", "missing")}
    assert not list(graph.out_edges(batch, "exposes"))    # its app-name is a repository variable
    link = node_attrs(graph, "endpoint:function:fs:./scoring/function_app.py#pinned")["function_app_link"]
    assert "deploy.yml" in link and "func-scoring" in link
    assert node_attrs(graph, "endpoint:function:fs:./batch/function_app.py#pinned")["function_app_link"] \
        .startswith("not linked")


def test_sites_config_children_become_the_function_apps_facts(tmp_path):
    """ARM and Bicep set a site's configuration in Microsoft.Web/sites/config children (web,
    authsettingsV2, appsettings): their settings are the app's facts, quoted with the child."""
    import shutil
    from checker.cloud.function_links import merge_site_config
    from conftest import TEST_DATA
    shutil.copy(TEST_DATA / "functions/site_config.bicep", tmp_path / "main.bicep")
    shutil.copy(TEST_DATA / "functions/site_config.json", tmp_path / "azuredeploy.json")
    graph = collect_graph(tmp_path, link_resources=True)
    merge_site_config(graph)
    bicep = node_attrs(graph, "resource:bicep:fs:./main.bicep#site")
    assert (bicep["min_tls_version"], bicep["ftps_state"], bicep["remote_debugging"], bicep["auth_v2_enabled"]) == (
        "1.2", "ftps_only", False, True)
    assert bicep["fact_sources"]["auth_v2_enabled"] == {"attribute": "auth: properties.platform.enabled",
                                                        "from": "set", "expression": "true"}
    arm = node_attrs(graph, "resource:arm:fs:./azuredeploy.json#Microsoft.Web/sites/[parameters('appName')]")
    assert arm["min_tls_version"] == "1.0"                        # a nested `config` resource named web
    assert arm["account_key_settings"] == ["AzureWebJobsStorage"]  # from the appsettings child, name only
    assert arm["fact_sources"]["account_key_settings"]["expression"] == '["AzureWebJobsStorage"]'
    assert "auth_v2_enabled" not in arm                           # no authsettingsV2 child: still not recorded


def test_az_functionapp_show_prints_the_site_flat(tmp_path):
    """`az functionapp show -o json` prints the SDK model without `properties`: read as the
    site's properties, the kind deciding the type."""
    flat = {"id": EXPORT["id"].replace("func-live", "func-flat"), "name": "func-flat", "type": "Microsoft.Web/sites",
            "kind": "functionapp", "location": "West Europe", "resourceGroup": "rg-ml", "state": "Running",
            "httpsOnly": True, "publicNetworkAccess": "Disabled", "clientCertEnabled": False,
            "defaultHostName": "func-flat.azurewebsites.net",
            "siteConfig": {"minTlsVersion": "1.2", "ftpsState": "AllAllowed", "remoteDebuggingEnabled": False,
                           "cors": {"allowedOrigins": ["*"], "supportCredentials": False}},
            "identity": {"type": "SystemAssigned", "principalId": "11111111-2222-3333-4444-555555555555"}}
    (tmp_path / "show.json").write_text(json.dumps(flat, indent=2))
    graph = collect_graph(tmp_path)
    a = node_attrs(graph, "resource:azure:" + flat["id"].lower())
    assert a["type"] == "function_app"
    assert (a["https_only"], a["public_network_access"], a["ftps_state"], a["cors_allowed_origins"],
            a["identity_type"]) == (True, False, "all_allowed", ["*"], "systemassigned")


def test_a_model_uri_read_from_an_app_setting_is_the_apps_value(tmp_path):
    from checker.cloud.function_links import link_function_code, link_functions_to_models
    _registry(tmp_path, {1: "Archived", 2: "Production", 3: "None"}, {"champion": 3})
    (tmp_path / "main.tf").write_text(ONE_APP.replace("  site_config {}", '''  site_config {}

  app_settings = {
    MODEL_URI            = "models:/churn/2"
    FUNCTIONS_EXTENSION_VERSION = "~4"
  }'''))
    (tmp_path / "host.json").write_text("{}")
    (tmp_path / "function_app.py").write_text('''
import os

import azure.functions as func
import mlflow

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
MODEL_URI = os.environ["MODEL_URI"]
model = mlflow.pyfunc.load_model(MODEL_URI)


@app.route(route="shadow")
def shadow(req):
    return mlflow.pyfunc.load_model(os.getenv("SHADOW_URI", "models:/churn@champion"))
''')
    graph = collect_graph(tmp_path)
    shadow = "endpoint:function:fs:./function_app.py#shadow"
    refs = node_attrs(graph, shadow)["unresolved_model_refs"]
    assert {r["setting"] for r in refs} == {"MODEL_URI", "SHADOW_URI"}
    assert next(r for r in refs if r["setting"] == "SHADOW_URI")["default"] == "models:/churn@champion"
    link_function_code(graph)
    link_functions_to_models(graph)
    mv = "model_version:mlflow://mlruns/churn/"
    assert set(graph.out_edges(shadow, "serves")) == {mv + "2", mv + "3"}   # the app's setting, the default
