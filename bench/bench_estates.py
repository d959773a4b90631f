"""mlcheck on real-shaped estates, stage by stage, beside each estate's parse floor.

    .venv/bin/python bench/bench_estates.py [--sizes small|full] [--estate NAME ...] [--out DIR]
                                            [--checkov PATH] [--profile]

Estates (bench/estates.py builds and caches them): `azureml-<k>x` (shaped like the Azure ML
examples repository, 1x ≈ 1,200 files), `lineage-<n>k[-c<m>]` (≈ n thousand nodes: git
history and an MLflow store whose runs point into it, at 3,000 or m distinct commits),
`hits-<n>[k]` (rules with n hits). `--quick`: only the untraced scan and floor.
`--sizes small`: azureml-1x, hits-1k; `full`: azureml-1x, azureml-10x, lineage-200k,
hits-1k, hits-2k, hits-4k. Any name of those shapes can be given with --estate.

For each estate, every measurement in a fresh child process (max RSS is that estate's):
1. scan: checker.scan.run_scan + the json and console reporters into /dev/null, untraced
   (seconds per stage from a bench/stages.py StageTimer, max RSS); then, on the same graph, the graph
   rules and the Rego rules evaluated apart (what the rules stage spends on each engine)
   and every rule alone (seconds and hits);
2. the same scan under tracemalloc (a traced bench/stages.py StageTimer): MiB per stage;
3. the parse floor, untraced then traced: what any scanner must pay to read and parse the
   same input — the history (`git log`, the collector's format), HEAD's tree (`git
   ls-tree`) and every blob in it through one `git cat-file --batch` (fed all at once),
   the untracked files, YAML through PyYAML's C safe loader, notebooks and JSON through
   json, and the MLflow tables the collector reads (sqlite3, the runs model versions use);
4. `mlcheck scan` as a user runs it (the venv's console script, json to a file, console
   to /dev/null): whole-process wall seconds, CPU, max RSS and the exit code (2 would be
   a usage/config/rule error caused by data: a goal says never);
5. with --checkov PATH: `checkov -d ESTATE --skip-download -o json --quiet` the same way.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
import estates  # noqa: E402  (a sibling module; bench/ is no package)

SIZES = {"small": ["azureml-1x", "hits-1k"],
         "full": ["azureml-1x", "azureml-10x", "lineage-200k", "hits-1k", "hits-2k", "hits-4k"]}
STAGES = ("rules-load", "collect", "link", "rules", "findings", "report-json", "report-console")
SCAN_STAGES = STAGES[:5]
GIT_LOG_FORMAT = "--format=%H%x1f%P%x1f%an%x1f%aI%x1f%cI%x1f%s%x1e"


# -- child: the scan ------------------------------------------------------------------------

def child_scan(info: dict, traced: bool, apart: bool = True) -> dict:
    from checker.reporters import render
    from checker.scan import ScanOptions, evaluate, frozen_heap, run_scan
    from stages import StageTimer
    params = info["params"]
    cpu0 = cpu_seconds()
    timer = StageTimer(traced)
    in_scan = time_engines()
    result = run_scan(ScanOptions(paths=[info["path"]], params=params, skip=info.get("skip", [])), observe=timer)
    in_scan = dict(in_scan)        # the scan's own calls only (the timings below call again)
    for fmt in ("json", "console"):
        with frozen_heap(), open(os.devnull, "w", encoding="utf-8") as null, timer(f"report-{fmt}"):
            render(fmt, result, null)
    stages = timer.stages
    out = {"stages": stages, "nodes": len(result.graph), "edges": result.graph.g.number_of_edges(),
           "by_kind": result.graph.count_by_kind(), "findings": len(result.findings),
           "n_errors": len(result.graph.errors), "errors": [str(e) for e in result.graph.errors][:6],
           "evaluation_errors": result.evaluation_errors,
           "hits": {r.id: len(result.results[r.id].hits) for r in result.rules},
           "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
           "cpu_s": cpu_seconds() - cpu0}
    if apart and not traced:
        out["engines"], out["per_rule"] = engines_apart(result, stages, params, evaluate)
        out["engines"].update(in_scan)
    return out


def time_engines() -> dict[str, float]:
    """Seconds each rule engine's `evaluate` took, filled as the scan calls them: the Rego
    stage timed inside the scan's rules stage, on the scan's own heap (a subtraction of a
    second graph-rules run from the stage, as before, was off by that run's noise)."""
    from checker.engines import graph, rego
    seconds: dict[str, float] = {}
    for name, cls in (("graph", graph.GraphEngine), ("rego", rego.RegoEngine)):
        def timed(self, *args, _evaluate=cls.evaluate, _name=name, **kwargs):
            t0 = time.perf_counter()
            try:
                return _evaluate(self, *args, **kwargs)
            finally:
                seconds.setdefault(_name, time.perf_counter() - t0)
        cls.evaluate = timed
    return seconds


def cpu_seconds() -> float:
    """User + system CPU of this process and the children it reaped (git)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def engines_apart(result, stages: dict, params: dict, evaluate) -> tuple[dict, dict]:
    """Seconds of the graph rules together, then of every rule alone, on the scan's graph.
    The engines' seconds are replaced by those timed inside the scan (time_engines) where
    it called them; the subtraction below stays for a scan that called no Rego rule."""
    def timed(rules) -> tuple[float, dict]:
        t0, c0 = time.perf_counter(), time.process_time()
        res = evaluate(result.graph, result.catalog, rules, params)
        cpu[0] = time.process_time() - c0
        return time.perf_counter() - t0, res

    cpu = [0.0]

    graph_rules = [r for r in result.rules if r.engine == "graph"]
    engines = {"graph": timed(graph_rules)[0] if graph_rules else 0.0}
    engines["rego"] = max(0.0, stages["rules"]["seconds"] - engines["graph"])
    per_rule = {}
    for rule in result.rules:
        seconds, res = timed([rule])
        per_rule[rule.id] = {"engine": rule.engine, "seconds": seconds, "cpu_s": cpu[0], "hits": len(res[rule.id].hits),
                             "error": res[rule.id].error}
    return engines, per_rule


# -- child: the parse floor -------------------------------------------------------------------

class Part:
    """Accumulates the seconds (and, traced, the largest peak) of one floor part."""

    def __init__(self, parts: dict, name: str, traced: bool) -> None:
        self.entry = parts.setdefault(name, {"seconds": 0.0, "count": 0})
        self.traced = traced

    def __enter__(self):
        if self.traced:
            tracemalloc.start()
            tracemalloc.reset_peak()
        self.t0 = time.perf_counter()
        return self.entry

    def __exit__(self, *exc):
        self.entry["seconds"] += time.perf_counter() - self.t0
        if self.traced:
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            self.entry["peak_mib"] = max(self.entry.get("peak_mib", 0.0), peak)
            tracemalloc.stop()
        return False


def git(repo: Path, *args: str, stdin: bytes | None = None) -> bytes:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, LC_ALL="C")
    return subprocess.run(["git", "--no-pager", "-C", str(repo), *args], input=stdin, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True).stdout


def cat_file_batch(repo: Path, shas: list[str]) -> list[bytes]:
    """Every blob through one `git cat-file --batch`, fed from a thread while read back."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    proc = subprocess.Popen(["git", "-C", str(repo), "cat-file", "--batch"], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def feed() -> None:
        with proc.stdin:
            proc.stdin.write("".join(s + "\n" for s in shas).encode())
    writer = threading.Thread(target=feed)
    writer.start()
    blobs = []
    for _ in shas:
        size = int(proc.stdout.readline().split()[2])
        blobs.append(proc.stdout.read(size))
        proc.stdout.read(1)
    writer.join()
    proc.stdout.close()
    proc.wait()
    return blobs


def floor_repo(repo: Path, parts: dict, traced: bool) -> None:
    import json as json_mod

    import yaml
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with Part(parts, "git history", traced) as p:
        log = git(repo, "log", "--all", "--topo-order", "--no-decorate", GIT_LOG_FORMAT)
        records = [r.strip(b"\n").decode("utf-8", "replace").split("\x1f") for r in log.split(b"\x1e") if r.strip()]
        p["count"] += len(records)
    with Part(parts, "tree + blobs", traced) as p:
        entries = []
        for rec in git(repo, "ls-tree", "-r", "-l", "-z", "--full-tree", "HEAD").split(b"\0"):
            if rec:
                meta, path = rec.split(b"\t", 1)
                mode, otype, sha, _size = meta.decode().split()
                if otype == "blob" and mode != "120000":
                    entries.append((path.decode("utf-8", "replace"), sha))
        files = dict(zip((path for path, _ in entries), cat_file_batch(repo, [sha for _, sha in entries])))
        for raw in git(repo, "ls-files", "-z", "--others", "--exclude-standard").split(b"\0"):
            if raw and not raw.endswith(b"/"):
                files[os.fsdecode(raw)] = (repo / os.fsdecode(raw)).read_bytes()
        p["count"] += len(files)
        p["bytes"] = p.get("bytes", 0) + sum(len(b) for b in files.values())
    with Part(parts, "parse yaml", traced) as p:
        for path, data in files.items():
            if path.endswith((".yml", ".yaml")):
                p["count"] += 1
                try:
                    yaml.load(data, Loader=loader)  # noqa: S506 - the C *safe* loader
                except yaml.YAMLError:
                    p["invalid"] = p.get("invalid", 0) + 1
    with Part(parts, "parse json", traced) as p:
        for path, data in files.items():
            if path.endswith((".ipynb", ".json")):
                p["count"] += 1
                json_mod.loads(data)


def floor_store(store: Path, parts: dict, traced: bool) -> None:
    """The MLflow tables the collector reads: all experiments, models and versions, the runs
    versions point at (with tags, param/metric counts, dataset inputs), 200 recent runs."""
    import sqlite3
    used = "(SELECT run_id FROM model_versions)"
    queries = [
        "SELECT * FROM experiments", "SELECT * FROM experiment_tags", "SELECT * FROM registered_models",
        "SELECT * FROM registered_model_tags", "SELECT * FROM registered_model_aliases",
        "SELECT * FROM model_versions", "SELECT * FROM model_version_tags",
        f"SELECT * FROM runs WHERE run_uuid IN {used}",
        "SELECT * FROM runs WHERE lifecycle_stage = 'active' ORDER BY start_time DESC LIMIT 200",
        f'SELECT run_uuid, "key", value FROM tags WHERE run_uuid IN {used}',
        f"SELECT run_uuid, count(*) FROM params WHERE run_uuid IN {used} GROUP BY run_uuid",
        f"SELECT run_uuid, count(*) FROM latest_metrics WHERE run_uuid IN {used} GROUP BY run_uuid",
        "SELECT i.destination_id, d.name, d.digest, d.dataset_source_type, d.dataset_source, d.dataset_schema, "
        "d.dataset_profile, t.value FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id "
        "LEFT JOIN input_tags t ON t.input_uuid = i.input_uuid AND t.name = 'mlflow.data.context' "
        f"WHERE i.destination_id IN {used}",
    ]
    with Part(parts, "sqlite", traced) as p:
        db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
        for sql in queries:
            rows = db.execute(sql).fetchall()
            p["count"] += len(rows)
            if "dataset_source" in sql:
                for row in rows:
                    json.loads(row[4])
        db.close()


def child_floor(info: dict, traced: bool) -> dict:
    import yaml  # noqa: F401  (imported before timing, as the scan's imports are)
    parts: dict[str, dict] = {}
    cpu0 = cpu_seconds()
    root = Path(info["path"])
    for repo in info["repos"]:
        floor_repo(root / repo, parts, traced)
    for store in info["stores"]:
        floor_store(root / store, parts, traced)
    return {"parts": parts, "seconds": sum(p["seconds"] for p in parts.values()), "cpu_s": cpu_seconds() - cpu0,
            "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


# -- whole processes ---------------------------------------------------------------------------

def timed_process(cmd: list[str], cwd: Path, timeout: float) -> dict:
    """Wall seconds, CPU seconds and max RSS (the process and the children it reaped) of one
    run, from the kernel's accounting (wait4), and its exit code."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", "replace")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "maxrss_mib": usage.ru_maxrss / 1024,
            "exit": proc.returncode, "timed_out": wall >= timeout, "stderr_tail": tail}


def mlcheck_cli(info: dict, out: Path, timeout: float) -> dict:
    script = Path(sys.executable).parent / "mlcheck"
    cmd = [str(script) if script.exists() else sys.executable, *([] if script.exists() else ["-m", "checker"])]
    cmd += ["scan", info["path"], "--format", "json", "--output", str(out / f"{info['name']}.report.json"),
            "--format", "console"]
    cmd += [f"--skip={rule}" for rule in info.get("skip", [])]
    if info["params"]:
        config = out / f"{info['name']}.mlcheck.yaml"
        config.write_text(json.dumps({"params": info["params"]}) + "\n")    # JSON is YAML
        cmd += ["--config", str(config)]
    with tempfile.TemporaryDirectory() as cwd:      # no ./mlcheck.yaml of ours is picked up
        return timed_process(cmd, Path(cwd), timeout)


def checkov(binary: str, info: dict, timeout: float) -> dict:
    with tempfile.TemporaryDirectory() as cwd:
        return timed_process([binary, "-d", info["path"], "--skip-download", "-o", "json", "--quiet"],
                             Path(cwd), timeout)


def run_child(mode: str, info: dict, traced: bool, timeout: float) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--info", json.dumps(info)]
    if traced:
        cmd.append("--traced")
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"failed": f"timed out after {timeout:.0f} s", "stderr": ""}
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        return {"failed": lines[-1] if lines else f"exit {proc.returncode}", "stderr": proc.stderr[-3000:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def profile_scan(info: dict, dest: Path) -> None:
    """cProfile of run_scan + reporters (untraced), top functions by cumulative and own time."""
    code = (f"import cProfile, pstats, io, sys, json; sys.path.insert(0, {str(BENCH_DIR)!r})\n"
            "import bench_estates as b\n"
            f"info = json.loads({json.dumps(json.dumps(info))})\n"
            "prof = cProfile.Profile(); prof.runcall(b.child_scan, info, False, False)\n"
            f"prof.dump_stats({str(dest.with_suffix('.prof'))!r})\n"
            "s = io.StringIO(); st = pstats.Stats(prof, stream=s).strip_dirs()\n"
            "st.sort_stats('cumulative').print_stats(40); st.sort_stats('tottime').print_stats(25)\n"
            f"open({str(dest)!r}, 'w').write(s.getvalue())\n")
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True)


# -- report ---------------------------------------------------------------------------------

def table(columns: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(columns)]
    fmt = lambda cells: "| " + " | ".join(c.rjust(w) if i else c.ljust(w)   # noqa: E731
                                          for i, (c, w) in enumerate(zip(cells, widths))) + " |"
    sep = "|" + "|".join("-" * (w + 1) + (":" if i else "-") for i, w in enumerate(widths)) + "|"
    return "\n".join([fmt(columns), sep, *(fmt(r) for r in rows)])


STAGE_COLUMNS = ["estate", "nodes", "edges", "findings", "errors", "load s", "collect s", "collect MiB",
                 "link s", "link MiB", "rules s", "rules MiB", "graph rules s", "rego s", "findings s",
                 "json s", "json MiB", "console s", "console MiB", "total s", "cpu s", "max RSS MiB"]


def stage_row(name: str, timed: dict, traced: dict) -> list[str]:
    if "failed" in timed:
        return [name, "FAILED: " + timed["failed"][:120], *[""] * (len(STAGE_COLUMNS) - 2)]
    t, m = timed["stages"], traced.get("stages", {})      # no MiB when the traced run failed or was skipped
    sec = lambda s: f"{t[s]['seconds']:.2f}" if s in t else "-"                     # noqa: E731
    mib = lambda s: f"{m[s]['peak_mib']:.1f}" if "peak_mib" in m.get(s, {}) else "-"   # noqa: E731
    return [name, str(timed["nodes"]), str(timed["edges"]), str(timed["findings"]), str(timed["n_errors"]),
            sec("rules-load"), sec("collect"), mib("collect"), sec("link"), mib("link"), sec("rules"),
            mib("rules"), f"{timed['engines']['graph']:.2f}", f"{timed['engines']['rego']:.2f}",
            sec("findings"), sec("report-json"), mib("report-json"), sec("report-console"),
            mib("report-console"), f"{total(timed):.2f}", f"{timed['cpu_s']:.1f}", f"{timed['maxrss_mib']:.0f}"]


def total(timed: dict, stages=STAGES) -> float:
    return sum(timed["stages"][s]["seconds"] for s in stages if s in timed["stages"])


FLOOR_COLUMNS = ["estate", "files read", "MB read", "commits", "history s", "tree+blobs s", "yaml s (files)",
                 "json s (files)", "sqlite s (rows)", "floor s", "floor cpu s", "floor MiB", "floor RSS MiB",
                 "scan s", "total s", "total/floor", "cpu/floor cpu", "mlcheck scan wall s", "exit", "loadavg"]


def floor_row(name: str, timed: dict, floor: dict, floor_traced: dict, cli: dict, loadavg: float) -> list[str]:
    if "failed" in floor:
        return [name, "FAILED: " + floor["failed"][:120], *[""] * (len(FLOOR_COLUMNS) - 2)]
    p = floor["parts"]
    part = lambda k, n=True: (f"{p[k]['seconds']:.2f}" + (f" ({p[k]['count']})" if n else "")  # noqa: E731
                              if k in p else "-")
    blobs = p.get("tree + blobs", {})
    peak = max((v.get("peak_mib", 0.0) for v in floor_traced.get("parts", {}).values()), default=None)
    ok = "failed" not in timed
    tot = total(timed) if ok else 0.0
    return [name, str(blobs.get("count", 0)), f"{blobs.get('bytes', 0) / 1e6:.1f}",
            str(p.get("git history", {}).get("count", 0)), part("git history", False),
            part("tree + blobs", False), part("parse yaml"), part("parse json"), part("sqlite"),
            f"{floor['seconds']:.2f}", f"{floor['cpu_s']:.2f}", "-" if peak is None else f"{peak:.1f}",
            f"{floor['maxrss_mib']:.0f}",
            f"{total(timed, SCAN_STAGES):.2f}" if ok else "-", f"{tot:.2f}" if ok else "-",
            f"{tot / floor['seconds']:.1f}x" if ok and floor["seconds"] else "-",
            f"{timed['cpu_s'] / floor['cpu_s']:.1f}x" if ok and floor["cpu_s"] else "-",
            f"{cli['wall_s']:.2f}" if cli["wall_s"] else "-", str(cli["exit"]), f"{loadavg:.1f}"]


def rule_rows(name: str, timed: dict) -> list[list[str]]:
    if "failed" in timed:
        return []
    return [[name, rule, r["engine"], str(r["hits"]), f"{r['seconds']:.3f}",
             f"{r['cpu_s']:.3f}" if "cpu_s" in r else "-",
             f"{1000 * r.get('cpu_s', r['seconds']) / r['hits']:.2f}" if r["hits"] else "-", r["error"] or ""]
            for rule, r in sorted(timed["per_rule"].items())]


def process_rows(name: str, cli: dict, other: dict | None) -> list[list[str]]:
    rows = [] if cli["exit"] == "-" else [[name, "mlcheck scan", f"{cli['wall_s']:.2f}", f"{cli['cpu_s']:.2f}", f"{cli['maxrss_mib']:.0f}",
             str(cli["exit"])]]
    if other:
        rows.append([name, "checkov -d", f"{other['wall_s']:.2f}" + (" (timed out)" if other["timed_out"] else ""),
                     f"{other['cpu_s']:.2f}", f"{other['maxrss_mib']:.0f}", str(other["exit"])])
    return rows


def estate_lines(info: dict) -> str:
    f = info["facts"]
    return f"{info['name']}: built in {info['built_s']:.0f} s; " + json.dumps(f, separators=(",", ":"))[:900]


# -- main ---------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", choices=tuple(SIZES), default="small")
    ap.add_argument("--estate", action="append", default=[], help="only these estates (any valid name)")
    ap.add_argument("--out", type=Path, default=BENCH_DIR / "out", help="cache and results (default bench/out)")
    ap.add_argument("--checkov", help="a checkov executable to time side by side (never a dependency)")
    ap.add_argument("--timeout", type=float, default=1800,
                    help="seconds one measurement (child, mlcheck scan, checkov) may take (default 1800)")
    ap.add_argument("--skip", action="append", default=[],
                    help="rule ids or globs to leave out (as mlcheck scan --skip), e.g. one that does not finish")
    ap.add_argument("--quick", action="store_true",
                    help="only the untraced scan (with rules apart) and the untraced floor: no MiB, no mlcheck scan run")
    ap.add_argument("--profile", action="store_true", help="also cProfile each scan into OUT/estates/profiles/")
    ap.add_argument("--child", choices=("scan", "floor"), help=argparse.SUPPRESS)
    ap.add_argument("--info", help=argparse.SUPPRESS)
    ap.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def measure(name: str, args: argparse.Namespace, out: Path, results_dir: Path) -> dict:
    """Every measurement of one estate; a child that fails or times out is reported, not fatal."""
    info_obj, built = estates.ensure_estate(name, out)
    info = dict(info_obj.__dict__, skip=args.skip)
    print(f"{name}: " + (f"built in {info['built_s']:.0f} s" if built else "cached") + f" ({info['path']})",
          file=sys.stderr, flush=True)
    load = os.getloadavg()[0]
    skipped = {"failed": "not measured (--quick)", "stderr": ""}
    timed = run_child("scan", info, False, args.timeout)
    traced = run_child("scan", info, True, args.timeout) if "failed" not in timed and not args.quick else \
        timed if "failed" in timed else skipped
    floor = run_child("floor", info, False, args.timeout)
    floor_traced = skipped if args.quick else run_child("floor", info, True, args.timeout)
    cli = {"wall_s": 0.0, "cpu_s": 0.0, "maxrss_mib": 0.0, "exit": "-", "timed_out": False} if args.quick \
        else mlcheck_cli(info, results_dir, args.timeout)
    other = checkov(args.checkov, info, args.timeout) if args.checkov else None
    load = max(load, os.getloadavg()[0])
    for what, run in (("scan", timed), ("traced scan", traced), ("floor", floor), ("traced floor", floor_traced)):
        if "failed" in run and run is not skipped:
            print(f"  {what} FAILED: {run['failed']}\n{run['stderr']}", file=sys.stderr, flush=True)
    if "failed" not in timed:
        print(f"  {timed['nodes']} nodes, scan total {total(timed):.2f} s (cpu {timed['cpu_s']:.1f} s), "
              f"floor {floor.get('seconds', 0):.2f} s, mlcheck scan {cli['wall_s']:.1f} s exit {cli['exit']}"
              + (f", checkov {other['wall_s']:.1f} s exit {other['exit']}" if other else ""),
              file=sys.stderr, flush=True)
    if args.profile:
        (out / "estates" / "profiles").mkdir(parents=True, exist_ok=True)
        profile_scan(info, out / "estates" / "profiles" / f"{name}.txt")
    return {"info": info, "scan": timed, "traced": traced, "floor": floor, "floor_traced": floor_traced,
            "mlcheck_cli": cli, "checkov": other, "loadavg": load}


def report(results: dict, started: float) -> str:
    stage_rows, floor_rows, per_rule, processes, described = [], [], [], [], []
    for name, r in results.items():
        stage_rows.append(stage_row(name, r["scan"], r["traced"]))
        floor_rows.append(floor_row(name, r["scan"], r["floor"], r["floor_traced"], r["mlcheck_cli"], r["loadavg"]))
        per_rule += rule_rows(name, r["scan"])
        processes += process_rows(name, r["mlcheck_cli"], r["checkov"])
        described.append(estate_lines(r["info"]))
    return "\n".join([
        "Stages (seconds untraced; MiB = tracemalloc peak of the stage, traced run; cpu s = the whole",
        "scan child's user+sys, git included):", "",
        table(STAGE_COLUMNS, stage_rows), "",
        "Beside the parse floor (total = every stage above; scan = without the two reports):", "",
        table(FLOOR_COLUMNS, floor_rows), "",
        "Each rule alone on the same graph (cpu ms/hit = CPU milliseconds per hit):", "",
        table(["estate", "rule", "engine", "hits", "s", "cpu s", "cpu ms/hit", "error"], per_rule), "",
        "Whole processes (one run each, kernel accounting of the process and its reaped children):", "",
        table(["estate", "command", "wall s", "cpu s", "max RSS MiB", "exit"], processes), "",
        "Estates:", *described, "",
        f"benchmark wall time: {time.perf_counter() - started:.0f} s"])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        info = json.loads(args.info)
        print(json.dumps((child_scan if args.child == "scan" else child_floor)(info, args.traced), default=str))
        return 0
    started = time.perf_counter()
    out = args.out.resolve()
    results_dir = out / "estates" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    names = args.estate or SIZES[args.sizes]
    stem = "results-" + ("-".join(args.estate) if args.estate else args.sizes)
    stem += "".join(f"-skip-{rule}" for rule in args.skip) + ("-quick" if args.quick else "")
    results: dict[str, dict] = {}
    for name in names:
        results[name] = measure(name, args, out, results_dir)
        text = report(results, started)          # written after each estate: a long run keeps what it has
        (results_dir / f"{stem}.txt").write_text(text + "\n")
        (results_dir / f"{stem}.json").write_text(json.dumps(results, indent=1, default=str))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
