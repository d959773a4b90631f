"""The JSON report's totals (per rule, per resource, per framework) and its `frameworks`
section: counts agree with the findings, and the sample's rollup matches its golden file."""
from __future__ import annotations

import json
from collections import Counter

from checker.frameworks import load_frameworks
from .conftest import check_golden, rendered

STATUSES = ("open", "baselined", "waived", "cannot_evaluate")


def test_sample_rollup_matches_golden(states_result):
    doc = json.loads(rendered("json", states_result))
    check_golden("states.frameworks.json",
                 json.dumps({"frameworks": doc["frameworks"], "totals": doc["totals"]},
                            indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def test_totals_per_rule_and_resource_count_the_findings(states_result):
    totals = json.loads(rendered("json", states_result))["totals"]
    findings = states_result.findings
    assert list(totals["by_rule"]) == sorted(r.id for r in states_result.rules)
    for rid, counts in totals["by_rule"].items():
        mine = Counter(f.status for f in findings if f.rule_id == rid)
        assert counts == {s: mine.get(s, 0) for s in STATUSES}, rid
    assert set(totals["by_resource"]) == {f.node for f in findings}
    for node, counts in totals["by_resource"].items():
        mine = Counter(f.status for f in findings if f.node == node)
        assert counts == {s: mine.get(s, 0) for s in STATUSES}, node
    assert sum(sum(c.values()) for c in totals["by_resource"].values()) == len(findings)
    assert {s for c in totals["by_rule"].values() for s, n in c.items() if n} == set(STATUSES)


def test_frameworks_section_covers_every_requirement(states_result):
    doc = json.loads(rendered("json", states_result))
    shipped = load_frameworks()
    assert [fw["id"] for fw in doc["frameworks"]] == list(shipped)
    fingerprints = {f["fingerprint"] for f in doc["findings"]}
    for fw in doc["frameworks"]:
        reqs = fw["requirements"]
        assert [r["id"] for r in reqs] == [r.id for r in shipped[fw["id"]].requirements]
        assert fw["totals"] == doc["totals"]["by_framework"][fw["id"]]
        assert sum(fw["totals"].values()) == len(reqs)
        for r in reqs:
            assert set(r["findings"]["fingerprints"]) <= fingerprints
            assert sum(r["findings"]["by_status"].values()) == len(r["findings"]["fingerprints"])
            if r["status"] == "not_satisfied":
                assert set(r["findings"]["by_status"]) & {"open", "baselined", "waived"}
            if r["status"] == "manual":
                assert r["rules"] == [] and r["findings"]["fingerprints"] == []
