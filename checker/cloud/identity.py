"""Access control (issue 9): role assignments, custom role definitions, managed identities
and the identities CI deploys with, normalised from Terraform (azurerm, azuread,
azuredevops) and the ARM family (ARM, Bicep, exports).

The vocabulary's conversions for those types read a resource's whole attribute set (a
role assignment's role may sit in `role_definition_name` or `role_definition_id`; its scope
is a reference such as `data.azurerm_subscription.current.id`, which the parsers leave as
an Unknown expression that only its shape can place). `identity_facts` reads the `identity`
block any resource may carry; `identity_references` turns ARM `userAssignedIdentities` keys
into references the linker resolves.
"""
from __future__ import annotations

import json
import re
from typing import Any

from ..graph import iter_attr
from .model import UNRECOGNISED, Reference, RawResource, Unknown

# Built-in role definitions: the same GUID in every tenant. Source: learn.microsoft.com,
# "Azure built-in roles" (role-based-access-control/built-in-roles, the Privileged,
# General, Containers, Storage, AI + machine learning and Security tables).
BUILTIN_ROLES = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "contributor",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "user access administrator",
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "role based access control administrator",
    "acdd72a7-3385-48ef-bd42-f606fba81ae7": "reader",
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "storage blob data contributor",
    "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1": "storage blob data reader",
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "storage blob data owner",
    "7f951dda-4ed3-4680-a7ca-43fe172d538d": "acrpull",
    "8311e382-0749-4cb8-b61a-304f252e45ec": "acrpush",
    "f6c7c914-8db3-469d-8ca1-694a8f32e121": "azureml data scientist",
    "e503ece1-11d0-4e8e-8e2c-7a6c3bf38815": "azureml compute operator",
    "4633458b-17de-408a-b874-0445c86b69e6": "key vault secrets user",
}
BUILTIN_NAMES = frozenset(BUILTIN_ROLES.values())
# Roles that manage every resource or who may access it (the issue's list; RBAC
# Administrator assigns roles too).
PRIVILEGED_ROLES = ("owner", "contributor", "user access administrator", "role based access control administrator")

_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_ROLE_ID = re.compile(r"(?i)roledefinitions['\"\s,/]*(" + _GUID.pattern + r")")
SCOPE_LEVELS = ("management_group", "subscription", "resource_group", "resource")


def _expression(value: Any) -> str | None:
    return value.expression if isinstance(value, Unknown) else value if isinstance(value, str) else None


def _field(props: dict, *paths: str) -> Any:
    """The first of `paths` (dotted) present in props, else None."""
    for path in paths:
        _, value = iter_attr(props, path)
        if value is not None:
            return value
    return None


# -- role ----------------------------------------------------------------------------------

def role_of(value: Any) -> Any:
    """A role as written (a built-in's name, its GUID, a full roleDefinitions id, an ARM
    `subscriptionResourceId('…roleDefinitions', '<guid>')` expression) → the built-in's name
    in lower case; a GUID of no built-in role this table knows → the GUID (a custom role,
    or one to look up); any other expression → unknown."""
    text = _expression(value)
    if text is None:
        return UNRECOGNISED
    cleaned = text.strip()
    match = _ROLE_ID.search(cleaned)
    guid = match.group(1) if match else cleaned if _GUID.fullmatch(cleaned) else None
    if guid:
        return BUILTIN_ROLES.get(guid.lower(), guid.lower())
    if isinstance(value, Unknown) or "${" in cleaned or cleaned.startswith("["):
        return Unknown(cleaned, "the role is an expression known only at deployment")
    if cleaned.lower() in BUILTIN_NAMES:
        return cleaned.lower()
    return cleaned.lower() if cleaned else UNRECOGNISED     # a role by a name this table lacks


def _assignment_role(props: Any) -> Any:
    """A role assignment's role: Terraform `role_definition_name` or `role_definition_id`,
    ARM `properties.roleDefinitionId`."""
    if not isinstance(props, dict):
        return UNRECOGNISED
    if isinstance(props.get("properties"), Unknown):
        return props["properties"]
    value = _field(props, "role_definition_name", "role_definition_id", "properties.roleDefinitionId",
                   "properties.roleDefinitionName")
    return UNRECOGNISED if value is None else role_of(value)


# -- scope ---------------------------------------------------------------------------------

_TF_SCOPE = (
    (re.compile(r"^(data\.)?azurerm_management_group\.[\w-]+(\[[^\]]*\])?\.id$"), "management_group"),
    (re.compile(r"^(data\.)?azurerm_subscriptions?\.[\w-]+(\[[^\]]*\])?\.id$"), "subscription"),
    (re.compile(r"^(data\.)?azurerm_resource_group\.[\w-]+(\[[^\]]*\])?\.id$"), "resource_group"),
    (re.compile(r"^(data\.)?azurerm_[\w-]+\.[\w-]+(\[[^\]]*\])?\.id$"), "resource"),
)
_ARM_SCOPE = (
    (re.compile(r"(?i)^\[?\s*managementgroup\(\)\.id\s*\]?$"), "management_group"),
    (re.compile(r"(?i)^\[?\s*subscription\(\)\.id\s*\]?$"), "subscription"),
    (re.compile(r"(?i)^\[?\s*resourcegroup\(\)\.id\s*\]?$"), "resource_group"),
)


def scope_level(value: Any) -> Any:
    """The level a scope names: management_group, subscription, resource_group, resource —
    from an id (placeholders and `${…}` interpolations standing for one segment each), an
    ARM extension scope (`Microsoft.Storage/storageAccounts/sa`), a Bicep scope symbol
    ({id: …}), or a reference whose shape tells (`data.azurerm_subscription.current.id`,
    `azurerm_resource_group.ml.id`, `subscription().id`); otherwise unknown."""
    if isinstance(value, dict) and "id" in value:
        value = value["id"]
    text = _expression(value)
    if text is None:
        return UNRECOGNISED
    text = text.strip()
    for pattern, level in (*_TF_SCOPE, *_ARM_SCOPE):
        if pattern.match(text):
            return level
    level = _id_level(re.sub(r"\$\{[^}]*\}", "X", text))
    if level is not None and not (isinstance(value, Unknown) and "${" not in text):
        return level
    return Unknown(text, "the scope is an expression whose level cannot be told statically")


def _id_level(text: str) -> str | None:
    parts = [p for p in text.strip().strip('"').split("/") if p]
    lowered = [p.lower() for p in parts]
    if not parts or any(p.startswith(("[", "var.", "local.", "module.")) for p in lowered):
        return None
    if "providers" in lowered:
        at = lowered.index("providers")
        rest = lowered[at + 1:]
        if rest[:2] == ["microsoft.management", "managementgroups"] and len(rest) == 3 and at == 0:
            return "management_group"
        return "resource" if len(rest) >= 3 else None
    if lowered[0] == "subscriptions":
        return {2: "subscription", 4: "resource_group"}.get(len(parts)) if len(parts) < 3 or \
            lowered[2] == "resourcegroups" else None
    if not text.startswith("/") and "/" in text and "." in parts[0] and len(parts) >= 3:
        return "resource"            # an ARM extension scope: Microsoft.X/type/name
    return None


def _terraform_scope(props: Any) -> Any:
    """Terraform `scope` (required by azurerm)."""
    if not isinstance(props, dict) or props.get("scope") is None:
        return UNRECOGNISED
    return scope_level(props["scope"])


def _principal(props: Any) -> Any:
    """The principal as written: an object id, or the expression naming it (the edge to a
    collected identity comes from the reference)."""
    if not isinstance(props, dict):
        return UNRECOGNISED
    value = _field(props, "principal_id", "properties.principalId")
    text = _expression(value)
    return text[:300] if text else UNRECOGNISED


def _arm_scope(props: Any) -> Any:
    """ARM/Bicep: the resource's `scope` (an extension resource); an export: the
    assignment's `properties.scope`; a template without either applies at the scope it is
    deployed to (`deployment`: a resource group, subscription or management group, as the
    deployment decides)."""
    if not isinstance(props, dict):
        return UNRECOGNISED
    if isinstance(props.get("properties"), Unknown) and props.get("scope") is None:
        return props["properties"]                  # an export without the properties
    value = props.get("scope", _field(props, "properties.scope"))
    return "deployment" if value is None else scope_level(value)


# -- custom role definitions -----------------------------------------------------------------

def _glob(pattern: str) -> re.Pattern:
    return re.compile("^" + ".*".join(re.escape(p) for p in pattern.lower().split("*")) + "$")


ASSIGN = "microsoft.authorization/roleassignments/write"


def _actions(props: dict, terraform: str, arm: str) -> Any:
    blocks = props.get("permissions", _field(props, "properties.permissions"))
    if isinstance(blocks, Unknown):
        return blocks
    if isinstance(blocks, dict):
        blocks = [blocks]
    if blocks is None:
        return []
    if not isinstance(blocks, list):
        return UNRECOGNISED
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Unknown):
            return block
        if not isinstance(block, dict):
            return UNRECOGNISED
        items = block.get(terraform, block.get(arm, []))
        if isinstance(items, Unknown):
            return items
        if isinstance(items, str):
            items = [items]
        if not isinstance(items, list):
            return UNRECOGNISED
        for item in items:
            if isinstance(item, Unknown):
                return item
            if isinstance(item, str) and item.strip():
                out.append(item.strip())
    return out


def _actions_of(props: Any) -> Any:
    return _actions(props, "actions", "actions") if isinstance(props, dict) else UNRECOGNISED


def _not_actions_of(props: Any) -> Any:
    return _actions(props, "not_actions", "notActions") if isinstance(props, dict) else UNRECOGNISED


def _privileged_actions(props: Any) -> Any:
    """The actions that grant everything (`*`) or the right to assign roles (an action
    covering Microsoft.Authorization/roleAssignments/write: `*/write`,
    `Microsoft.Authorization/*`…), unless a not-action takes that right back."""
    granted, denied = _actions_of(props), _not_actions_of(props)
    for value in (granted, denied):
        if isinstance(value, Unknown) or value is UNRECOGNISED:
            return value
    removed = any(_glob(n).match(ASSIGN) for n in denied)
    out = [a for a in granted if a == "*" or (_glob(a).match(ASSIGN) and not removed)]
    return sorted(set(out))


def _assignable_levels(props: Any) -> Any:
    """The levels of a role definition's assignable scopes (Terraform `assignable_scopes`
    and `scope`, ARM `properties.assignableScopes`); any unknown one → unknown."""
    if not isinstance(props, dict):
        return UNRECOGNISED
    scopes = props.get("assignable_scopes", _field(props, "properties.assignableScopes"))
    if isinstance(scopes, Unknown):
        return scopes
    items = list(scopes) if isinstance(scopes, list) else [] if scopes is None else None
    if items is None:
        return UNRECOGNISED
    if props.get("scope") is not None:
        items.append(props["scope"])
    levels = set()
    for item in items:
        level = "root" if _expression(item) == "/" else scope_level(item)
        if isinstance(level, Unknown) or level is UNRECOGNISED:
            return level if isinstance(level, Unknown) else Unknown(str(item)[:200], "not a scope")
        levels.add(level)
    return sorted(levels)


# -- CI identities and guests -----------------------------------------------------------------

CI_ISSUERS = {
    "https://token.actions.githubusercontent.com": "github_actions",
    "https://vstoken.dev.azure.com": "azure_devops",       # + /<organisation id>
    "https://app.vstoken.visualstudio.com": "azure_devops",
    "https://gitlab.com": "gitlab",
}


def _ci_provider(props: Any) -> Any:
    """Which CI a federated identity credential trusts, by its issuer (Terraform `issuer`,
    ARM `properties.issuer`); an issuer of no CI → "none"."""
    issuer = _field(props, "issuer", "properties.issuer") if isinstance(props, dict) else None
    if isinstance(issuer, Unknown):
        return issuer
    if not isinstance(issuer, str):
        return UNRECOGNISED
    text = issuer.strip().rstrip("/").lower()
    for prefix, provider in CI_ISSUERS.items():
        if text == prefix or text.startswith(prefix + "/"):
            return provider
    return "none"


def _ci_subject(props: Any) -> Any:
    """The repository and what of it the credential trusts, from a subject such as
    `repo:org/repo:environment:prod` or `repo:org/repo:ref:refs/heads/main` (GitHub), or
    `sc://org/project/connection` (Azure DevOps)."""
    subject = _field(props, "subject", "properties.subject") if isinstance(props, dict) else None
    if isinstance(subject, Unknown):
        return subject
    if not isinstance(subject, str):
        return UNRECOGNISED
    text = subject.strip()
    github = re.match(r"^repo:([^:]+):(.*)$", text)
    if github:
        return {"repository": github.group(1), "trusts": github.group(2)}
    devops = re.match(r"^sc://([^/]+)/([^/]+)/(.+)$", text)
    if devops:
        return {"repository": f"{devops.group(1)}/{devops.group(2)}", "trusts": f"service connection {devops.group(3)}"}
    return {"repository": None, "trusts": text}


def _guest(props: Any) -> Any:
    """A directory user is a guest when its `user_type` is Guest or its UPN has `#EXT#`
    (Entra ID's mark of an external user)."""
    if not isinstance(props, dict):
        return UNRECOGNISED
    kind, upn = props.get("user_type"), props.get("user_principal_name")
    if isinstance(kind, str) and kind.strip():
        return kind.strip().lower() == "guest"
    if isinstance(upn, str):
        return "#ext#" in upn.lower()
    for value in (kind, upn):
        if isinstance(value, Unknown):
            return value
    return UNRECOGNISED


def ext_upn(value: Any) -> Any:
    """A user principal name with Entra ID's `#EXT#` mark: an external (guest) user."""
    return "#ext#" in value.lower() if isinstance(value, str) else UNRECOGNISED


def always(value: Any) -> Any:
    """An invitation always makes a guest."""
    return True


# -- any resource's `identity` -----------------------------------------------------------------

def identity_facts(raw: RawResource) -> tuple[dict, dict]:
    """(facts, unknown) from a resource's `identity` block: `identity_type` (none,
    systemassigned, userassigned, or both joined) and `user_identities` (the user-assigned
    identities as written). Terraform: a block (a one-item list) with `type` and
    `identity_ids`; ARM: {type, userAssignedIdentities: {id: {}}}. Nothing when absent."""
    props = raw.properties if isinstance(raw.properties, dict) else {}
    block = props.get("identity")
    if block is None:
        return {}, {}
    if isinstance(block, list) and len(block) == 1:
        block = block[0]
    if isinstance(block, Unknown):
        return {}, {"identity_type": {**block.as_dict(), "attribute": "identity"}}
    if not isinstance(block, dict):
        return {}, {"identity_type": {"expression": str(block)[:200], "attribute": "identity",
                                      "reason": "an identity block must be one object with a type"}}
    facts: dict = {}
    unknown: dict = {}
    kind = block.get("type")
    if isinstance(kind, str):
        facts["identity_type"] = ",".join(sorted(p.strip().lower().replace(" ", "").replace("_", "") for p in kind.split(",")
                                                 if p.strip())) or "none"
    else:
        unknown["identity_type"] = {"expression": _expression(kind) or str(kind)[:200], "attribute": "identity.type",
                                    "reason": "the identity type is an expression" if isinstance(kind, Unknown)
                                    else "no identity type"}
    ids = block.get("identity_ids", block.get("userAssignedIdentities"))
    if isinstance(ids, dict):
        ids = list(ids)
    if isinstance(ids, list):
        facts["user_identities"] = [(_expression(i) or str(i))[:300] for i in ids]
    elif ids is not None:
        unknown["user_identities"] = {"expression": (_expression(ids) or str(ids))[:200],
                                      "attribute": "identity.identity_ids", "reason": "not a list of identities"}
    return facts, unknown


_UAI = "microsoft.managedidentity/userassignedidentities"
_RESOURCE_ID = re.compile(r"(?i)^\[\s*resourceId\(\s*'Microsoft\.ManagedIdentity/userAssignedIdentities'\s*,"
                          r"\s*'([^']+)'\s*\)\s*\]$")


def identity_references(raw: RawResource) -> None:
    """ARM `identity.userAssignedIdentities` keys name identities: a literal id, or
    `[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'name')]` (keys are
    not evaluated by the template reader) → references the linker resolves."""
    # a built-in role is no resource of the estate: its id names nothing to link
    raw.references = [r for r in raw.references if not (r.attribute.endswith("roleDefinitionId") and
                                                        role_of(r.target) in BUILTIN_NAMES)]
    props = raw.properties if isinstance(raw.properties, dict) else {}
    block = props.get("identity")
    keys = block.get("userAssignedIdentities") if isinstance(block, dict) else None
    if not isinstance(keys, dict):
        return
    attribute = "identity.userAssignedIdentities"
    for key in keys:
        if not isinstance(key, str):
            continue
        named = _RESOURCE_ID.match(key.strip())
        if named:
            raw.references.append(Reference(attribute, named.group(1), by="name", target_type=_UAI))
        elif "/providers/" in key.lower() and not key.strip().startswith("["):
            raw.references.append(Reference(attribute, key.strip(), by="arm_id"))


# -- the conversions the vocabulary names -------------------------------------------------------

def _whole(convert, attributes: tuple[str, ...]):
    """A conversion of the whole attribute set whose unrecognised value is quoted as the
    attribute that holds it (`role_definition_id = ["Owner"]`), not as the whole set."""
    def run(props: Any) -> Any:
        result = convert(props)
        if result is not UNRECOGNISED:
            return result
        for attribute in attributes:
            value = _field(props, attribute) if isinstance(props, dict) else None
            if value is not None:
                shown = _expression(value) or json.dumps(value, default=str)
                return Unknown(f"{attribute} = {shown[:200]}", "not a value this provider documents")
        return Unknown(f"{attributes[0]} (absent)", "absent, and the provider documents no default")
    run.__doc__ = convert.__doc__
    return run


assignment_role = _whole(_assignment_role, ('role_definition_name', 'role_definition_id', 'properties.roleDefinitionId'))
terraform_scope = _whole(_terraform_scope, ('scope',))
arm_scope = _whole(_arm_scope, ('scope', 'properties.scope'))
principal = _whole(_principal, ('principal_id', 'properties.principalId'))
actions = _whole(_actions_of, ('permissions', 'properties.permissions'))
not_actions = _whole(_not_actions_of, ('permissions', 'properties.permissions'))
privileged_actions = _whole(_privileged_actions, ('permissions', 'properties.permissions'))
assignable_levels = _whole(_assignable_levels, ('assignable_scopes', 'properties.assignableScopes', 'scope'))
ci_provider = _whole(_ci_provider, ('issuer', 'properties.issuer'))
ci_subject = _whole(_ci_subject, ('subject', 'properties.subject'))
guest = _whole(_guest, ('user_type', 'user_principal_name'))
