"""Scale-out benchmark (issue 13): an organisation's estate scanned one process, on a local
Dask cluster, by CI shards plus a merge, and incrementally with a cache.

    .venv/bin/python bench/bench_scale.py                         # --scale 0.1: 100 repos, 10k versions, 1k resources
    .venv/bin/python bench/bench_scale.py --scale 1               # 1,000 repos, 100k versions / 300k runs, 10k resources
    .venv/bin/python bench/bench_scale.py --scale 1 --modes single,local2

The estate (generated once into --out, default bench/out/scale/, reused by later runs):
- `repos/rNNNN`: git work trees from the git benchmark's fast-import stream (bench.py:
  History over build_tree: notebooks with outputs, csv data, DVC and MLproject files, a
  workflow, untracked files), 30-172 commits and 20-26 files each, every one different;
- `mlflow/mlflow.db`: an SQLite store in MLflow's own schema (bench_mlflow.write_store):
  10 versions per model, 3 runs per version;
- `infra/`: Azure Resource Graph export pages (bench_infra_exports.write_exports).

Each mode runs `mlcheck` as a child process; its wall time is measured from here and its
peak memory is the largest sum of PSS over the child and all its descendants (Dask workers
and the rule stage's forked children included; shared pages counted once), sampled every
0.1 s (the summed RSS beside it, as `peak_rss_sum_mib`). Modes:
- single: `mlcheck scan ESTATE` (the default path, no sharding);
- local2: `mlcheck scan ESTATE --executor local:2` (LocalCluster, 2 worker processes);
- shards: `mlcheck collect ESTATE --shard i/N` for each i (run one after the other here: CI
  would run them at once, so the CI wall time is the slowest job plus the merge), then the
  merge job `mlcheck scan --from-snapshot …`;
- tasks: each source collected alone in this process (as a worker runs it): the sum, the
  largest task and the time by source kind, which the projection to N workers rests on;
- merge: the merge alone, in this process, over the first k of the N shards (k = 1..N):
  load (JSON, digest check) and merge seconds against the nodes merged (linearity);
- cache: `mlcheck scan ESTATE --cache DIR` cold (fills it), warm (nothing changed), and
  after one commit in one repository.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path[:0] = [str(BENCH_DIR), str(REPO_ROOT), str(REPO_ROOT / "tests")]
MLCHECK = [sys.executable, "-m", "checker"]
MODES = ("single", "tasks", "local2", "shards", "merge", "cache")
CHILD_ENV = dict(os.environ)            # --pyc (the default) drops PYTHONDONTWRITEBYTECODE from it


# -- the estate ------------------------------------------------------------------------------

def build_estate(root: Path, repos: int, versions: int, resources: int) -> dict:
    """The estate at root, built once per size (a .done file marks each part)."""
    import bench
    from bench_infra_exports import write_exports
    from bench_mlflow import write_store
    built: dict = {}
    parts = {
        "repos": lambda: [bench.generate_repo(bench.Estate(30 + k // 7, 20 + k % 7), root / "repos" / f"r{k:04d}")
                          for k in range(repos)],
        "mlflow": lambda: write_store(root / "mlflow" / "mlflow.db", versions),
        "infra": lambda: write_exports(root / "infra", resources),
    }
    for name, make in parts.items():
        done = root / f".{name}.done"
        if done.exists():
            continue
        t0 = time.perf_counter()
        make()
        built[name] = round(time.perf_counter() - t0, 1)
        done.write_text("done\n")
    (root / ".mlcheck-root").touch()       # an estate of its own, whatever folder holds it
    return built


def touch_one_repo(root: Path) -> None:
    """One new commit in one repository (what the incremental run must notice)."""
    repo = root / "repos" / "r0000"
    stamp = time.strftime("%Y%m%dT%H%M%S")
    (repo / f"change-{stamp}.py").write_text("print('changed')\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@example.com"}
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, env=env)
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", "one change"], check=True, env=env)


# -- measuring a child process ---------------------------------------------------------------

def measured(args: list[str], cwd: Path) -> dict:
    """Run mlcheck ARGS; wall seconds, CPU seconds (user+sys of the children waited for:
    the child and what it waited for), peak memory of its process tree, exit code and,
    with -v, the seconds of each stage it went through.

    Peak memory is the largest sum of PSS (proportional set size) over the tree: the rule
    stage forks children that share the scan's pages copy-on-write, and summing their RSS
    counted those pages once per child (a 39k-node scan: 746 MiB summed RSS, 344 MiB peak
    in the one process). The summed RSS is kept beside it (`peak_rss_sum_mib`)."""
    import psutil
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.Popen([*MLCHECK, *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, start_new_session=True, env=CHILD_ENV)
    peak, peak_rss = [0], [0]

    def sample() -> None:
        try:
            top = psutil.Process(proc.pid)
            while proc.poll() is None:
                pss = rss = 0
                for p in [top, *top.children(recursive=True)]:
                    try:
                        rss += p.memory_info().rss
                        pss += _pss(p.pid)
                    except (psutil.Error, OSError):
                        pass
                peak[0], peak_rss[0] = max(peak[0], pss), max(peak_rss[0], rss)
                time.sleep(0.1)
        except psutil.Error:
            return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = proc.communicate()
    sampler.join()
    stages = {m.group(1): float(m.group(2)) for m in re.finditer(r"^mlcheck: ([\w-]+): ([\d.]+) s$", stderr, re.M)}
    return {"seconds": round(time.perf_counter() - t0, 2), "cpu_seconds": round(_children_cpu() - cpu0, 2),
            "peak_mib": round(peak[0] / 2**20), "peak_rss_sum_mib": round(peak_rss[0] / 2**20),
            "exit": proc.returncode,
            **({"stages": stages} if stages else {}),
            "stderr": stderr.strip().splitlines()[-1:] if stderr.strip() else []}


def _pss(pid: int) -> int:
    """A process's proportional set size in bytes (Linux smaps_rollup): its private pages
    plus its share of each page it shares."""
    with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
        for line in fh:
            if line.startswith(b"Pss:"):
                return int(line.split()[1]) * 1024
    return 0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def scan_args(estate: Path, out: Path, name: str, *extra: str) -> list[str]:
    return ["scan", str(estate), *extra, "--format", "json", "--output", str(out / f"{name}.json")]


def digest(out: Path, name: str) -> str:
    return json.loads((out / f"{name}.json").read_text())["graph_digest"]


# -- the modes -------------------------------------------------------------------------------

def mode_single(estate: Path, out: Path, args) -> dict:
    row = measured(scan_args(estate, out, "single"), out)
    summary = json.loads((out / "single.json").read_text())["summary"]
    row["nodes"] = sum(summary["nodes_by_kind"].values())
    row["nodes_by_kind"] = summary["nodes_by_kind"]
    return row


def mode_local2(estate: Path, out: Path, args) -> dict:
    row = measured(scan_args(estate, out, "local2", "--executor", "local:2"), out)
    row["same_digest_as_single"] = _same(out, "local2")
    return row


def mode_shards(estate: Path, out: Path, args) -> dict:
    jobs = []
    for i in range(1, args.shards + 1):
        shard = out / f"shard-{i}.json"
        job = measured(["collect", str(estate), "--shard", f"{i}/{args.shards}", "--soft-fail",
                        "--snapshot-out", str(shard)], out)
        job["shard_mib"] = round(shard.stat().st_size / 2**20, 1)
        jobs.append(job)
    merge = measured(["scan", *[a for i in range(1, args.shards + 1) for a in ("--from-snapshot", str(out / f"shard-{i}.json"))],
                      "--format", "json", "--output", str(out / "merged.json")], out)
    return {"jobs": jobs, "merge_job": merge, "ci_wall_seconds": round(max(j["seconds"] for j in jobs) + merge["seconds"], 2),
            "same_digest_as_single": _same(out, "merged")}


def mode_merge(estate: Path, out: Path, args) -> dict:
    """The merge alone, in this process, over the first k shards (needs the shards mode's files)."""
    import gc
    from checker.scale.shards import load_snapshot, merge_files
    rows = []
    for k in range(1, args.shards + 1):
        gc.collect()
        gc.disable()                    # as the scan does around collection and merging
        t0 = time.perf_counter()
        shards = [load_snapshot(out / f"shard-{i}.json") for i in range(1, k + 1)]
        t1 = time.perf_counter()
        merged = merge_files(shards)
        t2 = time.perf_counter()
        gc.enable()
        nodes = len(merged.graph)
        rows.append({"shards": k, "nodes": nodes, "edges": merged.graph.g.number_of_edges(),
                     "load_seconds": round(t1 - t0, 2), "merge_seconds": round(t2 - t1, 2),
                     "merge_us_per_node": round((t2 - t1) / max(nodes, 1) * 1e6, 2)})
        del shards, merged
    return {"by_shards": rows}


def mode_tasks(estate: Path, out: Path, args) -> dict:
    """Each source collected on its own in this process, as a worker runs its task: the
    numbers the projection to N workers rests on (sum, the largest task, by kind)."""
    from checker.collectors import load_registry
    from checker.scale.shards import collect_source
    from checker.scan import resolve_sources
    sources = resolve_sources([str(estate)], [], load_registry())
    times = []
    for i, source in enumerate(sources):
        t0 = time.perf_counter()
        shard = collect_source(source, {}, None, i)
        times.append((time.perf_counter() - t0, source.kind, source.display, len(shard.graph)))
    by_kind: dict = {}
    for seconds, kind, _, nodes in times:
        entry = by_kind.setdefault(kind, {"sources": 0, "seconds": 0.0, "nodes": 0})
        entry["sources"] += 1
        entry["seconds"] = round(entry["seconds"] + seconds, 2)
        entry["nodes"] += nodes
    largest = max(times)
    return {"sources": len(times), "sum_seconds": round(sum(t[0] for t in times), 2), "by_kind": by_kind,
            "largest": {"seconds": round(largest[0], 2), "source": largest[2], "nodes": largest[3]}}


def mode_cache(estate: Path, out: Path, args) -> dict:
    """The CI gate's run (JSON + SARIF) with --cache: cold (fills it), warm (nothing changed:
    replayed), after one commit in one repository (that source collected, the estate
    judged again), the same again (the new state replayed), and a scan without a cache
    after the change (what it must equal). -v: the stages each run went through."""
    cache = out / "cache"
    shutil.rmtree(cache, ignore_errors=True)

    def run(name: str, *extra: str) -> dict:
        row = measured(["scan", str(estate), *extra, "-v", "--format", "json", "--output", str(out / f"{name}.json"),
                        "--format", "sarif", "--output", str(out / f"{name}.sarif")], out)
        print(f"{name}: {json.dumps(row)}", file=sys.stderr, flush=True)      # a long run shows as it goes
        return row

    def same(a: str, b: str) -> bool:
        return all((out / f"{a}{x}").read_bytes() == (out / f"{b}{x}").read_bytes() for x in (".json", ".sarif"))

    cold = run("cache-cold", "--cache", str(cache))
    warm = run("cache-warm", "--cache", str(cache))
    touch_one_repo(estate)
    changed = run("cache-changed", "--cache", str(cache))
    changed_warm = run("cache-changed-warm", "--cache", str(cache))
    fresh = run("after-change")                                    # what both must equal
    return {"cold": cold, "warm_unchanged": warm, "after_one_change": changed,
            "after_one_change_warm": changed_warm, "single_after_change": fresh,
            "warm_over_single": round(warm["seconds"] / fresh["seconds"], 3),
            "warm_over_single_cpu": round(warm["cpu_seconds"] / fresh["cpu_seconds"], 3),
            "warm_reports_identical_to_cold": same("cache-warm", "cache-cold"),
            "changed_reports_identical_to_single": same("cache-changed", "after-change"),
            "changed_warm_reports_identical_to_single": same("cache-changed-warm", "after-change"),
            "cache_mib": round(sum(p.stat().st_size for p in cache.rglob("*") if p.is_file()) / 2**20),
            "replayed_reports_mib": round(sum(p.stat().st_size for p in cache.glob("replay/*.report-*")) / 2**20)}


def _same(out: Path, name: str) -> bool | None:
    if not (out / "single.json").exists():
        return None
    return digest(out, name) == digest(out, "single")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=0.1,
                        help="1 = 1,000 repositories, 100k model versions (300k runs), 10k resources")
    parser.add_argument("--shards", type=int, default=2, help="CI jobs for the shards mode (default 2)")
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, of {', '.join(MODES)}")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "out" / "scale")
    parser.add_argument("--code", type=Path, help="run mlcheck from this source tree, e.g. a `git worktree` of "
                        "the commit to compare with (the venv's editable install pointed at it)")
    parser.add_argument("--pyc", action=argparse.BooleanOptionalAction, default=True,
                        help="mlcheck runs from compiled bytecode, as a pip-installed package does, even when "
                        "PYTHONDONTWRITEBYTECODE is set (--no-pyc: every run compiles its ~130 modules, 0.35 s CPU)")
    args = parser.parse_args(argv)
    if args.pyc:
        CHILD_ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    if args.code:
        MLCHECK[1:] = ["-c", "import runpy, sys\n"
                       "for finder in sys.meta_path:   # the editable install's map: checker and its rule folders\n"
                       "    mapping = getattr(sys.modules.get(getattr(finder, '__module__', '')), 'MAPPING', None)\n"
                       "    if isinstance(mapping, dict) and 'checker' in mapping:\n"
                       f"        root = {str(args.code.resolve())!r}\n"
                       "        old = mapping['checker'].rsplit('/checker', 1)[0]\n"
                       "        mapping.update({k: v.replace(old, root, 1) for k, v in mapping.items()})\n"
                       "runpy.run_module('checker', run_name='__main__', alter_sys=True)"]
    repos, versions, resources = int(1000 * args.scale), int(100_000 * args.scale), int(10_000 * args.scale)
    name = f"r{repos}-v{versions}-i{resources}"
    estate = args.out / name / "estate"
    work = args.out / name / "runs"
    work.mkdir(parents=True, exist_ok=True)
    built = build_estate(estate, repos, versions, resources)
    result: dict = {"estate": name, "repos": repos, "model_versions": versions, "runs": 3 * versions,
                    "resources": resources, "built_seconds": built, "cores": os.cpu_count(), "pyc": args.pyc,
                    "loadavg_before": os.getloadavg()[0]}
    for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
        print(f"-- {mode}", file=sys.stderr, flush=True)
        result[mode] = globals()[f"mode_{mode}"](estate, work, args)
        print(json.dumps(result[mode], indent=1), file=sys.stderr, flush=True)
    result["loadavg_after"] = os.getloadavg()[0]
    (work / "result.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
