"""Folder collector (paths outside any repository) and the notebook parser's facts,
on real files in temp dirs."""
from __future__ import annotations

import fnmatch
import json
import os
import sys
from pathlib import Path

import pytest

from conftest import collect_graph, git, make_repo, run_cli, node_attrs as attrs, node_ids as ids, notebook, write_files
from checker.collectors import CollectContext, FileRef, file_parsers, load_registry
from checker.collectors.walker import walk, walk_entries
from checker.collectors.folder import FolderCollector
from checker.collectors.git import GitCollector
from checker.collectors.notebook import NotebookParser, notebook_facts
from checker.graph import EstateGraph

REGISTRY = {"git": GitCollector, "folder": FolderCollector, "notebook": NotebookParser}


def scan_graph(*paths, sources=()):
    return collect_graph(*paths, sources=sources, registry=REGISTRY)


# ---------------------------------------------------------------- plain folders


@pytest.fixture
def export(tmp_path):
    """An exported project: no git, data and a model beside a notebook, noise to skip."""
    root = tmp_path / "export"
    write_files(root, {
        "train.py": "import sklearn\n",
        "data/train.csv": "age,label\n31,1\n",
        "models/churn.pkl": b"\x80\x04K\x01.",
        "nb/eda.ipynb": notebook(outputs=True),
        "conf/params.yaml": "lr: 0.1\n",
        "README.md": "# export\n",
        "node_modules/pkg/index.py": "skip = True\n",
        ".venv/lib/site.py": "skip = True\n",
        "__pycache__/train.cpython-311.py": "skip\n",
    })
    return root


def test_folder_files_are_fs_nodes_without_commits(export, monkeypatch):
    monkeypatch.chdir(export.parent)
    graph = scan_graph("export")
    assert ids(graph, "repo") == {"repo:fs:."}
    assert attrs(graph, "repo:fs:.") == {"path": ".", "vcs": "none", "files_not_recorded": 1}  # README.md
    assert ids(graph, "commit") == set()
    assert ids(graph, "file") == {"file:fs:./train.py", "file:fs:./data/train.csv",
                                  "file:fs:./models/churn.pkl", "file:fs:./nb/eda.ipynb",
                                  "file:fs:./conf/params.yaml"}
    csv = attrs(graph, "file:fs:./data/train.csv")
    assert csv == {"path": "data/train.csv", "name": "train.csv", "ext": ".csv", "role": "data",
                   "size": len("age,label\n31,1\n")}        # no tracked/blob: not in git
    assert attrs(graph, "file:fs:./models/churn.pkl")["role"] == "model"
    assert attrs(graph, "file:fs:./conf/params.yaml")["role"] == "config"
    assert attrs(graph, "file:fs:./nb/eda.ipynb")["nb_cells_with_outputs"] == 2
    for nid in ids(graph, "file"):
        assert set(graph.in_edges(nid, "contains")) == {"repo:fs:."}
        prov = graph.node(nid)["provenance"]
        assert prov["collector"] == "folder"
        assert prov["source"] == "export/" + attrs(graph, nid)["path"]
        assert prov["collected_at"]
    assert graph.node("repo:fs:.")["provenance"]["source"] == "export"
    assert graph.errors == []


def test_folder_named_with_source_uses_its_name_as_label(export):
    graph = scan_graph(sources=[f"folder={export}"])
    assert "repo:fs:export" in graph and "file:fs:export/train.py" in graph
    assert graph.node("file:fs:export/train.py")["provenance"]["source"] == f"{export}/train.py"


def test_repositories_inside_a_folder_are_left_to_the_git_collector(export, tmp_path):
    make_repo(export / "service", {"serve.py": "app = 1\n", "nb/check.ipynb": notebook()})
    (export / "archive").mkdir()
    git(export / "archive", "clone", "-q", "--bare", str(export / "service"), "service.git")
    graph = scan_graph(export)
    assert {n for n in ids(graph, "file") if "service" in n} == {
        "file:git:service/serve.py", "file:git:service/nb/check.ipynb",
        "file:git:archive/service.git/serve.py", "file:git:archive/service.git/nb/check.ipynb"}
    assert not any(attrs(graph, n)["path"].startswith(("service/", "archive/"))
                   for n in graph.out_edges("repo:fs:.", "contains"))
    # Each work-tree file is one node: the folder's count of unrecorded files excludes repos.
    assert attrs(graph, "repo:fs:.")["files_not_recorded"] == 1
    assert attrs(graph, "file:git:service/serve.py")["tracked"] is True
    assert graph.errors == []


def test_symlinks_inside_the_folder_are_not_followed(export):
    (export / "data" / "latest.csv").symlink_to("train.csv")
    (export / "nb" / "current.ipynb").symlink_to("eda.ipynb")
    (export / "linked-models").symlink_to("models", target_is_directory=True)
    graph = scan_graph(export)
    assert "file:fs:./data/latest.csv" not in graph and "file:fs:./nb/current.ipynb" not in graph
    assert not any("linked-models" in n for n in ids(graph, "file"))
    assert "file:fs:./data/train.csv" in graph
    assert graph.errors == []


def test_folder_inside_a_repo_is_not_a_folder_source(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a/b.py": "x\n"})
    graph = scan_graph(repo / "a")
    assert ids(graph, "repo") == {"repo:git:."}
    assert ids(graph, "file") == {"file:git:./a/b.py"}


def tree_listing(walker, root) -> list[tuple[str, list[str], list[str]]]:
    return sorted((str(Path(d).relative_to(root)), sorted(dirs), sorted(files)) for d, dirs, files in walker(root))


def test_walk_lists_what_os_walk_lists(export, tmp_path):
    (export / "linked-models").symlink_to("models", target_is_directory=True)   # listed, not entered
    (export / "outside").symlink_to(tmp_path, target_is_directory=True)
    (export / "data" / "latest.csv").symlink_to("train.csv")
    (export / "data" / "gone.csv").symlink_to("never-there.csv")
    (export / "empty" / "deeper").mkdir(parents=True)
    assert tree_listing(walk, export) == tree_listing(os.walk, export)
    errors: list[OSError] = []
    assert list(walk(tmp_path / "missing", onerror=errors.append)) == [] and len(errors) == 1


def test_walk_entries_and_the_callers_pruning_and_order(export, tmp_path):
    """walk() is walk_entries() by name: both list the same; the folders a caller keeps, in
    the order it leaves them, are the ones entered and the order they are entered in."""
    (export / "linked-models").symlink_to("models", target_is_directory=True)
    (export / "data" / "latest.csv").symlink_to("train.csv")
    for name in ("b", "a", "c"):
        (export / "zz" / name).mkdir(parents=True)
        (export / "zz" / name / "f.txt").write_text(name)
    by_entries = [(here, [d.name for d in dirs], [f.name for f in files]) for here, dirs, files in walk_entries(export)]
    assert tree_listing(lambda root: by_entries, export) == tree_listing(walk, export)
    links = {d.name for _, dirs, _ in walk_entries(export) for d in dirs if d.is_symlink()}
    assert links == {"linked-models"}
    entered = []
    for here, dirnames, _ in walk(export):
        entered.append(os.path.relpath(here, export))
        if here == str(export):
            dirnames[:] = ["zz"]                      # pruned to one
        elif here.endswith("zz"):
            dirnames[:] = ["c", "a"]                  # reordered, one left out
    assert entered == [".", "zz", "zz/c", "zz/a"]


def too_long_tree(root: Path, part: str) -> None:
    """A folder nested until its full path is longer than the system allows (ENAMETOOLONG):
    a real listing failure for any user, root included; made one level at a time by
    descriptor, with a file at the bottom."""
    fd = os.open(root, os.O_RDONLY)
    depth = 0
    try:
        while len(str(root)) + depth * (len(part) + 1) <= 4200:
            os.mkdir(part, dir_fd=fd)
            inner = os.open(part, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd, depth = inner, depth + 1
        with os.fdopen(os.open("deep.py", os.O_WRONLY | os.O_CREAT, dir_fd=fd), "w") as fh:
            fh.write("y = 2\n")
    finally:
        os.close(fd)


def test_a_folder_that_cannot_be_listed_is_a_collection_error_and_the_rest_is_collected(tmp_path):
    root = tmp_path / "export"
    write_files(root, {"train.py": "x = 1\n", "nb/eda.ipynb": notebook(cells=2)})
    part = "d" * 250
    too_long_tree(root, part)
    graph = scan_graph(root)
    assert {"file:fs:./train.py", "file:fs:./nb/eda.ipynb"} <= ids(graph, "file")
    assert not any(n.endswith("deep.py") for n in ids(graph, "file"))
    [error] = graph.errors
    assert error.reason == "unreadable directory: File name too long" and error.collector == "folder"
    levels = error.source.count(part)        # the first folder whose full path is too long
    assert error.source == "/".join(["export"] + [part] * levels)
    assert len(str(root)) + (levels - 1) * (len(part) + 1) < os.pathconf("/", "PC_PATH_MAX") \
        <= len(str(root)) + levels * (len(part) + 1)


def remove_tree(root: Path) -> None:
    """rm -r without recursion: deepest entries first."""
    for here, dirs, files in reversed(list(walk(root))):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(here, d))]:
            os.unlink(os.path.join(here, name))
        os.rmdir(here)


def test_tree_nested_deeper_than_the_recursion_limit(tmp_path, request):
    """Python 3.11's os.walk recurses per level: a hostile tree this deep crashed the scan."""
    root = tmp_path / "deep"
    bottom = root
    for _ in range(sys.getrecursionlimit() + 100):   # one level at a time: mkdir(parents=True) recurses too
        bottom /= "d"
        bottom.mkdir(parents=bottom.parent == root)
    write_files(bottom, {"train.py": "x = 1\n", "nb/eda.ipynb": notebook(cells=3)})
    make_repo(bottom / "repo", {"model.py": "y = 2\n"})
    request.addfinalizer(lambda: remove_tree(root))    # pytest's own clean-up recurses per level
    graph = scan_graph(root)
    assert graph.errors == []
    rel = bottom.relative_to(root).as_posix()
    assert attrs(graph, f"file:fs:./{rel}/train.py")["role"] == "code"
    assert attrs(graph, f"file:fs:./{rel}/nb/eda.ipynb")["nb_code_cells"] == 3
    assert attrs(graph, f"file:git:{rel}/repo/model.py")["tracked"] is True


def test_file_names_with_newlines_escapes_and_odd_bytes_in_a_folder(tmp_path):
    root = tmp_path / "export"
    names = ["nb/line\nbreak.ipynb", "nb/\x1b[31mred\x1b[0m.ipynb", "data/tab\there.csv"]
    write_files(root, {name: notebook(cells=2) if name.endswith(".ipynb") else "a\n1\n" for name in names})
    with open(os.fsencode(root) + b"/nb/r\xe9sum\xe9.ipynb", "w") as fh:
        fh.write(notebook(cells=4))
    graph = scan_graph(root)
    assert graph.errors == []
    for name in names:
        assert attrs(graph, f"file:fs:./{name}")["path"] == name
    assert attrs(graph, "file:fs:./nb/line\nbreak.ipynb")["nb_code_cells"] == 2
    assert attrs(graph, "file:fs:./nb/r\ufffdsum\ufffd.ipynb")["nb_code_cells"] == 4


# ---------------------------------------------------------------- notebook facts


def nb_v4(cells, kernel="python3", language="python") -> dict:
    return {"nbformat": 4, "nbformat_minor": 5, "cells": cells,
            "metadata": {"kernelspec": {"name": kernel, "display_name": kernel, "language": language},
                         "language_info": {"name": language, "version": "3.11.7"}}}


def code(n, outputs=(), i=0):
    return {"cell_type": "code", "execution_count": n, "id": f"c{i}-{n}", "metadata": {},
            "source": "x = 1\n", "outputs": list(outputs)}


STREAM = {"output_type": "stream", "name": "stdout", "text": ["1\n"]}
RESULT = {"output_type": "execute_result", "execution_count": 3, "metadata": {},
          "data": {"text/plain": ["3"]}}
MARKDOWN = {"cell_type": "markdown", "id": "md", "metadata": {}, "source": ["# Title"]}
RAW = {"cell_type": "raw", "id": "raw", "metadata": {}, "source": "raw"}


def parse_notebook(tmp_path, name: str, content: str | bytes):
    write_files(tmp_path / "nbs", {name: content})
    graph = scan_graph(tmp_path / "nbs")
    return graph, f"file:fs:./{name}"


@pytest.mark.parametrize("cells, expected", [
    pytest.param([MARKDOWN, code(1, [STREAM], 1), code(2, [], 2), code(3, [RESULT], 3)],
                 dict(nb_cells=4, nb_code_cells=3, nb_cells_with_outputs=2, nb_executed_cells=3,
                      nb_max_execution_count=3, nb_executed_in_order=True), id="run-top-to-bottom"),
    pytest.param([code(4, [STREAM], 1), MARKDOWN, code(2, [], 2), code(None, [], 3)],
                 dict(nb_cells=4, nb_code_cells=3, nb_cells_with_outputs=1, nb_executed_cells=2,
                      nb_max_execution_count=4, nb_executed_in_order=False), id="out-of-order"),
    pytest.param([code(1, [], 1), code(1, [], 2)],
                 dict(nb_cells=2, nb_code_cells=2, nb_cells_with_outputs=0, nb_executed_cells=2,
                      nb_max_execution_count=1, nb_executed_in_order=False), id="rerun-kernel"),
    pytest.param([MARKDOWN, RAW, code(None, [], 1)],
                 dict(nb_cells=3, nb_code_cells=1, nb_cells_with_outputs=0, nb_executed_cells=0,
                      nb_max_execution_count=0, nb_executed_in_order=True), id="never-run"),
    pytest.param([], dict(nb_cells=0, nb_code_cells=0, nb_cells_with_outputs=0, nb_executed_cells=0,
                          nb_max_execution_count=0, nb_executed_in_order=True), id="empty"),
])
def test_nbformat4_facts(tmp_path, cells, expected):
    graph, nid = parse_notebook(tmp_path, "train.ipynb", json.dumps(nb_v4(cells), indent=1))
    a = attrs(graph, nid)
    assert {k: a[k] for k in expected} == expected
    assert (a["nb_format"], a["nb_kernel"], a["nb_language"]) == ("4.5", "python3", "python")
    assert graph.errors == []


@pytest.mark.parametrize("content, reason", [
    ('{"nbformat": 4, "cells": [], "n": ' + "1" * 5000 + "}", None),     # valid JSON, a field nobody reads
    ('{"nbformat": 4, "cells": [], "s": "\\ud800 ' + "\\udfff" * 3 + '"}', None),       # lone surrogates
])
def test_notebook_json_python_refuses_or_mangles(tmp_path, content, reason):
    graph, nid = parse_notebook(tmp_path, "odd.ipynb", content)
    assert [(e.collector, e.reason[:len(reason)]) for e in graph.errors] == ([("notebook", reason)] if reason else [])
    assert ("nb_cells" in attrs(graph, nid)) is (reason is None)


def test_notebook_names_are_kept_only_when_they_are_text(tmp_path):
    nb = nb_v4([code(1)])
    nb["nbformat_minor"] = ["x"] * 1000
    nb["metadata"] = {"kernelspec": {"name": {"not": "a name"}, "language": "k" * 100_000},
                      "language_info": {"name": ["python"]}}
    graph, nid = parse_notebook(tmp_path, "odd.ipynb", json.dumps(nb))
    a = attrs(graph, nid)
    assert (a["nb_format"], a["nb_kernel"], a["nb_language"]) == ("4.?", None, "k" * 200)
    assert [(e.reason, e.line) for e in graph.errors] == [("nbformat_minor: expected an integer, found a list", 1)]


def test_kernel_and_language_from_metadata(tmp_path):
    nb = nb_v4([code(1, [], 1)], kernel="ir", language="R")
    graph, nid = parse_notebook(tmp_path, "analysis.ipynb", json.dumps(nb))
    assert (attrs(graph, nid)["nb_kernel"], attrs(graph, nid)["nb_language"]) == ("ir", "R")
    del nb["metadata"]["language_info"]           # falls back to the kernelspec's language
    graph, nid = parse_notebook(tmp_path, "analysis.ipynb", json.dumps(nb))
    assert attrs(graph, nid)["nb_language"] == "R"
    nb["metadata"] = {}
    graph, nid = parse_notebook(tmp_path, "analysis.ipynb", json.dumps(nb))
    assert (attrs(graph, nid)["nb_kernel"], attrs(graph, nid)["nb_language"]) == (None, None)


def test_conftest_notebook_helper_facts(tmp_path):
    graph, nid = parse_notebook(tmp_path, "h.ipynb", notebook(outputs=True, cells=3, execution_counts=[1, 3, 2]))
    a = attrs(graph, nid)
    assert (a["nb_cells"], a["nb_code_cells"], a["nb_executed_cells"], a["nb_executed_in_order"]) == (4, 3, 3, False)


NB_V3 = {
    "metadata": {"name": "legacy"},
    "nbformat": 3,
    "nbformat_minor": 0,
    "worksheets": [
        {"metadata": {}, "cells": [
            {"cell_type": "heading", "level": 1, "metadata": {}, "source": "Legacy"},
            {"cell_type": "code", "collapsed": False, "input": "1 + 1", "language": "python",
             "metadata": {}, "prompt_number": 1,
             "outputs": [{"output_type": "pyout", "prompt_number": 1, "metadata": {}, "text": "2"}]},
            {"cell_type": "markdown", "metadata": {}, "source": "notes"},
            {"cell_type": "code", "collapsed": False, "input": "x = 2", "language": "python",
             "metadata": {}, "prompt_number": 2, "outputs": []},
        ]},
        {"metadata": {}, "cells": [
            {"cell_type": "code", "collapsed": False, "input": "print(x)", "language": "python",
             "metadata": {}, "outputs": []},
        ]},
    ],
}


def test_nbformat3_worksheets(tmp_path):
    graph, nid = parse_notebook(tmp_path, "legacy.ipynb", json.dumps(NB_V3, indent=1))
    a = attrs(graph, nid)
    assert {k: v for k, v in a.items() if k.startswith("nb_")} == {
        "nb_format": "3.0", "nb_cells": 5, "nb_code_cells": 3, "nb_cells_with_outputs": 1,
        "nb_executed_cells": 2, "nb_max_execution_count": 2, "nb_executed_in_order": True,
        "nb_kernel": None, "nb_language": "python"}
    assert graph.errors == []


def test_notebook_parser_records_on_the_node_it_is_given():
    """The parser never touches disk: bytes in, nb_* facts on the FileRef's node."""
    graph = EstateGraph()
    ctx = CollectContext(graph)
    tree = graph.add_node("repo", "fs:.", {"path": ".", "vcs": "none"})
    node = graph.add_node("file", "fs:./x.ipynb", {"path": "x.ipynb"})
    ref = FileRef(node, "x.ipynb", "x.ipynb", tree, "fs:.", None)
    NotebookParser().parse(ref, json.dumps(NB_V3).encode(), ctx)
    assert attrs(graph, node)["nb_code_cells"] == 3
    assert notebook_facts(NB_V3)["nb_cells"] == 5


def test_dvc_config_is_collected_but_not_the_dvc_cache(tmp_path):
    """DVC's remotes live in .dvc/config; .dvc/cache holds copies of the data itself."""
    root = tmp_path / "project"
    write_files(root, {
        ".dvc/config": "[core]\n    remote = storage\n['remote \"storage\"']\n    url = s3://bucket/dvc\n",
        ".dvc/cache/files/md5/d8/e8fca2dc0f896fd7cb4cb0031ba249": "age,label\n31,1\n",
        ".dvc/tmp/lock": "",
        "data/train.csv.dvc": "outs:\n- md5: d8e8fca2dc0f896fd7cb4cb0031ba249\n  size: 15\n  path: train.csv\n",
    })
    graph = scan_graph(root)
    assert attrs(graph, "file:fs:./.dvc/config")["role"] == "dvc"
    assert attrs(graph, "file:fs:./data/train.csv.dvc")["role"] == "dvc"
    assert ids(graph, "file") == {"file:fs:./.dvc/config", "file:fs:./data/train.csv.dvc"}
    assert attrs(graph, "repo:fs:.")["files_not_recorded"] == 0     # cache and tmp never walked


# ---------------------------------------------------------------- which parsers claim a file


def _claims_pattern_by_pattern(parser, path: str) -> bool:
    """What `claims` means: one of the parser's globs matches the name or the whole path."""
    name = path.rpartition("/")[2]
    return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(path, p) for p in parser.patterns)


CLAIM_PATHS = ["train.py", "src/pkg/train.py", "nb/eda.ipynb", "data/raw.csv", "data/raw.csv.dvc",
               "dvc.yaml", "sub/dvc.lock", ".dvc/config", "sub/.dvc/config.local", "Dockerfile",
               "docker/Dockerfile.gpu", ".env", ".env.prod", "a/b/analysis.R", "jobs/job.yml",
               "infra/main.tf", "README.md", "model.pkl", "x/.DS_Store", "weird[1].py", "notes.TXT"]


def test_claims_match_each_glob_against_name_and_path_with_one_regex_per_parser():
    """Claims ask every file of every tree: the parsers' globs are compiled once into one
    regex each (bench/ measures the gain); it must mean exactly what glob by glob means."""
    parsers = file_parsers(load_registry())
    for parser in parsers:
        for path in CLAIM_PATHS:
            assert parser.claims(path) == _claims_pattern_by_pattern(parser, path), (parser.name, path)


def test_the_whole_scan_of_a_too_long_folder_exits_3_naming_it(tmp_path):
    """Every collector that looks at the tree (the MLflow store search walks it too) takes
    the too-long folder as the folder collector does: the scan ends incomplete, not crashed."""
    root = tmp_path / "export"
    write_files(root, {"train.py": "x = 1\n"})
    too_long_tree(root, "m" * 250)
    out = tmp_path / "report.json"
    result = run_cli("scan", str(root), "--format", "json", "--output", str(out))
    assert result.exit_code == 3, result.output
    errors = json.loads(out.read_text())["collection_errors"]
    assert [e["reason"] for e in errors] == ["unreadable directory: File name too long"]

