"""`--cache DIR`, third step: the reports of a replayed scan are replayed too.

A scan whose outcome is kept (replay.py) writes the same reports again on the next run
unless something that decides them changed. A report entry is keyed by:
- the outcome's key (replay.py: the sources' states, the rules as selected and
  overridden, their modules and params, the engine, mlcheck's code, version and
  dependencies);
- the findings as waivers and the baseline left them (JUDGED: their status, its reason,
  the waiver): today's date decides which waivers expired, a baseline file changes;
- the report: its format, its render options, the gate's threshold (--fail-on) and the
  framework (both printed in the summaries).
Nothing else reaches a reporter: render() gets the scan result and the stream, never the
output path or the clock. A format is replayed only if its module says its output is a
function of the scan result alone (`REPLAYABLE = True`): not the console (it asks the
terminal), not OSCAL (it stamps the time).

The key is cheaper than the report: one pass over the findings' status fields (most are
open, with nothing to hash), where writing the report serialises every finding whole.

Only an outcome that was kept or replayed gets its reports kept (an outcome with a rule
that could not be evaluated is neither: its reports say so, and the next run may not).
Entries sit beside their outcome (DIR/replay/OUTCOME.report-KEY), carry the cache's HMAC
(a tampered one is refused: the report is written afresh and kept again), go when their
outcome goes, and at most KEEP_PER_OUTCOME are kept for one outcome (the oldest dropped:
a new day's waivers make new ones).
"""
from __future__ import annotations

import codecs
import hashlib
import os

from .. import __version__
from ..findings import OPEN
from ..graph import canonical_json
from ..reporters import render, reporter

JUDGED = ("status", "status_reason", "waiver")     # what findings.apply_waivers / apply_baseline set
KEEP_PER_OUTCOME = 16     # every format twice (two days' waivers, two thresholds)


class KeptReports:
    """The reports of one kept outcome: replayed when their key matches, else written
    and kept. `replay` is the scan's Replay (its key, its files, the cache's HMAC)."""

    def __init__(self, replay) -> None:
        self.replay = replay

    def render(self, fmt: str, result, stream, **options) -> None:
        """As reporters.render, from the kept bytes when they are this report's."""
        key = report_key(self.replay.key, fmt, result, options)
        if key is None:
            render(fmt, result, stream, **options)
            return
        path = self.replay.report_path(key)
        data = self.replay.read_signed(path)
        if data is not None:
            write_bytes(stream, data)
            return
        copy = path.with_name(f"{path.name}.{os.getpid()}.tmp")      # two runs at once write their own
        try:
            with open(copy, "wb") as fh:
                render(fmt, result, Tee(stream, fh), **options)
            self.replay.keep_report(copy, path, KEEP_PER_OUTCOME)
        finally:
            copy.unlink(missing_ok=True)


def report_key(outcome: str | None, fmt: str, result, options: dict) -> str | None:
    """Everything that decides the report's text, hashed; None when the format's output
    depends on more than the result (the terminal, the clock)."""
    if not outcome or not getattr(reporter(fmt), "REPLAYABLE", False):
        return None
    judged = [[i, *(getattr(f, name) for name in JUDGED)] for i, f in enumerate(result.findings)
              if f.status != OPEN or f.status_reason or f.waiver]
    key = {"outcome": outcome, "format": fmt, "options": options, "fail_on": result.fail_on,
           "framework": result.framework, "findings": len(result.findings), "judged": judged,
           "mlcheck": __version__}
    return hashlib.sha256(canonical_json(key).encode("utf-8", "surrogatepass")).hexdigest()


def write_bytes(stream, data: bytes) -> None:
    """The kept report's UTF-8 bytes onto a text stream: straight to its binary buffer
    when the text layer would write them unchanged (UTF-8, no newline translation), which
    saves decoding and encoding again a report of tens of megabytes."""
    buffer = getattr(stream, "buffer", None)
    if buffer is not None and os.linesep == "\n" and _utf8(getattr(stream, "encoding", None)):
        stream.flush()
        buffer.write(data)
        return
    stream.write(data.decode("utf-8", "surrogatepass"))


def _utf8(encoding: str | None) -> bool:
    try:
        return encoding is not None and codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False


class Tee:
    """The report's stream, its text copied as UTF-8 into a file as it is written (the
    report is never held whole: at 333k findings it is 800 MB)."""

    def __init__(self, stream, copy) -> None:
        self.stream, self.copy = stream, copy

    def write(self, text: str) -> int:
        self.copy.write(text.encode("utf-8", "surrogatepass"))
        return self.stream.write(text)

    def __getattr__(self, name: str):
        return getattr(self.stream, name)


__all__ = ["KeptReports", "report_key", "JUDGED"]
