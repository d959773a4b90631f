"""Organisation overrides of rule metadata (mlcheck.yaml `overrides:`): a rule's severity
or remediation as the organisation rates it. Applied to the rules of a scan before any
finding is built, so the gate, the baseline and every report see the overridden values,
and each report marks them as overridden (the rule's own value kept beside them)."""
from __future__ import annotations

import dataclasses

OVERRIDABLE = ("severity", "remediation")


class OverrideError(ValueError):
    """An override naming a rule the catalog does not hold: exit 2."""


def apply_overrides(rules: list, catalog_rules: list, overrides: dict[str, dict]) -> list:
    """`rules` with each overridden one replaced by a copy carrying the new values and
    `override = {field: {"from": old, "to": new}, …, "reason": why}`. An id that names no
    rule of the catalog is an error: a typo must not leave a severity silently unchanged."""
    known = {r.id for r in catalog_rules}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise OverrideError(f"overrides: {', '.join(unknown)} names no rule")
    out = []
    for rule in rules:
        given = overrides.get(rule.id)
        changed = {k: given[k] for k in OVERRIDABLE if given and k in given and given[k] != getattr(rule, k)}
        if not changed:
            out.append(rule)
            continue
        record = {k: {"from": getattr(rule, k), "to": v} for k, v in changed.items()}
        if given.get("reason"):
            record["reason"] = given["reason"]
        out.append(dataclasses.replace(rule, **changed, override=record))
    return out
