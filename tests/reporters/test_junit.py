"""JUnit XML: the shape Azure DevOps' PublishTestResults reads (tests/schemas/
junit-azure-devops.xsd), one case per rule × flagged resource, passing and not-applicable
rules present, failures carrying the message and the evidence."""
from __future__ import annotations

import dataclasses
from xml.etree import ElementTree as ET

import xmlschema

from checker.scan import ScanOptions, run_scan
from conftest import write_files
from .conftest import SCHEMAS, check_golden, rendered

XSD = xmlschema.XMLSchema(str(SCHEMAS / "junit-azure-devops.xsd"))


def junit(result) -> ET.Element:
    text = rendered("junit", result)
    XSD.validate(text)
    return ET.fromstring(text)


def test_sample_matches_golden(sample_result):
    text = rendered("junit", sample_result)
    XSD.validate(text)
    check_golden("sample.junit.xml", text)


def test_one_failure_per_open_finding_with_message_and_evidence(sample_result):
    root = junit(sample_result)
    failures = {(case.get("classname"), case.get("name")): case.find("failure")
                for case in root.iter("testcase") if case.find("failure") is not None}
    failing = [f for f in sample_result.findings if f.status == "open"]     # the rest are skipped cases
    assert len(failures) == len(failing) == int(root.get("failures"))
    for f in failing:
        failure = failures[(f.rule_id, f.node)]
        assert failure.get("message") == f.message and failure.get("type") == f.severity
        assert f"node: {f.node}" in failure.text and "evidence (json): {" in failure.text


def test_every_rule_has_a_suite_passing_and_not_applicable_rules_included(sample_result):
    root = junit(sample_result)
    suites = {s.get("name").split(" ")[0]: s for s in root.iter("testsuite")}
    assert set(suites) == {r.id for r in sample_result.rules} | {"mlcheck.collection"}
    for rule in sample_result.rules:
        outcome, suite = sample_result.results[rule.id], suites[rule.id]
        if outcome.applicable == 0:
            (case,) = suite
            assert case.find("skipped").get("message").startswith("not applicable: ")
            continue
        hits = len(outcome.hits) + len(outcome.undetermined)      # cannot-evaluate: skipped cases
        passing = [c for c in suite if len(c) == 0]
        assert len(suite) == hits + (1 if outcome.applicable > hits else 0)
        if outcome.applicable > hits:
            assert str(outcome.applicable - hits) in passing[0].get("name")
    assert any(len(s) == 1 and len(s[0]) == 0 for s in root.iter("testsuite")), "some rule passes outright"
    assert root.get("tests") == str(sum(1 for _ in root.iter("testcase")))


def test_waived_and_baselined_are_skipped_with_their_reason(states_result):
    root = junit(states_result)
    skipped = {(c.get("classname"), c.get("name")): c.find("skipped").get("message")
               for c in root.iter("testcase") if c.find("skipped") is not None}
    waived = [f for f in states_result.findings if f.status == "waived"]
    baselined = [f for f in states_result.findings if f.status == "baselined"]
    assert waived and baselined
    for f in waived:
        assert skipped[(f.rule_id, f.node)].startswith("waived: waived by security@example.com")
    for f in baselined:
        assert skipped[(f.rule_id, f.node)] == "baselined: present in the baseline"
    open_count = sum(f.status == "open" for f in states_result.findings)
    assert int(root.get("failures")) == open_count


def test_control_characters_never_reach_the_xml(sample_result):
    f = sample_result.findings[0]
    hostile = dataclasses.replace(f, message="bad\x1b[31m\x00\x07 name\ufffe", node=f.node + "\x0b")
    result = dataclasses.replace(sample_result, findings=[hostile, *sample_result.findings[1:]])
    case = next(c for c in junit(result).iter("testcase")
                if c.get("classname") == f.rule_id and c.get("name").startswith(f.node))
    assert case.find("failure").get("message") == "bad\\x1b[31m\\x00\\x07 name\ufffd"
    assert case.get("name").endswith("\\x0b")


def test_collection_and_evaluation_errors_are_errors(tmp_path, monkeypatch):
    write_files(tmp_path / "estate", {"infra/main.tf": 'resource "azurerm_storage_account" "x" {\n  name = \n'})
    monkeypatch.chdir(tmp_path)
    root = junit(run_scan(ScanOptions(paths=["estate"])))
    suite = next(s for s in root.iter("testsuite") if s.get("name") == "mlcheck.collection")
    (case,) = suite
    assert case.get("name") == "estate/infra/main.tf:2"
    assert "not valid Terraform" in case.find("error").get("message")
    assert root.get("errors") == "1"


def test_cannot_evaluate_is_skipped_naming_the_unknown_fact(sample_result):
    f = sample_result.findings[0]
    unknown = dataclasses.replace(f, status="cannot_evaluate",
                                  evidence={"unknown": [{"unknown": "public_network_access", "expression": "var.x"}]})
    root = junit(dataclasses.replace(sample_result, findings=[unknown]))
    case = next(c for c in root.iter("testcase") if c.get("name") == f.node)
    assert case.find("skipped").get("message") == "cannot evaluate: unknown public_network_access"
