"""A Terraform resource's name: its `name` argument, or where its vocabulary type keeps it
(the kubernetes provider's `metadata { name }`), in HCL and plan JSON alike."""
from __future__ import annotations

from typing import Any

from ...cloud.vocabulary import name_paths
from ..resources import ABSENT, lookup


def resource_name(fmt: str, provider_type: str, properties: Any) -> Any:
    """The first of the type's name paths that is set (a value or an Unknown), else None."""
    if not isinstance(properties, dict):
        return None
    for path in name_paths(fmt, provider_type):
        value = lookup(properties, path)
        if value is not ABSENT and value is not None:
            return value
    return None
