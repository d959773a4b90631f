"""Azure exports: what is deployed, as `resource:azure:<ARM id>` nodes.

Shapes (detected by content, whatever the file is called):
- Azure Resource Graph results: `az graph query -o json` / the REST answer
  `{"count", "data": [rows], "skip_token" | "$skipToken", "total_records" | "totalRecords"}`
  (rows `{id, name, type (lower case), location, resourceGroup, subscriptionId, kind, sku,
  identity, tags, properties}`), the older table form `{"data": {"columns", "rows"}}`, or
  a bare list of rows (older `az graph query`);
- `az resource list -o json` / `az resource show` / ARM REST: a resource object, a list of
  them, or `{"value": [...]}` — ARM property paths under `properties`;
- `az <service> show -o json` (`az storage account show`, `az acr show`, …): the SDK model
  printed flat, no `properties`; its attributes are read as the resource's properties, the
  few the SDK names differently renamed to their ARM names (SDK_NAMES);
- `az ml <workspace|compute|online-endpoint|online-deployment|registry> show -o json`: the
  CLI v2 snake_case shape, read with the Azure ML YAML paths (format `azureml-export`).

A row without its properties (`az resource list` prints none, a Resource Graph query may
not project them) leaves every fact unknown, never defaulted: absence there says nothing
about the resource.
"""
from __future__ import annotations

from typing import Any

from ...cloud import RawResource, Reference, Unknown
from .common import NOT_RECORDED, iso_minutes, linked_ids, parent_id, without_secrets

FORMAT = "azure-export"
ML_FORMAT = "azureml-export"
GRAPH_MARKERS = ("count", "skip_token", "$skipToken", "total_records", "totalRecords", "resultTruncated",
                 "facets")
# ARM's envelope; the rest of a flat `az … show` object are the resource's properties.
ENVELOPE = frozenset({"id", "name", "type", "location", "tags", "identity", "sku", "kind", "etag", "systemData",
                      "managedBy", "plan", "zones", "extendedLocation", "resourceGroup", "subscriptionId",
                      "tenantId", "apiVersion"})
# What `az resource list` adds beside the envelope: no properties of the resource.
LISTING = frozenset({"properties", "changedTime", "createdTime", "provisioningState"})
# `az <service> show` prints the Python SDK's attribute names in camelCase; where they are
# not the ARM names (storage `enableHttpsTrafficOnly` for `supportsHttpsTrafficOnly`,
# `networkRuleSet` for `networkAcls`; AKS `enableRbac` for `enableRBAC`…), renamed. A
# `*` steps into each item of a list.
SDK_NAMES: dict[str, dict[str, str]] = {
    "microsoft.storage/storageaccounts": {"enableHttpsTrafficOnly": "supportsHttpsTrafficOnly",
                                          "networkRuleSet": "networkAcls"},
    "microsoft.containerservice/managedclusters": {
        "enableRbac": "enableRBAC", "apiServerAccessProfile.authorizedIpRanges": "authorizedIPRanges",
        "agentPoolProfiles.*.enableNodePublicIp": "enableNodePublicIP"},
}
NO_PROPERTIES = Unknown("properties (not in the export)",
                        "the export holds no properties for this resource (`az resource list` prints none; "
                        "a Resource Graph query may not project them): absence says nothing here")
# `az ml … show` resources by the ARM type their id names (lower case, child types joined).
ML_TYPES = {"workspaces": "workspace", "registries": "registry",
            "workspaces/onlineendpoints": "online_endpoint",
            "workspaces/onlineendpoints/deployments": "online_deployment",
            "workspaces/batchendpoints": "batch_endpoint",
            "workspaces/batchendpoints/deployments": "batch_deployment"}


def arm_type_of(arm_id: str) -> str | None:
    """`microsoft.x/a/b` from an ARM id's tail (…/providers/Microsoft.X/a/n1/b/n2), lower case."""
    low = arm_id.lower()
    at = low.rfind("/providers/")
    if at < 0:
        return None
    tail = [p for p in low[at + len("/providers/"):].split("/") if p]
    if len(tail) < 3 or len(tail) % 2 == 0:
        return None
    return "/".join([tail[0], *tail[1::2]])


def shape_of(obj: Any) -> str | None:
    """"arm" (ARM property paths), "azureml" (`az ml … show`) or None (not an Azure resource)."""
    if not isinstance(obj, dict):
        return None
    arm_id, rtype = obj.get("id"), obj.get("type")
    arm_type = arm_type_of(arm_id) if isinstance(arm_id, str) else None
    if arm_type is None:
        return None
    if isinstance(rtype, str) and "/" in rtype:
        return "arm"
    return "azureml" if arm_type.startswith("microsoft.machinelearningservices/") else None


def resource(obj: dict, line: int | None, flat_ok: bool = True, shape: str | None = None) -> RawResource:
    """One exported Azure resource of `shape` (shape_of(obj), which is not None)."""
    if (shape or shape_of(obj)) == "azureml":
        return _ml_resource(obj, line)
    arm_id = obj["id"].strip()
    rtype = obj["type"].strip()
    body = without_secrets(obj)
    props = body.get("properties")
    if not isinstance(props, dict):
        rest = {k: v for k, v in body.items() if k not in ENVELOPE and k not in LISTING}
        body = {k: v for k, v in body.items() if k in ENVELOPE}
        flat = flat_ok and rest and "properties" not in obj
        body["properties"] = _arm_names(rtype, rest) if flat else NO_PROPERTIES
    refs = linked_ids(FORMAT, rtype, body)
    parent = parent_id(arm_id)
    if parent:
        refs.append(Reference("parent", parent, by="arm_id"))
    return RawResource(FORMAT, rtype, arm_id, body, name=_name(obj), line=line, declared=False,
                       references=refs, kind_hint=obj.get("kind") if isinstance(obj.get("kind"), str) else None)


def _ml_resource(obj: dict, line: int | None) -> RawResource:
    """`az ml … show`: snake_case keys as in the CLI v2 YAML."""
    arm_id = obj["id"].strip()
    arm_type = arm_type_of(arm_id).split("/", 1)[1]
    if arm_type == "workspaces/computes":
        ptype = str(obj.get("type") or "compute").lower()
    elif arm_type == "workspaces/onlineendpoints/deployments" and str(obj.get("type", "")).lower() == "kubernetes":
        ptype = "kubernetes_online_deployment"
    elif arm_type == "workspaces/onlineendpoints" and str(obj.get("kind", "")).lower() in ("k8s", "kubernetes"):
        ptype = "kubernetes_online_endpoint"
    else:
        ptype = ML_TYPES.get(arm_type, arm_type)
    body = without_secrets(obj)
    if "idle_time_before_shutdown_minutes" not in body and iso_minutes(body.get("idle_time_before_shutdown")):
        body["idle_time_before_shutdown_minutes"] = iso_minutes(body["idle_time_before_shutdown"])
    refs = linked_ids(ML_FORMAT, ptype, body, skip=("workspace", "endpoint_name"))
    parent = parent_id(arm_id)
    if parent:
        refs.append(Reference("endpoint_name" if arm_type.endswith("/deployments") else "workspace", parent,
                              by="arm_id"))
    return RawResource(ML_FORMAT, ptype, arm_id, body, name=_name(obj), line=line, declared=False,
                       references=refs)


def _name(obj: dict) -> Any:
    name = obj.get("name")
    return name if isinstance(name, str) and name else None


def _arm_names(rtype: str, props: dict) -> dict:
    for sdk_path, arm_key in SDK_NAMES.get(rtype.lower(), {}).items():
        _rename(props, sdk_path.split("."), arm_key)
    return props


def _rename(container: Any, path: list[str], new_key: str) -> None:
    if not path:
        return
    if path[0] == "*":
        for item in container if isinstance(container, list) else ():
            _rename(item, path[1:], new_key)
        return
    if not isinstance(container, dict) or path[0] not in container:
        return
    if len(path) == 1:
        if new_key not in container:
            container[new_key] = container.pop(path[0])
        return
    _rename(container[path[0]], path[1:], new_key)


def table_rows(data: dict) -> list[dict] | None:
    """The rows of a Resource Graph table answer ({"columns": [{name}], "rows": [[...]]})."""
    columns, rows = data.get("columns"), data.get("rows")
    if not isinstance(columns, list) or not isinstance(rows, list):
        return None
    names = [c.get("name") if isinstance(c, dict) else None for c in columns]
    if not all(isinstance(n, str) for n in names):
        return None
    return [dict(zip(names, row)) if isinstance(row, list) else row for row in rows]


__all__ = ["FORMAT", "ML_FORMAT", "GRAPH_MARKERS", "NOT_RECORDED", "resource", "shape_of", "table_rows"]
