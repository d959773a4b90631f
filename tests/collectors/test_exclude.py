"""Path exclusion: `--exclude GLOB`, the config's `exclude:` and a tree's `.mlcheckignore`, in
gitignore's syntax, applied by the tree walks to plain folders, work trees (tracked and
untracked files) and bare repositories alike."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from checker.collectors.walker import Exclusions
from checker.scan import ScanOptions, run_scan
from conftest import commit_files, git, make_repo, notebook, run_cli, write_files

ESTATE = {
    "train.ipynb": notebook(outputs=True),
    "vendor/lib/explore.ipynb": notebook(outputs=True),
    "notebooks/eda.ipynb": notebook(outputs=True),
    "notebooks/keep.ipynb": notebook(outputs=True),
    "data/raw.csv": "a,b\n1,2\n",
    "src/train.py": "print('train')\n",
}


def files(result) -> set[str]:
    return {n["attrs"]["path"] for _, n in result.graph.nodes("file")}


def tree_attrs(result) -> dict:
    return next(n["attrs"] for _, n in result.graph.nodes("repo"))


def test_exclusions_follow_gitignore_syntax():
    ex = Exclusions(["vendor/", "/train.ipynb", "notebooks/*.ipynb", "!notebooks/keep.ipynb", "# a comment"])
    assert ex.match("vendor/lib/explore.ipynb") and ex.match("a/vendor/x.py") and ex.match("vendor", is_dir=True)
    assert ex.match("train.ipynb") and not ex.match("sub/train.ipynb")          # anchored at the top
    assert ex.match("notebooks/eda.ipynb") and not ex.match("notebooks/keep.ipynb")
    assert not ex.match("src/train.py")
    assert not Exclusions(["# only a comment", ""]) and not Exclusions().match("anything")
    with pytest.raises(ValueError, match="exclude pattern"):
        Exclusions(["\\"])


def test_folder_exclude_leaves_files_out_and_counts_them(tmp_path):
    root = tmp_path / "estate"
    write_files(root, ESTATE)
    whole = run_scan(ScanOptions(paths=[str(root)]))
    assert {"vendor/lib/explore.ipynb", "notebooks/eda.ipynb", "train.ipynb"} <= files(whole)
    assert "files_excluded" not in tree_attrs(whole)
    cut = run_scan(ScanOptions(paths=[str(root)], exclude=["vendor/", "notebooks/*.ipynb", "!notebooks/keep.ipynb"]))
    assert files(cut) == files(whole) - {"vendor/lib/explore.ipynb", "notebooks/eda.ipynb"}
    assert tree_attrs(cut)["files_excluded"] == 1         # vendor/ is never entered: its file is not counted


def test_mlcheckignore_in_a_work_tree_applies_to_tracked_and_untracked_files(tmp_path):
    repo = make_repo(tmp_path / "repo", {**ESTATE, ".mlcheckignore": "# generated\nnotebooks/\n*.csv\n"})
    write_files(repo, {"scratch/untracked.ipynb": notebook(outputs=True), "scratch/more.csv": "x\n1\n"})
    result = run_scan(ScanOptions(paths=[str(repo)]))
    got = files(result)
    assert not any(p.startswith("notebooks/") or p.endswith(".csv") for p in got)
    assert {"train.ipynb", "scratch/untracked.ipynb", "src/train.py"} <= got
    assert tree_attrs(result)["files_excluded"] == 4
    assert not result.graph.errors


def test_mlcheckignore_committed_in_a_bare_repository(tmp_path):
    work = make_repo(tmp_path / "work", {**ESTATE, ".mlcheckignore": "vendor/\ntrain.ipynb\n"})
    bare = tmp_path / "scan" / "estate.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], check=True)
    got = files(run_scan(ScanOptions(paths=[str(tmp_path / "scan")])))
    assert "notebooks/eda.ipynb" in got
    assert not any(p.startswith("vendor/") or p == "train.ipynb" for p in got)


def test_patterns_are_relative_to_the_scanned_subfolder_of_a_repository(tmp_path):
    repo = make_repo(tmp_path / "repo", {"ml/train.ipynb": notebook(), "ml/sub/train.ipynb": notebook(),
                                         "ml/.mlcheckignore": "/sub/\n"})
    got = files(run_scan(ScanOptions(paths=[str(repo / "ml")], exclude=["/train.ipynb"])))
    assert not any(p.endswith("train.ipynb") for p in got), got


def test_a_bad_ignore_line_is_a_collection_error_with_its_line_and_the_rest_apply(tmp_path):
    repo = make_repo(tmp_path / "repo", ESTATE)
    write_files(repo, {".mlcheckignore": "vendor/\n\\\nnotebooks/\n"})
    result = run_scan(ScanOptions(paths=[str(repo)]))
    errors = [e for e in result.graph.errors if e.source.endswith(".mlcheckignore")]
    assert len(errors) == 1 and errors[0].line == 2 and "not a pattern" in errors[0].reason
    assert not any(p.startswith(("vendor/", "notebooks/")) for p in files(result))
    assert result.incomplete


def test_cli_exclude_and_config_exclude_combine(tmp_path):
    root = make_repo(tmp_path / "estate", ESTATE)            # committed notebooks with outputs: MLC-REPO-001
    (tmp_path / "mlcheck.yaml").write_text("exclude: ['vendor/']\n", encoding="utf-8")
    out = tmp_path / "out.json"
    result = run_cli("scan", str(root), "--exclude", "notebooks/", "--format", "json", "--output", str(out),
                     "--fail-on", "critical", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    nodes = {f["node"] for f in json.loads(out.read_text())["findings"] if f["rule_id"] == "MLC-REPO-001"}
    assert nodes == {"file:git:./train.ipynb"}
    assert not any("vendor/" in n or "notebooks/" in n for n in nodes)


def test_cli_rejects_a_pattern_that_is_not_one(tmp_path):
    write_files(tmp_path / "estate", ESTATE)
    result = run_cli("scan", str(tmp_path / "estate"), "--exclude", "\\", cwd=tmp_path)
    assert result.exit_code == 2 and "exclude pattern" in result.output
    (tmp_path / "mlcheck.yaml").write_text("exclude: 'vendor/'\n", encoding="utf-8")
    result = run_cli("scan", str(tmp_path / "estate"), cwd=tmp_path)
    assert result.exit_code == 2 and "exclude" in result.output
