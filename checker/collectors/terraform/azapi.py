"""azapi resources as the ARM resources they declare.

`azapi_resource` names an ARM type and api-version in `type`
("Microsoft.MachineLearningServices/workspaces@2024-04-01") and writes the ARM body in
`body`: an HCL object (azapi v2) or `jsonencode({...})` / a JSON string (v1). Its facts sit
at the ARM property paths (`properties.publicNetworkAccess`), so the resource is recorded
in the `azapi` format, which the vocabulary reads as the ARM family; `parent_id` is the
ARM `parent`.
"""
from __future__ import annotations

import json

from ...cloud.model import RawResource, Unknown

FORMAT = "azapi"
# Top-level azapi arguments that are ARM resource fields too.
ARM_FIELDS = ("name", "location", "tags", "identity")


def to_arm(raw: RawResource) -> None:
    """Rewrite an azapi_resource in place when its `type` is known; otherwise it stays an
    `azapi_resource` of no known type."""
    props = raw.properties if isinstance(raw.properties, dict) else {}
    declared = props.get("type")
    if not isinstance(declared, str) or "/" not in declared:
        return
    arm_type, _, api_version = declared.partition("@")
    body = props.get("body")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            body = Unknown(body[:300], "the azapi body is not JSON")
    if isinstance(body, dict):
        arm = dict(body)
    else:
        unknown = body if isinstance(body, Unknown) else Unknown("body", "the azapi body is not given")
        arm = {"properties": unknown, "kind": unknown, "sku": unknown}
    for field in ARM_FIELDS:
        if field in props and field not in arm:
            arm[field] = props[field]
    if "parent_id" in props:
        arm["parent"] = props["parent_id"]
    raw.format, raw.provider_type = FORMAT, declared
    raw.api_version = api_version or None
    raw.properties = arm
    raw.expressions = {attribute(raw, k): v for k, v in raw.expressions.items()}
    if not isinstance(raw.name, (str, Unknown)) and isinstance(arm.get("name"), str):
        raw.name = arm["name"]


def attribute(raw: RawResource, path: str) -> str:
    """An azapi attribute path as the ARM path it stands for."""
    if raw.format != FORMAT:
        return path
    if path.startswith("body."):
        return path[5:]
    return "parent" if path == "parent_id" else path
