"""JSON report: the whole scan result, stable key order, for machines and later tooling."""
from __future__ import annotations

from .. import __version__
from ..catalog import SEVERITIES
from ..findings import gate_failures
from ..graph import canonical_json


def summary(result, fail_on: str) -> dict:
    by_sev = {s: 0 for s in reversed(SEVERITIES)}
    by_status = {"open": 0, "waived": 0, "baselined": 0}
    for f in result.findings:
        by_status[f.status] += 1
        if f.status == "open":
            by_sev[f.severity] += 1
    return {"open_by_severity": by_sev, "by_status": by_status,
            "gate": {"fail_on": fail_on, "failing": len(gate_failures(result.findings, fail_on))},
            "rules_evaluated": len(result.rules),
            "rules_not_applicable": [r.id for r in result.not_applicable()],
            "not_applicable_reasons": result.not_applicable_reasons,
            "nodes_by_kind": result.graph.count_by_kind(),
            "collection_errors": len(result.graph.errors),
            "evaluation_errors": len(result.evaluation_errors)}


def document(result, fail_on: str = "high") -> dict:
    return {
        "tool": {"name": "mlcheck", "version": __version__},
        "graph_digest": result.digest,
        "summary": summary(result, fail_on),
        "sources": result.graph.sources,
        "collection_errors": [e.as_dict() for e in result.graph.errors],
        "evaluation_errors": [{"rule_id": rid, "reason": why} for rid, why in result.evaluation_errors],
        "rules": [{"id": r.id, "engine": r.engine, "severity": r.severity,
                   "applicable": result.results[r.id].applicable,
                   "hits": len(result.results[r.id].hits),
                   **({"error": result.results[r.id].error} if result.results[r.id].error else {})}
                  for r in result.rules],
        "findings": [f.as_dict() for f in result.findings],
    }


def render(result, stream, fail_on: str = "high", **_) -> None:
    stream.write(canonical_json(document(result, fail_on), indent=2) + "\n")
