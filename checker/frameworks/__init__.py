"""Compliance frameworks as data (policies/frameworks/*.yaml): framework → requirements →
the rule ids that give evidence for each. Requirements no rule can observe are `manual`.

Rules carry only their own control tags; the framework file lists the rules behind each
requirement, and tests/test_frameworks.py checks that the two agree. A user's own rule
that tags a requirement (`controls: {eu-ai-act: ["Art. 12"]}`) gives evidence for it too.

The API other reporters call:
    load_frameworks()                      → {id: Framework}, the shipped ones
    get_framework(name)                    → Framework, or FrameworkError naming the known ones
    requirement_status(result, framework)  → [RequirementStatus], one per requirement
    frameworks_section(result)             → the JSON report's `frameworks` list
"""
from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..findings import BASELINED, CANNOT_EVALUATE, OPEN, WAIVED

SATISFIED, NOT_SATISFIED, NOT_APPLICABLE, UNDETERMINED, MANUAL = (
    "satisfied", "not_satisfied", "not_applicable", "cannot_evaluate", "manual")
STATUSES = (NOT_SATISFIED, UNDETERMINED, SATISFIED, NOT_APPLICABLE, MANUAL)
# Findings that show a gap. A waiver accepts a gap, it does not close it; a baseline only
# says the gap is old. The finding's own status stays visible beside the requirement.
GAP_STATUSES = (OPEN, BASELINED, WAIVED)

SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "name", "version", "source", "mapping", "requirements"],
    "properties": {
        "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
        "name": {"type": "string", "minLength": 1},
        "version": {"type": "string", "minLength": 1},
        "source": {"type": "string", "minLength": 1},
        "mapping": {"enum": ["informative", "normative"]},
        "requirements": {
            "type": "array", "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "title", "reference"],
                "properties": {
                    "id": {"type": "string", "minLength": 1},
                    "title": {"type": "string", "minLength": 1},
                    "reference": {"type": "string", "minLength": 1},
                    "rules": {"type": "array", "minItems": 1, "uniqueItems": True,
                              "items": {"type": "string", "pattern": "^[A-Z][A-Z0-9]*-[A-Z0-9]+(-[A-Z0-9]+)*$"}},
                    "manual": {"type": "string", "minLength": 3},
                },
                # Either rules give evidence, or it is manual and says why: never both, never neither.
                "oneOf": [{"required": ["rules"], "not": {"required": ["manual"]}},
                          {"required": ["manual"], "not": {"required": ["rules"]}}],
            },
        },
    },
}


class FrameworkError(ValueError):
    """A framework file that does not load, or a framework name nobody ships: exit 2."""


@dataclass(frozen=True)
class Requirement:
    id: str
    title: str
    reference: str
    rules: tuple[str, ...] = ()
    manual: str = ""              # why no rule can observe it; empty when rules do


@dataclass(frozen=True)
class Framework:
    id: str
    name: str
    version: str
    source: str
    mapping: str
    requirements: tuple[Requirement, ...]
    path: str = ""

    def rule_ids(self) -> set[str]:
        return {rid for req in self.requirements for rid in req.rules}

    def requirement(self, requirement_id: str) -> Requirement | None:
        return next((r for r in self.requirements if r.id == requirement_id), None)


@dataclass
class RequirementStatus:
    requirement: Requirement
    status: str
    rules: list[str]                 # rules giving evidence (listed in the framework or tagging it)
    findings: list                   # the Finding objects behind the status
    reason: str

    def as_dict(self) -> dict:
        req = self.requirement
        return {"id": req.id, "title": req.title, "reference": req.reference, "status": self.status,
                "reason": self.reason, "rules": self.rules,
                "findings": {"by_status": dict(sorted(Counter(f.status for f in self.findings).items())),
                             "fingerprints": sorted(f.fingerprint for f in self.findings)}}


def frameworks_dir() -> Path:
    from ..catalog import builtin_policies_dir
    return builtin_policies_dir() / "frameworks"


def load_framework_file(path: Path, validate: bool = True) -> Framework:
    """A framework file, checked against SCHEMA unless `validate` is false (the shipped
    files ship validated, as the built-in rules do: tests/test_frameworks.py checks each;
    importing jsonschema to check them again cost every scan ~0.07 s)."""
    from ..inputs import read_bytes
    from ..safeyaml import load_yaml
    try:
        doc = load_yaml(read_bytes(path, "framework"), str(path), unique_keys=True)
    except ValueError as exc:
        raise FrameworkError(str(exc)) from exc
    errors = schema_errors(doc) if validate else []
    if errors:
        where = ".".join(str(p) for p in errors[0].absolute_path) or "(top level)"
        raise FrameworkError(f"{path}: {where}: {errors[0].message}")
    ids = [r["id"] for r in doc["requirements"]]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise FrameworkError(f"{path}: requirement id(s) listed twice: {', '.join(twice)}")
    return Framework(id=doc["id"], name=doc["name"], version=doc["version"], source=doc["source"],
                     mapping=doc["mapping"], path=str(path),
                     requirements=tuple(Requirement(id=r["id"], title=r["title"], reference=r["reference"],
                                                    rules=tuple(r.get("rules", ())), manual=r.get("manual", ""))
                                        for r in doc["requirements"]))


def schema_errors(doc) -> list:
    """A framework document's faults against SCHEMA, in document order."""
    import jsonschema
    return sorted(jsonschema.Draft202012Validator(SCHEMA).iter_errors(doc), key=lambda e: list(e.absolute_path))


@functools.lru_cache(maxsize=4)
def load_frameworks(directory: Path | None = None) -> dict[str, Framework]:
    """Every framework file in `directory` (default: the shipped ones, not checked against
    the schema again), by id, sorted."""
    shipped = directory is None
    directory = directory or frameworks_dir()
    found: dict[str, Framework] = {}
    for path in sorted(directory.glob("*.yaml")):
        fw = load_framework_file(path, validate=not shipped)
        if fw.id in found:
            raise FrameworkError(f"{path}: framework id {fw.id} is already defined in {found[fw.id].path}")
        found[fw.id] = fw
    return dict(sorted(found.items()))


def get_framework(name: str) -> Framework:
    frameworks = load_frameworks()
    if name not in frameworks:
        raise FrameworkError(f"unknown framework {name!r} (known: {', '.join(frameworks)})")
    return frameworks[name]


def evidence_rules(framework: Framework, requirement: Requirement, rules) -> list[str]:
    """The rules behind a requirement: those the framework lists, and any rule of `rules`
    (Rule objects: a user's own among them) whose control tags name it."""
    tagged = {r.id for r in rules if requirement.id in r.controls.get(framework.id, ())}
    return sorted(set(requirement.rules) | tagged)


def framework_rule_ids(framework: Framework, rules) -> set[str]:
    """Every rule that gives evidence for some requirement of the framework: what
    `--framework` runs."""
    return {rid for req in framework.requirements for rid in evidence_rules(framework, req, rules)}


def requirement_status(result, framework: Framework) -> list[RequirementStatus]:
    """Each requirement's status on a scan result, with the findings behind it:

    manual            no rule can observe it;
    not_satisfied     a rule behind it found a gap (open, baselined or waived finding);
    cannot_evaluate   no gap found, but a rule behind it was not run in this scan, could
                      not be evaluated, or met a fact it needs that is unknown;
    not_applicable    every rule behind it ran and matched nothing in the estate;
    satisfied         every rule behind it ran, some matched, none found a gap.

    The mapping is informative unless the framework says otherwise: satisfied means no
    rule behind the requirement found a gap, not that the requirement is met."""
    by_rule: dict[str, list] = {}
    for f in result.findings:
        by_rule.setdefault(f.rule_id, []).append(f)
    evaluated = {r.id for r in result.rules}
    return [_status(framework, req, evidence_rules(framework, req, result.catalog.rules),
                    evaluated, result.results, by_rule)
            for req in framework.requirements]


def _status(framework, req, rule_ids, evaluated, results, by_rule) -> RequirementStatus:
    if not rule_ids:
        return RequirementStatus(req, MANUAL, [], [], req.manual or "no rule observes this requirement")
    findings = [f for rid in rule_ids for f in by_rule.get(rid, ())]
    gaps = [f for f in findings if f.status in GAP_STATUSES]
    if gaps:
        rules_hit = sorted({f.rule_id for f in gaps})
        return RequirementStatus(req, NOT_SATISFIED, rule_ids, findings,
                                 f"{len(gaps)} finding(s) from {', '.join(rules_hit)}")
    not_run = [rid for rid in rule_ids if rid not in evaluated]
    failed = [rid for rid in rule_ids if rid in evaluated and results[rid].error]
    unknown = sorted({f.rule_id for f in findings if f.status == CANNOT_EVALUATE})
    if not_run or failed or unknown:
        parts = ([f"not run in this scan: {', '.join(not_run)}"] if not_run else []) + \
                ([f"could not be evaluated: {', '.join(failed)}"] if failed else []) + \
                ([f"a fact they need is unknown: {', '.join(unknown)}"] if unknown else [])
        return RequirementStatus(req, UNDETERMINED, rule_ids, findings, "; ".join(parts))
    applicable = [rid for rid in rule_ids if results[rid].applicable]
    if not applicable:
        return RequirementStatus(req, NOT_APPLICABLE, rule_ids, [],
                                 "no rule behind it matched anything in the estate")
    return RequirementStatus(req, SATISFIED, rule_ids, [],
                             f"no gap found by {', '.join(applicable)}")


def frameworks_in_scope(result) -> list[Framework]:
    """The frameworks a report shows: the one --framework chose, else every shipped one."""
    chosen = getattr(result, "framework", None)
    return [get_framework(chosen)] if chosen else list(load_frameworks().values())


def totals(statuses: list[RequirementStatus]) -> dict[str, int]:
    counts = Counter(s.status for s in statuses)
    return {status: counts.get(status, 0) for status in STATUSES}


def frameworks_section(result) -> list[dict]:
    """The JSON report's `frameworks`: per framework its totals by status and every
    requirement with its status, reason, rules and the fingerprints of its findings."""
    out = []
    for fw in frameworks_in_scope(result):
        statuses = requirement_status(result, fw)
        out.append({"id": fw.id, "name": fw.name, "version": fw.version, "source": fw.source,
                    "mapping": fw.mapping, "totals": totals(statuses),
                    "requirements": [s.as_dict() for s in statuses]})
    return out


def mapping_disagreements(rules, frameworks: dict[str, Framework]) -> list[str]:
    """Where rule control tags and framework files disagree, one line each (empty: they
    agree both ways). Checked for the shipped rules and frameworks by the tests."""
    problems = []
    for rule in rules:
        for fw_id, ids in sorted(rule.controls.items()):
            fw = frameworks.get(fw_id)
            if fw is None:
                problems.append(f"{rule.id}: tags framework {fw_id!r}, which no framework file defines")
                continue
            for control in ids:
                req = fw.requirement(control)
                if req is None:
                    problems.append(f"{rule.id}: tags {fw_id} {control!r}, which {fw.path} does not list")
                elif rule.id not in req.rules:
                    problems.append(f"{rule.id}: tags {fw_id} {control!r}, but {fw.path} does not name it there")
    by_id = {r.id: r for r in rules}
    for fw in frameworks.values():
        for req in fw.requirements:
            for rid in req.rules:
                rule = by_id.get(rid)
                if rule is None:
                    problems.append(f"{fw.path}: {req.id} names {rid}, which is not a rule")
                elif req.id not in rule.controls.get(fw.id, ()):
                    problems.append(f"{fw.path}: {req.id} names {rid}, whose controls do not tag it")
    return problems


def select_rules(rules, catalog_rules, name: str | None):
    """`rules` narrowed to those giving evidence for framework `name` (None: unchanged).
    A framework none of whose rules is selected is an error: the scan would judge nothing."""
    if not name:
        return rules
    keep = framework_rule_ids(get_framework(name), catalog_rules)
    chosen = [r for r in rules if r.id in keep]
    if not chosen:
        raise FrameworkError(f"framework {name}: none of its rules is selected "
                             f"(it needs some of: {', '.join(sorted(keep)) or 'none; every requirement is manual'})")
    return chosen
