"""Azure Pipelines: pipelines and templates found by content, stages → jobs → steps with the
facts the pipeline rules read (pool, environment, service connections, variable groups,
containers, needs), templates expanded from the same tree, and the issue's bad input
(anchors and merge keys, `on:` read as a boolean, `${{ }}` everywhere, huge matrices,
template cycles, missing templates, paths out of the tree)."""
from __future__ import annotations

import textwrap
from pathlib import Path

from conftest import collect_graph, errors_for, make_repo, node_attrs, out_edges

from checker.collectors.ci.azure import azure_shape
from checker.collectors.ci.azure.read import repository_ref, runner
from checker.pipelines.links import link_pipelines
from pipelines.test_cross_repository import PIPELINE as CROSS_REPOSITORY_PIPELINE, _repo

PIPELINE = """\
trigger:
  branches:
    include: [main]
pr: none

parameters:
  - name: environment
    type: string
    default: prod

variables:
  - group: ml-secrets
  - name: workspace
    value: mlw-prod
  - template: templates/vars.yml

resources:
  repositories:
    - repository: shared
      type: git
      name: platform/pipeline-templates
      endpoint: platform-conn
  containers:
    - container: py
      image: python:3.11

pool:
  name: ml-agents
  demands: [Agent.OS -equals Linux]

stages:
  - stage: Train
    jobs:
      - job: train
        container: py
        steps:
          - checkout: self
          - template: templates/install.yml
            parameters:
              cli: ml
          - task: AzureCLI@2
            displayName: Submit training
            inputs:
              azureSubscription: arm-ml-prod
              scriptType: bash
              scriptLocation: inlineScript
              inlineScript: |
                az ml job create -f ml/train.yml -w $(workspace) -g rg-ml
          - template: steps/aml.yml@shared
      - job: evaluate
        dependsOn: train
        steps:
          - script: python evaluate.py
  - stage: Deploy
    condition: succeeded()
    jobs:
      - deployment: deploy_endpoint
        environment: ${{ parameters.environment }}.ml-namespace
        pool:
          vmImage: ubuntu-22.04
        strategy:
          runOnce:
            deploy:
              steps:
                - ${{ if eq(parameters.environment, 'prod') }}:
                  - script: az ml online-deployment create -f ml/deploy.yml
                    displayName: Deploy model
                - ${{ else }}:
                  - script: echo skipped
            on:
              failure:
                steps:
                  - bash: echo rollback
"""
INSTALL = """\
parameters:
  - name: cli
    default: none
steps:
  - bash: |
      az extension add -n ${{ parameters.cli }}
    displayName: Install ${{ parameters.cli }}
"""
VARS = """\
variables:
  - group: shared-vars
  - name: region
    value: westeurope
"""
P = "fs:./.pipelines/train.yml"


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def estate(root: Path, **extra: str) -> Path:
    return write(root, {".pipelines/train.yml": PIPELINE, ".pipelines/templates/install.yml": INSTALL,
                        ".pipelines/templates/vars.yml": VARS, **extra})


def ci_nodes(graph, kind: str) -> dict:
    return {nid: n["attrs"] for nid, n in graph.nodes(kind) if n["attrs"].get("system") == "azure_pipelines"}


def steps_of(graph, job: str) -> list[dict]:
    return sorted((a for nid, a in ci_nodes(graph, "step").items() if nid.startswith(job + "/")),
                  key=lambda a: a["index"])


def test_pipeline_stages_jobs_and_steps(tmp_path):
    graph = collect_graph(estate(tmp_path))
    assert not graph.errors
    pipeline = node_attrs(graph, f"pipeline:ci:{P}")
    assert pipeline["role"] == "pipeline" and pipeline["triggers"] == ["push"]       # pr: none
    assert pipeline["repositories"][0]["alias"] == "shared"
    train = node_attrs(graph, f"job:ci:{P}#Train.train")
    assert train["stage"] == "Train" and train["runner"]["hosting"] == "self_hosted"     # the pipeline's pool
    assert train["runner"]["pool"] == "ml-agents" and train["runner"]["labels"] == ["Agent.OS -equals Linux"]
    assert train["variable_groups"] == ["ml-secrets", "shared-vars"]                    # one from the variables template
    assert train["service_connections"] == ["arm-ml-prod"]
    assert train["container"]["image"] == "python:3.11" and train["container"]["digest"] is False
    assert train["container"]["alias"] == "py"
    assert {p["purpose"] for p in train["purposes"]} == {"train"}


def test_step_template_contributes_its_steps_with_their_own_lines(tmp_path):
    graph = collect_graph(estate(tmp_path))
    steps = steps_of(graph, f"step:ci:{P}#Train.train")
    assert [s.get("name") for s in steps] == ["checkout self", "Install ml", "Submit training",
                                              "template steps/aml.yml@shared"]
    install = steps[1]
    assert install["defined_in"] == ".pipelines/templates/install.yml"
    assert install["line"] == 5 and install["run_line"] == 6              # lines in the template file
    assert install["run"] == "az extension add -n ml\n"                   # the caller's parameter
    assert steps[2]["ml_actions"][0]["file"] == "ml/train.yml" and steps[2]["task"] == "AzureCLI@2"
    assert node_attrs(graph, f"job:ci:{P}#Train.train")["templates"] == [".pipelines/templates/install.yml"]


def test_template_in_another_repository_is_kept_with_its_refs_kind(tmp_path):
    graph = collect_graph(estate(tmp_path))
    uses = steps_of(graph, f"step:ci:{P}#Train.train")[3]["uses"]
    assert uses["kind"] == "branch" and uses["target"] == "platform/pipeline-templates/steps/aml.yml"   # no ref: default branch
    assert repository_ref("r", "refs/tags/v1.2")["kind"] == "tag"
    assert repository_ref("r", "refs/heads/release")["kind"] == "branch"
    assert repository_ref("r", "0123456789abcdef0123456789abcdef01234567")["kind"] == "sha"
    assert repository_ref("r", "${{ variables.branch }}")["kind"] == "expression"


def test_deployment_job_environment_hooks_and_stage_order(tmp_path):
    graph = collect_graph(estate(tmp_path))
    deploy = node_attrs(graph, f"job:ci:{P}#Deploy.deploy_endpoint")
    assert deploy["deployment"] is True
    assert deploy["environment"] == {"name": "prod", "raw": "prod.ml-namespace", "line": 58, "resource": "ml-namespace"}
    assert deploy["runner"]["hosting"] == "hosted" and deploy["runner"]["image"] == "ubuntu-22.04"
    # no dependsOn on the stage: it waits for the stage before it, so for both of its jobs
    assert deploy["needs"] == ["Train.train", "Train.evaluate"]
    assert node_attrs(graph, f"job:ci:{P}#Train.evaluate")["needs"] == ["Train.train"]
    steps = steps_of(graph, f"step:ci:{P}#Deploy.deploy_endpoint")
    assert [(s["hook"], s["run"]) for s in steps] == [
        ("runOnce.deploy", "az ml online-deployment create -f ml/deploy.yml"),    # the if branch, not else
        ("runOnce.on.failure", "echo rollback")]
    assert steps[0]["ml_actions"][0]["action"] == "model_deploy"
    assert out_edges(graph, f"job:ci:{P}#Deploy.deploy_endpoint", "needs") == {
        f"job:ci:{P}#Train.train", f"job:ci:{P}#Train.evaluate"}


def test_templates_and_variables_files_are_templates(tmp_path):
    graph = collect_graph(estate(tmp_path, **{"conf/other.yml": "variables:\n  x: 1\n"}))
    install = node_attrs(graph, "pipeline:ci:fs:./.pipelines/templates/install.yml")
    assert install["role"] == "template" and install["triggers"] == []
    assert install["included_by"] == [".pipelines/train.yml"]
    assert node_attrs(graph, "pipeline:ci:fs:./.pipelines/templates/vars.yml")["role"] == "template"
    assert "pipeline:ci:fs:./conf/other.yml" not in graph        # a variables file no pipeline names
    # a template's own job has no runner: it runs where its caller says
    template_job = node_attrs(graph, "job:ci:fs:./.pipelines/templates/install.yml#Job")
    assert template_job["runner"] is None and template_job["template"] is True
    assert "template" not in node_attrs(graph, f"job:ci:{P}#Train.train")
    assert node_attrs(graph, "step:ci:fs:./.pipelines/templates/install.yml#Job/0")["included"] is True


def test_steps_only_pipeline_runs_on_the_hosted_default(tmp_path):
    write(tmp_path, {"azure-pipelines.yml": "steps:\n  - script: pytest -q\n"})
    graph = collect_graph(tmp_path)
    job = node_attrs(graph, "job:ci:fs:./azure-pipelines.yml#Job")
    assert job["runner"]["hosting"] == "hosted" and job["runner"]["image"] == "ubuntu-latest"
    assert node_attrs(graph, "pipeline:ci:fs:./azure-pipelines.yml")["triggers"] == ["push"]   # no trigger: every push


def test_pool_shapes():
    assert runner("Azure Pipelines", 1)["hosting"] == "hosted"
    assert runner({"name": "Azure Pipelines", "vmImage": "windows-2022"}, 1)["hosting"] == "hosted"
    assert runner("Hosted Ubuntu 1604", 1)["hosting"] == "hosted"
    assert runner({"name": "gpu-pool", "demands": "cuda"}, 1)["labels"] == ["cuda"]
    assert runner({"name": "$(poolName)"}, 1)["hosting"] == "unknown"
    assert runner("server", 1)["hosting"] == "hosted"


def test_detected_by_content_not_by_name(tmp_path):
    write(tmp_path, {
        ".azuredevops/build.yaml": "jobs:\n  - job: build\n    steps:\n      - script: make\n",
        "mlops/devops-pipelines/deploy.yml": "stages:\n  - stage: s\n    jobs:\n      - job: j\n        steps:\n          - bash: echo\n",
        # GitHub: `on:` reads as the boolean True, jobs is a mapping
        "ci/workflow.yml": "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n",
        # GitLab: stages is a list of names, jobs are top-level keys with script
        "ci/gitlab.yml": "stages: [build, test]\nbuild:\n  stage: build\n  script: [make]\n",
        "k8s/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  steps: []\n",
        "ml/pipeline.yml": "$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json\n"
                           "type: pipeline\njobs:\n  train:\n    type: command\n",
        "docker-compose.yml": "services:\n  web:\n    image: nginx\n",
        "notes.yml": "steps:\n  - one\n  - two\n",
        # Google Cloud Build: steps are images with args (a `script` too, since 2023)
        "cloudbuild.yaml": "steps:\n  - name: gcr.io/cloud-builders/docker\n    args: [build, .]\n"
                           "  - name: python:3.11\n    script: pytest\n",
    })
    graph = collect_graph(tmp_path)
    found = {a["path"] for a in ci_nodes(graph, "pipeline").values()}
    assert found == {".azuredevops/build.yaml", "mlops/devops-pipelines/deploy.yml"}
    assert not errors_for(graph, "workflow.yml") and not errors_for(graph, "gitlab.yml")


def test_shape_sniffing():
    assert azure_shape({"steps": [{"script": "x"}]}) == "body"
    assert azure_shape({"parameters": [], "steps": "${{ parameters.steps }}"}) == "body"
    assert azure_shape({"extends": {"template": "t.yml"}}) == "body"
    assert azure_shape({"variables": {"a": 1}}) == "variables"
    assert azure_shape({True: "push", "jobs": {"b": {}}}) is None
    assert azure_shape({"jobs": {"train": {"type": "command"}}}) is None


def test_anchors_merge_keys_and_expressions_everywhere(tmp_path):
    write(tmp_path, {"pipelines/ci.yml": """\
        variables:
          common: &common
            PYTHONUNBUFFERED: "1"
        jobs:
          - job: base
            pool: {vmImage: ubuntu-latest}
            variables:
              <<: *common
              model: churn
            steps:
              - script: echo ${{ variables.model }} $(Build.BuildId) $[counter('x', 1)]
          - job: matrix
            pool: ${{ variables.poolName }}
            strategy:
              matrix:
                MATRIX
            steps:
              - script: python -m pytest
        """.replace(" " * 16 + "MATRIX\n", "".join(f"{' ' * 24}py{i}: {{python: '3.{i}'}}\n" for i in range(2000)))})
    graph = collect_graph(tmp_path)
    assert not graph.errors
    base = steps_of(graph, "step:ci:fs:./pipelines/ci.yml#base")
    assert base[0]["run"].startswith("echo ${{ variables.model }} $(Build.BuildId)")   # job-level: not compile-time
    matrix = node_attrs(graph, "job:ci:fs:./pipelines/ci.yml#matrix")
    assert matrix["runner"]["hosting"] == "unknown"                                   # a computed pool


def test_undecided_conditions_read_every_branch_and_say_so(tmp_path):
    write(tmp_path, {"azure-pipelines.yml": """\
        parameters:
          - name: regions
            type: object
            default: [westeurope, northeurope]
        steps:
          - ${{ if eq(variables['Build.SourceBranch'], 'refs/heads/main') }}:
            - script: echo prod
          - ${{ else }}:
            - script: echo dev
          - ${{ each region in parameters.regions }}:
            - script: echo deploy ${{ region }}
          - ${{ each x in variables.unknownList }}:
            - script: echo ${{ x }}
        """})
    graph = collect_graph(tmp_path)
    steps = steps_of(graph, "step:ci:fs:./azure-pipelines.yml#Job")
    assert [s["run"] for s in steps] == ["echo prod", "echo dev", "echo deploy westeurope", "echo deploy northeurope"]
    unknown = node_attrs(graph, "pipeline:ci:fs:./azure-pipelines.yml")["unknown"]
    assert [u["line"] for u in unknown] == [6, 12] and all(u["file"] == "azure-pipelines.yml" for u in unknown)


def test_template_cycle_is_an_error_naming_file_and_line(tmp_path):
    write(tmp_path, {
        "azure-pipelines.yml": "jobs:\n  - job: a\n    steps:\n      - template: t/one.yml\n",
        "t/one.yml": "steps:\n  - script: echo one\n  - template: two.yml\n",
        "t/two.yml": "steps:\n  - template: one.yml\n",
        "t/self.yml": "steps:\n  - script: echo\n  - template: self.yml\n",
    })
    graph = collect_graph(tmp_path)
    errors = sorted((e.source.rpartition("/t/")[2], e.line, e.reason) for e in graph.errors)
    assert errors == [   # one error per cycle, from whichever file reached it first
        ("self.yml", 3, "template cycle: t/self.yml → t/self.yml; not expanded"),
        ("two.yml", 2, "template cycle: t/one.yml → t/two.yml → t/one.yml; not expanded")]
    steps = steps_of(graph, "step:ci:fs:./azure-pipelines.yml#a")
    assert steps[0]["run"] == "echo one"                 # the rest of the expansion kept
    assert len(errors) == len(set(errors))               # each error once, however often it is reached


def test_missing_template_and_path_out_of_the_tree(tmp_path):
    write(tmp_path, {"azure-pipelines.yml": """\
        steps:
          - template: templates/missing.yml
          - template: ../../outside/steal.yml
          - template: /templates/also-missing.yml
          - script: echo still read
        """})
    graph = collect_graph(tmp_path)
    errors = sorted((e.line, e.reason) for e in errors_for(graph, "azure-pipelines.yml"))
    assert errors == [
        (2, "template 'templates/missing.yml' (templates/missing.yml) not found in the scanned tree"),
        (3, "template '../../outside/steal.yml' leads out of the scanned tree; not read"),
        (4, "template '/templates/also-missing.yml' (templates/also-missing.yml) not found in the scanned tree"),
    ]
    steps = steps_of(graph, "step:ci:fs:./azure-pipelines.yml#Job")
    assert steps[-1]["run"] == "echo still read"


def test_exponential_templates_are_bounded(tmp_path):
    files = {"azure-pipelines.yml": "steps:\n  - template: t0.yml\n"}
    for i in range(30):      # each template includes the next twice: 2^30 inclusions unbounded
        files[f"t{i}.yml"] = f"steps:\n  - template: t{i + 1}.yml\n  - template: t{i + 1}.yml\n"
    files["t30.yml"] = "steps:\n  - script: echo leaf\n"
    graph = collect_graph(write(tmp_path, files))
    assert any("more than 1000 template inclusions" in e.reason for e in errors_for(graph, "azure-pipelines.yml"))


def test_invalid_yaml_and_template_markers(tmp_path):
    write(tmp_path, {
        "pipelines/broken.yml": "stages:\n  - stage: a\n    jobs:\n      - job: [unclosed\n",
        "pipelines/jinja.yml": "steps:\n  - script: echo\n{% for x in y %}\n  - script: {{ x }}\n{% endfor %}\n",
    })
    graph = collect_graph(tmp_path)
    assert [e.line for e in errors_for(graph, "broken.yml")] == [5]        # where the parser gave up
    assert not errors_for(graph, "jinja.yml")
    assert graph.node("file:fs:./pipelines/jinja.yml")["attrs"].get("template") is True


def test_pipeline_in_a_git_repository(tmp_path):
    repo = make_repo(tmp_path / "repo", {"azure-pipelines.yml": "pool: self-hosted-gpu\nsteps:\n  - script: python train.py\n",
                                          "train.py": "print('x')\n"})
    graph = collect_graph(repo)
    jobs = ci_nodes(graph, "job")
    assert len(jobs) == 1
    job = next(iter(jobs.values()))
    assert job["runner"]["hosting"] == "self_hosted" and job["purposes"][0]["purpose"] == "train"


def test_extends_template_and_job_templates(tmp_path):
    write(tmp_path, {
        "azure-pipelines.yml": """\
            resources:
              repositories:
                - repository: governed
                  type: git
                  name: platform/governed
                  ref: refs/tags/v2.1.0
            extends:
              template: templates/stages.yml
              parameters:
                approvals: true
            """,
        "templates/stages.yml": """\
            parameters:
              - name: approvals
                default: false
            stages:
              - stage: build
                jobs:
                  - template: jobs.yml
                    parameters: {name: unit}
                  - template: jobs/remote.yml@governed
            """,
        "templates/jobs.yml": """\
            parameters:
              - name: name
            jobs:
              - job: ${{ parameters.name }}
                pool: {vmImage: ubuntu-latest}
                steps:
                  - task: AzureResourceManagerTemplateDeployment@3
                    inputs:
                      azureResourceManagerConnection: arm-conn
                      csmFile: infra/main.json
            """,
    })
    graph = collect_graph(tmp_path)
    assert not graph.errors
    pipeline = node_attrs(graph, "pipeline:ci:fs:./azure-pipelines.yml")
    assert pipeline["extends"]["target"] == "templates/stages.yml"
    unit = node_attrs(graph, "job:ci:fs:./azure-pipelines.yml#build.unit")
    assert unit["uses"] == {"ref": "jobs.yml", "target": "templates/jobs.yml", "version": None, "kind": "local"}
    assert unit["service_connections"] == ["arm-conn"] and unit["defined_in"] == "templates/jobs.yml"
    remote = node_attrs(graph, "job:ci:fs:./azure-pipelines.yml#build.template1")
    assert remote["uses"]["kind"] == "tag" and remote["uses"]["version"] == "v2.1.0"


def _pipe_003_fixture(case: str) -> Path:
    """One of MLC-PIPE-003's Azure fixtures."""
    return Path(__file__).resolve().parents[2] / "rules" / "pipelines" / "MLC-PIPE-003" / case


def test_pipe_003_azure_fixtures_hold_the_facts_the_rule_reads(tmp_path):
    import shutil

    import yaml
    for case in ("flag-azure", "pass-azure"):
        fixture = _pipe_003_fixture(case)
        estate_dir = tmp_path / case
        shutil.copytree(fixture / "estate", estate_dir)
        graph = collect_graph(estate_dir)
        assert not graph.errors
        mutable = set()
        for kind in ("job", "step"):
            for nid, attrs in ci_nodes(graph, kind).items():
                uses, container = attrs.get("uses") or {}, attrs.get("container") or {}
                if uses.get("kind") in ("tag", "branch") or container and not container["digest"]:
                    mutable.add(nid)
        expected = yaml.safe_load((fixture / "expected.yaml").read_text())["nodes"]
        assert mutable == set(expected), case


def test_step_list_parameters_and_each_over_a_mapping(tmp_path):
    """The usual way templates take steps from their caller: a stepList parameter, copied
    key by key with `each`; a step built of insertion keys stays one step."""
    write(tmp_path, {
        "azure-pipelines.yml": """\
            jobs:
              - template: templates/job.yml
                parameters:
                  steps:
                    - script: python train.py
                      displayName: Train
                    - bash: pytest -q
        """,
        "templates/job.yml": """\
            parameters:
              - name: steps
                type: stepList
                default: []
            jobs:
              - job: wrapped
                steps:
                  - script: echo before
                  - ${{ each step in parameters.steps }}:
                    - ${{ each pair in step }}:
                        ${{ pair.key }}: ${{ pair.value }}
                  - ${{ parameters.steps }}
        """,
    })
    graph = collect_graph(tmp_path)
    assert not graph.errors
    steps = steps_of(graph, "step:ci:fs:./azure-pipelines.yml#wrapped")
    assert [(s.get("run"), s.get("name")) for s in steps][:3] == [
        ("echo before", None), ("python train.py", "Train"), ("pytest -q", None)]
    assert all(s["defined_in"] == "templates/job.yml" for s in steps)


def test_compile_time_variables_pin_a_repository_ref(tmp_path):
    write(tmp_path, {"azure-pipelines.yml": """\
        variables:
          - name: templatesRef
            value: refs/tags/v1.4.0
        resources:
          repositories:
            - repository: shared
              type: git
              name: platform/templates
              ref: ${{ variables.templatesRef }}
        steps:
          - template: steps/build.yml@shared
        """})
    step = steps_of(collect_graph(tmp_path), "step:ci:fs:./azure-pipelines.yml#Job")[0]
    assert (step["uses"]["kind"], step["uses"]["version"]) == ("tag", "v1.4.0")


SUBMIT_TEMPLATE = """\
    parameters:
      - name: jobFile
        type: string
      - name: workspace
        type: string
        default: mlw-dev
    steps:
      - task: AzureCLI@2
        displayName: Submit
        inputs:
          azureSubscription: arm-ml
          scriptType: bash
          scriptLocation: inlineScript
          inlineScript: |
            az ml job create --file ${{ parameters.jobFile }} --query name -o tsv -w ${{ parameters.workspace }}
"""


def test_a_parameter_without_default_or_value_stays_an_expression(tmp_path):
    """Azure refuses to queue a run that gives a required parameter no value: a template
    read alone, or called without it, does not know the value; it is not the empty string."""
    write(tmp_path, {
        "templates/submit.yml": SUBMIT_TEMPLATE,
        "ml/train.yml": "$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\ncommand: python train.py\n",
        "azure-pipelines.yml": """\
            jobs:
              - job: given
                steps:
                  - template: templates/submit.yml
                    parameters:
                      jobFile: ml/train.yml
              - job: forgotten
                steps:
                  - template: templates/submit.yml
        """})
    graph = collect_graph(tmp_path)
    submitted = {job: [(a["action"], a.get("file"), a.get("workspace")) for s in steps_of(graph, step)
                       for a in s["ml_actions"]]
                 for job, step in (("alone", "step:ci:fs:./templates/submit.yml#Job"),
                                   ("given", "step:ci:fs:./azure-pipelines.yml#given"),
                                   ("forgotten", "step:ci:fs:./azure-pipelines.yml#forgotten"))}
    assert submitted == {
        "alone": [("job_submit", "${{ parameters.jobFile }}", "mlw-dev")],
        "given": [("job_submit", "ml/train.yml", "mlw-dev")],
        "forgotten": [("job_submit", "${{ parameters.jobFile }}", "mlw-dev")],
    }
    # only the caller that names the spec links it; the others note what they could not read
    link_pipelines(graph)
    assert set(graph.in_edges("file:fs:./ml/train.yml", "uses")) == {"step:ci:fs:./azure-pipelines.yml#given/0"}
    for step in ("step:ci:fs:./templates/submit.yml#Job/0", "step:ci:fs:./azure-pipelines.yml#forgotten/0"):
        assert not list(graph.out_edges(step, "uses"))
        assert list(node_attrs(graph, step)["unresolved"]) == ["file ${{ parameters.jobFile }}"]


# The cross-repository pipeline, its template repository pinned by a branch.
APP_ON_BRANCH = CROSS_REPOSITORY_PIPELINE.replace("ref: refs/tags/v1.4", "ref: refs/heads/main")
assert APP_ON_BRANCH != CROSS_REPOSITORY_PIPELINE
# Invalid YAML, as a template edited by hand holds it: an unclosed flow sequence, a tab.
BROKEN_STEPS = """\
parameters:
  - name: deployment
    type: string
steps:
  - script: az ml online-deployment create -f ${{ parameters.deployment }}
    displayName: [Deploy
  - script: echo deployed
"""
BROKEN_JOBS = "jobs:\n  - job: train\n    steps:\n\t- script: az ml job create -f train.yml\n"
GOOD_STEPS = "steps:\n  - script: az ml online-deployment create -f ${{ parameters.deployment }}\n"


def _two_repositories(tmp_path, steps_template: str):
    templates = _repo(tmp_path / "templates", {"steps/deploy.yml": steps_template, "jobs/train.yml": BROKEN_JOBS},
                      "https://contoso@dev.azure.com/contoso/ml/_git/pipeline-templates")
    extends = APP_ON_BRANCH.split("stages:")[0] + "extends:\n  template: jobs/train.yml@templates\n"
    app = _repo(tmp_path / "app", {".azuredevops/pipeline.yml": APP_ON_BRANCH, ".azuredevops/release.yml": extends},
                "https://dev.azure.com/contoso/ml/_git/churn")
    return app, templates


def test_a_template_of_another_repository_that_does_not_load_keeps_its_reference_and_pin(tmp_path, scan_json):
    app, templates = _two_repositories(tmp_path, BROKEN_STEPS)
    graph = collect_graph(app, templates)
    job = "job:ci:git:app/.azuredevops/pipeline.yml#"
    deploy = steps_of(graph, "step:ci:git:app/.azuredevops/pipeline.yml#Deploy.deploy")
    assert [(s.get("name"), s.get("run")) for s in deploy] == [("template steps/deploy.yml@templates", None),
                                                             (None, "echo done")]
    assert {k: deploy[0]["uses"].get(k) for k in ("kind", "version", "target", "repository")} == {
        "kind": "branch", "version": "main", "target": "ml/pipeline-templates/steps/deploy.yml", "repository": "templates"}
    assert "expanded" not in deploy[0]
    train = node_attrs(graph, job + "Train.template0")["uses"]
    assert (train["kind"], train["version"], train["ref"]) == ("branch", "main", "jobs/train.yml@templates")
    # an `extends:` of it: the pipeline's one job carries the reference (it held nothing before)
    extended = node_attrs(graph, "job:ci:git:app/.azuredevops/release.yml#extends")["uses"]
    assert (extended["kind"], extended["version"]) == ("branch", "main")
    assert sorted((e.source, e.line, e.reason.split(":")[0]) for e in graph.errors) == [
        ("templates/jobs/train.yml", 4, "invalid YAML"), ("templates/steps/deploy.yml", 7, "invalid YAML")]
    # MLC-PIPE-003 judges both references: pinned by a branch
    _, report, _ = scan_json(str(app), str(templates))
    flagged = {f["node"]: f["message"].partition(": ")[2] for f in report["findings"] if f["rule_id"] == "MLC-PIPE-003"}
    assert flagged == {
        job + "Train.template0": "reusable workflow or template jobs/train.yml@templates of repository ml/pipeline-templates (a branch)",
        "job:ci:git:app/.azuredevops/release.yml#extends":
            "reusable workflow or template jobs/train.yml@templates of repository ml/pipeline-templates (a branch)",
        "step:ci:git:app/.azuredevops/pipeline.yml#Deploy.deploy/0":
            "template steps/deploy.yml@templates of repository ml/pipeline-templates (a branch)"}


def test_a_template_of_another_repository_that_loads_is_expanded_after_its_reference(tmp_path):
    app, templates = _two_repositories(tmp_path, GOOD_STEPS)
    deploy = steps_of(collect_graph(app, templates), "step:ci:git:app/.azuredevops/pipeline.yml#Deploy.deploy")
    assert [(s["uses"]["kind"] if "uses" in s else None, s.get("run")) for s in deploy] == [
        ("branch", None), (None, "az ml online-deployment create -f mlops/deploy/blue.yml"), (None, "echo done")]
    assert deploy[0]["expanded"] is True


def test_a_stage_holding_steps_is_an_error_at_its_line(tmp_path):
    # A job list indented one level too little (sebastianbirk/pytorch-mlops-template-azure-ml's
    # model deployment pipeline): the stage gets the job's keys, steps and the next job.
    write(tmp_path, {"azure-pipelines.yml": """\
        stages:
          - stage: Deploy_ACI
            jobs:
              - job: deploy_aci
                steps:
                  - script: az ml model deploy -n aci --ic inference.yml
          - stage: Deploy_AKS
            jobs:
            - job: Wait_For_Validation
            pool: server
            steps:
            - task: ManualValidation@0
            - job: Deploy_AKS
        """})
    graph = collect_graph(tmp_path)
    assert [(e.line, e.reason) for e in errors_for(graph, "azure-pipelines.yml")] == [
        (11, "stage 'Deploy_AKS' holds steps: Azure Pipelines refuses a stage with steps (they belong to a job); "
             "they are not read")]
    # the rest is still read
    assert node_attrs(graph, "job:ci:fs:./azure-pipelines.yml#Deploy_ACI.deploy_aci")["stage"] == "Deploy_ACI"
    assert "job:ci:fs:./azure-pipelines.yml#Deploy_AKS.Wait_For_Validation" in graph


def test_step_conditions_and_continue_on_error_are_kept(tmp_path):
    graph = collect_graph(write(tmp_path, {"azure-pipelines.yml": """\
        trigger: [main]
        pool:
          vmImage: ubuntu-latest
        steps:
          - script: python -m pytest tests/
            displayName: Unit tests
            continueOnError: true
          - script: az ml online-deployment create -f deploy.yml
            displayName: Deploy
            condition: and(succeeded(), eq(variables['Build.SourceBranch'], 'refs/heads/main'))
        """}))
    assert not graph.errors
    tests, deploy = steps_of(graph, "step:ci:fs:./azure-pipelines.yml#Job")
    assert tests["continue_on_error"] is True and "condition" not in tests
    assert deploy["condition"] == "and(succeeded(), eq(variables['Build.SourceBranch'], 'refs/heads/main'))"
    assert "continue_on_error" not in deploy
    job = node_attrs(graph, "job:ci:fs:./azure-pipelines.yml#Job")
    assert "gated_in_job" not in job           # the tests' failure is tolerated


def test_an_azure_pipeline_kept_in_the_github_workflows_folder_is_read_as_azure(tmp_path):
    # Azure Pipelines reads a pipeline from any path; feast-dev/feast keeps one in
    # .github/workflows/. GitHub's workflows there stay GitHub's.
    graph = collect_graph(write(tmp_path, {
        ".github/workflows/azure-pipelines.yml": """\
            trigger: [master]
            pool:
              vmImage: ubuntu-latest
            jobs:
              - job: unit
                steps:
                  - task: AzureCLI@2
                    inputs:
                      azureSubscription: feast-sc
                      scriptType: bash
                      scriptLocation: inlineScript
                      inlineScript: make test
            """,
        ".github/workflows/ci.yml": """\
            on: push
            jobs:
              steps:
                runs-on: ubuntu-latest
                steps:
                  - run: make test
            """}))
    assert not graph.errors
    azure = node_attrs(graph, "pipeline:ci:fs:./.github/workflows/azure-pipelines.yml")
    assert azure["system"] == "azure_pipelines"
    assert node_attrs(graph, "job:ci:fs:./.github/workflows/azure-pipelines.yml#unit")["service_connections"] == ["feast-sc"]
    assert node_attrs(graph, "pipeline:ci:fs:./.github/workflows/ci.yml")["system"] == "github_actions"
