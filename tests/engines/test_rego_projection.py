"""check.input.attrs sends a rule only the attributes it says it reads, `provenance: false`
no provenance, an edge given as {kind, from, to} only the edges between those kinds, and
`where` only the nodes it does not rule out and the edges touching them. A wrong
declaration would hide facts from the policy and
lose findings silently, so every built-in rule that declares either is evaluated with and
without them, on each of its fixtures and on the sample estate, and must answer exactly the
same."""
from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path

import pytest

from checker.catalog import load_catalog
from checker.engines.rego import RegoEngine, rule_input
from checker.ruletest import case_names, commit_fixture, load_spec
from checker.scan import ScanOptions, run_scan
from conftest import REPO_ROOT

CATALOG = load_catalog()
PROJECTED = [r for r in CATALOG.rules if r.engine == "rego"
             and ({"attrs", "provenance", "where"} & set(r.check.get("input", {}))
                  or any(isinstance(e, dict) for e in r.check.get("input", {}).get("edges", [])))]


def unprojected(rule):
    """The rule with every node of its kinds, every attribute, the provenance and every edge
    of its edge kinds."""
    declared = {k: v for k, v in rule.check["input"].items() if k not in ("attrs", "provenance", "where")}
    if "edges" in declared:
        declared["edges"] = [e if isinstance(e, str) else e["kind"] for e in declared["edges"]]
    return dataclasses.replace(rule, check=dict(rule.check, input=declared))


def graph_of(rule, case: str):
    case_dir = rule.fixture_dir / case
    spec = load_spec(case_dir)
    opts = ScanOptions(only=[rule.id], params=spec.get("params", {}))
    with tempfile.TemporaryDirectory(prefix="mlcheck-projection-") as tmp:
        if (case_dir / "snapshot.json").is_file():
            opts.from_snapshot = case_dir / "snapshot.json"
        else:
            estate = Path(tmp) / "estate"
            shutil.copytree(case_dir / "estate", estate, symlinks=True)
            if spec.get("git"):
                commit_fixture(estate)
            opts.paths = [str(estate)]
        return run_scan(opts).graph, spec.get("params", {})


def answers(rule, graph, params) -> tuple:
    result = RegoEngine(CATALOG.policy_files, params).evaluate([rule], graph)[rule.id]
    assert result.error is None, result.error
    return result.hits, result.undetermined


def test_some_builtin_rules_declare_what_they_read():
    assert {r.id for r in PROJECTED} >= {"MLC-LIN-002", "MLC-LIN-003", "MLC-DATA-002", "MLC-NET-007"}


@pytest.mark.parametrize("rule", PROJECTED, ids=lambda r: r.id)
def test_projection_changes_no_answer_on_any_fixture_or_the_sample(rule):
    graphs = [graph_of(rule, case) for case in case_names(rule)]
    graphs.append((run_scan(ScanOptions(paths=[str(REPO_ROOT / "samples" / "estate")])).graph, {}))
    for graph, params in graphs:
        assert answers(rule, graph, params) == answers(unprojected(rule), graph, params)


def test_projection_keeps_only_the_named_attributes_of_the_named_kinds():
    rule = next(r for r in PROJECTED if r.id == "MLC-LIN-002")
    graph = run_scan(ScanOptions(paths=[str(REPO_ROOT / "samples" / "estate")])).graph
    doc = rule_input(rule, graph)
    kept = rule.check["input"]["attrs"]
    runs = [n for n in doc["nodes"].values() if n["kind"] == "run"]
    assert runs and all(set(n["attrs"]) <= set(kept["run"]) for n in runs)
    full = rule_input(unprojected(rule), graph)
    assert any(set(n["attrs"]) - set(kept["run"]) for n in full["nodes"].values() if n["kind"] == "run")


def test_nodes_come_without_provenance_when_the_rule_says_it_reads_none():
    rule = next(r for r in PROJECTED if r.id == "MLC-LIN-002")
    assert rule.check["input"]["provenance"] is False
    graph = run_scan(ScanOptions(paths=[str(REPO_ROOT / "samples" / "estate")])).graph
    doc = rule_input(rule, graph)
    assert doc["nodes"] and all(set(n) == {"kind", "attrs"} for n in doc["nodes"].values())
    assert all("provenance" in n for n in rule_input(unprojected(rule), graph)["nodes"].values())
