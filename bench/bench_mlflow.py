"""MLflow collector benchmark: synthetic registries of growing size, read two ways.

    .venv/bin/python bench/bench_mlflow.py [--sizes small|full|runs200k] [--readers sqlite,rest,client]
                                           [--out DIR] [--no-client]

What it does:
1. Client cost: import time of the official MLflow client vs mlcheck's MLflow collector
   (stdlib urllib/sqlite3 readers), each in a fresh process after the same baseline
   imports, and the install size of mlflow plus the dependencies it adds to mlcheck's.
2. For each size (1k, 10k, 100k model versions; `--sizes small`: 1k only; `--sizes
   runs200k`: 50k versions, 200k runs) writes a store straight into MLflow's own SQLite
   schema after `mlflow db upgrade`: 10 versions per registered model, 3 runs per version
   (4 for runs200k: the one the version points to and the others),
   7 tags, 3 params, 2 metrics per run, a dataset input per referenced run, an alias and
   tags per model, all with executemany in one transaction. Stores are cached under --out.
3. Starts a real `mlflow server` on the store (not with `--readers sqlite`), then reads it
   in fresh child processes:
   mlcheck through the server (REST), mlcheck straight from the SQLite file, and (unless
   --no-client) the official MlflowClient doing the same searches through the server, for
   reference. Each reading runs twice: untraced for seconds (wall and CPU: the CPU time of
   the reading process holds on a loaded machine) and max RSS, then under
   tracemalloc for the peak of Python allocations (tracemalloc slows Python down, so its
   seconds are not the ones shown).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from importlib import metadata
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests")]

# (model versions, runs per version)
SIZES = {"small": [(1_000, 3)], "full": [(1_000, 3), (10_000, 3), (100_000, 3)],
         "runs200k": [(50_000, 4)]}
VERSIONS_PER_MODEL = 10
EXPERIMENTS = 10
STORE_VERSION = 1          # bump when the generated store changes, to invalidate the cache
T0 = 1_700_000_000_000     # ms
READERS = ("sqlite", "rest", "client")


# -- synthetic store --------------------------------------------------------------------

def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def write_store(final: Path, versions: int, runs_per_version: int = 3) -> dict:
    """A registry of `versions` model versions in MLflow's own schema; returns row counts.
    Written under a temporary name and renamed, so an interrupted run leaves no cache."""
    from mlflow_env import MLFLOW_BIN, mlflow_env
    final.parent.mkdir(parents=True, exist_ok=True)
    path = final.with_name(final.name + ".partial")
    path.unlink(missing_ok=True)
    subprocess.run([str(MLFLOW_BIN), "db", "upgrade", f"sqlite:///{path}"], check=True,
                   env=mlflow_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rng = random.Random(versions)
    rows: dict[str, list[tuple]] = {k: [] for k in (
        "experiments", "experiment_tags", "runs", "tags", "params", "latest_metrics", "datasets",
        "inputs", "input_tags", "registered_models", "registered_model_tags",
        "registered_model_aliases", "model_versions", "model_version_tags")}
    for e in range(EXPERIMENTS + 1):
        rows["experiments"].append((e, "Default" if e == 0 else f"team-{e}", f"/artifacts/{e}",
                                    "active", T0, T0))
        rows["experiment_tags"].append(("owner", f"team-{e}", e))
    datasets: dict[int, str] = {}
    for e in range(1, EXPERIMENTS + 1):
        datasets[e] = _hex(rng)
        rows["datasets"].append((datasets[e], e, f"features-{e}", f"{e:08x}", "s3",
                                 json.dumps({"uri": f"s3://lake/features/{e}.parquet"}),
                                 '{"mlflow_colspec": []}', '{"num_rows": 1000}'))
    models = versions // VERSIONS_PER_MODEL
    n = 0
    for m in range(models):
        name = f"model-{m:06d}"
        rows["registered_models"].append((name, T0, T0, f"model {m}"))
        rows["registered_model_tags"].append(("team", f"team-{m % EXPERIMENTS + 1}", name))
        rows["registered_model_aliases"].append(("champion", VERSIONS_PER_MODEL, name))
        for v in range(1, VERSIONS_PER_MODEL + 1):
            exp = n % EXPERIMENTS + 1
            run_ids = [_hex(rng) for _ in range(runs_per_version)]
            for k, run_id in enumerate(run_ids):
                start = T0 + (n * runs_per_version + k) * 1000
                rows["runs"].append((run_id, f"run-{n}-{k}", "LOCAL", "train.py", "", "bench",
                                     "FINISHED", start, start + 500, "", "active",
                                     f"/artifacts/{exp}/{run_id}/artifacts", exp))
                for key, value in (("mlflow.user", "bench"), ("mlflow.source.name", "train.py"),
                                   ("mlflow.source.type", "LOCAL"), ("mlflow.runName", f"run-{n}-{k}"),
                                   ("mlflow.source.git.commit", f"{n:040x}"),
                                   ("mlflow.source.git.repoURL", "https://github.com/contoso/ml.git"),
                                   ("mlflow.source.git.branch", "main")):
                    rows["tags"].append((key, value, run_id))
                rows["params"] += [(p, str(k), run_id) for p in ("lr", "epochs", "depth")]
                rows["latest_metrics"] += [(m_, 0.5, start, 0, 0, run_id) for m_ in ("acc", "loss")]
            input_id = _hex(rng)
            rows["inputs"].append((input_id, "DATASET", datasets[exp], "RUN", run_ids[0]))
            rows["input_tags"].append((input_id, "mlflow.data.context", "training"))
            rows["model_versions"].append((name, v, T0 + n, T0 + n, "", "bench", "None",
                                           f"/artifacts/{exp}/{run_ids[0]}/artifacts/model",
                                           run_ids[0], "READY", "", ""))
            rows["model_version_tags"].append(("validated", "true", name, v))
            n += 1
    sql = {
        "experiments": "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, "
                       "creation_time, last_update_time) VALUES (?,?,?,?,?,?)",
        "experiment_tags": 'INSERT INTO experiment_tags ("key", value, experiment_id) VALUES (?,?,?)',
        "runs": "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, "
                "status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        "tags": 'INSERT INTO tags ("key", value, run_uuid) VALUES (?,?,?)',
        "params": 'INSERT INTO params ("key", value, run_uuid) VALUES (?,?,?)',
        "latest_metrics": 'INSERT INTO latest_metrics ("key", value, timestamp, step, is_nan, run_uuid) '
                          "VALUES (?,?,?,?,?,?)",
        "datasets": "INSERT INTO datasets (dataset_uuid, experiment_id, name, digest, dataset_source_type, "
                    "dataset_source, dataset_schema, dataset_profile) VALUES (?,?,?,?,?,?,?,?)",
        "inputs": "INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id) "
                  "VALUES (?,?,?,?,?)",
        "input_tags": "INSERT INTO input_tags (input_uuid, name, value) VALUES (?,?,?)",
        "registered_models": "INSERT INTO registered_models (name, creation_time, last_updated_time, "
                             "description) VALUES (?,?,?,?)",
        "registered_model_tags": 'INSERT INTO registered_model_tags ("key", value, name) VALUES (?,?,?)',
        "registered_model_aliases": "INSERT INTO registered_model_aliases (alias, version, name) "
                                    "VALUES (?,?,?)",
        "model_versions": "INSERT INTO model_versions (name, version, creation_time, last_updated_time, "
                          "description, user_id, current_stage, source, run_id, status, status_message, "
                          "run_link) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        "model_version_tags": 'INSERT INTO model_version_tags ("key", value, name, version) VALUES (?,?,?,?)',
    }
    import sqlite3
    db = sqlite3.connect(path)
    with db:                                   # one transaction
        for table, stmt in sql.items():
            db.executemany(stmt, rows[table])
    db.close()
    path.rename(final)
    return {table: len(r) for table, r in rows.items()}


# -- child processes: one reading each ----------------------------------------------------

def _baseline_imports() -> None:
    """What any scan has loaded before a collector runs."""
    import importlib
    for name in ("checker.graph", "checker.collectors"):
        importlib.import_module(name)


def child_mlcheck(uri: str) -> dict:
    t0 = time.perf_counter()
    from checker.collectors import CollectContext
    from checker.collectors.mlflow import MlflowCollector
    from checker.graph import EstateGraph
    imported, cpu = time.perf_counter(), time.process_time()
    graph = EstateGraph()
    source = MlflowCollector.from_uri(uri)
    MlflowCollector().collect(source, CollectContext(graph, params={"mlflow": {"total_timeout": 3600,
                                                                               "request_timeout": 120}}))
    done = time.perf_counter()
    return {"import_s": imported - t0, "collect_s": done - imported, "cpu_s": time.process_time() - cpu,
            "counts": graph.count_by_kind(),
            "errors": [str(e) for e in graph.errors][:3]}


def child_client(url: str) -> dict:
    """The same searches through the official MLflow client, for reference."""
    t0 = time.perf_counter()
    from mlflow.entities import ViewType
    from mlflow.tracking import MlflowClient
    imported, cpu = time.perf_counter(), time.process_time()
    client = MlflowClient(tracking_uri=url, registry_uri=url)

    def paged(call, **kw):
        token = None
        while True:
            page = call(page_token=token, **kw)
            yield from page
            token = page.token
            if not token:
                return

    experiments = list(paged(client.search_experiments, view_type=ViewType.ALL, max_results=1000))
    models = list(paged(client.search_registered_models, max_results=1000))
    versions = list(paged(client.search_model_versions, max_results=10_000))
    exp_ids = [e.experiment_id for e in experiments]
    ids = sorted({v.run_id for v in versions if v.run_id})
    runs = {}
    for i in range(0, len(ids), 100):
        chunk = ", ".join(f"'{r}'" for r in ids[i:i + 100])
        for run in paged(client.search_runs, experiment_ids=exp_ids, max_results=1000,
                         filter_string=f"attributes.run_id IN ({chunk})"):
            runs[run.info.run_id] = run
    for run in client.search_runs(exp_ids, max_results=200, order_by=["attributes.start_time DESC"]):
        runs[run.info.run_id] = run
    done = time.perf_counter()
    return {"import_s": imported - t0, "collect_s": done - imported, "cpu_s": time.process_time() - cpu,
            "counts": {"experiment": len(experiments), "model": len(models),
                       "model_version": len(versions), "run": len(runs)}, "errors": []}


def run_child(args: argparse.Namespace) -> int:
    _baseline_imports()
    if args.traced:
        tracemalloc.start()
    result = (child_client if args.child == "client" else child_mlcheck)(args.target)
    if args.traced:
        result["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
    result["maxrss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))
    return 0


def measure(kind: str, target: str) -> dict:
    """Untraced child for seconds and max RSS, traced child for the tracemalloc peak."""
    out = {}
    for traced in (False, True):
        cmd = [sys.executable, __file__, "--child", kind, "--target", target]
        cmd += ["--traced"] if traced else []
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"})
        if proc.returncode != 0:
            raise RuntimeError(f"{kind} child failed:\n{proc.stderr[-3000:]}")
        doc = json.loads(proc.stdout.strip().splitlines()[-1])
        if traced:
            out["tracemalloc_peak_mib"] = doc["tracemalloc_peak_mib"]
        else:
            out.update(doc)
    return out


# -- client cost --------------------------------------------------------------------------

def _import_seconds(stmt: str, repeat: int = 5) -> float:
    """Median wall time of `stmt` in fresh processes, after the baseline imports."""
    code = ("import time, sys; sys.path.insert(0, %r)\n"
            "import checker.collectors, checker.graph\n"
            "t = time.perf_counter()\n%s\nprint(time.perf_counter() - t)") % (str(REPO_ROOT), stmt)
    times = sorted(float(subprocess.run([sys.executable, "-c", code], check=True, text=True,
                                        stdout=subprocess.PIPE).stdout) for _ in range(repeat))
    return times[len(times) // 2]


def _closure(dist: str) -> set[str]:
    """A distribution and its non-extra requirements, recursively (installed ones)."""
    import re
    seen, todo = set(), [dist]
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in seen:
            continue
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        seen.add(name)
        for req in requires:
            if "extra ==" in req:
                continue
            todo.append(re.match(r"[A-Za-z0-9_.\-]+", req).group(0))
    return seen


def _installed_bytes(dists: set[str]) -> int:
    total = 0
    for name in dists:
        for f in metadata.distribution(name).files or []:
            try:
                total += f.locate().stat().st_size
            except OSError:
                pass
    return total


def client_cost() -> dict:
    """What the official client would add to mlcheck: import time and installed size of
    mlflow (and of mlflow-skinny, its client-only cut) beyond mlcheck's own dependencies."""
    ours = _closure("mlcheck")
    full, skinny = _closure("mlflow") - ours, _closure("mlflow-skinny") - ours
    return {
        "import_mlflow_client_s": _import_seconds(
            "import mlflow\nfrom mlflow.tracking import MlflowClient"),
        "import_mlcheck_mlflow_collector_s": _import_seconds("import checker.collectors.mlflow"),
        "mlflow_added_distributions": len(full),
        "mlflow_added_install_mib": _installed_bytes(full) / 2**20,
        "mlflow_skinny_added_distributions": len(skinny),
        "mlflow_skinny_added_install_mib": _installed_bytes(skinny) / 2**20,
        "collector_source_kib": sum(f.stat().st_size for f in
                                    (REPO_ROOT / "checker" / "collectors" / "mlflow").glob("*.py")) / 1024,
    }


# -- driver ----------------------------------------------------------------------------------

def _group_cpu_seconds(pgid: int) -> float:
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:                       # field 5: process group
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _settle(pgid: int, limit: float = 120.0) -> float:
    """Wait until the server's process group is idle (MLflow 3 starts a job runner and
    imports lazily after /health answers), so no reading pays for its start-up."""
    t0 = time.monotonic()
    last = _group_cpu_seconds(pgid)
    while time.monotonic() - t0 < limit:
        time.sleep(1.0)
        now = _group_cpu_seconds(pgid)
        if now - last < 0.05:
            break
        last = now
    return time.monotonic() - t0


def _warm_up(url: str) -> None:
    """One request of each kind first, so no reading pays for the server's lazy start-up."""
    import urllib.request
    for path, body in (("experiments/search", b'{"max_results": 1}'),
                       ("runs/search", b'{"experiment_ids": ["1"], "max_results": 1}')):
        req = urllib.request.Request(f"{url}/api/2.0/mlflow/{path}", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=600).read()
    urllib.request.urlopen(f"{url}/api/2.0/mlflow/model-versions/search?max_results=1", timeout=600).read()


def bench_size(versions: int, runs_per_version: int, out: Path, readers: set[str]) -> list[dict]:
    from mlflow_env import MlflowServer
    suffix = "" if runs_per_version == 3 else f"x{runs_per_version}"
    store = out / f"v{STORE_VERSION}-{versions}{suffix}" / "mlflow.db"
    rows = []
    if not store.exists():
        t = time.perf_counter()
        counts = write_store(store, versions, runs_per_version)
        rows.append({"stage": "write store", "seconds": time.perf_counter() - t,
                     "note": f"{counts['runs']} runs, {counts['tags']} tags", "versions": versions})
    if readers == {"sqlite"}:            # no server needed
        return rows + _readings(versions, [("mlcheck sqlite", "mlcheck", str(store))])
    t = time.perf_counter()
    server = MlflowServer(f"sqlite:///{store}", store.parent / "artifacts", store.parent / "server.log")
    server.start(timeout=600)
    rows.append({"stage": "server start", "seconds": time.perf_counter() - t})
    _warm_up(server.url)
    rows.append({"stage": "server settle", "seconds": _settle(server.proc.pid),
                 "note": "until its processes are idle; not part of any reading"})
    try:
        readings = {"sqlite": ("mlcheck sqlite", "mlcheck", str(store)),
                    "rest": ("mlcheck rest", "mlcheck", server.url),
                    "client": ("mlflow client rest", "client", server.url)}
        rows += _readings(versions, [readings[r] for r in READERS if r in readers])
    finally:
        server.stop()
    for row in rows:
        row["versions"] = versions
    return rows


def _readings(versions: int, readings: list[tuple[str, str, str]]) -> list[dict]:
    rows = []
    for stage, kind, target in readings:
        r = measure(kind, target)
        rows.append({"stage": stage, "seconds": r["collect_s"], "cpu_s": r.get("cpu_s"), "import_s": r["import_s"],
                     "maxrss_mib": r["maxrss_mib"], "tracemalloc_peak_mib": r["tracemalloc_peak_mib"],
                     "versions": versions,
                     "note": json.dumps(r["counts"]) + (f" errors={r['errors']}" if r["errors"] else "")})
        print(f"  {versions:>7} {stage:<20} {r['collect_s']:8.2f}s", file=sys.stderr, flush=True)
    return rows


def print_table(rows: list[dict]) -> None:
    print(f"{'versions':>8}  {'stage':<20} {'seconds':>8} {'cpu s':>8} {'import s':>8} {'maxrss MiB':>10} "
          f"{'tracemalloc MiB':>15}  note")
    for r in rows:
        fmt = lambda k, spec: format(r[k], spec) if r.get(k) is not None else ""  # noqa: E731
        print(f"{r['versions']:>8}  {r['stage']:<20} {fmt('seconds', '8.2f'):>8} {fmt('cpu_s', '8.2f'):>8} "
              f"{fmt('import_s', '8.3f'):>8} {fmt('maxrss_mib', '10.0f'):>10} "
              f"{fmt('tracemalloc_peak_mib', '15.1f'):>15}  {r.get('note', '')}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", choices=tuple(SIZES), default="full")
    ap.add_argument("--out", type=Path, default=BENCH_DIR / "out" / "mlflow",
                    help="store cache and results (default bench/out/mlflow)")
    ap.add_argument("--no-client", action="store_true", help="skip the official-client reference reading")
    ap.add_argument("--readers", default=",".join(READERS),
                    help="comma-separated readings to run: sqlite, rest, client (default: all)")
    ap.add_argument("--child", choices=("mlcheck", "client"), help=argparse.SUPPRESS)
    ap.add_argument("--target", help=argparse.SUPPRESS)
    ap.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return run_child(args)
    args.out.mkdir(parents=True, exist_ok=True)
    cost = client_cost()
    print("client cost:", json.dumps({k: round(v, 3) for k, v in cost.items()}), flush=True)
    readers = set(args.readers.split(",")) - ({"client"} if args.no_client else set())
    unknown = readers - set(READERS)
    if unknown:
        raise SystemExit(f"--readers: unknown {', '.join(sorted(unknown))} (known: {', '.join(READERS)})")
    rows = []
    for versions, runs_per_version in SIZES[args.sizes]:
        rows += bench_size(versions, runs_per_version, args.out, readers)
    print_table(rows)
    (args.out / "results.json").write_text(json.dumps({"client_cost": cost, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
