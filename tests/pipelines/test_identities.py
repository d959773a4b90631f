"""CI jobs to the identities they deploy with (checker/pipelines/identities.py), on real git
repositories scanned by the real collectors and linkers."""
from __future__ import annotations

from checker.linkers import run_linkers

from conftest import collect_graph, git, make_repo

IDENTITY_TF = """\
resource "azurerm_resource_group" "ml" {
  name     = "rg-churn"
  location = "westeurope"
}

resource "azurerm_user_assigned_identity" "deploy" {
  name                = "id-churn-deploy"
  location            = "westeurope"
  resource_group_name = "rg-churn"
}

resource "azurerm_federated_identity_credential" "production" {
  name                = "github-production"
  resource_group_name = "rg-churn"
  parent_id           = azurerm_user_assigned_identity.deploy.id
  audience            = ["api://AzureADTokenExchange"]
  issuer              = "https://token.actions.githubusercontent.com"
  subject             = "repo:contoso/churn:environment:production"
}

resource "azurerm_federated_identity_credential" "main" {
  name                = "github-main"
  resource_group_name = "rg-churn"
  parent_id           = azurerm_user_assigned_identity.deploy.id
  audience            = ["api://AzureADTokenExchange"]
  issuer              = "https://token.actions.githubusercontent.com"
  subject             = "repo:contoso/churn:ref:refs/heads/main"
}

resource "azurerm_federated_identity_credential" "other_repo" {
  name                = "github-other"
  resource_group_name = "rg-churn"
  parent_id           = azurerm_user_assigned_identity.deploy.id
  audience            = ["api://AzureADTokenExchange"]
  issuer              = "https://token.actions.githubusercontent.com"
  subject             = "repo:contoso/other:environment:production"
}

resource "azurerm_role_assignment" "deploy" {
  scope                = azurerm_resource_group.ml.id
  role_definition_name = "Contributor"
  principal_id         = azurerm_user_assigned_identity.deploy.principal_id
}

resource "azuredevops_serviceendpoint_azurerm" "sc" {
  project_id                             = "churn"
  service_endpoint_name                  = "sc-churn"
  service_endpoint_authentication_scheme = "ServicePrincipal"
  credentials {
    serviceprincipalid  = azurerm_user_assigned_identity.deploy.client_id
    serviceprincipalkey = var.secret
  }
  azurerm_spn_tenantid      = "00000000-0000-0000-0000-000000000000"
  azurerm_subscription_id   = "00000000-0000-0000-0000-000000000000"
  azurerm_subscription_name = "ml"
}
"""
LOGIN = """\
      - uses: azure/login@v2
        with:
          client-id: ${{ secrets.AZURE_CLIENT_ID }}
          tenant-id: ${{ secrets.AZURE_TENANT_ID }}
          subscription-id: ${{ secrets.AZURE_SUBSCRIPTION_ID }}
"""
WORKFLOW = f"""\
name: deploy
on:
  push:
    branches: [main]
permissions:
  id-token: write
  contents: read
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: production
    steps:
{LOGIN}      - run: az ml online-deployment create -f deploy.yml -w mlw-churn
  hotfix:
    runs-on: ubuntu-latest
    steps:
{LOGIN}      - run: az ml online-deployment create -f deploy.yml -w mlw-churn
  secret-login:
    runs-on: ubuntu-latest
    steps:
      - uses: azure/login@v2
        with:
          creds: ${{{{ secrets.AZURE_CREDENTIALS }}}}
"""
PIPELINE = """\
trigger: [main]
pool:
  vmImage: ubuntu-latest
steps:
  - task: AzureCLI@2
    inputs:
      azureSubscription: sc-churn
      scriptType: bash
      scriptLocation: inlineScript
      inlineScript: az ml job create -f train.yml -w mlw-churn
"""
WF = "job:ci:git:./.github/workflows/deploy.yml#"
IDENTITY = "resource:terraform:git:./infra/id.tf#azurerm_user_assigned_identity.deploy"


def _scan(tmp_path, remote="https://github.com/contoso/churn.git"):
    repo = make_repo(tmp_path / "churn", {"infra/id.tf": IDENTITY_TF, ".github/workflows/deploy.yml": WORKFLOW,
                                          ".azuredevops/train.yml": PIPELINE})
    git(repo, "remote", "add", "origin", remote)
    graph = collect_graph(repo)
    run_linkers(graph, {})
    return graph


def test_a_github_job_signs_in_as_the_identity_whose_credential_its_subject_matches(tmp_path):
    graph = _scan(tmp_path)
    deploy = graph.node(WF + "deploy")["attrs"]["ci_identities"]
    assert [(e["trusts"], e["scope"], e["identity"]) for e in deploy] == [("environment:production", "environment", IDENTITY)]
    assert deploy[0]["roles"][0]["role"] == "contributor" and deploy[0]["roles"][0]["scope_level"] == "resource_group"
    assert IDENTITY in set(graph.out_edges(WF + "deploy", "uses"))
    # no environment: GitHub's subject is the ref, so the branch credential is the one used
    hotfix = graph.node(WF + "hotfix")["attrs"]["ci_identities"]
    assert [(e["trusts"], e["scope"]) for e in hotfix] == [("ref:refs/heads/main", "branch")]
    # creds: a secret names no identity the estate holds
    assert "ci_identities" not in graph.node(WF + "secret-login")["attrs"]


def test_another_repository_s_credentials_are_not_joined(tmp_path):
    graph = _scan(tmp_path, remote="https://github.com/contoso/elsewhere.git")
    assert "ci_identities" not in graph.node(WF + "deploy")["attrs"]


def test_an_azure_job_reaches_the_identity_through_its_service_connection(tmp_path):
    graph = _scan(tmp_path)
    job = "job:ci:git:./.azuredevops/train.yml#Job"
    found = graph.node(job)["attrs"]["ci_identities"]
    assert [(e["via"], e["auth"], e["identity"]) for e in found] == [("service connection sc-churn", "service_principal", IDENTITY)]
    step = graph.node(f"step:ci:git:./.azuredevops/train.yml#Job/0")["attrs"]
    assert [c["auth_scheme"] for c in step["service_connection_auth"]] == ["service_principal"]
