"""Rebuild the sample estate in samples/estate/ (needs the test extra: MLflow).

    python samples/build_sample.py

It writes, with the real tools:
- repos/churn.git — a bare git repository with a short real history (a data scientist's
  churn model: training code, DVC pipeline, Azure ML job specs, a notebook);
- mlflow/mlflow.db — an MLflow tracking store written by MLflow itself, whose runs point
  at commits of that repository (and one at a commit that was never pushed);
- scratch/ — a folder outside any repository, where a notebook that trained a model
  lives, never committed;
- infra/ — the platform team's infrastructure: Terraform and Bicep declaring a public and
  a private Azure ML workspace and the storage account holding the customer extract the
  model trains on (tagged Confidential), and `az resource list` output of what is
  deployed. The serving endpoint is public, so the sample shows the exposure path from
  a model's confidential training data to the internet (MLC-NET-007).

The mix of good and broken lineage and infrastructure makes every rule fire on the first
scan, each with readable evidence (README's table; tests/test_readme_golden.py). The output is committed; rerun this script
only to change the sample.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))          # sample_models.py beside this script
ESTATE = HERE / "estate"
AUTHOR = {"GIT_AUTHOR_NAME": "Ana Lopez", "GIT_AUTHOR_EMAIL": "ana@contoso.example",
          "GIT_COMMITTER_NAME": "Ana Lopez", "GIT_COMMITTER_EMAIL": "ana@contoso.example",
          "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}


def git(repo: Path, *args: str, date: str = "2026-03-02T09:00:00Z") -> str:
    env = {**os.environ, **AUTHOR, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, text=True,
                          stdout=subprocess.PIPE).stdout.strip()


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def notebook(outputs: list[str]) -> str:
    cells = [{"cell_type": "markdown", "id": "intro", "metadata": {}, "source": ["# Churn: exploration"]}]
    for i, text in enumerate(outputs, 1):
        cells.append({"cell_type": "code", "execution_count": i, "id": f"c{i}", "metadata": {},
                      "source": ["df = load_customers()\n", "df.head()"],
                      "outputs": [{"output_type": "stream", "name": "stdout", "text": [text]}]})
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "cells": cells,
                       "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                   "language": "python"},
                                    "language_info": {"name": "python"}}}, indent=1) + "\n"


TRAIN_PY = '''"""Train the churn model (logs to MLflow)."""
import mlflow


def main():
    with mlflow.start_run():
        mlflow.log_param("max_depth", 6)
        mlflow.log_metric("auc", 0.91)


if __name__ == "__main__":
    main()
'''

TRAIN_JOB = """$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
type: command
display_name: train-churn
experiment_name: churn
code: ../src
command: python train.py --train ${{inputs.train}} --labels ${{inputs.labels}}
environment: azureml:churn-env:4
compute: azureml:cpu-cluster
inputs:
  train:
    type: uri_file
    path: azureml:churn-features:7
  labels:
    type: uri_file
    path: azureml:churn-labels@latest
  reference:
    type: uri_folder
    path: ../data/reference
"""

DEPLOYMENT = """$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
name: blue
endpoint_name: churn-endpoint
model: azureml:churn:1
instance_type: Standard_DS3_v2
instance_count: 1
"""

ENDPOINT = """$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json
name: churn-endpoint
auth_mode: key
"""

# The team's CI (issue 10): a GitHub workflow that trains, registers and deploys, and the
# platform's Azure Pipelines release with templates and a self-hosted pool in the VNet.
TRAIN_DEPLOY_WORKFLOW = """name: Train, register and deploy churn

on:
  push:
    branches: [main]
  workflow_dispatch:

env:
  WORKSPACE: mlw-research
  RESOURCE_GROUP: rg-churn-ml

jobs:
  unit-tests:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: python -m pytest tests

  train:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: azure/login@v2
        with:
          creds: ${{ secrets.AZURE_CREDENTIALS }}
      - name: Announce
        run: echo "Training for ${{ github.event.head_commit.message }}"
      - name: Submit the training job
        run: az ml job create -f azureml/train-job.yml -w $WORKSPACE -g $RESOURCE_GROUP --stream

  register:
    needs: train
    runs-on: ubuntu-latest
    steps:
      - uses: azure/login@v2
        with:
          creds: ${{ secrets.AZURE_CREDENTIALS }}
      - run: az ml model create --name churn --path azureml://jobs/${{ github.run_id }}/outputs/model -w mlw-churn -g rg-churn-ml

  deploy:
    needs: register
    runs-on: ubuntu-latest
    environment: production
    steps:
      - uses: actions/checkout@v4
      - uses: azure/login@v2
        with:
          creds: ${{ secrets.AZURE_CREDENTIALS }}
      - name: Deploy to the churn endpoint
        run: |
          az ml online-endpoint create -f azureml/endpoint.yml -w mlw-churn -g rg-churn-ml
          az ml online-deployment create -f azureml/deployment.yml -w mlw-churn -g rg-churn-ml --all-traffic
"""

AZP_RELEASE = """# Release of the churn scoring service through the platform's pool in the VNet.
trigger:
  branches:
    include: [main]

resources:
  repositories:
    - repository: platform
      type: git
      name: platform/pipeline-templates
      ref: refs/heads/main

variables:
  - group: churn-prod-secrets
  - name: workspace
    value: mlw-churn

pool:
  name: churn-vnet-agents

stages:
  - stage: Evaluate
    jobs:
      - job: evaluate
        steps:
          - template: templates/az-ml-job.yml
            parameters:
              spec: azureml/train-job.yml
  - stage: Production
    dependsOn: Evaluate
    jobs:
      - deployment: deploy
        environment: churn-prod
        strategy:
          runOnce:
            deploy:
              steps:
                - checkout: self
                - task: AzureCLI@2
                  inputs:
                    azureSubscription: churn-prod-connection
                    scriptType: bash
                    scriptLocation: inlineScript
                    inlineScript: az ml online-deployment create -f azureml/deployment.yml -w $(workspace)
                - template: steps/notify.yml@platform
"""

AZP_JOB_TEMPLATE = """parameters:
  - name: spec
    type: string

steps:
  - task: AzureCLI@2
    displayName: Run the evaluation job
    inputs:
      azureSubscription: churn-prod-connection
      scriptType: bash
      scriptLocation: inlineScript
      inlineScript: az ml job create -f ${{ parameters.spec }} -w $(workspace) --stream
"""


DVC_YAML = """stages:
  featurize:
    cmd: python src/featurize.py data/raw.csv data/features.parquet
    deps:
    - data/raw.csv
    - src/featurize.py
    outs:
    - data/features.parquet:
        push: false
    metrics:
    - metrics.json:
        cache: false
"""

DVC_LOCK = """schema: '2.0'
stages:
  featurize:
    cmd: python src/featurize.py data/raw.csv data/features.parquet
    deps:
    - path: data/raw.csv
      hash: md5
      md5: 7c1f0b3d9b2e4c56a1d2e3f405162738
      size: 5242880
    - path: src/featurize.py
      hash: md5
      md5: 0f1e2d3c4b5a69788796a5b4c3d2e1f0
      size: 118
    outs:
    - path: data/features.parquet
      hash: md5
      md5: 3a4b5c6d7e8f90a1b2c3d4e5f6a7b8c9
      size: 2097152
"""

RAW_DVC = """outs:
- md5: 7c1f0b3d9b2e4c56a1d2e3f405162738
  size: 5242880
  hash: md5
  path: raw.csv
"""

DVC_CONFIG = """['remote "backup"']
    url = s3://contoso-ml-backup/churn
"""

SETTINGS_PY = '''"""Settings for the feature store client."""
FEATURE_STORE_URL = "https://features.contoso.example"
# TODO move to Key Vault before the audit
aws_access_key_id = "AKIAZ4SAMPLE7EXAMPLE"
aws_secret_access_key = "q8Vt4Kd9rW2mZp7LxN3yB6cF1hJ5sG0aE8uT4iOw"
'''


def build_repo(work: Path) -> dict[str, str]:
    """The data scientist's repository; returns the shas the MLflow runs point at."""
    work.mkdir(parents=True)
    git(work, "init", "-q", "-b", "main")
    write(work, {"README.md": "# churn\n", "src/train.py": TRAIN_PY, ".gitignore": "/data/raw.csv\n",
                 "src/featurize.py": 'print("featurize")\n'})
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "Training script", date="2026-03-02T09:00:00Z")
    first = git(work, "rev-parse", "HEAD")
    write(work, {"data/raw.csv.dvc": RAW_DVC, "dvc.yaml": DVC_YAML, "dvc.lock": DVC_LOCK,
                 ".dvc/config": DVC_CONFIG, ".dvc/.gitignore": "/cache\n/tmp\n",
                 "data/holdout.csv": "customer_id,tenure,monthly,churn\n" + "".join(
                     f"{i},{i % 72},{20 + i % 90}.5,{i % 2}\n" for i in range(90_000))})
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "DVC pipeline and hold-out set", date="2026-03-03T10:00:00Z")
    write(work, {"azureml/train-job.yml": TRAIN_JOB, "azureml/deployment.yml": DEPLOYMENT,
                 "azureml/endpoint.yml": ENDPOINT, "config/settings.py": SETTINGS_PY,
                 "notebooks/explore.ipynb": notebook(["   customer_id  tenure  monthly\n0  1001  12  70.5\n",
                                                      "AUC 0.91\n"])})
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "Azure ML job, deployment, exploration notebook",
        date="2026-03-05T16:30:00Z")
    write(work, {".github/workflows/train-deploy.yml": TRAIN_DEPLOY_WORKFLOW,
                 ".azuredevops/release.yml": AZP_RELEASE,
                 ".azuredevops/templates/az-ml-job.yml": AZP_JOB_TEMPLATE})
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "CI: train, register and deploy workflow; release pipeline",
        date="2026-03-05T17:10:00Z")
    head = git(work, "rev-parse", "HEAD")
    git(work, "tag", "v1.0", first)
    # A feature pushed for review and never merged: a model was promoted from it anyway.
    git(work, "checkout", "-q", "-b", "feature/bigger-trees")
    write(work, {"src/train.py": TRAIN_PY.replace("max_depth\", 6", "max_depth\", 8")})
    git(work, "commit", "-q", "-am", "Bigger trees (under review)", date="2026-03-07T09:30:00Z")
    unmerged = git(work, "rev-parse", "HEAD")
    git(work, "checkout", "-q", "main")
    # A commit trained from and then thrown away (amended away before any push).
    git(work, "checkout", "-q", "-b", "experiment")
    write(work, {"src/train.py": TRAIN_PY.replace("max_depth\", 6", "max_depth\", 9")})
    git(work, "commit", "-q", "-am", "Deeper trees (local experiment)", date="2026-03-06T11:00:00Z")
    lost = git(work, "rev-parse", "HEAD")
    git(work, "checkout", "-q", "main")
    git(work, "branch", "-q", "-D", "experiment")
    return {"first": first, "head": head, "lost": lost, "unmerged": unmerged}


def build_bare(work: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(target)], check=True,
                   env={**os.environ, **AUTHOR})
    git(target, "remote", "set-url", "origin", "https://github.com/contoso/churn.git")
    shutil.rmtree(target / "hooks", ignore_errors=True)
    (target / "hooks").mkdir()
    (target / "hooks" / ".keep").write_text("")
    git(target, "gc", "-q", "--aggressive", "--prune=now")
    # Loose refs, not packed-refs: git does not keep empty folders, and a bare repository
    # needs refs/ to be recognised after a fresh clone of mlcheck.
    for line in (target / "packed-refs").read_text().splitlines():
        if line.startswith(("#", "^")):
            continue
        sha, ref = line.split(" ", 1)
        (target / ref).parent.mkdir(parents=True, exist_ok=True)
        (target / ref).write_text(sha + "\n")
    (target / "packed-refs").unlink()
    for empty in ("branches", "objects/info", "info"):
        shutil.rmtree(target / empty, ignore_errors=True)


def build_mlflow(db: Path, shas: dict[str, str], artifacts: Path) -> None:
    import mlflow
    import pandas as pd
    from mlflow import MlflowClient
    if db.exists():
        db.unlink()
    db.parent.mkdir(parents=True, exist_ok=True)
    uri = f"sqlite:///{db}"
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    client = MlflowClient(uri, uri)
    exp = client.create_experiment("churn", artifact_location=str(artifacts))
    repo_url = "https://github.com/contoso/churn"
    frame = pd.DataFrame({"tenure": [1, 24, 60], "monthly": [70.5, 20.0, 99.9], "churn": [1, 0, 0]})

    def run(name, tags, datasets=(), params=None):
        with mlflow.start_run(experiment_id=exp, run_name=name, tags=tags) as r:
            mlflow.log_params(params or {"max_depth": 6})
            mlflow.log_metric("auc", 0.91)
            for source, ds_name in datasets:
                mlflow.log_input(mlflow.data.from_pandas(frame, source=source, name=ds_name),
                                 context="training")
        return r.info.run_id

    def git_tags(sha, source):
        return {"mlflow.source.git.commit": sha, "mlflow.source.git.repoURL": repo_url,
                "mlflow.source.git.branch": "main", "mlflow.source.name": source,
                "mlflow.source.type": "LOCAL", "mlflow.user": "ana"}

    good = run("train-v1", git_tags(shas["first"], "/home/ana/churn/src/train.py"),
               [("/home/ana/churn/data/features.parquet", "churn-features"),
                (CUSTOMERS_URI, "crm-customers")])
    lost = run("train-deep", git_tags(shas["lost"], "/home/ana/churn/src/train.py"),
               [("/home/ana/churn/data/features.parquet", "churn-features")])
    nb = run("tune-notebook", {**git_tags(shas["head"], "/home/ana/churn/scratch/tune.ipynb"),
                               "mlflow.source.type": "NOTEBOOK"},
             [("https://files.contoso.example/exports/churn-latest.csv", "churn-export")])
    # Through the client, not start_run: MLflow would otherwise tag the run with the git
    # commit of whatever repository this build script runs in.
    loose = client.create_run(exp, run_name="quick-try", tags={
        "mlflow.source.name": "/tmp/ipykernel_4242/train.py", "mlflow.source.type": "LOCAL",
        "mlflow.user": "ana"}).info.run_id
    client.log_param(loose, "max_depth", 12)
    client.log_metric(loose, "auc", 0.95)
    client.set_terminated(loose)
    client.create_registered_model("churn", description="Customer churn classifier")
    for run_id in (good, lost, nb, loose):
        client.create_model_version("churn", f"{artifacts}/{run_id}/artifacts/model", run_id=run_id)
    client.create_model_version("churn", "s3://contoso-models/churn/handmade")   # no run at all
    # Promoted straight from a feature branch that was never merged (MLC-LIN-004).
    feature = run("train-bigger-trees", {**git_tags(shas["unmerged"], "/home/ana/churn/src/train.py"),
                                         "mlflow.source.git.branch": "feature/bigger-trees"},
                  [(CUSTOMERS_URI, "crm-customers")], {"max_depth": 8})
    client.create_model_version("churn", f"{artifacts}/{feature}/artifacts/model", run_id=feature)
    client.set_registered_model_alias("churn", "production", "6")
    client.set_registered_model_alias("churn", "baseline", "1")
    client.set_registered_model_alias("churn", "champion", "3")
    client.set_model_version_tag("churn", "3", "validated_by", "ana")
    # Model `fraud`: a pickle that would run a command when loaded, safetensors, a signed one.
    from sample_models import build_models
    build_models(ESTATE, client)


# The CRM extract train-v1 reads, at one blob version, in the storage account infra/ declares.
CUSTOMERS_URI = ("abfss://crm@stchurncustomers.dfs.core.windows.net/exports/customers.parquet"
                 "?versionid=2026-03-01T08:00:00.0000000Z")

INFRA_TF = """terraform {
  required_providers {
    azurerm = { source = "hashicorp/azurerm", version = "~> 4.0" }
  }
}

provider "azurerm" {
  features {}
}

data "azurerm_client_config" "current" {}

resource "azurerm_resource_group" "ml" {
  name     = "rg-churn-ml"
  location = "westeurope"
}

# The CRM extract the churn model trains on.
resource "azurerm_storage_account" "customers" {
  name                     = "stchurncustomers"
  resource_group_name      = azurerm_resource_group.ml.name
  location                 = azurerm_resource_group.ml.location
  account_tier             = "Standard"
  account_replication_type = "ZRS"
  is_hns_enabled           = true
  tags = {
    data_classification = "Confidential"
    owner               = "crm-team"
  }
}

resource "azurerm_key_vault" "ml" {
  name                     = "kv-churn-ml"
  location                 = azurerm_resource_group.ml.location
  resource_group_name      = azurerm_resource_group.ml.name
  tenant_id                = data.azurerm_client_config.current.tenant_id
  sku_name                 = "standard"
  purge_protection_enabled = true
}

resource "azurerm_container_registry" "ml" {
  name                = "crchurnml"
  resource_group_name = azurerm_resource_group.ml.name
  location            = azurerm_resource_group.ml.location
  sku                 = "Premium"
  admin_enabled       = true
}

resource "azurerm_application_insights" "ml" {
  name                = "appi-churn-ml"
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name
  application_type    = "web"
}

# The team's workspace: reachable from the internet (the provider's default).
resource "azurerm_machine_learning_workspace" "churn" {
  name                    = "mlw-churn"
  location                = azurerm_resource_group.ml.location
  resource_group_name     = azurerm_resource_group.ml.name
  application_insights_id = azurerm_application_insights.ml.id
  key_vault_id            = azurerm_key_vault.ml.id
  storage_account_id      = azurerm_storage_account.customers.id
  container_registry_id   = azurerm_container_registry.ml.id

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_compute_cluster" "cpu" {
  name                          = "cpu-cluster"
  location                      = azurerm_resource_group.ml.location
  machine_learning_workspace_id = azurerm_machine_learning_workspace.churn.id
  vm_priority                   = "LowPriority"
  vm_size                       = "Standard_DS3_v2"

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 4
    scale_down_nodes_after_idle_duration = "PT15M"
  }

  identity {
    type = "SystemAssigned"
  }
}
"""

INFRA_BICEP = """// The research workspace: private, with egress limited to approved outbound rules.
param location string = resourceGroup().location
param storageAccountId string
param keyVaultId string
param appInsightsId string

resource research 'Microsoft.MachineLearningServices/workspaces@2024-10-01' = {
  name: 'mlw-research'
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    friendlyName: 'Research (private)'
    storageAccount: storageAccountId
    keyVault: keyVaultId
    applicationInsights: appInsightsId
    publicNetworkAccess: 'Disabled'
    managedNetwork: {
      isolationMode: 'AllowOnlyApprovedOutbound'
    }
  }
}
"""

# `az resource show` of the workspace as deployed: what production is, whatever the IaC says.
DEPLOYED = [{
    "id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-churn-ml/providers/"
          "Microsoft.MachineLearningServices/workspaces/mlw-churn",
    "name": "mlw-churn", "type": "Microsoft.MachineLearningServices/workspaces",
    "location": "westeurope", "identity": {"type": "SystemAssigned"},
    "sku": {"name": "Basic", "tier": "Basic"},
    "properties": {"friendlyName": "mlw-churn", "publicNetworkAccess": "Enabled", "hbiWorkspace": False,
                   "managedNetwork": {"isolationMode": "Disabled"},
                   "storageAccount": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/"
                                     "rg-churn-ml/providers/Microsoft.Storage/storageAccounts/stchurncustomers"},
}]


# What the platforms export of the churn repository's governance (`gh api …`): main is
# protected by a status check but takes changes without review, and `production` waits 30
# minutes but needs no reviewer (MLC-GOV-001, MLC-PIPE-001).
GITHUB_API = "https://api.github.com/repos/contoso/churn"
BRANCH_PROTECTION = {
    "url": f"{GITHUB_API}/branches/main/protection",
    "required_status_checks": {"url": f"{GITHUB_API}/branches/main/protection/required_status_checks",
                               "strict": True, "contexts": ["unit-tests"],
                               "checks": [{"context": "unit-tests", "app_id": 15368}]},
    "enforce_admins": {"url": f"{GITHUB_API}/branches/main/protection/enforce_admins", "enabled": False},
    "required_linear_history": {"enabled": False}, "allow_force_pushes": {"enabled": False},
    "allow_deletions": {"enabled": False}, "block_creations": {"enabled": False},
    "required_conversation_resolution": {"enabled": False}, "lock_branch": {"enabled": False},
    "allow_fork_syncing": {"enabled": False},
}
ENVIRONMENTS = {"total_count": 1, "environments": [{
    "id": 161088068, "node_id": "EN_kwDOK1ZcS84JmUnE", "name": "production",
    "url": f"{GITHUB_API}/environments/production",
    "html_url": "https://github.com/contoso/churn/deployments/activity_log?environments_filter=production",
    "created_at": "2026-03-05T17:20:11Z", "updated_at": "2026-03-05T17:20:11Z", "can_admins_bypass": True,
    "protection_rules": [{"id": 3736, "node_id": "GA_kwDOK1ZcS84AAA6Y", "type": "wait_timer", "wait_timer": 30}],
    "deployment_branch_policy": None}]}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        shas = build_repo(Path(tmp) / "churn")
        build_bare(Path(tmp) / "churn", ESTATE / "repos" / "churn.git")
        build_mlflow(ESTATE / "mlflow" / "mlflow.db", shas, Path(tmp) / "artifacts")
    write(ESTATE, {"scratch/tune.ipynb": notebook(["best max_depth: 9\n"]),
                   "infra/terraform/main.tf": INFRA_TF, "infra/bicep/research.bicep": INFRA_BICEP,
                   "infra/deployed/mlw-churn.json": json.dumps(DEPLOYED, indent=2) + "\n",
                   "governance/churn-main-protection.json": json.dumps(BRANCH_PROTECTION, indent=2) + "\n",
                   "governance/churn-environments.json": json.dumps(ENVIRONMENTS, indent=2) + "\n",
                   ".mlcheck-root": "This folder is an estate root: scans below it ignore the mlcheck repository around it.\n"})
    print(json.dumps(shas, indent=1))


if __name__ == "__main__":
    sys.exit(main())
