"""ARM templates: real template and parameter files (shapes from the Azure ML quickstart
azuredeploy.json, Bicep-compiled languageVersion 2.0 output and the learn.microsoft.com
template reference) read from real folders, through the vocabulary, into resource nodes
and, with the resource linker, edges."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import TEST_DATA, collect_graph

from checker.collectors.arm import load_jsonc, pair_parameters, strip_comments
from checker.collectors.arm.expressions import ExpressionError, parse
from checker.cloud.model import Unknown
from checker.collectors.arm.template import Template, new_deployment
from checker.collectors.arm.values import OpenDict

DATA = TEST_DATA / "arm"
SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
PARAMS_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"


def collected(tmp_path: Path, files: dict[str, object] | None = None, copy: tuple[str, ...] = ()):
    root = tmp_path / "estate"
    root.mkdir(exist_ok=True)
    for folder in copy:
        shutil.copytree(DATA / folder, root / folder)
    for name, content in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2))
    graph = collect_graph(root, link_resources=True)
    return graph


def by_address(graph, address: str) -> tuple[str, dict]:
    hits = [(nid, d["attrs"]) for nid, d in graph.nodes() if d["attrs"].get("address") == address
            and d["attrs"].get("format") == "arm"]
    assert len(hits) == 1, f"{address}: {[h[0] for h in hits]}"
    return hits[0]


def arm_nodes(graph) -> dict[str, dict]:
    return {d["attrs"]["address"]: d["attrs"] for _, d in graph.nodes() if d["attrs"].get("format") == "arm"}


def errors(graph) -> list:
    return [e for e in graph.errors if e.collector == "arm"]


def template(resources, parameters=None, variables=None, **extra) -> dict:
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "parameters": parameters or {},
            "variables": variables or {}, "resources": resources, **extra}


# -- the quickstart workspace, with and without its parameter file ---------------------

WS = "Microsoft.MachineLearningServices/workspaces/[variables('workspaceName')]"
SA = "Microsoft.Storage/storageAccounts/[variables('storageAccountName')]"
KV = "Microsoft.KeyVault/vaults/[variables('keyVaultName')]"
CR = "Microsoft.ContainerRegistry/registries/[variables('containerRegistryName')]"
AI = "Microsoft.Insights/components/[variables('applicationInsightsName')]"


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory):
    return collected(tmp_path_factory.mktemp("qs"), copy=("workspace",))


def test_parameter_file_values_name_the_resources(quickstart):
    nodes = arm_nodes(quickstart)
    assert nodes[WS]["name"] == "mlw-churn-prod" and nodes[SA]["name"] == "stchurnprod"
    assert nodes[CR]["name"] == "crchurnprod"                       # toLower(concat(...))
    assert nodes[WS]["type"] == "ml_workspace" and nodes[WS]["api_version"] == "2022-10-01"
    assert not errors(quickstart)


def test_facts_set_and_api_version_defaults(quickstart):
    nodes = arm_nodes(quickstart)
    ws, sa, cr, kv = nodes[WS], nodes[SA], nodes[CR], nodes[KV]
    assert ws["hbi"] is False and ws["fact_sources"]["hbi"]["from"] == "set"      # the string "false"
    assert ws["fact_sources"]["hbi"]["expression"] == "[parameters('hbi_workspace')]"
    assert ws["public_network_access"] is True and ws["fact_sources"]["public_network_access"]["from"] == "default"
    # storage at api-version 2021-01-01: blob public access and TLS 1.0 by the old defaults
    assert sa["public_blob_access"] is True and "before 2023-01-01" in sa["fact_sources"]["public_blob_access"]["default"]
    assert sa["min_tls_version"] == "1.0" and sa["https_only"] is True
    assert sa["fact_sources"]["https_only"]["from"] == "set"
    assert cr["admin_user"] is True and kv["soft_delete"] is True and kv["purge_protection"] is False


def test_workspace_links_and_child_compute(quickstart):
    ws_id, _ = by_address(quickstart, WS)
    uses = set(quickstart.out_edges(ws_id, "uses"))
    assert uses == {by_address(quickstart, a)[0] for a in (SA, KV, CR, AI)}
    cluster_id, cluster = by_address(quickstart, "Microsoft.MachineLearningServices/workspaces/computes/cpu-cluster")
    assert cluster["provider_type"] == "Microsoft.MachineLearningServices/workspaces/computes"   # composed type
    assert cluster["name"] == "mlw-churn-prod/cpu-cluster"
    assert list(quickstart.out_edges(cluster_id, "in_workspace")) == [ws_id]
    assert cluster["local_auth"] is False and cluster["ssh_public_access"] is False
    assert cluster["node_public_ip"] is True and cluster["fact_sources"]["node_public_ip"]["from"] == "default"
    # condition [equals(parameters('deployInstance'), 'yes')] is false: not deployed, not recorded
    assert not any("ci-never" in a for a in arm_nodes(quickstart))


def test_key_vault_parameter_reference_is_never_a_value(quickstart):
    text = json.dumps(quickstart.document())
    assert "vmAdminPassword" not in text or "reference" not in text.split("vmAdminPassword")[0][-40:]


def test_without_parameters_names_are_unknown_but_links_still_resolve(tmp_path):
    root = tmp_path / "estate"
    shutil.copytree(DATA / "workspace", root / "workspace")
    (root / "workspace" / "azuredeploy.parameters.json").unlink()
    graph = collect_graph(root, link_resources=True)
    ws_id, ws = by_address(graph, WS)
    assert "name" not in ws and "parameters('name')" in ws["unknown"]["name"]["expression"]
    assert "without a default" in ws["unknown"]["name"]["reason"]
    # resourceId(type, variables('storageAccountName')) names the storage account built the same way
    assert by_address(graph, SA)[0] in set(graph.out_edges(ws_id, "uses"))
    assert not errors(graph)


# -- languageVersion 2.0, comments, copy loops, nested deployments ------------------------

@pytest.fixture(scope="module")
def secure(tmp_path_factory):
    return collected(tmp_path_factory.mktemp("sec"), copy=("secure",))


def test_symbolic_resources_with_comments_and_trailing_commas(secure):
    nodes = arm_nodes(secure)
    assert {"storage", "vault", "workspace", "clusters[0]", "clusters[1]", "endpointStack"} <= set(nodes)
    sa, ws = nodes["storage"], nodes["workspace"]
    assert sa["public_network_access"] is False and sa["default_network_action"] == "deny"
    assert sa["public_blob_access"] is False and sa["fact_sources"]["public_blob_access"]["from"] == "default"
    assert "uniqueString() is known only at deployment" in sa["unknown"]["name"]["reason"]
    assert ws["isolation_mode"] == "allow_only_approved_outbound"
    assert ws["outbound_rules"] == {"pypi": {"type": "FQDN", "destination": "pypi.org"},
                                    "hosted": {"type": "FQDN", "destination": "files.pythonhosted.org"}}
    assert not errors(secure)


def test_symbolic_references_and_copy_instances(secure):
    ws_id, _ = by_address(secure, "workspace")
    assert set(secure.out_edges(ws_id, "uses")) == {by_address(secure, "storage")[0], by_address(secure, "vault")[0]}
    for i in (0, 1):
        cid, c = by_address(secure, f"clusters[{i}]")
        assert c["name"] == f"mlw-fraud/cpu-{i}" and c["node_public_ip"] is False
        assert c["subnet"].endswith("/providers/Microsoft.Network/virtualNetworks/vnet-ml/subnets/snet-training")
        assert c["subnet"].startswith("/subscriptions/<subscriptionId>/resourceGroups/<resourceGroupName>/")
        assert list(secure.out_edges(cid, "in_workspace")) == [ws_id]
        assert "reference properties.properties.subnet.id" in c["unresolved"]     # no VNet in the estate


def test_nested_inner_deployment_takes_its_parameters(secure):
    nid, ep = by_address(secure, "endpointStack/Microsoft.MachineLearningServices/workspaces/onlineEndpoints/"
                                 "[format('{0}/{1}', parameters('workspaceName'), parameters('endpointName'))]")
    assert nid.startswith("endpoint:arm:") and ep["name"] == "mlw-fraud/fraud-score"
    assert ep["public_network_access"] is True and ep["fact_sources"]["public_network_access"]["from"] == "set"
    assert ep["fact_sources"]["auth_mode"]["expression"] == "[parameters('authMode')]"
    assert list(secure.out_edges(nid, "in_workspace")) == [by_address(secure, "workspace")[0]]
    # the deployment resource does not carry its nested template as properties
    assert "template" not in by_address(secure, "endpointStack")[1]["properties"]["properties"]


# -- parameters -------------------------------------------------------------------------

def test_parameter_files_pair_by_stem_and_disagreements_are_unknown(tmp_path):
    t = template([{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01",
                   "name": "[parameters('name')]",
                   "properties": {"publicNetworkAccess": "[parameters('access')]"}}],
                 {"name": {"type": "string"}, "access": {"type": "string", "defaultValue": "Enabled"}})
    dev = {"$schema": PARAMS_SCHEMA, "parameters": {"name": {"value": "stdev"}, "access": {"value": "Disabled"}}}
    prod = {"$schema": PARAMS_SCHEMA, "parameters": {"name": {"value": "stprod"}, "access": {"value": "Disabled"}}}
    graph = collected(tmp_path, {"infra/main.json": t, "infra/main.parameters.dev.json": dev,
                                 "infra/main.parameters.prod.json": prod})
    _, sa = by_address(graph, "Microsoft.Storage/storageAccounts/[parameters('name')]")
    assert sa["public_network_access"] is False                       # both files agree
    assert "disagree" in sa["unknown"]["name"]["reason"] and "stdev" in sa["unknown"]["name"]["reason"]


def test_pairing_rules():
    assert pair_parameters(["a/azuredeploy.json", "a/other.json", "b/template.json"],
                           ["a/azuredeploy.parameters.json", "b/parameters.json", "c/x.parameters.json"]) == {
        "a/azuredeploy.json": ["a/azuredeploy.parameters.json"], "a/other.json": [],
        "b/template.json": ["b/parameters.json"]}


# -- bad input: errors with file and line, unknowns, no crash -----------------------------

def test_bad_json_names_file_and_line_and_other_json_is_ignored(tmp_path):
    graph = collected(tmp_path, {
        "broken.json": '{\n  "$schema": "' + SCHEMA + '",\n  "resources": [\n    {"type": }\n  ]\n}\n',
        "package.json": '{"name": "not-arm", "resources": [1, 2]}',
        "schema-like.json": '{"$schema": "http://json-schema.org/draft-07/schema#", "x": 1}',
        "garbage.json": "{not json at all",
    })
    errs = errors(graph)
    assert [(e.source.endswith("broken.json"), e.line) for e in errs] == [(True, 4)]
    assert "not valid JSON" in errs[0].reason


def test_bad_expression_is_an_error_with_the_resource_line_and_the_rest_is_read(tmp_path):
    t = template([{"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "kv-ok",
                   "properties": {"enablePurgeProtection": True}},
                  {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01",
                   "name": "[concat('st', parameters('x')]"}])
    graph = collected(tmp_path, {"t.json": t})
    (err,) = errors(graph)
    text = (tmp_path / "estate" / "t.json").read_text().splitlines()
    assert err.line == next(i for i, l in enumerate(text, 1) if "Microsoft.Storage" in l)
    assert err.reason == "\"[concat('st', parameters('x')]\" is not a valid expression: the expression ends early"
    assert arm_nodes(graph)["Microsoft.KeyVault/vaults/kv-ok"]["purge_protection"] is True


def test_a_repeated_expression_takes_each_copy_index_and_a_bad_one_is_an_error_at_each_resource(tmp_path):
    # Expression values are remembered by their text (checker/collectors/arm/template.py):
    # a copy's index and each resource's own line must still count.
    bad = "[concat('kv', parameters('x')]"
    t = template([{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01",
                   "name": "[concat('st', copyIndex(), parameters('env'))]", "location": "[parameters('env')]",
                   "copy": {"name": "sa", "count": 3}},
                  {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": bad},
                  {"type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01",
                   "name": "[concat('cr', parameters('env'))]", "location": "[parameters('env')]",
                   "properties": {"adminUserEnabled": False, "dataEndpointEnabled": "[equals(parameters('env'), 'p')]"}},
                  {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": bad}],
                 {"env": {"type": "string", "defaultValue": "p"}})
    graph = collected(tmp_path, {"t.json": t})
    names = sorted(str(a.get("name")) for a in arm_nodes(graph).values()
                   if a["provider_type"] == "Microsoft.Storage/storageAccounts")
    assert names == ["st0p", "st1p", "st2p"]
    (cr,) = [a for a in arm_nodes(graph).values() if a["provider_type"] == "Microsoft.ContainerRegistry/registries"]
    assert cr["name"] == "crp" and cr["properties"]["location"] == "p"
    assert cr["properties"]["properties"]["dataEndpointEnabled"] is True
    lines = [i for i, line in enumerate((tmp_path / "estate" / "t.json").read_text().splitlines(), 1)
             if "Microsoft.KeyVault/vaults" in line]
    assert sorted(e.line for e in errors(graph)) == lines and len(lines) == 2


def test_unknown_copy_count_and_condition_are_recorded_as_unknown(tmp_path):
    t = template([{"type": "Microsoft.MachineLearningServices/workspaces", "apiVersion": "2024-04-01",
                   "name": "[concat('ws', copyIndex())]", "copy": {"name": "ws", "count": "[parameters('n')]"}},
                  {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "kv",
                   "condition": "[parameters('deploy')]"}],
                 {"n": {"type": "int"}, "deploy": {"type": "bool"}})
    graph = collected(tmp_path, {"t.json": t})
    nodes = arm_nodes(graph)
    ws = nodes["Microsoft.MachineLearningServices/workspaces/[concat('ws', copyIndex())][*]"]
    assert "copy count not known" in ws["conditional"]["reason"] and "name" in ws["unknown"]
    kv = nodes["Microsoft.KeyVault/vaults/kv"]
    assert kv["conditional"] == {"expression": "[parameters('deploy')]",
                                 "reason": "parameter without a default value or a value from a parameter file"}


def test_self_reference_and_user_functions_are_unknown(tmp_path):
    t = template([{"type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01",
                   "name": "[variables('a')]",
                   "properties": {"adminUserEnabled": "[contoso.flag()]"}}],
                 variables={"a": "[variables('b')]", "b": "[concat(variables('a'), 'x')]"})
    graph = collected(tmp_path, {"t.json": t})
    (cr,) = arm_nodes(graph).values()
    assert "refers to itself" in cr["unknown"]["name"]["reason"]
    assert "user-defined function" in cr["unknown"]["admin_user"]["reason"]


def nested(depth: int) -> dict:
    inner: dict = template([{"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01",
                             "name": f"kv-{depth}"}])
    for level in range(depth - 1, -1, -1):
        inner = template([{"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": f"kv-{level}"},
                          {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01",
                           "name": f"level-{level}",
                           "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                                          "template": inner}}])
    return inner


def test_deeply_nested_templates_read_to_a_bound_then_an_error_with_its_line(tmp_path):
    graph = collected(tmp_path, {"deep.json": nested(40)})
    names = {a.get("name") for a in arm_nodes(graph).values()}
    assert {f"kv-{i}" for i in range(21)} <= names and "kv-22" not in names
    (err,) = errors(graph)
    assert "deeper than 20" in err.reason and err.line and err.line > 1


def test_a_thousand_resources_across_nested_templates(tmp_path):
    resources = []
    for i in range(250):
        resources += [
            {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-05-01", "name": f"st{i}",
             "properties": {"allowBlobPublicAccess": i % 2 == 0}},
            {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": f"kv{i}"},
            {"type": "Microsoft.MachineLearningServices/workspaces", "apiVersion": "2024-04-01", "name": f"ws{i}",
             "properties": {"storageAccount": f"[resourceId('Microsoft.Storage/storageAccounts', 'st{i}')]",
                            "keyVault": f"[resourceId('Microsoft.KeyVault/vaults', 'kv{i}')]"}},
            {"type": "Microsoft.MachineLearningServices/workspaces/computes", "apiVersion": "2024-04-01",
             "name": f"ws{i}/cpu", "properties": {"computeType": "AmlCompute"}},
        ]
    files = {f"m{j}/azuredeploy.json": template(resources[j * 250:(j + 1) * 250]) for j in range(4)}
    graph = collected(tmp_path, files)
    nodes = [d["attrs"] for _, d in graph.nodes() if d["attrs"].get("format") == "arm"]
    assert len(nodes) == 1000 and not errors(graph)
    uses = sum(1 for nid, d in graph.nodes("resource") if d["attrs"].get("type") == "ml_workspace"
               for _ in graph.out_edges(nid, "uses"))
    assert uses == 500
    assert sum(1 for a in nodes if a.get("public_blob_access") is True) == 125


# -- the expression language ---------------------------------------------------------------

def evaluate(expression: str, parameters=None, variables=None):
    t = Template("t.json", lambda _: 1, lambda _: None, lambda r, l: problems.append(r), lambda *a: None)
    problems: list = []
    dep = new_deployment(template([], parameters, variables), {})
    return t.expression(expression, dep, {}, 1), problems


@pytest.mark.parametrize("expression,value", [
    ("[concat('a', 'b', string(1))]", "ab1"),
    ("[format('{0}-{1}', 'ws', 3)]", "ws-3"),
    ("[if(equals(toLower('A'), 'a'), 'yes', 'no')]", "yes"),
    ("[createObject('k', createArray(1, 2))['k'][1]]", 2),
    ("[union(createObject('a', 1), createObject('b', 2))]", {"a": 1, "b": 2}),
    ("[length(split('a,b,c', ','))]", 3),
    ("[and(true(), not(false()))]", True),
    ("[coalesce(null(), 'x')]", "x"),
    ("[parameters('p')]", "from-default"),
    ("[variables('v').inner]", "from-default-v"),
])
def test_expressions_that_are_known(expression, value):
    result, problems = evaluate(expression, {"p": {"type": "string", "defaultValue": "from-default"}},
                                {"v": {"inner": "[concat(parameters('p'), '-v')]"}})
    assert result == value and not problems


@pytest.mark.parametrize("expression,reason", [
    ("[uniqueString(resourceGroup().id)]", "known only at deployment"),
    ("[resourceGroup().location]", "known only at deployment"),
    ("[reference(resourceId('Microsoft.Storage/storageAccounts', 'st')).primaryEndpoints.blob]", "reference()"),
    ("[toLower(1)]", "toLower expects strings"),
    ("[copyIndex()]", "outside a copy loop"),
    ("[parameters('missing')]", "not declared"),
])
def test_expressions_that_are_unknown(expression, reason):
    result, problems = evaluate(expression)
    assert reason in result.reason and not problems


def test_literals_and_syntax_errors():
    t = Template("t.json", lambda _: 1, lambda _: None, lambda r, l: None, lambda *a: None)
    assert t.value(["[[literal]", "plain"], new_deployment(template([]), {}), {}, 1) == ["[literal]", "plain"]
    with pytest.raises(ExpressionError):
        parse("[concat('a'")
    with pytest.raises(ExpressionError):
        parse("[" + "concat(" * 200 + "'a'" + ")" * 200 + "]")
    assert load_jsonc('{"a": [1, 2, ], // c\n "b": "/* kept */"}') == {"a": [1, 2], "b": "/* kept */"}
    assert strip_comments('{\n/* x\n y */"a": 1}').count("\n") == 2


# -- a template Bicep compiled, beside its source ---------------------------------------

BICEP_WS = """param location string = resourceGroup().location

resource ws 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = {
  name: 'mlw-main'
  location: location
  properties: {
    publicNetworkAccess: 'Disabled'
  }
}
"""


def compiled_from_bicep() -> dict:
    """What `az bicep build` writes for BICEP_WS (its shape: metadata._generator, the
    template hash, the same resource)."""
    return template([{"type": "Microsoft.MachineLearningServices/workspaces", "apiVersion": "2024-04-01",
                      "name": "mlw-main", "location": "[parameters('location')]",
                      "properties": {"publicNetworkAccess": "Disabled"}}],
                    parameters={"location": {"type": "string", "defaultValue": "[resourceGroup().location]"}},
                    metadata={"_generator": {"name": "bicep", "version": "0.30.23.60470",
                                             "templateHash": "1234567890123456789"}})


def test_a_template_compiled_from_a_bicep_file_beside_it_is_read_from_its_source_once(tmp_path):
    graph = collected(tmp_path, {"infra/main.bicep": BICEP_WS, "infra/main.json": compiled_from_bicep(),
                                 "other/main.json": compiled_from_bicep()})
    workspaces = sorted((d["attrs"]["format"], d["provenance"]["source"]) for _, d in graph.nodes()
                        if d["attrs"].get("type") == "ml_workspace")
    # infra/: the Bicep source only; other/ holds no source, so its compiled template counts.
    assert workspaces == [("arm", "estate/other/main.json"), ("bicep", "estate/infra/main.bicep")]
    note = graph.node("file:fs:./infra/main.json")["attrs"]["coverage"][0]["note"]
    assert note.startswith("compiled from infra/main.bicep") and not errors(graph)


def test_a_hand_written_template_beside_a_bicep_file_of_its_stem_is_still_read(tmp_path):
    hand_written = compiled_from_bicep()
    del hand_written["metadata"]
    graph = collected(tmp_path, {"infra/main.bicep": BICEP_WS, "infra/main.json": hand_written})
    assert sorted(d["attrs"]["format"] for _, d in graph.nodes() if d["attrs"].get("type") == "ml_workspace") \
        == ["arm", "bicep"]


def test_compute_instance_ssh_from_ssh_settings_and_cluster_not_specified(tmp_path):
    """One ARM type holds instances and clusters: an instance keeps SSH in
    sshSettings.sshPublicAccess, a cluster in remoteLoginPortPublicAccess, whose
    NotSpecified depends on a VNet (Azure ML REST reference)."""
    def compute(name, compute_type, inner):
        return {"type": "Microsoft.MachineLearningServices/workspaces/computes", "apiVersion": "2024-04-01",
                "name": f"mlw/{name}", "location": "westeurope",
                "properties": {"computeType": compute_type, "properties": inner}}
    graph = collected(tmp_path, {"infra/computes.json": template([
        compute("ci-open", "ComputeInstance", {"vmSize": "Standard_DS3_v2",
                                               "sshSettings": {"sshPublicAccess": "Enabled", "adminPublicKey": "[parameters('key')]"}}),
        compute("ci-closed", "ComputeInstance", {"vmSize": "Standard_DS3_v2", "sshSettings": {"sshPublicAccess": "Disabled"}}),
        compute("cc-unset", "AmlCompute", {"vmSize": "Standard_DS3_v2", "remoteLoginPortPublicAccess": "NotSpecified"}),
    ], parameters={"key": {"type": "string", "defaultValue": "ssh-rsa AAAA"}})})
    nodes = arm_nodes(graph)
    opened, closed, unset = (nodes[f"Microsoft.MachineLearningServices/workspaces/computes/mlw/{n}"]
                             for n in ("ci-open", "ci-closed", "cc-unset"))
    assert opened["ssh_public_access"] is True
    assert opened["fact_sources"]["ssh_public_access"]["attribute"] == "properties.properties.sshSettings.sshPublicAccess"
    assert closed["ssh_public_access"] is False
    assert "ssh_public_access" not in unset and "virtual network" in unset["unknown"]["ssh_public_access"]["reason"]
    assert not errors(graph)


# -- objects built from parts, key by key (objects.py) -----------------------------------

OBJECT_PARAMS = {"localAuthOff": {"type": "bool", "defaultValue": False}, "attachId": {"type": "string"},
                 "extra": {"type": "object"}, "site": {"type": "string", "defaultValue": "westeurope"}}


def evaluated(expression: str, variables=None):
    result, problems = evaluate(expression, OBJECT_PARAMS, variables)
    assert not problems
    return result


def test_union_with_a_branch_under_an_unknown_condition_knows_the_keys_both_agree_on():
    # the AVM compute shape: common keys, then attach-or-create keys chosen by a parameter without a value
    value = evaluated("[union(createObject('disableLocalAuth', parameters('localAuthOff'), 'computeType', "
                      "'AmlCompute', 'properties', createObject('vmSize', 'Standard_DS3_v2', 'enableNodePublicIp', "
                      "false())), if(empty(parameters('attachId')), createObject('computeLocation', "
                      "parameters('site')), createObject('resourceId', parameters('attachId'), 'properties', "
                      "createObject('subnet', createObject('id', parameters('attachId'))))))]")
    assert value["disableLocalAuth"] is False and value["computeType"] == "AmlCompute"
    assert not isinstance(value, OpenDict)                        # both branches known: nothing else is set
    for key in ("computeLocation", "resourceId"):
        assert isinstance(value[key], Unknown) and "set only when a condition" in value[key].reason
    inner = value["properties"]                                   # merged both ways: what both give is known
    assert inner["vmSize"] == "Standard_DS3_v2" and inner["enableNodePublicIp"] is False
    assert isinstance(inner["subnet"], Unknown)


def test_union_with_an_object_of_unknown_content_makes_only_the_keys_before_it_unknown():
    value = evaluated("[union(createObject('a', 1, 'b', createObject('x', 1)), parameters('extra'), "
                      "createObject('c', 2, 'b', createObject('y', 2)))]")
    assert isinstance(value, OpenDict) and value["c"] == 2
    assert isinstance(value["a"], Unknown) and "a later part may replace a" in value["a"].reason
    assert dict.__contains__(value["b"], "y") and isinstance(value["b"]["x"], Unknown)   # merged into: x unknown
    assert isinstance(value["anything"], Unknown)                 # open: a key it does not list is not absent
    assert evaluated("[union(parameters('extra'), createObject('a', 1)).A]") == 1
    assert isinstance(evaluated("[union(createObject('a', 1), parameters('extra')).a]"), Unknown)


@pytest.mark.parametrize("expression,value", [
    # union merges nested objects (later wins per key), arrays inside are replaced
    ("[union(createObject('p', createObject('a', 1, 'b', 2), 'l', createArray(1)), "
     "createObject('p', createObject('b', 3), 'l', createArray(2)))]", {"p": {"a": 1, "b": 3}, "l": [2]}),
    # shallowMerge and createObject: top level only, later wins
    ("[shallowMerge(createArray(createObject('p', createObject('a', 1, 'b', 2)), createObject('p', "
     "createObject('b', 3))))]", {"p": {"b": 3}}),
    ("[createObject('a', 1, 'a', 2)]", {"a": 2}),
    ("[if(empty(parameters('attachId')), 'Disabled', 'Disabled')]", "Disabled"),
    ("[if(empty(parameters('attachId')), createObject('a', 1, 'b', 1), createObject('a', 1)).a]", 1),
    ("[union(createArray(1, 2), createArray(2, 3))]", [1, 2, 3]),
])
def test_object_functions_that_are_known(expression, value):
    assert evaluated(expression) == value


@pytest.mark.parametrize("expression", [
    "[if(empty(parameters('attachId')), 'Disabled', 'Enabled')]",
    "[length(union(createObject('a', 1), parameters('extra')))]",
    "[equals(union(createObject('a', 1), parameters('extra')), createObject('a', 1))]",
    "[equals(createObject('a', parameters('attachId')), createObject('a', 'x'))]",
    "[string(union(createObject('a', 1), parameters('extra')))]",
    "[contains(union(createObject('a', 1), parameters('extra')), 'b')]",
    "[union(createArray(1), parameters('extra'))]",
    "[shallowMerge(parameters('extra'))]",
    "[union(parameters('extra'), parameters('extra'))]",
])
def test_object_functions_over_what_is_not_known_in_full_are_unknown(expression):
    assert isinstance(evaluated(expression), Unknown)


def test_create_object_with_an_unknown_key_is_open_and_bad_arguments_are_unknown():
    value = evaluated("[createObject('a', 1, parameters('attachId'), 2, 'b', parameters('attachId'))]")
    assert isinstance(value, OpenDict) and isinstance(value["a"], Unknown) and isinstance(value["b"], Unknown)
    assert "createObject keys" in evaluated("[createObject(1, 2)]").reason
    assert "not all objects" in evaluated("[union(createObject('a', 1), 'text')]").reason


def test_unions_of_deep_and_wide_objects_stay_bounded():
    deep: dict = {}
    for _ in range(400):
        deep = {"n": deep, "k": 1}
    wide = {f"k{i}": i for i in range(20_000)}
    value = evaluated("[union(variables('deep'), variables('deep'), variables('wide'))]",
                      {"deep": deep, "wide": wide})
    assert value["k"] == 1 and value["k19999"] == 19999
    nested = "[" + "union(" * 45 + "createObject('a', 1)" + ", parameters('extra'))" * 45 + "]"
    assert isinstance(evaluated(nested), OpenDict)


def test_a_storage_account_written_as_a_union_is_judged_on_what_is_known(tmp_path):
    graph = collected(tmp_path, {"azuredeploy.json": template([{
        "type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-05-01", "name": "stml",
        "location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"},
        "properties": "[union(parameters('extra'), createObject('publicNetworkAccess', 'Disabled', "
                      "'allowBlobPublicAccess', false()))]"}],
        parameters={"extra": {"type": "object"}})})
    _, sa = by_address(graph, "Microsoft.Storage/storageAccounts/stml")
    assert sa["public_network_access"] is False and sa["public_blob_access"] is False
    # not the provider default: the object of unknown content may set it
    assert "min_tls_version" not in sa and "min_tls_version" in sa["unknown"]
    assert not errors(graph)
