"""What an infrastructure parser hands the vocabulary: raw resources, their attribute
values (resolved or Unknown) and their references to other resources."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


# What a vocabulary conversion returns for a value the provider does not document.
UNRECOGNISED = object()


@dataclass(frozen=True)
class Unknown:
    """A value that cannot be resolved statically: the source expression and why."""
    expression: str
    reason: str

    def as_dict(self) -> dict:
        return {"expression": self.expression[:300], "reason": self.reason}


@dataclass(frozen=True)
class Reference:
    """An attribute of one resource that names another. `target` is what the source
    wrote, resolved as far as the parser could: an address in the same configuration
    (`azurerm_storage_account.ml`, a Bicep symbol), an ARM resource id, or a name."""
    attribute: str                    # dotted attribute path on the referring resource
    target: str
    by: str = "address"               # address | arm_id | name
    target_type: str | None = None    # a provider type, when the reference says (resourceId)


@dataclass
class RawResource:
    format: str                       # terraform | terraform-plan | arm | bicep | azureml | az-export |
                                      # resource-graph | kubectl
    provider_type: str                # azurerm_storage_account, Microsoft.Storage/storageAccounts, …
    address: str                      # unique within its file: TF address, ARM/Bicep symbol, ARM id
    properties: dict                  # the provider's attributes; values resolved, or Unknown
    name: Any = None                  # the resource's name, or Unknown
    api_version: str | None = None    # ARM/Bicep/azapi api-version (some defaults depend on it)
    line: int | None = None
    declared: bool = True             # IaC declaration (True) or an export of what is deployed
    references: list[Reference] = field(default_factory=list)
    expressions: dict[str, str] = field(default_factory=dict)   # attribute path → source expression
    module: str = ""                  # Terraform module path / Bicep module chain, '' at the root
    scope: str = ""                   # where `address` references resolve: a Terraform module's
                                      # folder, an ARM/Bicep file (+ nested deployment)
    condition: Any = True             # deployed only if True; Unknown when it cannot be told
    kind_hint: str | None = None      # provider `kind` (ARM kind, k8s kind) when it decides the type
