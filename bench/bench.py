"""mlcheck benchmark: scan generated git estates of growing size, stage by stage.

    .venv/bin/python bench/bench.py [--sizes small|full] [--out DIR] [--estate NAME] [--profile] [--skip RULE]

What it does (bench/README.md explains every column):
1. Builds git repositories with `git fast-import` from a generated stream (never one
   `git commit` per commit): N commits on main with merged feature branches, release
   branches, annotated and lightweight tags, and a HEAD tree of M files (notebooks in
   nbformat 4.5, csv data with a few real 1.5 MiB blobs, .py files, configs, LFS
   pointers, binaries). Repos are cached under --out keyed by size and generator version.
2. Scans each estate in a fresh child process (so max RSS is per estate) through the real
   pipeline (checker.scan.run_scan, then checker.reporters json and console to a null
   stream). Two children per estate: one untraced for seconds and max RSS, one with
   a traced StageTimer (bench/stages.py) for tracemalloc peaks (tracemalloc slows Python
   down, so its seconds are not the ones shown).
3. Times `mlcheck --help` in fresh processes and checks that it imports none of the
   heavy modules.
4. Compares listing all commits (parents, author, dates, refs containing each) with the
   git CLI — the git collector's own code — against an equivalent pygit2 walk.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
GENERATOR_VERSION = 2          # bump when the generated repos change, to invalidate the cache
HEAVY_MODULES = ("networkx", "regopy", "regorus", "rich", "checker.collectors")
EPOCH = 1577836800             # 2020-01-01T00:00:00Z, first commit


# -- estates ---------------------------------------------------------------------

@dataclass(frozen=True)
class Estate:
    commits: int
    files: int

    @property
    def name(self) -> str:
        return f"c{_short(self.commits)}-f{_short(self.files)}"


def _short(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


SMALL = [Estate(1_000, 100), Estate(1_000, 1_000)]
# Two axes through c1k-f100 — history (commits) and tree (files) — plus the corner.
FULL = [*SMALL, Estate(1_000, 10_000), Estate(10_000, 100), Estate(50_000, 100),
        Estate(50_000, 10_000)]


# -- file contents (real formats) -------------------------------------------------

TEAMS = ("churn", "fraud", "forecast", "nlp")
# A real 1x1 PNG, as notebooks embed plots.
PNG_1PX = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")


def python_source(i: int, version: int) -> bytes:
    return (f'"""Feature pipeline step {i} (revision {version})."""\n'
            "from __future__ import annotations\n\nimport pandas as pd\n\n"
            f"THRESHOLD = {0.5 + (version % 50) / 100:.2f}\n\n\n"
            f"def transform_{i}(frame: pd.DataFrame) -> pd.DataFrame:\n"
            f'    """Scale and filter step {i}."""\n'
            "    out = frame.copy()\n"
            f'    out["score"] = out["value"] * {1 + i % 7}\n'
            '    return out[out["score"] > THRESHOLD]\n').encode()


def _output(kind: int, count: int, c: int) -> dict:
    """One code-cell output of each nbformat 4 output type, in turn."""
    if kind == 0:
        return {"output_type": "stream", "name": "stdout", "text": [f"epoch {c}: loss=0.{c}31\n"]}
    if kind == 1:
        return {"output_type": "execute_result", "execution_count": count, "metadata": {},
                "data": {"text/plain": [f"0.{900 + c}"]}}
    return {"output_type": "display_data", "metadata": {},
            "data": {"image/png": PNG_1PX, "text/plain": ["<Figure size 640x480 with 1 Axes>"]}}


def notebook_json(i: int, version: int) -> bytes:
    """An nbformat 4.5 notebook; 40 % carry outputs, a tenth of those run out of order."""
    rng = random.Random(i * 7919 + version)
    with_outputs = i % 5 in (0, 2)
    n_code = 3 + i % 6
    counts = list(range(1, n_code + 1))
    if with_outputs and i % 10 == 0:
        rng.shuffle(counts)
    cells = [{"cell_type": "markdown", "id": "intro", "metadata": {},
              "source": [f"# Experiment {i} ({TEAMS[i % 4]})\n", "Train and evaluate a baseline."]}]
    for c in range(n_code):
        cells.append({"cell_type": "code", "id": f"code-{c}", "metadata": {},
                      "execution_count": counts[c] if with_outputs else None,
                      "source": ["import pandas as pd\n", f"df = pd.read_csv('data/part_{i}.csv')\n",
                                 f"df.describe()  # v{version}"],
                      "outputs": [_output(c % 3, counts[c], c)] if with_outputs else []})
    nb = {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                       "language_info": {"name": "python", "version": "3.11.7"}}}
    return (json.dumps(nb, indent=1) + "\n").encode()


def small_csv(i: int, version: int) -> bytes:
    rows = [f"{r},{(r * 37 + i) % 1000 / 10:.1f},{(r * 11 + version) % 97},{'ab'[r % 2]}\n"
            for r in range(20 + i % 80)]
    return ("id,feature_a,feature_b,label\n" + "".join(rows)).encode()


_BIG_BODY: list[bytes] = []


def big_csv(i: int) -> bytes:
    """A real ~1.5 MiB csv (over MLC-REPO-003's 1 MiB default); each one a distinct blob."""
    if not _BIG_BODY:
        rows, size, r = [], 0, 0
        while size < 1.5 * 2**20:
            row = f"{r},{r * 0.37:.2f},{(r * 7919) % 10007},{r % 3}\n"
            rows.append(row)
            size += len(row)
            r += 1
        _BIG_BODY.append("".join(rows).encode())
    return f"id,amount,customer,segment  # extract {i}\n".encode() + _BIG_BODY[0]


def other_file(i: int) -> tuple[str, bytes]:
    """Non-notebook, non-csv, non-py files: docs, configs, scripts, schemas, binaries, LFS pointers."""
    kind = i % 7
    if kind == 0:
        return f"docs/page_{i:05d}.md", f"# Page {i}\n\nHow step {i} works.\n".encode()
    if kind == 1:
        return (f"configs/train_{i:05d}.yaml",
                f"model:\n  name: model_{i}\n  learning_rate: 0.01\n  layers: [64, 32]\n"
                f"data:\n  path: data/{TEAMS[i % 4]}/part_{i:05d}.csv\n".encode())
    if kind == 2:
        return f"scripts/run_{i:05d}.sh", f"#!/bin/sh\nset -eu\npython -m mlproj.step_{i}\n".encode()
    if kind == 3:
        return (f"schemas/table_{i:05d}.json",
                json.dumps({"type": "object", "properties": {"id": {"type": "integer"}}}).encode())
    if kind == 4:
        return f"assets/plot_{i:05d}.png", base64.b64decode(PNG_1PX)
    if kind == 5:
        return f"reports/summary_{i:05d}.txt", f"accuracy: 0.{900 + i % 99}\n".encode()
    oid = f"{i:064x}"
    return (f"data/lake/table_{i:05d}.parquet",   # a real Git LFS pointer (spec v1)
            f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {1000 + i}\n".encode())


FIXED_FILES = {
    "README.md": b"# mlproj\n\nGenerated estate for the mlcheck benchmark.\n",
    ".gitignore": b"*.log\n__pycache__/\n.venv/\n",
    ".gitattributes": b"*.parquet filter=lfs diff=lfs merge=lfs -text\n*.ipynb diff=jupyternotebook\n",
    "requirements.txt": b"pandas==2.2.2\nscikit-learn==1.5.0\nmlflow==2.14.1\n",
    "Dockerfile": b"FROM python:3.11-slim\nCOPY . /app\nRUN pip install -r /app/requirements.txt\n",
    "MLproject": (b"name: mlproj\npython_env: python_env.yaml\nentry_points:\n  main:\n"
                  b"    parameters:\n      alpha: {type: float, default: 0.5}\n"
                  b"    command: \"python src/train.py --alpha {alpha}\"\n"),
    "params.yaml": b"train:\n  alpha: 0.5\n",
    "dvc.yaml": (b"stages:\n  prepare:\n    cmd: python src/prepare.py data/raw\n    deps:\n"
                 b"      - src/prepare.py\n      - data/raw\n    outs:\n      - data/prepared\n"
                 b"  train:\n    cmd: python src/train.py data/prepared model.pkl\n    deps:\n"
                 b"      - data/prepared\n    params:\n      - train.alpha\n    outs:\n      - model.pkl\n"),
    "data/features.dvc": (b"outs:\n- md5: 3863d0e317dee0a55c4e59d2ec0eef33.dir\n  size: 1048576\n"
                          b"  nfiles: 12\n  hash: md5\n  path: features\n"),
    ".github/workflows/ci.yml": (b"name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
                                 b"    steps:\n      - uses: actions/checkout@v4\n      - run: pytest\n"),
}


@dataclass
class Tree:
    """The HEAD tree's paths by kind, and how to (re)generate each file."""
    py: list[str]
    notebooks: list[str]
    csvs: list[str]
    files: dict[str, bytes]      # path → first version


def build_tree(n_files: int) -> Tree:
    n_big = min(5, 1 + n_files // 2500)
    rest = max(0, n_files - len(FIXED_FILES) - n_big)
    n_nb, n_csv, n_py = rest // 10, rest * 15 // 100, rest * 40 // 100
    n_other = rest - n_nb - n_csv - n_py
    files = dict(FIXED_FILES)
    py = [f"src/mlproj/pkg{i // 40:03d}/step_{i:05d}.py" for i in range(n_py)]
    nbs = [f"notebooks/{TEAMS[i % 4]}/exp_{i:05d}.ipynb" for i in range(n_nb)]
    csvs = [f"data/{TEAMS[i % 4]}/part_{i:05d}.csv" for i in range(n_csv)]
    files.update({p: python_source(i, 0) for i, p in enumerate(py)})
    files.update({p: notebook_json(i, 0) for i, p in enumerate(nbs)})
    files.update({p: small_csv(i, 0) for i, p in enumerate(csvs)})
    files.update({f"data/raw/extract_{i}.csv": big_csv(i) for i in range(n_big)})
    files.update(other_file(i) for i in range(n_other))
    return Tree(py, nbs, csvs, files)


# -- fast-import stream ------------------------------------------------------------

AUTHORS = (("Ana Souza", "ana@contoso.example", "-0300"), ("Zoë Müller", "zoe@contoso.example", "+0100"),
           ("Ravi Iyer", "ravi@contoso.example", "+0530"), ("Sam Lee", "sam@contoso.example", "-0500"),
           ("Kenji Sato", "kenji@contoso.example", "+0900"), ("Bot", "ci-bot@contoso.example", "+0000"))
NULL_SHA = "0" * 40


class Stream:
    """Writes `git fast-import` commands: commits with inline blobs, tags, ref resets."""

    def __init__(self, out, rng: random.Random) -> None:
        self.out, self.rng = out, rng
        self.mark, self.clock, self.count = 0, EPOCH, 0

    def _who(self) -> str:
        name, email, tz = AUTHORS[self.rng.randrange(len(AUTHORS))]
        self.clock += self.rng.randint(600, 7200)
        return f"{name} <{email}> {self.clock} {tz}"

    def _data(self, payload: bytes) -> None:
        self.out.write(b"data %d\n" % len(payload) + payload + b"\n")

    def commit(self, ref: str, message: str, changes: dict[str, bytes], parent: int | None,
               merge: int | None = None) -> int:
        self.mark += 1
        self.count += 1
        who = self._who()
        self.out.write(f"commit {ref}\nmark :{self.mark}\nauthor {who}\ncommitter {who}\n".encode())
        self._data(message.encode())
        if parent is not None:
            self.out.write(f"from :{parent}\n".encode())
        if merge is not None:
            self.out.write(f"merge :{merge}\n".encode())
        for path, content in changes.items():
            self.out.write(f"M 100644 inline {path}\n".encode())
            self._data(content)
        return self.mark

    def tag(self, name: str, target: int, message: str) -> None:
        who = self._who()
        self.out.write(f"tag {name}\nfrom :{target}\ntagger {who}\n".encode())
        self._data(message.encode())

    def reset(self, ref: str, target: int | None) -> None:
        """Point a ref at a mark, or delete it (null sha) when target is None."""
        self.out.write(f"reset {ref}\nfrom {':%d' % target if target else NULL_SHA}\n\n".encode())


class History:
    """Main line with merged feature branches, tagged releases with hotfix branches, a develop tail."""

    def __init__(self, stream: Stream, tree: Tree, total: int) -> None:
        self.s, self.tree, self.total = stream, tree, total
        self.rng = stream.rng
        self.version = 0
        n_tags = max(3, total // 1000)
        self.tag_every = max(1, total // n_tags)
        self.n_tags = 0

    def changes(self) -> dict[str, bytes]:
        """What an ordinary commit touches: one or two .py files, sometimes a notebook or csv."""
        self.version += 1
        v, t, rng = self.version, self.tree, self.rng
        out: dict[str, bytes] = {}
        for _ in range(1 + v % 2):
            if t.py:
                i = rng.randrange(len(t.py))
                out[t.py[i]] = python_source(i, v)
        if t.notebooks and v % 25 == 0:
            i = rng.randrange(len(t.notebooks))
            out[t.notebooks[i]] = notebook_json(i, v)
        if t.csvs and v % 97 == 0:
            i = rng.randrange(len(t.csvs))
            out[t.csvs[i]] = small_csv(i, v)
        return out

    def write(self) -> None:
        s = self.s
        main = s.commit("refs/heads/main", "Initial import\n", self.tree.files, None)
        merged: list[str] = []
        reserve = 6                                   # develop's unmerged tail
        while s.count < self.total - reserve:
            room = self.total - reserve - s.count
            if s.count % 30 == 29 and room >= 8:
                main = self._feature(main, merged)
            else:
                main = s.commit("refs/heads/main", f"Update pipeline step {self.version + 1}\n\n"
                                "Tune thresholds after the last evaluation run.\n", self.changes(), main)
            if s.count >= (self.n_tags + 1) * self.tag_every:
                self._release(main, room)
        tip = main
        for k in range(max(0, self.total - s.count)):
            tip = s.commit("refs/heads/develop", f"WIP: experiment {k}\n", self.changes(), tip)
        for ref in merged[:-3]:                       # merged branches get deleted; keep the last 3
            s.reset(ref, None)
        self.s.out.write(b"done\n")

    def _feature(self, main: int, merged: list[str]) -> int:
        n = len(merged) + 1
        ref = f"refs/heads/feature/f{n:04d}"
        tip = main
        for _ in range(self.rng.randint(2, 6)):
            tip = self.s.commit(ref, f"Feature f{n:04d}: rework a step\n", self.changes(), tip)
        merged.append(ref)
        return self.s.commit("refs/heads/main", f"Merge branch 'feature/f{n:04d}'\n", {}, main, merge=tip)

    def _release(self, main: int, room: int) -> None:
        self.n_tags += 1
        name = f"v{1 + self.n_tags // 10}.{self.n_tags % 10}.0"
        self.s.tag(name, main, f"Release {name}\n")
        if self.n_tags % 2 == 0 and room >= 10:
            branch = f"release/{name[1:-2]}"
            tip = main
            for k in range(2):
                tip = self.s.commit(f"refs/heads/{branch}", f"Hotfix {k} for {name}\n", self.changes(), tip)
            self.s.reset(f"refs/tags/{name[:-1]}1", tip)   # lightweight tag on the hotfix


def git_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, LC_ALL="C")
    return env


def run_git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], env=git_env(), check=True, stdout=subprocess.DEVNULL)


def generate_repo(estate: Estate, dest: Path) -> None:
    """A work tree repo at dest: history from fast-import, HEAD checked out, two untracked files."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    run_git(dest, "init", "-q", "-b", "main")
    proc = subprocess.Popen(["git", "-C", str(dest), "fast-import", "--quiet", "--done"],
                            env=git_env(), stdin=subprocess.PIPE)
    assert proc.stdin
    with proc.stdin:
        stream = Stream(proc.stdin, random.Random(estate.commits * 31 + estate.files))
        History(stream, build_tree(estate.files), estate.commits).write()
    if proc.wait() != 0:
        raise RuntimeError(f"git fast-import failed for {estate.name}")
    run_git(dest, "reset", "-q", "--hard")
    (dest / "scratch").mkdir()
    (dest / "scratch" / "explore.ipynb").write_bytes(notebook_json(0, 1))   # untracked, with outputs
    (dest / "scratch" / "notes.txt").write_text("todo: move extracts to DVC\n")
    (dest / "train.log").write_text("ignored by .gitignore\n")


def ensure_repo(estate: Estate, out: Path) -> tuple[Path, float | None]:
    """The cached repo for an estate, generating it when missing; (path, seconds spent or None)."""
    dest = out / "repos" / f"v{GENERATOR_VERSION}" / estate.name
    done = dest.with_name(estate.name + ".done")
    if done.exists() and dest.is_dir():
        return dest, None
    t0 = time.perf_counter()
    generate_repo(estate, dest)
    done.write_text(json.dumps({"commits": estate.commits, "files": estate.files}) + "\n")
    return dest, time.perf_counter() - t0


# -- one estate, measured in a child process ------------------------------------------

def measure_estate(path: Path, traced: bool, skip: list[str]) -> dict:
    """Run the pipeline and both reporters; stage seconds (and peaks when traced), max RSS."""
    from checker.reporters import render
    from checker.scan import ScanOptions, frozen_heap, run_scan
    from stages import StageTimer
    timer = StageTimer(traced)
    result = run_scan(ScanOptions(paths=[str(path)], skip=skip), observe=timer)
    for fmt in ("json", "console"):
        with frozen_heap(), open(os.devnull, "w", encoding="utf-8") as null, timer(f"report-{fmt}"):
            render(fmt, result, null)
    stages = timer.stages
    counts = result.graph.count_by_kind()
    return {"stages": stages, "nodes": len(result.graph), "edges": result.graph.g.number_of_edges(),
            "commits": counts.get("commit", 0), "files": counts.get("file", 0),
            "findings": len(result.findings), "errors": [str(e) for e in result.graph.errors][:5],
            "n_errors": len(result.graph.errors),
            "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def profile_estate(path: Path, dest: Path, skip: list[str]) -> None:
    """cProfile the untraced pipeline + reporters; top functions by cumulative and own time."""
    import cProfile
    import io
    import pstats
    prof = cProfile.Profile()
    prof.runcall(measure_estate, path, False, skip)
    prof.dump_stats(str(dest.with_suffix(".prof")))
    text = io.StringIO()
    stats = pstats.Stats(prof, stream=text).strip_dirs()
    stats.sort_stats("cumulative").print_stats(35)
    stats.sort_stats("tottime").print_stats(25)
    dest.write_text(text.getvalue())


def run_child(path: Path, traced: bool, skip: list[str]) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(path)]
    cmd += [f"--skip={rule}" for rule in skip]
    if traced:
        cmd.append("--traced")
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT)
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        return {"failed": lines[-1] if lines else f"exit {proc.returncode}", "stderr": proc.stderr[-3000:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- `mlcheck --help` ---------------------------------------------------------------

HELP_PROBE = r"""
import json, sys
sys.argv = ["mlcheck", "--help"]
from checker.cli import main
try:
    main()
except SystemExit:
    pass
heavy = %r
print(json.dumps([h for h in heavy if any(m == h or m.startswith(h + ".") for m in sys.modules)]))
""" % (HEAVY_MODULES,)


def mlcheck_command() -> list[str]:
    script = Path(sys.executable).parent / "mlcheck"
    return [str(script)] if script.exists() else [sys.executable, "-m", "checker"]


def help_startup(runs: int = 5) -> dict:
    """Median wall time of `mlcheck --help` (fresh processes) and heavy modules it imports."""
    cmd = [*mlcheck_command(), "--help"]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t0)
    probe = subprocess.run([sys.executable, "-X", "importtime", "-c", HELP_PROBE], cwd=REPO_ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=True)
    heavy = json.loads(probe.stdout.strip().splitlines()[-1])
    return {"command": " ".join(Path(c).name if i == 0 else c for i, c in enumerate(cmd)),
            "median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
            "runs": runs, "heavy_imported": heavy, "top_imports": top_imports(probe.stderr)}


def top_imports(importtime_stderr: str, n: int = 5) -> list[tuple[str, float]]:
    """Top-level packages by cumulative import time (ms) from `python -X importtime`."""
    tops: dict[str, float] = {}
    for line in importtime_stderr.splitlines():
        parts = line.split(":", 1)[1].split("|") if line.startswith("import time:") else []
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2][1:]                      # nested imports are indented further
        if not name.startswith(" "):
            tops[name] = max(tops.get(name, 0.0), int(parts[1]) / 1000)
    return sorted(tops.items(), key=lambda kv: -kv[1])[:n]


# -- git CLI vs pygit2 -----------------------------------------------------------------

def git_cli_listing(repo: Path) -> dict:
    """The git collector's own code: `_refs` + `_commits` into a fresh graph."""
    from checker.collectors import CollectContext, Source
    from checker.collectors.git import Git, GitCollector
    from checker.graph import EstateGraph

    class TimedGit(Git):
        spent = 0.0

        def run(self, *args, **kw):
            t0 = time.perf_counter()
            try:
                return super().run(*args, **kw)
            finally:
                TimedGit.spent += time.perf_counter() - t0

    TimedGit.spent = 0.0
    t0 = time.perf_counter()
    git = TimedGit(str(repo / ".git"), str(repo))
    graph = EstateGraph()
    ctx = CollectContext(graph)
    node = graph.add_node("repo", "git:.", {})
    collector = GitCollector()
    tips = collector._refs(git)
    n = collector._commits(git, node, ".", tips, Source("git", str(repo), ".", str(repo)), ctx)
    return {"seconds": time.perf_counter() - t0, "subprocess_s": TimedGit.spent, "commits": n,
            "nodes": commit_attrs(graph)}


def _iso(ts: int, offset_min: int) -> str:
    """git's %aI / %cI: strict ISO 8601 in the signature's own offset."""
    import datetime as dt
    return dt.datetime.fromtimestamp(ts, dt.timezone(dt.timedelta(minutes=offset_min))).isoformat()


def _subject(message: str) -> str:
    """git's %s: the first paragraph, lines joined by spaces."""
    lines = []
    for line in message.splitlines():
        if not line.strip():
            if lines:
                break
            continue
        lines.append(line.strip())
    return " ".join(lines)


def pygit2_records(repo: Path) -> tuple[dict[str, list[str]], list[tuple]]:
    """Refs (commit sha → names, tags peeled) and every commit reachable from them, children first."""
    import pygit2
    from pygit2.enums import SortMode
    r = pygit2.Repository(str(repo))
    tips: dict[str, list[str]] = {}
    for ref in r.references.iterator():
        if ref.name == "refs/stash" or ref.name.startswith("refs/notes/"):
            continue
        tips.setdefault(str(ref.peel().id), []).append(ref.name)
    walker = r.walk(None, SortMode.TOPOLOGICAL)
    for sha in tips:
        walker.push(pygit2.Oid(hex=sha))
    records = [(str(c.id), [str(p) for p in c.parent_ids], c.author.name,
                _iso(c.author.time, c.author.offset), _iso(c.commit_time, c.commit_time_offset),
                _subject(c.message)) for c in walker]
    return tips, records


def pygit2_listing(repo: Path) -> dict:
    """The same facts as the collector's `_commits`, from pygit2, into a fresh graph the same way."""
    from checker.collectors import CollectContext
    from checker.graph import EstateGraph
    t0 = time.perf_counter()
    tips, records = pygit2_records(repo)
    walk_s = time.perf_counter() - t0
    ref_names = sorted({n for names in tips.values() for n in names})
    bit = {name: 1 << i for i, name in enumerate(ref_names)}
    mask = {sha: sum(bit[n] for n in names) for sha, names in tips.items()}
    for sha, plist, *_ in records:                 # children first: push refs to parents
        for p in plist:
            mask[p] = mask.get(p, 0) | mask.get(sha, 0)
    graph = EstateGraph()
    prov = CollectContext(graph).provenance("git", str(repo))
    node = graph.add_node("repo", "git:.", {})
    by_mask: dict[int, tuple[list[str], list[str]]] = {}
    for sha, plist, author, authored, committed, subject in records:
        m = mask.get(sha, 0)
        if m not in by_mask:
            names = [n for n in ref_names if m & bit[n]]
            by_mask[m] = ([n.split("/", 2)[-1] for n in names if n.startswith(("refs/heads/", "refs/remotes/"))],
                          [n[len("refs/tags/"):] for n in names if n.startswith("refs/tags/")])
        branches, tags = by_mask[m]
        attrs = {"sha": sha, "repo": ".", "parents": plist, "author": author, "authored_at": authored,
                 "committed_at": committed, "subject": subject[:200], "branches": list(branches),
                 "tags": list(tags)}
        nid = graph.add_node("commit", f"git:.@{sha}", attrs, prov)
        graph.add_edge(node, nid, "contains")
    return {"seconds": time.perf_counter() - t0, "walk_s": walk_s, "commits": len(records),
            "nodes": commit_attrs(graph)}


def commit_attrs(graph) -> dict[str, dict]:
    return {nid: data["attrs"] for nid, data in graph.nodes("commit")}


def compare_git_pygit2(repo: Path, runs: int = 3) -> dict:
    try:
        import pygit2
    except ImportError:
        return {"error": "pygit2 is not installed (`.venv/bin/pip install pygit2`; "
                         "no wheel for this platform means it cannot be compared here)"}
    cli = [git_cli_listing(repo) for _ in range(runs)]
    pg = [pygit2_listing(repo) for _ in range(runs)]
    same = cli[0]["nodes"] == pg[0]["nodes"]
    diff = [] if same else sorted(set(cli[0]["nodes"]) ^ set(pg[0]["nodes"]))[:3] or [
        k for k in cli[0]["nodes"] if cli[0]["nodes"][k] != pg[0]["nodes"].get(k)][:3]
    med = lambda rows, key: statistics.median(r[key] for r in rows)  # noqa: E731
    return {"repo": repo.name, "runs": runs, "commits": cli[0]["commits"], "identical": same,
            "differs_at": diff, "pygit2": pygit2.__version__, "libgit2": pygit2.LIBGIT2_VERSION,
            "cli_s": med(cli, "seconds"), "cli_subprocess_s": med(cli, "subprocess_s"),
            "pygit2_s": med(pg, "seconds"), "pygit2_walk_s": med(pg, "walk_s")}


# -- report ------------------------------------------------------------------------

COLUMNS = ("estate", "commits", "tree files", "file nodes", "nodes", "edges", "findings", "errors",
           "load s", "collect s", "collect MiB", "link s", "rules s", "rules MiB", "findings s",
           "json s", "json MiB", "console s", "console MiB", "total s", "max RSS MiB", "loadavg")


def table_row(estate: Estate, timed: dict, traced: dict, loadavg: float) -> list[str]:
    failed = timed.get("failed") or traced.get("failed")
    if failed:
        return [estate.name, "FAILED: " + failed[:150], *[""] * (len(COLUMNS) - 2)]
    t, m = timed["stages"], traced["stages"]
    sec = lambda s: f"{t[s]['seconds']:.2f}" if s in t else "-"                    # noqa: E731
    mib = lambda s: f"{m[s]['peak_mib']:.1f}" if "peak_mib" in m.get(s, {}) else "-"  # noqa: E731
    total = sum(stage["seconds"] for stage in t.values())
    return [estate.name, str(timed["commits"]), str(estate.files), str(timed["files"]),
            str(timed["nodes"]), str(timed["edges"]),
            str(timed["findings"]), str(timed["n_errors"]), sec("rules-load"), sec("collect"),
            mib("collect"), sec("link"), sec("rules"), mib("rules"), sec("findings"), sec("report-json"),
            mib("report-json"), sec("report-console"), mib("report-console"), f"{total:.2f}",
            f"{timed['maxrss_mib']:.0f}", f"{loadavg:.1f}"]


def report_progress(timed: dict, traced: dict) -> None:
    """One line per estate on stderr while the run goes on; failures with their traceback."""
    for run in (timed, traced):
        if "failed" in run:
            print(f"  FAILED: {run['stderr']}", file=sys.stderr, flush=True)
            return
    seconds = ", ".join(f"{k} {v['seconds']:.2f}" for k, v in timed["stages"].items())
    print(f"  {timed['nodes']} nodes; seconds: {seconds}; max RSS {timed['maxrss_mib']:.0f} MiB",
          file=sys.stderr, flush=True)
    if timed["n_errors"]:
        print(f"  {timed['n_errors']} collection error(s), e.g. {timed['errors'][:2]}", file=sys.stderr)


def markdown_table(rows: list[list[str]]) -> str:
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(COLUMNS)]
    line = lambda cells: "| " + " | ".join(c.rjust(w) if i else c.ljust(w)   # noqa: E731
                                           for i, (c, w) in enumerate(zip(cells, widths))) + " |"
    sep = "|" + "|".join("-" * (w + 1) + (":" if i else "-") for i, w in enumerate(widths)) + "|"
    return "\n".join([line(list(COLUMNS)), sep, *(line(r) for r in rows)])


def help_lines(h: dict) -> list[str]:
    heavy = ", ".join(h["heavy_imported"]) or "none"
    tops = ", ".join(f"{name} {ms:.0f} ms" for name, ms in h["top_imports"])
    return [f"`{h['command']}`: median {h['median_s']:.3f} s over {h['runs']} fresh processes "
            f"(min {h['min_s']:.3f}, max {h['max_s']:.3f})",
            f"heavy modules imported by --help ({', '.join(HEAVY_MODULES)}): {heavy}"
            + ("  -> OK" if not h["heavy_imported"] else "  -> REGRESSION"),
            f"largest imports (cumulative, -X importtime): {tops}"]


def git_lines(c: dict) -> list[str]:
    if "error" in c:
        return [f"git CLI vs pygit2: {c['error']}"]
    return [f"git CLI vs pygit2 on {c['repo']} ({c['commits']} commits, median of {c['runs']}; "
            f"pygit2 {c['pygit2']}, libgit2 {c['libgit2']}):",
            f"  git CLI (GitCollector._refs + _commits -> graph): {c['cli_s']:.2f} s "
            f"(of which git subprocesses {c['cli_subprocess_s']:.2f} s)",
            f"  pygit2 (same facts, same graph building):        {c['pygit2_s']:.2f} s "
            f"(of which refs + walk {c['pygit2_walk_s']:.2f} s)",
            "  identical commit nodes: " + ("yes" if c["identical"] else f"NO, e.g. {c['differs_at']}")]


# -- main --------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", choices=("small", "full"), default="small")
    ap.add_argument("--out", type=Path, default=BENCH_DIR / "out", help="cache and results (default bench/out)")
    ap.add_argument("--estate", action="append", default=[], help="only these estates, e.g. c50k-f10k")
    ap.add_argument("--profile", action="store_true", help="also cProfile each estate into OUT/profiles/")
    ap.add_argument("--skip", action="append", default=[],
                    help="rule ids or globs to leave out (as mlcheck scan --skip), e.g. a rule that is broken")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        print(json.dumps(measure_estate(args.child, args.traced, args.skip)))
        return 0
    started = time.perf_counter()
    out = args.out.resolve()
    estates = [e for e in (SMALL if args.sizes == "small" else FULL)
               if not args.estate or e.name in args.estate]
    rows, results = [], {}
    for estate in estates:
        path, built = ensure_repo(estate, out)
        print(f"{estate.name}: " + (f"generated in {built:.1f} s" if built is not None else "cached")
              + f" ({path})", file=sys.stderr, flush=True)
        load_before = os.getloadavg()[0]
        timed, traced = run_child(path, False, args.skip), run_child(path, True, args.skip)
        loadavg = max(load_before, os.getloadavg()[0])   # > 1 on 2 cores: something else ran too
        report_progress(timed, traced)
        if args.profile:
            (out / "profiles").mkdir(parents=True, exist_ok=True)
            profile_estate(path, out / "profiles" / f"{estate.name}.txt", args.skip)
        rows.append(table_row(estate, timed, traced, loadavg))
        results[estate.name] = {"timed": timed, "traced": traced}
    startup = help_startup()
    biggest = max(estates, key=lambda e: (e.commits, -e.files)) if estates else None
    git_cmp = compare_git_pygit2(ensure_repo(biggest, out)[0]) if biggest else {"error": "no estate"}
    text = "\n".join([markdown_table(rows), "", *help_lines(startup), "", *git_lines(git_cmp),
                      "", f"benchmark wall time: {time.perf_counter() - started:.0f} s"])
    print(text)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"results-{args.sizes}" + "".join(f"-{name}" for name in args.estate)
    (out / f"{stem}.txt").write_text(text + "\n")
    (out / f"{stem}.json").write_text(json.dumps(
        {"estates": results, "help": startup, "git_vs_pygit2": {k: v for k, v in git_cmp.items()
                                                               if k != "nodes"}}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
