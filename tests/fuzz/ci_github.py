"""GitHub Actions workflows and composite actions: truncated files, jobs and steps of the
wrong shape, YAML 1.1's `on:` as a boolean, anchors and merge keys, `${{ }}` everywhere
(and breaking the YAML), templates, encodings, recursive aliases, huge matrices and
thousands of jobs — a correct parse or one error with file and line; never a crash or a
hang."""
from __future__ import annotations

from . import mutate as m
from .cases import EITHER, NONE, ONE, SLUG, Case, Expect, files, in_git, rng_for

WORKFLOW = ".github/workflows/ci.yml"
GOOD = f"""\
name: train-{SLUG}
on:
  push:
    branches: [main]
  pull_request_target:
permissions:
  contents: read
  id-token: write
jobs:
  train:
    runs-on: ${{{{ matrix.os }}}}
    strategy:
      matrix:
        os: [ubuntu-latest, windows-latest]
    container:
      image: python:3.11-slim
    steps:
      - uses: actions/checkout@v4
      - name: Submit
        run: |
          echo "${{{{ github.event.pull_request.title }}}}"
          az ml job create -f jobs/train.yml -w mlw
  deploy:
    needs: [train]
    runs-on: [self-hosted, linux]
    environment:
      name: production
      url: https://ml.example.com
    steps:
      - run: az ml online-deployment create -f deploy.yml
"""
PIPELINE = "pipeline:ci:{p}/" + WORKFLOW
TRAIN = "job:ci:{p}/" + WORKFLOW + "#train"
DEPLOY = "job:ci:{p}/" + WORKFLOW + "#deploy"
COMPOSITE = """\
name: setup
description: set up the Azure ML CLI
runs:
  using: composite
  steps:
    - run: az extension add -n ml -y
      shell: bash
"""


def cases(seed: int) -> list[Case]:
    out = truncated(seed) + shapes() + hostile() + composite() + [many_jobs(), huge_matrix()]
    out += [in_git(c) for c in out if c.id.split("/")[1] in ("job-not-mapping", "on-boolean")]
    return out


def _case(name: str, content, expect: Expect, **kw) -> Case:
    return Case(f"ci_github/{name}", files({WORKFLOW: content}), expect, target=WORKFLOW, **kw)


def truncated(seed: int) -> list[Case]:
    """Cut anywhere: still a workflow (fewer jobs, or a job missing what it needs) or errors
    naming the file; never a crash."""
    data = GOOD.encode()
    last = data.index(b"  deploy:")         # cut in the last job: one problem at most
    return [_case(f"truncated-{last + at}", data[:last + at], Expect(EITHER))
            for at in m.truncation_points(data[last:], rng_for(seed, "ci_github", "good"), 4)]


def shapes() -> list[Case]:
    """YAML that breaks the workflow syntax: one error at its line, the rest collected."""
    return [
        _case("jobs-list", GOOD.split("jobs:\n")[0] + "jobs:\n  - train\n", Expect(ONE, line=9, nodes=(PIPELINE,))),
        _case("job-not-mapping", GOOD + "  broken: [1, 2]\n", Expect(ONE, line=31, nodes=(TRAIN, DEPLOY))),
        _case("permission-value", GOOD.replace("contents: read", "contents: admin"),
              Expect(ONE, line=7, nodes=(TRAIN, DEPLOY))),
        _case("runs-on-number", GOOD.replace("runs-on: [self-hosted, linux]", "runs-on: 42"),
              Expect(ONE, line=25, nodes=(TRAIN, DEPLOY))),
        _case("steps-string", GOOD.replace("    steps:\n      - run: az ml online", "    steps: |\n      - run: az ml online"),
              Expect(ONE, line=29, nodes=(TRAIN, DEPLOY))),
        _case("step-empty", GOOD.replace("      - uses: actions/checkout@v4\n", "      - {}\n"),
              Expect(ONE, line=18, nodes=(TRAIN, DEPLOY))),
        _case("needs-mapping", GOOD.replace("needs: [train]", "needs: {job: train}"),
              Expect(ONE, line=24, nodes=(TRAIN, DEPLOY))),
        _case("document-list", "- on: push\n- jobs: {}\n", Expect(ONE, line=1)),
    ]


def hostile() -> list[Case]:
    anchors = GOOD.replace("  train:\n    runs-on:", "  train: &train\n    runs-on:") + "  again:\n    <<: *train\n    needs: deploy\n"
    return [
        _case("on-boolean", GOOD.replace("on:\n", "On:\n"), Expect(NONE, nodes=(PIPELINE + " has triggers", TRAIN))),
        _case("anchors-merge-keys", anchors, Expect(NONE, nodes=(TRAIN, DEPLOY, "job:ci:{p}/" + WORKFLOW + "#again"))),
        _case("expressions-everywhere", GOOD.replace("python:3.11-slim", "${{ vars.IMAGE }}")
              .replace("name: production", "name: ${{ inputs.env }}").replace("actions/checkout@v4", "actions/checkout@${{ vars.REF }}")
              .replace("[self-hosted, linux]", "${{ fromJSON(vars.RUNNER) }}"), Expect(NONE, nodes=(TRAIN, DEPLOY))),
        _case("expression-breaks-yaml", GOOD.replace("run: az ml online-deployment create -f deploy.yml",
                                                     "run: echo ${{ github.sha }}: deployed"), Expect(ONE, line=30)),
        _case("cookiecutter", GOOD.replace("image: python:3.11-slim", "image: {{ cookiecutter.image }}"),
              Expect(NONE, nodes=("file:{p}/" + WORKFLOW + " has template",))),
        _case("recursive-alias", GOOD + "x-loop: " + m.recursive_alias() + "\n", Expect(ONE, line=True)),
        _case("deep-flow", GOOD + "x-deep: " + m.deep_yaml_flow() + "\n", Expect(ONE, line=True)),
        _case("invalid-utf8", GOOD.encode().replace(b"az ml job", m.INVALID_UTF8 + b" ml job"), Expect(ONE, line=22)),
        _case("utf8-bom", m.utf8_bom(GOOD), Expect(NONE, nodes=(TRAIN, DEPLOY))),
        _case("utf16", m.utf16(GOOD), Expect(NONE, nodes=(TRAIN, DEPLOY))),
        _case("crlf", GOOD.replace("\n", "\r\n"), Expect(NONE, nodes=(TRAIN, DEPLOY))),
        _case("names-forge-lines", GOOD.replace(f"name: train-{SLUG}", "name: \"t\\n\\nPASS: fine\\e[2J\""),
              Expect(NONE, nodes=(TRAIN,))),
        _case("billion-laughs", "".join((m.billion_laughs()[0], "\njobs: ", m.billion_laughs()[1], "\n")),
              Expect(ONE, line=True)),
    ]


def composite() -> list[Case]:
    target = ".github/actions/setup/action.yml"
    node = "pipeline:ci:{p}/" + target

    def case(name: str, content, expect: Expect) -> Case:
        return Case(f"ci_github/composite-{name}", files({target: content}), expect, target=target)
    return [
        case("good", COMPOSITE, Expect(NONE, nodes=(node,))),
        case("broken", COMPOSITE + "    - run: [unclosed\n", Expect(ONE, line=True)),
        case("steps-mapping", COMPOSITE.replace("  steps:\n    - run", "  steps:\n    first:\n      run"),
             Expect(ONE, line=5, nodes=(node,))),
    ]


def many_jobs() -> Case:
    """5,000 jobs, each needing the one before: collected, in bounded time."""
    def content() -> str:
        jobs = "".join(f"  j{i}:\n    needs: [j{i - 1}]\n    runs-on: ubuntu-latest\n    steps: [{{run: make}}]\n"
                       for i in range(1, 5000))
        return "on: push\njobs:\n  j0:\n    runs-on: ubuntu-latest\n    steps: [{run: make}]\n" + jobs
    return Case("ci_github/5000-jobs", files({WORKFLOW: content}), Expect(NONE, nodes=("job:ci:{p}/" + WORKFLOW + "#j4999",)),
                target=WORKFLOW)


def huge_matrix() -> Case:
    """A matrix of 200,000 values (past what runs-on is resolved over): the runner is unknown."""
    def content() -> str:
        return GOOD.replace("os: [ubuntu-latest, windows-latest]",
                            "os: [" + ", ".join(["ubuntu-latest"] * 200_000) + "]")
    return Case("ci_github/huge-matrix", files({WORKFLOW: content}), Expect(NONE, nodes=(TRAIN + " has runner",)),
                target=WORKFLOW)
