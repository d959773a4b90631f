"""Terraform: HCL python-hcl2 cannot parse, truncated and mis-encoded files, Terraform JSON
syntax and plan JSON gone wrong, and hostile configurations that parse: modules that
include themselves or lead out of the tree, cycles, expressions that would multiply into
a hang or a huge value, counts in the millions, a 10k-resource plan, secrets a plan holds
in clear. Each ends in a correct parse, an unknown or one collection error with its line."""
from __future__ import annotations

import json

import hcl2

from . import mutate as m
from .cases import EITHER, NONE, ONE, Case, Expect, files, in_git, rng_for

MAIN = "main.tf"
NODE = "resource:terraform:{p}/main.tf#"
WORKSPACE = '''variable "prefix" {
  type    = string
  default = "mlops"
}

locals {
  tags = { "data-classification" = "sensitive" }
}

resource "azurerm_storage_account" "ml" {
  name                     = "st${var.prefix}"
  account_tier             = "Standard"
  account_replication_type = "LRS"
  tags                     = local.tags
}

resource "azurerm_machine_learning_workspace" "ml" {
  name                    = "mlw-${var.prefix}"
  storage_account_id      = azurerm_storage_account.ml.id
  key_vault_id            = azurerm_key_vault.ml.id
  application_insights_id = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Insights/components/ai"

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_key_vault" "ml" {
  name      = "kv-${var.prefix}"
  sku_name  = "standard"
  tenant_id = "00000000-0000-0000-0000-000000000000"
}
'''
WS_NODE = (NODE + "azurerm_machine_learning_workspace.ml",)
PLAN_SECRET = "Xq3v8ZpL0sR2tY6uW9aB4cD7eF1gH5jK8mN0pQ3rS6tU9vW2xY5zA8bC1dE4fG7h=="


def cases(seed: int) -> list[Case]:
    out = truncated(seed) + broken() + encodings(seed) + hostile() + plans() + network() + manifests()
    out += [in_git(c) for c in out if c.id.split("/")[1] in ("syntax-missing-value", "module-includes-itself",
                                                              "plan-sensitive-secret", "utf16-bom")]
    return out


def _case(name: str, content: dict, expect: Expect, target: str = MAIN, **kw) -> Case:
    return Case(f"terraform/{name}", files(content), expect, target=target, **kw)


def _hcl_error_line(text: str) -> int | None:
    """The line python-hcl2 reports for text that does not parse; None when it parses."""
    try:
        hcl2.parses_to_tree(text)
    except Exception as exc:      # noqa: BLE001 - whatever the library raises, its line
        return getattr(exc, "line", True)
    return None


def truncated(seed: int) -> list[Case]:
    out = []
    for at in m.truncation_points(WORKSPACE.encode(), rng_for(seed, "terraform", "truncated"), 4):
        cut = WORKSPACE[:at]
        line = _hcl_error_line(cut)
        out.append(_case(f"truncated-{at}", {MAIN: cut}, Expect(EITHER) if line is None else
                         Expect(ONE, line=line if isinstance(line, int) else True)))
    return out


def broken() -> list[Case]:
    plan = json.dumps(_plan(3), indent=2)
    return [
        _case("syntax-missing-value", {MAIN: WORKSPACE.replace('account_tier             = "Standard"',
                                                              'account_tier             =')},
              Expect(ONE, line={12, 13})),
        _case("unclosed-block", {MAIN: WORKSPACE.rsplit("}", 1)[0]}, Expect(ONE, line=True)),
        _case("unterminated-string", {MAIN: WORKSPACE.replace('"LRS"', '"LRS')}, Expect(ONE, line=True)),
        _case("tf-json-truncated", {"main.tf.json": '{"resource": {"azurerm_key_vault": {"kv": {"name": "kv"'},
              Expect(ONE, line=1), target="main.tf.json"),
        _case("tf-json-list", {"main.tf.json": "[1, 2]"}, Expect(ONE, line=1), target="main.tf.json"),
        _case("tfvars-broken", {MAIN: WORKSPACE, "terraform.tfvars": 'prefix = "prod"\nregion = \n'},
              Expect(ONE, line=2), target="terraform.tfvars"),
        _case("plan-truncated", {"tfplan.json": plan[:len(plan) // 2]}, Expect(ONE, line=True), target="tfplan.json"),
        _case("plan-format-2", {"tfplan.json": json.dumps({**_plan(1), "format_version": "2.0"})}, Expect(ONE),
              target="tfplan.json"),
        _case("plan-deep", {"tfplan.json": '{"format_version": "1.2", "planned_values": ' + m.deep_json() + "}"},
              Expect(EITHER), target="tfplan.json"),
        _case("plan-wrong-shapes", {"tfplan.json": json.dumps({
            "format_version": "1.2", "planned_values": {"root_module": {"resources": [1, "x", {"address": 5}],
                                                                        "child_modules": {"a": 1}}},
            "resource_changes": "none", "configuration": [1]})}, Expect(NONE), target="tfplan.json"),
        _case("dot-terraform-ignored", {MAIN: WORKSPACE, ".terraform/modules/x/main.tf": "resource {"},
              Expect(NONE, nodes=WS_NODE)),
        _case("other-json-named-plan", {MAIN: WORKSPACE, "floorplan.json": "{not json"}, Expect(NONE, nodes=WS_NODE)),
    ]


def encodings(seed: int) -> list[Case]:
    rng = rng_for(seed, "terraform", "encodings")
    return [
        _case("utf8-bom", {MAIN: m.utf8_bom(WORKSPACE)}, Expect(NONE, nodes=WS_NODE)),
        _case("utf16-bom", {MAIN: m.utf16(WORKSPACE)}, Expect(ONE)),
        _case("invalid-utf8", {MAIN: m.insert(WORKSPACE.encode(), rng, m.INVALID_UTF8, b"mlops")}, Expect(ONE)),
        _case("nul-byte", {MAIN: m.insert(WORKSPACE.encode(), rng, b"\0", b"mlops")}, Expect(EITHER)),
        _case("crlf", {MAIN: WORKSPACE.replace("\n", "\r\n")}, Expect(NONE, nodes=WS_NODE)),
        _case("empty", {MAIN: ""}, Expect(NONE)),
        _case("binary", {MAIN: bytes(rng.getrandbits(8) for _ in range(4096))}, Expect(ONE)),
    ]


def hostile() -> list[Case]:
    letters = ", ".join(f'"{c}"' for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX")
    doubling = "".join(f'  s{i + 1} = "${{local.s{i}}}${{local.s{i}}}"\n' for i in range(40))
    products = "".join(f"  n{i + 1} = local.n{i} * local.n{i}\n" for i in range(40))
    return [
        _case("module-includes-itself", {MAIN: WORKSPACE + 'module "me" {\n  source = "./"\n}\n'},
              Expect(NONE, nodes=WS_NODE)),
        _case("module-cycle", {MAIN: WORKSPACE + 'module "a" {\n  source = "./a"\n}\n',
                               "a/main.tf": 'module "b" {\n  source = "../b"\n}\n',
                               "b/main.tf": 'module "a" {\n  source = "../a"\n}\nresource "azurerm_key_vault" "b" {}\n'},
              Expect(NONE, nodes=WS_NODE)),
        _case("module-out-of-tree", {MAIN: WORKSPACE + 'module "up" {\n  source = "../../../../../etc"\n}\n'
                                           'resource "azurerm_key_vault" "up" {\n  name = module.up.name\n}\n'},
              Expect(NONE, nodes=WS_NODE)),
        _case("module-registry", {MAIN: WORKSPACE + 'module "kv" {\n  source  = "Azure/avm-res-keyvault-vault/azurerm"'
                                         '\n  version = "0.9.1"\n}\n'}, Expect(NONE, nodes=WS_NODE)),
        _case("locals-cycle", {MAIN: WORKSPACE + "locals {\n  a = local.b\n  b = local.c\n  c = local.a\n}\n"
                                     'resource "azurerm_key_vault" "c" {\n  name = local.a\n}\n'},
              Expect(NONE, nodes=WS_NODE)),
        _case("for-expression-explosion", {MAIN: WORKSPACE + f"locals {{\n  l = [{letters}]\n  big = flatten("
                                           "[for a in local.l : [for b in local.l : [for c in local.l : "
                                           '[for d in local.l : [for e in local.l : "${a}${b}${c}${d}${e}"]]]]])\n}\n'
                                           'resource "azurerm_key_vault" "big" {\n  name = length(local.big)\n}\n'},
              Expect(NONE, nodes=(NODE + "azurerm_key_vault.big",)), alone=True),
        _case("string-doubling", {MAIN: WORKSPACE + 'locals {\n  s0 = "xxxxxxxxxxxxxxxx"\n' + doubling + "}\n"
                                        'resource "azurerm_key_vault" "s" {\n  name = local.s40\n}\n'},
              Expect(NONE, nodes=(NODE + "azurerm_key_vault.s",))),
        _case("number-squaring", {MAIN: WORKSPACE + "locals {\n  n0 = 99999999999\n" + products + "}\n"
                                        'resource "azurerm_key_vault" "n" {\n  name = local.n40\n}\n'},
              Expect(NONE, nodes=(NODE + "azurerm_key_vault.n",))),
        _case("count-millions", {MAIN: WORKSPACE + 'resource "azurerm_key_vault" "many" {\n  count = 50000000\n}\n'},
              Expect(NONE, nodes=(NODE + "azurerm_key_vault.many",))),
        _case("deep-nesting", {MAIN: "a = " + "[" * 2000 + "1" + "]" * 2000 + "\n"}, Expect(EITHER)),
        _case("deep-object", {MAIN: WORKSPACE + 'resource "azurerm_key_vault" "deep" {\n  tags = '
                                    + "{ a = " * 300 + "1" + " }" * 300 + "\n}\n"}, Expect(EITHER)),
        _case("template-directives", {MAIN: WORKSPACE + 'resource "azurerm_key_vault" "t" {\n  name = '
                                            '"%{ for n in ["a"] }${n}%{ endfor }"\n  tenant_id = <<EOT\n'
                                            '${var.prefix}\nEOT\n}\n'},
              Expect(NONE, nodes=(NODE + "azurerm_key_vault.t",))),
        _case("placeholders", {MAIN: WORKSPACE.replace('"mlops"', '"<PREFIX>"').replace(
            '"00000000-0000-0000-0000-000000000000"', '"{{ tenant_id }}"')}, Expect(NONE, nodes=(
                "resource:terraform:{p}/main.tf#azurerm_machine_learning_workspace.ml",))),
        _case("unknown-everywhere", {MAIN: 'resource "azurerm_machine_learning_workspace" "x" {\n'
                                           '  count = length(data.azurerm_resources.all.resources)\n'
                                           '  name = data.x.y.z[each.key]\n'
                                           '  public_network_access_enabled = var.nope\n}\n'},
              Expect(NONE, nodes=(NODE + "azurerm_machine_learning_workspace.x",))),
    ]


def _plan(n: int, secret: str = "") -> dict:
    """A plan of n storage accounts in the documented layout (format_version 1.2)."""
    resources, changes = [], []
    for i in range(n):
        values = {"name": f"st{i}", "location": "westeurope", "account_tier": "Standard",
                  "public_network_access_enabled": i % 2 == 0, "min_tls_version": "TLS1_2",
                  "primary_access_key": secret or f"k{i}"}
        address = f"azurerm_storage_account.s[{i}]"
        resources.append({"address": address, "mode": "managed", "type": "azurerm_storage_account", "name": "s",
                          "index": i, "provider_name": "registry.terraform.io/hashicorp/azurerm",
                          "values": values, "sensitive_values": {"primary_access_key": True}})
        changes.append({"address": address, "mode": "managed", "type": "azurerm_storage_account", "name": "s",
                        "index": i, "change": {"actions": ["create"], "before": None, "after": values,
                                               "after_unknown": {"id": True},
                                               "after_sensitive": {"primary_access_key": True}}})
    return {"format_version": "1.2", "terraform_version": "1.9.5", "planned_values": {"root_module": {
        "resources": resources}}, "resource_changes": changes, "configuration": {"root_module": {"resources": [
            {"address": "azurerm_storage_account.s", "mode": "managed", "type": "azurerm_storage_account",
             "name": "s", "expressions": {"name": {"references": ["count.index"]}},
             "count_expression": {"constant_value": n}}]}}}


def plans() -> list[Case]:
    node = "resource:terraform-plan:{p}/tfplan.json#azurerm_storage_account.s[%d]"
    return [
        _case("plan-10k-resources", {"tfplan.json": lambda: json.dumps(_plan(10_000))},
              Expect(NONE, nodes=(node % 9_999,)), target="tfplan.json", alone=True),
        _case("plan-sensitive-secret", {"tfplan.json": json.dumps(_plan(2, PLAN_SECRET))},
              Expect(NONE, nodes=(node % 1,)), target="tfplan.json", secrets=(PLAN_SECRET,)),
        _case("plan-utf16", {"tfplan.json": m.utf16(json.dumps(_plan(1)))}, Expect(EITHER), target="tfplan.json"),
    ]


NSG_RULE = '''  security_rule {{
    name                       = "{name}"
    priority                   = {priority}
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    {ports}
    {sources}
    destination_address_prefix = "*"
  }}
'''


def network() -> list[Case]:
    """NSG rules and subnets gone wrong: ports as "*", reversed or out-of-range spans, text,
    lists with service tags, missing or textual priorities, rules from an unknown
    for_each, thousands of inline rules and subnets, subnet names that look like paths."""
    odd = "".join(NSG_RULE.format(name=f"r{i}", priority=p, ports=ports, sources=sources) for i, (p, ports, sources) in
                  enumerate([("100", 'destination_port_range = "*"', 'source_address_prefix = "Internet"'),
                             ('"high"', 'destination_port_range = "65535-0"', 'source_address_prefix = "*"'),
                             ("var.nope", 'destination_port_ranges = ["99999", "22-", "ssh", 22]',
                              'source_address_prefixes = ["Internet", "10.0.0.0/8", "AzureCloud.westeurope"]'),
                             ("0", 'destination_port_range = ""', 'source_address_prefixes = []'),
                             ("-1", 'destination_port_ranges = [["22"]]', 'source_address_prefix = { a = 1 }')]))
    many = "".join(NSG_RULE.format(name=f"r{i}", priority=100 + i, ports='destination_port_range = "443"',
                                   sources='source_address_prefix = "VirtualNetwork"') for i in range(3000))
    subnets = "".join(f'  subnet {{\n    name           = "s{i}"\n    address_prefix = "10.{i // 256}.{i % 256}.0/24"\n  }}\n'
                      for i in range(2500))
    nsg = 'resource "azurerm_network_security_group" "{n}" {{\n  name = "{n}"\n{body}}}\n'
    return [
        _case("nsg-odd-rules", {MAIN: nsg.format(n="odd", body=odd)}, Expect(NONE, nodes=(
            NODE + "azurerm_network_security_group.odd",))),
        _case("nsg-3000-rules", {MAIN: nsg.format(n="many", body=many)}, Expect(NONE, nodes=(
            NODE + "azurerm_network_security_group.many",))),
        _case("nsg-dynamic-unknown", {MAIN: nsg.format(n="dyn", body='  dynamic "security_rule" {\n'
                                                                   '    for_each = var.rules\n    content {\n'
                                                                   '      name = security_rule.value.name\n'
                                                                   '      priority = security_rule.key\n    }\n  }\n')},
              Expect(NONE, nodes=(NODE + "azurerm_network_security_group.dyn",))),
        _case("nsg-dynamic-range", {MAIN: nsg.format(n="rng", body='  dynamic "security_rule" {\n'
                                                                   '    for_each = range(100000)\n    content {\n'
                                                                   '      name = "r${security_rule.value}"\n'
                                                                   '      destination_port_range = security_rule.value\n'
                                                                   '    }\n  }\n')},
              Expect(NONE, nodes=(NODE + "azurerm_network_security_group.rng",))),
        _case("vnet-2500-subnets", {MAIN: 'resource "azurerm_virtual_network" "v" {\n  name = "v"\n' + subnets
                                          + "}\n"}, Expect(NONE, nodes=(NODE + "azurerm_virtual_network.v",))),
        _case("subnet-names-like-paths", {MAIN: 'resource "azurerm_virtual_network" "v" {\n  name = "../../v"\n'
                                                '  subnet {\n    name = "../../../etc/passwd"\n  }\n'
                                                '  subnet {\n    name = var.nope\n    security_group = 5\n  }\n'
                                                '  subnet {\n    name = "a/b#c"\n    address_prefixes = "x"\n  }\n}\n'
                                                'resource "azurerm_network_security_rule" "r" {\n'
                                                '  network_security_group_name = ["not", "a", "name"]\n}\n'},
              Expect(NONE, nodes=(NODE + "azurerm_virtual_network.v",
                                  NODE + "azurerm_virtual_network.v/subnets/../../../etc/passwd"))),
    ]


def _kubectl(body: str) -> str:
    """A kubectl_manifest after the workspace, its YAML text a heredoc."""
    return WORKSPACE + f'resource "kubectl_manifest" "m" {{\n  yaml_body = <<-YAML\n{body}\n  YAML\n}}\n'


def manifests() -> list[Case]:
    """Whole Kubernetes objects from Terraform: a yaml_body that is no YAML document (broken,
    an alias bomb, nested past the loader's depth, two documents) is one error at the
    resource's line; a manifest that is no object, a file() out of the tree, an
    interpolation that may be any YAML are unknowns."""
    at = WORKSPACE.count("\n") + 1
    laughs = "\n".join(["    a0: &a0 [x, x, x, x, x, x, x, x, x, x]"] + [
        f"    a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]"
        for i in range(1, 10)])
    node = (NODE + "kubectl_manifest.m",)
    return [
        _case("manifest-not-yaml", {MAIN: _kubectl("    kind: [Service")}, Expect(ONE, line=at)),
        _case("manifest-alias-bomb", {MAIN: _kubectl("    kind: Service\n" + laughs)}, Expect(ONE, line=at)),
        _case("manifest-deep", {MAIN: _kubectl("    kind: " + "[" * 3000 + "]" * 3000)}, Expect(ONE, line=at)),
        _case("manifest-two-documents", {MAIN: _kubectl("    kind: A\n    ---\n    kind: B")}, Expect(ONE, line=at)),
        _case("manifest-interpolated-line", {MAIN: _kubectl("    kind: Service\n    ${var.prefix}x: 1\n"
                                                            "    ${jsonencode(var.nope)}")}, Expect(NONE, nodes=node)),
        _case("manifest-not-object", {MAIN: WORKSPACE + 'resource "kubernetes_manifest" "m" {\n  manifest = '
                                                        '[1, "two", { kind = 3 }]\n}\n'},
              Expect(NONE, nodes=(NODE + "kubernetes_manifest.m",))),
        _case("manifest-file-out-of-tree", {MAIN: WORKSPACE + 'resource "kubernetes_manifest" "m" {\n  manifest = '
                                                              'yamldecode(file("../../../../etc/passwd"))\n}\n'},
              Expect(NONE, nodes=(NODE + "kubernetes_manifest.m",))),
    ]
