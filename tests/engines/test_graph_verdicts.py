"""GraphEvaluator.matches / select answer through VerdictTests, conditions compiled without
evidence; the graph rules' findings through match_verdict / holds, with it. Both must give
every node the same verdict (true, false or unknown): generated graphs — attributes
missing, unknown, of odd types; edges of several kinds, cycles, self-loops — and generated
conditions of every form are judged both ways."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.engines.graph import GraphEvaluator
from checker.graph import EstateGraph

KINDS = ["run", "dataset", "model_version"]
EDGES = ["reads", "produced_by", "uses"]
NAMES = ["a", "b", "c.d"]
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["x", "y", "xy", "prod"]),
                   st.lists(st.sampled_from(["x", "prod", 1]), max_size=3))


@st.composite
def graphs(draw) -> EstateGraph:
    graph = EstateGraph()
    ids = []
    for i in range(draw(st.integers(1, 8))):
        attrs = {}
        # A fact is unknown (recorded under attrs.unknown, its value absent) or has a value.
        unknown = draw(st.lists(st.sampled_from(["a", "c"]), max_size=2, unique=True))
        if unknown:
            attrs["unknown"] = {u: {"expression": f"var.{u}"} for u in unknown}
        for name in draw(st.lists(st.sampled_from(NAMES), max_size=3, unique=True)):
            if name.split(".")[0] in unknown:
                continue
            if name == "c.d":
                attrs["c"] = draw(st.one_of(st.just({"d": draw(VALUES)}), VALUES))
            else:
                attrs[name] = draw(VALUES)
        ids.append(graph.add_node(draw(st.sampled_from(KINDS)), f"n{i}", attrs))
    for src, dst, kind in draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids), st.sampled_from(EDGES)),
                                        max_size=14)):
        graph.add_edge(src, dst, kind)
    return graph


def attr_tests():
    ops = st.sampled_from(["equals", "not_equals", "in", "not_in", "exists", "missing", "regex", "glob",
                           "gt", "le", "contains"])

    def test(name, op):
        want = {"exists": True, "missing": True, "regex": "^x", "glob": "x*", "in": ["x", 1, None],
                "not_in": ["prod", 2], "gt": 0, "le": 1}.get(op)
        return {"attr": name, op: want} if want is not None else st.builds(
            lambda v: {"attr": name, op: v}, st.sampled_from(["x", "prod", 1, True]))
    return st.builds(lambda name, op: (name, op), st.sampled_from(NAMES), ops).flatmap(
        lambda t: (lambda c: c if isinstance(c, st.SearchStrategy) else st.just(c))(test(*t)))


def selectors(conditions):
    return st.fixed_dictionaries({"kind": st.sampled_from(KINDS + [KINDS[:2]])},
                                 optional={"where": conditions})


conditions = st.recursive(
    attr_tests(),
    lambda inner: st.one_of(
        st.builds(lambda cs: {"all": cs}, st.lists(inner, max_size=3)),
        st.builds(lambda cs: {"any": cs}, st.lists(inner, max_size=3)),
        st.builds(lambda c: {"not": c}, inner),
        st.builds(lambda via, d, to: {"path": {"via": via, "direction": d, "to": to}},
                  st.lists(st.one_of(st.sampled_from(EDGES), st.lists(st.sampled_from(EDGES), min_size=1)),
                           max_size=3),
                  st.sampled_from(["in", "out"]), selectors(inner)),
        st.builds(lambda via, depth, to: {"path": {"via_any": via, "max_depth": depth, "to": to}},
                  st.lists(st.sampled_from(EDGES), min_size=1), st.integers(1, 3), selectors(inner)),
        st.builds(lambda edge, d, lo, to: {"neighbors": {"edge": edge, "direction": d, "min": lo,
                                                          **({"to": to} if to else {})}},
                  st.sampled_from(EDGES), st.sampled_from(["in", "out", "both"]), st.integers(0, 2),
                  st.one_of(st.none(), selectors(inner))),
    ),
    max_leaves=8)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), selectors(conditions))
def test_compiled_verdicts_are_the_evaluators_verdicts(graph, selector):
    evaluator = GraphEvaluator(graph)
    for nid in graph.g:
        assert evaluator.matches(nid, selector) is evaluator.match_verdict(nid, selector).ok, (nid, selector)
    assert evaluator.select(selector) == [n for n in evaluator.index.candidates(selector)
                                          if evaluator.match_verdict(n, selector).ok is True]


# Paths and neighbour counts at the top, over attribute tests: the recursive strategy
# above reaches them less often than their unknowns deserve.
edge_conditions = st.one_of(
    st.builds(lambda via, d, to: {"path": {"via": via, "direction": d, "to": to}},
              st.lists(st.sampled_from(EDGES), min_size=1, max_size=2), st.sampled_from(["in", "out"]),
              selectors(attr_tests())),
    st.builds(lambda via, depth, to: {"path": {"via_any": via, "max_depth": depth, "to": to}},
              st.lists(st.sampled_from(EDGES), min_size=1), st.integers(1, 3), selectors(attr_tests())),
    st.builds(lambda edge, d, to: {"neighbors": {"edge": edge, "direction": d, "min": 1, "to": to}},
              st.sampled_from(EDGES), st.sampled_from(["in", "out", "both"]), selectors(attr_tests())))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.sampled_from(KINDS), edge_conditions)
def test_compiled_searches_are_the_evaluators_searches(graph, kind, cond):
    test_compiled_verdicts_are_the_evaluators_verdicts.hypothesis.inner_test(graph, {"kind": kind, "where": cond})


def test_a_path_through_an_unknown_target_is_unknown_and_a_known_one_wins():
    graph = EstateGraph()
    run = graph.add_node("run", "r")
    unknown = graph.add_node("dataset", "d1", {"unknown": {"a": {"expression": "var.a"}}})
    graph.add_edge(run, unknown, "reads")
    selector = {"kind": "run", "where": {"path": {"via": ["reads"], "to": {"kind": "dataset",
                                                                           "where": {"attr": "a", "equals": 1}}}}}
    evaluator = GraphEvaluator(graph)
    assert evaluator.matches(run, selector) is None
    known = graph.add_node("dataset", "d2", {"a": 1})
    graph.add_edge(run, known, "reads")
    assert GraphEvaluator(graph).matches(run, selector) is True
