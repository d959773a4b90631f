"""What a rule is: its catalog entry as loaded (Rule), and the error a malformed rule or
policy raises (RuleError). The catalog loads rules; the engines evaluate them; both
read this module, so neither depends on the other."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

RULE_FILE = "rule.yaml"


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
    lifecycle: str = "stable"        # experimental: reported, never fails the gate
    override: dict | None = None     # the organisation's changes (checker/overrides.py)

    @property
    def engine(self) -> str:
        return "rego" if "rego" in self.check else "graph"

    @property
    def fixture_dir(self) -> Path:
        """The folder holding flag/ and pass/: the rule's own folder, or the one named
        after a lone rule file."""
        path = Path(self.path)
        return path.parent if path.name == RULE_FILE else path.with_suffix("")

    def summary(self) -> dict:
        return {"id": self.id, "title": self.title, "severity": self.severity,
                "category": self.category, "engine": self.engine, "lifecycle": self.lifecycle,
                "controls": self.controls, "description": self.description,
                "remediation": self.remediation, "references": self.references,
                "source": self.path, "builtin": self.builtin,
                **({"override": self.override} if self.override else {})}
