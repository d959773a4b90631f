"""JUnit XML for Azure DevOps' PublishTestResults (format JUnit) and other CI test tabs.

One <testsuite> per evaluated rule; in it one <testcase> per resource the rule flagged
(classname = rule id, name = node id) and one passing case for the resources that passed
(engines count them, they do not name them). Open findings are <failure> with the message
and the evidence; waived, baselined and cannot-evaluate findings are <skipped> with the
reason; a rule that matched no node is one skipped case; a rule that could not be
evaluated is an <error>, and so is each collection error (suite "mlcheck.collection").

Written with xml.etree (standard library, well-formed by construction); text passes
`printable` first, since XML 1.0 cannot carry control characters at all. No timestamps:
Azure DevOps reads none it needs (testsuite timestamp only dates the run)."""
from __future__ import annotations

import json
import re
from xml.etree import ElementTree as ET

from ..findings import BASELINED, CANNOT_EVALUATE, OPEN, WAIVED
from . import printable
from .console_report import one_line_evidence, override_text
from .places import place

EXTENSIONS = (".junit.xml",)
REPLAYABLE = True       # the output is a function of the scan result alone (--cache replays it: scale/reports.py)

# Besides C0 controls (which printable escapes), XML 1.0 forbids U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\ufffe\uffff]")


def text(value) -> str:
    return _NOT_XML.sub("\ufffd", printable(value))


def multiline(lines: list[str]) -> str:
    return "\n".join(text(line) for line in lines)


def failure_body(result, f) -> str:
    where = place(result, f)
    lines = [f"rule: {f.rule_id} ({f.severity}) {f.title}", f"node: {f.node}",
             f"at: {where.path}" + (f":{where.line}" if where.line else "")]
    evidence = one_line_evidence(f.evidence)
    if evidence:
        lines.append(f"evidence: {evidence}")
    lines.append("evidence (json): " + json.dumps(f.evidence, sort_keys=True, ensure_ascii=False, default=str))
    if f.escalation:
        lines.append(f"raised from {f.escalation['from']}: {f.escalation['reason']}")
    if f.override:
        lines.append("overridden: " + override_text(f.override))
    return multiline(lines)


SKIP_REASON = {WAIVED: "waived", BASELINED: "baselined", CANNOT_EVALUATE: "cannot evaluate"}


def finding_case(suite: ET.Element, result, f) -> str:
    """A finding's testcase; returns its outcome (failure or skipped)."""
    case = ET.SubElement(suite, "testcase", classname=text(f.rule_id), name=text(f.node), time="0")
    if f.status == OPEN:
        ET.SubElement(case, "failure", message=text(f.message), type=f.severity).text = failure_body(result, f)
        return "failure"
    reason = f.status_reason or SKIP_REASON[f.status]
    if f.status == CANNOT_EVALUATE:
        reason = "unknown " + "; ".join(str(e.get("unknown", "?")) for e in f.evidence.get("unknown", []))
    ET.SubElement(case, "skipped", message=text(f"{SKIP_REASON[f.status]}: {reason}"))
    return "skipped"


def rule_suite(root: ET.Element, result, rule, findings) -> None:
    outcome = result.results[rule.id]
    suite = ET.SubElement(root, "testsuite", name=text(f"{rule.id} {rule.title}"))
    counts = {"failure": 0, "skipped": 0, "error": 0}
    if outcome.error:
        case = ET.SubElement(suite, "testcase", classname=rule.id, name="(rule evaluation)", time="0")
        ET.SubElement(case, "error", message=text(f"could not be evaluated: {outcome.error}"), type="evaluation-error")
        counts["error"] += 1
    elif outcome.applicable == 0:
        case = ET.SubElement(suite, "testcase", classname=rule.id, name="(not applicable)", time="0")
        why = result.not_applicable_reasons.get(rule.id, "matched no node")
        ET.SubElement(case, "skipped", message=text(f"not applicable: {why}"))
        counts["skipped"] += 1
    for f in findings:
        counts[finding_case(suite, result, f)] += 1
    passed = outcome.applicable - len(findings) if not outcome.error else 0
    if passed > 0:
        ET.SubElement(suite, "testcase", classname=rule.id, time="0",
                      name=f"({passed} other resource(s) pass)" if findings else f"(all {passed} resource(s) pass)")
    suite.set("tests", str(len(suite)))
    suite.set("failures", str(counts["failure"]))
    suite.set("errors", str(counts["error"]))
    suite.set("skipped", str(counts["skipped"]))
    suite.set("time", "0")


def collection_suite(root: ET.Element, result) -> None:
    errors = result.graph.errors
    suite = ET.SubElement(root, "testsuite", name="mlcheck.collection", tests=str(max(1, len(errors))),
                          failures="0", errors=str(len(errors)), skipped="0", time="0")
    for err in errors:
        where = f"{err.source}:{err.line}" if err.line else err.source
        case = ET.SubElement(suite, "testcase", classname=f"mlcheck.collection.{text(err.collector)}",
                             name=text(where), time="0")
        ET.SubElement(case, "error", message=text(err.reason), type="collection-error").text = text(str(err))
    if not errors:
        ET.SubElement(suite, "testcase", classname="mlcheck.collection", name="every source collected", time="0")


def document(result) -> ET.Element:
    by_rule: dict[str, list] = {}
    for f in result.findings:
        by_rule.setdefault(f.rule_id, []).append(f)
    root = ET.Element("testsuites", name="mlcheck")
    collection_suite(root, result)
    for rule in result.rules:
        rule_suite(root, result, rule, by_rule.get(rule.id, []))
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(s.get(key)) for s in root)))
    root.set("time", "0")
    return root


def render(result, stream, **_) -> None:
    tree = ET.ElementTree(document(result))
    ET.indent(tree, space=" ")
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    tree.write(stream, encoding="unicode", short_empty_elements=True)
    stream.write("\n")
