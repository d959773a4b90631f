"""Run OPA's own conformance cases on each embedded Rego engine, through mlcheck's engine layer.

OPA's test cases (open-policy-agent/opa, v1/test/cases/testdata/v1/<topic>/*.yaml) are not
part of this repository: save the files you want to measure under a folder outside it, then

    python bench/rego_conformance.py /tmp/opa-cases            # every engine
    python bench/rego_conformance.py /tmp/opa-cases regorus    # one engine

A case file holds `cases:`, each with `modules`, optional `data` and `input`, a `query` and
either `want_result` (a list of bindings; [] = undefined) or `want_error(_code)`. Cases whose
query is `data.<path> = x` run as mlcheck runs a rule: the engine evaluates the rule
`data.<path>` (checker.engines.rego_embedded, the same call a scan makes, in a child process
with a deadline) and the value must equal the wanted `x`, or the engine must fail where OPA
wants an error. Other query forms are counted as skipped. Prints pass/fail per file and engine.
"""
from __future__ import annotations

import functools
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checker.engines import rego_wire as wire                              # noqa: E402
from checker.engines.rego_embedded import ENGINES, UNDEFINED, ModuleError  # noqa: E402
from checker.engines.rego_isolate import TaskFailed, run_all               # noqa: E402

RULE_QUERY = re.compile(r"^\s*(data(?:\.[A-Za-z_]\w*)+)\s*=\s*x\s*$")
TIMEOUT = 20.0


def verdict(case: dict, engine_name: str) -> str:
    """'pass', 'fail: why' or 'skip: why' for one case on one engine."""
    match = RULE_QUERY.match(case.get("query", ""))
    if not match:
        return "skip: query form"
    modules = [(f"case-{i}.rego", text) for i, text in enumerate(case.get("modules") or [])]
    wants_error = "want_error" in case or "want_error_code" in case
    try:
        engine = ENGINES[engine_name](modules, wire.dumps(case.get("data") or {}))
    except ModuleError as exc:
        return "pass" if wants_error else f"fail: does not load: {exc.reason[:120]}"
    task = functools.partial(_evaluate, engine, match.group(1), wire.dumps(case.get("input", {})))
    answer = run_all({"case": task}, TIMEOUT, 64 * 2**20, 1)["case"]
    if wants_error:
        return "pass" if isinstance(answer, TaskFailed) else "fail: no error"
    if isinstance(answer, TaskFailed):
        return f"fail: error {str(answer)[:120]}"
    got = None if answer == UNDEFINED.encode() else wire.loads(answer)
    wanted = case.get("want_result")
    want = wanted[0]["x"] if wanted else None
    if case.get("sort_bindings") and isinstance(got, list) and isinstance(want, list):
        got, want = sorted(got, key=wire.dumps), sorted(want, key=wire.dumps)
    return "pass" if got == want else f"fail: got {wire.dumps(got)[:80]}, want {wire.dumps(want)[:80]}"


def _evaluate(engine, ref: str, input_json: str) -> bytes:
    return engine.evaluate(ref, input_json).encode("utf-8")


def main(folder: Path, engines: list[str]) -> None:
    totals = {name: {"pass": 0, "fail": 0, "skip": 0} for name in engines}
    print(f"{'file':55} " + " ".join(f"{name:>14}" for name in engines))
    failures = []
    for path in sorted(folder.rglob("*.yaml")):
        cases = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("cases") or []
        row = []
        for name in engines:
            counts = {"pass": 0, "fail": 0, "skip": 0}
            for case in cases:
                result = verdict(case, name)
                counts[result.split(":")[0]] += 1
                if result.startswith("fail"):
                    failures.append(f"  {name:8} {case.get('note')}: {result[6:]}")
            for key in counts:
                totals[name][key] += counts[key]
            row.append(f"{counts['pass']:>5} / {counts['pass'] + counts['fail']:<4}" + ("*" if counts["skip"] else " "))
        print(f"{str(path.relative_to(folder)):55} " + " ".join(f"{cell:>14}" for cell in row))
    print(f"{'total (passed / run; * = some skipped)':55} "
          + " ".join(f"{t['pass']:>5} / {t['pass'] + t['fail']:<5}" for t in totals.values()))
    for name, t in totals.items():
        print(f"{name}: {t['pass']} passed, {t['fail']} failed, {t['skip']} skipped")
    if failures:
        print("\nfailures:")
        print("\n".join(failures))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), sys.argv[2:] or list(ENGINES))
