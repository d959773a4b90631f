"""Markdown summary for pull-request comments and $GITHUB_STEP_SUMMARY: the gate's verdict,
new (open) against baselined and waived findings in a table by severity, then the new
findings in collapsible sections with their evidence, most severe first.

It stays within BUDGET characters (a PR comment holds 65,536; a step summary 1 MiB): past
it, the remaining findings are counted, not shown — the SARIF and JSON reports hold all.
Scanned strings are escaped for both Markdown and HTML (GitHub renders both), evidence
goes in a code fence longer than any backtick run inside it."""
from __future__ import annotations

import html
import json
import re

from ..findings import BASELINED, CANNOT_EVALUATE, OPEN, WAIVED
from ..severity import SEVERITIES
from . import printable
from .console_report import override_text
from .places import place

EXTENSIONS = (".md", ".markdown")
REPLAYABLE = True       # the output is a function of the scan result alone (--cache replays it: scale/reports.py)
BUDGET = 60_000
EVIDENCE_CHARS = 1_500
_MARKDOWN = re.compile(r"([\\`*_\[\]|~])")


def md(text) -> str:
    """A scanned string as inert Markdown text: no HTML, no emphasis, links or table cells."""
    return _MARKDOWN.sub(r"\\\1", html.escape(printable(text), quote=False))


def code(text) -> str:
    """Inline code that holds any string: HTML <code> with escaped content."""
    return f"<code>{html.escape(printable(text))}</code>"


def fenced(text: str, lang: str = "") -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text}\n{fence}"


def counts(result) -> dict[str, dict[str, int]]:
    table = {sev: {OPEN: 0, BASELINED: 0, WAIVED: 0, CANNOT_EVALUATE: 0} for sev in reversed(SEVERITIES)}
    for f in result.findings:
        table[f.severity][f.status] += 1
    return table


def header(result) -> list[str]:
    s = result.summary
    gate = s["gate"]
    verdict = (f"❌ FAIL: {gate['failing']} new finding(s) at or above **{gate['fail_on']}**" if gate["failing"]
               else f"✅ PASS: no new finding at or above **{gate['fail_on']}**")
    st = s["by_status"]
    lines = [f"## mlcheck: {verdict}", "",
             f"**{st[OPEN]} new** · {st[BASELINED]} baselined · {st[WAIVED]} waived · "
             f"{st[CANNOT_EVALUATE]} cannot evaluate · {s['rules_evaluated']} rules · "
             f"graph digest <code>{result.digest}</code>", "",
             "| Severity | New | Baselined | Waived | Cannot evaluate |", "|---|---:|---:|---:|---:|"]
    for sev, row in counts(result).items():
        lines.append(f"| {sev} | {row[OPEN]} | {row[BASELINED]} | {row[WAIVED]} | {row[CANNOT_EVALUATE]} |")
    if result.incomplete:
        lines += ["", f"> [!WARNING]\n> The scan is incomplete: {len(result.graph.errors)} collection error(s), "
                      f"{len(result.evaluation_errors)} rule evaluation error(s)."]
        lines += [f"> - {code(err.source)}{':' + str(err.line) if err.line else ''}: {md(err.reason)}"
                  for err in result.graph.errors]
        lines += [f"> - rule {code(rid)}: {md(why)}" for rid, why in result.evaluation_errors]
    return lines


def finding_block(result, f) -> str:
    where = place(result, f)
    at = f"{where.path}:{where.line}" if where.line else where.path
    evidence = json.dumps(f.evidence, indent=1, sort_keys=True, ensure_ascii=False, default=str)
    if len(evidence) > EVIDENCE_CHARS:
        evidence = evidence[:EVIDENCE_CHARS] + f"\n… ({len(evidence) - EVIDENCE_CHARS} more characters in the JSON report)"
    overridden = [f"  _overridden: {md(override_text(f.override))}_  "] if f.override else []
    return "\n".join([f"- **{md(f.rule_id)}** {md(f.title)}: {md(f.message)}  ",
                      f"  node {code(f.node)} at {code(at)}" + ("  " if overridden else ""), *overridden, "",
                      "  " + fenced(printable_block(evidence), "json").replace("\n", "\n  ")])


def printable_block(text: str) -> str:
    """Multi-line text with each line made printable (the line breaks are ours)."""
    return "\n".join(printable(line) for line in text.split("\n"))


def sections(result, used: int) -> list[str]:
    """New findings by severity in <details>, then baselined and waived ones in one line
    each, while the budget lasts."""
    out: list[str] = []
    left_out = 0
    for sev in reversed(SEVERITIES):
        group = [f for f in result.findings if f.status == OPEN and f.severity == sev]
        if not group:
            continue
        blocks = []
        for f in group:
            block = finding_block(result, f) if used < BUDGET else ""
            if not block or used + len(block) > BUDGET:
                left_out += 1
                used = BUDGET          # full: the rest are counted, never built
                continue
            used += len(block) + 2
            blocks.append(block)
        opened = " open" if sev in ("critical", "high") else ""
        out += ["", f"<details{opened}><summary><b>{sev.upper()}</b>: {len(group)} new</summary>", "",
                "\n\n".join(blocks), "", "</details>"]
    for status, title in ((BASELINED, "Baselined (known, not failing the gate)"), (WAIVED, "Waived")):
        group = [f for f in result.findings if f.status == status]
        if not group:
            continue
        lines = []
        for f in group:
            if used >= BUDGET:
                left_out += 1
                continue
            line = f"- {md(f.severity)} **{md(f.rule_id)}** {code(f.node)}" + (
                f": {md(f.status_reason)}" if status == WAIVED else "")
            if used + len(line) > BUDGET:
                left_out += 1
                continue
            used += len(line) + 1
            lines.append(line)
        out += ["", f"<details><summary>{title}: {len(group)}</summary>", "", *lines, "", "</details>"]
    if left_out:
        out += ["", f"_{left_out} more finding(s) not shown here (size limit): see the SARIF or JSON report._"]
    return out


def render(result, stream, **_) -> None:
    lines = header(result)
    text = "\n".join(lines)
    lines += sections(result, len(text))
    na = result.summary["rules_not_applicable"]
    if na:
        lines += ["", f"Not applicable (matched no node): {', '.join(code(r) for r in na)}"]
    stream.write("\n".join(lines) + "\n")
