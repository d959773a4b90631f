"""Findings: what a rule hit means for the gate — fingerprints, waivers, baselines."""
from __future__ import annotations

import datetime as _dt
import fnmatch
import hashlib
import json
from dataclasses import dataclass, fields
from pathlib import Path

from .rule import Rule
from .severity import SEVERITIES, raised
from .engines import Hit
from .graph import EstateGraph, canonical_json
from .inputs import load_json

OPEN, WAIVED, BASELINED = "open", "waived", "baselined"
# A node the rule applies to but cannot judge (a fact it needs is unknown): reported with
# the unknown expressions, never waived, baselined or counted by the gate.
CANNOT_EVALUATE = "cannot_evaluate"
BASELINE_FORMAT = "mlcheck-baseline"


@dataclass
class Finding:
    rule_id: str
    severity: str
    node: str
    title: str
    message: str
    evidence: dict
    locations: list[dict]
    controls: dict[str, list[str]]
    fingerprint: str
    category: str = ""
    status: str = OPEN
    status_reason: str = ""
    waiver: dict | None = None
    escalation: dict | None = None
    override: dict | None = None     # the rule's metadata as the organisation overrode it

    def as_dict(self) -> dict:
        """The finding for serialising: shallow (its evidence and locations are shared, not
        copied; dataclasses.asdict's deep copy took 4 s for 25k findings)."""
        out = {name: getattr(self, name) for name in _FINDING_FIELDS}   # fields() cost 30 µs a call
        for key in ("waiver", "escalation", "override"):
            if out[key] is None:
                del out[key]
        return out

    @property
    def rank(self) -> int:
        return SEVERITIES.index(self.severity)


_FINDING_FIELDS = tuple(f.name for f in fields(Finding))


def fingerprint(rule_id: str, node: str, evidence: dict) -> str:
    """Rule id + node id + the facts that made it fail: stable across runs, machines, paths."""
    facts = evidence.get("facts", evidence)
    blob = canonical_json({"rule": rule_id, "node": node, "facts": facts})
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def locations(graph: EstateGraph, node: str) -> list[dict]:
    prov = graph.node(node)["provenance"] if node in graph else {}
    if not prov.get("source"):
        return []
    loc = {"source": prov["source"], "collector": prov.get("collector", "")}
    if prov.get("line") is not None:
        loc["line"] = prov["line"]
    return [loc]


def build(rule: Rule, hits: list[Hit], graph: EstateGraph, status: str = OPEN) -> list[Finding]:
    # An organisation's severity override wins over the severity a rule gives a hit.
    forced = rule.severity if rule.override and "severity" in rule.override else None
    return [Finding(rule_id=rule.id, severity=forced or h.severity or rule.severity, node=h.node, title=rule.title,
                    message=h.message, evidence=h.evidence, locations=locations(graph, h.node),
                    controls=rule.controls, category=rule.category, status=status,
                    fingerprint=fingerprint(rule.id, h.node, h.evidence), override=rule.override) for h in hits]


# -- production promotion -------------------------------------------------------------

DEFAULT_PRODUCTION = {"aliases": ["champion", "prod*", "production"], "stages": ["Production"]}
# Edges followed backwards from a flagged node to the model versions it feeds, and how
# far: a DVC output ← MLflow dataset ← run ← model version is three hops.
FEEDS = ("produced_by", "reads", "built_from", "source_file", "tracked_by")
MAX_FEED_HOPS = 4


def production_reason(graph: EstateGraph, node: str, production: dict) -> str | None:
    """Why `node` is (or feeds) a production model version, or None."""
    aliases = production.get("aliases", DEFAULT_PRODUCTION["aliases"])
    stages = production.get("stages", DEFAULT_PRODUCTION["stages"])
    seen, frontier = {node}, [node]
    for hop in range(MAX_FEED_HOPS + 1):
        nxt = []
        for nid in frontier:
            data = graph.node(nid)
            if data["kind"] == "model_version":
                a = data["attrs"]
                name = f"{a.get('name', '?')} v{a.get('version', '?')}"
                held = a.get("aliases") if isinstance(a.get("aliases"), list) else []
                hit = next((al for al in held for pat in aliases
                            if fnmatch.fnmatchcase(str(al).lower(), pat.lower())), None)
                if hit:
                    return f"feeds model version {name}, which carries the production alias '{hit}'"
                if isinstance(a.get("stage"), str) and a["stage"] in stages:
                    return f"feeds model version {name}, which is in stage {a['stage']}"
            if hop == MAX_FEED_HOPS:
                continue
            for src, _, kind in graph.g.in_edges(nid, data="kind"):
                if kind in FEEDS and src not in seen:
                    seen.add(src)
                    nxt.append(src)
        frontier = nxt
    return None


def escalate_production(findings: list[Finding], graph: EstateGraph, rules: dict[str, Rule],
                        production: dict) -> None:
    """Raise by one level the lineage findings that reach a production model version."""
    for f in findings:
        if (not rules[f.rule_id].escalate_in_production or f.severity == "critical" or f.node not in graph
                or f.status == CANNOT_EVALUATE):
            continue
        why = production_reason(graph, f.node, production)
        if why:
            old = f.severity
            f.severity = raised(old)
            f.escalation = {"from": old, "to": f.severity, "reason": why}
            f.message += f" [raised from {old}: {why}]"


# -- waivers --------------------------------------------------------------------

@dataclass
class Waiver:
    rule: str              # rule id or glob
    resource: str          # node id glob
    reason: str
    approved_by: str
    expires: _dt.date | None = None

    def covers(self, f: Finding) -> bool:
        return fnmatch.fnmatchcase(f.rule_id, self.rule) and fnmatch.fnmatchcase(f.node, self.resource)

    def expired(self, today: _dt.date) -> bool:
        return self.expires is not None and today > self.expires

    def as_dict(self) -> dict:
        return {"rule": self.rule, "resource": self.resource, "reason": self.reason,
                "approved_by": self.approved_by,
                "expires": self.expires.isoformat() if self.expires else None}


def apply_waivers(findings: list[Finding], waivers: list[Waiver], today: _dt.date) -> None:
    """Waive covered findings; an expired waiver no longer waives and says so."""
    for f in findings:
        if f.status == CANNOT_EVALUATE:
            continue
        for w in waivers:
            if not w.covers(f):
                continue
            if w.expired(today):
                f.status_reason = (f"waiver expired on {w.expires.isoformat()} "
                                   f"(approved by {w.approved_by}: {w.reason})")
                f.waiver = {**w.as_dict(), "expired": True}
                continue
            f.status, f.waiver = WAIVED, {**w.as_dict(), "expired": False}
            f.status_reason = f"waived by {w.approved_by} until {w.expires or 'no expiry'}: {w.reason}"
            break


def waiver_warnings(waivers: list[Waiver], findings: list[Finding], all_rules: list[str],
                    evaluated: list[str]) -> list[str]:
    """What is wrong with the waivers themselves: one whose rule pattern covers every rule
    (`rule: '*'`) waives whatever a rule added later finds; one that covers no finding of
    the rules this scan evaluated waives nothing (fixed, renamed, or never matched)."""
    warnings = []
    for w in waivers:
        what = f"waiver rule {w.rule!r} resource {w.resource!r} (approved by {w.approved_by})"
        if len(all_rules) > 1 and len(fnmatch.filter(all_rules, w.rule)) == len(all_rules):
            warnings.append(f"{what} matches every rule: it will also waive what new rules find; "
                            "name the rules it is for")
        if fnmatch.filter(evaluated, w.rule) and not any(
                f.status != CANNOT_EVALUATE and w.covers(f) for f in findings):
            warnings.append(f"{what} matches no finding: remove it, or fix its rule or resource pattern")
    return warnings


# -- baselines ------------------------------------------------------------------

def write_baseline(findings: list[Finding], path: Path, digest: str) -> int:
    entries = sorted({(f.fingerprint, f.rule_id, f.node) for f in findings if f.status == OPEN})
    doc = {"format": BASELINE_FORMAT, "version": 1, "graph_digest": digest,
           "findings": [{"fingerprint": fp, "rule_id": r, "node": n} for fp, r, n in entries]}
    Path(path).write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return len(entries)


def load_baseline(path: Path) -> set[str]:
    doc = load_json(path, "baseline")
    try:
        if doc.get("format") != BASELINE_FORMAT:
            raise ValueError(f"format is not {BASELINE_FORMAT}")
        if doc.get("version") != 1 or isinstance(doc.get("version"), bool):
            raise ValueError(f"unsupported version {doc.get('version')!r} (this mlcheck reads version 1)")
        fingerprints = {e["fingerprint"] for e in doc["findings"]}
        if not all(isinstance(fp, str) for fp in fingerprints):
            raise ValueError("fingerprints must be strings")
        return fingerprints
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path}: not a usable baseline: {exc}") from exc


def apply_baseline(findings: list[Finding], fingerprints: set[str]) -> None:
    for f in findings:
        if f.status == OPEN and f.fingerprint in fingerprints:
            f.status, f.status_reason = BASELINED, "present in the baseline"


def gate_failures(findings: list[Finding], fail_on: str,
                  experimental: frozenset[str] = frozenset()) -> list[Finding]:
    """Open findings at or above fail_on, except those of `experimental` rules (rule ids):
    those report but never fail the gate until their precision is measured."""
    threshold = SEVERITIES.index(fail_on)
    return [f for f in findings
            if f.status == OPEN and f.rank >= threshold and f.rule_id not in experimental]
