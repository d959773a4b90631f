"""YAML loader benchmark: what line marks cost, two ways of keeping them.

    .venv/bin/python bench/bench_yaml.py

Parsers name the line of every wrong-typed field, so they need where each node sits.
Two ways were measured on real-shaped documents built from the test fixtures (a dvc.lock
of 300 stages, the Azure ML command job spec), CPU time, best of 15:
- plain: `yaml.load` with the C safe loader alone: no marks, no checks (the floor);
- load_yaml: safeyaml's loader, whose mappings and lists carry their lines, plus its
  depth/cycle/alias-expansion walk (what every parser uses);
- plain + compose: the plain load, then a second `yaml.compose` pass for the marks.

On the 2-core development machine (loaded): dvc.lock 300 stages (158 KiB): plain 47 ms,
load_yaml 57 ms (+21 %), plain + compose 81 ms (+69 %); command-job.yml (1.7 KiB): plain
0.24 ms, load_yaml 0.28 ms (+16-19 %), plain + compose 0.37 ms (+53 %). Against the
loader before line marks (plain + its alias-expansion walk): +7-13 % and +2-3 %.
Since load_yaml builds its containers in one recursive pass that also does the walk's
checks (no generators, no second walk): dvc.lock 42 ms against plain 52 ms (-19 %),
command-job.yml 0.17 ms against 0.24 ms (-29 %); the code before, same window: +22 %, +22 %.
"""
from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from checker.safeyaml import load_yaml  # noqa: E402

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def documents() -> dict[str, str]:
    lock = (ROOT / "tests/data/dvc/project/dvc.lock").read_text()
    head, stages = lock.split("stages:\n", 1)
    # 5 stages, 60 times over under new names: 300 stages
    big_lock = head + "stages:\n" + "".join(re.sub(r"^  (\S+):$", rf"  \1-{i}:", stages, flags=re.M)
                                           for i in range(60))
    spec = (ROOT / "tests/data/azureml/jobs/command-job.yml").read_text()
    return {f"dvc.lock, 300 stages ({len(big_lock) // 1024} KiB)": big_lock,
            f"command-job.yml ({len(spec)} B)": spec}


def best(load, text: str) -> float:
    rounds = max(1, int(0.05 / max(_once(load, text), 1e-6)))
    times = []
    for _ in range(15):
        start = time.process_time()
        for _ in range(rounds):
            load(text)
        times.append((time.process_time() - start) / rounds)
    return min(times)


def _once(load, text: str) -> float:
    start = time.process_time()
    load(text)
    return time.process_time() - start


def main() -> None:
    ways = {
        "plain": lambda t: yaml.load(t, Loader=_Loader),   # noqa: S506 - a SafeLoader
        "load_yaml": lambda t: load_yaml(t, "bench"),
        "plain + compose": lambda t: (yaml.load(t, Loader=_Loader), yaml.compose(t, Loader=_Loader)),  # noqa: S506
    }
    for label, text in documents().items():
        times = {name: best(load, text) for name, load in ways.items()}
        plain = times["plain"]
        cells = ", ".join(f"{name} {t * 1000:.2f} ms ({(t / plain - 1) * 100:+.0f} %)" for name, t in times.items())
        print(f"{label}: {cells}")


if __name__ == "__main__":
    main()
