"""The CI collectors (GitHub Actions, Azure Pipelines, GitLab CI) on estates of 1k and 10k
workflow and pipeline files, beside the parse floor (issue 10).

    .venv/bin/python bench/bench_ci.py [--sizes 1000 10000] [--repeat 3]

Corpus (generated into a temp folder): per 20 files, 10 GitHub workflows shaped like the
Azure ML examples' (path filters, `${{ }}` everywhere, a matrix, `azure/login` and
`az ml job create` steps, a login step anchored in one job and aliased in another), one local composite action,
5 Azure Pipelines files (a multi-stage pipeline with deployment jobs, a self-hosted pool and
step and job templates, plus its 4 template files) and 4 GitLab CI files (a root file with
`include: local`, hidden jobs with `extends`, `when: manual` deploys), in one plain folder.

Measured as the best of --repeat runs (collect, link and floor alternated), collect and
link each in a fresh interpreter as a scan runs them (nothing remembered from a run before),
in wall and CPU seconds (process user+sys: a shared machine inflates wall more), then one
run under tracemalloc for the peak:
- floor: reading every file and `yaml.load` with PyYAML's C safe loader (what any reader
  of these files pays), with the cyclic GC off as checker.scan.collect runs; beside it,
  the same with mlcheck's own loader (checker.safeyaml.load_yaml, which the CI parsers
  use: the same C parser and composer, its own constructor that keeps lines and limits);
- collect: the folder collector handing every file to the CI parsers (parse, finish, emit);
- link: the pipelines linkers (checker/linkers.py entries whose name says pipeline/ci),
  with the collected graph frozen out of the GC's walks, as the scan runs them.
The last line is the collected and linked graph's digest (EstateGraph.digest): a change
that keeps the graph keeps it.

With --instructions, collect and the floor are counted in instructions executed under
valgrind's callgrind instead of timed (each less the same process stopped before its work):
a count that a shared machine's load does not change, for comparing two versions of the code
where seconds are noise. It is not the goal's measure (seconds), which also pays for memory.
"""
from __future__ import annotations

import argparse
import gc
import json
import re
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import yaml

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))
from checker.collectors import load_registry  # noqa: E402
from checker.linkers import linkers  # noqa: E402
from checker.safeyaml import load_yaml  # noqa: E402
from checker.scan import collect, frozen_heap, resolve_sources  # noqa: E402

CI_PARSERS = ("github_actions", "azure_pipelines", "gitlab_ci")

WORKFLOW = """name: jobs-single-step-{i}
on:
  workflow_dispatch:
  schedule:
    - cron: "{m} */8 * * *"
  pull_request:
    branches: [main]
    paths:
      - cli/jobs/single-step/{i}/**
      - .github/workflows/jobs-single-step-{i}.yml
permissions:
  id-token: write
  contents: read
env:
  WORKSPACE: mlw-team-{t}
  RESOURCE_GROUP: rg-ml-{t}
jobs:
  test:
    runs-on: ${{{{ matrix.os }}}}
    strategy:
      matrix:
        os: [ubuntu-latest, windows-latest]
        python: ["3.10", "3.11", "3.12"]
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: ${{{{ matrix.python }}}}
      - run: python -m pytest tests/{i}
  train:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@8e5e7e5ab8b370d6c329ec480221332ada57f0ab
      - &login
        uses: azure/login@v2
        with:
          client-id: ${{{{ secrets.AZ_CLIENT_ID }}}}
          tenant-id: ${{{{ secrets.AZ_TENANT_ID }}}}
          subscription-id: ${{{{ secrets.AZ_SUBSCRIPTION_ID }}}}
      - name: setup
        run: bash setup.sh
        working-directory: cli
        continue-on-error: true
      - name: run job
        run: |
          source "${{{{ github.workspace }}}}/infra/bootstrapping/sdk_helpers.sh";
          bash -x ../../run-job.sh jobs/single-step/{i}/job.yml
          az ml job create -f jobs/single-step/{i}/job.yml -w $WORKSPACE -g $RESOURCE_GROUP --stream
        working-directory: cli
  deploy:
    needs: [train]
    if: github.ref == 'refs/heads/main'
    runs-on: [self-hosted, linux, vnet-{t}]
    environment:
      name: production
      url: https://ml.azure.com/endpoints/churn-{i}
    steps:
      - uses: actions/checkout@v4
      - *login
      - run: az ml online-deployment create -f cli/endpoints/{i}/deployment.yml -w $WORKSPACE --all-traffic
"""

COMPOSITE = """name: setup-{i}
description: Set up the ML CLI
inputs:
  python-version:
    default: "3.11"
runs:
  using: composite
  steps:
    - uses: actions/setup-python@v5
      with:
        python-version: ${{{{ inputs.python-version }}}}
    - run: pip install -r requirements-{i}.txt && az extension add -n ml -y
      shell: bash
"""

AZP_PIPELINE = """trigger:
  branches:
    include: [main]
  paths:
    include: [models/{i}/*]
pr: none
resources:
  repositories:
    - repository: templates
      type: github
      name: contoso/mlops-templates
      endpoint: github-connection
      ref: refs/tags/v2.{i}
variables:
  - group: mlops-{t}
  - name: workspace
    value: mlw-team-{t}
  - ${{{{ if eq(variables['Build.SourceBranchName'], 'main') }}}}:
    - name: environment
      value: prod
pool:
  vmImage: ubuntu-latest
stages:
  - stage: Train
    jobs:
      - template: templates/{i}/train-job.yml
        parameters:
          spec: models/{i}/train.yml
  - stage: Evaluate
    dependsOn: Train
    jobs:
      - job: evaluate
        steps:
          - template: templates/{i}/az-ml.yml
            parameters:
              command: job create -f models/{i}/evaluate.yml
  - stage: Deploy
    dependsOn: Evaluate
    condition: and(succeeded(), eq(variables['Build.SourceBranch'], 'refs/heads/main'))
    pool:
      name: vnet-agents-{t}
    jobs:
      - deployment: deploy_{i}
        environment: prod-{t}.mlw-team-{t}
        strategy:
          runOnce:
            deploy:
              steps:
                - checkout: self
                - template: templates/{i}/az-ml.yml
                  parameters:
                    command: online-deployment create -f models/{i}/deployment.yml
                - template: steps/notify.yml@templates
"""

AZP_TRAIN_JOB = """parameters:
  - name: spec
    type: string
jobs:
  - job: train
    timeoutInMinutes: 120
    steps:
      - template: az-ml.yml
        parameters:
          command: job create -f ${{{{ parameters.spec }}}} --stream
"""

AZP_AZ_ML = """parameters:
  - name: command
    type: string
steps:
  - task: AzureCLI@2
    displayName: az ml ${{{{ parameters.command }}}}
    inputs:
      azureSubscription: ml-connection-{t}
      scriptType: bash
      scriptLocation: inlineScript
      inlineScript: |
        az ml ${{{{ parameters.command }}}} -w $(workspace) -g rg-ml-{t}
"""

GITLAB_ROOT = """stages: [test, train, deploy]
include:
  - local: ci/{i}/jobs.yml
  - project: platform/ci-templates
    ref: main
    file: /templates/python.yml
variables:
  WORKSPACE: mlw-team-{t}
default:
  image: python:3.11
  tags: [docker]
.az: &az
  image: mcr.microsoft.com/azure-cli:2.61.0
  before_script:
    - az login --service-principal -u $AZ_CLIENT_ID -p $AZ_CLIENT_SECRET --tenant $AZ_TENANT
unit-tests-{i}:
  stage: test
  script:
    - pip install -r requirements.txt
    - python -m pytest tests
"""

GITLAB_JOBS = """.deploy-base:
  stage: deploy
  image: mcr.microsoft.com/azure-cli:2.61.0
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
      when: manual
train-{i}:
  stage: train
  needs: [unit-tests-{i}]
  script:
    - az ml job create -f models/{i}/train.yml -w $WORKSPACE --stream
deploy-{i}:
  extends: .deploy-base
  environment:
    name: production/{i}
    url: https://churn-{i}.contoso.example
  script:
    - az ml online-deployment create -f models/{i}/deployment.yml -w $WORKSPACE
"""


def write_corpus(root: Path, n: int) -> int:
    """n files (rounded down to a multiple of 20); returns how many were written."""
    written = 0
    for block in range(max(1, n // 20)):
        for k in range(10):
            i = block * 10 + k
            put(root / ".github/workflows" / f"jobs-single-step-{i}.yml",
                WORKFLOW.format(i=i, m=i % 60, t=i % 7))
        put(root / ".github/actions" / f"setup-{block}" / "action.yml", COMPOSITE.format(i=block))
        t = block % 7
        put(root / ".azuredevops" / f"model-{block}.yml", AZP_PIPELINE.format(i=block, t=t))
        put(root / ".azuredevops/templates" / str(block) / "train-job.yml", AZP_TRAIN_JOB.format(i=block, t=t))
        put(root / ".azuredevops/templates" / str(block) / "az-ml.yml", AZP_AZ_ML.format(i=block, t=t))
        put(root / ".azuredevops/templates" / str(block) / "unused-a.yml", AZP_AZ_ML.format(i=block, t=t + 1))
        put(root / ".azuredevops/templates" / str(block) / "unused-b.yml", AZP_TRAIN_JOB.format(i=block, t=t))
        group = root / "gitlab" / f"project-{block}"
        put(group / ".gitlab-ci.yml", GITLAB_ROOT.format(i=block, t=t))
        put(group / "ci" / str(block) / "jobs.yml", GITLAB_JOBS.format(i=block, t=t))
        put(group / "ci" / str(block) / "extra-a.yml", GITLAB_JOBS.format(i=block + 100000, t=t))
        put(group / "ci" / str(block) / "extra-b.yml", GITLAB_JOBS.format(i=block + 200000, t=t))
        written += 20
    return written


def put(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def floor(root: Path, load=lambda data: yaml.load(data, Loader=yaml.CSafeLoader)) -> tuple[float, float]:
    """(wall, cpu) seconds of reading and parsing every file (PyYAML's C safe loader unless
    `load` says otherwise)."""
    gc.disable()                     # as checker.scan.collect does
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        for path in sorted(root.rglob("*.yml")):
            load(path.read_bytes())
        return time.perf_counter() - wall, time.process_time() - cpu
    finally:
        gc.enable()


def own_loader(data: bytes):
    """mlcheck's loader (checker.safeyaml.load_yaml: the same C parser, containers that know
    their lines, size, depth and cycle limits), for the line beside the floor."""
    return load_yaml(data, "bench.yml")


def ci_registry() -> dict:
    """The folder collector and the CI parsers: what the bench collects with."""
    full = load_registry()
    return {"folder": full["folder"], **{name: full[name] for name in CI_PARSERS if name in full}}


def collect_and_link(root: Path):
    """The graph, and (wall, cpu) seconds of collect and of link: collect with the GC off,
    as checker.scan.collect runs it; link with the collected graph frozen out of the GC's
    walks, as checker.scan.run_scan runs the linkers (frozen_heap)."""
    registry = ci_registry()
    wall, cpu = time.perf_counter(), time.process_time()
    ctx = collect(resolve_sources([str(root)], [], registry), registry, {}, None)
    collected = time.perf_counter() - wall, time.process_time() - cpu
    with frozen_heap():
        wall, cpu = time.perf_counter(), time.process_time()
        for name, linker in linkers({}):
            if "pipeline" in name or "ci" in name.split("_"):
                linker(ctx.graph)
        linked = time.perf_counter() - wall, time.process_time() - cpu
    return ctx.graph, collected, linked


def measure(n: int, repeat: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / f"ci-{n}"
        files = write_corpus(root, n)
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        collects, links, floors, owns, digests = [], [], [], [], set()
        for _ in range(repeat):          # alternated, so a busy moment hits them all alike
            run = in_fresh_process("collect", root)
            collects.append(run["collect"])
            links.append(run["link"])
            floors.append(floor(root))
            owns.append(in_fresh_process("own", root)["own"])
            digests.add(run["digest"])
        counts, errors = run["counts"], run["errors"]
        peak = in_fresh_process("collect", root, trace=True)["peak"]
        tracemalloc.start()
        floor(root)
        floor_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    (c, cc), (li, lc), (f, fc), (o, oc) = (best(collects), best(links), best(floors), best(owns))
    return (f"ci {files:>6} files ({size / 2**20:5.1f} MiB; {counts['pipeline']} pipelines, {counts['job']} jobs, "
            f"{counts['step']} steps, {errors} collection errors)\n"
            f"  collect {c:6.2f} s (cpu {cc:6.2f}), link {li:5.2f} s (cpu {lc:5.2f}), "
            f"floor {f:6.2f} s (cpu {fc:5.2f}): collect/floor {c / f:4.1f}x (cpu {cc / fc:4.1f}x); "
            f"peak {peak / 2**20:5.0f} MiB (floor {floor_peak / 2**20:4.0f} MiB)\n"
            f"  mlcheck's own loader alone (safeyaml.load_yaml): {o:6.2f} s (cpu {oc:5.2f}); "
            f"collect/that {c / o:4.1f}x (cpu {cc / oc:4.1f}x)\n"
            f"  graph digest {' '.join(sorted(digests))}")


def in_fresh_process(mode: str, root: Path, trace: bool = False) -> dict:
    """One measurement in a new interpreter, as a scan runs: what collectors and the loader
    remember between files (known-clean strings, scalar tags, scripts read) starts empty,
    as in a real scan, not warm from the run before."""
    args = [sys.executable, str(Path(__file__).resolve()), "--child", mode, str(root)] + (["--trace"] if trace else [])
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def child(mode: str, root: Path, trace: bool) -> None:
    if mode == "own":
        print(json.dumps({"own": floor(root, own_loader)}))
        return
    if trace:
        tracemalloc.start()
    graph, collected, linked = collect_and_link(root)
    peak = tracemalloc.get_traced_memory()[1] if trace else None
    counts = {kind: sum(1 for _ in graph.nodes(kind)) for kind in ("pipeline", "job", "step")}
    print(json.dumps({"collect": collected, "link": linked, "digest": graph.digest(), "counts": counts,
                      "errors": len(graph.errors), "peak": peak}))


# -- instructions: what a shared machine's load does not change -----------------------------

def count_instructions(n: int) -> str:
    """collect and the floor in instructions executed (valgrind's callgrind: the same count
    whatever else the machine runs), each less the same process stopped before its work
    (imports, and the registry for collect), so that only the work itself is compared."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / f"ci-{n}"
        write_corpus(root, n)
        counts = {mode: instructions(mode, root) for mode in ("imports", "registry", "collect", "floor", "own")}
    collect, floor_, own = (counts["collect"] - counts["registry"], counts["floor"] - counts["imports"],
                            counts["own"] - counts["imports"])
    return (f"ci {n:>6} files, instructions (callgrind): collect {collect / 1e9:.2f} G, floor {floor_ / 1e9:.2f} G "
            f"(collect/floor {collect / floor_:.2f}x), mlcheck's own loader {own / 1e9:.2f} G "
            f"(collect/that {collect / own:.2f}x); imports {counts['imports'] / 1e9:.2f} G, "
            f"registry {(counts['registry'] - counts['imports']) / 1e9:.2f} G")


def instructions(mode: str, root: Path) -> int:
    args = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
            str(Path(__file__).resolve()), "--count-child", mode, str(root)]
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", done.stderr).group(1))


def count_child(mode: str, root: Path) -> None:
    """The work callgrind counts: after this module's imports, nothing (imports), the
    registry as collect_and_link builds it (registry), then collect; or a floor."""
    if mode in ("registry", "collect"):
        registry = ci_registry()
        if mode == "collect":
            collect(resolve_sources([str(root)], [], registry), registry, {}, None)
    elif mode in ("floor", "own"):
        floor(root, own_loader) if mode == "own" else floor(root)


def best(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """The least wall and the least CPU seconds of the runs (a shared machine only adds)."""
    return min(w for w, _ in runs), min(c for _, c in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "ROOT"), help=argparse.SUPPRESS)
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions under valgrind's callgrind instead of timing (minutes per 1k files)")
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--count-child", nargs=2, metavar=("MODE", "ROOT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), args.trace)
        return
    if args.count_child:
        count_child(args.count_child[0], Path(args.count_child[1]))
        return
    for n in args.sizes:
        print(count_instructions(n) if args.instructions else measure(n, args.repeat), flush=True)


if __name__ == "__main__":
    main()
