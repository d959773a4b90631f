"""JSON report: the whole scan result, stable key order, for machines and later tooling."""
from __future__ import annotations

import json
from collections import Counter
from json.encoder import c_make_encoder, encode_basestring  # c_make_encoder: None without the accelerator

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
    one: 12 s for 25k findings). Written as it is encoded, a batch of items at a time: the
    report is never one string in memory beside the items it is made of."""
    doc = document(result)
    encode = sorted_encoder(",", ":")
    stream.write("{\n")
    for n, key in enumerate(sorted(doc)):
        value = doc[key]
        stream.write(f"{',' if n else ''}\n  {canonical_json(key)}: " if n else f"  {canonical_json(key)}: ")
        if isinstance(value, list) and value:
            stream.write("[\n")
            for at in range(0, len(value), BATCH):
                stream.write((",\n" if at else "") + ",\n".join("    " + encode(item) for item in value[at:at + BATCH]))
            stream.write("\n  ]")
        else:
            stream.write(canonical_json(value))
    stream.write("\n}\n")


BATCH = 1024         # items encoded and written at a time


def sorted_encoder(item_separator: str, key_separator: str):
    """json.dumps(value, sort_keys=True, ensure_ascii=False, default=str, separators=…) for
    many values: the C encoder made once, not once a value (a third of the time of
    encoding 33k findings one by one)."""
    def dumps(value) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str,
                          separators=(item_separator, key_separator))
    try:            # json's own call (JSONEncoder.iterencode); an interpreter without it: dumps
        encoder = c_make_encoder({}, str, encode_basestring, None, key_separator, item_separator, True, False, True)
        sample = {"b": [1.5, None, True, "é\u2028\"\ud800"], "a": {"c": float("inf"), "d": object}}
        if "".join(encoder(sample, 0)) != dumps(sample):
            return dumps
    except (TypeError, ValueError):
        return dumps
    return lambda value: "".join(encoder(value, 0))
