"""Rule engines behind one interface: each takes the rules written for it and the graph,
and returns one RuleResult per rule (how many nodes it applied to, its hits, or why it
could not be evaluated). A rule that fails on some data costs that rule, not the scan."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..rule import Rule
    from ..graph import EstateGraph


@dataclass
class Hit:
    """One node a rule flagged: the engine's raw verdict, before findings policy."""
    node: str
    message: str
    evidence: dict = field(default_factory=dict)
    severity: str | None = None   # this finding's own severity; None: the rule's


@dataclass
class RuleResult:
    rule_id: str
    applicable: int            # nodes the rule looked at; 0 means "not applicable"
    hits: list[Hit] = field(default_factory=list)
    error: str | None = None   # set when the rule could not be evaluated: the reason
    # Nodes the rule applies to but cannot judge: a fact it needs is unknown (the evidence
    # names each unknown fact and its expression). Neither passes nor findings.
    undetermined: list[Hit] = field(default_factory=list)

    @classmethod
    def failed(cls, rule_id: str, reason: str) -> "RuleResult":
        return cls(rule_id, 0, [], reason)


class Engine(Protocol):
    """What scan.py needs of an engine."""

    def evaluate(self, rules: list["Rule"], graph: "EstateGraph") -> dict[str, RuleResult]:
        ...
