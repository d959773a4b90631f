"""Build estates from cases, run the real CLI on them, and judge each case.

One estate per batch of file cases, beside a canary repository whose findings are known:

    <run dir>/mlcheck.yaml           short MLflow timeouts, so a slow store ends the run early
    <run dir>/outside/               what symlinks out of the tree point at
    <run dir>/estate/canary/         git repo: a notebook with outputs (MLC-REPO-001) and an
                                     AWS key (MLC-REPO-002): both findings must survive any case
    <run dir>/estate/loose/<slug>/   LOOSE cases (a plain folder)
    <run dir>/estate/repo/<slug>/    REPO cases, all committed in one repository
    <run dir>/estate/git/<slug>/     GIT cases, a repository each
    <run dir>/estate/stores/<slug>/  MLflow stores

`mlcheck scan estate --format json --output out/report.json --format console
--snapshot-out out/snapshot.json` runs in a subprocess with a timeout. What every run must
show (a `run problem`): no hang, no traceback, the expected exit code, a report and a
snapshot, the canary findings, one verdict line, no raw control character on the console,
the canary secret nowhere. What each case must show (a `case problem`): its collection
errors as expected, no crash for a reason, its secrets nowhere, no side effect. When a
batch has run problems, each of its cases runs again alone, so a problem is pinned on the
case that causes it.
"""
from __future__ import annotations

import fnmatch
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import planted
from .cases import EITHER, GIT, LOOSE, NONE, ONE, REPO, RUN, SOME, STORE, Case, Invocation, rng_for
from .tools import make_repo, nb_text, notebook

BATCH_SIZE = 40
CONFIG = """\
params:
  mlflow: {request_timeout: 3, total_timeout: 10, retries: 1}
"""
OUTPUT_ARGS = ["--format", "json", "--output", "out/report.json", "--format", "console",
               "--snapshot-out", "out/snapshot.json"]
CANARY_FINDINGS = {("MLC-REPO-001", "file:git:canary/nb/train.ipynb"),
                   ("MLC-REPO-002", "file:git:canary/src/settings.py")}
# Control characters that must never reach a terminal raw (newline and tab are layout).
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")
VERDICT = re.compile(r"^\s*(PASS|FAIL)\b", re.MULTILINE)


# -- the estate --------------------------------------------------------------------------------

def case_dir(estate: Path, case: Case) -> Path:
    return estate / case.where / case.slug


def display_prefix(case: Case) -> str:
    """How reports name the case's directory (the scan path is given as `estate`)."""
    return f"estate/{case.where}/{case.slug}"


def key_prefix(case: Case) -> str:
    """What "{p}" stands for in a case's expected node ids (see cases.Expect)."""
    return {LOOSE: f"fs:./loose/{case.slug}", REPO: f"git:repo/{case.slug}",
            GIT: f"git:git/{case.slug}", STORE: f"mlflow://stores/{case.slug}"}.get(case.where, case.slug)


def make_canary(estate: Path, secret: str) -> None:
    make_repo(estate / "canary", {"nb/train.ipynb": nb_text(notebook(outputs=True)),
                                  "src/settings.py": f'AWS_ACCESS_KEY_ID = "{secret}"\n'}, "canary")


def make_run_dir(root: Path, seed: int) -> tuple[Path, str]:
    """A run directory with config, outside/ and the canary; returns it and the canary secret."""
    secret = planted.aws_key(rng_for(seed, "canary"))
    (root / "out").mkdir(parents=True, exist_ok=True)
    (root / "mlcheck.yaml").write_text(CONFIG)
    outside = root / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "stolen.ipynb").write_text(nb_text(notebook()))
    (outside / "secret.csv").write_text("user,password\nroot,hunter2\n")
    make_canary(root / "estate", secret)
    return root, secret


def build_batch(root: Path, cases: list[Case], seed: int) -> tuple[str, dict[str, Invocation]]:
    """The run directory for these cases; returns the canary secret and run cases' invocations."""
    _, secret = make_run_dir(root, seed)
    estate = root / "estate"
    invocations = {}
    for case in cases:
        target = root / "case" if case.where == RUN else case_dir(estate, case)
        target.mkdir(parents=True, exist_ok=True)
        inv = case.build(target)
        if inv is not None:
            invocations[case.id] = inv
    if any(c.where == REPO for c in cases):
        make_repo(estate / "repo", {}, "fuzz corpus")
    return secret, invocations


# -- one run -----------------------------------------------------------------------------------

@dataclass
class Outcome:
    code: int | None
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False
    report: dict | None = None
    report_text: str = ""
    snapshot_text: str = ""
    snapshot: dict | None = None
    undecodable: list[str] = field(default_factory=list)

    def outputs(self) -> dict[str, str]:
        return {"console": self.stdout, "stderr": self.stderr, "report": self.report_text,
                "snapshot": self.snapshot_text}

    def errors(self) -> list[dict]:
        return list((self.report or {}).get("collection_errors") or [])

    def node(self, nid: str) -> dict | None:
        return ((self.snapshot or {}).get("nodes") or {}).get(nid)


def run_env(extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MLCHECK_", "GIT_", "MLFLOW_TRACKING_"))}
    env.update(COLUMNS="120", NO_COLOR="1", **(extra or {}))
    return env


def run_mlcheck(run_dir: Path, args: list[str], timeout: float, env: dict | None = None) -> Outcome:
    """The real CLI in a process group of its own (killed whole on a hang)."""
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "checker", *args], cwd=run_dir, env=run_env(env),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
    outcome = Outcome(None if timed_out else proc.returncode, "", "", time.monotonic() - t0, timed_out)
    outcome.stdout, outcome.stderr = _decode(out, "console", outcome), _decode(err, "stderr", outcome)
    for name, attr in (("report", "report"), ("snapshot", "snapshot")):
        path = run_dir / "out" / f"{name}.json"
        if path.exists():
            text = _decode(path.read_bytes(), name, outcome)
            setattr(outcome, f"{attr}_text", text)
            try:
                setattr(outcome, attr, json.loads(text))
            except (ValueError, RecursionError):
                pass
    return outcome


def _decode(data: bytes, what: str, outcome: Outcome) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        outcome.undecodable.append(what)
        return data.decode("utf-8", "backslashreplace")


def scan_args(extra: list[str] | None = None) -> list[str]:
    return ["scan", "estate", *(extra or []), *OUTPUT_ARGS]


# -- judging -----------------------------------------------------------------------------------

def run_problems(o: Outcome, codes: set[int], canary_secret: str, scan: bool = True) -> list[str]:
    """What is wrong with a run as a whole, whatever the cases in it."""
    if o.timed_out:
        return [f"hang: no exit within {o.seconds:.0f} s (killed)"]
    problems = []
    tail = o.stderr.strip().splitlines()[-1][:300] if o.stderr.strip() else ""
    if "Traceback (most recent call last)" in o.stderr:
        problems.append(f"Python traceback on stderr: {tail}")
    if o.code not in codes:
        problems.append(f"exit {o.code}, expected {'/'.join(map(str, sorted(codes)))}"
                        + (f" ({tail})" if tail else ""))
    if o.code in (0, 1) and ("internal error" in o.stderr or "Traceback" in o.stderr):
        problems.append(f"exit {o.code} after an uncaught exception")
    problems += [f"{what} is not valid UTF-8" for what in o.undecodable]
    bad = RAW_CONTROL.search(o.stdout) or RAW_CONTROL.search(o.stderr)
    if bad:
        problems.append(f"raw control character {bad.group(0)!r} printed")
    for name, text in o.outputs().items():
        if canary_secret in text:
            problems.append(f"canary secret leaked in {name}")
    if scan and o.code in (0, 1, 3):
        if o.report is None:
            problems.append("no JSON report written" if not o.report_text else "JSON report is not valid JSON")
        if o.snapshot is None:
            problems.append("no snapshot written" if not o.snapshot_text else "snapshot is not valid JSON")
        verdicts = VERDICT.findall(o.stdout)
        if len(verdicts) != 1:
            problems.append(f"console shows {len(verdicts)} PASS/FAIL lines, not one")
    return problems


def canary_problems(o: Outcome) -> list[str]:
    found = {(f["rule_id"], f["node"]) for f in (o.report or {}).get("findings", [])}
    return [f"canary finding lost: {rule} on {node}" for rule, node in sorted(CANARY_FINDINGS - found)]


def owns(case: Case, source: str) -> bool:
    prefix = display_prefix(case)
    return source == prefix or source.startswith(prefix + "/")


def case_problems(case: Case, o: Outcome) -> list[str]:
    """What is wrong with one case in a run that completed."""
    problems = []
    mine = [e for e in o.errors() if owns(case, e.get("source", ""))]
    target = display_prefix(case) + (f"/{case.target}" if case.target else "")
    problems += _error_count(case, mine, target)
    for e in mine:
        if "crashed" in e.get("reason", ""):
            problems.append(f"crash reported instead of a reason: {e['reason'][:200]}")
    if case.expect.errors == ONE and len(mine) == 1:
        problems += _line(case, mine[0])
    if case.expect.errors != EITHER or not mine:
        problems += _nodes(case, o)
    problems += _findings(case, o)
    problems += leaks(case.secrets, o)
    return problems


def _error_count(case: Case, mine: list[dict], target: str) -> list[str]:
    shown = "; ".join(f"{e['source']}: {e['reason'][:160]}" for e in mine[:3])
    kind, n = case.expect.errors, len(mine)
    if kind == NONE and n:
        return [f"{n} collection error(s) for a valid file: {shown}"]
    if kind == ONE:
        if n == 0:
            return [f"no collection error for {target}"]
        if n > 1:
            return [f"{n} collection errors, expected one: {shown}"]
        if mine[0]["source"] != target:
            return [f"the error names {mine[0]['source']!r}, not {target!r}"]
    if kind == EITHER and n > 1:
        return [f"{n} collection errors, expected at most one: {shown}"]
    if kind == SOME and n == 0:
        return [f"no collection error under {display_prefix(case)}"]
    return []


def _line(case: Case, error: dict) -> list[str]:
    want, got = case.expect.line, error.get("line")
    if want is None:
        return []
    if want is True:
        return [] if isinstance(got, int) and got > 0 else ["the error names no line"]
    allowed = want if isinstance(want, set) else {want}
    if got in allowed:
        return []
    return [f"the error names line {got}, expected {'/'.join(map(str, sorted(allowed)))}"
            if got is not None else f"the error names no line (expected {'/'.join(map(str, sorted(allowed)))})"]


def _nodes(case: Case, o: Outcome) -> list[str]:
    problems = []
    for spec in case.expect.nodes:
        nid, _, attr = spec.format(p=key_prefix(case), s=case.slug).partition(" has ")
        node = o.node(nid)
        if node is None:
            problems.append(f"lost: node {nid} not collected")
        elif attr and attr not in (node.get("attrs") or {}):
            problems.append(f"lost: node {nid} has no {attr}")
    return problems


def _findings(case: Case, o: Outcome) -> list[str]:
    found = [(f["rule_id"], f["node"]) for f in (o.report or {}).get("findings", [])]
    problems = []
    for rule, pattern in case.expect.findings:
        pattern = pattern.format(p=key_prefix(case), s=case.slug)
        if not any(r == rule and fnmatch.fnmatchcase(n, pattern) for r, n in found):
            problems.append(f"finding missing: {rule} on {pattern}")
    return problems


def leaks(secrets: tuple[str, ...], o: Outcome) -> list[str]:
    problems = []
    for secret in secrets:
        for name, text in o.outputs().items():
            if secret in text:
                problems.append(f"planted secret {secret[:6]}… leaked in {name}")
            elif any(h in text for h in planted.confirmations(secret)):
                problems.append(f"{name} holds a digest that confirms planted secret {secret[:6]}…")
    return problems


def marker_problems(case: Case, base: Path) -> list[str]:
    return [f"side effect: {m} was created (something from the estate ran)"
            for m in case.markers if (base / m).exists()]


# -- running the corpus ------------------------------------------------------------------------

@dataclass
class Verdict:
    case: Case
    problems: list[str]
    seconds: float
    code: int | None


class Runner:
    """Runs cases in batches, several runs at a time; each case gets a Verdict."""

    def __init__(self, work: Path, seed: int, jobs: int = 3) -> None:
        self.work, self.seed, self.jobs = work, seed, jobs
        self.verdicts: dict[str, Verdict] = {}
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def _dir(self, label: str) -> Path:
        with self._lock:
            n = next(self._numbers)
        path = self.work / f"{n:04d}-{label[:60].replace('/', '-')}"
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)
        return path

    def run(self, cases: list[Case]) -> dict[str, Verdict]:
        batches = plan(cases)
        with ThreadPoolExecutor(self.jobs) as pool:
            isolate = [c for batch, problems in zip(batches, pool.map(self._batch, batches))
                       if problems and len(batch) > 1 for c in batch]
            list(pool.map(lambda c: self._batch([c]), isolate))
        return self.verdicts

    def _batch(self, batch: list[Case]) -> list[str]:
        """Runs one batch; records verdicts unless the batch must be split. Returns run problems."""
        try:
            return self._run_batch(batch)
        except Exception as exc:  # noqa: BLE001 - the harness failing fails the cases, with why
            problems = [f"harness error: {type(exc).__name__}: {exc}"]
            if len(batch) == 1:
                self.verdicts[batch[0].id] = Verdict(batch[0], problems, 0.0, None)
            return problems

    def _run_batch(self, batch: list[Case]) -> list[str]:
        root = self._dir(batch[0].id if len(batch) == 1 else f"batch-{batch[0].family}")
        try:
            secret, invocations = build_batch(root, batch, self.seed)
        except Exception as exc:  # noqa: BLE001 - a case that cannot be built fails, with why
            problems = [f"case could not be built: {type(exc).__name__}: {exc}"]
            if len(batch) == 1:
                self.verdicts[batch[0].id] = Verdict(batch[0], problems, 0.0, None)
            return problems
        if batch[0].where == RUN:
            return self._run_case(root, batch[0], invocations.get(batch[0].id), secret)
        codes = expected_codes(batch)
        o = run_mlcheck(root, scan_args(), max(c.timeout for c in batch))
        problems = run_problems(o, codes, secret)
        if not o.timed_out and o.report is not None:
            problems += canary_problems(o) + stray_errors(batch, o)
        if problems and len(batch) > 1:
            return problems
        for case in batch:
            mine = [] if o.timed_out or o.report is None else case_problems(case, o)
            mine += marker_problems(case, case_dir(root / "estate", case))
            if case.check and not o.timed_out:
                mine += case.check(case_dir(root / "estate", case), o)
            self.verdicts[case.id] = Verdict(case, problems + mine, o.seconds, o.code)
        return problems

    def _run_case(self, root: Path, case: Case, inv: Invocation | None, secret: str) -> list[str]:
        inv = inv or Invocation(scan_args())
        args = [a.replace("{estate}", "estate").replace("{case}", "case") for a in inv.args]
        args += OUTPUT_ARGS if inv.scan else []
        try:
            o = run_mlcheck(root, args, case.timeout, inv.env)
        finally:
            for stop in inv.cleanup:
                stop()
        codes = set(case.expect.codes) or {2}
        problems = run_problems(o, codes, secret, scan=inv.scan)
        if not o.timed_out:
            problems += usage_problems(case, o) + leaks(case.secrets, o)
            if o.code in (1, 3) and inv.scan and "{estate}" in inv.args:
                problems += canary_problems(o)
            if inv.check:
                problems += inv.check(o)
        problems += marker_problems(case, root / "case")
        self.verdicts[case.id] = Verdict(case, problems, o.seconds, o.code)
        return problems


def usage_problems(case: Case, o: Outcome) -> list[str]:
    """A usage error (exit 2) says what is wrong in one line and writes no report."""
    problems = [f"the error message does not say {needle!r}" for needle in case.expect.stderr
                if needle not in o.stderr]
    if o.code == 2 and (o.report_text or o.snapshot_text):
        problems.append("a report or snapshot was written although the run stopped on a usage error")
    return problems


def expected_codes(batch: list[Case]) -> set[int]:
    """3 when any case must be reported; 1 (the canary's critical finding) when none can be."""
    kinds = {c.expect.errors for c in batch}
    if kinds & {ONE, SOME}:
        return {3}
    return {1, 3} if EITHER in kinds else {1}


def stray_errors(batch: list[Case], o: Outcome) -> list[str]:
    """Collection errors about no case at all (the canary, or a path no case planted)."""
    return [f"collection error about no case: {e.get('source')}: {e.get('reason', '')[:160]}"
            for e in o.errors() if not any(owns(c, e.get("source", "")) for c in batch)]


def plan(cases: list[Case]) -> list[list[Case]]:
    """Batches: run cases and `alone` cases by themselves, first (they mostly wait on a
    server or a timeout, so they overlap with the CPU-bound batches); then the rest by
    family and place, at most BATCH_SIZE each."""
    single = sorted((c for c in cases if c.alone or c.where == RUN), key=lambda c: -c.timeout)
    groups: dict[tuple[str, str], list[Case]] = {}
    for c in cases:
        if not (c.alone or c.where == RUN):
            groups.setdefault((c.family, c.where), []).append(c)
    batches = [[c] for c in single]
    for group in groups.values():
        batches += [group[i:i + BATCH_SIZE] for i in range(0, len(group), BATCH_SIZE)]
    return batches


def describe_expect(case: Case) -> str:
    """What a case expects, in words (for the failure table)."""
    e = case.expect
    if case.where == RUN:
        text = f"exit {'/'.join(map(str, e.codes or (2,)))}"
        return text + (f", message names {', '.join(repr(n[:40]) for n in e.stderr)}" if e.stderr else "")
    target = display_prefix(case) + (f"/{case.target}" if case.target else "")
    line = ""
    if e.line is True:
        line = " with a line"
    elif isinstance(e.line, int):
        line = f" at line {e.line}"
    elif isinstance(e.line, set):
        line = f" at line {'/'.join(map(str, sorted(e.line)))}"
    return {ONE: f"one error naming {target}{line}", NONE: "no error, collected",
            EITHER: "at most one error, else collected", SOME: f"errors under {display_prefix(case)}"}[e.errors]
