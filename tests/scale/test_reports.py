"""`--cache DIR`, third step (issue 13): the reports of a replayed scan are replayed byte
for byte; anything that could change them writes them afresh."""
from __future__ import annotations

import datetime as _dt
import io
import json

import pytest

from checker import findings as fnd
from checker.reporters import formats as all_formats
from checker.reporters import render, reporter
from checker.scale import reports

from .test_replay import scan as replay_scan
from checker.scale.replay import Replay
from checker.scan import ScanOptions
from conftest import run_cli

from .test_replay import estate, judged  # noqa: F401 - the sample estate fixture

REPLAYABLE = [f for f in all_formats() if getattr(reporter(f), "REPLAYABLE", False)]


@pytest.fixture
def rendered(monkeypatch) -> list[str]:
    """The formats the reporters really rendered (not replayed), in order."""
    calls: list[str] = []

    def counting(fmt, result, stream, **options):
        calls.append(fmt)
        render(fmt, result, stream, **options)
    monkeypatch.setattr(reports, "render", counting)
    return calls


def scan(root, cache, formats=("json", "sarif"), **opts):
    """A scan and its reports as the CLI writes them with --cache (kept reports replayed)."""
    return replay_scan(root, cache, formats, replayed_reports=True, **opts)


def report_files(cache):
    return sorted(p for p in (cache / "replay").glob("*.report-*") if p.suffix != ".mac")


def test_every_replayable_format_is_replayed_byte_for_byte(estate, tmp_path, rendered):
    cache = tmp_path / "cache"
    _, cold, _ = scan(estate, cache, REPLAYABLE)
    assert rendered == REPLAYABLE and len(report_files(cache)) == len(REPLAYABLE)
    assert not list((cache / "replay").glob("*.tmp"))             # the copies became the entries
    rendered.clear()
    stages, warm, result = scan(estate, cache, REPLAYABLE)
    assert not judged(stages) and rendered == []             # nothing rendered: every report replayed
    assert warm == cold
    assert not result.graph.loaded
    assert scan(estate, None, REPLAYABLE)[1] == cold         # what a scan without a cache writes


def test_formats_that_read_more_than_the_result_are_rendered_every_time(estate, tmp_path, rendered):
    """The console asks the terminal, OSCAL stamps the time: never replayed."""
    cache = tmp_path / "cache"
    assert not getattr(reporter("console"), "REPLAYABLE", False)
    assert not getattr(reporter("oscal"), "REPLAYABLE", False)
    scan(estate, cache, ("console", "oscal"))
    scan(estate, cache, ("console", "oscal"))
    assert rendered == ["console", "oscal"] * 2 and report_files(cache) == []


def test_the_cli_writes_the_same_files_warm_and_cold(estate, tmp_path):
    """Through real files (the kept bytes go straight to the file's buffer) and stdout."""
    cache = tmp_path / "cache"
    for name in ("cold", "warm"):
        result = run_cli("scan", str(estate), "--cache", str(cache), "--format", "sarif",
                         "--output", str(tmp_path / f"{name}.sarif"), "--format", "json",
                         "--output", str(tmp_path / f"{name}.json"), "--format", "csv", "--soft-fail")
        assert result.exit_code == 1, result.output
        (tmp_path / f"{name}.csv").write_text(result.stdout)
    fresh = run_cli("scan", str(estate), "--format", "json", "--output", str(tmp_path / "fresh.json"), "--soft-fail")
    assert fresh.exit_code == 1
    for ext in ("json", "sarif", "csv"):
        assert (tmp_path / f"warm.{ext}").read_bytes() == (tmp_path / f"cold.{ext}").read_bytes()
    assert (tmp_path / "warm.json").read_bytes() == (tmp_path / "fresh.json").read_bytes()
    json.loads((tmp_path / "warm.sarif").read_text())


def test_a_waiver_expiring_writes_fresh_reports(estate, tmp_path, rendered):
    cache = tmp_path / "cache"
    first = scan(estate, cache)[2]
    target = first.findings[0]
    waiver = fnd.Waiver(target.rule_id, target.node, "accepted risk", "ciso", _dt.date(2026, 12, 31))
    runs = {}
    for today in (_dt.date(2026, 12, 1), _dt.date(2026, 12, 2), _dt.date(2027, 1, 1)):
        rendered.clear()
        stages, runs[today], _ = scan(estate, cache, waivers=[waiver], today=today)
        assert not judged(stages)
        assert runs[today] == scan(estate, None, waivers=[waiver], today=today)[1]
        assert rendered == (["json", "sarif"] if today != _dt.date(2026, 12, 2) else [])   # the same day's
    waived, expired = runs[_dt.date(2026, 12, 1)]["json"], runs[_dt.date(2027, 1, 1)]["json"]
    assert '"status":"waived"' in waived and "waiver expired on 2026-12-31" in expired
    rendered.clear()
    assert scan(estate, cache)[1] == scan(estate, None)[1] and rendered == []   # no waiver: the first kept


def test_a_changed_baseline_writes_fresh_reports(estate, tmp_path, rendered):
    cache = tmp_path / "cache"
    _, _, first = scan(estate, cache)
    baseline = tmp_path / "baseline.json"
    fnd.write_baseline(first.findings[:3], baseline, first.digest)
    rendered.clear()
    _, with_baseline, _ = scan(estate, cache, baseline=baseline)
    assert rendered == ["json", "sarif"] and '"status":"baselined"' in with_baseline["json"]
    assert with_baseline == scan(estate, None, baseline=baseline)[1]
    fnd.write_baseline(first.findings[:1], baseline, first.digest)       # the baseline file changes
    rendered.clear()
    _, smaller, _ = scan(estate, cache, baseline=baseline)
    assert rendered == ["json", "sarif"] and smaller != with_baseline
    assert smaller == scan(estate, None, baseline=baseline)[1]


def test_a_changed_report_option_writes_fresh_reports(estate, tmp_path, rendered):
    cache = tmp_path / "cache"
    _, high, _ = scan(estate, cache)
    rendered.clear()
    _, low, _ = scan(estate, cache, fail_on="low")          # the gate's threshold is in the summary
    assert rendered == ["json", "sarif"] and low != high
    assert low == scan(estate, None, fail_on="low")[1]
    rendered.clear()
    stages, only, _ = scan(estate, cache, only=["MLC-REPO-*"])   # another selection: judged again
    assert judged(stages) and rendered == ["json", "sarif"] and only != high


def test_render_options_and_the_outcome_are_in_the_key(estate, tmp_path):
    cache = tmp_path / "cache"
    result = scan(estate, cache)[2]
    key = reports.report_key("outcome", "json", result, {})
    assert key == reports.report_key("outcome", "json", result, {})
    assert len({key, reports.report_key("other", "json", result, {}),
                reports.report_key("outcome", "sarif", result, {}),
                reports.report_key("outcome", "json", result, {"option": 1})}) == 4
    assert reports.report_key(None, "json", result, {}) is None
    assert reports.report_key("outcome", "console", result, {}) is None


def test_a_tampered_report_entry_is_refused_and_written_again(estate, tmp_path, rendered):
    cache = tmp_path / "cache"
    _, cold, _ = scan(estate, cache, ("json",))
    entry = report_files(cache)[0]
    entry.write_bytes(entry.read_bytes().replace(b'"status":"open"', b'"status":"waived"', 1))
    rendered.clear()
    _, warm, _ = scan(estate, cache, ("json",))
    assert rendered == ["json"] and warm == cold               # refused: written afresh
    rendered.clear()
    assert scan(estate, cache, ("json",))[1] == cold and rendered == []     # and kept again
    (entry.parent / (entry.name + ".mac")).unlink()          # a report without its MAC
    rendered.clear()
    assert scan(estate, cache, ("json",))[1] == cold and rendered == ["json"]


def test_an_outcome_not_kept_keeps_no_reports(estate, tmp_path, rendered):
    """A rule that could not be evaluated: its reports say so; the next run may not."""
    cache = tmp_path / "cache"
    _, _, result = scan(estate, cache, params={"rego_timeout": 1e-6})
    assert result.evaluation_errors and result.write_report is None
    assert not (cache / "replay").exists() or report_files(cache) == []


def test_reports_go_with_their_outcome_and_at_most_keep_per_outcome(estate, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setattr(reports, "KEEP_PER_OUTCOME", 2)
    scan(estate, cache, ("json", "sarif", "csv"))
    assert len(report_files(cache)) == 2
    assert {p.name for p in report_files(cache)} == {p.name[:-len(".mac")] for p in (cache / "replay").glob("*.report-*.mac")}
    first = scan(estate, cache, ("json",))[2]
    (estate / "scratch" / "new.py").write_text("print('changed')\n")   # a new state replaces the outcome
    scan(estate, cache, ("json",))
    outcome = Replay(ScanOptions(paths=[str(estate)], cache_dir=cache), first.catalog, first.rules).key
    assert [p.name.split(".report-")[0] for p in report_files(cache)] == [outcome]


def test_a_stream_without_a_buffer_gets_the_text():
    assert reports._utf8("UTF8") and reports._utf8("utf-8") and not reports._utf8("latin-1")
    assert not reports._utf8("no-such-codec") and not reports._utf8(None)
    text = io.StringIO()
    reports.write_bytes(text, "é\n".encode())
    assert text.getvalue() == "é\n"
    raw = io.BytesIO()
    latin = io.TextIOWrapper(raw, encoding="latin-1")
    reports.write_bytes(latin, "é\n".encode())
    latin.flush()
    assert raw.getvalue() == "é\n".encode("latin-1")


def test_replayed_findings_parse_their_details_only_when_read(estate, tmp_path):
    cache = tmp_path / "cache"
    _, _, cold = scan(estate, cache)
    stages, _, warm = scan(estate, cache)
    assert not judged(stages)
    assert all("_details" in f.__dict__ for f in warm.findings)      # reports replayed: never parsed
    assert [f.fingerprint for f in warm.gate_failures] == [f.fingerprint for f in cold.gate_failures]
    assert warm.findings[-1].evidence == cold.findings[-1].evidence  # one read fills them all
    assert not any("_details" in f.__dict__ for f in warm.findings)
    assert warm.findings == cold.findings and cold.findings == warm.findings
    for rid, result in cold.results.items():
        again = warm.results[rid]
        assert (again.applicable, again.error, again.hits, again.undetermined) == \
               (result.applicable, result.error, result.hits, result.undetermined)


def test_a_tampered_details_part_is_refused(estate, tmp_path):
    cache = tmp_path / "cache"
    _, cold, _ = scan(estate, cache)
    details = next((cache / "replay").glob("*.details.json"))
    details.write_bytes(details.read_bytes().replace(b"secret", b"SECRET", 1))
    stages, warm, _ = scan(estate, cache)
    assert judged(stages) and warm == cold
