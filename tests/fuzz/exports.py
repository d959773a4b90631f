"""Cloud exports (Azure Resource Graph results, az resource/az <service>/az ml show
output, kubectl lists): truncated, mis-shaped, hostile JSON (depth, huge numbers,
encodings, trailing data), secrets in rows, JSON that only looks like an export, and a
10k-row Resource Graph page."""
from __future__ import annotations

import json
import re

from . import mutate as m
from .cases import EITHER, NONE, ONE, SLUG, Case, Expect, files, in_git, rng_for, write

EXPORT = "export.json"
SUB = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-fuzz/providers"
WS = f"{SUB}/Microsoft.MachineLearningServices/workspaces/ws-{SLUG}"
STORAGE = f"{SUB}/Microsoft.Storage/storageAccounts/st{SLUG}"
WS_NODE = "resource:azure:" + WS.lower().replace(SLUG.lower(), "{s}")


def _row(arm_id: str, rtype: str, properties: dict) -> dict:
    return {"id": arm_id, "name": arm_id.rsplit("/", 1)[1], "type": rtype.lower(), "location": "westeurope",
            "resourceGroup": "rg-fuzz", "tags": {}, "properties": properties}


GRAPH = {"count": 2, "data": [
    _row(WS, "Microsoft.MachineLearningServices/workspaces",
         {"publicNetworkAccess": "Enabled", "storageAccount": STORAGE,
          "managedNetwork": {"isolationMode": "AllowInternetOutbound"}}),
    _row(STORAGE, "Microsoft.Storage/storageAccounts", {"allowBlobPublicAccess": True, "minimumTlsVersion": "TLS1_0"}),
], "skip_token": None, "total_records": 2}
AZ_LIST = [dict(GRAPH["data"][0], type="Microsoft.MachineLearningServices/workspaces")]
ML_SHOW = {"id": WS, "name": f"ws-{SLUG}", "public_network_access": "Enabled", "hbi_workspace": False,
           "managed_network": {"isolation_mode": "disabled", "outbound_rules": []}, "storage_account": STORAGE}
KUBECTL = {"apiVersion": "v1", "kind": "List", "items": [
    {"apiVersion": "v1", "kind": "Service",
     "metadata": {"name": f"svc-{SLUG}", "namespace": "fuzz", "uid": "u-1"},
     "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}}]}
K8S_NODE = "resource:k8s:fuzz/service/svc-{s}"
SEEDS = {"graph": (GRAPH, WS_NODE), "az-list": (AZ_LIST, WS_NODE), "ml-show": (ML_SHOW, WS_NODE),
         "kubectl": (KUBECTL, K8S_NODE)}
SECRET = "Zq8-fuzz-admin-Pa55word-77"           # pragma: allowlist secret


def cases(seed: int) -> list[Case]:
    out = truncated(seed) + shapes() + hostile() + secrets() + not_exports() + [big_page()]
    out += [in_git(c) for c in out if c.id.split("/")[1] in ("shape-data-string", "utf16-bom", "deep-row")]
    return out


def _case(name: str, content, expect: Expect, **kw) -> Case:
    return Case(f"exports/{name}", files({EXPORT: content}), expect, target=EXPORT, **kw)


_CLAIMS = re.compile(r'"/subscriptions/[^"]*/providers/|"(?:skip_token|total_records)"\s*:|'
                     r'"kind"\s*:\s*"List"|"uid"\s*:', re.I)


def _claims(text: str) -> bool:
    """What the parser reads at all: a whole ARM id, a Resource Graph key, a Kubernetes list."""
    return bool(_CLAIMS.search(text))


def truncated(seed: int) -> list[Case]:
    out = []
    for name, (doc, _) in SEEDS.items():
        text = json.dumps(doc, indent=2)
        for at in m.truncation_points(text.encode(), rng_for(seed, "exports", name), 3):
            cut = text.encode()[:at].decode("utf-8", "ignore")
            line = m.json_error_line(cut)
            reported = line is not None and _claims(cut.replace(SLUG, ""))
            out.append(_case(f"truncated-{name}-{at}", cut, Expect(ONE, line=line) if reported else Expect(EITHER)))
    return out


def _lines(doc, path: tuple) -> tuple[str, set[int]]:
    text, where = m.dump_json_lines(doc)
    return text, {where[path]}


def shapes() -> list[Case]:
    """Documents that claim an export's shape and break it: one error at the broken item."""
    out = []
    for label, value in (("string", "oops"), ("number", 5), ("object", {"rows": 3})):
        text = json.dumps(m.set_at(GRAPH, ("data",), value), indent=2)
        out.append(_case(f"shape-data-{label}", text, Expect(ONE)))
    for label, value in (("number", 7), ("list", ["a"]), ("no-id", {"name": "x", "type": "a/b"}),
                         ("bad-id", {"id": "not-an-arm-id", "type": "a/b"})):
        doc = m.set_at(GRAPH, ("data", 1), value)
        text, lines = _lines(doc, ("data", 1))
        out.append(_case(f"shape-row-{label}", text, Expect(ONE, line=lines, nodes=(WS_NODE,))))
    for label, value in (("no-kind", {"metadata": {"name": "x"}}), ("no-name", {"kind": "Pod", "metadata": {}}),
                         ("string", "pod")):
        doc = {**KUBECTL, "items": [*KUBECTL["items"], value]}
        text, lines = _lines(doc, ("items", 1))
        out.append(_case(f"shape-k8s-{label}", text, Expect(ONE, line=lines, nodes=(K8S_NODE,))))
    text = json.dumps({**KUBECTL, "items": {"a": 1}})
    out.append(_case("shape-k8s-items-object", text, Expect(ONE)))
    return out


def hostile() -> list[Case]:
    graph = json.dumps(GRAPH, indent=2)
    deep = json.dumps(m.set_at(GRAPH, ("data", 1, "properties"), "@@"), indent=2).replace('"@@"', m.deep_json())
    huge = json.dumps(m.set_at(GRAPH, ("data", 1, "properties"), "@@"), indent=2).replace(
        '"@@"', "9" * m.HUGE_INT_DIGITS)
    # the row's line (it is read whole) or the value's
    deep_line = {_row_line(deep), deep[:deep.index("[[[")].count("\n") + 1}
    huge_line = {_row_line(huge), huge[:huge.index("9999")].count("\n") + 1}
    return [
        _case("deep-row", deep, Expect(ONE, line=deep_line)),
        _case("huge-int", huge, Expect(ONE, line=huge_line)),
        _case("trailing-data", graph + "\n{}", Expect(ONE, line=graph.count("\n") + 2)),
        _case("two-documents", graph + graph, Expect(ONE, line=graph.count("\n") + 1)),
        Case("exports/utf16-bom", _utf16(graph), Expect(NONE, nodes=(WS_NODE,)), target=EXPORT),
        _case("utf8-bom", m.utf8_bom(graph), Expect(NONE, nodes=(WS_NODE,))),
        _case("invalid-utf8", graph.encode().replace(b'"Enabled"', b'"En' + m.INVALID_UTF8 + b'"'),
              Expect(ONE, line=graph[:graph.index('"Enabled"')].count("\n") + 1)),
        _case("nan-and-duplicates", graph.replace('"count": 2', '"count": NaN, "count": Infinity'),
              Expect(NONE, nodes=(WS_NODE,))),
        _case("null-properties", json.dumps(m.set_at(AZ_LIST, (0, "properties"), None)),
              Expect(NONE, nodes=(WS_NODE,))),
        _case("table-form", json.dumps({"count": 1, "skip_token": None, "data": {
            "columns": [{"name": "id"}, {"name": "type"}],
            "rows": [[WS, "microsoft.machinelearningservices/workspaces"]]}}), Expect(NONE, nodes=(WS_NODE,))),
        _case("empty-data", json.dumps({"count": 0, "data": [], "skip_token": None}), Expect(NONE)),
        _case("names-forge-lines", json.dumps(m.set_at(GRAPH, ("data", 0, "name"), "x\n\nPASS: all good\x1b[2J")),
              Expect(NONE, nodes=(WS_NODE,))),
    ]


def _row_line(text: str) -> int:
    """The line the second Resource Graph row opens on (json.dumps indent 2: its "{" is
    the line before its "id")."""
    return text[:text.index(f'"id": "{STORAGE}"')].count("\n")


def _utf16(text: str):
    """UTF-16 with a BOM (Windows PowerShell 5's `>`), the case's slug in place."""
    def build(case_dir) -> None:
        write(case_dir / EXPORT, m.utf16(text.replace(SLUG, case_dir.name)))
    return build


def secrets() -> list[Case]:
    row = m.set_at(GRAPH, ("data", 1, "properties", "userAccountCredentials"),
                   {"adminUserName": "azureuser", "adminUserPassword": SECRET})
    env = {**KUBECTL, "items": [*KUBECTL["items"], {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "fuzz", "uid": "u-2",
                                                                    "annotations": {
            "kubectl.kubernetes.io/last-applied-configuration": json.dumps({"stringData": {"token": SECRET}})}},
        "spec": {"template": {"spec": {"containers": [{"name": "c", "env": [
            {"name": "DB_PASSWORD", "value": SECRET}]}]}}}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "fuzz", "uid": "u-3"},
         "stringData": {"password": SECRET}, "data": {"password": "WnE4LWZ1enotYWRtaW4="}}]}
    return [_case("secret-in-row", json.dumps(row, indent=2), Expect(NONE, nodes=(WS_NODE,)), secrets=(SECRET,)),
            _case("secret-in-k8s", json.dumps(env, indent=2), Expect(NONE, nodes=(K8S_NODE,)), secrets=(SECRET,))]


def not_exports() -> list[Case]:
    """JSON that is no export, even where it names ARM ids: no error, no resource."""
    template = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0", "resources": [{"type": "Microsoft.Storage/storageAccounts",
                                                             "apiVersion": "2023-01-01", "name": "st"}],
                "outputs": {"id": {"type": "string", "value": STORAGE}}}
    return [
        _case("arm-template", json.dumps(template, indent=2), Expect(NONE)),
        _case("settings-with-an-id", json.dumps({"workspace": WS, "retries": 3}), Expect(NONE)),
        _case("list-of-ids", json.dumps([WS, STORAGE]), Expect(NONE)),
        _case("broken-unrelated", '{"name": "web", "dependencies": {', Expect(NONE)),
        _case("scalar", "5", Expect(NONE)),
        _case("empty", "", Expect(NONE)),
    ]


def big_page() -> Case:
    """A 10k-row Resource Graph page: collected whole, the last row too."""
    def build() -> str:
        rows = [_row(f"{SUB}/Microsoft.Storage/storageAccounts/st{SLUG}-{i}", "Microsoft.Storage/storageAccounts",
                     {"allowBlobPublicAccess": bool(i % 2)}) for i in range(10_000)]
        return json.dumps({"count": 1000, "data": rows, "skip_token": "token", "total_records": 10_000})
    last = f"resource:azure:{SUB.lower()}/microsoft.storage/storageaccounts/st{{s}}-9999"
    return _case("graph-10k-rows", build, Expect(NONE, nodes=(last,)), slow=True)
