"""The native graph engine: predicates, combinators, paths, neighbour counts, evidence."""
from __future__ import annotations

import pytest

from checker.rule import Rule, RuleError
from checker.engines.graph import GraphEvaluator, evaluate, render_message, validate_conditions
from checker.graph import EstateGraph


def lineage_graph() -> EstateGraph:
    """mv1 → run1 → commit (full lineage); mv2 → run2 (no commit); mv3 (no run)."""
    g = EstateGraph()
    g.add_node("model", "m/churn", {"name": "churn"})
    for v, attrs in ((1, {"stage": "Production", "aliases": ["champion"]}),
                     (2, {"stage": "Staging", "aliases": []}),
                     (3, {"stage": "None", "aliases": [], "tags": {"team": "risk"}})):
        mv = g.add_node("model_version", f"m/churn/{v}", {"name": "churn", "version": v, **attrs})
        g.add_edge(mv, "model:m/churn", "version_of")
    g.add_node("run", "r1", {"run_id": "r1", "metrics_count": 3, "source_name": "train.py"})
    g.add_node("run", "r2", {"run_id": "r2", "metrics_count": 0, "source_name": "nb.ipynb"})
    g.add_node("commit", "git:.@abc", {"sha": "abc"})
    g.add_edge("model_version:m/churn/1", "run:r1", "produced_by")
    g.add_edge("model_version:m/churn/2", "run:r2", "produced_by")
    g.add_edge("run:r1", "commit:git:.@abc", "built_from")
    return g


def rule(check: dict, rule_id: str = "T-001") -> Rule:
    return Rule(id=rule_id, title="test rule", severity="high", category="test", controls={},
                description="a test rule", remediation="fix it", check=check, path="t.yaml")


def flagged(g: EstateGraph, check: dict) -> list[str]:
    r = rule(check)
    validate_conditions(r)
    return sorted(h.node for h in evaluate(r, GraphEvaluator(g)).hits)


LINEAGE = {"path": {"via": ["produced_by", "built_from"], "to": {"kind": "commit"}}}


def test_require_path_flags_versions_without_commit_and_says_where_it_stopped():
    g = lineage_graph()
    r = rule({"match": {"kind": "model_version"}, "require": LINEAGE})
    result = evaluate(r, GraphEvaluator(g))
    assert result.applicable == 3
    hits = {h.node: h for h in result.hits}
    assert sorted(hits) == ["model_version:m/churn/2", "model_version:m/churn/3"]
    trace2 = hits["model_version:m/churn/2"].evidence["trace"][0]
    assert trace2["path"] == ["model_version:m/churn/2", "run:r2"]
    assert trace2["missing_edge"] == "built_from" and trace2["found"] is False
    trace3 = hits["model_version:m/churn/3"].evidence["trace"][0]
    assert trace3["missing_edge"] == "produced_by" and trace3["stopped_at"] == ["model_version:m/churn/3"]


def test_forbid_path_records_the_path_found():
    g = lineage_graph()
    r = rule({"match": {"kind": "model_version"}, "forbid": LINEAGE})
    result = evaluate(r, GraphEvaluator(g))
    assert [h.node for h in result.hits] == ["model_version:m/churn/1"]
    assert result.hits[0].evidence["trace"][0]["path"] == [
        "model_version:m/churn/1", "run:r1", "commit:git:.@abc"]


def test_path_to_selector_that_does_not_match_is_its_own_state():
    g = lineage_graph()
    r = rule({"match": {"kind": "model_version", "where": {"attr": "version", "equals": 1}},
              "require": {"path": {"via": ["produced_by", "built_from"],
                                   "to": {"kind": "commit", "where": {"attr": "sha", "equals": "zzz"}}}}})
    hit = evaluate(r, GraphEvaluator(g)).hits[0]
    assert hit.evidence["trace"][0]["reason"] == (
        "reached commit:git:.@abc, which does not match a commit with sha equals 'zzz'")


def test_via_any_reaches_over_several_steps_and_incoming_direction():
    g = lineage_graph()
    assert flagged(g, {"match": {"kind": "commit"},
                       "forbid": {"path": {"via_any": ["produced_by", "built_from"], "direction": "in",
                                           "to": {"kind": "model_version"}}}}) == ["commit:git:.@abc"]
    assert flagged(g, {"match": {"kind": "commit"},
                       "forbid": {"path": {"via_any": ["built_from"], "direction": "in", "max_depth": 1,
                                           "to": {"kind": "model_version"}}}}) == []


def test_alternative_edge_kinds_at_one_step():
    g = lineage_graph()
    g.add_node("dataset", "d1", {})
    g.add_edge("run:r2", "dataset:d1", "reads")
    check = {"match": {"kind": "model_version"},
             "require": {"path": {"via": ["produced_by", ["built_from", "reads"]],
                                  "to": {"kind": ["commit", "dataset"]}}}}
    assert flagged(g, check) == ["model_version:m/churn/3"]


@pytest.mark.parametrize("cond, expected", [
    ({"attr": "stage", "equals": "Production"}, ["1"]),
    ({"attr": "stage", "not_equals": "Production"}, ["2", "3"]),
    ({"attr": "stage", "in": ["Staging", "None"]}, ["2", "3"]),
    ({"attr": "stage", "not_in": ["Staging", "None"]}, ["1"]),
    ({"attr": "tags", "exists": True}, ["3"]),
    ({"attr": "tags", "missing": True}, ["1", "2"]),
    ({"attr": "tags.team", "equals": "risk"}, ["3"]),
    ({"attr": "stage", "regex": "^Prod"}, ["1"]),
    ({"attr": "stage", "glob": "Sta*"}, ["2"]),
    ({"attr": "version", "gt": 2}, ["3"]),
    ({"attr": "version", "ge": 2}, ["2", "3"]),
    ({"attr": "version", "lt": 2}, ["1"]),
    ({"attr": "version", "le": 2}, ["1", "2"]),
    ({"attr": "aliases", "contains": "champion"}, ["1"]),
    ({"all": [{"attr": "version", "ge": 2}, {"attr": "stage", "equals": "Staging"}]}, ["2"]),
    ({"any": [{"attr": "version", "equals": 1}, {"attr": "stage", "equals": "None"}]}, ["1", "3"]),
    ({"not": {"attr": "version", "equals": 1}}, ["2", "3"]),
])
def test_attribute_predicates_and_combinators(cond, expected):
    got = flagged(lineage_graph(), {"match": {"kind": "model_version", "where": cond}})
    assert got == [f"model_version:m/churn/{v}" for v in expected]


def test_numeric_operators_never_match_booleans_or_strings():
    g = EstateGraph()
    g.add_node("file", "a", {"size": True})
    g.add_node("file", "b", {"size": "10"})
    g.add_node("file", "c", {"size": 10})
    assert flagged(g, {"match": {"kind": "file", "where": {"attr": "size", "gt": 0}}}) == ["file:c"]


def test_neighbour_counts_min_and_max():
    g = lineage_graph()
    assert flagged(g, {"match": {"kind": "model"},
                       "require": {"neighbors": {"edge": "version_of", "direction": "in", "max": 2}}}) \
        == ["model:m/churn"]
    assert flagged(g, {"match": {"kind": "model"},
                       "require": {"neighbors": {"edge": "version_of", "direction": "in", "min": 3,
                                                 "to": {"kind": "model_version"}}}}) == []
    assert flagged(g, {"match": {"kind": "run"},
                       "require": {"neighbors": {"edge": "built_from", "min": 1}}}) == ["run:r2"]


def test_id_glob_selector_and_message_template():
    g = lineage_graph()
    r = rule({"match": {"kind": "run", "id": "run:r2"},
              "message": "Run {attrs.run_id} from {attrs.source_name} ({kind}, {attrs.nope})"})
    hit = evaluate(r, GraphEvaluator(g)).hits[0]
    assert hit.node == "run:r2"
    assert hit.message == "Run r2 from nb.ipynb (run, ?)"


def test_facts_in_evidence_are_the_attributes_the_rule_read():
    r = rule({"match": {"kind": "run", "where": {"attr": "metrics_count", "equals": 0}}})
    hit = evaluate(r, GraphEvaluator(lineage_graph())).hits[0]
    assert hit.evidence["facts"] == {"metrics_count": 0}


def test_message_template_cannot_reach_python_internals():
    g = lineage_graph()
    assert render_message("{attrs.__class__}", "run:r1", g.node("run:r1")) == "?"
    assert render_message("{0.__init__}", "run:r1", g.node("run:r1")) == "{0.__init__}"


def test_attribute_test_with_two_operators_is_a_rule_error():
    with pytest.raises(RuleError, match="exactly one"):
        validate_conditions(rule({"match": {"kind": "run", "where": {"attr": "x", "equals": 1, "gt": 0}}}))
    with pytest.raises(RuleError, match="invalid regex"):
        validate_conditions(rule({"match": {"kind": "run", "where": {"attr": "x", "regex": "("}}}))


def test_contains_with_mismatched_types_is_false_not_a_crash():
    g = EstateGraph()
    g.add_node("run", "a", {"tags": {"team": "risk"}, "name": "churn-v1", "aliases": ["x"]})
    for cond in ({"attr": "tags", "contains": ["team"]}, {"attr": "name", "contains": 5},
                 {"attr": "aliases", "contains": ["x"]}):
        assert flagged(g, {"match": {"kind": "run", "where": cond}}) == []
    assert flagged(g, {"match": {"kind": "run", "where": {"attr": "tags", "contains": "team"}}}) == ["run:a"]


def test_rego_rule_applies_to_is_validated_when_the_catalog_loads(tmp_path):
    from checker.catalog import load_rule
    path = tmp_path / "X-001.yaml"
    path.write_text("id: X-001\ntitle: Bad selector here\nseverity: low\ncategory: c\ncontrols: {}\n"
                    "description: A rule with a bad regex.\nremediation: Fix the regex.\n"
                    "check: {rego: data.x.y, applies_to: {kind: run, where: {attr: a, regex: '('}}}\n")
    with pytest.raises(RuleError, match="invalid regex"):
        load_rule(path)


# -- unknown is a state: three-valued conditions ------------------------------------------

def infra_graph() -> EstateGraph:
    """Workspaces whose public access is set, defaulted, or an unresolved variable."""
    g = EstateGraph()
    g.add_node("resource", "tf#ws_open", {"type": "ml_workspace", "public_network_access": True})
    g.add_node("resource", "tf#ws_closed", {"type": "ml_workspace", "public_network_access": False,
                                             "hbi": True})
    g.add_node("resource", "tf#ws_var", {"type": "ml_workspace", "hbi": False, "unknown": {
        "public_network_access": {"expression": "var.public", "reason": "variable without a default"}}})
    g.add_node("resource", "tf#sa", {"type": "storage_account", "unknown": {
        "public_blob_access": {"expression": "var.blob", "reason": "variable without a default"}}})
    g.add_edge("resource:tf#ws_open", "resource:tf#sa", "uses")
    g.add_edge("resource:tf#ws_var", "resource:tf#sa", "uses")
    return g


PUBLIC = {"attr": "public_network_access", "equals": True}


def outcome(g: EstateGraph, check: dict) -> tuple[list[str], list[str]]:
    result = evaluate(rule(check), GraphEvaluator(g))
    return sorted(h.node for h in result.hits), sorted(h.node for h in result.undetermined)


def test_an_unknown_fact_is_neither_pass_nor_fail_and_names_its_expression():
    g = infra_graph()
    result = evaluate(rule({"match": {"kind": "resource", "where": {"attr": "type", "equals": "ml_workspace"}},
                            "forbid": PUBLIC}), GraphEvaluator(g))
    assert [h.node for h in result.hits] == ["resource:tf#ws_open"]
    (undecided,) = result.undetermined
    assert undecided.node == "resource:tf#ws_var" and result.applicable == 3
    assert undecided.evidence["unknown"][0]["expression"] == "var.public"
    assert "public_network_access is var.public (variable without a default)" in undecided.message
    # require is the mirror image: still unknown, not a pass.
    assert outcome(g, {"match": {"kind": "resource", "where": {"attr": "type", "equals": "ml_workspace"}},
                       "require": {"attr": "public_network_access", "equals": False}}) == \
        (["resource:tf#ws_open"], ["resource:tf#ws_var"])


def test_all_any_not_in_three_valued_logic():
    g = infra_graph()
    ws = {"kind": "resource", "where": {"attr": "type", "equals": "ml_workspace"}}
    # all: a false part decides (ws_var has hbi false), else unknown.
    assert outcome(g, {"match": ws, "forbid": {"all": [PUBLIC, {"attr": "hbi", "equals": True}]}}) == ([], [])
    assert outcome(g, {"match": ws, "forbid": {"all": [PUBLIC, {"attr": "hbi", "equals": False}]}}) == \
        ([], ["resource:tf#ws_var"])
    # any: a true part decides, else unknown.
    assert outcome(g, {"match": ws, "forbid": {"any": [PUBLIC, {"attr": "hbi", "equals": False}]}}) == \
        (["resource:tf#ws_open", "resource:tf#ws_var"], [])
    assert outcome(g, {"match": ws, "forbid": {"any": [PUBLIC, {"attr": "hbi", "equals": True}]}}) == \
        (["resource:tf#ws_closed", "resource:tf#ws_open"], ["resource:tf#ws_var"])
    # not keeps unknown.
    assert outcome(g, {"match": ws, "forbid": {"not": PUBLIC}}) == (["resource:tf#ws_closed"], ["resource:tf#ws_var"])


def test_a_path_to_a_node_whose_fact_is_unknown_is_unknown_unless_another_path_decides():
    g = infra_graph()
    to_public_storage = {"path": {"via": ["uses"], "to": {"kind": "resource", "where": {
        "attr": "public_blob_access", "equals": True}}}}
    ws = {"kind": "resource", "where": {"attr": "type", "equals": "ml_workspace"}}
    hits, undecided = outcome(g, {"match": ws, "forbid": to_public_storage})
    assert hits == [] and undecided == ["resource:tf#ws_open", "resource:tf#ws_var"]
    g.add_node("resource", "tf#sa2", {"type": "storage_account", "public_blob_access": True})
    g.add_edge("resource:tf#ws_open", "resource:tf#sa2", "uses")
    assert outcome(g, {"match": ws, "forbid": to_public_storage}) == (["resource:tf#ws_open"], ["resource:tf#ws_var"])


def test_a_match_that_depends_on_an_unknown_fact_is_undetermined():
    g = infra_graph()
    assert outcome(g, {"match": {"kind": "resource", "where": PUBLIC}}) == \
        (["resource:tf#ws_open"], ["resource:tf#ws_var"])


def test_a_neighbour_count_is_unknown_only_when_the_undecided_peers_could_change_it():
    g = infra_graph()
    blob = {"kind": "resource", "where": {"attr": "public_blob_access", "equals": True}}
    ws = {"kind": "resource", "where": {"attr": "type", "equals": "ml_workspace"}}
    assert outcome(g, {"match": ws, "forbid": {"neighbors": {"edge": "uses", "to": blob, "min": 1}}}) == \
        ([], ["resource:tf#ws_open", "resource:tf#ws_var"])
    # max 5 holds whatever the undecided peer turns out to be.
    assert outcome(g, {"match": ws, "forbid": {"neighbors": {"edge": "uses", "to": blob, "max": 5}}}) == \
        (["resource:tf#ws_closed", "resource:tf#ws_open", "resource:tf#ws_var"], [])


# -- candidates narrowed by type ---------------------------------------------------------

TYPED_CONDITIONS = [
    {"attr": "type", "equals": "storage_account"},
    {"attr": "type", "in": ["storage_account", "key_vault"]},
    {"all": [{"attr": "type", "in": ["storage_account", "ml_workspace"]}, {"attr": "public", "equals": True}]},
    {"any": [{"attr": "type", "equals": "key_vault"}, {"attr": "type", "equals": "ml_workspace"}]},
    {"any": [{"attr": "type", "equals": "key_vault"}, {"attr": "public", "equals": True}]},   # no narrowing
    {"not": {"attr": "type", "equals": "key_vault"}},                                        # no narrowing
    {"all": [{"attr": "type", "equals": "key_vault"}, {"attr": "type", "equals": "storage_account"}]},
]


@pytest.mark.parametrize("cond", TYPED_CONDITIONS, ids=range(len(TYPED_CONDITIONS)))
def test_type_narrowed_candidates_drop_only_nodes_the_condition_rules_out(cond):
    """Every node the condition holds for, or cannot tell about, is still a candidate:
    nodes with no type, an unknown type or an odd one are never dropped."""
    g = EstateGraph()
    for i, (rtype, public) in enumerate([("storage_account", True), ("storage_account", False), ("key_vault", True),
                                         ("ml_workspace", True), ("other", True)]):
        g.add_node("resource", f"r{i}", {"type": rtype, "public": public})
    g.add_node("resource", "untyped", {"public": True})
    g.add_node("resource", "unknown", {"type": "x", "unknown": {"type": {"expression": "var.t", "reason": "r"}}})
    g.add_node("resource", "odd", {"type": ["storage_account"], "public": True})
    ev = GraphEvaluator(g)
    selector = {"kind": "resource", "where": cond}
    every = [n for n in ev.index.candidates({"kind": "resource"})]
    narrowed = ev.index.candidates(selector)
    assert set(narrowed) <= set(every)
    assert {n for n in every if ev.matches(n, selector) is not False} <= set(narrowed)
    assert {"resource:untyped", "resource:unknown", "resource:odd"} <= set(narrowed)
    assert ev.select(selector) == [n for n in every if ev.matches(n, selector) is True]
    if cond is TYPED_CONDITIONS[0]:                 # and it does narrow: the vault is not looked at
        assert set(narrowed) == {"resource:r0", "resource:r1", "resource:untyped", "resource:unknown", "resource:odd"}
