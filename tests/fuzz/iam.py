"""Access control: role assignments, custom roles and identity blocks in Terraform, ARM and
Bicep with roles as GUIDs, names, full ids, lists and expressions, scopes as numbers, maps
and deep expressions, identity blocks as strings, lists of lists and maps with hostile
keys, permissions of the wrong shape — a correct reading or an unknown (the node must still
be collected), and truncated files an error with file and line; never a crash or a hang."""
from __future__ import annotations

import json

from . import mutate as m
from .cases import EITHER, NONE, ONE, Case, Expect, files, rng_for

TF_NODE = "resource:terraform:{p}/main.tf#"
ARM_NODE = "resource:arm:{p}/azuredeploy.json#"
BICEP_NODE = "resource:bicep:{p}/main.bicep#"

GOOD_TF = '''data "azurerm_subscription" "current" {}

resource "azurerm_user_assigned_identity" "ci" {
  name                = "id-ci"
  location            = "westeurope"
  resource_group_name = "rg-ml"
}

resource "azurerm_role_assignment" "ra" {
  scope                = data.azurerm_subscription.current.id
  role_definition_name = "Owner"
  principal_id         = azurerm_user_assigned_identity.ci.principal_id
}

resource "azurerm_role_definition" "rd" {
  name  = "custom"
  scope = data.azurerm_subscription.current.id
  permissions {
    actions = ["*"]
  }
  assignable_scopes = [data.azurerm_subscription.current.id]
}
'''


def _tf(name: str, text: str, expect: Expect) -> Case:
    return Case(f"iam/tf-{name}", files({"main.tf": text}), expect, target="main.tf")


def _arm(name: str, resources: list, expect: Expect) -> Case:
    doc = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
           "contentVersion": "1.0.0.0", "parameters": {"p": {"type": "string"}}, "resources": resources}
    return Case(f"iam/arm-{name}", files({"azuredeploy.json": json.dumps(doc, indent=1)}), expect,
                target="azuredeploy.json")


def _ra(**fields) -> dict:
    body = {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01", "name": "ra",
            "properties": {"roleDefinitionId": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "principalId": "x"}}
    body.update(fields)
    return body


def _sa(identity) -> dict:
    return {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "stml",
            "location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}, "identity": identity}


def _tf_ra(role: str, scope: str, principal: str = '"x"') -> str:
    return (f'variable "v" {{}}\nresource "azurerm_role_assignment" "ra" {{\n  scope = {scope}\n'
            f'  role_definition_id = {role}\n  principal_id = {principal}\n}}\n')


def cases(seed: int) -> list[Case]:
    rng = rng_for(seed, "iam")
    ra, rd = TF_NODE + "azurerm_role_assignment.ra", TF_NODE + "azurerm_role_definition.rd"
    out = [_tf("good", GOOD_TF, Expect(NONE, nodes=(ra + " has role", rd + " has privileged_actions")))]
    for i, at in enumerate(m.truncation_points(GOOD_TF.encode(), rng, 3)):
        out.append(_tf(f"truncated-{i}", GOOD_TF[:at], Expect(EITHER)))
    odd_roles = {"list": '["Owner"]', "map": '{ a = "Owner" }', "number": "42", "null": "null",
                 "ternary": 'var.v ? "Owner" : "Reader"', "interpolated": '"${var.v}"',
                 "huge-guid-soup": '"' + "8e3af657-" * 5000 + '"', "brace-guid": '"{8e3af657-a8ff-443c-a75c-2fe8c4bcb635}"'}
    for name, role in odd_roles.items():
        out.append(_tf(f"role-{name}", _tf_ra(role, '"/subscriptions/x"'), Expect(NONE, nodes=(ra,))))
    odd_scopes = {"map": "{ id = 1 }", "list": '["/subscriptions/x"]', "deep-index": "azurerm_x.y[0][1][2].id",
                  "long-path": '"' + "/subscriptions/x" * 4000 + '"', "splat": "azurerm_resource_group.rg[*].id",
                  "for": "[for s in var.v : s.id]", "empty": '""'}
    for name, scope in odd_scopes.items():
        out.append(_tf(f"scope-{name}", _tf_ra('"Owner"', scope), Expect(NONE, nodes=(ra,))))
    for name, block in {"string": 'identity = "SystemAssigned"',
                        "list": 'identity = [["SystemAssigned"]]',
                        "two-blocks": 'identity {\n type = "SystemAssigned"\n}\nidentity {\n type = "UserAssigned"\n}',
                        "ids-map": 'identity {\n type = "UserAssigned"\n identity_ids = { a = 1 }\n}'}.items():
        text = ('resource "azurerm_storage_account" "sa" {\n  name = "st"\n  resource_group_name = "rg"\n'
                f'  location = "westeurope"\n  account_tier = "Standard"\n  account_replication_type = "LRS"\n'
                f'  {block}\n}}\n')
        out.append(_tf(f"identity-{name}", text, Expect(NONE, nodes=(TF_NODE + "azurerm_storage_account.sa",))))
    out.append(_tf("permissions-string", 'resource "azurerm_role_definition" "rd" {\n  name = "r"\n  scope = "/"\n'
                                         '  permissions = "everything"\n  assignable_scopes = "/"\n}\n',
                   Expect(EITHER, nodes=(rd,))))
    ra_arm = ARM_NODE + "Microsoft.Authorization/roleAssignments/ra"
    arm_roles = {"number": 7, "list": ["Owner"], "object": {"id": "x"}, "nested": "[" + "concat(" * 200 + "'x'" +
                 ")" * 200 + "]", "param": "[parameters('p')]", "full-id": "/providers/Microsoft.Authorization/"
                 "roleDefinitions/B24988AC-6180-42A0-AB88-20F7382DD24C"}
    for name, role in arm_roles.items():
        out.append(_arm(f"role-{name}", [_ra(properties={"roleDefinitionId": role, "principalId": "x"})],
                        Expect(EITHER, nodes=(ra_arm,))))
    for name, scope in {"number": 3, "object": {"a": 1}, "list": ["/subscriptions/x"], "empty": "",
                        "expression": "[concat(subscription().id, parameters('p'))]"}.items():
        out.append(_arm(f"scope-{name}", [_ra(scope=scope)], Expect(EITHER, nodes=(ra_arm,))))
    sa = ARM_NODE + "Microsoft.Storage/storageAccounts/stml"
    for name, identity in {"string": "SystemAssigned", "list": [{"type": "SystemAssigned"}], "null-type": {"type": None},
                           "keys-hostile": {"type": "UserAssigned", "userAssignedIdentities": {
                               "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', '" + "x" * 20000 + "')]": {},
                               "[" * 500: {}, "/providers/" * 300: None}},
                           "keys-list": {"type": "UserAssigned", "userAssignedIdentities": ["a", "b"]}}.items():
        out.append(_arm(f"identity-{name}", [_sa(identity)], Expect(EITHER, nodes=(sa,))))
    out.append(_arm("permissions-deep", [{"type": "Microsoft.Authorization/roleDefinitions", "apiVersion": "2022-04-01",
                                          "name": "rd", "properties": {"permissions": [{"actions": [[["*"]]]}] * 3000,
                                                                       "assignableScopes": [{"x": 1}]}}],
                    Expect(EITHER, nodes=(ARM_NODE + "Microsoft.Authorization/roleDefinitions/rd",))))
    bicep = ("resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {\n  name: 'ra'\n  scope: {SCOPE}\n"
             "  properties: {\n    roleDefinitionId: 'Owner'\n    principalId: 'x'\n  }\n}\n")
    for name, scope in {"string": "'not-a-symbol'", "number": "42", "call": "tenant()", "missing": "nothere"}.items():
        out.append(Case(f"iam/bicep-scope-{name}", files({"main.bicep": bicep.replace("{SCOPE}", scope)}),
                        Expect(EITHER, nodes=(BICEP_NODE + "ra",)), target="main.bicep"))
    return out
