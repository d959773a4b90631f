"""The pipelines linker (checker/pipelines/links.py) on real trees: Azure ML specs and
Terraform collected by the real parsers, CI jobs written with the CI model's emit (the CI
parsers are other branches' work; emit is what they call)."""
from __future__ import annotations

import subprocess
from pathlib import Path

from checker.collectors import CollectContext, FileRef
from checker.collectors.ci.model import CiJob, CiPipeline, CiStep, emit
from checker.collectors.ci.refs import action_ref
from checker.linkers import run_linkers
from checker.pipelines.links import link_pipelines, resolve

from conftest import collect_graph, git, make_repo, write_files

DEPLOYMENT = """\
$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
name: blue
endpoint_name: churn-prod
model: azureml:churn-model:3
instance_type: Standard_DS3_v2
instance_count: 1
"""
ENDPOINT = """\
$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json
name: churn-prod
auth_mode: key
"""
TRAIN_JOB = """\
$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
type: pipeline
display_name: churn-training
jobs:
  prep:
    type: command
    command: python prep.py
    environment: azureml:sklearn:1
  fit:
    type: command
    command: python train.py
    environment: azureml:sklearn:1
"""
WORKSPACE_TF = """\
resource "azurerm_machine_learning_workspace" "prod" {
  name                          = "mlw-churn-prod"
  location                      = "westeurope"
  resource_group_name           = "rg-ml"
  application_insights_id       = "x"
  key_vault_id                  = "y"
  storage_account_id            = "z"
  public_network_access_enabled = false
  identity {
    type = "SystemAssigned"
  }
}
"""
ESTATE = {
    "mlops/azureml/deploy/deployment.yml": DEPLOYMENT,
    "mlops/azureml/deploy/endpoint.yml": ENDPOINT,
    "mlops/azureml/train/pipeline.yml": TRAIN_JOB,
    "infra/main.tf": WORKSPACE_TF,
    "infra/variables.tf": 'variable "location" {\n  default = "westeurope"\n}\n',
    ".github/workflows/cd.yml": "name: cd\non: push\njobs: {}\n",
    ".github/workflows/deploy.yml": "name: deploy\non: workflow_call\njobs: {}\n",
}


def workflow_ref(graph, path: str) -> FileRef:
    """The FileRef a tree collector would have handed the CI parser for `path`."""
    fid = next(f for f, d in graph.nodes("file") if d["attrs"]["path"] == path)
    tree = next(graph.in_edges(fid, "contains"))
    tree_key = tree.removeprefix("repo:")
    return FileRef(fid, path, path, tree, tree_key, None)


def emit_workflow(graph, path: str, *jobs: CiJob, variables: dict | None = None, role: str = "workflow") -> str:
    ctx = CollectContext(graph)
    extra = {"variables": variables} if variables else {}
    return emit(ctx, workflow_ref(graph, path), CiPipeline("github_actions", role, path, jobs=list(jobs),
                                                           extra=extra), "test")


def hosted() -> dict:
    return {"hosting": "hosted", "labels": ["ubuntu-latest"], "pool": None, "image": None, "raw": "ubuntu-latest"}


def job_node(graph, path: str, key: str) -> str:
    return next(j for j, d in graph.nodes("job") if d["attrs"].get("job_id") == key
                and next(graph.in_edges(j, "contains")).endswith(path))


def step_node(graph, job: str, index: int = 0) -> str:
    return next(s for s in graph.out_edges(job, "contains") if graph.node(s)["attrs"]["index"] == index)


def test_a_step_applying_specs_links_files_and_what_they_define(tmp_path):
    write_files(tmp_path, ESTATE)
    graph = collect_graph(tmp_path)
    script = ("az ml online-endpoint create -f endpoint.yml -w mlw-churn-prod\n"
              "az ml online-deployment create --file deployment.yml --workspace-name mlw-churn-prod\n")
    emit_workflow(graph, ".github/workflows/cd.yml",
                  CiJob("release", "Release", 5, runner=hosted(),
                        steps=[CiStep(0, 8, run=script, run_line=9, working_directory="mlops/azureml/deploy")]),
                  CiJob("fit", "fit", 20, runner=hosted(),
                        steps=[CiStep(0, 22, run="az ml job create -f mlops/azureml/train/pipeline.yml", run_line=23)]))
    link_pipelines(graph)
    release, fit = job_node(graph, "cd.yml", "release"), job_node(graph, "cd.yml", "fit")
    step = step_node(graph, release)
    assert sorted(graph.node(f)["attrs"]["path"] for f in graph.out_edges(step, "uses")) == [
        "mlops/azureml/deploy/deployment.yml", "mlops/azureml/deploy/endpoint.yml"]
    deployed = {graph.node(n)["kind"]: n for n in graph.out_edges(release, "deploys")}
    assert set(deployed) == {"deployment", "endpoint"}
    assert graph.node(deployed["endpoint"])["attrs"]["name"] == "churn-prod"
    # the pipeline spec's top job only, not its child steps
    assert [graph.node(j)["attrs"].get("display_name") for j in graph.out_edges(fit, "uses")] == ["churn-training"]
    assert not list(graph.out_edges(fit, "deploys"))


def test_linking_reveals_a_deploy_the_job_text_did_not(tmp_path):
    """`az ml job create -f` of an online deployment spec puts a model in service."""
    write_files(tmp_path, ESTATE)
    graph = collect_graph(tmp_path)
    emit_workflow(graph, ".github/workflows/cd.yml",
                  CiJob("build", "build", 5, runner=hosted(), steps=[
                      CiStep(0, 7, run="az ml job create -f mlops/azureml/deploy/deployment.yml", run_line=8)]))
    job = job_node(graph, "cd.yml", "build")
    before = {p["purpose"] for p in graph.node(job)["attrs"]["purposes"]}
    assert "deploy" not in before
    link_pipelines(graph)
    purposes = {p["purpose"]: p["reason"] for p in graph.node(job)["attrs"]["purposes"]}
    assert purposes["deploy"] == "applies mlops/azureml/deploy/deployment.yml, the online deployment blue"


def test_terraform_apply_in_a_folder_links_the_files_the_parser_read(tmp_path):
    write_files(tmp_path, ESTATE)
    graph = collect_graph(tmp_path)
    emit_workflow(graph, ".github/workflows/cd.yml",
                  CiJob("infra", "infra", 5, runner=hosted(), steps=[
                      CiStep(0, 7, run="terraform init\nterraform apply -auto-approve", run_line=8,
                             working_directory="infra")]))
    link_pipelines(graph)
    job = job_node(graph, "cd.yml", "infra")
    files = {graph.node(f)["attrs"]["path"] for f in graph.out_edges(step_node(graph, job), "uses")}
    assert files == {"infra/main.tf"}            # variables.tf defines no resource
    assert [graph.node(r)["attrs"]["name"] for r in graph.out_edges(job, "deploys")] == ["mlw-churn-prod"]


def test_workspace_by_literal_and_by_variables_the_pipeline_defines(tmp_path):
    write_files(tmp_path, ESTATE)
    graph = collect_graph(tmp_path, link_resources=True)
    emit_workflow(graph, ".github/workflows/cd.yml",
                  CiJob("literal", None, 5, steps=[CiStep(0, 6, run="az ml job create -f x.yml -w MLW-CHURN-PROD")]),
                  CiJob("workflow_env", None, 10, steps=[
                      CiStep(0, 11, run="az ml model create --name churn --path model -w ${{ env.AML_WS }}")]),
                  CiJob("job_env", None, 15, extra={"env": {"WS": "$(WORKSPACE)"}}, steps=[
                      CiStep(0, 16, run='az ml online-endpoint invoke -n churn -w "$WS"')]),
                  CiJob("defaults", None, 20, steps=[
                      CiStep(0, 21, run="az configure --defaults group=rg-ml workspace=mlw-churn-prod"),
                      CiStep(1, 22, run="az ml job create -f x.yml")]),
                  CiJob("step_env", None, 25, steps=[
                      CiStep(0, 26, env={"AZURE_DEFAULTS_WORKSPACE": "mlw-churn-prod"},
                             run="az ml job create -f x.yml")]),
                  variables={"AML_WS": "mlw-churn-prod", "WORKSPACE": "${{ env.AML_WS }}"})
    link_pipelines(graph)
    workspace = next(r for r, d in graph.nodes("resource") if d["attrs"].get("type") == "ml_workspace")
    for key in ("literal", "workflow_env", "job_env", "defaults", "step_env"):
        job = job_node(graph, "cd.yml", key)
        assert list(graph.out_edges(job, "in_workspace")) == [workspace], key
    actions = graph.node(job_node(graph, "cd.yml", "workflow_env"))["attrs"]["azureml_actions"]
    assert actions == [{"action": "model_register", "line": 11, "workspace": "${{ env.AML_WS }}"}]


def test_references_that_do_not_resolve_are_noted_with_the_reason(tmp_path):
    write_files(tmp_path, ESTATE)
    graph = collect_graph(tmp_path)
    emit_workflow(graph, ".github/workflows/cd.yml",
                  CiJob("j", None, 5, steps=[
                      CiStep(0, 6, run="az ml job create -f ../../other/job.yml -w ${{ vars.WS }}"),
                      CiStep(1, 8, run="az ml online-deployment create -f mlops/missing.yml -w mlw-elsewhere"),
                      CiStep(2, 9, run="kubectl apply -f https://example.com/m.yaml"),
                      CiStep(3, 10, run="az ml job create -f $SPEC_FILE"),
                      CiStep(4, 11, run="terraform -chdir=mlops/azureml apply"),
                      CiStep(5, 12, run="cd src\npython train.py")]))
    link_pipelines(graph)
    job = job_node(graph, "cd.yml", "j")
    notes = {i: graph.node(step_node(graph, job, i))["attrs"].get("unresolved", {}) for i in range(6)}
    assert notes[0]["file ../../other/job.yml"]["reason"] == "job_submit: ../../other/job.yml is outside the scanned tree; not read"
    assert notes[1]["file mlops/missing.yml"]["reason"] == "model_deploy: mlops/missing.yml is not in the scanned tree"
    assert "a URL" in notes[2]["file https:/example.com/m.yaml"]["reason"]
    assert notes[3]["file $SPEC_FILE"]["reason"] == \
        "job_submit: $SPEC_FILE: no variable of the pipeline defines SPEC_FILE as a literal"
    assert notes[4]["file mlops/azureml"]["reason"] == "infra_apply: mlops/azureml is a folder holding no file a parser read"
    assert notes[5] == {}                          # a script run after a `cd`: not a reference to note
    unresolved = graph.node(job)["attrs"]["unresolved"]
    assert "repository or organisation variable" in unresolved["workspace ${{ vars.WS }}"]["reason"]
    assert unresolved["workspace mlw-elsewhere"]["reason"] == \
        "no collected ml_workspace is named mlw-elsewhere"        # mlw-churn-prod is (infra/main.tf)
    assert not list(graph.out_edges(job, "deploys"))


def test_environment_of_the_same_repository_and_system(tmp_path):
    repo = make_repo(tmp_path / "churn", ESTATE)
    git(repo, "remote", "add", "origin", "https://github.com/Contoso/churn.git")
    other = make_repo(tmp_path / "other", {".github/workflows/cd.yml": ESTATE[".github/workflows/cd.yml"]})
    git(other, "remote", "add", "origin", "git@github.com:contoso/other.git")
    graph = collect_graph(tmp_path)
    # What the governance collector makes of a GitHub environments export (branch gov).
    protected = graph.add_node("environment", "ci:github_actions:github.com/contoso/churn/Production",
                               {"system": "github_actions", "name": "Production", "repository": "github.com/contoso/churn",
                                "protected": True, "protection": {"reviewers_count": 1}})
    graph.add_node("environment", "ci:gitlab_ci:github.com/contoso/churn/production",
                   {"system": "gitlab_ci", "name": "production", "repository": "github.com/contoso/churn", "protected": True})
    env = {"name": "production", "raw": "production", "line": 7}
    for path in (repo, other):
        ref = workflow_ref(graph, ".github/workflows/cd.yml") if path == repo else None
        if ref is None:
            fid = next(f for f, d in graph.nodes("file") if d["attrs"]["path"] == ".github/workflows/cd.yml"
                       and f != workflow_ref(graph, ".github/workflows/cd.yml").node)
            tree = next(graph.in_edges(fid, "contains"))
            ref = FileRef(fid, ".github/workflows/cd.yml", "other", tree, tree.removeprefix("repo:"), None)
        emit(CollectContext(graph), ref, CiPipeline("github_actions", "workflow", "cd", jobs=[
            CiJob("deploy", None, 5, environment=env),
            CiJob("expr", None, 9, environment={"name": None, "raw": "${{ inputs.env }}", "line": 10})]), "test")
    link_pipelines(graph)
    jobs = {j: d for j, d in graph.nodes("job") if d["attrs"].get("system")}
    mine = next(j for j, d in jobs.items() if d["attrs"]["job_id"] == "deploy" and "churn" in j)
    theirs = next(j for j, d in jobs.items() if d["attrs"]["job_id"] == "deploy" and "other" in j)
    assert list(graph.out_edges(mine, "uses")) == [protected]
    assert not list(graph.out_edges(theirs, "uses"))
    assert graph.node(theirs)["attrs"]["unresolved"]["environment"]["reason"] == \
        "no environments export of github.com/contoso/other names environment production"
    expr = next(j for j, d in jobs.items() if d["attrs"]["job_id"] == "expr" and "churn" in j)
    assert "expression" in graph.node(expr)["attrs"]["unresolved"]["environment"]["reason"]


def test_local_reusable_workflow_and_azure_template(tmp_path):
    files = {**ESTATE, ".azuredevops/templates/deploy.yml": "jobs: []\n", ".azuredevops/main.yml": "stages: []\n"}
    write_files(tmp_path, files)
    graph = collect_graph(tmp_path)
    called = emit_workflow(graph, ".github/workflows/deploy.yml", role="reusable_workflow")
    emit_workflow(graph, ".github/workflows/cd.yml",
                  CiJob("call", None, 5, uses=action_ref("./.github/workflows/deploy.yml")),
                  CiJob("remote", None, 7, uses=action_ref("Azure/mlops-templates/.github/workflows/deploy.yml@main")),
                  CiJob("missing", None, 9, uses=action_ref("./.github/workflows/gone.yml")))
    ctx = CollectContext(graph)
    template = emit(ctx, workflow_ref(graph, ".azuredevops/templates/deploy.yml"),
                    CiPipeline("azure_pipelines", "template", None), "test")
    emit(ctx, workflow_ref(graph, ".azuredevops/main.yml"), CiPipeline("azure_pipelines", "pipeline", None, jobs=[
        CiJob("Deploy.tpl", None, 3, uses={"ref": "templates/deploy.yml", "kind": "unknown"}),
        CiJob("Deploy.up", None, 4, uses={"ref": "../../../etc/x.yml", "kind": "unknown"}),
        CiJob("Deploy.other", None, 5, uses={"ref": "deploy.yml@templates", "kind": "branch"})]), "test")
    link_pipelines(graph)
    assert list(graph.out_edges(job_node(graph, "cd.yml", "call"), "uses")) == [called]
    assert not list(graph.out_edges(job_node(graph, "cd.yml", "remote"), "uses"))
    assert graph.node(job_node(graph, "cd.yml", "missing"))["attrs"]["unresolved"]["uses"]["reason"] == \
        "no CI definition was collected at .github/workflows/gone.yml"
    assert list(graph.out_edges(job_node(graph, "main.yml", "Deploy.tpl"), "uses")) == [template]
    assert "outside the scanned tree" in graph.node(job_node(graph, "main.yml", "Deploy.up"))["attrs"]["unresolved"]["uses"]["reason"]
    assert "unresolved" not in graph.node(job_node(graph, "main.yml", "Deploy.other"))["attrs"]


def test_resolve_replaces_each_form_and_says_what_is_missing():
    variables = {"ws": "mlw-a", "ENV_NAME": "prod", "spec.dir": "mlops"}
    assert resolve("$(spec.dir)/deploy-${{ env.ENV_NAME }}.yml", variables) == ("mlops/deploy-prod.yml", None)
    assert resolve("${{ variables.ws }}", variables) == ("mlw-a", None)
    assert resolve("%ENV_NAME%-$env:ENV_NAME-${ENV_NAME}-$[variables.ws]", variables) == ("prod-prod-prod-mlw-a", None)
    assert resolve("${{ secrets.WS }}", variables) == (None, "${{ secrets.WS }} is a secret")
    looping = {"A": "$(B)", "B": "$(A)"}
    value, why = resolve("$(A)", looping)
    assert value is None and "substitutions" in why


def test_the_linker_runs_with_the_others(tmp_path):
    write_files(tmp_path, ESTATE)
    graph = collect_graph(tmp_path)
    emit_workflow(graph, ".github/workflows/cd.yml", CiJob("d", None, 5, steps=[
        CiStep(0, 6, run="az ml online-deployment create -f mlops/azureml/deploy/deployment.yml")]))
    run_linkers(graph)
    assert not [e for e in graph.errors if e.collector == "linker"]
    deployed = sorted(graph.node(n)["kind"] for n in graph.out_edges(job_node(graph, "cd.yml", "d"), "deploys"))
    assert deployed == ["deployment", "deployment", "endpoint"]   # the lineage and the resource reading of the spec


def test_a_reusable_workflow_reads_its_callers_inputs_and_a_step_its_local_action(tmp_path):
    write_files(tmp_path, {**ESTATE, ".github/actions/setup/action.yml": "name: setup\nruns:\n  using: composite\n"})
    graph = collect_graph(tmp_path)
    called = emit_workflow(graph, ".github/workflows/deploy.yml", CiJob("deploy", None, 8, steps=[
        CiStep(0, 9, uses={**action_ref("./.github/actions/setup"), "path": ".github/actions/setup"}),
        CiStep(1, 10, run="az ml online-deployment create -f ${{ inputs.spec }} -w ${{ inputs.workspace }}")]),
        role="reusable_workflow")
    action = emit(CollectContext(graph), workflow_ref(graph, ".github/actions/setup/action.yml"),
                  CiPipeline("github_actions", "composite_action", "setup"), "test")
    emit_workflow(graph, ".github/workflows/cd.yml", CiJob(
        "prod", None, 5, uses={**action_ref("./.github/workflows/deploy.yml"), "path": ".github/workflows/deploy.yml"},
        extra={"inputs": {"spec": "mlops/azureml/deploy/deployment.yml", "workspace": "mlw-churn-prod"}}))
    link_pipelines(graph)
    deploy = job_node(graph, "deploy.yml", "deploy")
    assert list(graph.out_edges(job_node(graph, "cd.yml", "prod"), "uses")) == [called]
    assert list(graph.out_edges(step_node(graph, deploy, 0), "uses")) == [action]
    assert {graph.node(n)["kind"] for n in graph.out_edges(deploy, "deploys")} == {"deployment", "endpoint"}
    assert [graph.node(w)["attrs"]["name"] for w in graph.out_edges(deploy, "in_workspace")] == ["mlw-churn-prod"]
    assert graph.node(deploy)["attrs"]["called_by"] == [job_node(graph, "cd.yml", "prod")]


def test_an_environment_expression_is_resolved_from_each_caller(tmp_path):
    repo = make_repo(tmp_path / "churn", ESTATE)
    git(repo, "remote", "add", "origin", "https://github.com/contoso/churn.git")
    graph = collect_graph(tmp_path)
    prod = graph.add_node("environment", "ci:github_actions:github.com/contoso/churn/production",
                          {"system": "github_actions", "name": "production", "repository": "github.com/contoso/churn",
                           "protected": True})
    called = emit_workflow(graph, ".github/workflows/deploy.yml", CiJob(
        "deploy", None, 8, environment={"name": None, "raw": "${{ inputs.environment }}", "line": 9}),
        role="reusable_workflow")
    local = {**action_ref("./.github/workflows/deploy.yml"), "path": ".github/workflows/deploy.yml"}
    emit_workflow(graph, ".github/workflows/cd.yml",
                  CiJob("staging", None, 5, uses=local, extra={"inputs": {"environment": "staging"}}),
                  CiJob("prod", None, 7, uses=local, extra={"inputs": {"environment": "production"}}))
    link_pipelines(graph)
    job = graph.node(job_node(graph, "deploy.yml", "deploy"))["attrs"]
    assert job["environment_names"] == ["staging", "production"]
    assert list(graph.out_edges(job_node(graph, "deploy.yml", "deploy"), "uses")) == [prod]
    assert job["unresolved"]["environment staging"]["reason"] == \
        "no environments export of github.com/contoso/churn names environment staging"
    assert called in graph.out_edges(job_node(graph, "cd.yml", "prod"), "uses")


def test_azure_environments_by_project_name_or_by_the_one_project_of_the_organisation(tmp_path):
    repo = make_repo(tmp_path / "churn", {**ESTATE, "pipelines/release.yml": "stages: []\n"})
    git(repo, "remote", "add", "origin", "https://contoso@dev.azure.com/contoso/churn/_git/churn")
    graph = collect_graph(tmp_path)
    by_id = graph.add_node("environment", "ci:azure_pipelines:dev.azure.com/contoso/5d2a3c1e/churn-prod",
                           {"system": "azure_pipelines", "name": "churn-prod", "repository": None,
                            "project": "dev.azure.com/contoso/5d2a3c1e", "protected": True})
    by_name = graph.add_node("environment", "ci:azure_pipelines:dev.azure.com/contoso/churn/staging",
                             {"system": "azure_pipelines", "name": "staging", "repository": None,
                              "project": "dev.azure.com/contoso/churn", "protected": False})
    graph.add_node("environment", "ci:azure_pipelines:dev.azure.com/fabrikam/churn/qa",
                   {"system": "azure_pipelines", "name": "qa", "project": "dev.azure.com/fabrikam/churn"})
    emit(CollectContext(graph), workflow_ref(graph, "pipelines/release.yml"), CiPipeline(
        "azure_pipelines", "pipeline", None, jobs=[
            CiJob(f"Deploy.{n}", None, 3, deployment=True, environment={"name": env, "raw": env, "line": 4})
            for n, env in (("prod", "churn-prod.vm-web"), ("staging", "Staging"), ("qa", "qa"))]), "test")
    link_pipelines(graph)
    assert list(graph.out_edges(job_node(graph, "release.yml", "Deploy.prod"), "uses")) == [by_id]
    assert list(graph.out_edges(job_node(graph, "release.yml", "Deploy.staging"), "uses")) == [by_name]
    assert not list(graph.out_edges(job_node(graph, "release.yml", "Deploy.qa"), "uses"))   # another organisation


def test_attributes_of_the_wrong_shape_are_skipped_not_a_crash(tmp_path):
    """A replayed snapshot may hold anything: the linker reads what has the CI model's shape."""
    write_files(tmp_path, ESTATE)
    graph = collect_graph(tmp_path)
    emit_workflow(graph, ".github/workflows/cd.yml", CiJob("odd", None, 5, steps=[CiStep(0, 6, run="true")]))
    job = job_node(graph, "cd.yml", "odd")
    graph.update_attrs(job, environment={"name": ["production"], "raw": 7}, uses={"ref": None, "kind": "local"},
                       purposes={"deploy": "x"}, env=["A=1"], variables="oops")
    graph.update_attrs(step_node(graph, job), ml_actions=["az ml job create", {"action": "job_submit", "file": ["x"]},
                                                          {"action": "model_deploy", "workspace": {"n": 1}},
                                                          {"action": 3}], env={"A": {"b": 1}})
    graph.add_node("job", "ci:weird", {"system": {"not": "text"}})
    run_linkers(graph)
    assert not graph.errors
    assert "deploys" not in {k for _, _, k in graph.g.out_edges(job, keys=True)}


def test_only_azure_ml_actions_count_as_acting_on_a_workspace(tmp_path):
    write_files(tmp_path, ESTATE)
    graph = collect_graph(tmp_path)
    emit_workflow(graph, ".github/workflows/cd.yml", CiJob("local", None, 5, steps=[
        CiStep(0, 6, run="mlflow run . -e train\npython -m pytest"),
        CiStep(1, 8, uses=action_ref("Azure/aml-run@v1"), inputs={"parameters_file": "run.json"})]))
    link_pipelines(graph)
    actions = graph.node(job_node(graph, "cd.yml", "local"))["attrs"]["azureml_actions"]
    assert [a["action"] for a in actions] == ["job_submit"] and actions[0]["line"] == 8   # the aml-run step only


def test_each_caller_of_a_reusable_workflow_links_its_own_workspace(tmp_path):
    write_files(tmp_path, {**ESTATE, "infra/dev.tf": WORKSPACE_TF.replace('"prod"', '"dev"').replace(
        "mlw-churn-prod", "mlw-churn-dev").replace("public_network_access_enabled = false", "")})
    graph = collect_graph(tmp_path)
    emit_workflow(graph, ".github/workflows/deploy.yml", CiJob("train", None, 8, steps=[
        CiStep(0, 9, run="az ml job create -f mlops/azureml/train/pipeline.yml -w ${{ inputs.ws }}")]),
        role="reusable_workflow")
    local = {**action_ref("./.github/workflows/deploy.yml"), "path": ".github/workflows/deploy.yml"}
    emit_workflow(graph, ".github/workflows/cd.yml",
                  CiJob("dev", None, 5, uses=local, extra={"inputs": {"ws": "mlw-churn-dev"}}),
                  CiJob("prod", None, 7, uses=local, extra={"inputs": {"ws": "mlw-churn-prod"}}),
                  CiJob("qa", None, 9, uses=local, extra={"inputs": {"ws": "mlw-churn-qa"}}))
    link_pipelines(graph)
    job = job_node(graph, "deploy.yml", "train")
    assert sorted(graph.node(w)["attrs"]["name"] for w in graph.out_edges(job, "in_workspace")) == \
        ["mlw-churn-dev", "mlw-churn-prod"]
    attrs = graph.node(job)["attrs"]
    assert attrs["unresolved"]["workspace ${{ inputs.ws }} = mlw-churn-qa"]["reason"] == \
        "no collected ml_workspace is named mlw-churn-qa"
    assert attrs["azureml_actions"] == [{"action": "job_submit", "line": 9, "workspace": "${{ inputs.ws }}",
                                         "file": "mlops/azureml/train/pipeline.yml"}]
