"""Severities, lowest first: the one scale rules, findings, the gate and every report use."""
from __future__ import annotations

SEVERITIES = ("info", "low", "medium", "high", "critical")


def rank(severity: str) -> int:
    return SEVERITIES.index(severity)


def raised(severity: str) -> str:
    """One level up (critical stays critical)."""
    return SEVERITIES[min(rank(severity) + 1, len(SEVERITIES) - 1)]
