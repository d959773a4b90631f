"""The one vocabulary: a provider's attribute, its default or its unknown, into the same
normalised fact whatever the source; references into edges."""
from __future__ import annotations

from checker.collectors.resources import emit, lookup, ABSENT
from checker.cloud.links import link_resources
from checker.cloud.model import RawResource, Reference, Unknown
from checker.collectors import CollectContext, FileRef
from checker.graph import EstateGraph


def context() -> tuple[CollectContext, FileRef]:
    g = EstateGraph()
    g.add_node("repo", "fs:.", {"path": ".", "vcs": "none"})
    g.add_node("file", "fs:./infra/main.tf", {"path": "infra/main.tf"})
    return CollectContext(g), FileRef("file:fs:./infra/main.tf", "infra/main.tf", "infra/main.tf",
                                      "repo:fs:.", "fs:.", None)


def attrs(ctx, nid):
    return ctx.graph.node(nid)["attrs"]


def test_one_fact_from_every_family_with_its_source():
    ctx, ref = context()
    tf = emit(ctx, ref, RawResource("terraform", "azurerm_machine_learning_workspace", "azurerm_machine_learning_workspace.a",
                                     {"public_network_access_enabled": False}, name="a"))
    arm = emit(ctx, ref, RawResource("bicep", "Microsoft.MachineLearningServices/workspaces@2024-04-01", "b",
                                      {"properties": {"publicNetworkAccess": "Disabled"}}, name="b"))
    yml = emit(ctx, ref, RawResource("azureml", "workspace", "c", {"public_network_access": "disabled"}, name="c"))
    for nid in (tf, arm, yml):
        a = attrs(ctx, nid)
        assert (a["type"], a["public_network_access"]) == ("ml_workspace", False)
        assert a["fact_sources"]["public_network_access"]["from"] == "set"
    assert attrs(ctx, arm)["fact_sources"]["public_network_access"]["attribute"] == "properties.publicNetworkAccess"


def test_an_absent_attribute_takes_the_documented_default_and_says_so():
    ctx, ref = context()
    nid = emit(ctx, ref, RawResource("terraform", "azurerm_machine_learning_compute_cluster", "c", {}))
    a = attrs(ctx, nid)
    assert a["node_public_ip"] is True and a["local_auth"] is True
    assert a["fact_sources"]["node_public_ip"]["from"] == "default"
    assert "defaults to true" in a["fact_sources"]["node_public_ip"]["default"]


def test_defaults_that_depend_on_the_api_version():
    ctx, ref = context()
    old = emit(ctx, ref, RawResource("arm", "Microsoft.Storage/storageAccounts", "old", {}, api_version="2021-01-01"))
    new = emit(ctx, ref, RawResource("arm", "Microsoft.Storage/storageAccounts", "new", {}, api_version="2023-05-01"))
    none = emit(ctx, ref, RawResource("arm", "Microsoft.Storage/storageAccounts", "none", {}))
    assert attrs(ctx, old)["public_blob_access"] is True and attrs(ctx, new)["public_blob_access"] is False
    assert "public_blob_access" not in attrs(ctx, none)
    assert "api-version" in attrs(ctx, none)["unknown"]["public_blob_access"]["reason"]


def test_unknown_values_and_unrecognised_spellings_are_unknown_facts():
    ctx, ref = context()
    nid = emit(ctx, ref, RawResource("terraform", "azurerm_storage_account", "azurerm_storage_account.s", {
        "public_network_access_enabled": Unknown("var.public", "variable without a default"),
        "min_tls_version": "TLS9"}, name=Unknown("local.name", "local not resolved")))
    a = attrs(ctx, nid)
    assert a["unknown"]["public_network_access"] == {"expression": "var.public", "reason": "variable without a default",
                                                     "attribute": "public_network_access_enabled"}
    assert "TLS9" in a["unknown"]["min_tls_version"]["reason"]
    assert a["unknown"]["name"]["expression"] == "local.name" and "name" not in a
    assert a["properties"]["public_network_access_enabled"] == {"unknown": "var.public"}


def test_provider_specific_paths_and_conversions():
    ctx, ref = context()
    eks = emit(ctx, ref, RawResource("terraform", "aws_eks_cluster", "aws_eks_cluster.e", {
        "vpc_config": [{"endpoint_public_access": True}]}))
    a = attrs(ctx, eks)
    assert a["type"] == "k8s_cluster" and a["private_cluster"] is False
    assert a["authorized_ip_ranges"] == ["0.0.0.0/0"] and "local_accounts" not in a


def test_lookup_steps_through_single_blocks_and_stops_at_unknowns():
    assert lookup({"a": [{"b": 1}]}, "a.b") == 1
    assert lookup({"a": [{"b": 1}, {"b": 2}]}, "a.1.b") == 2
    assert lookup({"a": {}}, "a.b") is ABSENT
    u = Unknown("x", "y")
    assert lookup({"a": u}, "a.b.c") is u


def test_references_become_edges_or_unresolved_facts():
    ctx, ref = context()
    ws = emit(ctx, ref, RawResource("terraform", "azurerm_machine_learning_workspace",
                                     "azurerm_machine_learning_workspace.ws", {}, name="ws", scope="infra",
                                     references=[Reference("storage_account_id", "azurerm_storage_account.sa"),
                                                 Reference("key_vault_id", "azurerm_key_vault.missing")]))
    sa = emit(ctx, ref, RawResource("terraform", "azurerm_storage_account", "azurerm_storage_account.sa", {},
                                     name="mlsa", scope="infra"))
    compute = emit(ctx, ref, RawResource("arm", "Microsoft.MachineLearningServices/workspaces/computes", "cpu",
                                          {}, name="ws/cpu", references=[Reference(
                                              "parent", "/subscriptions/<SUB>/resourceGroups/rg/providers/"
                                              "Microsoft.MachineLearningServices/workspaces/ws", by="arm_id")]))
    export = emit(ctx, ref, RawResource("az-export", "Microsoft.MachineLearningServices/workspaces",
                                         "/subscriptions/1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws",
                                         {}, name="ws", declared=False))
    link_resources(ctx.graph)
    assert list(ctx.graph.out_edges(ws, "uses")) == [sa]
    assert "no collected infrastructure source" in attrs(ctx, ws)["unresolved"]["reference key_vault_id"]["reason"]
    assert list(ctx.graph.out_edges(compute, "in_workspace")) == [export]      # by ARM id, scope ignored
    assert export == "resource:azure:/subscriptions/1/resourcegroups/rg/providers/" \
                     "microsoft.machinelearningservices/workspaces/ws"


def test_an_exported_workspace_counts_its_approved_private_endpoint_connections():
    ctx, ref = context()
    state = lambda s: {"properties": {"privateLinkServiceConnectionState": {"status": s}}}   # noqa: E731
    conns = [state("Approved"), state("pending"), state("APPROVED"), {"properties": None}, "x"]
    ok = emit(ctx, ref, RawResource("az-export", "Microsoft.MachineLearningServices/workspaces", "a",
                                    {"properties": {"privateEndpointConnections": conns}}))
    odd = emit(ctx, ref, RawResource("az-export", "Microsoft.MachineLearningServices/workspaces", "b",
                                     {"properties": {"privateEndpointConnections": {"not": "a list"}}}))
    declared = emit(ctx, ref, RawResource("arm", "Microsoft.MachineLearningServices/workspaces", "c", {}))
    assert attrs(ctx, ok)["approved_private_endpoints"] == 2
    assert "approved_private_endpoints" in attrs(ctx, odd)["unknown"]
    assert "approved_private_endpoints" not in attrs(ctx, declared)      # a template cannot say


def test_a_diagnostic_setting_says_whether_it_sends_logs_in_every_spelling():
    ctx, ref = context()
    tf = lambda name, props: emit(ctx, ref, RawResource(                                   # noqa: E731
        "terraform", "azurerm_monitor_diagnostic_setting", f"azurerm_monitor_diagnostic_setting.{name}", props))
    arm = lambda name, props: emit(ctx, ref, RawResource(                                  # noqa: E731
        "arm", "Microsoft.Insights/diagnosticSettings", name, props))
    cases = {
        tf("group", {"enabled_log": [{"category_group": "allLogs"}]}): True,
        tf("legacy_on", {"log": [{"category": "AmlComputeJobEvent"}]}): True,              # enabled defaults to true
        tf("legacy_off", {"log": [{"category": "x", "enabled": False}]}): False,
        tf("metrics", {"metric": [{"category": "AllMetrics"}]}): False,
        arm("on", {"properties": {"logs": [{"categoryGroup": "audit", "enabled": True}]}}): True,
        arm("off", {"properties": {"logs": [{"category": "x", "enabled": "false"}]}}): False,
        arm("none", {"properties": {}}): False,                                           # no logs array
    }
    for nid, expected in cases.items():
        assert attrs(ctx, nid)["logs_enabled"] is expected, nid
    odd = arm("odd", {"properties": {"logs": [{"enabled": "sometimes"}]}})
    assert "logs_enabled" in attrs(ctx, odd)["unknown"]
