"""JSON report: the whole scan result, stable key order, for machines and later tooling."""
from __future__ import annotations

from .. import __version__
from ..graph import canonical_json

EXTENSIONS = (".json",)


def document(result) -> dict:
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
                   **({"error": result.results[r.id].error} if result.results[r.id].error else {})}
                  for r in result.rules],
        "findings": [f.as_dict() for f in result.findings],
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
