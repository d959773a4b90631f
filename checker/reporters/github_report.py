"""GitHub Actions annotations (workflow commands): `::error file=…,line=…,title=…::message`
per open finding, and per collection or evaluation error, so each shows on the file in the
pull request's diff and in the run's summary. Critical and high are errors, medium
warnings, low and info notices. GitHub shows at most 10 errors and 10 warnings per step and
50 annotations per job: findings come most severe first, so those are the ones shown; the
closing line (a plain log line) counts them all. Waived and baselined findings are not
annotated: the gate ignores them, and so does the diff."""
from __future__ import annotations

from . import printable
from .console_report import one_line_evidence
from .places import marks

EXTENSIONS = ()
REPLAYABLE = True       # the output is a function of the scan result alone (--cache replays it: scale/reports.py)
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "notice", "info": "notice"}


def escape_data(text: str) -> str:
    """The toolkit's escaping of a command's message: %, CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """…and of a property value, which also cannot hold ':' or ','."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, file: str | None = None, line: int | None = None,
            title: str | None = None) -> str:
    props = []
    if file:
        props.append(f"file={escape_property(file)}")
    if line:
        props.append(f"line={int(line)}")
    if title:
        props.append(f"title={escape_property(printable(title))}")
    return f"::{level} {','.join(props)}::{escape_data(message)}" if props else f"::{level}::{escape_data(message)}"


def finding_message(f) -> str:
    """The message, then the node and the evidence on lines of their own (scanned strings
    made printable line by line; the line breaks are the annotation's own)."""
    lines = [f.message, f"node: {f.node}"]
    evidence = one_line_evidence(f.evidence)
    if evidence:
        lines.append(f"evidence: {evidence}")
    return "\n".join(printable(line) for line in lines)


def render(result, stream, **_) -> None:
    out = []
    for mark in marks(result, finding_message):
        if mark.what == "finding":
            out.append(command(LEVEL[mark.severity], mark.text, mark.path, mark.line,
                               f"{mark.rule_id} ({mark.severity}): {mark.title}"))
        else:
            out.append(command("error", mark.text, mark.path, mark.line, "mlcheck: scan incomplete"))
    out.append(verdict(result))
    stream.write("\n".join(out) + "\n")


def verdict(result) -> str:
    s = result.summary
    opened = ", ".join(f"{k} {v}" for k, v in s["open_by_severity"].items())
    gate = s["gate"]
    state = (f"FAIL: {gate['failing']} open finding(s) at or above {gate['fail_on']}" if gate["failing"]
             else f"PASS: no open finding at or above {gate['fail_on']}")
    return (f"mlcheck: open: {opened} (waived {s['by_status']['waived']}, baselined "
            f"{s['by_status']['baselined']}, cannot evaluate {s['by_status']['cannot_evaluate']}); {state}")
