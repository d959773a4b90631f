"""CSV: one row per finding, every field, a fixed column order, RFC 4180 quoting (fields
with commas, quotes and line breaks survive a round trip), no cell a spreadsheet would run."""
from __future__ import annotations

import csv
import io
import json

from checker.reporters.csv_report import COLUMNS, cell
from checker.scan import ScanOptions, run_scan
from conftest import make_repo, notebook
from .conftest import check_golden, rendered

JSON_COLUMNS = ("controls", "locations", "waiver", "escalation", "override", "evidence")


def rows(text: str) -> list[dict]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    assert tuple(header) == COLUMNS
    return [dict(zip(header, r)) for r in reader]


def test_states_match_golden(states_result):
    # Records end with CRLF (checked below); the golden file is read with universal newlines.
    check_golden("states.csv", rendered("csv", states_result).replace("\r\n", "\n"))


def test_every_finding_is_one_row_with_every_field(states_result):
    got = rows(rendered("csv", states_result))
    assert len(got) == len(states_result.findings)
    assert {r["status"] for r in got} == {"open", "baselined", "waived", "cannot_evaluate"}
    assert set(states_result.findings[0].as_dict()) | {"waiver", "escalation", "override"} <= set(COLUMNS)
    for row, f in zip(got, states_result.findings):
        for key in set(COLUMNS) - set(JSON_COLUMNS) - {"source", "line"}:
            assert row[key] == getattr(f, key), (f.fingerprint, key)
        for key in JSON_COLUMNS:
            assert (json.loads(row[key]) if row[key] else None) == getattr(f, key), (f.fingerprint, key)
        first = f.locations[0] if f.locations else {}
        assert row["source"] == first.get("source", "") and row["line"] == str(first.get("line", ""))


def test_line_breaks_commas_and_quotes_survive(tmp_path):
    """A notebook whose committed name holds a line break, a comma and a quote: its node
    id and location come back from the CSV exactly as scanned."""
    name = 'notebooks/train,"v2"\nfinal.ipynb'
    repo = make_repo(tmp_path / "r", {name: notebook(outputs=True)})
    result = run_scan(ScanOptions(paths=[str(repo)], only=["MLC-REPO-001"]))
    assert result.findings, "the notebook with outputs was not flagged"
    text = rendered("csv", result)
    got = rows(text)
    assert [r["node"] for r in got] == [f.node for f in result.findings]
    assert any("\n" in r["node"] and '"v2"' in r["node"] for r in got)
    assert text.count("\r\n") >= len(got) + 1         # records end with CRLF


def test_cells_a_spreadsheet_would_run_are_made_inert():
    for text in ("=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"):
        assert cell(text) == "'" + text
    assert cell("MLC-REPO-001") == "MLC-REPO-001" and cell(None) == "" and cell({"b": 1, "a": [2]}) == '{"a":[2],"b":1}'
