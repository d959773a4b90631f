"""Templates and reusable workflows in another repository of the same scan: Azure Pipelines
`template: path@alias` (resources.repositories) read from that repository and expanded as a
local template would be; GitHub `uses: org/repo/.github/workflows/x.yml@ref` linked to that
workflow. Real git repositories, scanned together by the real collectors and linkers."""
from __future__ import annotations

from checker.linkers import run_linkers

from conftest import collect_graph, git, make_repo

PIPELINE = """\
trigger: [main]
resources:
  repositories:
    - repository: templates
      type: git
      name: ml/pipeline-templates
      ref: refs/tags/v1.4
pool:
  name: churn-vnet-agents
stages:
  - stage: Train
    jobs:
      - template: jobs/train.yml@templates
        parameters:
          workspace: mlw-churn-prod
  - stage: Deploy
    jobs:
      - job: deploy
        steps:
          - template: steps/deploy.yml@templates
            parameters:
              deployment: mlops/deploy/blue.yml
          - script: echo done
"""
TRAIN_TEMPLATE = """\
parameters:
  - name: workspace
    type: string
    default: mlw-dev
jobs:
  - job: train
    steps:
      - template: ../steps/login.yml
      - script: az ml job create -f mlops/train.yml -w ${{ parameters.workspace }}
"""
LOGIN = """\
steps:
  - script: az extension add -n ml -y
"""
DEPLOY = """\
parameters:
  - name: deployment
    type: string
steps:
  - script: az ml online-deployment create -f ${{ parameters.deployment }} -w mlw-churn-prod
"""
CALLER = """\
name: train
on: [push]
jobs:
  train:
    uses: contoso/ml-workflows/.github/workflows/train.yml@v2
    with:
      workspace: mlw-churn-prod
  remote:
    uses: contoso/not-scanned/.github/workflows/train.yml@v2
"""
REUSABLE = """\
name: reusable train
on:
  workflow_call:
    inputs:
      workspace:
        type: string
jobs:
  submit:
    runs-on: ubuntu-latest
    steps:
      - run: az ml job create -f train.yml -w ${{ inputs.workspace }}
"""
APP = "job:ci:git:app/.azuredevops/pipeline.yml#"


def _repo(path, files, remote):
    repo = make_repo(path, files)
    git(repo, "remote", "add", "origin", remote)
    return repo


def _templates(tmp_path):
    return _repo(tmp_path / "templates", {"jobs/train.yml": TRAIN_TEMPLATE, "steps/login.yml": LOGIN,
                                          "steps/deploy.yml": DEPLOY},
                 "https://contoso@dev.azure.com/contoso/ml/_git/pipeline-templates")


def _app(tmp_path):
    return _repo(tmp_path / "app", {".azuredevops/pipeline.yml": PIPELINE},
                 "https://dev.azure.com/contoso/ml/_git/churn")


def _scan(*repos):
    graph = collect_graph(*repos)
    run_linkers(graph, {})
    return graph


def _steps(graph, job):
    return [graph.node(s)["attrs"] for s in sorted(graph.out_edges(job, "contains"),
                                                     key=lambda s: graph.node(s)["attrs"]["index"])]


def test_an_azure_template_of_another_scanned_repository_is_expanded(tmp_path):
    for order in ((_app, _templates), (_templates, _app)):     # whichever tree is collected first
        root = tmp_path / order[0].__name__
        graph = _scan(*(make(root) for make in order))
        assert graph.errors == []
        train = graph.node(APP + "Train.train")["attrs"]
        assert train["uses"]["kind"] == "tag" and train["uses"]["resolved"] == "jobs/train.yml@templates"
        assert train["runner"]["pool"] == "churn-vnet-agents"        # the caller's pool, as a local template
        steps = _steps(graph, APP + "Train.train")
        assert [s.get("run") for s in steps] == ["az extension add -n ml -y",
                                                 "az ml job create -f mlops/train.yml -w mlw-churn-prod"]
        assert steps[0]["defined_in"] == "steps/login.yml@templates"   # nested: resolved in its own repository
        assert [a["workspace"] for a in train["azureml_actions"]] == ["mlw-churn-prod"]
        # a step template: the reference kept (its pin is MLC-PIPE-003's), its steps after it
        deploy = _steps(graph, APP + "Deploy.deploy")
        assert deploy[0]["uses"]["kind"] == "tag" and deploy[0]["expanded"] is True
        assert deploy[1]["run"].startswith("az ml online-deployment create -f mlops/deploy/blue.yml")
        assert deploy[2]["run"] == "echo done"
        # the template's own file is a template whose jobs run in their callers
        tpl = [d for n, d in graph.nodes("pipeline") if d["attrs"].get("path") == "jobs/train.yml"][0]["attrs"]
        assert tpl["role"] == "template" and tpl["included_by"] == ["app/.azuredevops/pipeline.yml"]
        tpl_jobs = [d["attrs"] for n, d in graph.nodes("job") if n.startswith("job:ci:git:templates/jobs/train.yml#")]
        assert tpl_jobs and all(j["included"] and j["template"] for j in tpl_jobs)
        caller_uses = set(graph.out_edges(APP + "Train.train", "uses"))
        assert any(n.startswith("pipeline:ci:git:templates/jobs/train.yml") for n in caller_uses)


def test_a_repository_not_scanned_stays_a_reference(tmp_path):
    graph = _scan(_app(tmp_path))                   # one tree: its node ids start git:.
    alone = "job:ci:git:./.azuredevops/pipeline.yml#"
    train = graph.node(alone + "Train.template0")["attrs"]
    assert train["uses"]["kind"] == "tag" and "resolved" not in train["uses"]
    deploy = _steps(graph, alone + "Deploy.deploy")
    assert deploy[0]["uses"]["ref"] == "steps/deploy.yml@templates" and "expanded" not in deploy[0]
    assert deploy[1]["run"] == "echo done"


def test_a_github_reusable_workflow_of_another_scanned_repository_is_linked(tmp_path):
    app = _repo(tmp_path / "app", {".github/workflows/train.yml": CALLER}, "git@github.com:contoso/churn.git")
    shared = _repo(tmp_path / "shared", {".github/workflows/train.yml": REUSABLE},
                   "https://github.com/contoso/ml-workflows.git")
    graph = _scan(app, shared)
    target = "pipeline:ci:git:shared/.github/workflows/train.yml"
    assert target in set(graph.out_edges("job:ci:git:app/.github/workflows/train.yml#train", "uses"))
    assert target not in set(graph.out_edges("job:ci:git:app/.github/workflows/train.yml#remote", "uses"))
    submit = graph.node("job:ci:git:shared/.github/workflows/train.yml#submit")["attrs"]
    assert submit["called_by"] == ["job:ci:git:app/.github/workflows/train.yml#train"]
    assert [a["workspace"] for a in submit["azureml_actions"]] == ["${{ inputs.workspace }}"]


EXTENDING = """\
trigger: [main]
resources:
  repositories:
    - repository: governed
      type: git
      name: pipeline-templates
extends:
  template: governed/pipeline.yml@governed
  parameters:
    workspace: mlw-churn-prod
"""
GOVERNED = """\
parameters:
  - name: workspace
    type: string
stages:
  - stage: Train
    jobs:
      - job: train
        pool:
          vmImage: ubuntu-latest
        steps:
          - template: ../steps/login.yml
          - script: az ml job create -f mlops/train.yml -w ${{ parameters.workspace }}
"""


def test_an_extends_template_of_another_scanned_repository_is_read_there(tmp_path):
    templates = _repo(tmp_path / "templates", {"governed/pipeline.yml": GOVERNED, "steps/login.yml": LOGIN},
                      "git@ssh.dev.azure.com:v3/contoso/ml/pipeline-templates")
    app = _repo(tmp_path / "app", {"azure-pipelines.yml": EXTENDING}, "https://dev.azure.com/contoso/ml/_git/churn")
    graph = _scan(app, templates)
    assert graph.errors == []
    pipeline = graph.node("pipeline:ci:git:app/azure-pipelines.yml")["attrs"]
    assert pipeline["extends"]["kind"] == "branch" and pipeline["extends"]["resolved"] == "governed/pipeline.yml@governed"
    steps = _steps(graph, "job:ci:git:app/azure-pipelines.yml#Train.train")
    assert [s["run"] for s in steps] == ["az extension add -n ml -y", "az ml job create -f mlops/train.yml -w mlw-churn-prod"]


def test_a_cycle_across_repositories_is_an_error_not_a_hang(tmp_path):
    cycle_a = """\
resources:
  repositories:
    - repository: b
      type: git
      name: ml/b
steps:
  - template: loop.yml@b
"""
    loop = "steps:\n  - template: loop.yml\n"
    a = _repo(tmp_path / "a", {"azure-pipelines.yml": cycle_a}, "https://dev.azure.com/contoso/ml/_git/a")
    b = _repo(tmp_path / "b", {"loop.yml": loop}, "https://dev.azure.com/contoso/ml/_git/b")
    graph = _scan(a, b)
    assert any("template cycle: loop.yml@b → loop.yml@b" in e.reason for e in graph.errors)
