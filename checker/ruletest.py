"""`mlcheck rules test [DIR]`: run each rule against its fixtures, and the Rego unit tests.

Layout (DESIGN.md): rules/<area>/MLC-X-001/{rule.yaml, policy.rego, policy_test.rego,
flag/, pass/}. A rule whose resource exists in several source forms keeps one case per
form beside (or instead of) them: `flag-<form>/`, `pass-<form>/` (flag-terraform/,
pass-bicep/, flag-arm/ …); a rule needs at least one flag and one pass case. Each case
folder holds `expected.yaml` and either `snapshot.json` or an `estate/` folder, and runs
on its own. Fixtures are strict:

    flag*: the rule flags exactly the nodes listed, and at least one;
    pass*: the listed nodes exist, the rule applies to some node, and it flags nothing.

expected.yaml:
    nodes: [node ids]   # flag: exactly these are flagged; pass: these exist and are not
    git: true           # make estate/ a git repository (one commit) before scanning
    cannot_evaluate: [node ids]   # when given: exactly these are reported as cannot evaluate
    params: {...}       # data.mlcheck.params / rule parameters for this case

Without DIR the built-in catalog is tested. With DIR, that directory's rules are tested on
their own: with the shared Rego library, without the built-in rules (whose ids they may share).
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .catalog import Catalog, builtin_policies_dir, builtin_rules_dir, load_catalog
from .collectors.git import git_env
from .rule import Rule
from .safeyaml import YamlError, load_yaml
from .scan import ScanOptions, run_scan, select_rules

CASES = ("flag", "pass")
CASE_NAME = re.compile(r"^(flag|pass)(-[a-z0-9][a-z0-9-]*)?$")
# Fixed identity and dates so fixture commits get the same sha on every machine.
FIXTURE_GIT_ENV = {"GIT_AUTHOR_NAME": "fixture", "GIT_AUTHOR_EMAIL": "fixture@example.com",
                   "GIT_COMMITTER_NAME": "fixture", "GIT_COMMITTER_EMAIL": "fixture@example.com",
                   "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z"}


@dataclass
class TestReport:
    lines: list[str] = field(default_factory=list)
    passed: int = 0
    failed: int = 0

    def record(self, ok: bool, name: str, detail: str = "") -> None:
        self.passed += ok
        self.failed += not ok
        self.lines.append(f"{'PASS' if ok else 'FAIL'} {name}" + (f": {detail}" if detail else ""))


def commit_fixture(folder: Path) -> None:
    """Turn a fixture estate into a one-commit git repository (our own files, not scanned input)."""
    env = {**git_env(), **FIXTURE_GIT_ENV}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "fixture"]):
        subprocess.run(["git", "-c", "core.hooksPath=/dev/null", *args], cwd=folder, env=env,
                       check=True, stdout=subprocess.DEVNULL)


class FixtureError(Exception):
    """A fixture that cannot be run: reported as a failing case, never a crash."""


def case_names(rule: Rule) -> list[str]:
    """The rule's case folders: flag*, then pass*, each sorted by name; a missing flag or
    pass case is listed by its bare name, so that it is reported as missing."""
    folder = rule.fixture_dir
    found = sorted(p.name for p in folder.iterdir() if p.is_dir() and CASE_NAME.match(p.name)) \
        if folder.is_dir() else []
    names = []
    for case in CASES:
        mine = [n for n in found if n.split("-", 1)[0] == case]
        names.extend(mine or [case])
    return names


def load_spec(case_dir: Path) -> dict:
    try:
        spec = load_yaml((case_dir / "expected.yaml").read_bytes(), str(case_dir / "expected.yaml")) or {}
    except YamlError as exc:
        raise FixtureError(str(exc)) from exc
    if not isinstance(spec, dict) or not isinstance(spec.get("nodes", []), list):
        raise FixtureError("expected.yaml must be a mapping with a 'nodes' list")
    if not (case_dir / "snapshot.json").is_file() and not (case_dir / "estate").is_dir():
        raise FixtureError(f"{case_dir} has neither snapshot.json nor estate/")
    return spec


def run_case(rule_dir_args: dict, rule_id: str, case_dir: Path) -> tuple[set[str], set[str], int, set[str]]:
    """Scan one fixture with only `rule_id`: (flagged, expected, applicable, expected ids absent)."""
    spec = load_spec(case_dir)
    expected = set(spec.get("nodes", []))
    opts = ScanOptions(only=[rule_id], params=spec.get("params", {}), **rule_dir_args)
    with tempfile.TemporaryDirectory(prefix="mlcheck-fixture-") as tmp:
        if (case_dir / "snapshot.json").is_file():
            opts.from_snapshot = case_dir / "snapshot.json"
        else:
            estate = Path(tmp) / "estate"
            shutil.copytree(case_dir / "estate", estate, symlinks=True)
            if spec.get("git"):
                commit_fixture(estate)
            opts.paths = [str(estate)]
        try:
            result = run_scan(opts)
        except ValueError as exc:           # e.g. a malformed snapshot
            raise FixtureError(str(exc)) from exc
    if result.graph.errors:
        raise FixtureError("the fixture did not collect cleanly: "
                           + "; ".join(str(e) for e in result.graph.errors[:3]))
    flagged = {h.node for h in result.results[rule_id].hits}
    undetermined = {h.node for h in result.results[rule_id].undetermined}
    if "cannot_evaluate" in spec and undetermined != set(spec["cannot_evaluate"] or []):
        raise FixtureError(f"cannot evaluate {sorted(undetermined)}; expected {sorted(spec['cannot_evaluate'] or [])}")
    missing = {n for n in expected if n not in result.graph}
    outside = flagged - _applies_to(result, rule_id)
    if outside:
        raise FixtureError(f"flagged {sorted(outside)}, which its check.applies_to does not select "
                           "(a Rego rule that applies to no node is not evaluated)")
    return flagged, expected, result.results[rule_id].applicable, missing


def _applies_to(result, rule_id: str) -> set[str]:
    """The nodes a rule says it applies to (a graph rule: those its match selects)."""
    from .engines.graph import GraphEvaluator
    from .engines.rego import applies_to
    rule = next(r for r in result.rules if r.id == rule_id)
    selector = applies_to(rule) if rule.engine == "rego" else rule.check["match"]
    return set(GraphEvaluator(result.graph).select(selector))


def run_rule_tests(directory: Path | None = None, only: list[str] | None = None) -> TestReport:
    """Every fixture of the rules in `directory` (None: the built-in catalog) that `only`
    selects, then their Rego unit tests (all of the directory's, without `only`)."""
    if directory is None:
        rule_dir_args = {"rules_dirs": [], "include_builtin": True}
        roots = [builtin_rules_dir().resolve(), builtin_policies_dir().resolve()]
    else:
        directory = directory.resolve()
        rule_dir_args = {"rules_dirs": [directory], "include_builtin": False}
        roots = [directory]
    catalog = load_catalog(rule_dir_args["rules_dirs"], rule_dir_args["include_builtin"])
    report = TestReport()
    selected = select_rules(catalog.rules, only or [], [])
    for rule in selected:
        for case in case_names(rule):
            _check_case(report, rule_dir_args, rule, case)
    tests = [p for p in catalog.policy_test_files
             if any(p.resolve().is_relative_to(r) for r in roots)
             and (not only or any(p.parent == r.fixture_dir for r in selected))]
    _rego_unit_tests(report, catalog, tests, roots)
    return report


def _check_case(report: TestReport, rule_dir_args: dict, rule: Rule, case: str) -> None:
    case_dir = rule.fixture_dir / case
    name = f"{rule.id} {case}"
    if not (case_dir / "expected.yaml").is_file():
        report.record(False, name, f"no fixture at {case_dir}/expected.yaml")
        return
    try:
        flagged, expected, applicable, missing = run_case(rule_dir_args, rule.id, case_dir)
    except FixtureError as exc:
        report.record(False, name, str(exc))
        return
    if missing:
        report.record(False, name, f"expected nodes not in the fixture's graph: {sorted(missing)}")
    elif case.split("-", 1)[0] == "flag":
        unexpected, missed = flagged - expected, expected - flagged
        if not flagged:
            report.record(False, name, "matched nothing in its failing fixture")
        elif unexpected or missed:
            said = ([f"flagged {sorted(unexpected)}, which expected.yaml does not list"] if unexpected else []) + \
                ([f"did not flag {sorted(missed)}"] if missed else [])
            report.record(False, name, "; ".join(said))
        else:
            report.record(True, name, f"{len(flagged)} flagged")
    elif flagged:
        report.record(False, name, f"flagged {sorted(flagged)}: a pass fixture must flag nothing")
    elif applicable == 0:
        report.record(False, name, "rule applied to no node: the pass fixture proves nothing")
    else:
        report.record(True, name, f"{applicable} checked, none flagged")


def _rego_unit_tests(report: TestReport, catalog: Catalog, tests: list[Path], roots: list[Path]) -> None:
    """Each *_test.rego with every policy loaded, one file at a time: every rule folder's
    tests are called policy_test.rego, so a result is named by the file's path under its root."""
    from .engines.rego import EmbeddedRego
    for test_file in tests:
        resolved = test_file.resolve()
        root = next(r for r in roots if resolved.is_relative_to(r))
        shown = resolved.relative_to(root).as_posix()
        for name, ok, detail in EmbeddedRego(catalog.policy_files + [test_file], {}).run_tests():
            if name.startswith(test_file.name + "::"):
                report.record(ok, f"rego {shown}::{name.partition('::')[2]}", detail)
