"""Compliance frameworks as data: the shipped files agree with the rules' control tags both
ways, each requirement status is reached on a real estate (and its opposite), --framework
runs exactly the rules behind a framework, and broken framework files are named."""
from __future__ import annotations

import json

import pytest

from checker.catalog import load_catalog
from checker.frameworks import (MANUAL, NOT_APPLICABLE, NOT_SATISFIED, SATISFIED, UNDETERMINED,
                                FrameworkError, evidence_rules, framework_rule_ids, get_framework,
                                frameworks_dir, load_framework_file, load_frameworks,
                                mapping_disagreements, requirement_status, schema_errors)
from checker.safeyaml import load_yaml
from checker.scan import ScanOptions, run_scan
from conftest import make_repo, notebook, run_cli, write_files

SHIPPED = {"eu-ai-act", "nist-ai-rmf", "iso-42001", "nist-800-53", "ml-test-score"}


def status_of(result, framework: str, requirement: str):
    return next(s for s in requirement_status(result, get_framework(framework))
                if s.requirement.id == requirement)


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory):
    """Two real git repositories, one committing a notebook with outputs and one without,
    each scanned with the EU AI Act's rules: {"dirty"|"clean": (path, result)}."""
    root = tmp_path_factory.mktemp("estates")
    out = {}
    for name, outputs in (("dirty", True), ("clean", False)):
        repo = make_repo(root / name, {"notebooks/train.ipynb": notebook(outputs=outputs)})
        out[name] = (repo, run_scan(ScanOptions(paths=[str(repo)], framework="eu-ai-act")))
    return out


def test_the_five_frameworks_ship():
    assert set(load_frameworks()) == SHIPPED


def test_the_shipped_framework_files_are_valid():
    """A scan loads them without the schema (as the built-in rules): this is their check."""
    files = sorted(frameworks_dir().glob("*.yaml"))
    assert len(files) == len(SHIPPED)
    for path in files:
        assert schema_errors(load_yaml(path.read_bytes(), str(path), unique_keys=True)) == [], path
        load_framework_file(path)                       # and the rest of its checks


def test_rule_tags_and_framework_files_agree_both_ways():
    assert mapping_disagreements(load_catalog().rules, load_frameworks()) == []


def test_a_tag_missing_from_either_side_is_reported():
    rules = load_catalog().rules
    frameworks = load_frameworks()
    lin = next(r for r in rules if r.id == "MLC-LIN-001")
    untagged = [r if r is not lin else type(r)(**{**vars(r), "controls": {}}) for r in rules]
    problems = mapping_disagreements(untagged, frameworks)
    assert any("Art. 12 names MLC-LIN-001, whose controls do not tag it" in p for p in problems)
    stray = type(lin)(**{**vars(lin), "controls": {**lin.controls, "eu-ai-act": ["Art. 99"]}})
    problems = mapping_disagreements([stray if r is lin else r for r in rules], frameworks)
    assert any("MLC-LIN-001: tags eu-ai-act 'Art. 99'" in p for p in problems)


def test_every_requirement_has_rules_or_says_why_it_is_manual():
    for fw in load_frameworks().values():
        for req in fw.requirements:
            assert bool(req.rules) != bool(req.manual), (fw.id, req.id)
            assert req.title and req.reference


def test_gap_found_is_not_satisfied_and_its_absence_satisfied(notebooks):
    found = status_of(notebooks["dirty"][1], "eu-ai-act", "Art. 10(5)")
    assert found.status == NOT_SATISFIED
    assert [f.rule_id for f in found.findings] == ["MLC-REPO-001"]
    assert "1 finding(s) from MLC-REPO-001" in found.reason
    clean = status_of(notebooks["clean"][1], "eu-ai-act", "Art. 10(5)")
    assert clean.status == SATISFIED and clean.findings == []


def test_rules_that_match_nothing_are_not_applicable(notebooks):
    repo, _ = notebooks["clean"]
    # Azure ML workspaces' resource logs: a notebook repository holds no workspace.
    result = run_scan(ScanOptions(paths=[str(repo)], only=["MLC-AZP-006"]))
    assert status_of(result, "iso-42001", "A.6.2.8").status == NOT_APPLICABLE
    result = run_scan(ScanOptions(paths=[str(repo)], only=["MLC-REPO-001"]))
    assert status_of(result, "iso-42001", "A.7.4").status == SATISFIED       # applies, no gap


def test_rules_not_run_cannot_evaluate_and_manual_stays_manual(notebooks):
    _, clean = notebooks["clean"]
    st = status_of(clean, "nist-800-53", "SC-7")      # MLC-PIPE-002 is no EU AI Act rule: not run
    assert st.status == UNDETERMINED and "not run in this scan:" in st.reason and "MLC-PIPE-002" in st.reason
    manual = status_of(clean, "eu-ai-act", "Art. 9")
    assert manual.status == MANUAL and manual.rules == [] and "risk management" in manual.reason


@pytest.fixture(scope="module")
def lin004():
    """The sample scanned with MLC-LIN-004 only: one open finding (churn v6) and one it
    cannot judge (fraud v1: whether its commit was merged is unknown)."""
    from conftest import REPO_ROOT
    import os
    here = os.getcwd()
    os.chdir(REPO_ROOT)
    try:
        return run_scan(ScanOptions(paths=["samples/estate"], only=["MLC-LIN-004"]))
    finally:
        os.chdir(here)


def test_an_unknown_fact_leaves_a_requirement_undetermined(lin004):
    import dataclasses
    undetermined = [f for f in lin004.findings if f.status == "cannot_evaluate"]
    assert undetermined and len(undetermined) < len(lin004.findings)
    assert status_of(lin004, "nist-ai-rmf", "MANAGE 1").status == NOT_SATISFIED
    # Without the open finding only the unknown one is left: not a gap, not a pass.
    only_unknown = dataclasses.replace(lin004, findings=undetermined)
    st = status_of(only_unknown, "ml-test-score", "Model 1")
    assert st.status == UNDETERMINED and "a fact they need is unknown: MLC-LIN-004" in st.reason


def test_framework_option_runs_exactly_the_rules_behind_it(tmp_path):
    repo = make_repo(tmp_path / "r", {"notebooks/train.ipynb": notebook(outputs=True)})
    out = tmp_path / "report.json"
    result = run_cli("scan", str(repo), "--framework", "ml-test-score", "--format", "json", "--output", str(out))
    assert result.exit_code in (0, 1), result.output
    doc = json.loads(out.read_text())
    expected = framework_rule_ids(get_framework("ml-test-score"), load_catalog().rules)
    assert {r["id"] for r in doc["rules"]} == expected
    assert [fw["id"] for fw in doc["frameworks"]] == ["ml-test-score"]
    assert "MLC-REPO-001" not in {f["rule_id"] for f in doc["findings"]}     # not an ML Test Score rule


def test_unknown_framework_is_a_usage_error(tmp_path):
    result = run_cli("scan", str(tmp_path), "--framework", "soc3")
    assert result.exit_code == 2
    assert "unknown framework 'soc3'" in result.output and "eu-ai-act" in result.output


def test_a_custom_rule_tagging_a_requirement_gives_evidence(tmp_path):
    lin = load_catalog().get("MLC-REPO-001")
    custom = type(lin)(**{**vars(lin), "id": "ACME-NB-001", "controls": {"eu-ai-act": ["Art. 9"]}})
    fw = get_framework("eu-ai-act")
    assert evidence_rules(fw, fw.requirement("Art. 9"), [custom]) == ["ACME-NB-001"]


def test_frameworks_commands_list_and_show():
    listed = run_cli("frameworks", "list")
    assert listed.exit_code == 0 and all(name in listed.output for name in SHIPPED)
    shown = run_cli("frameworks", "show", "eu-ai-act")
    assert shown.exit_code == 0
    assert "Art. 10(2)" in shown.output and "MLC-DATA-001" in shown.output
    assert "manual: a documented risk management process" in shown.output
    assert run_cli("frameworks", "show", "nope").exit_code == 2


@pytest.mark.parametrize("text, reason", [
    ("id: x\nname: X\nversion: '1'\nsource: s\nmapping: informative\nrequirements:\n"
     "  - {id: A, title: T, reference: R, rules: [MLC-X-001], manual: why not}\n", "requirements.0"),
    ("id: x\nname: X\nversion: '1'\nsource: s\nmapping: informative\nrequirements:\n"
     "  - {id: A, title: T, reference: R, manual: why not}\n  - {id: A, title: T, reference: R, manual: why}\n",
     "listed twice: A"),
    ("id: x\nname: X\nversion: '1'\nsource: s\nmapping: guesswork\nrequirements: []\n", "mapping"),
    ("id: x\nid: y\n", "x.yaml"),
])
def test_a_broken_framework_file_is_named_with_its_fault(tmp_path, text, reason):
    write_files(tmp_path, {"x.yaml": text})
    with pytest.raises(FrameworkError) as err:
        load_framework_file(tmp_path / "x.yaml")
    assert "x.yaml" in str(err.value) and reason in str(err.value)


def test_console_summarises_each_framework_and_details_the_chosen_one(tmp_path):
    repo = make_repo(tmp_path / "r", {"notebooks/train.ipynb": notebook(outputs=True)})
    every = run_cli("scan", str(repo), "--only", "MLC-REPO-001")
    assert "Frameworks (requirements by status; informative mappings)" in every.output
    for name in SHIPPED:
        assert f"\n  {name}: not satisfied " in every.output
    one = run_cli("scan", str(repo), "--framework", "eu-ai-act")
    assert "  eu-ai-act: not satisfied " in one.output and "  nist-800-53:" not in one.output
    assert "    Art. 10(5): not satisfied — 1 finding(s) from MLC-REPO-001" in one.output
    assert "    Art. 9: manual — a documented risk management process" in one.output
