"""GitHub Actions workflows and composite actions read into the CI vocabulary
(checker/collectors/ci/github.py): triggers, permissions, runners, environments, jobs and
steps with their lines, and the bad input real repositories hold (YAML 1.1's `on:` as a
boolean, anchors and merge keys, `${{ }}` everywhere, huge matrices, broken files)."""
from __future__ import annotations

import textwrap
from pathlib import Path

from conftest import collect_graph, errors_for, git, make_repo, node_attrs, node_ids, out_edges, write_files

WF = ".github/workflows"

# Shapes from GitHub's "Workflow syntax for GitHub Actions" reference.
TRAIN = """\
name: Train and deploy
on:
  push:
    branches: [main]
  pull_request_target:
    types: [opened]
  workflow_dispatch:
permissions:
  contents: read
  id-token: write
defaults:
  run:
    working-directory: mlops
jobs:
  train:
    name: Train model
    runs-on: ${{ matrix.os }}
    strategy:
      matrix:
        os: [ubuntu-latest, windows-2022]
        python: ["3.10", "3.11"]
    container:
      image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest
    services:
      db:
        image: postgres@sha256:9f2c4e1d7b3a5c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6
      cache:
        image: ""
    steps:
      - uses: actions/checkout@v4
      - name: Azure login
        uses: azure/login@a457da9ea143d694b1b9c7c869ebb04ebe844ef5
        with:
          client-id: ${{ secrets.AZURE_CLIENT_ID }}
          enable-AzPSSession: true
          retries: 3
      - name: Submit
        run: |
          echo "${{ github.event.pull_request.title }}"
          az ml job create -f jobs/train.yml -w mlws
        env:
          TITLE: ${{ github.event.pull_request.title }}
      - run: python src/evaluate.py
        working-directory: src2
        shell: bash
        if: ${{ success() }}
      - uses: ./.github/actions/setup
      - uses: docker://alpine:3.19
  deploy:
    needs: train
    if: github.ref == 'refs/heads/main'
    runs-on: [self-hosted, linux, gpu]
    environment:
      name: production
      url: https://ml.contoso.example
    permissions: write-all
    defaults:
      run:
        working-directory: deploy
        shell: pwsh
    steps:
      - run: az ml online-deployment create -f deployment.yml
  call:
    needs: [train, deploy]
    uses: ./.github/workflows/reuse.yml
    with:
      stage: prod
    secrets: inherit
  remote:
    uses: contoso/shared/.github/workflows/deploy.yml@main
"""

REUSE = """\
on:
  workflow_call:
    inputs:
      stage: {type: string, required: true}
permissions: {}
jobs:
  apply:
    runs-on:
      group: ml-runners
      labels: [linux]
    environment: ${{ inputs.stage }}
    steps:
      - run: echo "${{ inputs.stage }}"
"""

COMPOSITE = """\
name: Setup ML
description: Install the Azure ML CLI
inputs:
  version: {description: CLI version, default: "2.30.0"}
runs:
  using: composite
  steps:
    - run: az extension add -n ml --version ${{ inputs.version }} -y
      shell: bash
    - uses: actions/setup-python@v5
      with: {python-version: "3.11"}
"""


def pid(path: str, tree: str = "fs:.") -> str:
    return f"pipeline:ci:{tree}/{path}"


def jid(path: str, job: str, tree: str = "fs:.") -> str:
    return f"job:ci:{tree}/{path}#{job}"


def sid(path: str, job: str, index: int, tree: str = "fs:.") -> str:
    return f"step:ci:{tree}/{path}#{job}/{index}"


def collect(root: Path, files: dict[str, str]):
    write_files(root, {name: textwrap.dedent(text) if isinstance(text, str) else text
                       for name, text in files.items()})
    return collect_graph(root)


def own_errors(graph) -> list:
    return [e for e in graph.errors if e.collector == "github_actions"]


def test_workflow_pipeline_jobs_and_steps(tmp_path):
    path = f"{WF}/train.yml"
    g = collect(tmp_path, {path: TRAIN, f"{WF}/reuse.yml": REUSE, ".github/actions/setup/action.yml": COMPOSITE})
    assert own_errors(g) == []
    wf = node_attrs(g, pid(path))
    assert wf["system"] == "github_actions" and wf["role"] == "workflow" and wf["name"] == "Train and deploy"
    assert wf["triggers"] == ["pull_request_target", "push", "workflow_dispatch"]
    assert wf["permissions"] == {"mode": "scoped", "scopes": {"contents": "read", "id-token": "write"}, "line": 8}
    assert out_edges(g, pid(path), "defined_in") == {f"file:fs:./{path}"}
    assert out_edges(g, pid(path), "contains") == {jid(path, j) for j in ("train", "deploy", "call", "remote")}

    train = node_attrs(g, jid(path, "train"))
    assert train["name"] == "Train model" and train["line"] == 15
    assert train["runner"]["hosting"] == "hosted"             # every matrix.os value is a hosted image
    assert train["container"] == {"image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest",
                                  "digest": False, "expression": False, "line": 22}
    assert [(s["name"], s["digest"]) for s in train["services"]] == [("db", True)]    # the empty image skipped
    assert {p["purpose"] for p in train["purposes"]} >= {"train", "evaluate"}

    deploy = node_attrs(g, jid(path, "deploy"))
    assert deploy["runner"] == {"hosting": "self_hosted", "labels": ["self-hosted", "linux", "gpu"], "pool": None,
                                "image": None, "raw": '["self-hosted", "linux", "gpu"]'}
    assert deploy["environment"] == {"name": "production", "raw": "production", "line": 53,
                                     "url": "https://ml.contoso.example"}
    assert deploy["permissions"] == {"mode": "write-all", "scopes": {}, "line": 56}
    assert deploy["condition"] == "github.ref == 'refs/heads/main'" and deploy["needs"] == ["train"]
    assert out_edges(g, jid(path, "deploy"), "needs") == {jid(path, "train")}
    assert out_edges(g, jid(path, "call"), "needs") == {jid(path, "train"), jid(path, "deploy")}

    call = node_attrs(g, jid(path, "call"))
    assert call["uses"] == {"ref": "./.github/workflows/reuse.yml", "target": "./.github/workflows/reuse.yml",
                            "version": None, "kind": "local", "path": f"{WF}/reuse.yml"}
    assert call["inputs"] == {"stage": "prod"} and call["secrets"] == "inherit" and call["runner"] is None
    remote = node_attrs(g, jid(path, "remote"))["uses"]
    assert (remote["target"], remote["version"], remote["kind"]) == ("contoso/shared/.github/workflows/deploy.yml",
                                                                     "main", "branch")


def test_steps_uses_run_lines_inputs_and_working_directories(tmp_path):
    path = f"{WF}/train.yml"
    g = collect(tmp_path, {path: TRAIN})
    checkout, login, submit, evaluate, local, docker = (node_attrs(g, sid(path, "train", i)) for i in range(6))
    assert checkout["uses"]["kind"] == "tag" and checkout["line"] == 30
    assert login["uses"]["kind"] == "sha" and login["name"] == "Azure login"
    assert login["inputs"] == {"client-id": "${{ secrets.AZURE_CLIENT_ID }}", "enable-AzPSSession": "true",
                               "retries": "3"}                  # as GitHub reads them: text
    assert submit["run_line"] == 39                             # the line after `run: |`
    assert submit["run"].startswith('echo "${{ github.event.pull_request.title }}"\n')
    assert submit["env"] == {"TITLE": "${{ github.event.pull_request.title }}"}
    assert submit["working_directory"] == "mlops"               # the workflow's defaults.run
    assert [(a["action"], a["line"], a["file"]) for a in submit["ml_actions"]] == [
        ("job_submit", 40, "mlops/jobs/train.yml")]
    assert evaluate["run_line"] == 43 and evaluate["working_directory"] == "src2" and evaluate["shell"] == "bash"
    assert evaluate["condition"] == "${{ success() }}"
    assert local["uses"]["kind"] == "local" and local["uses"]["path"] == ".github/actions/setup"
    assert docker["uses"]["kind"] == "docker"
    deploy_step = node_attrs(g, sid(path, "deploy", 0))
    assert deploy_step["working_directory"] == "deploy" and deploy_step["shell"] == "pwsh"   # the job's defaults win
    assert deploy_step["ml_actions"][0]["file"] == "deploy/deployment.yml"
    assert out_edges(g, jid(path, "train"), "contains") == {sid(path, "train", i) for i in range(6)}


def test_reusable_workflow_runner_group_and_expression_environment(tmp_path):
    path = f"{WF}/reuse.yml"
    g = collect(tmp_path, {path: REUSE})
    wf = node_attrs(g, pid(path))
    assert wf["role"] == "reusable_workflow" and wf["name"] == "reuse.yml"
    assert wf["permissions"] == {"mode": "none", "scopes": {}, "line": 5}
    job = node_attrs(g, jid(path, "apply"))
    # a runner group may hold GitHub-hosted larger runners: without a self-hosted label, unknown
    assert job["runner"]["hosting"] == "unknown" and job["runner"]["pool"] == "ml-runners"
    assert job["runner"]["labels"] == ["linux"]
    assert job["environment"] == {"name": None, "raw": "${{ inputs.stage }}", "line": 11}


def test_composite_action_is_one_job_and_other_actions_are_left_alone(tmp_path):
    g = collect(tmp_path, {
        ".github/actions/setup/action.yml": COMPOSITE,
        "actions/node/action.yaml": "name: n\nruns:\n  using: node20\n  main: index.js\n",
        "tools/action.yml": "# composite\nsteps: [a, b]\n",          # some other tool's file
    })
    assert own_errors(g) == []
    path = ".github/actions/setup/action.yml"
    action = node_attrs(g, pid(path))
    assert (action["role"], action["name"], action["triggers"]) == ("composite_action", "Setup ML", [])
    assert node_ids(g, "pipeline") == {pid(path)}
    first, second = node_attrs(g, sid(path, "composite", 0)), node_attrs(g, sid(path, "composite", 1))
    assert first["run_line"] == 8 and first["shell"] == "bash"
    assert second["uses"]["target"] == "actions/setup-python" and second["inputs"] == {"python-version": "3.11"}


def test_on_as_string_list_mapping_and_yaml_boolean_key(tmp_path):
    job = "jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: [{run: make}]\n"
    g = collect(tmp_path, {
        f"{WF}/string.yml": "on: push\n" + job,
        f"{WF}/list.yaml": "on: [push, pull_request]\n" + job,
        f"{WF}/quoted.yml": '"on":\n  workflow_run:\n    workflows: [Train]\n' + job,
        f"{WF}/upper.yml": "On:\n  schedule:\n    - cron: '0 3 * * *'\n" + job,
        f"{WF}/call.yml": "true: {workflow_call: {}}\n" + job,
    })
    assert own_errors(g) == []
    triggers = {p.rpartition("/")[2]: node_attrs(g, p)["triggers"] for p in node_ids(g, "pipeline")}
    assert triggers == {"string.yml": ["push"], "list.yaml": ["pull_request", "push"], "quoted.yml": ["workflow_run"],
                        "upper.yml": ["schedule"], "call.yml": ["workflow_call"]}
    assert node_attrs(g, pid(f"{WF}/call.yml"))["role"] == "reusable_workflow"


def test_runs_on_shapes_and_matrices(tmp_path):
    def workflow(runs_on: str, matrix: str = "") -> str:
        strategy = f"    strategy:\n      matrix:\n{textwrap.indent(matrix, '        ')}" if matrix else ""
        return f"on: push\njobs:\n  a:\n    runs-on: {runs_on}\n{strategy}    steps: [{{run: make}}]\n"

    huge = "os: [" + ", ".join(["ubuntu-latest"] * 20_000) + "]\n"
    cases = {
        "hosted": workflow("ubuntu-24.04"),
        "arm": workflow("ubuntu-24.04-arm"),
        "slim": workflow("ubuntu-slim"),                        # the single-CPU hosted container
        "intel": workflow("[macos-15-intel]"),                  # hosted x64 macOS
        "slim-like": workflow("ubuntu-slim-gpu"),               # not a hosted label
        "custom": workflow("gpu-a100"),                         # a larger runner or a scale set: cannot tell
        "group-expr": workflow("{group: '${{ vars.GROUP }}'}"),
        "group": workflow("{group: aws-g4dn-2xlarge}"),          # self-hosted or larger hosted runners
        "group-self": workflow("{group: gpu, labels: [self-hosted, linux]}"),
        "labels-only": workflow("{labels: [macos-14]}"),
        "include": workflow("${{ matrix.os }}", "include:\n  - os: macos-latest\n  - os: windows-latest\n"),
        "mixed": workflow("${{ matrix.os }}", "os: [ubuntu-latest, [self-hosted, linux]]\n"),
        "all-self": workflow("${{ matrix.runner }}", "runner: [[self-hosted, a], [self-hosted, b]]\n"),
        "computed": workflow("${{ matrix.os }}", "os: ${{ fromJSON(needs.plan.outputs.os) }}\n"),
        "whole-computed": workflow("${{ matrix.os }}", "${{ fromJSON(needs.plan.outputs.matrix) }}\n"),
        "prefix": workflow("ubuntu-${{ matrix.v }}", "v: ['22.04', '24.04']\n"),
        "two-keys": workflow("${{ matrix.a }}-${{ matrix.b }}", "a: [x]\nb: [y]\n"),
        "input": workflow("${{ inputs.runner }}"),
        "huge": workflow("${{ matrix.os }}", huge),
    }
    g = collect(tmp_path, {f"{WF}/{name}.yml": text for name, text in cases.items()})
    hosting = {name: node_attrs(g, jid(f"{WF}/{name}.yml", "a"))["runner"]["hosting"] for name in cases}
    assert hosting == {"hosted": "hosted", "arm": "hosted", "slim": "hosted", "intel": "hosted",
                       "slim-like": "unknown", "custom": "unknown", "group-expr": "unknown",
                       "group": "unknown", "group-self": "self_hosted",
                       "labels-only": "hosted", "include": "hosted", "mixed": "unknown", "all-self": "self_hosted",
                       "computed": "unknown", "whole-computed": "unknown", "prefix": "hosted",
                       "two-keys": "unknown", "input": "unknown", "huge": "unknown"}
    assert own_errors(g) == []


def test_local_references_in_a_repository_kept_in_a_subfolder(tmp_path):
    wf = """\
        on: push
        jobs:
          call:
            uses: ./.github/workflows/reuse.yml
          out:
            runs-on: ubuntu-latest
            steps:
              - uses: ./../../etc/action
              - uses: ./tools/lint
        """
    g = collect(tmp_path, {f"svc/{WF}/ci.yml": wf, f"{WF}/nested/skipped.yml": wf})
    path = f"svc/{WF}/ci.yml"
    assert node_attrs(g, jid(path, "call"))["uses"]["path"] == f"svc/{WF}/reuse.yml"
    assert node_attrs(g, sid(path, "out", 0))["uses"]["path"] is None        # leads out of the tree
    assert node_attrs(g, sid(path, "out", 1))["uses"]["path"] == "svc/tools/lint"
    assert node_ids(g, "pipeline") == {pid(path)}                            # GitHub reads no subfolder


def test_committed_workflow_and_references_to_its_own_repository(tmp_path):
    repo = make_repo(tmp_path / "repo", {f"{WF}/ci.yml": """\
        on: push
        jobs:
          t:
            runs-on: ubuntu-latest
            steps:
              - uses: Contoso/Churn/.github/actions/lint@main
              - uses: contoso/churn-tools@main
              - run: pytest
          call:
            uses: contoso/churn/.github/workflows/deploy.yml@v1
        """.replace("        ", "")})
    git(repo, "remote", "add", "origin", "https://github.com/contoso/churn.git")
    g = collect_graph(repo)
    path = f"{WF}/ci.yml"
    assert node_attrs(g, jid(path, "t", tree="git:."))["purposes"][0]["purpose"] == "test"
    assert node_attrs(g, sid(path, "t", 0, tree="git:."))["uses"]["same_repository"] is True
    assert "same_repository" not in node_attrs(g, sid(path, "t", 1, tree="git:."))["uses"]   # another repository
    assert node_attrs(g, jid(path, "call", tree="git:."))["uses"]["same_repository"] is True


def test_anchors_merge_keys_and_expressions_everywhere(tmp_path):
    wf = """\
        on: [push]
        x-common: &common
          runs-on: ubuntu-latest
          container: {image: "${{ vars.IMAGE }}"}
        jobs:
          a:
            <<: *common
            environment: ${{ github.ref_name == 'main' && 'prod' || 'dev' }}
            steps:
              - &login
                uses: azure/login@${{ vars.LOGIN_REF }}
              - run: echo "${{ github.event.issue.body }}" > body.txt
          b:
            <<: *common
            needs: a
            steps: [*login]
        """
    g = collect(tmp_path, {f"{WF}/a.yml": wf})
    path = f"{WF}/a.yml"
    assert own_errors(g) == []
    for job in ("a", "b"):
        attrs = node_attrs(g, jid(path, job))
        assert attrs["runner"]["hosting"] == "hosted" and attrs["container"]["digest"] is False
    assert node_attrs(g, jid(path, "a"))["environment"]["name"] is None
    assert node_attrs(g, sid(path, "b", 0))["uses"]["kind"] == "expression"
    assert node_attrs(g, sid(path, "a", 1))["run_line"] == 12


def test_bad_input_is_one_error_with_its_line_and_the_rest_is_collected(tmp_path):
    good = "on: push\njobs:\n  ok:\n    runs-on: ubuntu-latest\n    steps: [{run: make}]\n"
    files = {
        "broken.yml": "on: push\njobs:\n  a:\n    runs-on: [ubuntu-latest\n",
        "expression-breaks-yaml.yml": "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                                      "      - run: echo ${{ github.sha }}: done\n",
        "a-list.yml": "- on: push\n",
        "no-jobs.yml": "on: push\n",
        "no-on.yml": good[len("on: push\n"):],
        "bad-permission.yml": good.replace("jobs:", "permissions: {contents: admin}\njobs:"),
        "bad-permission-text.yml": good.replace("jobs:", "permissions: read\njobs:"),
        "job-not-mapping.yml": good + "  bad: [1, 2]\n",
        "step-without-action.yml": good.replace("[{run: make}]", "[{run: make}, {name: nothing}]"),
        "no-runs-on.yml": good.replace("    runs-on: ubuntu-latest\n", ""),
        "recursive.yml": good + "x: &a [*a]\n",
        "with-list.yml": good.replace("{run: make}", "{uses: a/b@v1, with: {x: [1]}}"),
    }
    g = collect(tmp_path, {f"{WF}/{name}": text for name, text in files.items()})
    lines = {name: [e.line for e in errors_for(g, f"{WF}/{name}")] for name in files}
    assert lines == {"broken.yml": [5], "expression-breaks-yaml.yml": [6], "a-list.yml": [1], "no-jobs.yml": [1],
                     "no-on.yml": [1], "bad-permission.yml": [2], "bad-permission-text.yml": [2],
                     "job-not-mapping.yml": [6], "step-without-action.yml": [5], "no-runs-on.yml": [3],
                     "recursive.yml": [6], "with-list.yml": [5]}
    reasons = {e.source.rpartition("/")[2]: e.reason for e in own_errors(g)}
    assert "contents: expected read, write or none" in reasons["bad-permission.yml"]
    assert "jobs.bad: expected a mapping, found a list" in reasons["job-not-mapping.yml"]
    assert "jobs.ok.steps[1]: a step needs `uses` or `run`" in reasons["step-without-action.yml"]
    assert "expression" in reasons["expression-breaks-yaml.yml"]
    # what could be read is still there
    assert jid(f"{WF}/job-not-mapping.yml", "ok") in g and sid(f"{WF}/step-without-action.yml", "ok", 0) in g
    assert node_attrs(g, pid(f"{WF}/no-on.yml"))["triggers"] == []


def test_a_template_of_a_workflow_is_recorded_not_an_error(tmp_path):
    path = f"{WF}/ci.yml"
    g = collect(tmp_path, {path: "on: push\njobs:\n  {{ cookiecutter.job }}:\n    runs-on: {{ cookiecutter.os }}: x\n"})
    assert own_errors(g) == []
    assert node_attrs(g, f"file:fs:./{path}")["template"] is True
    assert pid(path) not in g


def test_a_deploy_job_records_the_test_step_that_stops_it_and_each_steps_tolerance(tmp_path):
    path = f"{WF}/deploy.yml"
    g = collect(tmp_path, {path: """\
        on: push
        jobs:
          ship:
            runs-on: ubuntu-latest
            steps:
              - name: Unit tests
                run: pytest tests/
              - name: Lint
                run: ruff check .
                continue-on-error: ${{ matrix.experimental }}
              - name: Deploy
                run: az ml online-deployment create -f deploy.yml
          loose:
            runs-on: ubuntu-latest
            steps:
              - run: pytest tests/
                continue-on-error: true
              - run: az ml online-deployment create -f deploy.yml
        """})
    assert not g.errors
    ship = node_attrs(g, jid(path, "ship"))
    assert ship["gated_in_job"] == {"step": "Unit tests", "line": 6, "purpose": "test",
                                    "reason": "tests: pytest tests/", "deploy_step": "Deploy"}
    assert node_attrs(g, sid(path, "ship", 1))["continue_on_error"] == "${{ matrix.experimental }}"
    assert "continue_on_error" not in node_attrs(g, sid(path, "ship", 0))
    assert node_attrs(g, sid(path, "loose", 0))["continue_on_error"] is True
    assert "gated_in_job" not in node_attrs(g, jid(path, "loose"))
