"""The graph's door (checker/graph.py EstateGraph.add_node/add_edge): nodes and edges go
straight into networkx's dicts, so the result must be what networkx's own add_node and
add_edge build — same nodes in the same order, same data, same edge keys, one key dict
shared by both ends — and networkx's own functions must read it as theirs."""
from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.graph import EstateGraph, Provenance

PROV = Provenance("folder", "estate/a.yml", 3, "2026-11-30T00:00:00+00:00")


def build(graph: EstateGraph) -> None:
    """A small estate with every case of the door: a second sighting, a repeated edge kind,
    two kinds between one pair, a self-loop, edge attributes, nested attrs."""
    graph.add_node("repo", "fs:.", {"path": ".", "vcs": "none"}, Provenance("folder", "estate"))
    graph.add_node("file", "fs:./a.yml", {"path": "a.yml", "size": 10, "tags": ("x", "y")}, PROV)
    graph.add_node("pipeline", "fs:./a.yml#wf", {"triggers": [{"push": None}], "env": {"A": "1"}}, PROV)
    graph.add_node("job", "fs:./a.yml#wf.build", None, None)
    graph.add_node("file", "fs:./a.yml", {"role": "config"}, Provenance("other", "elsewhere"))
    graph.add_edge("repo:fs:.", "file:fs:./a.yml", "contains")
    graph.add_edge("repo:fs:.", "file:fs:./a.yml", "contains", note="second")    # one per kind
    graph.add_edge("pipeline:fs:./a.yml#wf", "file:fs:./a.yml", "defined_in", line=1)
    graph.add_edge("pipeline:fs:./a.yml#wf", "file:fs:./a.yml", "uses")
    graph.add_edge("pipeline:fs:./a.yml#wf", "job:fs:./a.yml#wf.build", "contains")
    graph.add_edge("job:fs:./a.yml#wf.build", "job:fs:./a.yml#wf.build", "needs")


def networkx_built() -> nx.MultiDiGraph:
    """The same estate through networkx's public API, as the door did before."""
    g = nx.MultiDiGraph()
    file_prov = PROV.as_dict()
    g.add_node("repo:fs:.", kind="repo", attrs={"path": ".", "vcs": "none"},
               provenance=Provenance("folder", "estate").as_dict())
    g.add_node("file:fs:./a.yml", kind="file", attrs={"path": "a.yml", "size": 10, "tags": ["x", "y"]},
               provenance=file_prov)
    g.add_node("pipeline:fs:./a.yml#wf", kind="pipeline",
               attrs={"triggers": [{"push": None}], "env": {"A": "1"}}, provenance=file_prov)
    g.add_node("job:fs:./a.yml#wf.build", kind="job", attrs={}, provenance={})
    g.nodes["file:fs:./a.yml"]["attrs"]["role"] = "config"
    g.add_edge("repo:fs:.", "file:fs:./a.yml", key="contains", kind="contains")
    g.add_edge("pipeline:fs:./a.yml#wf", "file:fs:./a.yml", key="defined_in", kind="defined_in", line=1)
    g.add_edge("pipeline:fs:./a.yml#wf", "file:fs:./a.yml", key="uses", kind="uses")
    g.add_edge("pipeline:fs:./a.yml#wf", "job:fs:./a.yml#wf.build", key="contains", kind="contains")
    g.add_edge("job:fs:./a.yml#wf.build", "job:fs:./a.yml#wf.build", key="needs", kind="needs")
    return g


def test_the_door_builds_what_networkx_builds():
    graph = EstateGraph()
    build(graph)
    g, want = graph.g, networkx_built()
    assert list(g.nodes(data=True)) == list(want.nodes(data=True))          # order and data
    assert list(g.edges(keys=True, data=True)) == list(want.edges(keys=True, data=True))
    assert g._succ == want._succ and g._pred == want._pred
    for name in ("_succ", "_pred"):      # the adjacency in networkx's own order, key order too
        assert [(n, [(m, list(keys)) for m, keys in nbrs.items()]) for n, nbrs in getattr(g, name).items()] == \
               [(n, [(m, list(keys)) for m, keys in nbrs.items()]) for n, nbrs in getattr(want, name).items()]
    for u, nbrs in g._succ.items():      # one key dict for both ends, as networkx shares it
        for v, keys in nbrs.items():
            assert g._pred[v][u] is keys
    assert graph.node("file:fs:./a.yml")["provenance"]["source"] == "estate/a.yml"    # first wins
    assert graph.ids_by_kind() == {"repo": ["repo:fs:."], "file": ["file:fs:./a.yml"],
                                   "pipeline": ["pipeline:fs:./a.yml#wf"], "job": ["job:fs:./a.yml#wf.build"]}


def test_networkx_reads_the_graph_as_its_own():
    graph = EstateGraph()
    build(graph)
    g, want = graph.g, networkx_built()
    assert nx.descendants(g, "repo:fs:.") == nx.descendants(want, "repo:fs:.") == {"file:fs:./a.yml"}
    assert sorted(g.in_edges("file:fs:./a.yml", keys=True)) == sorted(want.in_edges("file:fs:./a.yml", keys=True))
    assert g.number_of_edges() == 5 and g.has_edge("pipeline:fs:./a.yml#wf", "file:fs:./a.yml", key="uses")
    assert nx.utils.graphs_equal(g, want)
    g.remove_edge("pipeline:fs:./a.yml#wf", "file:fs:./a.yml", key="uses")   # networkx edits it
    graph.add_edge("pipeline:fs:./a.yml#wf", "file:fs:./a.yml", "uses")       # and the door again
    assert g.has_edge("pipeline:fs:./a.yml#wf", "file:fs:./a.yml", key="uses")
    assert g._pred["file:fs:./a.yml"]["pipeline:fs:./a.yml#wf"] is g._succ["pipeline:fs:./a.yml#wf"]["file:fs:./a.yml"]


def test_every_change_drops_what_networkx_cached_of_the_graph():
    """networkx keeps converted copies of a graph in its __networkx_cache__ and clears them
    on every change it makes; the door changes the graph too, so it clears them as well."""
    graph = EstateGraph()
    graph.add_node("repo", "fs:.")
    for change in (lambda: graph.add_node("file", "fs:./b.py"),
                   lambda: graph.add_edge("repo:fs:.", "file:fs:./b.py", "contains")):
        graph.g.__networkx_cache__["backends"] = {"stale": "copy"}
        change()
        assert graph.g.__networkx_cache__ == {}


def test_the_door_refuses_unknown_kinds_and_ends_and_changes_nothing():
    graph = EstateGraph()
    graph.add_node("repo", "fs:.")
    with pytest.raises(ValueError, match="unknown node kind 'bucket'"):
        graph.add_node("bucket", "x")
    with pytest.raises(ValueError, match="unknown edge kind 'owns'"):
        graph.add_edge("repo:fs:.", "repo:fs:.", "owns")
    with pytest.raises(KeyError, match="edge contains refers to unknown node file:fs:./gone.py"):
        graph.add_edge("repo:fs:.", "file:fs:./gone.py", "contains")
    with pytest.raises(KeyError, match="unknown node file:fs:./gone.py"):
        graph.add_edge("file:fs:./gone.py", "repo:fs:.", "contains")
    assert list(graph.g.nodes) == ["repo:fs:."] and graph.g.number_of_edges() == 0
    assert graph.g._succ == {"repo:fs:.": {}} and graph.g._pred == {"repo:fs:.": {}}


def test_ids_and_ends_pass_the_redaction_door():
    """A node id holding a token is masked, and an edge named by the raw id still finds it."""
    token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    graph = EstateGraph()
    repo = graph.add_node("repo", "fs:.")
    nid = graph.add_node("file", f"fs:./{token}.yml", {"path": f"{token}.yml"}, PROV)
    assert token not in nid and token not in str(graph.node(nid))
    graph.add_edge(repo, f"file:fs:./{token}.yml", "contains")
    assert list(graph.out_edges(repo, "contains")) == [nid]
    assert token not in repr(graph.g._succ) + repr(graph.g._pred)


KINDS = ("contains", "needs", "defined_in", "uses")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.sampled_from(KINDS)), max_size=30))
def test_edges_of_a_node_are_networkx_s_edges_in_its_order(edges):
    """out_edges / in_edges read networkx's adjacency dicts: the same ends, one per edge (two
    kinds between the same pair: twice), in the order its edge views give them."""
    graph = EstateGraph()
    ids = [graph.add_node("job", f"ci:x#{i}") for i in range(6)]
    for src, dst, kind in edges:
        graph.add_edge(ids[src], ids[dst], kind)
    for nid in ids + ["job:ci:x#missing"]:
        for kind in (None, *KINDS):
            assert list(graph.out_edges(nid, kind)) == \
                [d for _, d, k in graph.g.out_edges(nid, keys=True) if kind in (None, k)]
            assert list(graph.in_edges(nid, kind)) == \
                [s for s, _, k in graph.g.in_edges(nid, keys=True) if kind in (None, k)]
