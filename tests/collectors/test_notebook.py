"""Notebook parser against nbformat's schema types: real .ipynb text (shapes from the nbformat
format description, v4 cells and v3 worksheets), each wrong type one error naming its field
and line, the rest of the notebook's facts kept. Lines come from a second, line-aware read,
paid for only by a notebook with something to report."""
from __future__ import annotations

import copy
import json

import pytest

from checker.collectors import CollectContext, FileRef, notebook
from checker.collectors.notebook import NotebookParser, line_of_path, load_json_lines
from checker.graph import EstateGraph

V4 = {"nbformat": 4, "nbformat_minor": 5,
      "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                   "language_info": {"name": "python"}},
      "cells": [{"cell_type": "markdown", "id": "m0", "metadata": {}, "source": ["# Train"]},
                {"cell_type": "code", "id": "c1", "metadata": {}, "execution_count": 1, "source": "x = 1",
                 "outputs": [{"output_type": "stream", "name": "stdout", "text": ["1\n"]}]},
                {"cell_type": "code", "id": "c2", "metadata": {}, "execution_count": None, "source": [],
                 "outputs": []}]}
V3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": "legacy"},
      "worksheets": [{"metadata": {}, "cells": [
          {"cell_type": "code", "language": "python", "input": ["x = 1\n", "x"], "prompt_number": 1,
           "metadata": {}, "collapsed": False, "outputs": [{"output_type": "pyout", "text": ["1"]}]},
          {"cell_type": "heading", "level": 1, "metadata": {}, "source": "Notes"}]}]}


def parse(text: str) -> tuple[EstateGraph, dict]:
    graph = EstateGraph()
    tree = graph.add_node("repo", "fs:.", {"path": ".", "vcs": "none"})
    node = graph.add_node("file", "fs:./nb.ipynb", {"path": "nb.ipynb"})
    NotebookParser().parse(FileRef(node, "nb.ipynb", "nb.ipynb", tree, "fs:.", None), text.encode(),
                           CollectContext(graph))
    return graph, graph.node(node)["attrs"]


def with_value(doc: dict, path: tuple, value) -> dict:
    out = copy.deepcopy(doc)
    cur = out
    for part in path[:-1]:
        cur = cur[part]
    cur[path[-1]] = value
    return out


def line_of(doc: dict, path: tuple) -> int:
    """The line json.dumps(indent=1) puts the value at `path` on: a marker string written in
    its place, found in the text (the lines before it do not change)."""
    text = json.dumps(with_value(doc, path, "@@HERE@@"), indent=1)
    return text[:text.index('"@@HERE@@"')].count("\n") + 1


@pytest.mark.parametrize("doc, path, value, reason", [
    (V4, ("nbformat_minor",), 1.5, "nbformat_minor: expected an integer, found a number (1.5)"),
    (V4, ("metadata",), 5, "metadata: expected an object, found a number (5)"),
    (V4, ("metadata", "kernelspec"), ["a"], "metadata.kernelspec: expected an object, found a list"),
    (V4, ("metadata", "language_info"), "py", "metadata.language_info: expected an object, found a string"),
    (V4, ("cells", 1), ["a"], "cells[1]: expected a cell object, found a list"),
    (V4, ("cells", 1, "cell_type"), {"a": 1}, "cells[1].cell_type: expected a string, found an object"),
    (V4, ("cells", 0, "source"), 5, "cells[0].source: expected a string or a list of strings, found a number (5)"),
    (V4, ("cells", 1, "source"), ["x", 5], "cells[1].source: expected a string or a list of strings, found a list"),
    (V4, ("cells", 1, "metadata"), "m", "cells[1].metadata: expected an object, found a string"),
    (V4, ("cells", 1, "outputs"), 5, "cells[1].outputs: expected a list, found a number (5)"),
    (V4, ("cells", 1, "outputs", 0), 5, "cells[1].outputs[0]: expected an output object, found a number (5)"),
    (V4, ("cells", 1, "execution_count"), True,
     "cells[1].execution_count: expected an integer or null, found a boolean (true)"),
    (V4, ("cells", 1, "execution_count"), 1e400,
     "cells[1].execution_count: expected an integer or null, found a number (inf)"),
    (V3, ("worksheets", 0), 5, "worksheets[0]: expected a worksheet object, found a number (5)"),
    (V3, ("worksheets", 0, "cells"), {}, "worksheets[0].cells: expected a list, found an object"),
    (V3, ("worksheets", 0, "cells", 0, "input"), {"a": 1},
     "worksheets[0].cells[0].input: expected a string or a list of strings, found an object"),
    (V3, ("worksheets", 0, "cells", 0, "prompt_number"), "1",
     "worksheets[0].cells[0].prompt_number: expected an integer or null, found a string"),
])
def test_a_wrong_type_is_one_error_with_its_field_and_line(doc, path, value, reason):
    text = json.dumps(with_value(doc, path, value), indent=1)
    graph, attrs = parse(text)
    assert [(e.reason, e.line) for e in graph.errors] == [(reason, line_of(doc, path))]
    assert "nb_format" in attrs                 # the rest of the notebook is still read


def test_the_same_notebooks_with_the_right_types_are_clean():
    for doc, cells in ((V4, 3), (V3, 2)):
        graph, attrs = parse(json.dumps(doc, indent=1))
        assert (graph.errors, attrs["nb_cells"], attrs["nb_executed_cells"]) == ([], cells, 1)


def test_lines_are_where_the_values_start():
    text = '{\n "nbformat": 4,\n "cells": [\n  {"a": 1,\n   "b":\n    [1,\n     2]}\n ]\n}\n'
    doc = load_json_lines(text)
    assert doc == json.loads(text)
    assert [line_of_path(doc, p) for p in [("nbformat",), ("cells",), ("cells", 0), ("cells", 0, "b"),
                                            ("cells", 0, "b", 1), ("missing",), ()]] == [2, 3, 4, 6, 7, 1, 1]


def test_a_wrong_value_costs_only_its_own_facts():
    graph, attrs = parse(json.dumps(with_value(V4, ("cells", 1, "execution_count"), [1]), indent=1))
    assert len(graph.errors) == 1
    assert (attrs["nb_cells"], attrs["nb_code_cells"], attrs["nb_cells_with_outputs"]) == (3, 2, 1)
    assert (attrs["nb_executed_cells"], attrs["nb_kernel"], attrs["nb_language"]) == (0, "python3", "python")
    graph, attrs = parse(json.dumps(with_value(V4, ("cells",), "text"), indent=1))
    assert "nb_cells" not in attrs and attrs["nb_kernel"] == "python3"      # no cells to count


def test_huge_integers_are_read_not_lost():
    text = json.dumps(V4, indent=1).replace('"execution_count": 1', '"execution_count": ' + "9" * 5000)
    graph, attrs = parse(text)
    line = line_of(V4, ("cells", 1, "execution_count"))
    assert [(e.reason, e.line) for e in graph.errors] == [
        ("cells[1].execution_count: expected an integer or null, found an integer of 5000 digits, "
         "past the 4300-digit limit", line)]
    assert attrs["nb_cells"] == 3
    # in a field nbformat leaves free, it is valid JSON nobody reads: no error
    free = json.dumps(with_value(V4, ("metadata", "widgets"), 0)).replace('"widgets": 0', '"widgets": ' + "9" * 5000)
    assert parse(free)[0].errors == []


def test_several_problems_are_one_error_at_the_first():
    doc = with_value(with_value(V4, ("cells", 2, "outputs"), 7), ("metadata", "kernelspec"), 1)
    text = json.dumps(doc, indent=1)
    graph, _ = parse(text)
    assert [(e.reason, e.line) for e in graph.errors] == [
        ("metadata.kernelspec: expected an object, found a number (1) (and 1 more problem)",
         line_of(doc, ("metadata", "kernelspec")))]


@pytest.mark.parametrize("doc, reason, line", [
    ({"nbformat": "4", "cells": []}, "not a notebook: no integer 'nbformat' at the top level (found a string)", 2),
    ({"cells": []}, "not a notebook: no integer 'nbformat' at the top level", None),
    ({"nbformat": 5, "cells": []}, "unsupported nbformat 5 (expected 3 or 4)", 2),
    ({"nbformat": 4}, "cells: missing; an nbformat 4 notebook has a list of cells", None),
])
def test_no_notebook_at_all(doc, reason, line):
    graph, attrs = parse(json.dumps(doc, indent=1))
    assert [(e.reason, e.line) for e in graph.errors] == [(reason, line)]


def test_a_clean_notebook_never_pays_for_lines(monkeypatch):
    def refuse(text):
        raise AssertionError("the line-aware read ran for a clean notebook")
    monkeypatch.setattr(notebook, "load_json_lines", refuse)
    big = with_value(V4, ("cells",), V4["cells"] * 2000)
    graph, attrs = parse(json.dumps(big))
    assert (graph.errors, attrs["nb_cells"]) == ([], 6000)
    with pytest.raises(AssertionError, match="line-aware read ran"):
        parse(json.dumps(with_value(big, ("nbformat_minor",), "5")))
