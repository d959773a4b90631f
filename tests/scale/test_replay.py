"""`--cache DIR`, second step (issue 13): an unchanged estate's rule results and findings
are replayed, not judged again; any change that could alter them re-judges."""
from __future__ import annotations

import contextlib
import datetime as _dt
import io
import json
import shutil
from pathlib import Path

import pytest

from checker import findings as fnd
from checker.catalog import Catalog
from checker.reporters import render
from checker.scan import ScanOptions, run_scan
from conftest import run_cli, write_files

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "estate"
FORMATS = ("json", "sarif")            # the CI gate's reports


@pytest.fixture
def estate(tmp_path) -> Path:
    """The sample estate (a git repository, an MLflow store, infrastructure, a scratch
    folder), copied: every rule fires on it."""
    root = tmp_path / "estate"
    shutil.copytree(SAMPLE, root, symlinks=True)
    (root / ".mlcheck-root").touch()
    return root


def scan(root: Path, cache: Path | None, formats=FORMATS, replayed_reports: bool = False, **opts):
    """One scan as the CLI runs it: the stages it went through, its reports, its result.
    With `replayed_reports`, the reports are written as the CLI writes them with --cache
    (result.write_report: kept reports replayed); else rendered afresh."""
    stages: list[str] = []

    @contextlib.contextmanager
    def observe(stage):
        stages.append(stage)
        yield

    result = run_scan(ScanOptions(paths=[str(root)], cache_dir=cache, **opts), observe)
    reports = {}
    write = (result.write_report if replayed_reports else None) or render
    for fmt in formats:
        out = io.StringIO()
        write(fmt, result, out)
        reports[fmt] = out.getvalue()
    if result.on_reported:
        result.on_reported()
    return stages, reports, result


def judged(stages: list[str]) -> bool:
    return "rules" in stages


def test_an_unchanged_rerun_replays_byte_identical_reports_without_judging(estate, tmp_path):
    cache = tmp_path / "cache"
    cold_stages, cold, cold_result = scan(estate, cache)
    assert judged(cold_stages) and cold_result.findings
    warm_stages, warm, warm_result = scan(estate, cache)
    assert warm_stages == ["rules-load", "replay"]          # not collected, linked nor judged
    assert warm == cold
    assert not warm_result.graph.loaded                      # the reports' answers were kept
    assert warm_result.digest == cold_result.digest
    assert warm_result.incomplete == cold_result.incomplete
    assert warm_result.gate_failures == cold_result.gate_failures
    # And both are what a scan without a cache reports.
    assert scan(estate, None)[1] == cold


def test_a_report_never_asked_before_loads_the_graph_and_equals_a_fresh_one(estate, tmp_path):
    cache = tmp_path / "cache"
    scan(estate, cache, formats=("json",))
    stages, reports, result = scan(estate, cache, formats=("sarif", "html"))
    assert not judged(stages) and result.graph.loaded       # the sarif places and html paths need it
    fresh = scan(estate, None, formats=("sarif", "html"))[1]
    assert reports == fresh
    # The sarif answers are kept now: the next run asks nothing of the graph.
    again = scan(estate, cache, formats=("sarif",))
    assert not again[2].graph.loaded and again[1]["sarif"] == fresh["sarif"]


def test_snapshot_out_of_a_replayed_scan_is_the_graph_itself(estate, tmp_path):
    cache = tmp_path / "cache"
    args = ["scan", str(estate), "--cache", str(cache), "--format", "json", "--soft-fail"]
    first = run_cli(*args, "--output", str(tmp_path / "a.json"), "--snapshot-out", str(tmp_path / "a.snap"))
    second = run_cli(*args, "--output", str(tmp_path / "b.json"), "--snapshot-out", str(tmp_path / "b.snap"))
    assert first.exit_code == second.exit_code == 1
    a, b = (json.loads((tmp_path / f"{n}.snap").read_text()) for n in "ab")
    assert a["digest"] == b["digest"] and a["nodes"] == b["nodes"] and a["edges"] == b["edges"]
    assert (tmp_path / "a.json").read_text() == (tmp_path / "b.json").read_text()


def test_a_changed_source_rejudges_and_equals_a_fresh_scan(estate, tmp_path):
    cache = tmp_path / "cache"
    _, cold, _ = scan(estate, cache)
    write_files(estate / "scratch", {"notes.py": "import mlflow\nmlflow.log_param('a', 1)\n"})
    stages, after, _ = scan(estate, cache)
    assert judged(stages)
    assert after == scan(estate, None)[1] != cold
    assert not judged(scan(estate, cache)[0])               # and the new state replays
    assert len(list((cache / "replay").glob("*[0-9a-f].json"))) == 1      # in place of the old one


def test_a_changed_rule_file_config_or_selection_rejudges(estate, tmp_path):
    cache = tmp_path / "cache"
    rules = tmp_path / "rules"
    # An organisation's own rule: a built-in graph rule under another id.
    text = (SAMPLE.parents[1] / "rules" / "data" / "MLC-DATA-001" / "rule.yaml").read_text()
    text = text.replace("id: MLC-DATA-001", "id: ORG-001")
    write_files(rules, {"ORG-001/rule.yaml": text})
    assert judged(scan(estate, cache, rules_dirs=[rules])[0])
    assert not judged(scan(estate, cache, rules_dirs=[rules])[0])
    write_files(rules, {"ORG-001/rule.yaml": text.replace("severity: high", "severity: medium")})
    stages, _, result = scan(estate, cache, rules_dirs=[rules])
    assert judged(stages) and result.catalog.get("ORG-001").severity == "medium"
    assert judged(scan(estate, cache, rules_dirs=[rules], params={"production": {"tags": {"env": "live"}}})[0])
    assert judged(scan(estate, cache, rules_dirs=[rules], skip=["ORG-001"])[0])
    assert not judged(scan(estate, cache, rules_dirs=[rules], skip=["ORG-001"])[0])


def test_a_new_mlcheck_version_rejudges(estate, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    scan(estate, cache)
    monkeypatch.setattr("checker.scale.replay.__version__", "99.0.0")
    assert judged(scan(estate, cache)[0])


def test_waivers_are_applied_again_on_a_replay_they_expire_by_date(estate, tmp_path):
    cache = tmp_path / "cache"
    first = scan(estate, cache, formats=())[2]
    target = first.findings[0]
    waiver = fnd.Waiver(target.rule_id, target.node, "accepted risk", "ciso", _dt.date(2026, 12, 31))
    stages, _, waived = scan(estate, cache, formats=(), waivers=[waiver], today=_dt.date(2026, 12, 1))
    assert not judged(stages)
    assert [f.status for f in waived.findings if f.fingerprint == target.fingerprint] == [fnd.WAIVED]
    stages, _, expired = scan(estate, cache, formats=(), waivers=[waiver], today=_dt.date(2027, 1, 1))
    assert not judged(stages)
    hit = [f for f in expired.findings if f.fingerprint == target.fingerprint]
    assert [f.status for f in hit] == [fnd.OPEN] and "expired" in hit[0].status_reason


def test_a_tampered_entry_is_refused_and_rewritten(estate, tmp_path):
    cache = tmp_path / "cache"
    _, cold, _ = scan(estate, cache)
    entry = next((cache / "replay").glob("*[0-9a-f].json"))
    doc = json.loads(entry.read_text())
    doc["findings"] = doc["findings"][1:]                    # a finding removed by hand
    entry.write_text(json.dumps(doc))
    stages, reports, _ = scan(estate, cache)
    assert judged(stages) and reports == cold
    assert not judged(scan(estate, cache)[0])                # rewritten under the cache's key


def test_what_cannot_be_keyed_is_never_replayed(tmp_path):
    from checker.scale.replay import judging_key
    policy = tmp_path / "clock.rego"
    policy.write_text("package org.clock\nimport rego.v1\nold if time.now_ns() > 0\n")
    opts = ScanOptions()
    assert judging_key("ctx", ["k"], Catalog([], [], []), [], opts) is not None
    assert judging_key("ctx", ["k"], Catalog([], [policy], []), [], opts) is None        # reads the clock
    assert judging_key("ctx", ["k", None], Catalog([], [], []), [], opts) is None        # a URL source
    assert judging_key("ctx", ["k"], Catalog([], [], []), [], ScanOptions(opa_url="http://opa:8181")) is None


def test_the_judging_key_holds_the_engine_the_modules_and_the_dependencies(tmp_path, monkeypatch):
    from checker.scale import replay
    policy = tmp_path / "helpers.rego"
    policy.write_text("package org.helpers\nimport rego.v1\nsmall(x) if x < 10\n")
    catalog = Catalog([], [policy], [])

    def key(**opts):
        return replay.judging_key("ctx", ["k"], catalog, [], ScanOptions(**opts))
    first = key()
    assert key() == first
    assert key(rego_engine="regopy") != first
    assert key(params={"x": 1}) != first
    policy.write_text("package org.helpers\nimport rego.v1\nsmall(x) if x < 20\n")     # a module any rule may import
    assert key() not in (first, None)
    policy.write_text("package org.helpers\nimport rego.v1\nsmall(x) if x < 10\n")
    assert key() == first
    monkeypatch.setattr(replay, "dependency_versions", lambda: {"gordon-to-regorus": "0.14.0"})
    assert key() != first


def test_at_most_keep_entries_are_kept(estate, tmp_path, monkeypatch):
    from checker.scale import replay
    monkeypatch.setattr(replay, "KEEP", 2)
    cache = tmp_path / "cache"
    for params in ({"a": 1}, {"a": 2}, {"a": 3}):
        scan(estate, cache, formats=(), params=params)
    assert len(list((cache / "replay").glob("*[0-9a-f].json"))) == 2
    assert judged(scan(estate, cache, formats=(), params={"a": 1})[0])          # the oldest went
    assert not judged(scan(estate, cache, formats=(), params={"a": 3})[0])


def test_an_outcome_that_may_pass_is_not_kept(estate, tmp_path):
    """A rule that could not be evaluated (here every Rego rule times out; on a loaded
    machine one may) is judged again on the next run, never replayed."""
    cache = tmp_path / "cache"
    stages, _, result = scan(estate, cache, formats=(), params={"rego_timeout": 1e-6})
    assert judged(stages) and result.evaluation_errors
    assert judged(scan(estate, cache, formats=(), params={"rego_timeout": 1e-6})[0])
    assert not (cache / "replay").exists() or not list((cache / "replay").glob("*.json"))
