"""Where a finding is, for the formats that must point at a file (SARIF, JUnit, CI
annotations): the node's own provenance; else the file that declares it (a `defined_in`
edge); else the source that was scanned. Every finding gets a place, so a code-scanning
alert or an annotation is never dropped for want of one."""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import printable


_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")    # a scheme; one letter is a Windows drive

@dataclass(frozen=True)
class Place:
    path: str              # as the scan named it: relative to the working directory, '/'-separated
    line: int | None = None


def place(result, finding) -> Place:
    files = [loc for loc in finding.locations if not _URI.match(str(loc["source"]))]
    if files:     # a registry artifact's URI (mlflow-artifacts:/…, s3://…) is no file of the estate
        return Place(_slashes(files[0]["source"]), files[0].get("line"))
    graph = result.graph
    if finding.node in graph:
        for file_node in graph.out_edges(finding.node, "defined_in"):
            prov = graph.node(file_node)["provenance"]
            if prov.get("source"):
                return Place(_slashes(prov["source"]), prov.get("line"))
        # A registry artifact: the store that holds the version holding it (mlflow.db).
        for holder in graph.in_edges(finding.node, "contains"):
            source = graph.node(holder)["provenance"].get("source")
            if source and not _URI.match(str(source)):
                return Place(_slashes(source))
    return Place(_slashes(scanned_source(result, finding)))


def scanned_source(result, finding) -> str:
    """The scanned source the finding's node came from (by collector), else the first one."""
    sources = result.graph.sources
    collector = ""
    if finding.node in result.graph:
        collector = result.graph.node(finding.node)["provenance"].get("collector", "")
    chosen = next((s for s in sources if s["kind"] == collector), sources[0] if sources else None)
    return chosen["source"] if chosen else "."


def _slashes(path: str) -> str:
    """Windows separators become '/': SARIF URIs and CI annotations expect them."""
    return str(path).replace("\\", "/")


def one_line(text: str) -> str:
    """A scanned string on one line: no control characters, no line breaks."""
    return printable(" ".join(str(text).split()))


@dataclass(frozen=True)
class Mark:
    """One mark a CI annotation reporter writes: an open finding (its severity and rule),
    a collection error, or a rule that could not be evaluated (its id)."""
    what: str                      # finding | collection | evaluation
    text: str                      # printable; a finding's message, node and evidence
    path: str | None = None
    line: int | None = None
    rule_id: str | None = None
    severity: str | None = None
    title: str | None = None       # a finding's rule title


def marks(result, finding_text) -> list[Mark]:
    """What the GitHub and Azure DevOps reporters mark, in their order: open findings (most
    severe first, as the result orders them; waived and baselined ones the gate ignores),
    then collection errors, then evaluation errors. `finding_text(f)`: a finding's text."""
    out = []
    for f in result.findings:
        if f.status == "open":
            where = place(result, f)
            out.append(Mark("finding", finding_text(f), where.path, where.line, f.rule_id, f.severity, f.title))
    for err in result.graph.errors:
        out.append(Mark("collection", printable(f"{err.collector} could not collect this: {err.reason}"),
                              _slashes(err.source), err.line))
    for rule_id, reason in result.evaluation_errors:
        out.append(Mark("evaluation", printable(f"rule {rule_id} could not be evaluated: {reason}"),
                              rule_id=rule_id))
    return out

