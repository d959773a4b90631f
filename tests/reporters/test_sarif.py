"""SARIF 2.1.0: valid against the official OASIS schema (vendored in tests/schemas/), with
what GitHub code scanning reads — rule help with remediation, security-severity, tags, a
location for every result, partial fingerprints, automation details, baseline state and
suppressions."""
from __future__ import annotations

import dataclasses
import json
import subprocess
from urllib.parse import unquote

import jsonschema
import pytest

from checker.reporters.places import place
from checker.reporters.sarif_report import SECURITY_SEVERITY, uri
from checker.scan import ScanOptions, run_scan
from conftest import REPO_ROOT, write_files
from .conftest import SCHEMAS, check_golden, rendered


def sarif(result) -> dict:
    doc = json.loads(rendered("sarif", result))
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(doc)
    return doc


def test_sample_matches_golden(sample_result):
    doc = sarif(sample_result)
    check_golden("sample.sarif", json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def test_every_evaluated_rule_is_described_for_code_scanning(sample_result):
    driver = sarif(sample_result)["runs"][0]["tool"]["driver"]
    assert [r["id"] for r in driver["rules"]] == [r.id for r in sample_result.rules]
    for descriptor, rule in zip(driver["rules"], sample_result.rules):
        assert descriptor["shortDescription"]["text"] == rule.title
        assert descriptor["fullDescription"]["text"]
        assert "Remediation" in descriptor["help"]["text"] and "**Remediation**" in descriptor["help"]["markdown"]
        assert rule.category in descriptor["properties"]["tags"]
        for fw, ids in rule.controls.items():
            assert {f"{fw}/{c}" for c in ids} <= set(descriptor["properties"]["tags"])
        assert descriptor["properties"].get("security-severity") == SECURITY_SEVERITY.get(rule.severity)


def test_security_severity_follows_githubs_bands():
    bands = {"critical": (9.0, 10.0), "high": (7.0, 8.9), "medium": (4.0, 6.9), "low": (0.1, 3.9)}
    for sev, (low, high) in bands.items():
        assert low <= float(SECURITY_SEVERITY[sev]) <= high, sev


def in_estate(path: str) -> bool:
    """A file on disk, or one committed in the sample's bare repository (`….git/<path>`), or
    that repository itself (a finding about the repository, e.g. its governance)."""
    if (REPO_ROOT / path).is_file() or (REPO_ROOT / path / "HEAD").is_file():
        return True
    repo, sep, inner = path.partition(".git/")
    return bool(sep) and subprocess.run(["git", "--git-dir", str(REPO_ROOT / (repo + ".git")), "cat-file", "-e",
                                         f"HEAD:{inner}"], capture_output=True).returncode == 0


def test_every_result_points_at_a_file_of_the_estate(sample_result):
    run = sarif(sample_result)["runs"][0]
    assert len(run["results"]) == len(sample_result.findings) > 0
    for res, f in zip(run["results"], sample_result.findings):
        assert res["ruleId"] == f.rule_id and run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == f.rule_id
        loc = res["locations"][0]["physicalLocation"]
        assert in_estate(unquote(loc["artifactLocation"]["uri"])), loc
        assert res["partialFingerprints"] == {"mlcheck/v1": f.fingerprint}
        assert res["message"]["text"] == f.message
    lines = [r["locations"][0]["physicalLocation"].get("region", {}).get("startLine") for r in run["results"]]
    assert any(lines), "resources declared in IaC carry their line"
    assert run["automationDetails"]["id"] == f"mlcheck/{sample_result.digest}"
    assert run["invocations"] == [{"executionSuccessful": True}]


def test_baselined_are_unchanged_and_waived_are_suppressed(states_result):
    results = sarif(states_result)["runs"][0]["results"]
    by_status = {}
    for res in results:
        by_status.setdefault(res["properties"]["mlcheck/status"], []).append(res)
    assert set(by_status) - {"cannot_evaluate"} == {"open", "waived", "baselined"}
    assert all(r["baselineState"] == "unchanged" and r["ruleId"].startswith("MLC-NET-") for r in by_status["baselined"])
    assert all("suppressions" not in r for r in by_status["baselined"] + by_status["open"])
    for res in by_status["waived"]:
        assert res["ruleId"] == "MLC-AZP-003"
        (sup,) = res["suppressions"]
        assert sup["kind"] == "external" and sup["status"] == "accepted"
        assert "security@example.com" in sup["justification"] and "managed identity" in sup["justification"]
    assert all("baselineState" not in r for r in by_status["open"] + by_status["waived"])


def test_fingerprints_do_not_depend_on_waivers_or_baselines(sample_result, states_result):
    prints = lambda result: [r["partialFingerprints"] for r in sarif(result)["runs"][0]["results"]]  # noqa: E731
    assert sorted(map(str, prints(sample_result))) == sorted(map(str, prints(states_result)))


def test_a_finding_without_provenance_points_at_its_declaring_file_or_its_source(sample_result):
    resource = next(f for f in sample_result.findings if f.node.startswith("resource:terraform:"))
    mlflow = next(f for f in sample_result.findings if f.node.startswith("model_version:mlflow:"))
    declared = place(sample_result, dataclasses.replace(resource, locations=[]))
    assert declared.path == resource.locations[0]["source"]          # via its defined_in file node
    scanned = place(sample_result, dataclasses.replace(mlflow, locations=[]))
    assert scanned.path == "samples/estate/mlflow/mlflow.db"         # the MLflow source scanned


def test_uris_are_percent_encoded():
    assert uri("infra dir/main#1.tf") == "infra%20dir/main%231.tf"
    assert uri("samples/estate/repos/churn.git/a.py") == "samples/estate/repos/churn.git/a.py"


def test_an_incomplete_scan_says_so(tmp_path, monkeypatch):
    write_files(tmp_path / "estate", {"infra/main.tf": 'resource "azurerm_storage_account" "x" {\n  name = \n'})
    monkeypatch.chdir(tmp_path)
    result = run_scan(ScanOptions(paths=["estate"]))
    invocation = sarif(result)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and "not valid Terraform" in note["message"]["text"]
    assert note["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": "estate/infra/main.tf"},
                                                         "region": {"startLine": 2}}


@pytest.mark.parametrize("fmt", ["sarif"])
def test_output_is_stable_across_runs(fmt, sample_result, states_result):
    from .conftest import scan_sample
    assert rendered(fmt, scan_sample()) == rendered(fmt, sample_result)


def test_cannot_evaluate_is_a_review_result_without_a_level(sample_result):
    f = sample_result.findings[0]
    unknown = dataclasses.replace(f, status="cannot_evaluate",
                                  evidence={"unknown": [{"unknown": "public_network_access",
                                                         "expression": "var.public", "reason": "a variable"}]})
    (res,) = sarif(dataclasses.replace(sample_result, findings=[unknown]))["runs"][0]["results"]
    assert res["kind"] == "review" and res["level"] == "none" and "baselineState" not in res
