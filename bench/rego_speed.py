"""Embedded Rego engines at 1k / 10k / 100k / 200k nodes: load the input, evaluate each built-in policy.

    python bench/rego_speed.py                    # both engines, all sizes
    python bench/rego_speed.py regorus 1000 10000 # one engine, some sizes

The estate is the issue's shape: N tracked data files, one model version whose run points at
a commit and a source file no repository holds, one run reading an unpinned dataset, one DVC
output with no remote. Each built-in Rego rule gets its own input (the kinds it declares), as
a scan sends it; MLC-REPO-003 runs twice: with the default 1 MiB limit (no file is a hit) and
with data_file_max_bytes: 0 (every file is a hit). Each measurement runs in a child process
(checker/engines/rego_isolate.py) with a deadline, so an engine that cannot finish is reported
as such. The last column is a whole Rego stage as a scan runs it (RegoEngine.evaluate: one
child per rule, in parallel).
"""
from __future__ import annotations

import functools
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checker.catalog import load_catalog                        # noqa: E402
from checker.engines import rego_wire as wire                   # noqa: E402
from checker.engines.rego import RegoEngine, rule_input          # noqa: E402
from checker.engines.rego_embedded import ENGINES, UNDEFINED    # noqa: E402
from checker.engines.rego_isolate import TaskFailed, run_all    # noqa: E402
from checker.graph import EstateGraph                           # noqa: E402

SIZES = (1_000, 10_000, 100_000, 200_000)
DEADLINE = 60.0


def estate(n_files: int) -> EstateGraph:
    g = EstateGraph()
    g.add_node("repo", "git:churn", {"path": "churn", "vcs": "git", "dvc_remotes": {}, "dvc_default_remote": ""})
    for i in range(n_files):
        g.add_node("file", f"git:churn/data/part-{i:06d}.csv",
                   {"path": f"data/part-{i:06d}.csv", "ext": ".csv", "role": "data", "tracked": True,
                    "size": 2048 + i, "lfs": False, "dvc_tracked": False})
    mv = g.add_node("model_version", "mlflow://prod/churn/3", {"name": "churn", "version": "3"})
    run = g.add_node("run", "mlflow://prod/r1", {
        "run_id": "r1", "git_commit": "9f3c2e1a7b5d4c3e2f1a0b9c8d7e6f5a4b3c2d1e",
        "source_name": "C:\\Users\\ada\\churn\\train.py"})
    ds = g.add_node("dataset", "mlflow://prod/r1/raw", {"name": "raw", "pinned": False, "pin_reason": "no digest"})
    dvc = g.add_node("dataset", "dvc:git:churn/data/raw.csv", {
        "store": "dvc", "path": "data/raw.csv", "declared_in": "data/raw.csv.dvc", "repo": "repo:git:churn"})
    g.add_edge(mv, run, "produced_by")
    g.add_edge(run, ds, "reads")
    del dvc
    return g


def measure(engine_name: str, engine, ref: str, doc: dict) -> bytes:
    """In a child: (seconds to load the input, seconds to evaluate, hits) as JSON."""
    text = wire.dumps(doc)
    started = time.perf_counter()
    if engine_name == "regorus":
        engine._engine.set_input_json(text)
        load = time.perf_counter() - started
        answer = engine._engine.eval_rule_as_json(ref)
        evaluate = time.perf_counter() - started - load
    else:
        engine._interp.set_input_term(text)
        load = time.perf_counter() - started
        answer = engine.evaluate(ref, text)      # sets the input again: count that load once
        evaluate = time.perf_counter() - started - 2 * load
    hits = 0 if answer in (UNDEFINED, '"<undefined>"') else len(json.loads(answer))
    return json.dumps([load, evaluate, hits]).encode()


def main(engines: list[str], sizes: list[int]) -> None:
    catalog = load_catalog()
    modules = [(str(p), p.read_text(encoding="utf-8")) for p in catalog.policy_files]
    rules = [r for r in catalog.rules if r.engine == "rego"]
    print(f"{'engine':8} {'nodes':>8} {'rule':22} {'input MB':>9} {'load s':>8} {'eval s':>8} {'hits':>7}")
    for n in sizes:
        graph = estate(n)
        for engine_name in engines:
            runs = [(r, {}) for r in rules] + [(r, {"data_file_max_bytes": 0}) for r in rules if r.id == "MLC-REPO-003"]
            for rule, params in runs:
                doc = rule_input(rule, graph)
                size = len(wire.dumps(doc).encode()) / 2**20
                # Built here: the child is sandboxed and can open no file (not even a module to import).
                engine = ENGINES[engine_name](modules, wire.dumps({"mlcheck": {"params": params}}))
                task = functools.partial(measure, engine_name, engine, rule.check["rego"], doc)
                answer = run_all({"m": task}, DEADLINE, 2**31, 1)["m"]
                label = rule.id + (" (all hits)" if params else "")
                if isinstance(answer, TaskFailed):
                    print(f"{engine_name:8} {n:>8} {label:22} {size:>9.1f}  {str(answer)[:60]}")
                    continue
                load, evaluate, hits = json.loads(answer)
                print(f"{engine_name:8} {n:>8} {label:22} {size:>9.1f} {load:>8.3f} {evaluate:>8.3f} {hits:>7}")
            for params in ({"rego_timeout": DEADLINE}, {"data_file_max_bytes": 0, "rego_timeout": DEADLINE}):
                started = time.perf_counter()
                results = RegoEngine(catalog.policy_files, params, engine_name).evaluate(rules, graph)
                failed = [rid for rid, r in results.items() if r.error]
                label = "scan stage" + (" (all hits)" if "data_file_max_bytes" in params else "")
                print(f"{engine_name:8} {n:>8} {label:22} {'':>9} {'':>8} {time.perf_counter() - started:>8.3f} "
                      f"{sum(len(r.hits) for r in results.values()):>7}" + (f"  failed: {failed}" if failed else ""))
        sys.stdout.flush()


if __name__ == "__main__":
    args = sys.argv[1:]
    chosen = [a for a in args if a in ENGINES] or list(ENGINES)
    main(chosen, [int(a) for a in args if a.isdigit()] or list(SIZES))
