"""CSV: one row per finding with every field, for spreadsheets and audit tooling.

RFC 4180: a header row, a fixed column order (COLUMNS), CRLF between records, fields
quoted when they hold a comma, quote or line break, so a message spanning lines stays one
field. Structured fields (evidence, locations, controls, waiver, escalation, override) are
compact JSON with sorted keys. A cell that a spreadsheet would run as a formula (starting
with = + - @, tab or carriage return: scanned names can) is prefixed with an apostrophe, as
OWASP advises against CSV injection; the JSON report keeps the raw value."""
from __future__ import annotations

import csv

from ..graph import canonical_json

EXTENSIONS = (".csv",)
REPLAYABLE = True       # the output is a function of the scan result alone (--cache replays it: scale/reports.py)

COLUMNS = ("rule_id", "severity", "status", "node", "title", "message", "category", "controls",
           "source", "line", "locations", "fingerprint", "status_reason", "waiver", "escalation",
           "override", "evidence")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    text = value if isinstance(value, str) else ("" if value is None else canonical_json(value))
    return "'" + text if text.startswith(FORMULA_START) else text


def row(f) -> list[str]:
    first = f.locations[0] if f.locations else {}
    values = {"rule_id": f.rule_id, "severity": f.severity, "status": f.status, "node": f.node,
              "title": f.title, "message": f.message, "category": f.category, "controls": f.controls,
              "source": first.get("source", ""), "line": str(first.get("line", "")),
              "locations": f.locations, "fingerprint": f.fingerprint, "status_reason": f.status_reason,
              "waiver": f.waiver, "escalation": f.escalation, "override": f.override, "evidence": f.evidence}
    return [cell(values[c]) for c in COLUMNS]


def render(result, stream, **_) -> None:
    writer = csv.writer(stream, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    writer.writerows(row(f) for f in result.findings)
