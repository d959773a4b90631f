"""Every built-in rule against its own fixtures, both ways (DESIGN.md: rule beside its fixtures)."""
from __future__ import annotations

import pytest

from checker.catalog import builtin_rules_dir, load_catalog
from checker.ruletest import CASES, run_rule_tests

BUILTIN = load_catalog().rules


@pytest.mark.parametrize("rule", BUILTIN, ids=[r.id for r in BUILTIN])
def test_rule_has_flag_and_pass_fixtures(rule):
    for case in CASES:
        assert (rule.fixture_dir / case / "expected.yaml").is_file(), f"{rule.id} lacks a {case} fixture"


@pytest.mark.parametrize("rule", BUILTIN, ids=[r.id for r in BUILTIN])
def test_rule_fixtures_pass(rule):
    report = run_rule_tests(builtin_rules_dir(), [rule.id])
    assert report.failed == 0, "\n".join(report.lines)
    assert report.passed == len(CASES)


def test_rego_unit_tests_pass():
    report = run_rule_tests(builtin_rules_dir())
    rego_lines = [line for line in report.lines if " rego " in f" {line}"]
    assert rego_lines, "no Rego unit test ran"
    assert all(line.startswith("PASS") for line in rego_lines), "\n".join(rego_lines)


def test_both_engines_are_used_by_builtin_rules():
    assert {r.engine for r in BUILTIN} == {"graph", "rego"}


def test_rules_test_command_fails_on_a_mismatch(tmp_path):
    """A rule whose flag fixture expects the wrong node makes `mlcheck rules test` fail."""
    import shutil
    from conftest import run_cli
    rules = tmp_path / "rules"
    shutil.copytree(builtin_rules_dir() / "repo", rules / "repo")
    for other in ("MLC-REPO-002", "MLC-REPO-003"):
        (rules / "repo" / f"{other}.yaml").unlink()
        shutil.rmtree(rules / "repo" / other)
    for p in (rules / "repo").rglob("MLC-REPO-001.yaml"):
        p.rename(p.with_name("ACME-001.yaml"))
        text = p.with_name("ACME-001.yaml").read_text().replace("MLC-REPO-001", "ACME-001")
        p.with_name("ACME-001.yaml").write_text(text)
    (rules / "repo" / "MLC-REPO-001").rename(rules / "repo" / "ACME-001")
    ok = run_cli("rules", "test", str(rules))
    assert ok.exit_code == 0 and "2 passed, 0 failed" in ok.output
    expected = rules / "repo" / "ACME-001" / "flag" / "expected.yaml"
    expected.write_text(expected.read_text().replace("train.ipynb", "other.ipynb"))
    bad = run_cli("rules", "test", str(rules))
    assert bad.exit_code == 1 and "FAIL ACME-001 flag" in bad.output


def test_broken_fixtures_fail_their_case_without_crashing(tmp_path):
    import shutil
    from conftest import run_cli
    rules = tmp_path / "rules"
    shutil.copytree(builtin_rules_dir() / "repo", rules / "repo")
    (rules / "repo" / "MLC-REPO-001" / "flag" / "expected.yaml").write_text("nodes: [unclosed\n")
    shutil.rmtree(rules / "repo" / "MLC-REPO-002" / "pass" / "estate")
    (rules / "repo" / "MLC-REPO-003" / "flag" / "estate" / "data" / "bad.ipynb").write_text("{nope")
    for p in (rules / "repo").glob("MLC-REPO-00?.yaml"):      # own ids: no clash with built-ins
        p.write_text(p.read_text().replace("id: MLC-", "id: ACME-"))
    for d in (rules / "repo").glob("MLC-REPO-00?"):
        d.rename(d.with_name(d.name.replace("MLC-", "ACME-")))
    for p in (rules / "repo").glob("MLC-REPO-00?.yaml"):
        p.rename(p.with_name(p.name.replace("MLC-", "ACME-")))
    result = run_cli("rules", "test", str(rules))
    assert result.exit_code == 1
    assert "FAIL ACME-REPO-001 flag" in result.output and "expected.yaml" in result.output
    assert "FAIL ACME-REPO-002 pass" in result.output and "neither snapshot.json nor estate/" in result.output
    assert "FAIL ACME-REPO-003 flag: the fixture did not collect cleanly" in result.output
