"""ARM templates and parameter files: truncated, mis-shaped, expressions that explode or
never end, nesting past every bound, comments, encodings — each a collection error with
file and line, an unknown, or a correct parse; never a crash or a hang."""
from __future__ import annotations

import json

from . import mutate as m
from .cases import EITHER, NONE, ONE, Case, Expect, files, rng_for

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
PARAMS = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"
NODE = "resource:arm:{p}/azuredeploy.json#"
WORKSPACE = {"type": "Microsoft.MachineLearningServices/workspaces", "apiVersion": "2024-04-01",
             "name": "[parameters('name')]", "location": "[resourceGroup().location]",
             "properties": {"publicNetworkAccess": "Disabled",
                            "storageAccount": "[resourceId('Microsoft.Storage/storageAccounts', 'stml')]"}}
STORAGE = {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-05-01", "name": "stml",
           "kind": "StorageV2", "properties": {"minimumTlsVersion": "TLS1_2"}}


def template(resources: list, variables: dict | None = None, **extra) -> dict:
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0",
            "parameters": {"name": {"type": "string", "defaultValue": "mlw-fuzz"}},
            "variables": variables or {}, "resources": resources, **extra}


GOOD = json.dumps(template([STORAGE, WORKSPACE]), indent=2)
STORAGE_NODE = NODE + "Microsoft.Storage/storageAccounts/stml"


def _case(name: str, text: str | bytes, expect: Expect, extra: dict | None = None) -> Case:
    return Case(f"arm/{name}", files({"azuredeploy.json": text, **(extra or {})}), expect,
                target="azuredeploy.json")


def nested(depth: int) -> dict:
    inner = template([STORAGE])
    for _ in range(depth):
        inner = template([{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "d",
                           "properties": {"mode": "Incremental", "template": inner,
                                          "expressionEvaluationOptions": {"scope": "inner"}}}])
    return inner


def cases(seed: int) -> list[Case]:
    rng = rng_for(seed, "arm")
    out = []
    for i, at in enumerate(m.truncation_points(GOOD.encode(), rng, 3)):
        out.append(_case(f"truncated-{i}", GOOD.encode()[:at], Expect(EITHER, line=True)))
    doubling = {f"v{i + 1}": f"[concat(variables('v{i}'), variables('v{i}'))]" for i in range(60)}
    doubling["v0"] = "x" * 1000
    out += [
        _case("good-with-comments", GOOD.replace('"kind"', '// a comment\n    /* and one */ "kind"', 1),
              Expect(NONE, nodes=(STORAGE_NODE,))),
        _case("invalid-utf8", GOOD.encode().replace(b"stml", m.INVALID_UTF8, 1), Expect(ONE)),
        _case("utf8-bom", m.utf8_bom(GOOD), Expect(NONE, nodes=(STORAGE_NODE,))),
        _case("deep-json", '{"$schema": "' + SCHEMA + '", "resources": [], "x": ' + m.deep_json() + "}",
              Expect(ONE)),
        _case("resources-string", json.dumps(template("none")), Expect(ONE, line=1)),
        _case("resource-number", json.dumps(template([7, STORAGE])), Expect(ONE, nodes=(STORAGE_NODE,))),
        _case("expression-unclosed", json.dumps(template([STORAGE, {**WORKSPACE, "name": "[concat('a']"}]),
                                                indent=2), Expect(ONE, line=True, nodes=(STORAGE_NODE,))),
        _case("expression-deep", json.dumps(template([{**STORAGE, "name": "[" + "concat(" * 5000 + "'a'"
                                                       + ")" * 5000 + "]"}]), indent=2), Expect(ONE, line=True)),
        _case("string-doubling", json.dumps(template([{**STORAGE, "name": "[variables('v60')]"}], doubling),
                                            indent=2),
              Expect(NONE, nodes=(STORAGE_NODE.replace("stml", "[variables('v60')]"),))),
        _case("variable-cycle", json.dumps(template([{**STORAGE, "name": "[variables('a')]"}],
                                                    {"a": "[variables('b')]", "b": "[variables('a')]"})),
              Expect(NONE, nodes=(STORAGE_NODE.replace("stml", "[variables('a')]"),))),
        _case("copy-billion", json.dumps(template([{**STORAGE, "copy": {"name": "c", "count": 1_000_000_000}}]),
                                         indent=2), Expect(ONE, line=True)),
        _case("property-copy-billion", json.dumps(template([{**STORAGE, "properties": {"copy": [
            {"name": "rules", "count": "[mul(100000, 100000)]", "input": {"a": "[copyIndex('rules')]"}}]}}]),
            indent=2), Expect(ONE, line=True)),
        _case("range-huge", json.dumps(template([{**STORAGE, "tags": {"r": "[length(range(0, 2000000000))]"}}])),
              Expect(NONE, nodes=(STORAGE_NODE,))),
        _case("nested-60", json.dumps(nested(60), indent=1), Expect(ONE, line=True)),
        _case("resources-10k", json.dumps(template([{**STORAGE, "name": f"st{i}"} for i in range(10_000)])),
              Expect(NONE, nodes=(NODE + "Microsoft.Storage/storageAccounts/st9999",))),
        _case("parameters-broken", GOOD, Expect(ONE), {"azuredeploy.parameters.json": '{"$schema": "' + PARAMS
                                                       + '", "parameters": {'}),
        _case("parameters-wrong-shape", GOOD, Expect(NONE, nodes=(STORAGE_NODE,)), {
            "azuredeploy.parameters.json": json.dumps({"$schema": PARAMS, "parameters": {"name": 5, "x": [1]}})}),
        _case("not-arm-json", json.dumps({"resources": "[concat(", "$schema": "https://json-schema.org"}),
              Expect(NONE)),
        _case("type-expression", json.dumps(template([{**STORAGE, "type": "[concat('Microsoft.', 'X/y')]"}])),
              Expect(NONE)),
    ]
    out += network()
    for case in out:
        if case.id.endswith("parameters-broken"):
            case.target = "azuredeploy.parameters.json"
    return out


NSG = {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-09-01", "name": "nsg"}
VNET = {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": "vnet"}


def network() -> list[Case]:
    """Security rules and subnets in every wrong shape: rules as text, numbers, nulls and
    expressions, ports and prefixes mixed and mistyped, a copy loop of rules, inline
    subnets that are not objects, thousands of them, child rules named by expressions."""
    rules = [None, 5, "AllowAll", {"name": "p", "properties": "[parameters('missing')]"},
             {"name": "mixed", "properties": {"priority": "[add(100, 1)]", "direction": "inbound", "access": "ALLOW",
                                             "protocol": "TCP", "sourceAddressPrefixes": ["Internet", 7, None],
                                             "destinationPortRanges": ["*", "1000-2000", "22,3389", {"a": 1}]}},
             {"properties": {"priority": 1e400, "direction": "Inbound", "access": "Allow", "protocol": "*",
                             "sourceAddressPrefix": "*", "destinationPortRange": "-"}}]
    copy_rules = {"copy": [{"name": "securityRules", "count": 500, "input": {
        "name": "[concat('r', copyIndex('securityRules'))]",
        "properties": {"priority": "[add(100, copyIndex('securityRules'))]", "direction": "Inbound",
                       "access": "Allow", "protocol": "Tcp", "sourceAddressPrefix": "Internet",
                       "destinationPortRange": "[string(copyIndex('securityRules'))]"}}}]}
    subnets = [None, "snet", {"name": None}, {"name": "[parameters('nope')]", "properties": 5},
               {"name": "ok", "properties": {"addressPrefix": 10, "networkSecurityGroup": "x",
                                             "delegations": "web", "serviceEndpoints": [{"service": None}]}}]
    many = [{"name": f"s{i}", "properties": {"addressPrefix": f"10.{i // 256}.{i % 256}.0/24"}} for i in range(3000)]
    child = {"type": "Microsoft.Network/networkSecurityGroups/securityRules", "apiVersion": "2023-09-01",
             "name": "[concat(parameters('nope'), '/', 'r')]", "properties": {"priority": 100}}
    return [
        _case("nsg-rules-wrong-shapes", json.dumps(template([{**NSG, "properties": {"securityRules": rules}}])),
              Expect(EITHER)),
        _case("nsg-rules-copy-500", json.dumps(template([{**NSG, "properties": copy_rules}]), indent=2),
              Expect(NONE, nodes=(NODE + "Microsoft.Network/networkSecurityGroups/nsg",))),
        _case("vnet-subnets-wrong-shapes", json.dumps(template([{**VNET, "properties": {"subnets": subnets}}])),
              Expect(EITHER)),
        _case("vnet-3000-subnets", json.dumps(template([{**VNET, "properties": {"subnets": many}}])),
              Expect(NONE, nodes=(NODE + "Microsoft.Network/virtualNetworks/vnet",
                                  NODE + "Microsoft.Network/virtualNetworks/vnet/subnets/s1999"))),
        _case("child-rule-unknown-name", json.dumps(template([NSG, child])), Expect(EITHER)),
    ]
