"""OSCAL 1.x assessment results, checked against compliance-trestle's pydantic models (the
optional extra `mlcheck-estate[oscal]`) before a byte is written (validate()): a document the
models reject is never written (that would be a bug: exit 4).

One result for the scan: its props carry the graph (snapshot) digest; one observation per
finding (the facts the rule judged, with where they were collected), one per collection
error; one OSCAL finding per framework requirement, its target status from the
requirement's status (checker/frameworks) and related to the observations behind it.

OSCAL has two objective states. satisfied → satisfied/pass, not satisfied →
not-satisfied/fail; cannot evaluate, not applicable and manual → not-satisfied with reason
`other`, mlcheck's own status in the `mlcheck-status` prop: an automated scan does not
claim what it could not observe. Timestamps are the ones OSCAL requires (metadata
last-modified, result start and end, observation collected), all the time of writing
(`now`). UUIDs derive from the graph digest, that time and each item's identity: the same
scan written at the same time gives the same document."""
from __future__ import annotations

import datetime as _dt
import json
import re
import uuid as _uuid

from .. import __version__
from ..frameworks import (MANUAL, NOT_APPLICABLE, NOT_SATISFIED, SATISFIED, UNDETERMINED,
                          frameworks_in_scope, requirement_status)
from . import printable
from .sarif_report import uri

EXTENSIONS = (".oscal.json",)
NS = "urn:mlcheck:oscal"          # the namespace of mlcheck's own props (a URN: no domain claimed)
_ROOT = _uuid.uuid5(_uuid.NAMESPACE_URL, NS)
STATE = {SATISFIED: ("satisfied", "pass"), NOT_SATISFIED: ("not-satisfied", "fail"),
         UNDETERMINED: ("not-satisfied", "other"), NOT_APPLICABLE: ("not-satisfied", "other"),
         MANUAL: ("not-satisfied", "other")}
MISSING = "--format oscal needs compliance-trestle, the optional extra: pip install 'mlcheck-estate[oscal]'"


def unavailable() -> str | None:
    """Why this format cannot be written here (the CLI asks before scanning), or None."""
    import importlib.util
    return None if importlib.util.find_spec("trestle") else MISSING


def token(text: str) -> str:
    """An OSCAL token (letters, digits, . - _, not starting with a digit) from any id."""
    out = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")
    return out if out and (out[0].isalpha() or out[0] == "_") else "_" + out


def line(text: str) -> str:
    """One line with no surrounding blanks, as OSCAL titles and prop values must be: scanned
    names may hold line breaks or end in a space (control characters shown as escapes)."""
    return printable(text).strip() or "-"


def prop(name: str, value: str) -> dict:
    """One of mlcheck's props. `value` must already be one line (line() for scanned text)."""
    return {"name": name, "ns": NS, "value": value}


def document(result, now: _dt.datetime | None = None) -> dict:
    """The assessment results as OSCAL JSON (a dict), validated by trestle's model."""
    now = (now or _dt.datetime.now(_dt.timezone.utc)).replace(microsecond=0)
    stamp = now.isoformat()
    seed = f"{result.digest}|{stamp}"

    def uid(*parts: str) -> str:
        return str(_uuid.uuid5(_ROOT, "|".join((seed, *parts))))

    observations, by_fingerprint = [], {}
    for f in result.findings:
        oid = uid("finding", f.fingerprint, f.rule_id, f.node)
        by_fingerprint.setdefault(f.fingerprint, []).append(oid)
        observations.append(finding_observation(f, oid, stamp))
    for i, err in enumerate(result.graph.errors):
        observations.append(error_observation(err, uid("error", str(i)), stamp))
    frameworks = frameworks_in_scope(result)
    findings = [requirement_finding(fw, st, uid("requirement", fw.id, st.requirement.id), by_fingerprint)
                for fw in frameworks for st in requirement_status(result, fw)]
    scan = {
        "uuid": uid("result"), "title": "mlcheck scan",
        "description": (f"Rules evaluated: {', '.join(r.id for r in result.rules) or 'none'}. "
                        f"Sources: {', '.join(s['source'] for s in result.graph.sources) or 'a snapshot'}."),
        "start": stamp, "end": stamp,
        "props": [prop("graph-digest", result.digest), prop("fail-on", result.fail_on),
                  prop("complete", str(not result.incomplete).lower())],
        "reviewed-controls": {
            "description": "The requirements of: " + ", ".join(f"{fw.name} ({fw.version})" for fw in frameworks)
                           + ". Mappings from rules to requirements are informative.",
            "control-selections": [{"include-all": {}}]},
    }
    if observations:
        scan["observations"] = observations
    if findings:
        scan["findings"] = findings
    plan = uid("assessment-plan")
    doc = {"assessment-results": {
        "uuid": uid("document"),
        "metadata": {"title": "mlcheck assessment results", "last-modified": stamp,
                     "version": __version__, "oscal-version": oscal_version(),
                     "props": [prop("graph-digest", result.digest)]},
        # mlcheck assesses without an OSCAL assessment plan: the reference points at the
        # back-matter resource that says what stood in for one.
        "import-ap": {"href": f"#{plan}"},
        "results": [scan],
        "back-matter": {"resources": [{
            "uuid": plan, "title": "mlcheck rule catalog and compliance frameworks",
            "description": ("No OSCAL assessment plan: the plan is mlcheck's rule catalog and the "
                            f"framework files of this version ({__version__}), run on the sources listed "
                            "in the result.")}]}}}
    validate(doc)
    return doc


def evidence(source: str, description: str) -> dict:
    return {"href": uri(source.replace("\\", "/")) or "#", "description": description}


def finding_observation(f, oid: str, stamp: str) -> dict:
    """A finding as an observation: the rule's verdict on the node, and where the node's
    facts were collected (file and line, or the store's URL)."""
    props = [prop("rule", f.rule_id), prop("severity", f.severity), prop("status", f.status),
             prop("node", line(f.node)), prop("fingerprint", f.fingerprint)]
    if f.override and "severity" in f.override:
        props.append(prop("severity-overridden-from", f.override["severity"]["from"]))
    out = {"uuid": oid, "title": line(f"{f.rule_id} on {f.node}"), "description": f.message or f.title,
           "props": props, "methods": ["EXAMINE"], "types": ["finding"]}
    if f.locations:
        out["relevant-evidence"] = [
            evidence(loc["source"], f"{f.node} collected by {loc.get('collector') or 'mlcheck'}"
                     + (f", line {loc['line']}" if loc.get("line") else "")) for loc in f.locations]
    out["collected"] = stamp
    if f.status_reason:
        out["remarks"] = f.status_reason
    return out


def error_observation(err, oid: str, stamp: str) -> dict:
    """A collection error: what the scan could not read, and why."""
    return {"uuid": oid, "title": line(f"Collection error: {err.collector}"),
            "description": f"{err.source}{':' + str(err.line) if err.line else ''}: {err.reason}",
            "methods": ["EXAMINE"], "types": ["finding"],
            "relevant-evidence": [evidence(err.source, f"not collected by {err.collector}")],
            "collected": stamp}


def requirement_finding(fw, st, fid: str, by_fingerprint: dict) -> dict:
    state, reason = STATE[st.status]
    out = {"uuid": fid, "title": line(f"{fw.name} {st.requirement.id}: {st.requirement.title}"),
           "description": f"{st.status.replace('_', ' ')}: {st.reason}",
           "props": [prop("framework", fw.id), prop("requirement", line(st.requirement.id)),
                     prop("mlcheck-status", st.status), prop("mapping", fw.mapping)]
           + [prop("rule", rid) for rid in st.rules],
           "target": {"type": "objective-id", "target-id": token(f"{fw.id}_{st.requirement.id}"),
                      "title": line(st.requirement.reference),
                      "status": {"state": state, "reason": reason}}}
    related = [{"observation-uuid": o} for f in st.findings for o in by_fingerprint.get(f.fingerprint, ())]
    if related:
        out["related-observations"] = related
    return out


def oscal_version() -> str:
    from trestle.oscal import OSCAL_VERSION
    return OSCAL_VERSION


def validate(doc: dict) -> None:
    """Check the document against trestle's models (pydantic's compiled core): every
    observation against Observation, then the document with its first observation against
    AssessmentResults. A part a model rejects raises pydantic's ValidationError: a bug in
    mlcheck, exit 4.

    Piece by piece because the models are slow as one document: 100k observations inside
    a Result took five times as long as the same observations one by one, and building each
    part as a model object took 20 s per 10k findings. A requirement finding's related
    observations are checked with their first entry: the others have the same shape, each
    the uuid5 (always OSCAL's UUID form) of an observation of this document."""
    from trestle.oscal.assessment_results import AssessmentResults
    from trestle.oscal.common import Observation
    outer = doc["assessment-results"]
    result = outer["results"][0]
    observations = result.get("observations", [])
    for observation in observations:
        Observation.model_validate(observation)
    skeleton = {**result, "observations": observations[:1]} if observations else dict(result)
    if "findings" in result:
        skeleton["findings"] = [{**f, "related-observations": f["related-observations"][:1]}
                                if "related-observations" in f else f for f in result["findings"]]
    AssessmentResults.model_validate({**outer, "results": [skeleton]})


def render(result, stream, now: _dt.datetime | None = None, **_) -> None:
    stream.write(json.dumps(document(result, now), ensure_ascii=False))
    stream.write("\n")
