"""What a fuzz case is, and what it expects.

A *file case* plants one bad (or hostile-but-valid) file, folder, repository or store in a
scanned estate; many file cases share one estate and one scan. A *run case* needs a
command line of its own (a bad config, rule, snapshot or baseline, a hostile server):
its `build` returns the `Invocation` to run. Every case is built from the corpus seed, so
the same seed gives the same bytes.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

# Where a file case's directory lives in the estate (see harness.Estate):
LOOSE = "loose"     # a plain folder: estate/loose/<slug>/
REPO = "repo"       # committed in the batch's shared git repository: estate/repo/<slug>/
GIT = "git"         # a git repository of its own: estate/git/<slug>/
STORE = "stores"    # an MLflow store: estate/stores/<slug>/ (mlflow.db or mlruns/)
RUN = "run"         # a command line of its own (usage errors, servers)

# How many collection errors a file case expects about its own directory.
ONE, NONE, EITHER, SOME = "one", "none", "either", "some"


@dataclass(frozen=True)
class Expect:
    """What a case must end with.

    errors: ONE (exactly one collection error, naming `Case.target`), NONE (no error about
    the case: it is hostile but valid and must be collected), EITHER (reported once or
    collected, never a crash), SOME (at least one, each naming a path inside the case).
    line: the line the error must name: an int, a set of acceptable ints, True for any
    line; None: not checked (the problem has no line: encoding, file type, whole file).
    nodes: node ids that must be in the graph (for EITHER: when nothing was reported);
    "<id> has <attr>" also needs that attribute. "{p}" stands for the case's key prefix: LOOSE
    "fs:./loose/<slug>", REPO "git:repo/<slug>", GIT "git:git/<slug>" (so "file:{p}/x",
    "repo:{p}"), STORE "mlflow://stores/<slug>" (so "model_version:{p}/mlflow.db/m/1");
    "{s}" stands for the slug (asset names made unique with cases.SLUG).
    findings: (rule id, node id glob) pairs that must be reported.
    codes: exit codes a run case may end with; stderr: text its error message must hold.
    """
    errors: str = ONE
    line: int | set | bool | None = None
    nodes: tuple[str, ...] = ()
    findings: tuple[tuple[str, str], ...] = ()
    codes: tuple[int, ...] = ()
    stderr: tuple[str, ...] = ()


@dataclass
class Invocation:
    """A run case's command line: `mlcheck <args>` from the run directory.

    "{estate}" and "{case}" in args are replaced by those paths (a run case's directory lies
    beside the estate, not in it). `cleanup` runs after the
    scan (servers stop there); `check` gets the run's Outcome and returns extra problems.
    """
    args: list[str]
    env: dict[str, str] = field(default_factory=dict)
    cleanup: list[Callable[[], None]] = field(default_factory=list)
    check: Callable[["object"], list[str]] | None = None
    scan: bool = True            # False: the command is not `scan` (no report expected)


@dataclass
class Case:
    id: str                              # "<family>/<name>", unique and stable
    build: Callable[[Path], Invocation | None]   # writes into the case directory
    expect: Expect
    where: str = LOOSE
    target: str = ""                     # the bad file, relative to the case directory
    secrets: tuple[str, ...] = ()        # planted values that must appear in no output
    markers: tuple[str, ...] = ()        # files the scan must not create (nothing executes)
    check: Callable[[Path, "object"], list[str]] | None = None   # (case dir, Outcome) → problems
    alone: bool = False                  # an estate of its own (it may hang the scan)
    slow: bool = False                   # left out of the default run (MLCHECK_FUZZ_SLOW=1)
    timeout: float = 60.0                # seconds before the run counts as a hang

    @property
    def family(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def slug(self) -> str:
        """The case's directory name: its id, flattened."""
        return self.id.replace("/", "-")


def rng_for(seed: int, *names: str) -> random.Random:
    """A generator of its own for each case: adding a case never changes another's bytes."""
    digest = hashlib.sha256(":".join([str(seed), *names]).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    path.write_bytes(content)
    return path


SLUG = "__SLUG__"      # replaced by the case's slug when written: names unique per case


def files(mapping: dict[str, str | bytes | Callable[[], str | bytes]]) -> Callable[[Path], None]:
    """A build step that writes these files (relative path → content, or a function making
    large content when the case is built) into the case directory."""
    def build(case_dir: Path) -> None:
        for rel, content in mapping.items():
            content = content() if callable(content) else content
            if isinstance(content, str):
                content = content.encode("utf-8", "surrogatepass")
            write(case_dir / rel, content.replace(SLUG.encode(), case_dir.name.encode()))
    return build


def in_git(case: Case) -> Case:
    """The same case committed in the batch's git repository (content read from git blobs)."""
    from dataclasses import replace
    return replace(case, id=case.id + "@git", where=REPO)
