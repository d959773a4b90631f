"""Scan history (`scan --history`) and the report read from it (`mlcheck report`): real git
estates scanned and changed between scans, a real SQLite file, the schema migrated forward."""
from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import sqlite3
import subprocess
import re
import shutil
from pathlib import Path

import pytest

from checker import findings as fnd
from checker.history import (MIGRATIONS, SCHEMA_VERSION, History, HistoryError, apply_migration,
                             config_digest, rule_digest, schema_version)
from checker.history.report import build, parse_since, render_html, render_markdown
from checker.scan import ScanOptions, run_scan
from conftest import REPO_ROOT, commit_files, make_repo, notebook, run_cli
from reporters.test_html import Links

T0 = _dt.datetime(2026, 11, 1, 6, 0, tzinfo=_dt.timezone.utc)
BIG_CSV = "a,b\n" + "1,2\n" * 300_000       # over the data-file size limit: MLC-REPO-003
DAY = _dt.timedelta(days=1)


RULES = ["MLC-REPO-001", "MLC-REPO-003"]       # notebooks with outputs, big data files


def scan(repo, **options):
    opts = ScanOptions(paths=[str(repo)], **{"only": RULES, **options})
    return opts, run_scan(opts)


def record(db, repo, at, **options):
    opts, result = scan(repo, **options)
    with History.open(f"sqlite:///{db}") as history:
        history.record(result, config_digest(opts), at=at)
    return result


def by_rule(items) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for i in items:
        out.setdefault(i["rule_id"], []).append(i["node"].rsplit("/", 1)[-1])
    return out


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """Four nightly scans of one repository while it is fixed, in a real history file:
    day 0  a.ipynb with outputs (REPO-001), big.csv (REPO-003)
    day 2  a.ipynb stripped (fixed after 2 days), b.ipynb with outputs (new)
    day 5  only MLC-REPO-003 runs: b.ipynb's finding is not seen, which is not fixed
    day 6  b.ipynb stripped (fixed after 4 days); big.csv still there"""
    tmp = tmp_path_factory.mktemp("story")
    db = tmp / "history.db"
    repo = make_repo(tmp / "estate", {"nb/a.ipynb": notebook(outputs=True), "data/big.csv": BIG_CSV})
    record(db, repo, T0)
    commit_files(repo, {"nb/a.ipynb": notebook(outputs=False), "nb/b.ipynb": notebook(outputs=True)})
    record(db, repo, T0 + 2 * DAY)
    record(db, repo, T0 + 5 * DAY, only=["MLC-REPO-003"])
    commit_files(repo, {"nb/b.ipynb": notebook(outputs=False)})
    record(db, repo, T0 + 6 * DAY)
    return db, repo


def report(db, since=None, now=T0 + 7 * DAY) -> dict:
    with History.open(f"sqlite:///{db}", create=False) as history:
        return build(history, parse_since(since, now), now)


def test_each_scan_is_recorded_with_digests_rules_and_findings(tmp_path):
    repo = make_repo(tmp_path / "estate", {"nb/a.ipynb": notebook(outputs=True)})
    db = tmp_path / "h.db"
    result = record(db, repo, T0)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    (at, snapshot, config, fail_on, incomplete), = conn.execute(
        "SELECT scanned_at, snapshot_digest, config_digest, fail_on, incomplete FROM scans")
    assert (at, snapshot, fail_on, incomplete) == ("2026-11-01T06:00:00+00:00", result.digest, "high", 0)
    assert config.startswith("sha256:")
    rules = conn.execute("SELECT rule_id, severity, engine, digest, evaluated FROM scan_rules").fetchall()
    assert sorted(r[0] for r in rules) == sorted(r.id for r in result.rules)
    assert all(d.startswith("sha256:") and ev == 1 for _, _, _, d, ev in rules)
    rows = conn.execute("SELECT fingerprint, rule_id, severity, node, status FROM scan_findings"
                        " JOIN findings USING (fingerprint)").fetchall()
    assert sorted(rows) == sorted((f.fingerprint, f.rule_id, f.severity, f.node, f.status) for f in result.findings)
    assert any(r[1] == "MLC-REPO-001" for r in rows)


def test_config_and_rule_digests_change_with_what_they_describe(tmp_path):
    repo = make_repo(tmp_path / "estate", {"nb/a.ipynb": notebook(outputs=True)})
    opts, result = scan(repo)
    waived = ScanOptions(paths=[str(repo)], waivers=[fnd.Waiver("MLC-REPO-001", "*", "notebook demo", "lead")])
    assert config_digest(opts) == config_digest(ScanOptions(paths=["elsewhere"], only=RULES))   # paths are not config
    assert config_digest(opts) != config_digest(waived)
    assert config_digest(opts) != config_digest(ScanOptions(fail_on="low"))
    rule = next(r for r in result.rules if r.engine == "rego")
    moved = tmp_path / "elsewhere" / rule.id
    shutil.copytree(Path(rule.path).parent, moved)
    assert rule_digest(rule) == rule_digest(dataclasses.replace(rule, path=str(moved / "rule.yaml")))
    assert rule_digest(rule) != rule_digest(dataclasses.replace(rule, severity="info"))
    policy = moved / "policy.rego"
    policy.write_text(policy.read_text() + "\n# changed\n")
    assert rule_digest(rule) != rule_digest(dataclasses.replace(rule, path=str(moved / "rule.yaml")))


def test_new_fixed_and_still_open_since_the_previous_scan(story):
    db, _ = story
    doc = report(db)
    ch = doc["changes"]
    assert (ch["latest"]["id"], ch["previous"]["id"]) == (4, 3)
    # Scan 3 ran only MLC-REPO-003: against it, b.ipynb's finding is back, not new-born.
    assert by_rule(ch["new"]) == {}
    assert by_rule(ch["still_open"]) == {"MLC-REPO-003": ["big.csv"]}
    assert ch["fixed"] == [] and ch["not_seen"] == []
    assert ch["still_open"][0]["first_seen"] == "2026-11-01T06:00:00+00:00"


def test_scan_that_did_not_run_a_rule_does_not_fix_its_findings(story):
    db, _ = story
    with History.open(str(db), create=False) as history:
        scans = history.scans()
        from checker.history.report import changes
        day2_to_5 = changes(history, scans[1], scans[2])
        day0_to_2 = changes(history, scans[0], scans[1])
    assert by_rule(day0_to_2["fixed"]) == {"MLC-REPO-001": ["a.ipynb"]}
    assert by_rule(day0_to_2["new"]) == {"MLC-REPO-001": ["b.ipynb"]}
    assert by_rule(day2_to_5["not_seen"]) == {"MLC-REPO-001": ["b.ipynb"]} and day2_to_5["fixed"] == []


def test_mean_time_to_fix_from_first_seen_to_first_scan_without_it(story):
    db, _ = story
    ttf = report(db)["time_to_fix"]
    # a.ipynb: day 0 → day 2; b.ipynb: day 2 → day 6 (day 5 did not run its rule).
    assert ttf["fixed"] == 2 and ttf["mean_days"] == 3.0
    sev = next(iter(ttf["by_severity"]))
    assert ttf["by_severity"] == {sev: {"fixed": 2, "mean_days": 3.0}}
    recent = report(db, since="3d")["time_to_fix"]         # only fixes made in the window
    assert recent["fixed"] == 1 and recent["mean_days"] == 4.0


def test_trend_counts_open_findings_by_severity_per_scan_in_the_window(story):
    db, _ = story
    doc = report(db)
    assert [t["id"] for t in doc["trend"]] == [1, 2, 3, 4]
    totals = [sum(t["open_by_severity"].values()) for t in doc["trend"]]
    assert totals == [2, 2, 1, 1]
    assert [t["id"] for t in report(db, since="3d")["trend"]] == [3, 4]
    assert [t["id"] for t in report(db, since="2026-11-04")["trend"]] == [3, 4]
    assert report(db, since="1h")["trend"] == [] and report(db, since="1h")["database_scans"] == 4


def test_waivers_expiring_within_14_days(tmp_path):
    repo = make_repo(tmp_path / "estate", {"nb/a.ipynb": notebook(outputs=True), "data/big.csv": BIG_CSV})
    now = T0
    soon = fnd.Waiver("MLC-REPO-003", "*", "archive moves to DVC", "data-lead", (now + 10 * DAY).date())
    later = fnd.Waiver("MLC-REPO-001", "*", "teaching notebooks", "ml-lead", (now + 30 * DAY).date())
    record(tmp_path / "h.db", repo, now, waivers=[soon, later], today=now.date())
    expiring = report(tmp_path / "h.db", now=now)["expiring_waivers"]
    assert [(w["rule"], w["days_left"], w["findings"], w["approved_by"]) for w in expiring] == [
        ("MLC-REPO-003", 10, 1, "data-lead")]
    # Ten days later than its expiry the first one is listed as expired (the latest scan still
    # saw it), beside the second, now within 14 days.
    later_view = report(tmp_path / "h.db", now=now + 20 * DAY)["expiring_waivers"]
    assert [(w["rule"], w["days_left"]) for w in later_view] == [("MLC-REPO-003", -10), ("MLC-REPO-001", 10)]


def test_a_version_1_database_migrates_forward(tmp_path, story):
    """A database as version 1 wrote it (no tool version, no waivers) opens, gains the
    version-2 columns with defaults, keeps its scans, and takes new ones."""
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    apply_migration(conn, 1)
    assert schema_version(conn) == 1
    _, repo = story
    _, current = scan(repo)
    kept = next(f for f in current.findings if f.rule_id == "MLC-REPO-003")
    conn.execute("INSERT INTO scans VALUES (1, '2026-10-01T00:00:00+00:00', 'sha256:old', 'sha256:cfg')")
    conn.execute("INSERT INTO scan_rules VALUES (1, 'MLC-REPO-003', 'low', 'graph', 'sha256:r', 1)")
    conn.execute("INSERT INTO scan_rules VALUES (1, 'MLC-REPO-001', 'medium', 'graph', 'sha256:r', 1)")
    conn.execute("INSERT INTO scan_findings VALUES (1, ?, 'MLC-REPO-003', 'low', ?, 'open')", (kept.fingerprint, kept.node))
    conn.execute("INSERT INTO scan_findings VALUES (1, 'feedfeed', 'MLC-REPO-001', 'medium', 'file:x', 'open')")
    conn.execute("INSERT INTO scans VALUES (2, '2026-10-02T00:00:00+00:00', 'sha256:old', 'sha256:cfg')")
    conn.execute("INSERT INTO scan_rules SELECT 2, rule_id, severity, engine, digest, evaluated FROM scan_rules")
    conn.execute("INSERT INTO scan_findings SELECT 2, fingerprint, rule_id, severity, node, status FROM scan_findings")
    conn.commit()
    conn.close()
    with History.open(f"sqlite:///{db}") as history:
        assert schema_version(history.conn) == SCHEMA_VERSION == len(MIGRATIONS) == 2
        old, _ = history.scans()
        assert (old.snapshot_digest, old.tool_version, old.incomplete) == ("sha256:old", "", False)
        assert history.findings(1) == {
            kept.fingerprint: {"rule_id": "MLC-REPO-003", "severity": "low", "node": kept.node, "status": "open",
                               "waiver": None},
            "feedfeed": {"rule_id": "MLC-REPO-001", "severity": "medium", "node": "file:x", "status": "open",
                         "waiver": None}}
        tables = {name for (name,) in history.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert tables == {"schema_version", "scans", "scan_rules", "findings", "scan_findings"}
        history.record(current, "sha256:cfg", at=T0)
    doc = report(db, now=T0)
    assert [i["fingerprint"] for i in doc["changes"]["still_open"]] == [kept.fingerprint]
    assert doc["changes"]["still_open"][0]["first_seen"] == "2026-10-01T00:00:00+00:00"
    assert by_rule(doc["changes"]["fixed"]) == {"MLC-REPO-001": ["file:x"]}
    assert doc["time_to_fix"]["fixed"] == 1


def test_unusable_databases_are_refused_with_the_reason(tmp_path):
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(HistoryError, match="not a usable history database"):
        History.open(str(garbage))
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE users (name TEXT)")
    with pytest.raises(HistoryError, match="not an mlcheck history database"):
        History.open(str(other))
    newer = tmp_path / "newer.db"
    conn = sqlite3.connect(newer)
    for v in range(1, SCHEMA_VERSION + 1):
        apply_migration(conn, v)
    conn.execute("UPDATE schema_version SET version = 99")
    conn.commit()
    conn.close()
    with pytest.raises(HistoryError, match="version 99 is newer"):
        History.open(str(newer))
    assert schema_version(sqlite3.connect(newer)) == 99            # refused, never rewritten
    with pytest.raises(HistoryError, match="no history database"):
        History.open(str(tmp_path / "missing.db"), create=False)
    with pytest.raises(HistoryError, match="only sqlite"):
        History.open("postgresql://db/history")


def test_nothing_secret_is_stored(tmp_path):
    """The sample estate commits AWS keys: the history holds the finding, not the key,
    and only the fields the JSON report holds (no evidence, no message)."""
    here = os.getcwd()
    os.chdir(REPO_ROOT)
    try:
        opts = ScanOptions(paths=["samples/estate"])
        result = run_scan(opts)
    finally:
        os.chdir(here)
    db = tmp_path / "h.db"
    with History.open(str(db)) as history:
        history.record(result, config_digest(opts), at=T0)
    source = subprocess.run(["git", "--git-dir", str(REPO_ROOT / "samples/estate/repos/churn.git"), "show",
                             "HEAD:config/settings.py"], capture_output=True, text=True, check=True).stdout
    secrets = re.findall(r'aws_\w+ = "([^"]+)"', source)
    raw = db.read_bytes()
    assert secrets and any(f.rule_id == "MLC-REPO-002" for f in result.findings)
    assert not [s for s in secrets if s.encode() in raw]
    conn = sqlite3.connect(db)
    columns = {table: {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
               for table in ("findings", "scan_findings")}
    assert columns == {"findings": {"fingerprint", "rule_id", "node"},
                       "scan_findings": {"scan_id", "fingerprint", "severity", "status", "waiver"}}


def test_cli_records_scans_and_writes_every_report_format(tmp_path):
    repo = make_repo(tmp_path / "estate", {"nb/a.ipynb": notebook(outputs=True)})
    for _ in range(2):
        result = run_cli("scan", str(repo), "--only", "MLC-REPO-001", "--history", "sqlite:///history.db", "--format", "json",
                         "--output", "out.json", cwd=tmp_path)
        assert result.exit_code == 0, result.output
    with History.open(str(tmp_path / "history.db"), create=False) as history:
        assert len(history.scans()) == 2
    for fmt in ("json", "md", "html"):
        out = tmp_path / f"report.{fmt}"
        result = run_cli("report", "--history", "sqlite:///history.db", "--since", "30d", "--format", fmt,
                         "--output", str(out), cwd=tmp_path)
        assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "report.json").read_text())
    assert len(doc["trend"]) == 2 and len(doc["changes"]["still_open"]) == 1
    assert "| 2 |" in (tmp_path / "report.md").read_text()
    links = Links()
    links.feed((tmp_path / "report.html").read_text())
    assert not links.urls and "script" not in links.tags
    stdout = run_cli("report", "--history", str(tmp_path / "history.db"))
    assert stdout.exit_code == 0 and stdout.output.startswith("# mlcheck compliance history")


def test_cli_errors_exit_2_naming_the_problem(tmp_path):
    repo = make_repo(tmp_path / "estate", {"nb/a.ipynb": notebook(outputs=True)})
    bad = run_cli("scan", str(repo), "--history", "postgresql://db/x")
    assert bad.exit_code == 2 and "only sqlite" in bad.output
    bad = run_cli("scan", str(repo), "--history", f"sqlite:///{tmp_path}/no/such/dir/h.db")
    assert bad.exit_code == 2 and "does not exist" in bad.output
    missing = run_cli("report", "--history", str(tmp_path / "none.db"))
    assert missing.exit_code == 2 and "no history database" in missing.output
    assert not (tmp_path / "none.db").exists()
    run_cli("scan", str(repo), "--history", str(tmp_path / "h.db"))
    since = run_cli("report", "--history", str(tmp_path / "h.db"), "--since", "last tuesday")
    assert since.exit_code == 2 and "--since" in since.output


def test_renderings_hold_the_report(story):
    db, _ = story
    doc = report(db)
    md = render_markdown(doc)
    assert "**0 new** · 0 fixed · 1 still open" in md and "3.0 days over 2 fix(es)" in md
    page = render_html(doc)
    assert page.count("<rect") >= 4 and "mean days to fix" in page


def test_a_scan_the_database_cannot_take_is_an_error_and_leaves_nothing_half_written(tmp_path):
    repo = make_repo(tmp_path / "estate", {"nb/a.ipynb": notebook(outputs=True)})
    opts, result = scan(repo)
    db = tmp_path / "h.db"
    with History.open(str(db)) as history:
        history.record(result, config_digest(opts), at=T0)
        blocker = sqlite3.connect(db)
        blocker.execute("BEGIN EXCLUSIVE")             # another writer holds the database
        history.conn.execute("PRAGMA busy_timeout = 0")
        with pytest.raises(HistoryError, match="cannot record the scan: database is locked"):
            history.record(result, config_digest(opts), at=T0 + DAY)
        blocker.rollback()
        blocker.close()
        assert len(history.scans()) == 1
        counts = history.conn.execute("SELECT COUNT(*) FROM scan_findings").fetchone()[0]
        assert counts == len(result.findings)


def test_long_change_lists_are_cut_in_markdown_and_html_not_in_json(story, monkeypatch):
    from checker.history import report as history_report
    db, _ = story
    with History.open(str(db), create=False) as history:
        scans = history.scans()
        doc = report(db)
        doc["changes"] = history_report.changes(history, scans[0], scans[1])     # 1 new, 1 fixed, 1 still open
    monkeypatch.setattr(history_report, "SHOWN", 0)
    assert "- … 1 more in the JSON report" in render_markdown(doc)
    assert render_html(doc).count("… 1 more in the JSON report.") == 3
    assert len(json.loads(history_report.render_json(doc))["changes"]["new"]) == 1


def test_scanned_names_stay_inert_in_the_history_reports(tmp_path):
    """A file named like markup, committed to a real repository, comes back in the report as
    text: escaped in HTML, code in Markdown."""
    name = "nb/<img src=x onerror=alert(1)>.ipynb"
    repo = make_repo(tmp_path / "estate", {name: notebook(outputs=True)})
    db = tmp_path / "h.db"
    result = record(db, repo, T0)
    assert any("<img" in f.node for f in result.findings)
    doc = report(db, now=T0 + DAY)
    page, md = render_html(doc), render_markdown(doc)
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<img" not in md and "<code>" in md and "&lt;img" in md
