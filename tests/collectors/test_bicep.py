"""Bicep: real .bicep, .bicepparam and parameter JSON files (shapes from the Azure ML
quickstarts machine-learning-end-to-end-secure and the AVM machine-learning-services
workspace module) read from real folders with tree-sitter-bicep, through the vocabulary,
into resource nodes and, with the resource linker, edges."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import TEST_DATA, collect_graph


DATA = TEST_DATA / "bicep"
PARAMS_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"


def collected(tmp_path: Path, files: dict[str, object] | None = None, copy: tuple[str, ...] = ()):
    root = tmp_path / "estate"
    root.mkdir(exist_ok=True)
    for folder in copy:
        shutil.copytree(DATA / folder, root / folder)
    for name, content in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2))
    graph = collect_graph(root, link_resources=True)
    return graph


def nodes(graph, where: str = "") -> dict[str, tuple[str, dict]]:
    """full address (module.address) → (node id, attrs) of the Bicep resources (of the
    files whose path holds `where`)."""
    out = {}
    for nid, d in graph.nodes():
        a = d["attrs"]
        if a.get("format") == "bicep" and where in nid:
            full = f"{a['module']}.{a['address']}" if a.get("module") else a["address"]
            assert full not in out
            out[full] = (nid, a)
    return out


def errors(graph) -> list:
    return [e for e in graph.errors if e.collector == "bicep"]


def coverage(graph, suffix: str) -> dict[str, dict]:
    (attrs,) = [d["attrs"] for nid, d in graph.nodes("file") if nid.endswith(suffix)]
    return {c["construct"]: c for c in attrs.get("coverage", [])}


@pytest.fixture(scope="module")
def secure(tmp_path_factory):
    return collected(tmp_path_factory.mktemp("bicep"), copy=("secure",))


def test_resources_facts_and_bicepparam_values(secure):
    n = nodes(secure)
    assert set(n) == {"workspace", "registry", "workspace::cluster[0]", "endpoint", "dependencies.storage",
                      "dependencies.storage::blobs", "dependencies.vault"}          # clusterNames from .bicepparam
    ws = n["workspace"][1]
    assert ws["name"] == "mlw-fraud" and ws["provider_type"] == "Microsoft.MachineLearningServices/workspaces"
    assert ws["api_version"] == "2024-04-01" and ws["public_network_access"] is False and ws["hbi"] is True
    assert ws["isolation_mode"] == "allow_only_approved_outbound"
    assert ws["fact_sources"]["isolation_mode"] == {"attribute": "properties.managedNetwork.isolationMode",
                                                    "from": "set", "expression": "isolationMode"}
    assert ws["tags"] == {"data-classification": "sensitive", "owner": "ml-platform"}
    assert not errors(secure)


def test_module_resources_take_the_callers_params(secure):
    n = nodes(secure)
    nid, sa = n["dependencies.storage"]
    assert nid.startswith("resource:bicep:") and nid.endswith("modules/dependencies.bicep#dependencies.storage")
    assert sa["public_blob_access"] is False and sa["min_tls_version"] == "1.2"
    assert sa["default_network_action"] == "deny" and sa["tags"]["data-classification"] == "sensitive"
    assert sa["public_network_access"] is True and sa["fact_sources"]["public_network_access"]["from"] == "default"
    assert "uniqueString() is known only at deployment" in sa["unknown"]["name"]["reason"]
    blobs = n["dependencies.storage::blobs"][1]
    assert blobs["provider_type"] == "Microsoft.Storage/storageAccounts/blobServices"


def test_references_through_symbols_module_outputs_and_parents(secure):
    n = nodes(secure)
    ws_id = n["workspace"][0]
    assert set(secure.out_edges(ws_id, "uses")) == {n["dependencies.storage"][0], n["dependencies.vault"][0],
                                                   n["registry"][0]}
    cid, cluster = n["workspace::cluster[0]"]
    assert cluster["name"] == "mlw-fraud/cpu-cluster"
    assert cluster["provider_type"] == "Microsoft.MachineLearningServices/workspaces/computes"
    assert list(secure.out_edges(cid, "in_workspace")) == [ws_id]
    assert cluster["local_auth"] is False and cluster["node_public_ip"] is True
    assert cluster["fact_sources"]["node_public_ip"]["expression"] == "amlComputePublicIp"
    eid, ep = n["endpoint"]
    assert eid.startswith("endpoint:bicep:") and list(secure.out_edges(eid, "in_workspace")) == [ws_id]
    assert set(secure.out_edges(eid, "uses")) == {n["registry"][0]}            # dependsOn
    assert ep["auth_mode"] == "key" and ep["public_network_access"] is True


def test_what_is_not_read_is_in_coverage(secure):
    notes = coverage(secure, "secure/main.bicep")
    assert notes["decorators"]["line"] == 6 and notes["decorators"]["count"] == 2   # two groups
    assert notes["lambda_expression"]["line"] == 119
    assert "br/public:avm/res/machine-learning-services/workspace:0.9.0" in notes["module"]["note"]
    assert "instance" not in nodes(secure)                 # if (deployInstance), false by default


def test_params_without_values_are_unknown_and_json_parameter_files_pair(tmp_path):
    main = ("param name string\nparam access string\n"
            "resource sa 'Microsoft.Storage/storageAccounts@2022-09-01' = {\n  name: name\n"
            "  properties: {\n    publicNetworkAccess: access\n  }\n}\n")
    graph = collected(tmp_path, {"a/main.bicep": main, "b/main.bicep": main,
                                 "b/main.parameters.json": {"$schema": PARAMS_SCHEMA,
                                                            "parameters": {"access": {"value": "Disabled"}}}})
    a, b = nodes(graph, "/a/")["sa"][1], nodes(graph, "/b/")["sa"][1]
    assert a["unknown"]["public_network_access"] == {"expression": "access", "attribute":
                                                     "properties.publicNetworkAccess", "reason":
                                                     "parameter without a default value or a value from a "
                                                     "parameter file"}
    assert b["public_network_access"] is False and "name" in b["unknown"]
    # api-version 2022-09-01: blob public access by the old default
    assert a["public_blob_access"] is True and a["fact_sources"]["public_blob_access"]["from"] == "default"


def test_a_subnet_id_built_from_a_module_output_is_set(tmp_path):
    """`subnet: { id: '${vnet.outputs.id}/subnets/${subnetName}' }` (Azure-Samples'
    federated-learning computes), the module not in the tree: the id is unknown, but a string
    with text of its own, so the compute is in a subnet. A bare parameter stays unknown."""
    main = ("param subnetName string = 'snet-training'\nparam subnetId string\n"
            "module vnet '../networking/vnet.bicep' = {\n  name: 'vnet'\n}\n"
            "resource ws 'Microsoft.MachineLearningServices/workspaces@2022-05-01' existing = {\n  name: 'mlw'\n}\n"
            "resource built 'Microsoft.MachineLearningServices/workspaces/computes@2021-07-01' = {\n"
            "  name: 'built'\n  parent: ws\n  properties: {\n    computeType: 'AmlCompute'\n"
            "    properties: {\n      subnet: {\n        id: '${vnet.outputs.id}/subnets/${subnetName}'\n"
            "      }\n    }\n  }\n}\n"
            "resource bare 'Microsoft.MachineLearningServices/workspaces/computes@2021-07-01' = {\n"
            "  name: 'bare'\n  parent: ws\n  properties: {\n    computeType: 'AmlCompute'\n"
            "    properties: {\n      subnet: {\n        id: subnetId\n      }\n    }\n  }\n}\n")
    graph = collected(tmp_path, {"computes/main.bicep": main})
    built, bare = nodes(graph)["built"][1], nodes(graph)["bare"][1]
    assert built["subnet"] == "'${vnet.outputs.id}/subnets/${subnetName}'"
    assert built["fact_sources"]["subnet"]["from"] == "set" and "subnet" not in built.get("unknown", {})
    assert "subnet" not in bare and bare["unknown"]["subnet"]["expression"] == "subnetId"


def test_loops_conditions_and_expressions(tmp_path):
    main = """
param count int
param regions array = ['westeurope', 'northeurope']
param enabled bool = true
var names = [for (r, i) in regions: 'st${i}${substring(r, 0, 4)}']
resource sas 'Microsoft.Storage/storageAccounts@2023-05-01' = [for (n, i) in names: if (i > 0 || enabled) {
  name: n
  properties: {
    minimumTlsVersion: enabled ? 'TLS1_2' : 'TLS1_0'
    allowBlobPublicAccess: !enabled
    isHnsEnabled: contains(n, 'nort')
  }
}]
resource unknownLoop 'Microsoft.KeyVault/vaults@2023-07-01' = [for i in range(0, count): {
  name: 'kv${i}'
}]
resource never 'Microsoft.KeyVault/vaults@2023-07-01' = if (!enabled) {
  name: 'never'
}
resource maybe 'Microsoft.KeyVault/vaults@2023-07-01' = if (count > 2) {
  name: 'maybe'
}
"""
    graph = collected(tmp_path, {"main.bicep": main})
    n = nodes(graph)
    assert [n[f"sas[{i}]"][1]["name"] for i in (0, 1)] == ["st0west", "st1nort"]
    assert n["sas[1]"][1]["properties"]["properties"]["isHnsEnabled"] is True
    assert n["sas[0]"][1]["min_tls_version"] == "1.2" and n["sas[0]"][1]["public_blob_access"] is False
    assert "loop over a collection not known statically" in n["unknownLoop[*]"][1]["conditional"]["reason"]
    assert "never" not in n and n["maybe"][1]["conditional"]["expression"] == "(count > 2)"
    assert not errors(graph)


def test_existing_resources_link_by_type_and_name(tmp_path):
    main = """
resource kv 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: 'kv-shared'
}
resource ws 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = {
  name: 'mlw'
  properties: {
    keyVault: kv.id
  }
}
"""
    vault = "resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {\n  name: 'kv-shared'\n}\n"
    graph = collected(tmp_path, {"app/main.bicep": main, "shared/vault.bicep": vault})
    n = nodes(graph)
    assert "kv" not in n                                     # existing: a reference, not a declaration
    assert list(graph.out_edges(n["ws"][0], "uses")) == [n["vault"][0]]
    assert n["ws"][1]["properties"]["properties"]["keyVault"].endswith(
        "/providers/Microsoft.KeyVault/vaults/kv-shared")


def test_modules_that_include_themselves_and_leave_the_tree(tmp_path):
    graph = collected(tmp_path, {
        "a.bicep": "module b './b.bicep' = {\n  name: 'b'\n}\n"
                   "resource sa 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: 'sta'\n}\n",
        "b.bicep": "module a './a.bicep' = {\n  name: 'a'\n}\n",
        "c.bicep": "module out '../../outside.bicep' = {\n  name: 'o'\n}\n"
                   "resource kv 'Microsoft.KeyVault/vaults@2023-07-01' = {\n  name: out.outputs.name\n}\n",
    })
    (err,) = errors(graph)
    assert err.line == 1 and "includes itself" in err.reason
    assert "not in the scanned tree" in coverage(graph, "/c.bicep")["module"]["note"]
    n = nodes(graph)
    assert "outputs of module out" in n["kv"][1]["unknown"]["name"]["reason"] or \
        "not in the scanned tree" in n["kv"][1]["unknown"]["name"]["reason"]
    assert any(a.get("name") == "sta" for _, a in n.values())


def test_unparsable_parts_are_coverage_and_garbage_is_an_error(tmp_path):
    graph = collected(tmp_path, {
        "partial.bicep": "extension microsoftGraph\n"
                         "var base = { a: 1 }\n"
                         "resource kv 'Microsoft.KeyVault/vaults@2023-07-01' = {\n  name: 'kv1'\n"
                         "  properties: {\n    ...base\n    enablePurgeProtection: true\n  }\n}\n",
        "garbage.bicep": "}}}} this is not bicep {{{{\n",
        "bad.bicep": b"\xff\xfe resource",
    })
    notes = coverage(graph, "/partial.bicep")
    assert notes["ERROR"]["line"] == 1 and notes["ERROR"]["count"] == 1     # the spread is read, not a gap
    kv = nodes(graph)["kv"][1]
    assert kv["purge_protection"] is True and kv["properties"]["properties"]["a"] == 1
    errs = {e.source.rsplit("/", 1)[-1]: e for e in errors(graph)}
    assert errs["garbage.bicep"].line == 1 and "not Bicep" in errs["garbage.bicep"].reason
    assert set(errs) == {"garbage.bicep", "bad.bicep"} and "not UTF-8" in errs["bad.bicep"].reason


def test_a_thousand_resources_across_modules(tmp_path):
    module = ("param prefix string\n" + "".join(
        f"resource sa{i} 'Microsoft.Storage/storageAccounts@2023-05-01' = {{\n  name: '${{prefix}}sa{i}'\n"
        f"  properties: {{\n    publicNetworkAccess: 'Disabled'\n  }}\n}}\n"
        f"resource ws{i} 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = {{\n"
        f"  name: '${{prefix}}ws{i}'\n  properties: {{\n    storageAccount: sa{i}.id\n  }}\n}}\n" for i in range(50)))
    main = "".join(f"module m{j} 'modules/estate.bicep' = {{\n  name: 'm{j}'\n  params: {{\n"
                   f"    prefix: 'p{j}'\n  }}\n}}\n" for j in range(10))
    graph = collected(tmp_path, {"main.bicep": main, "modules/estate.bicep": module})
    n = nodes(graph)
    assert len(n) == 1000 and not errors(graph)
    assert n["m7.ws3"][1]["name"] == "p7ws3"
    assert list(graph.out_edges(n["m7.ws3"][0], "uses")) == [n["m7.sa3"][0]]


# -- objects built from parts, key by key (arm/objects.py) -------------------------------

COMPUTE_UNION = """param name string = 'cpu-cluster'
param attachId string
param disableLocalAuth bool = false
param location string = resourceGroup().location
param extra object

resource ws 'Microsoft.MachineLearningServices/workspaces@2024-04-01' existing = {
  name: 'mlw'
}

// the attach-or-create shape of the AVM compute module: common keys, then a branch
resource compute 'Microsoft.MachineLearningServices/workspaces/computes@2024-04-01' = {
  parent: ws
  name: name
  location: location
  properties: union({
    computeType: 'AmlCompute'
    disableLocalAuth: disableLocalAuth
    properties: { vmSize: 'Standard_DS3_v2', enableNodePublicIp: false }
  }, empty(attachId) ? {} : { resourceId: attachId, properties: { subnet: { id: attachId } } })
}

var httpsOnly = { allowBlobPublicAccess: false, supportsHttpsTrafficOnly: true }

resource sa 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'stml'
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    ...httpsOnly, ...extra, allowSharedKeyAccess: false
    publicNetworkAccess: empty(attachId) ? 'Disabled' : 'Disabled'
    minimumTlsVersion: empty(attachId) ? 'TLS1_2' : 'TLS1_0'
  }
}
"""


def test_a_union_with_a_branch_under_an_unknown_condition_judges_what_both_branches_know(tmp_path):
    graph = collected(tmp_path, {"main.bicep": COMPUTE_UNION})
    compute = nodes(graph)["compute"][1]
    assert compute["compute_type"] == "amlcompute" and compute["local_auth"] is True
    assert compute["node_public_ip"] is False                      # merged both ways: false either way
    assert "subnet" in compute["unknown"] and "set only" in compute["unknown"]["subnet"]["reason"]
    assert not errors(graph)


def test_spreads_are_merged_in_order_and_unknown_content_hides_only_what_comes_before(tmp_path):
    graph = collected(tmp_path, {"main.bicep": COMPUTE_UNION})
    sa = nodes(graph)["sa"][1]
    assert sa["public_network_access"] is False                   # after the spread, and equal branches
    assert sa["shared_key_access"] is False                       # after the spread
    assert "public_blob_access" in sa["unknown"]                  # before it: the spread may replace it
    assert "a later part may replace" in sa["unknown"]["https_only"]["reason"]
    assert "min_tls_version" in sa["unknown"]                     # the branches differ
    assert "default_network_action" in sa["unknown"]              # open: not the provider default
    assert "ERROR" not in coverage(graph, "/main.bicep")          # the spread is read, not a gap


def test_a_spread_the_grammar_reads_into_a_property_and_comparisons_of_open_objects_are_unknown(tmp_path):
    graph = collected(tmp_path, {"main.bicep": """param extra object
var base = { minimumTlsVersion: 'TLS1_2' }
var same = union(base, extra) == base
resource sa 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'stml'
  properties: {
    publicNetworkAccess: 'Disabled'
    ...base
    allowBlobPublicAccess: same
  }
}
resource sb 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'stml2'
  properties: {
    ...base
    ...extra
    publicNetworkAccess: 'Disabled'
  }
}
"""})
    sa, sb = nodes(graph)["sa"][1], nodes(graph)["sb"][1]
    # `'Disabled'\\n ...base` is one member expression to tree-sitter-bicep 1.1: neither is read
    assert "public_network_access" in sa["unknown"] and "min_tls_version" in sa["unknown"]
    assert "public_blob_access" in sa["unknown"]                  # == of an object not known in full
    assert "ERROR" in coverage(graph, "/main.bicep")
    assert sb["public_network_access"] is False and "min_tls_version" in sb["unknown"]


def test_a_union_with_a_resources_properties_keeps_the_reference_where_it_is_written(tmp_path):
    graph = collected(tmp_path, {"main.bicep": """resource vnet 'Microsoft.Network/virtualNetworks@2023-05-01' = {
  name: 'vnet1'
  properties: { addressSpace: { addressPrefixes: ['10.0.0.0/16'] } }
}
resource sa 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'stml'
  properties: union({ publicNetworkAccess: 'Disabled' }, vnet.properties)
}
"""})
    sa = nodes(graph)["sa"][1]
    assert [(r["attribute"], r["target"]) for r in sa["references"]] == [("properties", "vnet")]
    assert "a later part may replace" in sa["unknown"]["public_network_access"]["reason"]
