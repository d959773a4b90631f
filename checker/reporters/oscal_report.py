"""OSCAL 1.x assessment results, built with compliance-trestle's pydantic models (the
optional extra `mlcheck[oscal]`), so the document is valid by construction.

One result for the scan: its props carry the graph (snapshot) digest; one observation per
finding (the facts the rule judged, with where they were collected), one per collection
error; one OSCAL finding per framework requirement, its target status from the
requirement's status (checker/frameworks) and related to the observations behind it.

OSCAL has two objective states. satisfied → satisfied/pass, not satisfied →
not-satisfied/fail; cannot evaluate, not applicable and manual → not-satisfied with reason
`other`, mlcheck's own status in the `mlcheck-status` prop: an automated scan does not
claim what it could not observe. Timestamps are the ones OSCAL requires (metadata
last-modified, result start, observation collected), all the scan's time (`now`). UUIDs
are derived from the graph digest, the time and each item's identity: the same scan
rendered at the same time gives the same document."""
from __future__ import annotations

import datetime as _dt
import re
import uuid as _uuid

from .. import __version__
from ..frameworks import (MANUAL, NOT_APPLICABLE, NOT_SATISFIED, SATISFIED, UNDETERMINED,
                          frameworks_in_scope, requirement_status)
from .sarif_report import uri

EXTENSIONS = (".oscal.json",)
NS = "urn:mlcheck:oscal"          # the namespace of mlcheck's own props (a URN: no domain claimed)
_ROOT = _uuid.uuid5(_uuid.NAMESPACE_URL, NS)
STATE = {SATISFIED: ("satisfied", "pass"), NOT_SATISFIED: ("not-satisfied", "fail"),
         UNDETERMINED: ("not-satisfied", "other"), NOT_APPLICABLE: ("not-satisfied", "other"),
         MANUAL: ("not-satisfied", "other")}


MISSING = "--format oscal needs compliance-trestle, the optional extra: pip install 'mlcheck[oscal]'"


def unavailable() -> str | None:
    """Why this format cannot be written here (the CLI asks before scanning), or None."""
    import importlib.util
    return None if importlib.util.find_spec("trestle") else MISSING


def _models():
    from trestle.oscal import OSCAL_VERSION, common
    from trestle.oscal import assessment_results as ar
    return OSCAL_VERSION, common, ar


def token(text: str) -> str:
    """An OSCAL token (letters, digits, . - _, not starting with a digit) from any id."""
    out = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")
    return out if out and (out[0].isalpha() or out[0] == "_") else "_" + out


def document(result, now: _dt.datetime | None = None):
    oscal_version, common, ar = _models()
    now = (now or _dt.datetime.now(_dt.timezone.utc)).replace(microsecond=0)
    seed = f"{result.digest}|{now.isoformat()}"

    def uid(*parts: str) -> str:
        return str(_uuid.uuid5(_ROOT, "|".join((seed, *parts))))

    def prop(name: str, value) -> common.Property:
        return common.Property(name=name, value=str(value), ns=NS)

    observations, by_fingerprint = [], {}
    for f in result.findings:
        oid = uid("finding", f.fingerprint, f.rule_id, f.node)
        by_fingerprint.setdefault(f.fingerprint, []).append(oid)
        observations.append(finding_observation(common, f, oid, now, prop))
    for i, err in enumerate(result.graph.errors):
        observations.append(common.Observation(
            uuid=uid("error", str(i)), title=f"Collection error: {err.collector}",
            description=f"{err.source}{':' + str(err.line) if err.line else ''}: {err.reason}",
            methods=["EXAMINE"], types=["finding"], collected=now,
            relevant_evidence=[common.RelevantEvidence(href=uri(err.source.replace("\\", "/")) or "#",
                                                       description=f"collected by {err.collector}")]))
    findings = []
    frameworks = frameworks_in_scope(result)
    for fw in frameworks:
        for st in requirement_status(result, fw):
            state, reason = STATE[st.status]
            related = [common.RelatedObservation(observation_uuid=o)
                       for f in st.findings for o in by_fingerprint.get(f.fingerprint, ())]
            findings.append(common.Finding(
                uuid=uid("requirement", fw.id, st.requirement.id),
                title=f"{fw.name} {st.requirement.id}: {st.requirement.title}",
                description=f"{st.status.replace('_', ' ')}: {st.reason}",
                props=[prop("framework", fw.id), prop("requirement", st.requirement.id),
                       prop("mlcheck-status", st.status), prop("mapping", fw.mapping)]
                + [prop("rule", rid) for rid in st.rules],
                target=common.FindingTarget(
                    type="objective-id", target_id=token(f"{fw.id}_{st.requirement.id}"),
                    title=st.requirement.reference,
                    status=common.ObjectiveStatus(state=state, reason=reason)),
                related_observations=related or None))
    plan = uid("assessment-plan")
    scope = ", ".join(f"{fw.name} ({fw.version})" for fw in frameworks)
    scan = ar.Result(
        uuid=uid("result"), title="mlcheck scan",
        description=(f"Rules evaluated: {', '.join(r.id for r in result.rules) or 'none'}. "
                     f"Sources: {', '.join(s['source'] for s in result.graph.sources) or 'a snapshot'}."),
        start=now, end=now,
        props=[prop("graph-digest", result.digest), prop("fail-on", result.fail_on),
               prop("complete", str(not result.incomplete).lower())],
        reviewed_controls=common.ReviewedControls(
            description=f"The requirements of: {scope}. Mappings from rules to requirements are informative.",
            control_selections=[common.ControlSelectionsAll(include_all=common.IncludeAll())]),
        observations=observations or None, findings=findings or None)
    return ar.AssessmentResults(
        uuid=uid("document"),
        metadata=common.Metadata(title="mlcheck assessment results", last_modified=now,
                                 version=__version__, oscal_version=oscal_version,
                                 props=[prop("graph-digest", result.digest)]),
        # mlcheck assesses without an OSCAL assessment plan: the reference points at the
        # back-matter resource that says what stood in for one.
        import_ap=ar.ImportAp(href=f"#{plan}"),
        results=[scan],
        back_matter=common.BackMatter(resources=[common.Resource(
            uuid=plan, title="mlcheck rule catalog and compliance frameworks",
            description=("No OSCAL assessment plan: the plan is mlcheck's rule catalog and the "
                         f"framework files of this version ({__version__}), run on the sources listed "
                         "in the result."))]))


def finding_observation(common, f, oid: str, now, prop):
    """A finding as an observation: the rule's verdict on the node, the facts it read and
    where each was collected (file and line, or the store's URL)."""
    evidence = [common.RelevantEvidence(
        href=uri(loc["source"].replace("\\", "/")) or "#",
        description=f"{f.node} collected by {loc.get('collector') or 'mlcheck'}"
                    + (f", line {loc['line']}" if loc.get("line") else ""))
        for loc in f.locations] or None
    return common.Observation(
        uuid=oid, title=f"{f.rule_id} on {f.node}", description=f.message or f.title,
        props=[prop("rule", f.rule_id), prop("severity", f.severity), prop("status", f.status),
               prop("node", f.node), prop("fingerprint", f.fingerprint)]
        + ([prop("severity-overridden-from", f.override["severity"]["from"])]
           if f.override and "severity" in f.override else []),
        methods=["EXAMINE"], types=["finding"], collected=now, relevant_evidence=evidence,
        remarks=f.status_reason or None)


def render(result, stream, now: _dt.datetime | None = None, **_) -> None:
    stream.write(document(result, now).oscal_serialize_json(pretty=True, wrapped=True))
    stream.write("\n")
