"""The history report on the sample estate, as golden files: two nightly scans recorded at
fixed times (the plain sample, then with the network findings baselined and MLC-AZP-003
waived until 2026-06-30), reported on 2026-06-20 — ten days before that waiver expires."""
from __future__ import annotations

import datetime as _dt

from checker.history import History
from checker.history.report import build, render_html, render_json, render_markdown
from .conftest import check_golden
from .test_html import Links

UTC = _dt.timezone.utc
NOW = _dt.datetime(2026, 6, 20, 7, 0, tzinfo=UTC)


def sample_history(tmp_path, sample_result, states_result) -> dict:
    with History.open(str(tmp_path / "history.db")) as history:
        history.record(sample_result, "sha256:config-1", at=_dt.datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
        history.record(states_result, "sha256:config-2", at=_dt.datetime(2026, 6, 8, 2, 0, tzinfo=UTC))
        return build(history, None, NOW)


def test_sample_history_matches_golden(tmp_path, sample_result, states_result):
    doc = sample_history(tmp_path, sample_result, states_result)
    check_golden("history.json", render_json(doc))
    check_golden("history.md", render_markdown(doc))
    check_golden("history.html", render_html(doc))


def test_sample_history_report_holds_trend_changes_and_waivers(tmp_path, sample_result, states_result):
    doc = sample_history(tmp_path, sample_result, states_result)
    first, second = doc["trend"]
    assert first["open_by_severity"] == sample_result.summary["open_by_severity"]
    assert second["open_by_severity"] == states_result.summary["open_by_severity"]
    assert second["by_status"]["baselined"] == states_result.summary["by_status"]["baselined"] > 0
    changes = doc["changes"]
    # Same estate, same findings: nothing new or fixed; baselined and waived still count as present.
    assert changes["new"] == changes["fixed"] == []
    present = [f for f in states_result.findings if f.status != "cannot_evaluate"]
    assert len(changes["still_open"]) == len(present)
    waiver, = doc["expiring_waivers"]
    assert (waiver["rule"], waiver["expires"], waiver["days_left"]) == ("MLC-AZP-003", "2026-06-30", 10)
    assert waiver["findings"] == sum(f.rule_id == "MLC-AZP-003" and f.status == "waived"
                                     for f in states_result.findings)
    links = Links()
    links.feed(render_html(doc))
    assert not links.urls and not {"script", "link", "img"} & links.tags
