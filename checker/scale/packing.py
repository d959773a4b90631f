"""A kept outcome's findings and rule results, packed for the replay cache (replay.py) in
two parts:
- the head: per finding, what the gate, waivers, the baseline, the sort order and the
  report keys read (its rule, node, severity, fingerprint, status …) — small, read on
  every replay;
- the details: its message, evidence and locations (four fifths of the bytes) — parsed
  only when something reads them (a report not replayed, --history), for every finding
  at once.
A replayed finding is a KeptFinding: a Finding whose details are filled on first use;
its rule's fields (title, controls, category, override) come from the rule, kept once.
"""
from __future__ import annotations

import json
from dataclasses import MISSING, fields

from ..engines import Hit, RuleResult
from ..findings import Finding

# What a finding takes from its rule (fnd.build): kept once, in the rule, not per finding.
FROM_RULE = ("title", "controls", "category", "override")
DETAILS = ("message", "evidence", "locations")
HEAD = tuple(f.name for f in fields(Finding) if f.name not in FROM_RULE + DETAILS)
FIELDS = tuple(f.name for f in fields(Finding))
# A detail must have no class-level default, or reading it would not reach __getattr__.
assert all(f.default is MISSING and f.default_factory is MISSING for f in fields(Finding) if f.name in DETAILS)


def pack(found: list[Finding], results: dict[str, RuleResult], rules) -> tuple[str, str]:
    """(head, details) as JSON texts: findings in build order (rule by rule, its hits then
    its undetermined nodes: one finding a hit); a hit as the difference from its finding
    (escalation raises the severity and extends the message)."""
    hits = [h for rule in rules for h in (*results[rule.id].hits, *results[rule.id].undetermined)]
    if len(hits) != len(found):
        raise ValueError(f"{len(found)} findings from {len(hits)} hits: not one a hit")
    head = [[getattr(f, name) for name in HEAD] + [h.severity] for f, h in zip(found, hits)]
    details = [[getattr(f, name) for name in DETAILS] + [h.message if h.message != f.message else None]
               for f, h in zip(found, hits)]
    counts = {rid: {"applicable": r.applicable, "error": r.error, "hits": len(r.hits),
                    "undetermined": len(r.undetermined)} for rid, r in results.items()}
    return (json.dumps({"results": counts, "findings": head, "fields": HEAD}, ensure_ascii=False),
            json.dumps(details, ensure_ascii=False))


def unpack(head: dict, details: "Details", rules) -> tuple[list[Finding], dict[str, RuleResult]]:
    """The findings (in build order) and rule results of a packed head; their details
    come from `details` on first use."""
    if head.get("fields") != list(HEAD):
        raise ValueError("the entry was packed with other finding fields")
    by_id = {r.id: r for r in rules}
    from_rule = {rid: {k: getattr(rule, k) for k in FROM_RULE} for rid, rule in by_id.items()}
    findings, hits = [], []
    for i, row in enumerate(head["findings"]):
        f = KeptFinding.__new__(KeptFinding)
        f.__dict__.update(zip(HEAD, row), **from_rule[row[0]], _details=details)
        findings.append(f)
        hit = KeptHit.__new__(KeptHit)
        hit.__dict__.update(node=f.node, severity=row[len(HEAD)], _finding=f, _details=details, _i=i)
        hits.append(hit)
    details.findings = list(findings)       # in build order: the scan sorts its own list
    taken, at = {}, 0
    for rule in rules:
        c = head["results"][rule.id]
        mid, end = at + c["hits"], at + c["hits"] + c["undetermined"]
        taken[rule.id] = (hits[at:mid], hits[mid:end])
        at = end
    results = {rid: RuleResult(rid, c["applicable"], taken[rid][0], c["error"], taken[rid][1])
               for rid, c in head["results"].items()}          # in the order the engines gave them
    return findings, results


class Details:
    """The details part of an entry, verified when the entry was read, parsed on first use."""

    def __init__(self, data: bytes) -> None:
        self.data: bytes | None = data
        self.findings: list[Finding] = []
        self.hit_messages: list[str | None] = []

    def fill(self) -> None:
        if self.data is None:
            return
        rows = json.loads(self.data)
        if len(rows) != len(self.findings):
            raise ValueError(f"the replay entry's details hold {len(rows)} findings, not {len(self.findings)}")
        for f, row in zip(self.findings, rows):
            f.__dict__.update(zip(DETAILS, row))
            del f.__dict__["_details"]
        self.hit_messages = [row[len(DETAILS)] for row in rows]
        self.data = None


class KeptFinding(Finding):
    """A replayed finding: its head fields are set; its details (message, evidence,
    locations) are filled, for every finding of the entry, when one is first read."""

    def __getattr__(self, name: str):           # only for attributes not set: the details
        details = self.__dict__.get("_details")
        if details is None or name not in DETAILS:
            raise AttributeError(name)
        details.fill()
        return self.__dict__[name]

    def __eq__(self, other):                   # equal to the Finding a full scan builds
        if not isinstance(other, Finding):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in FIELDS)

    __hash__ = None


class KeptHit(Hit):
    """A replayed hit: its message and evidence are its finding's (the message as the
    rule gave it, before escalation extended it)."""

    def __getattr__(self, name: str):
        finding = self.__dict__.get("_finding")
        if finding is None or name not in ("message", "evidence"):
            raise AttributeError(name)
        if name == "evidence":
            return finding.evidence
        message = finding.message               # fills the details when not yet
        own = self.__dict__["_details"].hit_messages[self.__dict__["_i"]]
        return message if own is None else own

    def __eq__(self, other):
        if not isinstance(other, Hit):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in ("node", "message", "evidence", "severity"))

    __hash__ = None
