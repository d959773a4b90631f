"""SARIF 2.1.0 for GitHub code scanning and Azure DevOps' SARIF viewer.

One run; the driver lists every evaluated rule (descriptions, help with remediation,
`security-severity` on GitHub's scale, tags from category and controls). Each finding is
a result with a location (see places.py), `partialFingerprints` from its fingerprint (so
an alert keeps its identity across runs and line moves), baselined findings as
`baselineState: unchanged`, waived ones as an accepted external suppression, and
cannot-evaluate ones as `kind: review`. Collection and evaluation errors become tool
execution notifications and `executionSuccessful: false`. No timestamps."""
from __future__ import annotations

import functools
import json
from urllib.parse import quote

from .. import __version__
from ..findings import BASELINED, CANNOT_EVALUATE, WAIVED
from .json_report import sorted_encoder
from .places import place

EXTENSIONS = (".sarif", ".sarif.json")
REPLAYABLE = True       # the output is a function of the scan result alone (--cache replays it: scale/reports.py)

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "mlcheck/v1"
# GitHub's bands: > 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low; info has none.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0"}
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}


@functools.lru_cache(maxsize=4096)      # few distinct files, many findings each
def uri(path: str) -> str:
    """A relative path as a URI reference: spaces, '#', '%' … percent-encoded."""
    return quote(path, safe="/:@!$&'()*+,;=-._~")


def rule_descriptor(rule) -> dict:
    tags = [rule.category] + [f"{fw}/{c}" for fw, ids in sorted(rule.controls.items()) for c in ids]
    properties = {"tags": [t for t in tags if t], "mlcheck/engine": rule.engine,
                  "mlcheck/lifecycle": rule.lifecycle}
    if rule.severity in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[rule.severity]
    if rule.override:
        properties["mlcheck/override"] = rule.override
    out = {"id": rule.id, "name": rule.id.replace("-", ""),
           "shortDescription": {"text": rule.title},
           "fullDescription": {"text": " ".join(rule.description.split()) or rule.title},
           "help": {"text": help_text(rule), "markdown": help_markdown(rule)},
           "defaultConfiguration": {"level": LEVEL[rule.severity]},
           "properties": properties}
    if rule.references:
        out["helpUri"] = rule.references[0]
    return out


def help_text(rule) -> str:
    return " ".join(rule.description.split()) + "\n\nRemediation: " + " ".join(rule.remediation.split())


def help_markdown(rule) -> str:
    lines = [f"**{rule.title}** ({rule.severity}, {rule.category})", "",
             " ".join(rule.description.split()), "", "**Remediation**", "",
             " ".join(rule.remediation.split())]
    if rule.controls:
        lines += ["", "**Controls**", ""]
        lines += [f"- {fw}: {', '.join(ids)}" for fw, ids in sorted(rule.controls.items())]
    if rule.references:
        lines += ["", "**References**", ""] + [f"- <{ref}>" for ref in rule.references]
    return "\n".join(lines)


def sarif_result(result, f, index: dict[str, int]) -> dict:
    where = place(result, f)
    physical = {"artifactLocation": {"uri": uri(where.path)}}
    if where.line:
        physical["region"] = {"startLine": where.line}
    out = {"ruleId": f.rule_id, "ruleIndex": index[f.rule_id],
           "message": {"text": f.message or f.title},
           "locations": [{"physicalLocation": physical,
                          "logicalLocations": [{"fullyQualifiedName": f.node, "kind": "resource"}]}],
           "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
           "properties": {"mlcheck/node": f.node, "mlcheck/severity": f.severity,
                          "mlcheck/status": f.status, "mlcheck/evidence": f.evidence}}
    if f.status == CANNOT_EVALUATE:
        out["kind"], out["level"] = "review", "none"
    else:
        out["level"] = LEVEL[f.severity]
    if f.status == BASELINED:
        out["baselineState"] = "unchanged"
    if f.status == WAIVED:
        out["suppressions"] = [{"kind": "external", "status": "accepted",
                                "justification": f.status_reason}]
    if f.escalation:
        out["properties"]["mlcheck/escalation"] = f.escalation
    if f.override:
        out["properties"]["mlcheck/override"] = f.override
    return out


def notifications(result) -> list[dict]:
    """What made the scan incomplete, as SARIF tool execution notifications."""
    out = []
    for err in result.graph.errors:
        note = {"level": "error", "message": {"text": f"{err.collector}: {err.reason}"},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(err.source.replace("\\", "/"))},
                                                    **({"region": {"startLine": err.line}} if err.line else {})}}]}
        out.append(note)
    for rule_id, reason in result.evaluation_errors:
        out.append({"level": "error", "message": {"text": f"rule {rule_id} could not be evaluated: {reason}"},
                    "associatedRule": {"id": rule_id}})
    return out


def document(result, with_results: bool = True) -> dict:
    """The SARIF log; without its results (an empty list), for render to stream them."""
    index = {r.id: i for i, r in enumerate(result.rules)}
    invocation = {"executionSuccessful": not result.incomplete}
    notes = notifications(result)
    if notes:
        invocation["toolExecutionNotifications"] = notes
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "mlcheck", "version": __version__, "semanticVersion": __version__,
                            "rules": [rule_descriptor(r) for r in result.rules]}},
        # GitHub reads the part before the last '/' as the analysis category.
        "automationDetails": {"id": f"mlcheck/{result.digest}"},
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "results": [sarif_result(result, f, index) for f in result.findings] if with_results else [],
        "properties": {"mlcheck/graph_digest": result.digest, "mlcheck/summary": result.summary},
    }]}


RESULTS = '"results": []'        # where the results go in the log encoded without them
BATCH = 1024                     # results built, encoded and written at a time


def render(result, stream, **_) -> None:
    """The log on one line, keys sorted: the log without its results encoded first, then
    the results streamed into their place a batch at a time — the same bytes as encoding
    the whole log, without holding every result and the whole text at once."""
    frame = json.dumps(document(result, with_results=False), sort_keys=True, ensure_ascii=False, default=str)
    head, hole, tail = frame.partition(RESULTS)
    if not result.findings or frame.count(RESULTS) != 1:     # in a string it would be escaped: never
        stream.write(json.dumps(document(result), sort_keys=True, ensure_ascii=False, default=str) + "\n")
        return
    encode = sorted_encoder(", ", ": ")
    index = {r.id: i for i, r in enumerate(result.rules)}
    stream.write(head + '"results": [')
    for at in range(0, len(result.findings), BATCH):
        batch = result.findings[at:at + BATCH]
        stream.write((", " if at else "") + ", ".join(encode(sarif_result(result, f, index)) for f in batch))
    stream.write("]" + tail + "\n")
