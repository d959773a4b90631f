"""What real ML estates hold, for the secrets and redaction tests and the secrets benchmark.

- NOT_SECRETS: one file per false-positive kind seen in public Azure ML, MLOps-template, MLflow
  and DVC repositories (CI secret references, ADO macros, ARM/Bicep parameters, Key Vault and
  secret-store references, placeholders and documented example keys, IAM actions and ARNs,
  parameter names, content hashes). Written for mlcheck in those shapes, not copied.
- real_keys(): one file per real-looking credential kind, generated at run time from fixed
  seeds, so no secret-shaped literal sits in this file.
- write_estate(): an Azure-ML-examples-shaped tree (workflows, job/component/environment YAML,
  notebooks with outputs, Python, IaC) of any size, with real-looking keys planted in a
  known few files.
"""
from __future__ import annotations

import base64
import json
import random
import string
from pathlib import Path

ALNUM = string.ascii_letters + string.digits


def rand(seed: int, n: int, alphabet: str = ALNUM) -> str:
    return "".join(random.Random(seed).choices(alphabet, k=n))


# -- false-positive kinds: path → text; none of these holds a credential ------------------

NOT_SECRETS: dict[str, str] = {
    # GitHub Actions: secrets and inputs are ${{ }} expressions; shell reads them from env.
    ".github/workflows/train.yml": """name: train
on: [push]
jobs:
  train:
    runs-on: ubuntu-latest
    env:
      HF_TOKEN: ${{ secrets.HF_TOKEN }}
      AZURE_CLIENT_SECRET: ${{ secrets.AZURE_CLIENT_SECRET }}
    steps:
      - uses: azure/login@v2
        with:
          creds: ${{ secrets.AZURE_CREDENTIALS }}
          client-secret: ${{secrets.SP_SECRET}}
      - name: login
        run: |
          az login --service-principal -u "$AZURE_CLIENT_ID" -p "$AZURE_CLIENT_SECRET" --tenant "$AZURE_TENANT_ID"
          python train.py --token $HF_TOKEN --password "${DB_PASSWORD}"
""",
    # Azure DevOps: $(macro), $[runtime] and ${{ template }} expressions, Key Vault task.
    "azure-pipelines.yml": """variables:
  - group: mlops-secrets
  - name: servicePrincipalKey
    value: $(spKey)
steps:
  - task: AzureKeyVault@2
    inputs:
      azureSubscription: mlops-connection
      KeyVaultName: kv-mlops-dev
      SecretsFilter: 'sql-admin-password,storage-account-key'
  - task: AzureCLI@2
    inputs:
      addSpnToEnvironment: true
      inlineScript: |
        az login --service-principal -u $servicePrincipalId --password $servicePrincipalKey --tenant $tenantId
        az ml job create --file job.yml --set environment_variables.DB_PASSWORD=$(sql-admin-password)
  - script: python register.py --access-token $(System.AccessToken) --api-key "$[variables.apiKey]"
    env:
      STORAGE_KEY: $(storage-account-key)
      client_secret: ${{ parameters.clientSecret }}
""",
    # Bicep: @secure() parameters, names passed around, Key Vault getSecret().
    "infra/main.bicep": """@secure()
param adminPassword string
param servicePrincipalClientSecret string = ''
resource kv 'Microsoft.KeyVault/vaults@2023-02-01' existing = {
  name: 'kv-mlops-dev'
}
module aks 'aks.bicep' = {
  name: 'aks'
  params: {
    secret: servicePrincipalAppPassword
    password: adminPassword
    sqlPassword: kv.getSecret('sql-admin-password')
  }
}
""",
    # ARM template and its parameter file: securestring types, [parameters()] expressions,
    # a Key Vault reference.
    "infra/azuredeploy.json": json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "parameters": {"adminPassword": {"type": "securestring"},
                       "servicePrincipalAppPassword": {"type": "securestring"}},
        "resources": [{"type": "Microsoft.ContainerService/managedClusters",
                       "properties": {"servicePrincipalProfile": {
                           "clientId": "[parameters('servicePrincipalAppId')]",
                           "secret": "[parameters('servicePrincipalAppPassword')]"},
                           "linuxProfile": {"adminPassword": "servicePrincipalAppPassword"}}}],
    }, indent=2) + "\n",
    "infra/azuredeploy.parameters.json": json.dumps({
        "parameters": {"adminPassword": {"reference": {
            "keyVault": {"id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops"
                               "/providers/Microsoft.KeyVault/vaults/kv-mlops-dev"},
            "secretName": "sqlAdminPassword"}}},
    }, indent=2) + "\n",
    # App settings pointing at Key Vault; a secret-store dynamic reference.
    "deploy/appsettings.json": json.dumps({
        "DB_PASSWORD": "@Microsoft.KeyVault(SecretUri=https://kv-mlops-dev.vault.azure.net/secrets/db-password/)",
        "API_KEY": "@Microsoft.KeyVault(VaultName=kv-mlops-dev;SecretName=scoring-api-key)",
        "STORAGE_KEY_URI": "https://kv-mlops-dev.vault.azure.net/secrets/storage-key/0123456789abcdef0123456789abcdef",
    }, indent=2) + "\n",
    # IAM policy: action names and ARNs name secrets, they are not secrets.
    "iam/mlflow-policy.json": json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow",
                       "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "kms:Decrypt"],
                       "Resource": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:mlflow/db-password-Ab12Cd"}],
    }, indent=2) + "\n",
    "iam/stack.yaml": """Resources:
  TrackingDb:
    Type: AWS::RDS::DBInstance
    Properties:
      MasterUserPassword: '{{resolve:secretsmanager:mlflow-db:SecretString:password}}'
      SecretArn: arn:aws:secretsmanager:eu-west-1:123456789012:secret:mlflow-db-x1Y2z3
      Policies:
        - secretsmanager:GetSecretValue
        - ssm:GetParameter
""",
    # Placeholders, masked values and AWS's documented example key pair.
    ".env.example": "\n".join([
        "OPENAI_API_KEY=<your-openai-key>",
        "HF_TOKEN=your_hf_token_here",
        "API_KEY=EXAMPLE_API_KEY",
        "DB_PASSWORD=changeme",
        "AWS_ACCESS_KEY_ID=AKIA" + "IOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY",
        "GITHUB_TOKEN=ghp_" + "x" * 36,
        "STRIPE_KEY=sk_live_" + "X" * 24,
        "SLACK_TOKEN=****************",
        "MLFLOW_TRACKING_PASSWORD=",
    ]) + "\n",
    # Azure ML connection and datastore specs as the CLI examples ship them: masked values.
    "cli/connections/s3.yml": """$schema: http://azureml/sdk-2-0/Connection.json
type: s3
name: my_s3_connection
target: <mybucket>
credentials:
  type: access_key
  access_key_id: XXXXXXXXXXXXXXXXXXXX
  secret_access_key: XxXxXxXXXXXXXxXxXxxXxxXXXXXXXXxXxxXXxXXXXX
""",
    "cli/datastore/blob-sas.yml": """$schema: https://azuremlschemas.azureedge.net/latest/azureBlob.schema.json
name: blob_sas_example
type: azure_blob
account_name: mytestblobstore
container_name: data-container
credentials:
  sas_token: ?xx=XXXX-XX-XX&xx=xxxx&xxx=xxx&xx=XXXX-XX-XXXXX:XX:XXX&xxx=XXxXXXxxxxxXXXXXXXxXxxx
""",
    "cli/compute/cluster-ssh.yml": """$schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json
name: ssh-example
type: amlcompute
ssh_settings:
  admin_username: example-user
  admin_password: example-password
  ssh_public_access: Disabled
""",
    # An Azure ML job: ${{inputs}} in the command, a connection name, an identity.
    "cli/jobs/train.yml": """$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
command: python train.py --data ${{inputs.training_data}} --api-key-secret-name scoring-api-key --token ${{inputs.token}}
environment_variables:
  AZUREML_SECRET_NAME: scoring-api-key
  KEY_VAULT_NAME: kv-mlops-dev
code: src
environment: azureml:sklearn-env:1
compute: azureml:cpu-cluster
""",
    # Terraform: values are references to resources, variables and data sources.
    "terraform/main.tf": """resource "azurerm_mssql_server" "tracking" {
  administrator_login          = "mlflow"
  administrator_login_password = azurerm_key_vault_secret.sql_password.value
}
provider "azurerm" {
  client_secret = var.client_secret
}
resource "aws_db_instance" "tracking" {
  password   = random_password.db.result
  secret_key = data.aws_ssm_parameter.secret_key.value
}
""",
    # Code that reads credentials at run time, and content hashes that are not credentials.
    "src/settings.py": '''"""Credentials come from the environment and the workspace Key Vault."""
import getpass
import os

api_key = os.environ["SCORING_API_KEY"]
password = getpass.getpass("database password: ")
storage_key = ws.get_default_keyvault().get_secret(name="storage-account-key")
client_secret = dbutils.secrets.get(scope="kv-mlops", key="sp-client-secret")
token = "${{ secrets.HF_TOKEN }}"
secret_name = "scoring-api-key"
DATA_MD5 = "7c1f0b3d9b2e4c56a1d2e3f405162738"
MODEL_SHA256 = "3f2a9c4e1b7d6a5f8e0c2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a"
PEM_HEADER = "-----BEGIN RSA PRIVATE KEY-----"
''',
    # DVC: a stage command that takes its credentials from the environment.
    "dvc.yaml": """stages:
  pull:
    cmd: python pull.py --aws-secret-access-key $AWS_SECRET_ACCESS_KEY --token ${HF_TOKEN}
    deps: [pull.py]
    outs: [data/raw]
""",
    "data/raw.dvc": """outs:
- md5: 9f8e7d6c5b4a39281706f5e4d3c2b1a0.dir
  size: 5242880
  nfiles: 3
  hash: md5
  path: raw
""",
    # A shell script passing credentials by variable.
    "scripts/deploy.sh": """#!/usr/bin/env bash
set -euo pipefail
az login --service-principal --username "$ARM_CLIENT_ID" --password "$ARM_CLIENT_SECRET" --tenant "$ARM_TENANT_ID"
curl -H "Authorization: Bearer $TOKEN" https://api.example.com/models
docker login -u "$REGISTRY_USER" -p "$(az acr credential show -n mlopsacr --query passwords[0].value -o tsv)"
""",
}


def notebook(cells: list[tuple[list[str], list[dict]]]) -> str:
    """nbformat 4.5 JSON (indent 1, as Jupyter writes it) from (source lines, outputs) pairs."""
    nb = {"nbformat": 4, "nbformat_minor": 5,
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                       "language_info": {"name": "python"}},
          "cells": [{"cell_type": "code", "execution_count": i + 1, "id": f"c{i}", "metadata": {},
                     "source": source, "outputs": outputs} for i, (source, outputs) in enumerate(cells)]}
    return json.dumps(nb, indent=1) + "\n"


def stream(*lines: str) -> dict:
    return {"output_type": "stream", "name": "stdout", "text": list(lines)}


# A notebook of the Azure ML examples kind: Key Vault reads in sources; run ids, hashes and
# job URLs in outputs.
NOT_SECRETS["notebooks/setup-workspace.ipynb"] = notebook([
    (["from azure.ai.ml import MLClient\n", "from azure.identity import DefaultAzureCredential\n",
      "credential = DefaultAzureCredential()\n",
      'secret = keyvault.get_secret(name="storage-account-key")\n',
      'token = "<YOUR_TOKEN>"'], []),
    (["job = ml_client.jobs.create_or_update(job)\n", "print(job.name, job.studio_url)"],
     [stream("upbeat_lime_7g5qt0xz1k\n",
             "https://ml.azure.com/runs/upbeat_lime_7g5qt0xz1k?wsid=/subscriptions/00000000-0000-0000-0000-000000000000\n",
             "Uploading src (0.02 MBs): 100%|##########| 1234/1234 [00:00<00:00, 5678.90it/s]\n",
             "artifact md5: 2b1e9f0c3d4a5b6c7d8e9f0a1b2c3d4e sha256: "
             "9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b\n")]),
])

# -- real-looking credentials: one kind per file -------------------------------------------

AZURE_STORAGE_KEY = base64.b64encode(random.Random(31).randbytes(64)).decode()   # 88 characters


def real_keys() -> dict[str, tuple[str, str, list[str]]]:
    """path → (text, the kind a person would name, the secret values planted in it)."""
    aws_id = "AKIA" + rand(41, 16, string.ascii_uppercase + string.digits)
    aws_secret = rand(43, 40, ALNUM + "/+")
    gh = "ghp_" + rand(47, 36)
    pem_body = [rand(53 + i, 64, ALNUM + "+/") for i in range(4)]
    db_password = "Tr0ub4dor-" + rand(59, 10)
    hf = "hf_" + rand(61, 34)
    sp_secret = rand(67, 8) + "~" + rand(71, 31, ALNUM + "~._-")
    pem = ("-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(pem_body) + "\n-----END RSA PRIVATE KEY-----\n")
    return {
        "src/upload.py": (f'import boto3\n\ns3 = boto3.client(\n    "s3",\n    aws_access_key_id="{aws_id}",\n'
                          f'    aws_secret_access_key="{aws_secret}",\n)\n', "AWS", [aws_id, aws_secret]),
        "config/storage.yaml": ("storage:\n  connection_string: DefaultEndpointsProtocol=https;AccountName=mlopsdata;"
                                f"AccountKey={AZURE_STORAGE_KEY};EndpointSuffix=core.windows.net\n",
                                "Azure storage", [AZURE_STORAGE_KEY]),
        "scripts/release.sh": (f"#!/usr/bin/env bash\nexport GITHUB_TOKEN={gh}\ngh release create v1.0\n",
                               "GitHub", [gh]),
        "keys/deploy_key.pem": (pem, "private key", pem_body),
        "config/tracking.env": (f"MLFLOW_TRACKING_URI=postgresql://mlflow:{db_password}@db.internal:5432/mlflow\n",
                                "connection string", [db_password]),
        "pipelines/sp.yml": (f"variables:\n  servicePrincipalKey: '{sp_secret}'\n", "service principal secret",
                             [sp_secret]),
        "notebooks/pull.ipynb": (notebook([(["from huggingface_hub import login\n", "login()"],
                                            [stream(f"token: {hf}\n")])]), "Hugging Face", [hf]),
    }


# -- an Azure-ML-examples-shaped estate -------------------------------------------------------

WORKFLOW = """# autogenerated: python readme.py
name: cli-jobs-{name}
on:
  workflow_dispatch:
  pull_request:
    paths: [cli/jobs/{name}/**]
concurrency:
  group: ${{{{ github.workflow }}}}-${{{{ github.event.pull_request.number || github.ref }}}}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
    - uses: actions/checkout@v4
    - uses: azure/login@v2
      with:
        creds: ${{{{secrets.AZUREML_CREDENTIALS}}}}
    - name: run job
      run: |
        source "${{{{ github.workspace }}}}/infra/bootstrapping/sdk_helpers.sh";
        az ml job create -f cli/jobs/{name}/job.yml --set compute=cpu-cluster
      working-directory: cli
"""

JOB = """$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
code: src
command: >-
  python main.py --iris-csv ${{{{inputs.iris_csv}}}} --learning-rate ${{{{inputs.learning_rate}}}}
  --model-output ${{{{outputs.model_output}}}}
inputs:
  iris_csv:
    type: uri_file
    path: wasbs://datasets@azuremlexamples.blob.core.windows.net/iris.csv
  learning_rate: {lr}
outputs:
  model_output:
    type: mlflow_model
environment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest
compute: azureml:cpu-cluster
display_name: {name}
experiment_name: {name}
description: Train a model on the Iris dataset ({i}).
"""

CONDA = """name: model-env
channels:
  - conda-forge
dependencies:
  - python=3.10
  - pip
  - pip:
    - mlflow=={mlflow}
    - azureml-mlflow==1.{i}.0
    - scikit-learn==1.5.{minor}
    - pandas>=2.0
"""

PY = '''"""Train step {i}: reads its credentials from the environment."""
import argparse
import os

import mlflow
import pandas as pd


def main(args):
    token = os.environ.get("HF_TOKEN")
    secret_name = "storage-account-key-{i}"
    df = pd.read_csv(args.data)
    with mlflow.start_run():
        mlflow.log_param("learning_rate", args.learning_rate)
        mlflow.log_metric("rows", len(df))
        # checksum of the input, logged for lineage
        mlflow.set_tag("data_md5", "{md5}")
    return token, secret_name


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=str)
    parser.add_argument("--learning-rate", type=float, default=0.{i})
    main(parser.parse_args())
'''


def _example_notebook(i: int, rng: random.Random) -> str:
    table = "".join(f"{r:>4}  {rng.random():.6f}  {rng.random():.6f}  {rng.choice(['setosa', 'virginica'])}\n"
                    for r in range(60))
    png = base64.b64encode(rng.randbytes(16000)).decode()
    cells = [
        (["# connect to the workspace\n", "from azure.ai.ml import MLClient, command, Input\n",
          "from azure.identity import DefaultAzureCredential\n",
          "ml_client = MLClient.from_config(credential=DefaultAzureCredential())"], []),
        ([f"job = command(code='./src', command='python main.py --data ${{{{inputs.data}}}}',\n",
          "              environment='azureml://registries/azureml/environments/sklearn-1.5/labels/latest',\n",
          "              compute='cpu-cluster')\n", "returned = ml_client.jobs.create_or_update(job)\n",
          "print(returned.name)"],
         [stream(f"{rng.choice(['busy', 'calm', 'brave'])}_{rng.choice(['lime', 'plum'])}_{rand(i, 10).lower()}\n",
                 f"Uploading src ({rng.random():.2f} MBs): 100%|##########| {i}/{i} [00:00<00:00]\n")]),
        (["df = pd.read_csv(path)\n", "df.describe()"],
         [{"output_type": "execute_result", "execution_count": 3, "metadata": {},
           "data": {"text/plain": ["     sepal_length  sepal_width  species\n", table],
                    "image/png": png}}]),
        (["from azure.ai.ml.entities import ManagedOnlineEndpoint\n",
          "endpoint = ManagedOnlineEndpoint(name=f'iris-{i}', auth_mode='key')\n",
          "keys = ml_client.online_endpoints.get_keys(name=endpoint.name)\n",
          "primary_key = keys.primary_key"], []),
    ]
    return notebook(cells)


def write_estate(root: Path, files: int = 1200, secrets_every: int = 0) -> dict[str, list[str]]:
    """Write an Azure-ML-examples-shaped tree of `files` files under `root`: about half YAML
    (workflows, jobs, environments), a third notebooks with outputs, the rest Python, and
    the NOT_SECRETS files. With secrets_every=N, every Nth example folder also gets one
    real-looking key file (kinds from real_keys() in turn). Returns the planted files as
    path → secret values."""
    rng = random.Random(5)
    planted: dict[str, list[str]] = {}
    written = 0

    def put(path: str, text: str) -> None:
        nonlocal written
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        written += 1

    for path, text in NOT_SECRETS.items():
        put(path, text)
    keys = list(real_keys().items())
    i = 0
    while written < files:
        name = f"example-{i:04d}"
        put(f".github/workflows/cli-jobs-{name}.yml", WORKFLOW.format(name=name))
        put(f"cli/jobs/{name}/job.yml", JOB.format(name=name, i=i, lr=rng.choice([0.01, 0.1, 0.9])))
        if i % 3 == 0:
            put(f"cli/jobs/{name}/environment/conda.yml",
                CONDA.format(i=i % 60, minor=i % 3, mlflow=rng.choice(["2.19.0", "3.1.4"])))
        put(f"cli/jobs/{name}/src/main.py", PY.format(i=i, md5=rand(1000 + i, 32, "0123456789abcdef")))
        if i % 5 != 4:
            put(f"sdk/python/jobs/{name}/{name}.ipynb", _example_notebook(i, rng))
        if secrets_every and i % secrets_every == secrets_every - 1:
            path, (text, _, values) = keys[(i // secrets_every) % len(keys)]
            target = f"leaks/{name}/{path}"
            put(target, text)
            planted[target] = values
        i += 1
    return planted
