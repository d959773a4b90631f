"""Rule engines. Both return, per rule, how many nodes it applied to and its hits."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Hit:
    """One node a rule flagged: the engine's raw verdict, before findings policy."""
    node: str
    message: str
    evidence: dict = field(default_factory=dict)


@dataclass
class RuleResult:
    rule_id: str
    applicable: int            # nodes the rule looked at; 0 means "not applicable"
    hits: list[Hit] = field(default_factory=list)
