"""Azure Pipelines logging commands: `##vso[task.logissue type=error;sourcepath=…;
linenumber=…;code=RULE]message` per open finding and per collection or evaluation error,
so each appears in the run's issues list with its file and line. Critical and high are
errors, the rest warnings (the only two types the command has). Waived and baselined
findings are not logged: the gate ignores them. The closing plain line counts them all."""
from __future__ import annotations

from . import printable
from .github_report import finding_message, verdict
from .places import marks

EXTENSIONS = ()
REPLAYABLE = True       # the output is a function of the scan result alone (--cache replays it: scale/reports.py)
TYPE = {"critical": "error", "high": "error", "medium": "warning", "low": "warning", "info": "warning"}


def escape_data(text: str) -> str:
    """The task library's escaping of a command's message: %, CR and LF."""
    return text.replace("%", "%AZP25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """…and of a property value, which also cannot hold ';' or ']'."""
    return escape_data(text).replace(";", "%3B").replace("]", "%5D")


def logissue(kind: str, message: str, path: str | None = None, line: int | None = None,
             code: str | None = None) -> str:
    props = [f"type={kind}"]
    if path:
        props.append(f"sourcepath={escape_property(path)}")
    if line:
        props.append(f"linenumber={int(line)}")
    if code:
        props.append(f"code={escape_property(printable(code))}")
    return f"##vso[task.logissue {';'.join(props)}]{escape_data(message)}"


def render(result, stream, **_) -> None:
    out = []
    for mark in marks(result, finding_message):
        if mark.what == "finding":
            out.append(logissue(TYPE[mark.severity], f"{mark.rule_id} ({mark.severity}): {mark.text}",
                                mark.path, mark.line, mark.rule_id))
        else:
            code = "mlcheck.collection" if mark.what == "collection" else mark.rule_id
            out.append(logissue("error", f"mlcheck: {mark.text}", mark.path, mark.line, code))
    out.append(verdict(result))
    stream.write("\n".join(out) + "\n")
