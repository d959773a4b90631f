"""Access control (issue 9): role assignments, custom role definitions, managed identities
and CI identities from Terraform HCL, ARM, Bicep and `az` exports, through the real
collectors and the cloud linker. The files are written here in the shapes the azurerm,
azuread and azuredevops provider docs and the ARM template reference give
(`azurerm_role_assignment` with `role_definition_name` or `role_definition_id`,
`subscriptionResourceId('Microsoft.Authorization/roleDefinitions', …)`, extension
resources with `scope`, `identity.userAssignedIdentities` keyed by id)."""
from __future__ import annotations

import json

from conftest import collect_graph, errors_for, node_attrs, write_files

from checker.cloud.identity import assignable_levels, privileged_actions, role_of, scope_level
from checker.cloud.model import Unknown
from checker.cloud.vocabulary import UNRECOGNISED

TF = '''
variable "role" {}
variable "scope" {}

data "azurerm_subscription" "current" {}

resource "azurerm_resource_group" "ml" {
  name     = "rg-ml"
  location = "westeurope"
}

resource "azurerm_user_assigned_identity" "ci" {
  name                = "id-ci"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.ml.name
}

resource "azurerm_federated_identity_credential" "gh" {
  name                = "gh"
  resource_group_name = azurerm_resource_group.ml.name
  parent_id           = azurerm_user_assigned_identity.ci.id
  audience            = ["api://AzureADTokenExchange"]
  issuer              = "https://token.actions.githubusercontent.com"
  subject             = "repo:contoso/ml:environment:prod"
}

resource "azurerm_role_definition" "all" {
  name  = "all"
  scope = data.azurerm_subscription.current.id
  permissions {
    actions     = ["Microsoft.Authorization/*", "Microsoft.Storage/*/read"]
    not_actions = []
  }
  assignable_scopes = [data.azurerm_subscription.current.id, "/"]
}

resource "azurerm_role_assignment" "by_name" {
  scope                = data.azurerm_subscription.current.id
  role_definition_name = "oWnEr"
  principal_id         = azurerm_user_assigned_identity.ci.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "by_guid" {
  scope              = azurerm_resource_group.ml.id
  role_definition_id = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
  principal_id       = "00000000-0000-0000-0000-000000000001"
}

resource "azurerm_role_assignment" "by_custom" {
  scope              = "/subscriptions/${data.azurerm_subscription.current.subscription_id}/resourceGroups/rg-ml"
  role_definition_id = azurerm_role_definition.all.role_definition_resource_id
  principal_id       = azurerm_user_assigned_identity.ci.principal_id
}

resource "azurerm_role_assignment" "by_variable" {
  scope                = var.scope
  role_definition_name = var.role
  principal_id         = azurerm_storage_account.sa.identity[0].principal_id
}

resource "azurerm_storage_account" "sa" {
  name                     = "stml"
  resource_group_name      = "rg-ml"
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
  identity {
    type         = "SystemAssigned, UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.ci.id]
  }
}

data "azuread_user" "guest" {
  user_principal_name = "jane_partner.example#EXT#@contoso.onmicrosoft.com"
}

resource "azuread_invitation" "partner" {
  user_email_address = "jane@partner.example"
  redirect_url       = "https://portal.azure.com"
}

resource "azuread_application" "deploy" {
  display_name = "ml-deploy"
}

resource "azuread_application_federated_identity_credential" "ado" {
  application_id = azuread_application.deploy.id
  display_name   = "ado"
  audiences      = ["api://AzureADTokenExchange"]
  issuer         = "https://vstoken.dev.azure.com/11111111-1111-1111-1111-111111111111"
  subject        = "sc://contoso/ml-platform/ml-prod"
}
'''

ARM = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {"principalId": {"type": "string"}},
    "resources": [
        {"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2023-01-31", "name": "id-ci",
         "location": "westeurope"},
        {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "stml",
         "location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"},
         "identity": {"type": "UserAssigned", "userAssignedIdentities": {
             "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'id-ci')]": {}}}},
        {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01", "name": "ra-owner",
         "properties": {"roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', "
                                            "'8e3af657-a8ff-443c-a75c-2fe8c4bcb635')]",
                        "principalId": "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', "
                                       "'id-ci'), '2023-01-31').principalId]"}},
        {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01", "name": "ra-sub",
         "scope": "[subscription().id]",
         "properties": {"roleDefinitionId": "[parameters('principalId')]", "principalId": "[parameters('principalId')]"}},
        {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01", "name": "ra-blob",
         "scope": "[format('Microsoft.Storage/storageAccounts/{0}', 'stml')]",
         "properties": {"roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/"
                                            "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
                        "principalId": "[parameters('principalId')]"}},
        {"type": "Microsoft.Authorization/roleDefinitions", "apiVersion": "2022-04-01", "name": "custom",
         "properties": {"roleName": "custom", "type": "CustomRole",
                        "permissions": [{"actions": ["*/write"], "notActions": []}],
                        "assignableScopes": ["[resourceGroup().id]"]}},
    ]}


def tf_id(address: str) -> str:
    return f"resource:terraform:fs:./main.tf#{address}"


def arm_id(rtype: str, name: str) -> str:
    return f"resource:arm:fs:./azuredeploy.json#{rtype}/{name}"


def collected(tmp_path, files: dict):
    write_files(tmp_path, files)
    return collect_graph(tmp_path, link_resources=True)


def uses(graph, nid: str) -> set[str]:
    return set(graph.out_edges(nid, "uses"))


# -- conversions -------------------------------------------------------------------------------

def test_roles_by_name_guid_full_id_or_arm_expression_normalise_to_one_name():
    owner = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
    assert role_of("Owner") == role_of("OWNER") == role_of(owner.upper()) == "owner"
    assert role_of(f"/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/{owner}") == "owner"
    assert role_of(Unknown(f"[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{owner}')]",
                           "x")) == "owner"
    assert role_of("11111111-2222-3333-4444-555555555555") == "11111111-2222-3333-4444-555555555555"
    assert role_of("AzureML Data Scientist") == "azureml data scientist"
    assert isinstance(role_of(Unknown("var.role", "no default")), Unknown)
    assert isinstance(role_of("[parameters('role')]"), Unknown)
    assert role_of(42) is UNRECOGNISED


def test_scope_levels_from_ids_references_and_expressions():
    sub = "/subscriptions/00000000-0000-0000-0000-000000000000"
    assert scope_level(sub) == "subscription"
    assert scope_level(f"{sub}/resourceGroups/rg") == "resource_group"
    assert scope_level(f"{sub}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st") == "resource"
    assert scope_level("/providers/Microsoft.Management/managementGroups/mg") == "management_group"
    assert scope_level(Unknown("data.azurerm_subscription.current.id", "x")) == "subscription"
    assert scope_level(Unknown("azurerm_resource_group.ml[0].id", "x")) == "resource_group"
    assert scope_level(Unknown("azurerm_storage_account.sa.id", "x")) == "resource"
    assert scope_level(Unknown('"/subscriptions/${var.sub}/resourceGroups/${var.rg}"', "x")) == "resource_group"
    assert scope_level(Unknown("[resourceGroup().id]", "x")) == "resource_group"
    assert scope_level({"id": sub}) == "subscription"                 # a Bicep scope symbol
    assert isinstance(scope_level(Unknown("var.scope", "x")), Unknown)
    assert isinstance(scope_level(Unknown("module.rg.id", "x")), Unknown)
    assert isinstance(scope_level("not/a/scope"), Unknown)


def test_privileged_actions_follow_wildcards_and_not_actions():
    def perms(actions, not_actions=()):
        return {"permissions": [{"actions": list(actions), "not_actions": list(not_actions)}]}
    assert privileged_actions(perms(["*"])) == ["*"]
    assert privileged_actions(perms(["*/write"])) == ["*/write"]
    assert privileged_actions(perms(["microsoft.authorization/ROLEASSIGNMENTS/write"])) == \
        ["microsoft.authorization/ROLEASSIGNMENTS/write"]
    assert privileged_actions(perms(["*/write"], ["Microsoft.Authorization/*"])) == []
    assert privileged_actions(perms(["*"], ["Microsoft.Authorization/*"])) == ["*"]     # `*` stays
    assert privileged_actions(perms(["Microsoft.Storage/*"])) == []
    assert isinstance(privileged_actions({"permissions": [{"actions": Unknown("var.a", "x")}]}), Unknown)
    odd = privileged_actions({"permissions": "everything"})
    assert isinstance(odd, Unknown) and odd.expression == "permissions = everything"
    assert assignable_levels({"assignable_scopes": ["/", "/subscriptions/x"]}) == ["root", "subscription"]
    assert isinstance(assignable_levels({"assignable_scopes": [Unknown("var.s", "x")]}), Unknown)


# -- Terraform ---------------------------------------------------------------------------------

def test_terraform_role_assignments_normalised_with_edges_to_principal_and_custom_role(tmp_path):
    g = collected(tmp_path, {"main.tf": TF})
    by_name = node_attrs(g, tf_id("azurerm_role_assignment.by_name"))
    assert (by_name["type"], by_name["role"], by_name["scope_level"], by_name["principal_type"]) == \
        ("role_assignment", "owner", "subscription", "serviceprincipal")
    assert tf_id("azurerm_user_assigned_identity.ci") in uses(g, tf_id("azurerm_role_assignment.by_name"))
    by_guid = node_attrs(g, tf_id("azurerm_role_assignment.by_guid"))
    assert (by_guid["role"], by_guid["scope_level"], by_guid["principal"]) == \
        ("user access administrator", "resource_group", "00000000-0000-0000-0000-000000000001")
    custom = tf_id("azurerm_role_assignment.by_custom")
    assert node_attrs(g, custom)["scope_level"] == "resource_group"
    assert node_attrs(g, custom)["unknown"]["role"]["expression"].startswith("azurerm_role_definition.all")
    assert tf_id("azurerm_role_definition.all") in uses(g, custom)
    role = node_attrs(g, tf_id("azurerm_role_definition.all"))
    assert role["privileged_actions"] == ["Microsoft.Authorization/*"]
    assert role["assignable_levels"] == ["root", "subscription"]


def test_terraform_unknowns_stay_unknown_and_a_system_identity_is_a_principal(tmp_path):
    g = collected(tmp_path, {"main.tf": TF})
    nid = tf_id("azurerm_role_assignment.by_variable")
    a = node_attrs(g, nid)
    assert "role" not in a and "scope_level" not in a
    assert a["unknown"]["role"]["expression"] == "var.role"
    assert a["unknown"]["scope_level"]["expression"] == "var.scope"
    assert uses(g, nid) == {tf_id("azurerm_storage_account.sa")}      # its system identity
    sa = node_attrs(g, tf_id("azurerm_storage_account.sa"))
    assert sa["identity_type"] == "systemassigned,userassigned"
    assert sa["user_identities"] == ["azurerm_user_assigned_identity.ci.id"]
    assert tf_id("azurerm_user_assigned_identity.ci") in uses(g, tf_id("azurerm_storage_account.sa"))


def test_terraform_ci_credentials_and_guests(tmp_path):
    g = collected(tmp_path, {"main.tf": TF})
    gh = node_attrs(g, tf_id("azurerm_federated_identity_credential.gh"))
    assert gh["ci_provider"] == "github_actions"
    assert gh["ci_subject"] == {"repository": "contoso/ml", "trusts": "environment:prod"}
    assert uses(g, tf_id("azurerm_federated_identity_credential.gh")) >= {tf_id("azurerm_user_assigned_identity.ci")}
    ado = tf_id("azuread_application_federated_identity_credential.ado")
    assert node_attrs(g, ado)["ci_provider"] == "azure_devops"
    assert node_attrs(g, ado)["ci_subject"]["repository"] == "contoso/ml-platform"
    assert uses(g, ado) == {tf_id("azuread_application.deploy")}
    assert node_attrs(g, tf_id("azuread_invitation.partner"))["guest"] is True
    # a data source's attributes are read at plan time: whether it is a guest is unknown
    assert "guest" in node_attrs(g, tf_id("data.azuread_user.guest"))["unknown"]


# -- ARM, Bicep, exports ------------------------------------------------------------------------

def test_arm_role_assignments_scopes_identities_and_custom_roles(tmp_path):
    g = collected(tmp_path, {"azuredeploy.json": json.dumps(ARM)})
    ra = arm_id("Microsoft.Authorization/roleAssignments", "ra-owner")
    owner = node_attrs(g, ra)
    assert (owner["role"], owner["scope_level"]) == ("owner", "deployment")
    assert uses(g, ra) == {arm_id("Microsoft.ManagedIdentity/userAssignedIdentities", "id-ci")}
    assert "unresolved" not in owner                     # a built-in role names no resource
    sub = node_attrs(g, arm_id("Microsoft.Authorization/roleAssignments", "ra-sub"))
    assert sub["scope_level"] == "subscription" and "role" in sub["unknown"]
    blob = node_attrs(g, arm_id("Microsoft.Authorization/roleAssignments", "ra-blob"))
    assert (blob["role"], blob["scope_level"]) == ("storage blob data contributor", "resource")
    sa = arm_id("Microsoft.Storage/storageAccounts", "stml")
    assert node_attrs(g, sa)["identity_type"] == "userassigned"
    assert uses(g, sa) == {arm_id("Microsoft.ManagedIdentity/userAssignedIdentities", "id-ci")}
    custom = node_attrs(g, arm_id("Microsoft.Authorization/roleDefinitions", "custom"))
    assert (custom["privileged_actions"], custom["assignable_levels"]) == (["*/write"], ["resource_group"])


def test_bicep_extension_scope_by_symbol(tmp_path):
    bicep = '''
resource sa 'Microsoft.Storage/storageAccounts@2023-01-01' = {
  name: 'stml'
  location: 'westeurope'
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
}
resource onSa 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(sa.id, 'blob')
  scope: sa
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1')
    principalId: '00000000-0000-0000-0000-000000000001'
  }
}
resource onRg 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, 'owner')
  scope: resourceGroup()
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '8e3af657-a8ff-443c-a75c-2fe8c4bcb635')
    principalId: '00000000-0000-0000-0000-000000000001'
  }
}
'''
    g = collected(tmp_path, {"main.bicep": bicep})
    on_sa = node_attrs(g, "resource:bicep:fs:./main.bicep#onSa")
    assert (on_sa["role"], on_sa["scope_level"]) == ("storage blob data reader", "resource")
    assert "resource:bicep:fs:./main.bicep#sa" in uses(g, "resource:bicep:fs:./main.bicep#onSa")
    on_rg = node_attrs(g, "resource:bicep:fs:./main.bicep#onRg")
    assert (on_rg["role"], on_rg["scope_level"]) == ("owner", "resource_group")


def test_az_role_assignment_list_export(tmp_path):
    row = {"id": "/subscriptions/0/providers/Microsoft.Authorization/roleAssignments/a1", "name": "a1",
           "type": "Microsoft.Authorization/roleAssignments", "principalId": "p1", "principalType": "User",
           "principalName": "bob_fabrikam.example#EXT#@contoso.onmicrosoft.com",
           "roleDefinitionId": "/subscriptions/0/providers/Microsoft.Authorization/roleDefinitions/"
                               "b24988ac-6180-42a0-ab88-20f7382dd24c",
           "roleDefinitionName": "Contributor", "scope": "/subscriptions/0/resourceGroups/rg-ml"}
    g = collected(tmp_path, {"roles.json": json.dumps([row])})
    a = node_attrs(g, "resource:azure:/subscriptions/0/providers/microsoft.authorization/roleassignments/a1")
    assert (a["role"], a["scope_level"], a["principal_type"], a["principal_guest"]) == \
        ("contributor", "resource_group", "user", True)


# -- bad input ----------------------------------------------------------------------------------

def test_identity_blocks_as_strings_lists_or_expressions(tmp_path):
    arm = {**ARM, "resources": [
        {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "s1",
         "location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}, "identity": "SystemAssigned"},
        {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "s2",
         "location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"},
         "identity": {"type": "[parameters('principalId')]", "userAssignedIdentities": "oops"}},
        {"type": "Microsoft.Authorization/roleDefinitions", "apiVersion": "2022-04-01", "name": "odd",
         "properties": {"permissions": "all", "assignableScopes": "everywhere"}},
        {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01", "name": "odd-ra",
         "scope": 7, "properties": {"roleDefinitionId": ["Owner"], "principalId": {"a": 1}}},
    ]}
    tf = '''
resource "azurerm_storage_account" "two" {
  name                     = "sttwo"
  resource_group_name      = "rg"
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
  identity {
    type = "SystemAssigned"
  }
  identity {
    type = "UserAssigned"
  }
}
'''
    g = collected(tmp_path, {"azuredeploy.json": json.dumps(arm), "main.tf": tf, "broken.tf": "resource \"x\" {\n  = \n"})
    s1 = node_attrs(g, arm_id("Microsoft.Storage/storageAccounts", "s1"))
    assert "identity_type" not in s1 and "one object" in s1["unknown"]["identity_type"]["reason"]
    s2 = node_attrs(g, arm_id("Microsoft.Storage/storageAccounts", "s2"))
    assert "identity_type" in s2["unknown"] and "user_identities" in s2["unknown"]
    odd = node_attrs(g, arm_id("Microsoft.Authorization/roleDefinitions", "odd"))
    assert {"actions", "privileged_actions", "assignable_levels"} <= set(odd["unknown"])
    odd_ra = node_attrs(g, arm_id("Microsoft.Authorization/roleAssignments", "odd-ra"))
    assert {"role", "scope_level", "principal"} <= set(odd_ra["unknown"])
    two = node_attrs(g, tf_id("azurerm_storage_account.two"))
    assert "identity_type" in two["unknown"]                        # two identity blocks: no guess
    errors = errors_for(g, "broken.tf")
    assert errors and errors[0].line is not None                   # the rest is still collected
