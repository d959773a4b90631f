"""JSON report: the whole scan result, stable key order, for machines and later tooling."""
from __future__ import annotations

from collections import Counter

from .. import __version__
from ..findings import BASELINED, CANNOT_EVALUATE, OPEN, WAIVED
from ..frameworks import frameworks_section
from ..graph import canonical_json

EXTENSIONS = (".json",)
REPLAYABLE = True       # the output is a function of the scan result alone (--cache replays it: scale/reports.py)


STATUSES = (OPEN, BASELINED, WAIVED, CANNOT_EVALUATE)


def counts(statuses) -> dict[str, int]:
    found = Counter(statuses)
    return {s: found.get(s, 0) for s in STATUSES}


def totals(result, frameworks: list[dict]) -> dict:
    """Findings by status per rule (every evaluated rule, zeros included) and per resource
    (every node with a finding), and requirements by status per framework."""
    by_rule: dict[str, list[str]] = {r.id: [] for r in result.rules}
    by_node: dict[str, list[str]] = {}
    for f in result.findings:
        by_rule.setdefault(f.rule_id, []).append(f.status)
        by_node.setdefault(f.node, []).append(f.status)
    return {"by_rule": {rid: counts(s) for rid, s in sorted(by_rule.items())},
            "by_resource": {node: counts(s) for node, s in sorted(by_node.items())},
            "by_framework": {fw["id"]: fw["totals"] for fw in frameworks}}


def document(result) -> dict:
    frameworks = frameworks_section(result)
    return {
        "tool": {"name": "mlcheck", "version": __version__},
        "graph_digest": result.digest,
        "summary": result.summary,
        "sources": result.graph.sources,
        "collection_errors": [e.as_dict() for e in result.graph.errors],
        "evaluation_errors": [{"rule_id": rid, "reason": why} for rid, why in result.evaluation_errors],
        "rules": [{"id": r.id, "engine": r.engine, "severity": r.severity,
                   "applicable": result.results[r.id].applicable,
                   "hits": len(result.results[r.id].hits),
                   **({"override": r.override} if r.override else {}),
                   **({"error": result.results[r.id].error} if result.results[r.id].error else {})}
                  for r in result.rules],
        "findings": [f.as_dict() for f in result.findings],
        "frameworks": frameworks,
        "totals": totals(result, frameworks),
    }


def render(result, stream, **_) -> None:
    """Keys sorted, one top-level key per line and one list item per line, each compact:
    readable and diffable, and written by the C encoder (indent=2 takes the pure-Python
    one: 12 s for 25k findings)."""
    doc = document(result)
    parts = []
    for key in sorted(doc):
        value = doc[key]
        if isinstance(value, list) and value:
            text = "[\n" + ",\n".join("    " + canonical_json(item) for item in value) + "\n  ]"
        else:
            text = canonical_json(value)
        parts.append(f"  {canonical_json(key)}: {text}")
    stream.write("{\n" + ",\n".join(parts) + "\n}\n")
