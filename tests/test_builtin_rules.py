"""Every built-in rule in its own folder, against its own strict fixtures, both ways
(DESIGN.md: one folder per rule), and `mlcheck rules test` on the built-in catalog and on
a directory of rules of its own."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import notebook, run_cli

from checker.catalog import builtin_rules_dir, load_catalog
from checker.rule import RULE_FILE
from checker.ruletest import CASES, case_names, run_rule_tests

BUILTIN = load_catalog().rules
REGO = [r for r in BUILTIN if r.engine == "rego"]


@pytest.mark.parametrize("rule", BUILTIN, ids=[r.id for r in BUILTIN])
def test_rule_is_one_folder_with_flag_and_pass_fixtures(rule):
    folder = Path(rule.path).parent
    assert Path(rule.path).name == RULE_FILE and folder.name == rule.id
    assert folder.parent.parent == builtin_rules_dir()          # rules/<area>/<id>/
    assert rule.fixture_dir == folder
    names = case_names(rule)
    for case in CASES:                       # flag/ and pass/, or one per source form
        assert any(n.split("-", 1)[0] == case for n in names)
    for name in names:
        assert (folder / name / "expected.yaml").is_file(), f"{rule.id} lacks a {name} fixture"


def test_every_rego_rule_calls_only_functions_that_exist():
    """Scans skip the unknown-function check for built-in rules (they ship checked): this
    is where each is checked, as a user's rule is at every scan."""
    from checker.engines.rego import EmbeddedRego, rule_path
    catalog = load_catalog()
    EmbeddedRego(catalog.policy_files, {}).engine.check_calls([rule_path(r) for r in REGO])


@pytest.mark.parametrize("rule", BUILTIN, ids=[r.id for r in BUILTIN])
def test_rule_is_valid_against_the_schema(rule):
    """Scans skip the schema check for built-in rules (they ship validated): this is where
    each is validated, exactly as a user's rule is."""
    from checker.catalog import load_rule
    user_copy = load_rule(Path(rule.path), builtin=False)
    assert user_copy.check == rule.check


def test_a_schema_error_in_a_users_copy_of_a_builtin_rule_is_still_refused(tmp_path):
    from checker.catalog import load_rule
    from checker.rule import RuleError
    broken = tmp_path / RULE_FILE
    broken.write_text(Path(BUILTIN[0].path).read_text(encoding="utf-8").replace("severity:", "severity: 5\nx_severity:", 1),
                      encoding="utf-8")
    with pytest.raises(RuleError):
        load_rule(broken, builtin=False)


@pytest.mark.parametrize("rule", BUILTIN, ids=[r.id for r in BUILTIN])
def test_rule_fixtures_pass(rule):
    report = run_rule_tests(None, [rule.id])
    assert report.failed == 0, "\n".join(report.lines)
    assert [line.split(":")[0] for line in report.lines if not line.startswith("PASS rego ")] == \
        [f"PASS {rule.id} {case}" for case in case_names(rule)]


@pytest.mark.parametrize("rule", REGO, ids=[r.id for r in REGO])
def test_rego_rule_has_its_own_package_and_unit_tests(rule):
    """OPA's conventions: one package per rule, mlcheck.rules.<area>_<nnn>, its tests beside it."""
    folder = rule.fixture_dir
    area, number = re.fullmatch(r"MLC-([A-Z][A-Z0-9]*)-(\d+)", rule.id).groups()
    package = f"mlcheck.rules.{area.lower()}_{number}"
    assert rule.check["rego"].startswith(f"data.{package}.")
    policy = (folder / "policy.rego").read_text(encoding="utf-8")
    assert re.search(rf"^package {re.escape(package)}$", policy, re.MULTILINE)
    assert "import rego.v1" in policy
    tests = (folder / "policy_test.rego").read_text(encoding="utf-8")
    assert re.search(rf"^import data\.{re.escape(package)}$", tests, re.MULTILINE)
    names = re.findall(r"^(test_\w+) if\b", tests, re.MULTILINE)
    assert len(names) >= 2, f"{rule.id}: test the policy both ways"
    report = run_rule_tests(None, [rule.id])
    ran = [line for line in report.lines if line.startswith("PASS rego ")]
    assert len(ran) == len(names), "\n".join(report.lines)


def test_rego_unit_tests_pass_including_the_shared_library():
    report = run_rule_tests()
    rego_lines = [line for line in report.lines if " rego " in f" {line}"]
    assert any(line.startswith("PASS rego lib/graph_test.rego::") for line in rego_lines)
    assert all(line.startswith("PASS") for line in rego_lines), "\n".join(rego_lines)


def test_both_engines_are_used_by_builtin_rules():
    assert {r.engine for r in BUILTIN} == {"graph", "rego"}


def _selectors(check):
    """Every selector in a rule's check: match, applies_to and each path/neighbors `to`."""
    if isinstance(check, dict):
        for key, value in check.items():
            if key in ("match", "applies_to", "to") and isinstance(value, dict):
                yield value
            yield from _selectors(value)
    elif isinstance(check, list):
        for item in check:
            yield from _selectors(item)


@pytest.mark.parametrize("rule", BUILTIN, ids=[r.id for r in BUILTIN])
def test_rule_selects_by_kind_and_attributes_never_by_id(rule):
    """Node ids name things; what a node is lives in its kind and attrs (`store` says where
    it came from). A rule that reads an id prefix breaks when a collector names nodes anew."""
    assert not [s for s in _selectors(rule.check) if "id" in s]
    policy = rule.fixture_dir / "policy.rego"
    if policy.is_file():
        assert not re.search(r"(startswith|glob\.match|regex\.match)\([^)]*\bid\b",
                             policy.read_text(encoding="utf-8"))


# -- `mlcheck rules test` ---------------------------------------------------------------------

def test_rules_test_on_a_copy_of_the_builtin_rules_has_no_id_clash(tmp_path):
    """A directory is tested on its own: the repository's rules/ (or a copy) no longer
    collides with the built-in catalog ('rule id MLC-DATA-001 is already defined')."""
    copy = tmp_path / "rules"
    shutil.copytree(builtin_rules_dir(), copy)
    result = run_cli("rules", "test", str(copy), "--only", "MLC-REPO-003")
    assert result.exit_code == 0, result.output
    assert "already defined" not in result.output
    assert "PASS rego repo/MLC-REPO-003/policy_test.rego::test_lfs_file_passes" in result.output


def own_rule(tmp_path: Path, rule_id: str = "ACME-001") -> Path:
    """A user's rule folder: MLC-REPO-001 copied under its own id."""
    rules = tmp_path / "acme"
    folder = rules / "repo" / rule_id
    shutil.copytree(builtin_rules_dir() / "repo" / "MLC-REPO-001", folder)
    text = (folder / RULE_FILE).read_text(encoding="utf-8")
    (folder / RULE_FILE).write_text(text.replace("id: MLC-REPO-001", f"id: {rule_id}"), encoding="utf-8")
    return rules


def test_rules_test_command_fails_on_a_mismatch(tmp_path):
    """A rule whose flag fixture expects the wrong node makes `mlcheck rules test` fail."""
    rules = own_rule(tmp_path)
    ok = run_cli("rules", "test", str(rules))
    assert ok.exit_code == 0 and "2 passed, 0 failed" in ok.output, ok.output
    expected = rules / "repo" / "ACME-001" / "flag" / "expected.yaml"
    expected.write_text(expected.read_text().replace("train.ipynb", "other.ipynb"))
    bad = run_cli("rules", "test", str(rules))
    assert bad.exit_code == 1 and "FAIL ACME-001 flag" in bad.output


def test_a_flag_fixture_fails_on_a_node_it_does_not_list(tmp_path):
    rules = own_rule(tmp_path)
    estate = rules / "repo" / "ACME-001" / "flag" / "estate"
    (estate / "notebooks" / "report.ipynb").write_text(notebook(outputs=True), encoding="utf-8")
    result = run_cli("rules", "test", str(rules))
    assert result.exit_code == 1
    assert ("FAIL ACME-001 flag: flagged ['file:git:./notebooks/report.ipynb'], "
            "which expected.yaml does not list") in result.output
    assert "PASS ACME-001 pass" in result.output


def test_a_pass_fixture_fails_on_anything_flagged_not_only_listed_nodes(tmp_path):
    rules = own_rule(tmp_path)
    estate = rules / "repo" / "ACME-001" / "pass" / "estate"
    (estate / "notebooks" / "report.ipynb").write_text(notebook(outputs=True), encoding="utf-8")
    result = run_cli("rules", "test", str(rules))
    assert result.exit_code == 1
    assert ("FAIL ACME-001 pass: flagged ['file:git:./notebooks/report.ipynb']: "
            "a pass fixture must flag nothing") in result.output


def test_case_folders_per_source_form_each_run_and_are_named(tmp_path):
    """flag-<form>/ and pass-<form>/ run as cases of their own, named by their folder; a
    failing one fails alone."""
    rules = own_rule(tmp_path)
    folder = rules / "repo" / "ACME-001"
    shutil.copytree(folder / "flag", folder / "flag-second")
    (folder / "pass").rename(folder / "pass-only")
    ok = run_cli("rules", "test", str(rules))
    assert ok.exit_code == 0, ok.output
    assert [line.split(":")[0] for line in ok.output.splitlines()[:3]] == \
        ["PASS ACME-001 flag", "PASS ACME-001 flag-second", "PASS ACME-001 pass-only"]
    expected = folder / "flag-second" / "expected.yaml"
    expected.write_text(expected.read_text().replace("train.ipynb", "other.ipynb"))
    bad = run_cli("rules", "test", str(rules))
    assert bad.exit_code == 1 and "FAIL ACME-001 flag-second" in bad.output
    assert "PASS ACME-001 flag:" in bad.output and "PASS ACME-001 pass-only" in bad.output


def test_a_rule_without_any_pass_case_fails(tmp_path):
    rules = own_rule(tmp_path)
    shutil.rmtree(rules / "repo" / "ACME-001" / "pass")
    result = run_cli("rules", "test", str(rules))
    assert result.exit_code == 1 and "FAIL ACME-001 pass: no fixture at" in result.output


def test_a_users_rule_folder_may_share_a_builtin_id_and_import_the_shared_library(tmp_path):
    """`rules test DIR` loads DIR's rules and policies/lib, not the built-in rules: a user's
    MLC-REPO-001 does not clash, and a Rego rule of theirs can call mlcheck.lib."""
    rules = own_rule(tmp_path, "MLC-REPO-001")
    folder = rules / "repo" / "ACME-002"
    shutil.copytree(builtin_rules_dir() / "repo" / "MLC-REPO-003", folder)
    for name in ("rule.yaml", "policy.rego", "policy_test.rego"):
        path = folder / name
        path.write_text(path.read_text(encoding="utf-8").replace("MLC-REPO-003", "ACME-002")
                        .replace("repo_003", "acme_002"), encoding="utf-8")
    assert "lib.param(" in (folder / "policy.rego").read_text(encoding="utf-8")
    result = run_cli("rules", "test", str(rules))
    assert result.exit_code == 0, result.output
    assert "PASS MLC-REPO-001 flag" in result.output and "PASS ACME-002 pass" in result.output
    assert "PASS rego repo/ACME-002/policy_test.rego::test_threshold_is_a_param" in result.output
    assert "lib/graph_test.rego" not in result.output        # the library's tests are ours


def test_rules_test_without_a_directory_tests_the_builtin_catalog():
    result = run_cli("rules", "test", "--only", "MLC-LIN-001")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["PASS MLC-LIN-001 flag: 3 flagged",
                                          "PASS MLC-LIN-001 pass: 1 checked, none flagged",
                                          "PASS MLC-LIN-001 pass-copied: 2 checked, none flagged",
                                          "3 passed, 0 failed"]


def test_broken_fixtures_fail_their_case_without_crashing(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(builtin_rules_dir() / "repo", rules / "repo")
    (rules / "repo" / "MLC-REPO-001" / "flag" / "expected.yaml").write_text("nodes: [unclosed\n")
    shutil.rmtree(rules / "repo" / "MLC-REPO-002" / "pass" / "estate")
    (rules / "repo" / "MLC-REPO-003" / "flag" / "estate" / "data" / "bad.ipynb").write_text("{nope")
    result = run_cli("rules", "test", str(rules))
    assert result.exit_code == 1
    assert "FAIL MLC-REPO-001 flag" in result.output and "expected.yaml" in result.output
    assert "FAIL MLC-REPO-002 pass" in result.output and "neither snapshot.json nor estate/" in result.output
    assert "FAIL MLC-REPO-003 flag: the fixture did not collect cleanly" in result.output


# -- lifecycle ----------------------------------------------------------------------------------

def test_experimental_rules_report_but_do_not_fail_the_gate(tmp_path):
    """Scorecard's probe lifecycle: an experimental rule's findings are reported, open, and
    leave the exit code alone until its precision is measured; a stable one fails the gate."""
    import json
    rules = own_rule(tmp_path)
    rule_file = rules / "repo" / "ACME-001" / RULE_FILE
    estate = rules / "repo" / "ACME-001" / "flag" / "estate"
    from checker.ruletest import commit_fixture
    repo = tmp_path / "repo"
    shutil.copytree(estate, repo)
    commit_fixture(repo)
    args = ("scan", str(repo), "--no-builtin", "--rules", str(rules), "--fail-on", "medium",
            "--format", "json", "--output", str(tmp_path / "r.json"))
    stable = run_cli(*args)
    assert stable.exit_code == 1, stable.output
    rule_file.write_text(rule_file.read_text(encoding="utf-8") + "lifecycle: experimental\n", encoding="utf-8")
    experimental = run_cli(*args)
    assert experimental.exit_code == 0, experimental.output
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [(f["rule_id"], f["status"]) for f in report["findings"]] == [("ACME-001", "open")]
    assert report["summary"]["gate"]["failing"] == 0
    listed = json.loads(run_cli("rules", "list", "--rules", str(rules), "--format", "json").output)
    assert {r["id"]: r["lifecycle"] for r in listed}["ACME-001"] == "experimental"


def test_unknown_lifecycle_is_a_rule_error(tmp_path):
    rules = own_rule(tmp_path)
    rule_file = rules / "repo" / "ACME-001" / RULE_FILE
    rule_file.write_text(rule_file.read_text(encoding="utf-8") + "lifecycle: beta\n", encoding="utf-8")
    result = run_cli("rules", "list", "--rules", str(rules))
    assert result.exit_code == 2
    assert f"{rule_file}: lifecycle: 'beta' is not one of ['experimental', 'stable']" in result.output


# -- cloud rules: a finding's own severity --------------------------------------------------------

@pytest.mark.parametrize("rule_id, case, severities", [
    ("MLC-NET-005", "flag-terraform", {"azurerm_storage_account.workspace": "high",
                                       "azurerm_storage_account.scratch": "medium"}),
    ("MLC-NET-005", "flag-arm", {"storageAccounts/[variables('storageName')]": "high",
                                 "storageAccounts/[variables('logsName')]": "medium"}),
    ("MLC-NET-008", "flag-terraform", {"azurerm_key_vault.workspace": "high", "azurerm_key_vault.team": "medium"}),
    ("MLC-NET-009", "flag-terraform", {"azurerm_container_registry.workspace": "high",
                                       "azurerm_container_registry.models": "medium"}),
])
def test_cloud_findings_are_high_where_an_ml_resource_uses_the_resource(tmp_path, scan_json, rule_id,
                                                                        case, severities):
    """Medium for every weak resource, high for one an ML workspace (or deployment) uses:
    the scan's findings carry each its own severity, and the high one names the edge."""
    rule = next(r for r in BUILTIN if r.id == rule_id)
    estate = tmp_path / "estate"
    shutil.copytree(rule.fixture_dir / case / "estate", estate)
    code, report, _ = scan_json(str(estate), "--only", rule_id)
    assert code == 1
    found = {f["node"].rpartition("#")[2].replace("Microsoft.Storage/", ""): f for f in report["findings"]}
    assert {k: f["severity"] for k, f in found.items()} == severities
    for f in found.values():
        used_by = f["evidence"].get("used_by", [])
        assert (f["severity"] == "high") == bool(used_by)
        assert all(u["edge"] == "uses" and u["target"] == f["node"] for u in used_by)


# Not yet on regopy (known divergences, README "Rego engines"): MLC-GOV-001 and MLC-MODEL-001/002
# (rego-cpp returns malformed JSON for their answers) and MLC-PIPE-007 (it picks a different reason).
# MLC-GOV-002's fixture becomes a git repository only in the rule tester (`git: true`), not in this copy.
REGOPY_DIVERGES = {"MLC-GOV-001", "MLC-GOV-002", "MLC-MODEL-001", "MLC-MODEL-002", "MLC-PIPE-007"}
CLOUD_CASES = [(r, c) for r in BUILTIN if r.category in ("network", "azure-policy", "functions", "access", "pipelines",
                                                        "governance", "models") and r.id not in REGOPY_DIVERGES
               for c in case_names(r) if c.startswith("flag")]


@pytest.mark.parametrize("rule, case", CLOUD_CASES, ids=[f"{r.id}-{c}" for r, c in CLOUD_CASES])
def test_cloud_rules_give_the_same_findings_on_regopy(tmp_path, scan_json, rule, case):
    """regopy 1.5.2 mis-evaluates or crashes on some Rego shapes (and one crashing module
    takes every rule down): the cloud rules must give the same findings, severities and
    evidence on both embedded engines."""
    estate = tmp_path / "estate"
    shutil.copytree(rule.fixture_dir / case / "estate", estate)

    def findings(*engine):
        _, report, _ = scan_json(str(estate), "--only", rule.id, *engine)
        assert report["evaluation_errors"] == []
        return sorted((f["node"], f["severity"], f["status"], f["message"], repr(f["evidence"]))
                      for f in report["findings"])
    assert findings() == findings("--rego-engine", "regopy") != []


def test_a_rego_rule_must_not_flag_outside_what_it_says_it_applies_to(tmp_path):
    """A Rego rule that applies to no node is not evaluated (the serving rules skip a
    lineage estate's runs that way), so what it flags must lie within its applies_to:
    `rules test` refuses a rule that flags outside it."""
    rules = tmp_path / "rules"
    folder = rules / "repo" / "ACME-003"
    shutil.copytree(builtin_rules_dir() / "repo" / "MLC-REPO-003", folder)
    text = (folder / RULE_FILE).read_text(encoding="utf-8").replace("id: MLC-REPO-003", "id: ACME-003")
    (folder / RULE_FILE).write_text(text, encoding="utf-8")
    assert run_cli("rules", "test", str(rules)).exit_code == 0
    # Narrowed to labels.csv, which the flag fixture holds but does not flag.
    narrowed = text.replace("- {attr: role, equals: data}", "- {attr: path, glob: '*labels.csv'}")
    (folder / RULE_FILE).write_text(narrowed, encoding="utf-8")
    result = run_cli("rules", "test", str(rules))
    assert result.exit_code == 1
    assert ("FAIL ACME-003 flag: flagged ['file:git:./data/train.csv'], which its check.applies_to "
            "does not select") in result.output
