"""Markdown summary: the verdict, new against baselined and waived by severity, details
with evidence; sized for a PR comment; scanned strings inert."""
from __future__ import annotations

import dataclasses
import re

from checker.reporters.markdown_report import BUDGET
from .conftest import check_golden, rendered


def table(text: str) -> dict[str, list[int]]:
    return {m.group(1): [int(n) for n in m.group(2).split(" | ")]
            for m in re.finditer(r"^\| (critical|high|medium|low|info) \| ([\d | ]+) \|$", text, re.M)}


def test_sample_and_states_match_golden(sample_result, states_result):
    check_golden("sample.md", rendered("markdown", sample_result))
    check_golden("states.md", rendered("markdown", states_result))


def test_table_counts_new_baselined_and_waived_by_severity(states_result):
    text = rendered("markdown", states_result)
    rows = table(text)
    for sev, (new, baselined, waived, unknown) in rows.items():
        mine = [f for f in states_result.findings if f.severity == sev]
        assert (new, baselined, waived, unknown) == tuple(
            sum(f.status == s for f in mine) for s in ("open", "baselined", "waived", "cannot_evaluate"))
    assert sum(r[1] for r in rows.values()) > 0 and sum(r[2] for r in rows.values()) > 0
    gate = states_result.summary["gate"]
    assert text.startswith(f"## mlcheck: ❌ FAIL: {gate['failing']} new finding(s) at or above **high**")
    assert "<summary>Baselined (known, not failing the gate): " in text and "managed identity rollout" in text


def test_every_new_finding_is_detailed_with_its_evidence(sample_result):
    text = rendered("markdown", sample_result)
    new = [f for f in sample_result.findings if f.status == "open"]
    shown = text.count("```json")
    left = re.search(r"_(\d+) more finding\(s\) not shown", text)       # past the comment's budget
    assert shown + (int(left.group(1)) if left else 0) == len(new) and shown > 0
    detailed = [f for f in new if f"<code>{f.node}</code>" in text]
    assert len(detailed) >= shown


def test_scanned_strings_are_inert(sample_result):
    f = sample_result.findings[0]
    hostile = dataclasses.replace(f, message="<img src=x onerror=alert(1)> | [link](http://x) ```",
                                  node="<script>x</script>", evidence={"text": "````\n</details>"})
    text = rendered("markdown", dataclasses.replace(sample_result, findings=[hostile]))
    assert "<img" not in text and "<script>" not in text and "[link](http" not in text
    assert "&lt;img src=x onerror=alert(1)&gt; \\| \\[link\\](http://x) \\`\\`\\`" in text
    assert "`````json" in text                      # a fence longer than the evidence's own backticks
    # Inside the fence a "</details>" is code text (CommonMark), and it stays inside the fence.
    assert text.splitlines().count("</details>") == 1


def test_many_findings_fit_a_pull_request_comment(sample_result):
    many = [dataclasses.replace(f, node=f"{f.node}#{i}") for i in range(300) for f in sample_result.findings]
    text = rendered("markdown", dataclasses.replace(sample_result, findings=many))
    assert len(text) < 65_536 and len(text) > BUDGET * 0.9
    shown = text.count("```json")
    more = int(re.search(r"_(\d+) more finding\(s\) not shown", text).group(1))
    assert shown + more == sum(f.status == "open" for f in many)
