"""The rule catalog: one folder per rule, its entry validated against rules/schema.json.

    rules/<area>/MLC-AREA-NNN/
        rule.yaml           the catalog entry (what, why, the check)
        policy.rego         Rego rules only: one package, mlcheck.rules.<area>_<nnn>
        policy_test.rego    its Rego unit tests
        flag/ pass/         fixtures (checker/ruletest.py); never searched for rules or policies

A user's --rules DIR takes the same layout. A lone `<ID>.yaml` rule file, with `.rego`
files anywhere beside it, loads too (its fixtures in the `<ID>/` folder next to it).
policies/ holds what spans rules: the shared Rego library (policies/lib/, package
mlcheck.lib), loaded with every catalog, and the compliance frameworks (policies/frameworks/).

Built-in rules and policies ship inside the wheel (packages checker.builtin_rules and
checker.builtin_policies, mapped from the repo's top-level rules/ and policies/).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .inputs import read_bytes
from .rule import RULE_FILE, Rule, RuleError
from .safeyaml import YamlError, load_yaml


@dataclass
class Catalog:
    rules: list[Rule]
    policy_files: list[Path]         # .rego modules to load (tests excluded)
    policy_test_files: list[Path]    # *_test.rego

    def get(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


def builtin_rules_dir() -> Path:
    return Path(str(resources.files("checker.builtin_rules")))


def builtin_policies_dir() -> Path:
    return Path(str(resources.files("checker.builtin_policies")))


_schema_validator = None


def _validator():
    global _schema_validator
    if _schema_validator is None:
        import jsonschema
        schema = json.loads((builtin_rules_dir() / "schema.json").read_text(encoding="utf-8"))
        _schema_validator = jsonschema.Draft202012Validator(schema)
    return _schema_validator


YAML_EXTS = (".yaml", ".yml")


def scan_rule_dir(directory: Path) -> tuple[list[Path], list[Path]]:
    """(rule files, .rego files) under a rules directory. A folder holding rule.yaml is
    one rule: its own files count, its subfolders are fixtures. Elsewhere every YAML file
    is a rule, and a folder named like one (`MLC-X-001/` beside `MLC-X-001.yaml`) holds
    its fixtures. Symlinked folders are not followed, hidden folders not searched."""
    rules: list[Path] = []
    policies: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(directory):
        here = Path(dirpath)
        if RULE_FILE in filenames:
            dirnames[:] = []
            rules.append(here / RULE_FILE)
        else:
            stems = {Path(f).stem for f in filenames if f.endswith(YAML_EXTS)}
            dirnames[:] = sorted(d for d in dirnames if d not in stems and not d.startswith("."))
            rules += [here / f for f in sorted(filenames) if f.endswith(YAML_EXTS)]
        policies += [here / f for f in sorted(filenames) if f.endswith(".rego")]
    return rules, sorted(policies)


def rule_files(directory: Path) -> list[Path]:
    return scan_rule_dir(directory)[0]


def policy_files(directory: Path) -> list[Path]:
    return scan_rule_dir(directory)[1]


def library_files() -> list[Path]:
    """The shared Rego library (package mlcheck.lib and its tests): loaded with every
    catalog, built-in rules or not, so a user's rules can import it."""
    return sorted((builtin_policies_dir() / "lib").rglob("*.rego"))


def load_rule(path: Path, builtin: bool = False) -> Rule:
    try:
        doc = load_yaml(read_bytes(path, "rule file"), str(path), unique_keys=True)
    except (ValueError, YamlError) as exc:
        raise RuleError(str(path), str(exc)) from exc
    # Built-in rules ship validated (tests/test_builtin_rules.py checks each against the
    # schema): importing jsonschema and validating them cost every scan 0.07 s.
    errors = [] if builtin else sorted(_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        err = min(errors, key=lambda e: len(list(e.absolute_path)))
        # oneOf failures hide the useful message in their context; take the deepest.
        if err.context:
            err = max(err.context, key=lambda e: len(list(e.absolute_path)))
        field_path = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        raise RuleError(str(path), err.message, field_path)
    rule = Rule(id=doc["id"], title=doc["title"], severity=doc["severity"],
                category=doc["category"], controls=doc["controls"],
                description=doc["description"].strip(), remediation=doc["remediation"].strip(),
                check=doc["check"], path=str(path), references=doc.get("references", []),
                tags=doc.get("tags", []), builtin=builtin,
                escalate_in_production=doc.get("escalate_in_production", False),
                lifecycle=doc.get("lifecycle", "stable"))
    from .engines.graph import validate_conditions     # checks JSON Schema cannot express
    validate_conditions(rule)
    return rule


def load_catalog(extra_dirs: list[Path] | None = None, include_builtin: bool = True) -> Catalog:
    """The built-in rules (unless include_builtin is False), the rules of each extra
    directory, and the shared Rego library. A rule id defined twice is a RuleError."""
    dirs = ([(builtin_rules_dir(), True)] if include_builtin else []) + \
        [(Path(d), False) for d in extra_dirs or []]
    rules: dict[str, Rule] = {}
    policies: list[Path] = library_files()
    for directory, builtin in dirs:
        if not directory.is_dir():
            raise RuleError(str(directory), "rule directory does not exist")
        paths, rego = scan_rule_dir(directory)
        for path in paths:
            rule = load_rule(path, builtin)
            if rule.id in rules:
                raise RuleError(str(path), f"rule id {rule.id} is already defined in {rules[rule.id].path}", "id")
            rules[rule.id] = rule
        policies += [p for p in rego if p not in policies]
    tests = [p for p in policies if p.name.endswith("_test.rego")]
    return Catalog(sorted(rules.values(), key=lambda r: r.id),
                   [p for p in policies if p not in tests], tests)
