"""The rule catalog: one YAML per rule, validated against rules/schema.json.

Built-in rules and policies ship inside the wheel (packages checker.builtin_rules and
checker.builtin_policies, mapped from the repo's top-level rules/ and policies/).
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .inputs import read_bytes
from .safeyaml import YamlError, load_yaml
from .severity import SEVERITIES  # noqa: F401 - re-exported for rule authors' tooling



class RuleError(Exception):
    """A malformed rule or policy: exit 2, naming the file and the field."""

    def __init__(self, path: str, reason: str, field_path: str = "") -> None:
        self.path, self.reason, self.field_path = path, reason, field_path
        where = f"{path}: {field_path}: " if field_path else f"{path}: "
        super().__init__(where + reason)


@dataclass
class Rule:
    id: str
    title: str
    severity: str
    category: str
    controls: dict[str, list[str]]
    description: str
    remediation: str
    check: dict
    path: str
    references: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    builtin: bool = False
    escalate_in_production: bool = False

    @property
    def engine(self) -> str:
        return "rego" if "rego" in self.check else "graph"

    @property
    def fixture_dir(self) -> Path:
        return Path(self.path).with_suffix("")

    def summary(self) -> dict:
        return {"id": self.id, "title": self.title, "severity": self.severity,
                "category": self.category, "engine": self.engine, "controls": self.controls,
                "description": self.description, "remediation": self.remediation,
                "references": self.references, "source": self.path, "builtin": self.builtin}


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


def rule_files(directory: Path) -> list[Path]:
    """Rule YAML files under a directory, leaving out each rule's fixture folder."""
    found = []
    for dirpath, dirnames, filenames in os.walk(directory):
        stems = {Path(f).stem for f in filenames if f.endswith((".yaml", ".yml"))}
        # A folder named like a sibling rule file holds that rule's fixtures.
        dirnames[:] = sorted(d for d in dirnames if d not in stems and not d.startswith("."))
        found += [Path(dirpath) / f for f in sorted(filenames) if f.endswith((".yaml", ".yml"))]
    return found


def policy_files(directory: Path) -> list[Path]:
    fixtures = {p.with_suffix("") for p in rule_files(directory)}
    return sorted(p for p in directory.rglob("*.rego")
                  if not any(f in p.parents for f in fixtures))


def load_rule(path: Path, builtin: bool = False) -> Rule:
    try:
        doc = load_yaml(read_bytes(path, "rule file"), str(path), unique_keys=True)
    except (ValueError, YamlError) as exc:
        raise RuleError(str(path), str(exc)) from exc
    errors = sorted(_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
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
                escalate_in_production=doc.get("escalate_in_production", False))
    from .engines.graph import validate_conditions     # checks JSON Schema cannot express
    validate_conditions(rule)
    return rule


def load_catalog(extra_dirs: list[Path] | None = None, include_builtin: bool = True) -> Catalog:
    dirs: list[tuple[Path, bool]] = []
    if include_builtin:
        dirs += [(builtin_rules_dir(), True), (builtin_policies_dir(), True)]
    dirs += [(Path(d), False) for d in extra_dirs or []]
    rules: dict[str, Rule] = {}
    policies: list[Path] = []
    for directory, builtin in dirs:
        if not directory.is_dir():
            raise RuleError(str(directory), "rule directory does not exist")
        for path in rule_files(directory):
            rule = load_rule(path, builtin)
            if rule.id in rules:
                raise RuleError(str(path), f"rule id {rule.id} is already defined in {rules[rule.id].path}", "id")
            rules[rule.id] = rule
        policies += policy_files(directory)
    tests = [p for p in policies if p.name.endswith("_test.rego")]
    return Catalog(sorted(rules.values(), key=lambda r: r.id),
                   [p for p in policies if p not in tests], tests)
