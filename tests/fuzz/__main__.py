"""`python -m fuzz list | run [ID-SUBSTRING] | write DIR [ID-SUBSTRING]` (from tests/): see __init__."""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from . import SEED, all_cases, harness, tools


def _select(argv: list[str]) -> list:
    wanted = [c for c in all_cases(SEED) if not argv or any(a in c.id for a in argv)]
    return [c for c in wanted if not c.slow or os.environ.get("MLCHECK_FUZZ_SLOW") == "1" or argv]


def list_cases(argv: list[str]) -> int:
    cases = _select(argv)
    for c in cases:
        print(f"{c.id:<70} {c.where:<6} {harness.describe_expect(c)}")
    print(f"{len(cases)} cases ({sum(c.where != harness.RUN for c in cases)} planted files, "
          f"{sum(c.where == harness.RUN for c in cases)} command lines), seed {SEED}")
    return 0


def run(argv: list[str]) -> int:
    work = Path(tempfile.mkdtemp(prefix="mlcheck-fuzz-"))
    tools.configure(work)
    cases = _select(argv)
    t0 = time.monotonic()
    verdicts = harness.Runner(work, SEED, int(os.environ.get("MLCHECK_FUZZ_JOBS", "3"))).run(cases)
    failing = sorted((v for v in verdicts.values() if v.problems), key=lambda v: v.case.id)
    print("| case | expected | observed |\n|---|---|---|")
    for v in failing:
        observed = "; ".join(v.problems)
        print(f"| {_cell(v.case.id)} | {_cell(harness.describe_expect(v.case))} | {_cell(observed[:400])} |")
    print(f"\n{len(failing)} of {len(cases)} cases failing, {time.monotonic() - t0:.0f} s, work dir {work}")
    return 1 if failing else 0


def _cell(text: str) -> str:
    """Text fit for one Markdown table cell: control characters escaped, pipes quoted."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text).replace("|", "\\|")


def write(argv: list[str]) -> int:
    out = Path(argv[0])
    tools.configure(out)
    for batch in harness.plan(_select(argv[1:])):
        root = out / (batch[0].slug if len(batch) == 1 else f"batch-{batch[0].family}-{batch[0].where}-{batch[0].slug}")
        _, invocations = harness.build_batch(root, batch, SEED)
        for inv in invocations.values():
            for stop in inv.cleanup:
                stop()
            print(f"{root}: mlcheck {' '.join(inv.args)}")
    print(f"written under {out}")
    return 0


def main(argv: list[str]) -> int:
    commands = {"list": list_cases, "run": run, "write": write}
    if not argv or argv[0] not in commands or (argv[0] == "write" and len(argv) < 2):
        print(__doc__)
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
