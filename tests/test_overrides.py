"""Organisation overrides of rule metadata (mlcheck.yaml `overrides:`): applied before the
gate, shown as overridden in JSON, console, SARIF and CSV; a typo is an error, not a no-op."""
from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import make_repo, notebook, run_cli, write_files

CONFIG = """
overrides:
  MLC-REPO-001:
    severity: high
    remediation: Run nbstripout in the pre-commit hook (ACME standard 4.2).
    reason: notebooks here hold patient data
"""


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "r", {"notebooks/train.ipynb": notebook(outputs=True)})


def scan(tmp_path, repo, config: str | None, *formats: str):
    args = ["scan", str(repo), "--only", "MLC-REPO-001"]
    if config is not None:
        write_files(tmp_path, {"mlcheck.yaml": config})
        args += ["--config", str(tmp_path / "mlcheck.yaml")]
    outputs = {}
    for fmt in formats:
        outputs[fmt] = tmp_path / f"out.{fmt}"
        args += ["--format", fmt, "--output", str(outputs[fmt])]
    result = run_cli(*args)
    return result, {fmt: p.read_text(encoding="utf-8") for fmt, p in outputs.items()}


def test_severity_override_moves_the_gate_and_is_marked_everywhere(tmp_path, repo):
    plain, out = scan(tmp_path, repo, None, "json")
    finding = json.loads(out["json"])["findings"][0]
    assert plain.exit_code == 0 and finding["severity"] == "medium" and "override" not in finding

    result, out = scan(tmp_path, repo, CONFIG, "json", "sarif", "csv")
    assert result.exit_code == 1, result.output            # high now fails the default gate
    doc = json.loads(out["json"])
    finding = doc["findings"][0]
    expected = {"severity": {"from": "medium", "to": "high"},
                "remediation": {"from": finding["override"]["remediation"]["from"],
                                "to": "Run nbstripout in the pre-commit hook (ACME standard 4.2)."},
                "reason": "notebooks here hold patient data"}
    assert finding["severity"] == "high" and finding["override"] == expected
    assert doc["rules"][0]["override"] == expected and doc["rules"][0]["severity"] == "high"

    sarif = json.loads(out["sarif"])["runs"][0]
    rule = sarif["tool"]["driver"]["rules"][0]
    assert rule["properties"]["mlcheck/override"] == expected
    assert rule["properties"]["security-severity"] == "8.0"          # the overridden severity's band
    assert "ACME standard 4.2" in rule["help"]["text"]
    assert sarif["results"][0]["properties"]["mlcheck/override"] == expected
    assert sarif["results"][0]["level"] == "error"

    row = next(csv.DictReader(io.StringIO(out["csv"], newline="")))
    assert json.loads(row["override"]) == expected and row["severity"] == "high"


def test_console_marks_an_overridden_finding(tmp_path, repo):
    write_files(tmp_path, {"mlcheck.yaml": CONFIG})
    result = run_cli("scan", str(repo), "--only", "MLC-REPO-001", "--config", str(tmp_path / "mlcheck.yaml"))
    assert "overridden: severity medium → high, remediation (organisation's text): notebooks here hold patient data" \
        in result.output


def test_lowering_a_severity_passes_the_gate(tmp_path, repo):
    gate = ("--fail-on", "medium")
    before = run_cli("scan", str(repo), "--only", "MLC-REPO-001", *gate)
    assert before.exit_code == 1, before.output
    write_files(tmp_path, {"mlcheck.yaml": "overrides:\n  MLC-REPO-001: {severity: low, reason: scratch repo}\n"})
    after = run_cli("scan", str(repo), "--only", "MLC-REPO-001", *gate, "--config", str(tmp_path / "mlcheck.yaml"))
    assert after.exit_code == 0, after.output
    assert "LOW (1)" in after.output and "overridden: severity medium → low: scratch repo" in after.output


def test_the_organisations_severity_wins_over_a_hit_own_severity():
    """Some rules rate each hit (MLC-PIPE-002); an override rates them all."""
    from checker.catalog import load_catalog
    from checker.engines import Hit
    from checker.findings import build
    from checker.graph import EstateGraph
    from checker.overrides import apply_overrides
    rules = load_catalog().rules
    rule = next(r for r in rules if r.id == "MLC-PIPE-002")
    hit = Hit(node="job:x", message="m", evidence={}, severity="critical")
    assert build(rule, [hit], EstateGraph())[0].severity == "critical"
    [lowered] = apply_overrides([rule], rules, {"MLC-PIPE-002": {"severity": "low"}})
    assert build(lowered, [hit], EstateGraph())[0].severity == "low"
    assert apply_overrides([rule], rules, {"MLC-PIPE-002": {"severity": rule.severity}}) == [rule]


@pytest.mark.parametrize("config, message", [
    ("overrides:\n  MLC-REPO-999: {severity: low}\n", "MLC-REPO-999 names no rule"),
    ("overrides:\n  MLC-REPO-001: {severity: urgent}\n", "overrides.MLC-REPO-001.severity"),
    ("overrides:\n  MLC-REPO-001: {title: x}\n", "overrides.MLC-REPO-001"),
    ("overrides:\n  MLC-REPO-001: {}\n", "overrides.MLC-REPO-001"),
])
def test_a_bad_override_stops_the_scan(tmp_path, repo, config, message):
    result, _ = scan(tmp_path, repo, config)
    assert result.exit_code == 2 and message in result.output, result.output


def test_markdown_and_junit_mark_an_overridden_finding(tmp_path, repo):
    result, out = scan(tmp_path, repo, CONFIG, "markdown", "junit")
    mark = "overridden: severity medium → high, remediation (organisation's text): notebooks here hold patient data"
    assert mark in out["junit"]
    assert "_overridden: severity medium → high" in out["markdown"]
