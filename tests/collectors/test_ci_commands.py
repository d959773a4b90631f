"""What CI steps do to ML resources (checker/collectors/ci/commands.py) and how they name
what they run (refs.py): read from text, never run."""
from checker.collectors.ci.commands import deploy_targets, ml_actions, purposes, task_actions
from checker.collectors.ci.model import gate_in_job
from checker.collectors.ci.refs import action_ref, image_ref


def test_azure_ml_cli_with_continuations_expressions_and_lines():
    script = ("set -e\n"
              "az ml job create -f jobs/train.yml \\\n"
              "   --workspace-name $(WS) -g ${{ vars.RG }} --stream\n"
              "FOO=1 sudo kubectl apply -f k8s/ && echo done\n"
              "az ml online-deployment create --file \"${{ github.workspace }}/mlops/deploy.yml\" -w ws1\n")
    found = ml_actions(script, "mlops", 10)
    assert [(a["action"], a["line"], a.get("file")) for a in found] == [
        ("job_submit", 11, "mlops/jobs/train.yml"),
        ("k8s_apply", 13, "mlops/k8s"),
        ("model_deploy", 14, "mlops/deploy.yml"),       # from the checkout's root, not the workdir
    ]
    assert found[0]["workspace"] == "$(WS)" and found[0]["resource_group"] == "${{ vars.RG }}"
    assert found[2]["workspace"] == "ws1"


def test_powershell_backtick_and_cmd_caret_continue_a_command():
    found = ml_actions("az ml model create `\n  --name churn --path ./model\naz deployment group create ^\n -f infra/main.bicep -g rg", None, 1)
    assert [(a["action"], a["line"]) for a in found] == [("model_register", 1), ("infra_deploy", 3)]
    assert found[0]["name"] == "churn" and found[1]["file"] == "infra/main.bicep"


def test_commands_that_are_not_ml_actions_and_broken_quotes_are_ignored():
    assert ml_actions("echo 'az ml job create -f x.yml'\npip install -r requirements.txt\naz login", None, 1) == []
    assert ml_actions('python "unclosed', None, 1) == []
    assert ml_actions("# az ml job create -f commented.yml", None, 1) == []


def test_terraform_mlflow_dvc_python_and_tests():
    script = ("terraform -chdir=infra apply -auto-approve\nterraform plan\n"
              "mlflow models serve -m models:/churn/Production -p 5001\n"
              "dvc repro\npython src/evaluate.py\npython -m pytest tests\n")
    found = ml_actions(script, None, 1)
    assert [(a["action"], a.get("file")) for a in found] == [
        ("infra_apply", "infra"), ("model_serve", None), ("dvc_repro", None),
        ("python_script", "src/evaluate.py"), ("tests", None)]
    assert found[1]["model"] == "models:/churn/Production"


def test_aws_sagemaker_commands_train_deploy_and_register():
    # the shapes of aws-samples' SageMaker drift detection and a GitLab SageMaker pipeline
    script = ("aws sagemaker describe-project --project-name p --query ProjectId --output text\n"
              "aws sagemaker start-pipeline-execution --pipeline-name drift-pipeline --pipeline-parameters Name=a,Value=b\n"
              "aws --region eu-west-1 sagemaker create-training-job --training-job-name $JOB --role-arn $ROLE\n"
              "aws sagemaker create-model --model-name m --primary-container Image=i\n"
              "aws sagemaker create-endpoint-config --endpoint-config-name c\n"
              "aws sagemaker create-endpoint \\\n  --endpoint-name churn-prod --endpoint-config-name c\n"
              "aws sagemaker create-model-package --model-package-group-name churn\n"
              "aws cloudformation deploy --template-file infra/stack.yml --stack-name s\n"
              "aws s3 sync s3://a s3://b\n")
    found = ml_actions(script, "deploy", 1)
    assert [(a["action"], a.get("name"), a.get("file"), a["line"]) for a in found] == [
        ("job_submit", "drift-pipeline", None, 2), ("job_submit", "$JOB", None, 3),
        ("endpoint_deploy", "churn-prod", None, 6), ("model_register", "churn", None, 8),
        ("infra_deploy", None, "deploy/infra/stack.yml", 9)]
    assert [p["purpose"] for p in purposes(["build"], found)] == ["train", "deploy", "register", "provision"]


def test_tasks_and_actions_act_by_their_inputs():
    # Azure-Samples/MLOpsDatabricks deploys its ARM template with the task's @2 name
    arm = task_actions("AzureResourceGroupDeployment@2", {"csmFile": "$(Build.SourcesDirectory)/iac/arm-templates/cloud-environment.json",
                                                          "action": "Create Or Update Resource Group"}, None, 12)
    assert [(a["action"], a["file"]) for a in arm] == [("infra_deploy", "iac/arm-templates/cloud-environment.json")]
    assert [a["action"] for a in task_actions("AzureCLI@2", {"inlineScript": "az ml online-endpoint create -f ep.yml"}, "cfg", 7)] == ["endpoint_deploy"]
    assert task_actions("TerraformTaskV4@4", {"command": "plan", "workingDirectory": "tf"}) == []
    applied = task_actions("TerraformTaskV4@4", {"command": "apply", "workingDirectory": "infra/tf"}, None, 5)
    assert [(a["action"], a["file"]) for a in applied] == [("infra_apply", "infra/tf")]
    manifests = task_actions("azure/k8s-deploy", {"manifests": "k8s/deploy.yml\nk8s/svc.yml"}, None, 3)
    assert [a["file"] for a in manifests] == ["k8s/deploy.yml", "k8s/svc.yml"]
    assert task_actions("actions/checkout", {"ref": "main"}) == []


def test_azure_ml_extension_tasks():
    deployed = task_actions("AzureMLModelDeploy@0", {"azureSubscription": "ml-conn", "inferencePath": "deploy/inferenceConfig.yml",
                                                     "deploymentName": "churn-svc"}, None, 12)
    assert [(a["action"], a.get("file"), a["line"]) for a in deployed] == [("model_deploy", "deploy/inferenceConfig.yml", 12)]
    assert [a["action"] for a in task_actions("AMLPipeline@0", {"PipelineId": "$(pipelineId)"})] == ["job_submit"]
    assert purposes([], deployed)[0]["purpose"] == "deploy"


def test_purposes_prefer_what_a_job_does_over_its_name():
    acts = ml_actions("az ml job create -f jobs/evaluate.yml\naz ml online-deployment create -f d.yml", None, 1)
    found = {p["purpose"]: p["reason"] for p in purposes(["build"], acts)}
    assert set(found) == {"evaluate", "deploy"}
    assert found["deploy"].startswith("model_deploy: az ml online-deployment create")
    named = {p["purpose"] for p in purposes(["train-model", "Register model", "smoke-test"], [])}
    assert named == {"train", "register", "test"}
    assert purposes(["lint", "build"], []) == []
    assert purposes(["constraint-check", "entertainment"], []) == []     # words inside words


def test_action_refs_by_kind():
    assert action_ref("actions/checkout@v4")["kind"] == "tag"
    assert action_ref("actions/checkout@8e5e7e5ab8b370d6c329ec480221332ada57f0ab")["kind"] == "sha"
    assert action_ref("org/repo/.github/workflows/train.yml@main") == {
        "ref": "org/repo/.github/workflows/train.yml@main", "target": "org/repo/.github/workflows/train.yml",
        "version": "main", "kind": "branch"}
    assert action_ref("./.github/actions/setup")["kind"] == "local"
    assert action_ref("docker://alpine:3.19")["kind"] == "docker"
    assert action_ref("docker://alpine@sha256:" + "a" * 64)["kind"] == "sha"
    assert action_ref("${{ matrix.action }}")["kind"] == "expression"
    assert action_ref("actions/checkout")["kind"] == "unknown"


def test_image_refs():
    assert image_ref("mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest")["pinned"] is False
    assert image_ref("localhost:5000/train")["tag"] is None
    pinned = image_ref("python:3.11@sha256:" + "b" * 64)
    assert pinned["pinned"] and pinned["tag"] == "3.11" and pinned["name"] == "python"


def test_a_command_whose_output_a_variable_captures_still_runs():
    # Azure/mlops-v2's cicd.yaml and azureml-examples submit jobs this way
    script = ("job_id=$(az ml job create -f job.yaml --query name -o tsv)\n"
              "export RUN=$(az ml model create --name churn --path model -o tsv)\n"
              "az ml job stream -n $job_id\nnow=$(date)\n")
    found = ml_actions(script, "project", 5)
    assert [(a["action"], a["line"], a.get("file")) for a in found] == [("job_submit", 5, "project/job.yaml"),
                                                                          ("model_register", 6, None)]


def test_a_script_read_once_still_answers_each_step_with_its_own_lines_and_folder():
    """Scripts are read once per distinct text and folder: each call still gets its own
    lines, its own folder's paths, and copies it may change."""
    script = "pip install -r requirements.txt\naz ml job create -f job.yml -w ws"
    first = ml_actions(script, "cli", 10)
    first[0]["file"] = "changed by a caller"
    again = ml_actions(script, "cli", 40)
    elsewhere = ml_actions(script, "sdk", None)
    assert [(a["action"], a["file"], a["line"]) for a in again] == [("job_submit", "cli/job.yml", 41)]
    assert [(a["file"], a["line"]) for a in elsewhere] == [("sdk/job.yml", None)]
    named = purposes(["Train model", "Checkout"], [])
    assert purposes(["Train model", "Checkout"], []) == named == [{"purpose": "train", "reason": "named 'Train model'"}]


def test_names_that_prepare_or_test_a_deployment_do_not_deploy():
    # Azure App Service's deployment center writes a build job whose steps are called
    # "Zip artifact for deployment" and "Upload artifact for deployment job": it builds.
    assert purposes(["build", "Zip artifact for deployment", "Upload artifact for deployment job"], []) == []
    assert purposes(["Build for release", "Create deployment package"], []) == []
    assert purposes(["Test deployment"], []) == [{"purpose": "test", "reason": "named 'Test deployment'"}]
    # a CI runner started for the next job (CML's `cml runner` on a Kubernetes cluster)
    assert purposes(["setup-runner", "Deploy runner on Kubernetes", "Deploy self-hosted agents"], []) == []
    assert purposes(["setup-runner", "Deploy model"], []) == [{"purpose": "deploy", "reason": "named 'Deploy model'"}]
    script = [{"action": "python_script", "file": "tests/test_deployment.py", "text": "python tests/test_deployment.py"}]
    assert purposes([], script) == [{"purpose": "test", "reason": "python_script: python tests/test_deployment.py"}]


def test_a_command_whose_failure_is_swallowed_says_so():
    assert [a.get("failure_ignored") for a in ml_actions("pytest tests/ || true\npytest b/ || exit 1")] == [True, None]
    found = ml_actions("pytest a/\nset +e\npytest b/\nset -e\npytest c/")
    assert [a.get("failure_ignored") for a in found] == [None, True, None]
    assert ml_actions("pytest tests/ || :")[0]["failure_ignored"] is True
    # the same script read twice (remembered) answers the same
    assert ml_actions("pytest tests/ || true")[0]["failure_ignored"] is True


def test_a_deploy_job_that_publishes_a_documentation_site_deploys_no_model():
    # SkafteNicki/dtu_mlops: a job called `deploy` runs `mkdocs gh-deploy`; others publish
    # with mike or the GitHub Pages actions.
    for script in ("mkdocs gh-deploy --force", "mike deploy --push --update-aliases 0.1 latest",
                   "ghp-import -n -p -f _build/html"):
        actions = ml_actions(script)
        assert [a["action"] for a in actions] == ["site_publish"], script
        assert purposes(["deploy", "Deploy docs"], actions, environment=True) == []
    for task in ("peaceiris/actions-gh-pages@v4", "actions/deploy-pages@v4",
                 "JamesIves/github-pages-deploy-action@v4"):
        actions = task_actions(task, {"publish_dir": "./site", "folder": "build"})
        assert [(a["action"], a.get("file")) for a in actions] == [("site_publish", None)], task
        assert purposes(["deploy"], actions) == []
    # `mkdocs build` publishes nothing; a job that also deploys a model still deploys.
    assert ml_actions("mkdocs build --strict") == []
    both = ml_actions("mkdocs gh-deploy") + ml_actions("az ml online-deployment create -f d.yml")
    assert [p["purpose"] for p in purposes(["deploy"], both)] == ["deploy"]


def test_a_name_that_moves_test_or_evaluation_results_neither_tests_nor_evaluates():
    # Azure's PublishTestResults task is named so and runs whatever the tests did; the CI
    # probe's "Upload evaluation results" made a job evaluate.
    for name in ("Publish test results", "Publish Test Results", "publish-unit-test-results",
                 "Upload evaluation results", "Download test report", "Upload pytest results",
                 "Save metrics", "Post benchmark results", "Publish code coverage",
                 "ok-to-test", "Remove needs-ok-to-test label"):
        assert purposes([name], []) == [], name
    for name, purpose in (("Run tests", "test"), ("Smoke test", "test"), ("Evaluate model", "evaluate"),
                          ("Run unit tests and publish coverage", "test"),
                          ("evaluate-and-upload-results", "evaluate")):
        assert [p["purpose"] for p in purposes([name], [])] == [purpose], name
    # what a step runs still says it: pytest, whatever the step is called
    assert purposes(["Publish test results"], ml_actions("pytest --junitxml=out.xml")) == [
        {"purpose": "test", "reason": "tests: pytest --junitxml=out.xml"}]


def test_a_name_that_registers_something_else_than_a_model_does_not_register():
    # GitHub's Docker publishing workflow logs in to a registry; microsoft/mlops-template-for-
    # azureml-sdk-v2 registers an Azure ML environment before it runs its pipeline.
    assert purposes(["build", "Log in to the Container registry", "Push to registry"], []) == []
    assert purposes(["Register Azure ML environment (conda)", "register-dataset", "Register data asset"], []) == []
    assert purposes(["Register model"], []) == [{"purpose": "register", "reason": "named 'Register model'"}]
    assert purposes(["model-registration"], []) == [{"purpose": "register", "reason": "named 'model-registration'"}]
    assert purposes(["Register model and environment"], []) == [
        {"purpose": "register", "reason": "named 'Register model and environment'"}]
    # what a step does still counts, whatever it is called
    share = [{"action": "model_register", "text": "az ml model share --name m"}]
    assert purposes(["Push to registry"], share) == [{"purpose": "register", "reason": "model_register: az ml model share --name m"}]


def test_a_name_that_says_deploy_still_deploys_and_an_environment_keeps_a_qualified_one():
    assert purposes(["deploy", "Unzip artifact for deployment"], []) == [{"purpose": "deploy", "reason": "named 'deploy'"}]
    assert purposes(["Deploy to staging"], []) == [{"purpose": "deploy", "reason": "named 'Deploy to staging'"}]
    # A job that targets an environment deploys there, whatever its name qualifies.
    assert purposes(["Test deployment"], [], environment=True) == [
        {"purpose": "test", "reason": "named 'Test deployment'"},
        {"purpose": "deploy", "reason": "named 'Test deployment'"}]
    assert purposes(["build", "Upload artifact for deployment job"], [], environment=True) == [
        {"purpose": "deploy", "reason": "named 'Upload artifact for deployment job'"}]
    # ... and a deploy command deploys whatever the job is called
    webapp = [{"action": "app_deploy", "text": "azure/webapps-deploy@v3"}]
    assert purposes(["Test deployment"], webapp) == [{"purpose": "deploy", "reason": "app_deploy: azure/webapps-deploy@v3"},
                                                    {"purpose": "test", "reason": "named 'Test deployment'"}]
    # An environment alone, named for nothing that deploys: no purpose is invented
    assert purposes(["lint"], [], environment=True) == []


def test_a_captured_command_holding_a_nested_substitution_or_macro_still_runs():
    # An Azure Pipelines macro `$(ep)` or a nested `$(…)` inside the captured command
    script = ("R=$(az ml online-endpoint invoke -n $(ep) --request-file sample.json)\n"
              'JOB=$(az ml job create -f "$(dirname $(pwd))/job.yml" --query name -o tsv)\n'
              "SCORE=$(echo az ml model create -n $(m))\n"      # echoes: runs nothing we read
              "T=$(( $(date +%s) - START ))\n")
    found = ml_actions(script, None, 1)
    assert [(a["action"], a["line"], a.get("name"), a.get("file")) for a in found] == [
        ("endpoint_invoke", 1, "$(ep)", None),
        ("job_submit", 2, None, "$(dirname $(pwd))/job.yml"),
    ]
    # An unclosed substitution stays words: nothing is invented from it
    assert ml_actions("R=$(az ml job create -f $(spec) --query name\n", None, 1) == []


# -- a deploy job's own tests (model.gate_in_job) ---------------------------------------------

def _step(index, name=None, run=None, **extra):
    return {"index": index, "name": name, "line": index + 10, "run": run,
            "ml_actions": ml_actions(run, None, index + 10) if run else [], **extra}


def test_a_test_step_before_every_deploying_step_gates_the_job():
    steps = [_step(0, "Checkout"), _step(1, "Unit tests", "pytest tests/"),
             _step(2, "Deploy", "az ml online-deployment create -f d.yml")]
    gate = gate_in_job("github_actions", steps)
    assert gate == {"step": "Unit tests", "line": 11, "purpose": "test", "reason": "tests: pytest tests/",
                    "deploy_step": "Deploy"}


def test_a_test_after_the_deploy_or_one_whose_failure_is_tolerated_gates_nothing():
    deploy = _step(1, "Deploy", "az ml online-deployment create -f d.yml")
    assert gate_in_job("github_actions", [deploy, _step(2, "Smoke test", "pytest smoke/")]) is None
    for tolerant in (_step(0, "Unit tests", "pytest tests/", continue_on_error=True),
                     _step(0, "Unit tests", "pytest tests/", continue_on_error="${{ matrix.experimental }}"),
                     _step(0, "Unit tests", "pytest tests/ || true"),
                     _step(0, "Unit tests", "set +e\npytest tests/")):
        assert gate_in_job("github_actions", [tolerant, deploy]) is None, tolerant


def test_a_deploy_that_runs_after_a_failure_is_not_gated_by_the_steps_before_it():
    tests = _step(0, "Unit tests", "pytest tests/")
    for condition in ("always()", "failure() || success()", "!cancelled()", "succeededOrFailed()",
                      "not(canceled())"):
        deploy = _step(1, "Deploy", "az ml online-deployment create -f d.yml", condition=condition)
        assert gate_in_job("github_actions", [tests, deploy]) is None, condition
    ran_on_success = _step(1, "Deploy", "az ml online-deployment create -f d.yml",
                           condition="success() && !cancelled()")
    assert gate_in_job("github_actions", [tests, ran_on_success])["step"] == "Unit tests"
    on_failure = _step(1, "Deploy", "az ml online-deployment create -f d.yml", hook="runOnce.on.failure")
    assert gate_in_job("azure_pipelines", [tests, on_failure]) is None


def test_gitlab_commands_are_ordered_inside_a_script_and_after_script_runs_after_failure():
    script = _step(0, "script", "pytest tests/\naz ml online-deployment create -f d.yml")
    script["ml_actions"] = ml_actions("pytest tests/", None, 5) + ml_actions("az ml online-deployment create -f d.yml", None, 6)
    assert gate_in_job("gitlab_ci", [script])["step"] == "script: pytest tests/"
    reversed_ = dict(script, ml_actions=list(reversed(script["ml_actions"])))
    for a, line in zip(reversed_["ml_actions"], (5, 6)):
        a["line"] = line
    assert gate_in_job("gitlab_ci", [reversed_]) is None
    deploy = _step(0, "script", "az ml online-deployment create -f d.yml")
    after = _step(1, "after_script", "pytest tests/")
    assert gate_in_job("gitlab_ci", [deploy, after]) is None
    # a command whose failure the script swallows gates nothing (GitLab reads each command)
    for tests in ("pytest tests/ || true", "set +e; pytest tests/"):
        swallowed = dict(script, ml_actions=ml_actions(tests, None, 5) +
                         ml_actions("az ml online-deployment create -f d.yml", None, 6))
        assert gate_in_job("gitlab_ci", [swallowed]) is None, tests
    # A name alone says nothing of order: a job called deploy whose steps deploy nowhere we see.
    assert gate_in_job("gitlab_ci", [_step(0, "script", "pytest tests/")]) is None


def test_kubectl_and_helm_global_flags_before_the_verb_and_the_targets_they_name():
    # `kubectl --context prod apply` was read as the verb "prod": no action at all.
    [kubectl] = ml_actions("kubectl --context aks-prod -n serving apply -f k8s/", None, 1)
    assert (kubectl["action"], kubectl["file"], kubectl["context"], kubectl["namespace"]) == \
        ("k8s_apply", "k8s", "aks-prod", "serving")
    assert ml_actions("kubectl --kubeconfig ~/.kube/prod get pods", None, 1) == []
    [rollout] = ml_actions("kubectl --namespace=prod rollout restart deploy/churn", None, 1)
    assert rollout["namespace"] == "prod" and "file" not in rollout
    [helm] = ml_actions("helm --kube-context aks-live upgrade --install churn ./chart -f values.yaml "
                        "--values=values-prod.yaml", "deploy", 1)
    assert (helm["file"], helm["context"], helm["values"]) == ("deploy/chart", "aks-live", ["values.yaml", "values-prod.yaml"])
    assert ml_actions("helm repo add kserve https://example.com/charts", None, 1) == []


def test_terraform_var_files_and_workspace_are_kept():
    [apply] = ml_actions('TF_WORKSPACE=prod terraform -chdir=infra apply -var-file "envs/production.tfvars" '
                         '-var-file=common.tfvars -auto-approve', None, 3)
    assert (apply["file"], apply["var_files"], apply["tf_workspace"]) == \
        ("infra", ["envs/production.tfvars", "common.tfvars"], "prod")
    [plain] = ml_actions("terraform apply -auto-approve", None, 1)
    assert "var_files" not in plain and "tf_workspace" not in plain


def test_deploy_targets_are_what_deploying_and_provisioning_commands_name_once_each():
    script = ("az ml job create -f train.yml -w mlw-train\n"            # trains: not a deploy target
              "terraform apply -var-file=envs/prod.tfvars\n"
              "az ml online-deployment create -f d.yml -e churn-live -w mlw-prod -g rg\n"
              "kubectl --context aks-prod apply -f k8s/\n"
              "kubectl --context aks-prod apply -f more/\n")
    assert deploy_targets(ml_actions(script, None, 1)) == [
        {"what": "var file", "value": "envs/prod.tfvars"},
        {"what": "workspace", "value": "mlw-prod"}, {"what": "resource group", "value": "rg"},
        {"what": "endpoint", "value": "churn-live"}, {"what": "kube context", "value": "aks-prod"}]
    assert deploy_targets(ml_actions("pytest -q\naz ml job create -f t.yml -w mlw-prod", None, 1)) == []


def test_the_terraform_state_a_job_chooses_is_a_deploy_target_of_its_applies():
    script = ('terraform init -backend-config="key=prod.tfstate"\n'
              "terraform workspace select -or-create live\n"
              "terraform init\n"                      # no backend config: nothing to say
              "terraform workspace list\n"
              "terraform apply -auto-approve\n")
    actions = ml_actions(script, "infra", 1)
    assert [(a["action"], a["line"]) for a in actions] == [("infra_state", 1), ("infra_state", 2), ("infra_apply", 5)]
    assert purposes([], actions) == [{"purpose": "provision", "reason": "infra_apply: terraform apply -auto-approve"}]
    assert deploy_targets(actions) == [{"what": "terraform backend config", "value": "key=prod.tfstate"},
                                       {"what": "terraform workspace", "value": "live"}]


def test_a_github_script_that_stops_at_its_first_failing_command_gates_its_own_later_lines():
    script = "pytest tests/\naz ml online-deployment create -f d.yml"
    ubuntu, windows = {"labels": ["ubuntu-latest"]}, {"labels": ["windows-2022"]}
    # `bash -e {0}`: a failing pytest ends the script before the deploy line
    gate = gate_in_job("github_actions", [_step(0, "Test and ship", script)], ubuntu)
    assert gate == {"step": "Test and ship: pytest tests/", "line": 10, "purpose": "test",
                    "reason": "tests: pytest tests/", "deploy_step": "Test and ship: az ml online-deployment create -f d.yml"}
    assert gate_in_job("github_actions", [_step(0, None, script, shell="sh")], windows)["purpose"] == "test"
    # pwsh (Windows' default), a runner whose system is unknown, a custom template, Azure's
    # bash (no -e): the script goes on after pytest fails, so nothing gates the deploy
    for step, runner in ((_step(0, None, script), windows), (_step(0, None, script), {"labels": ["${{ matrix.os }}"]}),
                         (_step(0, None, script, shell="bash {0}"), ubuntu), (_step(0, None, script), None)):
        assert gate_in_job("github_actions", [step], runner) is None, (step, runner)
    assert gate_in_job("azure_pipelines", [_step(0, None, script)], ubuntu) is None
    # a test whose failure a pipe hides (no pipefail in the default shell), a swallowed one,
    # a deploy before the test, a step named for a purpose its commands do not show
    piped = "pytest tests/ | tee out.log\naz ml online-deployment create -f d.yml"
    assert gate_in_job("github_actions", [_step(0, None, piped)], ubuntu) is None
    assert gate_in_job("github_actions", [_step(0, None, piped, shell="bash")], ubuntu)["purpose"] == "test"
    for run, name in (("pytest tests/ || true\naz ml online-deployment create -f d.yml", None),
                      ("az ml online-deployment create -f d.yml\npytest tests/", None),
                      ("pytest tests/", "Deploy")):
        assert gate_in_job("github_actions", [_step(0, name, run)], ubuntu) is None, run
