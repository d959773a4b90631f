"""A resource that may not be created (its count, an ARM condition or a Bicep `if` on a
value no source gives) is not failed: a rule that flags it reports *cannot evaluate*, naming
the condition (issue 8: unknown is a state). Resolved conditions are judged as ever."""
from __future__ import annotations

import json

import pytest

from conftest import run_cli, write_files

WORKSPACE_TF = """\
{variable}
resource "azurerm_machine_learning_workspace" "ml" {{
  count                         = var.create_workspace ? 1 : 0
  name                          = "mlw-churn"
  location                      = "westeurope"
  resource_group_name           = "rg-ml"
  application_insights_id       = "appi"
  key_vault_id                  = "kv"
  storage_account_id            = "st"
  public_network_access_enabled = true
  identity {{
    type = "SystemAssigned"
  }}
}}
"""
WORKSPACE_ARM = """\
{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{"deployWorkspace": {{"type": "bool"{default}}}}},
  "resources": [{{
    "type": "Microsoft.MachineLearningServices/workspaces",
    "apiVersion": "2024-04-01",
    "name": "mlw-churn",
    "location": "westeurope",
    "condition": "[parameters('deployWorkspace')]",
    "identity": {{"type": "SystemAssigned"}},
    "properties": {{"publicNetworkAccess": "Enabled"}}
  }}]
}}
"""
WORKSPACE_BICEP = """\
param deployWorkspace bool{default}

resource ws 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = if (deployWorkspace) {{
  name: 'mlw-churn'
  location: 'westeurope'
  identity: {{
    type: 'SystemAssigned'
  }}
  properties: {{
    publicNetworkAccess: 'Enabled'
  }}
}}
"""
EXPRESSIONS = {"terraform": "var.create_workspace ? 1 : 0", "arm": "[parameters('deployWorkspace')]",
               "bicep": "(deployWorkspace)"}


def estate(form: str, given: bool | None) -> dict:
    """The workspace in one source form, its condition given no value (None), true or false."""
    if form == "terraform":
        default = "" if given is None else f'variable "create_workspace" {{\n  default = {str(given).lower()}\n}}\n'
        return {"main.tf": WORKSPACE_TF.format(variable=default)}
    if form == "arm":
        return {"azuredeploy.json": WORKSPACE_ARM.format(default="" if given is None else f', "defaultValue": {str(given).lower()}')}
    return {"main.bicep": WORKSPACE_BICEP.format(default="" if given is None else f" = {str(given).lower()}")}


def net_001(tmp_path, files: dict) -> list[dict]:
    write_files(tmp_path / "estate", files)
    out = tmp_path / "report.json"
    run_cli("scan", str(tmp_path / "estate"), "--only", "MLC-NET-001", "--format", "json", "--output", str(out))
    return json.loads(out.read_text())["findings"]


@pytest.mark.parametrize("form", list(EXPRESSIONS))
def test_a_workspace_that_may_not_be_created_cannot_be_evaluated(tmp_path, form):
    found = net_001(tmp_path, estate(form, None))
    assert [f["status"] for f in found] == ["cannot_evaluate"]
    assert "mlw-churn" in found[0]["message"] and "if it is created" in found[0]["message"]
    condition = found[0]["evidence"]["unknown"][0]
    assert condition["fact"] == "created" and condition["expression"] == EXPRESSIONS[form]


@pytest.mark.parametrize("form", list(EXPRESSIONS))
def test_a_workspace_whose_condition_resolves_is_judged_as_ever(tmp_path, form):
    assert [f["status"] for f in net_001(tmp_path / "created", estate(form, True))] == ["open"]
    assert net_001(tmp_path / "absent", estate(form, False)) == []
