"""Git collector on real repositories built in temp dirs: repo facts, history, files,
bare repositories, sub-directory scans, nested repositories, node ids and provenance,
and the hardening that keeps anything in a scanned repository from executing."""
from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess
import zlib
from pathlib import Path

import pytest

from conftest import (collect_graph, commit_files, git, make_repo, node_attrs as attrs, node_ids as ids,
                      notebook, write_files)
from checker.collectors import FileParser
from checker.collectors.folder import FolderCollector
from checker.collectors.git import GitCollector, _normalise_remote
from checker.collectors.notebook import NotebookParser

REGISTRY = {"git": GitCollector, "folder": FolderCollector, "notebook": NotebookParser}
LFS_POINTER = ("version https://git-lfs.github.com/spec/v1\n"
               "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
               "size 12345\n")


def scan_graph(*paths, sources=(), registry=None):
    """Collect the given paths with the real pipeline (git, folder, notebook only)."""
    return collect_graph(*paths, sources=sources, registry=registry or REGISTRY)


def file_ids(graph, prefix):
    return {nid for nid in ids(graph, "file") if nid.startswith(prefix)}


# ---------------------------------------------------------------- history


@pytest.fixture
def history(tmp_path):
    """A repo with branches, an annotated tag on an old commit, a tag of a tag, a merge,
    a commit only on a side branch, one only reachable from a tag, a remote-tracking
    ref, a stash and a git note. Returns (repo, {name: sha})."""
    repo = make_repo(tmp_path / "churn", {"train.py": "print('v1')\n"}, "c1 initial")
    sha = {"c1": git(repo, "rev-parse", "HEAD")}
    git(repo, "tag", "-a", "v0.1", "-m", "first release", sha["c1"])
    git(repo, "checkout", "-q", "-b", "feature")
    sha["f1"] = commit_files(repo, {"features.py": "FEATURES = []\n"}, "f1 feature work")
    git(repo, "checkout", "-q", "main")
    sha["c2"] = commit_files(repo, {"train.py": "print('v2')\n"}, "c2 second")
    git(repo, "merge", "-q", "--no-ff", "feature", "-m", "m merge feature")
    sha["m"] = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "feature")
    sha["f2"] = commit_files(repo, {"features.py": "FEATURES = ['age']\n"}, "f2 after merge")
    git(repo, "checkout", "-q", "-b", "spike", sha["c1"])
    sha["s1"] = commit_files(repo, {"spike.py": "pass\n"}, "s1 spike")
    git(repo, "tag", "exp-1")                        # lightweight, then the branch goes away
    git(repo, "checkout", "-q", "main")
    git(repo, "branch", "-q", "-D", "spike")
    git(repo, "tag", "-a", "v1.0", "-m", "release", sha["m"])
    git(repo, "tag", "-a", "v1.0-approved", "-m", "tag of a tag", "v1.0")
    git(repo, "update-ref", "refs/remotes/origin/main", sha["c2"])
    git(repo, "remote", "add", "origin", "https://deploy-bot:s3cr3t-token@GitHub.com/Contoso/Churn.git")
    write_files(repo, {"train.py": "print('work in progress')\n"})
    git(repo, "stash", "-q")
    sha["stash"] = git(repo, "rev-parse", "refs/stash")
    sha["stash_index"] = git(repo, "rev-parse", "refs/stash^2")
    git(repo, "notes", "add", "-m", "reviewed", sha["c1"])
    sha["notes"] = git(repo, "rev-parse", "refs/notes/commits")
    return repo, sha


def containing_refs(repo: Path, sha: str) -> tuple[list[str], list[str]]:
    """Branches and tags that contain `sha`, asked of git itself (the oracle)."""
    out = git(repo, "for-each-ref", "--contains", sha, "--format=%(refname)",
              "refs/heads", "refs/remotes", "refs/tags")
    names = out.splitlines()
    branches = sorted(n.split("/", 2)[2] for n in names if n.startswith(("refs/heads/", "refs/remotes/")))
    tags = sorted(n[len("refs/tags/"):] for n in names if n.startswith("refs/tags/"))
    return branches, tags


def test_repo_node_facts(history):
    repo, sha = history
    graph = scan_graph(repo)
    node = graph.node("repo:git:.")
    assert node["kind"] == "repo"
    a = node["attrs"]
    assert a["head"] == sha["m"] == git(repo, "rev-parse", "HEAD")
    assert a["default_branch"] == "main"
    assert a["bare"] is False and a["vcs"] == "git" and a["path"] == "."
    assert a["remote"] == "github.com/Contoso/Churn"
    assert a["commit_count"] == 6                    # c1 f1 c2 m f2 s1
    assert a["branch_count"] == 2                    # main, feature (local branches)
    assert a["tag_count"] == 4                       # v0.1 v1.0 v1.0-approved exp-1


def test_remote_credentials_never_reach_the_graph(history):
    repo, _ = history
    graph = scan_graph(repo)
    dumped = json.dumps(graph.document())
    assert "s3cr3t-token" not in dumped and "deploy-bot" not in dumped


@pytest.mark.parametrize("url, expected", [
    ("https://github.com/contoso/churn.git", "github.com/contoso/churn"),
    ("https://user:p4ss@github.com/contoso/churn.git", "github.com/contoso/churn"),
    ("https://ghp_tokenonly@github.com/contoso/churn", "github.com/contoso/churn"),
    ("https://user:p@ss@github.com/contoso/churn.git", "github.com/contoso/churn"),
    ("HTTPS://User@GitHub.COM/contoso/churn.git/", "github.com/contoso/churn"),
    ("https://github.com:8443/contoso/churn.git?ref=x#frag", "github.com/contoso/churn"),
    ("ssh://git@github.com/contoso/churn.git", "github.com/contoso/churn"),
    ("ssh://git@github.com:2222/contoso/churn.git", "github.com/contoso/churn"),
    ("git+ssh://git@github.com/contoso/churn.git", "github.com/contoso/churn"),
    ("git@github.com:contoso/churn.git", "github.com/contoso/churn"),
    ("github.com:contoso/churn", "github.com/contoso/churn"),
    ("https://contoso@dev.azure.com/contoso/ml/_git/churn", "dev.azure.com/contoso/ml/_git/churn"),
    ("git@ssh.dev.azure.com:v3/contoso/ml/churn", "ssh.dev.azure.com/v3/contoso/ml/churn"),
    ("file:///srv/git/churn.git", "/srv/git/churn"),
    ("/srv/git/churn.git", "/srv/git/churn"),
    ("../churn", "../churn"),
    # No path: the query or fragment must not be taken for part of the host.
    ("https://bot:s3cret@github.com?token=abc", "github.com"),
    ("https://github.com#access_token=abc", "github.com"),
])
def test_remote_normalised_with_credentials_and_port_stripped(url, expected):
    assert _normalise_remote(url) == expected


def test_remote_read_from_a_real_repo_in_each_form(tmp_path):
    forms = {"https": "https://u:pw@example.org:443/team/model.git",
             "ssh": "ssh://git@example.org:22/team/model.git",
             "scp": "git@example.org:team/model.git"}
    for name, url in forms.items():
        repo = make_repo(tmp_path / name, {"a.py": "x = 1\n"})
        git(repo, "remote", "add", "origin", url)
        graph = scan_graph(repo)
        assert attrs(graph, "repo:git:.")["remote"] == "example.org/team/model", name


def test_every_commit_reachable_from_a_ref_is_collected_stash_and_notes_excluded(history):
    repo, sha = history
    graph = scan_graph(repo)
    collected = {nid.rpartition("@")[2] for nid in ids(graph, "commit")}
    oracle = set(git(repo, "rev-list", "--branches", "--tags", "--remotes").split())
    assert collected == oracle
    assert collected == {sha[k] for k in ("c1", "f1", "c2", "m", "f2", "s1")}
    for bookkeeping in ("stash", "stash_index", "notes"):
        assert f"commit:git:.@{sha[bookkeeping]}" not in graph


def test_commit_branches_and_tags_are_exactly_the_refs_containing_it(history):
    repo, sha = history
    graph = scan_graph(repo)
    for nid in ids(graph, "commit"):
        a = attrs(graph, nid)
        assert (sorted(a["branches"]), sorted(a["tags"])) == containing_refs(repo, a["sha"]), a["subject"]
    # The same, spelled out for the interesting cases.
    def refs(name):
        a = attrs(graph, f"commit:git:.@{sha[name]}")
        return sorted(a["branches"]), sorted(a["tags"])
    assert refs("c1") == (["feature", "main", "origin/main"], ["exp-1", "v0.1", "v1.0", "v1.0-approved"])
    assert refs("f1") == (["feature", "main"], ["v1.0", "v1.0-approved"])
    assert refs("c2") == (["main", "origin/main"], ["v1.0", "v1.0-approved"])
    assert refs("m") == (["main"], ["v1.0", "v1.0-approved"])
    assert refs("f2") == (["feature"], [])            # only on the side branch
    assert refs("s1") == ([], ["exp-1"])              # only a tag keeps it


def test_commit_node_facts(history):
    repo, sha = history
    graph = scan_graph(repo)
    merge = attrs(graph, f"commit:git:.@{sha['m']}")
    assert merge["sha"] == sha["m"] and merge["repo"] == "."
    assert merge["parents"] == [sha["c2"], sha["f1"]]
    assert merge["subject"] == "m merge feature"
    assert merge["author"] == "Test Author"
    assert dt.datetime.fromisoformat(merge["committed_at"]) == dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    assert dt.datetime.fromisoformat(merge["authored_at"]) == dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    assert attrs(graph, f"commit:git:.@{sha['c1']}")["parents"] == []
    assert set(graph.out_edges("repo:git:.", "contains")) >= {f"commit:git:.@{sha[k]}" for k in ("c1", "f2", "s1")}


def test_empty_repository_and_detached_head(tmp_path):
    empty = make_repo(tmp_path / "empty")
    write_files(empty, {"draft.py": "x = 1\n"})
    graph = scan_graph(empty)
    a = attrs(graph, "repo:git:.")
    assert a["head"] is None and a["commit_count"] == 0 and a["default_branch"] == "main"
    assert ids(graph, "commit") == set()
    assert attrs(graph, "file:git:./draft.py")["tracked"] is False
    assert graph.errors == []

    detached = make_repo(tmp_path / "detached", {"a.py": "1\n"})
    first = git(detached, "rev-parse", "HEAD")
    commit_files(detached, {"a.py": "2\n"})
    git(detached, "checkout", "-q", "--detach", first)
    a = attrs(scan_graph(detached), "repo:git:.")
    assert a["head"] == first and a["default_branch"] is None


# ---------------------------------------------------------------- files


@pytest.fixture
def files_repo(tmp_path):
    files = {
        "train.py": "import pandas\n",
        "data/train.csv": "age,label\n31,1\n",
        "data/raw/events.csv": LFS_POINTER,
        "models/model.pkl": LFS_POINTER,
        "models/.gitattributes": "*.onnx filter=lfs diff=lfs merge=lfs -text\n",
        "models/churn.onnx": LFS_POINTER,
        "export/churn.onnx": b"\x08\x07",
        "root.pt": LFS_POINTER,
        "sub/root.pt": b"not lfs",
        "nb/explore.ipynb": notebook(outputs=True),
        "README.md": "# churn\n",
        ".gitignore": "secrets/\n*.tmp.csv\n",
        ".gitattributes": ("# LFS-managed binaries\n"
                           "*.pkl filter=lfs diff=lfs merge=lfs -text\n"
                           "data/raw/*.csv filter=lfs diff=lfs merge=lfs -text\n"
                           "/root.pt filter=lfs diff=lfs merge=lfs -text\n"
                           "*.md text\n"),
    }
    repo = make_repo(tmp_path / "repo", files)
    write_files(repo, {"scratch.py": "print('untracked')\n", "nb/new.ipynb": notebook(outputs=False),
                       "secrets/key.csv": "k,v\n", "cache.tmp.csv": "a\n"})
    return repo, files


def test_tracked_untracked_and_ignored_files(files_repo):
    repo, files = files_repo
    graph = scan_graph(repo)
    assert file_ids(graph, "file:git:./") == {
        "file:git:./train.py", "file:git:./data/train.csv", "file:git:./data/raw/events.csv",
        "file:git:./models/model.pkl", "file:git:./models/.gitattributes", "file:git:./models/churn.onnx",
        "file:git:./export/churn.onnx", "file:git:./root.pt", "file:git:./sub/root.pt",
        "file:git:./nb/explore.ipynb", "file:git:./.gitattributes",
        "file:git:./scratch.py", "file:git:./nb/new.ipynb",           # untracked, not ignored
    }
    # README.md and .gitignore have no role and no parser: counted, not recorded.
    assert attrs(graph, "repo:git:.")["files_not_recorded"] == 2
    for path, content in files.items():
        nid = f"file:git:./{path}"
        if nid not in graph:
            continue
        a = attrs(graph, nid)
        size = len(content if isinstance(content, bytes) else content.encode())
        assert a["tracked"] is True and a["size"] == size and a["path"] == path
        assert a["blob"] == git(repo, "rev-parse", f"HEAD:{path}")
        assert a["mode"] == "100644"
        assert set(graph.in_edges(nid, "contains")) == {"repo:git:."}
    roles = {p: attrs(graph, f"file:git:./{p}")["role"] for p in
             ("train.py", "data/train.csv", "models/model.pkl", "nb/explore.ipynb", ".gitattributes")}
    assert roles == {"train.py": "code", "data/train.csv": "data", "models/model.pkl": "model",
                     "nb/explore.ipynb": "notebook", ".gitattributes": "config"}
    scratch = attrs(graph, "file:git:./scratch.py")
    assert scratch["tracked"] is False and "blob" not in scratch and scratch["size"] == len("print('untracked')\n")
    assert graph.errors == []


def test_lfs_from_gitattributes(files_repo):
    repo, _ = files_repo
    graph = scan_graph(repo)
    lfs = {nid for nid in file_ids(graph, "file:git:./") if attrs(graph, nid).get("lfs")}
    assert lfs == {"file:git:./models/model.pkl",          # *.pkl anywhere
                   "file:git:./data/raw/events.csv",       # data/raw/*.csv
                   "file:git:./root.pt",                   # /root.pt is anchored: not sub/root.pt
                   "file:git:./models/churn.onnx"}         # models/.gitattributes: not export/


def test_subdirectory_scan_collects_enclosing_repo_with_files_under_it(files_repo, monkeypatch):
    repo, _ = files_repo
    monkeypatch.chdir(repo.parent)
    graph = scan_graph("repo/data")
    assert ids(graph, "repo") == {"repo:git:."}
    assert attrs(graph, "repo:git:.")["head"] == git(repo, "rev-parse", "HEAD")
    assert file_ids(graph, "file:") == {"file:git:./data/train.csv", "file:git:./data/raw/events.csv"}
    # LFS patterns come from the root .gitattributes, outside the scanned subdirectory.
    assert attrs(graph, "file:git:./data/raw/events.csv")["lfs"] is True
    assert "lfs" not in attrs(graph, "file:git:./data/train.csv")
    assert graph.node("file:git:./data/train.csv")["provenance"]["source"] == "repo/data/train.csv"
    assert len(ids(graph, "commit")) == 1


def test_tracked_files_are_read_from_head_not_the_work_tree(files_repo):
    repo, _ = files_repo
    write_files(repo, {"nb/explore.ipynb": notebook(outputs=False)})   # uncommitted edit
    graph = scan_graph(repo)
    assert attrs(graph, "file:git:./nb/explore.ipynb")["nb_cells_with_outputs"] == 2
    assert attrs(graph, "file:git:./nb/new.ipynb")["nb_cells_with_outputs"] == 0


class RecordingParser(FileParser):
    """A real (tiny) parser that keeps the FileRefs it was handed."""
    name = "recorder"
    patterns = ("*.py",)
    seen: list = []

    def parse(self, ref, data, ctx):
        RecordingParser.seen.append((ref, data))


def test_parsers_get_tree_and_commit_of_each_file(files_repo):
    repo, _ = files_repo
    RecordingParser.seen = []
    graph = scan_graph(repo, registry={**REGISTRY, "recorder": RecordingParser})
    refs = {ref.path: (ref, data) for ref, data in RecordingParser.seen}
    head = git(repo, "rev-parse", "HEAD")
    tracked, data = refs["train.py"]
    assert data == b"import pandas\n"
    assert (tracked.node, tracked.tree, tracked.tree_key, tracked.commit) == (
        "file:git:./train.py", "repo:git:.", "git:.", f"commit:git:.@{head}")
    assert tracked.commit in graph
    untracked, _ = refs["scratch.py"]
    assert untracked.commit is None and untracked.tree == "repo:git:."


# ---------------------------------------------------------------- symlinks in a repo


def test_committed_symlinks_are_recorded_never_followed(tmp_path):
    repo = make_repo(tmp_path / "repo", {"data/real.csv": "a\n1\n"})
    (repo / "data" / "alias.csv").symlink_to("real.csv")
    (repo / "..foo.csv").write_text("x\n")
    (repo / "dots.csv").symlink_to("..foo.csv")          # a name starting with '..', inside
    commit_files(repo, {}, "links")
    graph = scan_graph(repo)
    link = attrs(graph, "file:git:./data/alias.csv")
    assert link["symlink"] is True and link["tracked"] is True
    assert attrs(graph, "file:git:./dots.csv")["symlink"] is True
    assert graph.errors == []


# ---------------------------------------------------------------- bare repositories


def test_bare_clone_is_detected_and_read_from_head(history, tmp_path):
    repo, sha = history
    commit_files(repo, {"nb/train.ipynb": notebook(outputs=True, cells=3)}, "add notebook")
    head = git(repo, "rev-parse", "HEAD")
    estate = tmp_path / "mirrors"
    estate.mkdir()
    git(estate, "clone", "-q", "--bare", str(repo), "churn.git")
    graph = scan_graph(estate)
    label = "churn.git"
    a = attrs(graph, f"repo:git:{label}")
    assert a["bare"] is True and a["head"] == head and a["default_branch"] == "main"
    # A bare clone copies branches and tags (not the remote-tracking ref, stash or notes).
    expected = {sha[k] for k in ("c1", "f1", "c2", "m", "f2", "s1")} | {head}
    assert {nid.rpartition("@")[2] for nid in ids(graph, "commit")} == expected
    assert attrs(graph, f"commit:git:{label}@{sha['f2']}")["branches"] == ["feature"]
    assert sorted(attrs(graph, f"commit:git:{label}@{sha['c1']}")["tags"]) == \
        ["exp-1", "v0.1", "v1.0", "v1.0-approved"]
    nb = attrs(graph, f"file:git:{label}/nb/train.ipynb")
    assert nb["tracked"] is True and nb["nb_code_cells"] == 3 and nb["nb_cells_with_outputs"] == 3
    assert attrs(graph, f"file:git:{label}/train.py")["blob"] == git(repo, "rev-parse", "HEAD:train.py")
    # Nothing of the bare repo's internals is recorded as a file, by git or by the folder.
    assert all(nid.startswith(f"file:git:{label}/") for nid in ids(graph, "file"))
    assert graph.errors == []


def test_bare_repo_scanned_directly_and_through_source(history, tmp_path):
    repo, sha = history
    bare = tmp_path / "srv" / "churn.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    direct = scan_graph(bare)
    assert attrs(direct, "repo:git:.")["bare"] is True
    assert f"commit:git:.@{sha['m']}" in direct and "file:git:./train.py" in direct
    given = scan_graph(sources=[f"git={bare}"])
    assert attrs(given, "repo:git:churn.git")["head"] == sha["m"]
    assert "file:git:churn.git/train.py" in given
    assert given.node("repo:git:churn.git")["provenance"]["source"] == str(bare)


# ---------------------------------------------------------------- nested repositories, ids, provenance


@pytest.fixture
def estate(tmp_path, history):
    """A folder holding a work tree, a repo one level down, a bare mirror, a repo nested
    inside another work tree, and loose files."""
    root = tmp_path / "estate"
    history_repo, _ = history
    git(tmp_path, "clone", "-q", str(history_repo), str(root / "churn"))
    make_repo(root / "teams" / "fraud", {"fraud.py": "x = 1\n", "nb/eda.ipynb": notebook()})
    git(root, "clone", "-q", "--bare", str(root / "teams" / "fraud"), "fraud-mirror.git")
    make_repo(root / "churn" / "vendor" / "lib", {"lib.py": "y = 2\n"})
    write_files(root, {"notes/plan.csv": "step\n1\n", "README.md": "estate\n"})
    return root


def test_nested_repositories_are_found_with_labels_relative_to_scan_root(estate, monkeypatch):
    monkeypatch.chdir(estate.parent)
    graph = scan_graph("estate")
    assert ids(graph, "repo") == {"repo:fs:.", "repo:git:churn", "repo:git:teams/fraud",
                                  "repo:git:fraud-mirror.git", "repo:git:churn/vendor/lib"}
    assert "file:git:teams/fraud/fraud.py" in graph
    assert "file:git:churn/vendor/lib/lib.py" in graph
    assert "file:git:fraud-mirror.git/nb/eda.ipynb" in graph
    fraud_head = git(estate / "teams" / "fraud", "rev-parse", "HEAD")
    assert f"commit:git:teams/fraud@{fraud_head}" in graph
    assert f"commit:git:fraud-mirror.git@{fraud_head}" in graph
    # The outer work tree does not list the inner repository's files as its own.
    assert set(graph.in_edges("file:git:churn/vendor/lib/lib.py", "contains")) == {"repo:git:churn/vendor/lib"}
    assert not any(attrs(graph, f)["path"].startswith("vendor/") for f in graph.out_edges("repo:git:churn", "contains")
                   if graph.node(f)["kind"] == "file")
    # The loose files belong to the folder collector, which leaves every repo alone.
    assert file_ids(graph, "file:fs:") == {"file:fs:./notes/plan.csv"}
    assert graph.errors == []


def test_provenance_on_every_node(estate, monkeypatch):
    monkeypatch.chdir(estate.parent)
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    graph = scan_graph("estate")
    after = dt.datetime.now(dt.timezone.utc)
    assert len(graph) > 10
    for nid, data in graph.nodes():
        prov = data["provenance"]
        assert prov["collector"] == ("folder" if ":fs:" in nid else "git"), nid
        assert before <= dt.datetime.fromisoformat(prov["collected_at"]) <= after, nid
        if data["kind"] == "file":       # shown under the path as given, inside its repo
            (tree,) = graph.in_edges(nid, "contains")
            label = attrs(graph, tree)["path"]
            inside = data["attrs"]["path"] if label == "." else f"{label}/{data['attrs']['path']}"
            assert prov["source"] == f"estate/{inside}", nid
    assert graph.node("file:git:churn/train.py")["provenance"]["source"] == "estate/churn/train.py"
    assert graph.node("file:git:teams/fraud/nb/eda.ipynb")["provenance"] == {
        "collector": "git", "source": "estate/teams/fraud/nb/eda.ipynb",
        "collected_at": graph.node("file:git:teams/fraud/nb/eda.ipynb")["provenance"]["collected_at"]}
    assert graph.node("file:fs:./notes/plan.csv")["provenance"]["source"] == "estate/notes/plan.csv"
    assert graph.node("file:fs:./notes/plan.csv")["provenance"]["collector"] == "folder"
    assert graph.node("repo:git:teams/fraud")["provenance"]["source"] == "estate/teams/fraud"
    head = git(estate / "churn", "rev-parse", "HEAD")
    assert graph.node(f"commit:git:churn@{head}")["provenance"]["source"] == "estate/churn"


def test_scanning_dot_displays_paths_without_a_dot_prefix(estate, monkeypatch):
    monkeypatch.chdir(estate)
    graph = scan_graph(".")
    assert graph.node("file:git:churn/train.py")["provenance"]["source"] == "churn/train.py"
    assert graph.node("repo:git:teams/fraud")["provenance"]["source"] == "teams/fraud"
    assert graph.node("file:fs:./notes/plan.csv")["provenance"]["source"] == "notes/plan.csv"


# ---------------------------------------------------------------- nothing executes


MARKER_SCRIPT = "#!/bin/sh\necho \"$0 $*\" >> '{marker}'\ncat >/dev/null 2>&1 || true\n"


def arm_traps(git_dir: Path, tmp: Path) -> Path:
    """Config that makes git run a script (which records itself) for fsmonitor, hooks,
    clean/smudge filters, signature checks and the pager. Returns the marker file."""
    marker = tmp / "EXECUTED"
    bin_dir = tmp / "trap-bin"
    hooks = tmp / "trap-hooks"
    bin_dir.mkdir(exist_ok=True)
    hooks.mkdir(exist_ok=True)

    def script(path: Path) -> str:
        path.write_text(MARKER_SCRIPT.format(marker=marker))
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return str(path)

    for hook in ("post-checkout", "pre-commit", "post-commit", "post-merge", "pre-push",
                 "post-index-change", "reference-transaction", "pre-auto-gc", "post-rewrite"):
        script(hooks / hook)
        if (git_dir / "hooks").is_dir():          # the default hooks dir, in case hooksPath were dropped
            script(git_dir / "hooks" / hook)
    settings = {
        "core.fsmonitor": script(bin_dir / "fsmonitor"),
        "core.hooksPath": str(hooks),
        "filter.x.clean": script(bin_dir / "clean"),
        "filter.x.smudge": script(bin_dir / "smudge"),
        "filter.x.required": "true",
        "filter.lfs.clean": script(bin_dir / "lfs-clean"),
        "filter.lfs.smudge": script(bin_dir / "lfs-smudge"),
        "diff.x.textconv": script(bin_dir / "textconv"),
        "log.showSignature": "true",
        "gpg.program": script(bin_dir / "gpg"),
        "gpg.ssh.program": script(bin_dir / "ssh-keygen"),
        "core.pager": script(bin_dir / "pager"),
        "pager.log": script(bin_dir / "pager-log"),
        "core.sshCommand": script(bin_dir / "ssh"),
        "core.askPass": script(bin_dir / "askpass"),
        "credential.helper": "!" + script(bin_dir / "credential"),
        "core.untrackedCache": "true",
        "gc.auto": "1",
    }
    for key, value in settings.items():
        subprocess.run(["git", "--git-dir", str(git_dir), "config", key, value], check=True,
                       env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull})
    return marker


SIGNED_COMMIT = """tree {tree}
parent {parent}
author Test Author <author@example.com> 1767225600 +0000
committer Test Author <author@example.com> 1767225600 +0000
gpgsig -----BEGIN PGP SIGNATURE-----
 
 iQEzBAABCAAdFiEEAAAAAAAAAAAAAAAAAAAAAAAAAAAFAmAAAAAACgkQAAAAAAAA
 =AAAA
 -----END PGP SIGNATURE-----

signed commit
"""


def trap_repo(tmp_path: Path) -> Path:
    """A work tree whose files all go through filter x, with a signed commit at HEAD."""
    repo = make_repo(tmp_path / "trap", {
        ".gitattributes": "* filter=x diff=x\n*.pkl filter=lfs diff=lfs merge=lfs -text\n",
        "train.py": "print(1)\n", "nb/run.ipynb": notebook(), "model.pkl": LFS_POINTER})
    tree = git(repo, "rev-parse", "HEAD^{tree}")
    parent = git(repo, "rev-parse", "HEAD")
    body = SIGNED_COMMIT.format(tree=tree, parent=parent)
    signed = subprocess.run(["git", "hash-object", "-t", "commit", "-w", "--stdin"], cwd=repo,
                            input=body.encode(), stdout=subprocess.PIPE, check=True).stdout.decode().strip()
    git(repo, "update-ref", "refs/heads/main", signed)
    write_files(repo, {"train.py": "print(2)\n", "untracked.py": "x = 1\n", "nb/new.ipynb": notebook()})
    return repo


def test_traps_are_armed_for_plain_git(tmp_path):
    """The traps are real: ordinary git commands on the trap repo do run the scripts."""
    repo = trap_repo(tmp_path)
    marker = arm_traps(repo / ".git", tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
    for args in (["log", "-1"], ["status"], ["diff"], ["checkout", "-q", "-b", "other"]):
        subprocess.run(["git", *args], cwd=repo, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=60)
    ran = marker.read_text()
    for trap in ("gpg", "fsmonitor", "clean", "post-checkout"):
        assert f"/{trap}" in ran, trap


def test_scanning_a_hostile_work_tree_and_bare_clone_executes_nothing(tmp_path, scan_json):
    """Work tree, bare clone and a subdirectory, in process and through the CLI with every
    registered parser: the marker file the trap scripts write never appears."""
    repo = trap_repo(tmp_path)
    bare = tmp_path / "mirror" / "trap.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    marker = arm_traps(repo / ".git", tmp_path)
    assert arm_traps(bare, tmp_path) == marker
    for target in (repo, bare, repo / "nb"):
        graph = scan_graph(target)
        assert not marker.exists(), marker.read_text()
        assert graph.errors == [], target
        assert any(n.endswith("run.ipynb") for n in ids(graph, "file"))
    code, report, _ = scan_json(str(repo), str(bare.parent))
    assert code in (0, 1) and report["collection_errors"] == []
    assert not marker.exists(), marker.read_text()
    # The scan saw the signed commit and the filtered files as they are stored.
    graph = scan_graph(repo)
    signed = git(repo, "rev-parse", "main")
    assert attrs(graph, f"commit:git:.@{signed}")["subject"] == "signed commit"
    assert attrs(graph, "file:git:./model.pkl")["lfs"] is True
    assert attrs(graph, "file:git:./nb/run.ipynb")["nb_code_cells"] == 2


# ---------------------------------------------------------------- a .git that points elsewhere


@pytest.fixture
def other_repo(tmp_path):
    """A repository outside every scanned tree: its history and blobs must stay unread."""
    return make_repo(tmp_path / "other", {"private/plan.py": "launch = 'tuesday'\n"})


def point_dotgit(repo: Path, target: Path, how: str) -> None:
    """Make repo/.git lead to `target` (a git dir): a symlink, a .git file with gitdir:,
    or a .git folder whose commondir (as linked work trees have) names it."""
    repo.mkdir(parents=True, exist_ok=True)
    if how == "commondir":
        write_files(repo / ".git", {"HEAD": "ref: refs/heads/main\n", "commondir": f"{target}\n"})
    elif how == "symlink":
        (repo / ".git").symlink_to(target, target_is_directory=True)
    elif how == "gitdir-absolute":
        (repo / ".git").write_text(f"gitdir: {target}\n")
    else:
        (repo / ".git").write_text(f"gitdir: {os.path.relpath(target, repo)}\n")


def assert_not_followed(graph, where: str, other: Path) -> None:
    reasons = [e.reason for e in graph.errors if e.source == where and e.collector == "git"]
    assert len(reasons) == 1 and reasons[0].endswith("points outside the scanned tree; not followed"), \
        graph.errors
    head = git(other, "rev-parse", "HEAD")
    assert not any(head in nid for nid in ids(graph, "commit")), ids(graph, "commit")
    assert not any(nid.endswith("private/plan.py") for nid in ids(graph, "file"))


@pytest.mark.parametrize("how", ["symlink", "gitdir-absolute", "gitdir-relative", "commondir"])
def test_nested_dotgit_pointing_out_of_the_scanned_tree_is_not_followed(tmp_path, other_repo, how,
                                                                        monkeypatch):
    root = tmp_path / "scanme"
    write_files(root, {"notes.csv": "a\n1\n"})
    point_dotgit(root / "sub", other_repo / ".git", how)
    monkeypatch.chdir(tmp_path)
    graph = scan_graph("scanme")
    assert_not_followed(graph, "scanme/sub", other_repo)
    assert "repo:git:sub" not in graph
    assert "file:fs:./notes.csv" in graph         # the rest of the tree is still collected


@pytest.mark.parametrize("how", ["symlink", "gitdir-absolute"])
def test_scanned_root_and_source_whose_dotgit_points_out_are_not_followed(tmp_path, other_repo, how,
                                                                          monkeypatch):
    root = tmp_path / "scanme"
    point_dotgit(root, other_repo / ".git", how)
    (root / "train.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    assert_not_followed(scan_graph("scanme"), "scanme", other_repo)
    assert_not_followed(scan_graph(sources=["git=scanme"]), "scanme", other_repo)


def test_linked_work_tree_and_submodule_inside_the_scanned_tree_are_collected(tmp_path, monkeypatch):
    root = tmp_path / "estate"
    main = make_repo(root / "main", {"train.py": "x = 1\n"})
    git(main, "branch", "feature")
    git(main, "worktree", "add", "-q", str(root / "wt"), "feature")
    lib = make_repo(tmp_path / "lib-origin", {"lib.py": "y = 2\n"})
    app = make_repo(root / "app", {"app.py": "z = 3\n"})
    git(app, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(lib), "vendor/lib")
    git(app, "commit", "-q", "-m", "add submodule")
    assert (root / "wt" / ".git").is_file() and (app / "vendor" / "lib" / ".git").is_file()
    monkeypatch.chdir(tmp_path)
    graph = scan_graph("estate")
    assert graph.errors == []
    assert {"repo:git:main", "repo:git:wt", "repo:git:app", "repo:git:app/vendor/lib"} <= ids(graph, "repo")
    assert attrs(graph, "file:git:wt/train.py")["tracked"] is True
    assert attrs(graph, "file:git:app/vendor/lib/lib.py")["tracked"] is True
    assert attrs(graph, "repo:git:wt")["head"] == git(main, "rev-parse", "feature")


def test_linked_work_tree_scanned_without_its_main_repository_is_not_followed(tmp_path, monkeypatch):
    """The given path is the scanned tree: a work tree whose git dir lives in a repository
    outside it is reported, as any other .git that points out."""
    main = make_repo(tmp_path / "main", {"train.py": "x = 1\n"})
    git(main, "worktree", "add", "-q", "-b", "feature", str(tmp_path / "wt"))
    monkeypatch.chdir(tmp_path)
    assert_not_followed(scan_graph("wt"), "wt", main)
    assert_not_followed(scan_graph(sources=["git=wt"]), "wt", main)


# ---------------------------------------------------------------- damaged and hostile repositories
# Each gives a correct parse or one collection error naming the repository or the file,
# with the reason; the rest of the repository is still collected, and nothing hangs.


def object_path(repo: Path, sha: str) -> Path:
    return repo / ".git" / "objects" / sha[:2] / sha[2:]


def store_object(repo: Path, sha: str, stored: bytes) -> None:
    """Replace what the loose object `sha` holds on disk (normally zlib of
    b"<type> <size>\\0<content>") with `stored`, compressed unless it is to be garbage."""
    path = object_path(repo, sha)
    path.chmod(0o644)
    path.write_bytes(stored)


def nb_repo(tmp_path: Path, name: str = "repo") -> tuple[Path, dict[str, str]]:
    """Committed notebooks a-d (distinct blobs, 1-4 code cells) and a code file;
    returns the repo and each path's blob id."""
    files = {f"nb/{n}.ipynb": notebook(outputs=True, cells=i + 1) for i, n in enumerate("abcd")}
    files["train.py"] = "import torch\n"
    repo = make_repo(tmp_path / name, files)
    return repo, {p: git(repo, "rev-parse", f"HEAD:{p}") for p in files}


def errors_of(graph) -> list[tuple[str, str, str]]:
    return sorted((e.collector, e.source, e.reason) for e in graph.errors)


@pytest.mark.timeout(60)      # the lying header used to hang the scan forever
def test_blob_whose_header_states_the_wrong_size_costs_that_file_only(tmp_path):
    repo, blob = nb_repo(tmp_path)
    short, long = blob["nb/a.ipynb"], blob["nb/c.ipynb"]
    store_object(repo, short, zlib.compress(b"blob 900\0" + b'{"nbformat": 4}'))          # states more
    store_object(repo, long, zlib.compress(b"blob 3\0" + b'{"nbformat": 4, "cells": []}'))  # states less
    graph = scan_graph(repo)
    assert errors_of(graph) == [
        ("notebook", f"{repo.name}/nb/a.ipynb",
         f"unreadable: object {short[:12]} is corrupt: its header states 900 bytes, it holds 15"),
        ("notebook", f"{repo.name}/nb/c.ipynb",
         f"unreadable: object {long[:12]} is corrupt: it holds more than the 3 bytes its header states")]
    # The notebooks after each bad one are read through the same (restarted) reader.
    assert attrs(graph, "file:git:./nb/b.ipynb")["nb_code_cells"] == 2
    assert attrs(graph, "file:git:./nb/d.ipynb")["nb_code_cells"] == 4
    assert "nb_cells" not in attrs(graph, "file:git:./nb/a.ipynb")
    assert attrs(graph, "repo:git:.")["commit_count"] == 1


@pytest.mark.parametrize("damage", ["deleted", "not zlib", "header without a size", "unknown type"])
def test_missing_or_corrupt_blob_is_an_error_for_that_file(tmp_path, damage):
    repo, blob = nb_repo(tmp_path)
    sha = blob["nb/b.ipynb"]
    if damage == "deleted":
        object_path(repo, sha).unlink()
    else:
        store_object(repo, sha, {"not zlib": b"garbage, not an object",
                                 "header without a size": zlib.compress(b"blob\0{}"),
                                 "unknown type": zlib.compress(b"bolb 2\0{}")}[damage])
    graph = scan_graph(repo)
    assert errors_of(graph) == [("git", f"{repo.name}/nb/b.ipynb", f"blob {sha[:12]} is missing or corrupt; not read")]
    bad = attrs(graph, "file:git:./nb/b.ipynb")
    assert bad["tracked"] is True and bad["blob"] == sha and "size" not in bad and "nb_cells" not in bad
    assert [attrs(graph, f"file:git:./nb/{n}.ipynb")["nb_code_cells"] for n in "acd"] == [1, 3, 4]
    assert attrs(graph, "file:git:./train.py")["size"] == len("import torch\n")
    assert attrs(graph, "repo:git:.")["commit_count"] == 1


@pytest.mark.parametrize("damage", ["not zlib", "states less than it holds", "states more than it holds"])
def test_corrupt_commit_loses_the_history_not_the_files(tmp_path, damage):
    repo, _ = nb_repo(tmp_path)
    parent = git(repo, "rev-parse", "HEAD")
    commit_files(repo, {"nb/a.ipynb": notebook(outputs=False)}, "second")
    raw = subprocess.run(["git", "cat-file", "commit", parent], cwd=repo, check=True,
                         stdout=subprocess.PIPE).stdout
    stated = {"states less than it holds": len(raw) - 50, "states more than it holds": len(raw) + 50}
    store_object(repo, parent, zlib.compress(b"commit %d\0" % stated[damage] + raw) if damage in stated
                 else b"garbage, not an object")
    graph = scan_graph(repo)
    if damage == "states more than it holds":      # git reads it whole: a correct parse
        assert graph.errors == [] and attrs(graph, "repo:git:.")["commit_count"] == 2
    else:
        ((collector, source, reason),) = errors_of(graph)
        assert (collector, source) == ("git", repo.name)
        assert reason.startswith("history not collected: git log failed:")
        assert attrs(graph, "repo:git:.")["commit_count"] == 0
    assert attrs(graph, "file:git:./nb/a.ipynb")["nb_cells_with_outputs"] == 0
    assert attrs(graph, "file:git:./nb/d.ipynb")["nb_code_cells"] == 4


@pytest.mark.parametrize("where", ["branch", "HEAD's branch", "detached HEAD", "HEAD in a loop",
                                   "tag of a lost commit", "object of unknown type"])
def test_ref_pointing_at_a_missing_commit_is_one_error_and_the_rest_is_collected(history, where):
    repo, sha = history
    ghost = "0123456789abcdef" * 2 + "01234567"
    if where == "branch":
        git(repo, "update-ref", "--no-deref", "refs/heads/ghost", sha["c1"])
        (repo / ".git" / "refs" / "heads" / "ghost").write_text(ghost + "\n")
        ref, lost = "refs/heads/ghost", "history only it reaches"
    elif where == "HEAD's branch":
        (repo / ".git" / "refs" / "heads" / "main").write_text(ghost + "\n")
        ref, lost = "refs/heads/main", "its history and HEAD's tracked files"
    elif where == "detached HEAD":
        (repo / ".git" / "HEAD").write_text(ghost + "\n")
    elif where == "HEAD in a loop":
        write_files(repo / ".git", {"refs/heads/a": "ref: refs/heads/b\n", "refs/heads/b": "ref: refs/heads/a\n",
                                    "HEAD": "ref: refs/heads/a\n"})
    elif where == "object of unknown type":      # git dies on it rather than say "missing"
        (repo.parent / "odd").write_bytes(b"odd object")
        ghost = git(repo, "hash-object", "-t", "bogus", "-w", "--literally", str(repo.parent / "odd"))
        (repo / ".git" / "refs" / "tags" / "bogus").write_text(ghost + "\n")
        ref, lost = "refs/tags/bogus", "history only it reaches"
    else:
        git(repo, "tag", "-a", "lost", "-m", "tag of a commit that goes", sha["s1"])
        git(repo, "tag", "-d", "exp-1")
        object_path(repo, sha["s1"]).unlink()
        ref, lost = "refs/tags/lost", "history only it reaches"
    graph = scan_graph(repo)
    ((collector, source, reason),) = errors_of(graph)
    assert (collector, source) == ("git", repo.name)
    if where == "detached HEAD":
        assert reason == ("HEAD names a commit the repository does not hold (missing or corrupt); "
                          "tracked files are not collected")
    elif where == "HEAD in a loop":      # git's own words in the brackets
        assert reason.startswith("HEAD cannot be read (") and reason.endswith("; tracked files are not collected")
    else:
        shown = ghost if where != "tag of a lost commit" else git(repo, "rev-parse", "refs/tags/lost")
        assert reason == (f"ref {ref} leads to an object the repository does not hold "
                          f"({shown[:12]}, missing or corrupt); {lost} not collected")
    commits = {nid.rpartition("@")[2] for nid in ids(graph, "commit")}
    kept = {"c1", "f1", "c2", "m", "f2"} - ({"c2", "m"} if where == "HEAD's branch" else set())
    assert {sha[k] for k in kept} <= commits and ghost not in commits
    assert attrs(graph, f"commit:git:.@{sha['f2']}")["branches"] == ["feature"]
    tracked = "file:git:./train.py" in graph
    assert tracked is (where not in ("HEAD's branch", "detached HEAD", "HEAD in a loop"))


def test_truncated_pack_costs_what_it_held(tmp_path):
    """The first commit's objects go into a pack that is then cut in half; the second
    commit (loose) changed one notebook."""
    repo, blob = nb_repo(tmp_path)
    git(repo, "repack", "-q", "-a", "-d")
    commit_files(repo, {"nb/a.ipynb": notebook(outputs=False)}, "second")
    (pack,) = (repo / ".git" / "objects" / "pack").glob("*.pack")
    pack.chmod(0o644)
    os.truncate(pack, pack.stat().st_size // 2)
    graph = scan_graph(repo)
    history_error = [e for e in graph.errors if e.source == repo.name]
    assert len(history_error) == 1 and history_error[0].reason.startswith("history not collected:")
    unread = {e.source.rpartition("/")[2]: e.reason for e in graph.errors if e.source != repo.name}
    assert unread == {name: f"blob {blob['nb/' + name][:12]} is missing or corrupt; not read"
                      for name in ("b.ipynb", "c.ipynb", "d.ipynb")} | {
                         "train.py": f"blob {blob['train.py'][:12]} is missing or corrupt; not read"}
    assert attrs(graph, "file:git:./nb/a.ipynb")["nb_cells_with_outputs"] == 0   # the loose one is read


def test_unreadable_gitattributes_is_one_error_and_its_lfs_patterns_are_not_applied(files_repo, monkeypatch):
    repo, _ = files_repo
    sha = git(repo, "rev-parse", "HEAD:.gitattributes")
    object_path(repo, sha).unlink()
    missing = f"blob {sha[:12]} is missing or corrupt; not read"
    monkeypatch.chdir(repo.parent)
    whole = scan_graph("repo")                     # the file itself is scanned: its error says it
    assert errors_of(whole) == [("git", "repo/.gitattributes", missing)]
    assert "lfs" not in attrs(whole, "file:git:./root.pt")
    assert attrs(whole, "file:git:./models/churn.onnx")["lfs"] is True      # models/.gitattributes
    below = scan_graph("repo/data")                # above the scanned folder: named by the repo
    assert errors_of(below) == [("git", "repo/data", f".gitattributes: LFS patterns not read ({missing}); "
                                                     "files it routes to LFS are not marked")]
    assert "lfs" not in attrs(below, "file:git:./data/raw/events.csv")


def test_shallow_clone(tmp_path):
    repo = make_repo(tmp_path / "origin", {"train.py": "v = 0\n"})
    for i in range(1, 5):
        commit_files(repo, {"train.py": f"v = {i}\n"}, f"c{i}")
    clone = tmp_path / "shallow"
    git(tmp_path, "-c", "protocol.file.allow=always", "clone", "-q", "--depth", "2", f"file://{repo}", str(clone))
    graph = scan_graph(clone)
    assert graph.errors == []
    a = attrs(graph, "repo:git:.")
    head, boundary = git(clone, "rev-parse", "HEAD"), git(clone, "rev-parse", "HEAD~1")
    assert (a["shallow"], a["head"], a["commit_count"]) == (True, head, 2)
    assert ids(graph, "commit") == {f"commit:git:.@{head}", f"commit:git:.@{boundary}"}
    assert attrs(graph, f"commit:git:.@{head}")["parents"] == [boundary]
    assert attrs(graph, f"commit:git:.@{boundary}")["parents"] == []     # the cut, as git shows it
    assert attrs(graph, "file:git:./train.py")["size"] == len("v = 4\n")
    assert attrs(scan_graph(repo), "repo:git:.")["shallow"] is False


def test_bare_repository_with_no_commits(tmp_path):
    bare = tmp_path / "empty.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    graph = scan_graph(bare)
    assert graph.errors == []
    a = attrs(graph, "repo:git:.")
    assert (a["bare"], a["head"], a["commit_count"], a["default_branch"]) == (True, None, 0, "main")
    assert ids(graph, "commit") == set() and ids(graph, "file") == set()


def test_separators_escapes_and_an_enormous_subject_are_recorded_as_given(tmp_path):
    subjects = ["a\x1eb\x1fc", "tab\there \x1b[31mred\x1b[0m", "%x00 %H %s", "x" * 2_000_000]
    repo = make_repo(tmp_path / "repo")
    shas = []
    for i, subject in enumerate(subjects):
        (tmp_path / "msg").write_text(subject)
        write_files(repo, {f"step{i}.py": f"x = {i}\n"})
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "--cleanup=verbatim", "-F", str(tmp_path / "msg"))
        shas.append(git(repo, "rev-parse", "HEAD"))
    graph = scan_graph(repo)
    assert graph.errors == []
    recorded = [attrs(graph, f"commit:git:.@{s}")["subject"] for s in shas]
    assert recorded == [*subjects[:3], "x" * 200]
    assert attrs(graph, f"commit:git:.@{shas[1]}")["parents"] == [shas[0]]
    assert {f"file:git:./step{i}.py" for i in range(4)} <= ids(graph, "file")


def test_non_utf8_author_names_and_paths(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a.py": "1\n"})
    with open(os.fsencode(repo) + b"/caf\xe9.csv", "wb") as fh:
        fh.write(b"a\n1\n")
    parent = commit_files(repo, {}, "a latin-1 file name")
    tree = git(repo, "rev-parse", "HEAD^{tree}")
    # git commit would re-encode a latin-1 name to UTF-8: these two are made by hand.
    undeclared = hand_made_commit(repo, tree, parent, b"Jos\xe9 Latin", b"r\xe9sum\xe9")
    declared = hand_made_commit(repo, tree, undeclared, b"Jos\xe9 Latin", b"r\xe9sum\xe9",
                                header=b"encoding ISO-8859-1\n")
    git(repo, "update-ref", "refs/heads/main", declared)
    graph = scan_graph(repo)
    assert graph.errors == []
    a = attrs(graph, f"commit:git:.@{undeclared}")
    assert (a["author"], a["subject"]) == ("Jos\ufffd Latin", "r\ufffdsum\ufffd")
    a = attrs(graph, f"commit:git:.@{declared}")
    assert (a["author"], a["subject"]) == ("José Latin", "résumé")      # git re-encodes to UTF-8
    assert attrs(graph, "file:git:./caf\ufffd.csv")["size"] == 4


def hand_made_commit(repo: Path, tree: str, parent: str, author: bytes, message: bytes,
                     header: bytes = b"") -> str:
    """A commit object written as given (git commit refuses or rewrites odd ones)."""
    body = (f"tree {tree}\nparent {parent}\n".encode() + b"author " + author + b" <a@x> 1700000000 +0000\n"
            b"committer C <c@x> 1700000000 +0000\n" + header + b"\n" + message + b"\n")
    obj = repo.parent / "commit-object"
    obj.write_bytes(body)
    return git(repo, "hash-object", "-t", "commit", "-w", "--literally", str(obj))


def test_commit_object_git_cannot_fully_parse(tmp_path):
    """NUL in the author line and in the message (git commit refuses both)."""
    repo = make_repo(tmp_path / "repo", {"a.py": "1\n"})
    tree, parent = git(repo, "rev-parse", "HEAD^{tree}"), git(repo, "rev-parse", "HEAD")
    odd = hand_made_commit(repo, tree, parent, b"N\0ul", b"sub\0ject after a NUL")
    git(repo, "update-ref", "refs/heads/odd", odd)
    graph = scan_graph(repo)
    assert graph.errors == []
    a = attrs(graph, f"commit:git:.@{odd}")
    assert (a["parents"], a["author"], a["authored_at"], a["subject"], a["branches"]) == (
        [parent], "", None, "sub", ["odd"])
    assert a["committed_at"] == "2023-11-14T22:13:20+00:00"
    assert attrs(graph, f"commit:git:.@{parent}")["branches"] == ["main", "odd"]


def test_file_names_with_newlines_and_terminal_escapes(tmp_path):
    names = ["nb/line\nbreak.ipynb", "nb/\x1b[31mred\x1b[0m.ipynb", "nb/tab\tand \\ back.ipynb"]
    repo = make_repo(tmp_path / "repo", {name: notebook(outputs=True, cells=i + 1) for i, name in enumerate(names)})
    write_files(repo, {"scratch/new\nline.py": "x = 1\n", "scratch/\x1b]0;title\x07.ipynb": notebook(cells=4)})
    graph = scan_graph(repo)
    assert graph.errors == []
    for i, name in enumerate(names):
        a = attrs(graph, f"file:git:./{name}")
        assert a["path"] == name and a["tracked"] is True and a["nb_code_cells"] == i + 1
    assert attrs(graph, "file:git:./scratch/new\nline.py")["tracked"] is False
    assert attrs(graph, "file:git:./scratch/\x1b]0;title\x07.ipynb")["nb_code_cells"] == 4


@pytest.fixture
def served(tmp_path):
    """A repository served over file:// with partial clones allowed; returns (url, blobs)."""
    repo, blob = nb_repo(tmp_path, "origin")
    git(repo, "config", "uploadpack.allowFilter", "true")
    return f"file://{repo}", blob


def objects_on_disk(git_dir: Path) -> list[str]:
    return sorted(str(p.relative_to(git_dir)) for p in (git_dir / "objects").rglob("*") if p.is_file())


def test_blobless_partial_clone_never_fetches(served, tmp_path):
    url, blob = served
    clone = tmp_path / "partial.git"
    git(tmp_path, "-c", "protocol.file.allow=always", "clone", "-q", "--bare", "--filter=blob:none", url, str(clone))
    # One blob fetched on purpose: present blobs are read, missing ones are not fetched.
    git(clone, "-c", "protocol.file.allow=always", "cat-file", "-p", f"{blob['nb/c.ipynb']}")
    before = objects_on_disk(clone)
    graph = scan_graph(clone)
    assert objects_on_disk(clone) == before
    missing = {p: sha for p, sha in blob.items() if p != "nb/c.ipynb"}
    assert errors_of(graph) == sorted(
        ("git", f"{clone.name}/{p}", f"blob {sha[:12]} is not in this partial clone and mlcheck never fetches; not read")
        for p, sha in missing.items())
    assert attrs(graph, "file:git:./nb/c.ipynb")["nb_code_cells"] == 3
    assert attrs(graph, "file:git:./nb/c.ipynb")["size"] == len(notebook(outputs=True, cells=3))
    assert "size" not in attrs(graph, "file:git:./nb/a.ipynb")
    assert attrs(graph, "repo:git:.")["commit_count"] == 1


def test_treeless_partial_clone_keeps_its_history(served, tmp_path):
    url, _ = served
    clone = tmp_path / "treeless.git"
    git(tmp_path, "-c", "protocol.file.allow=always", "clone", "-q", "--bare", "--filter=tree:0", url, str(clone))
    before = objects_on_disk(clone)
    graph = scan_graph(clone)
    assert objects_on_disk(clone) == before
    ((collector, source, reason),) = errors_of(graph)
    assert (collector, source) == ("git", clone.name)
    assert reason.startswith("tracked files not collected: git ls-tree failed:")
    assert attrs(graph, "repo:git:.")["commit_count"] == 1 and ids(graph, "file") == set()


# -- blobs read ahead ---------------------------------------------------------------------

def blob_ids(repo: Path, names: list[str]) -> list[str]:
    return [git(repo, "rev-parse", f"HEAD:{n}") for n in names]


def test_prefetched_blobs_are_read_in_order_out_of_order_and_past_a_corrupt_one(tmp_path):
    """Requests queued ahead (one writer, no round trip per blob) give the same bytes: in
    the queued order, out of it (the queue is dropped and the rest asked afresh), and
    after a blob whose header lies (its process is dropped, the next blob still reads)."""
    from checker.collectors.git import Git
    contents = {f"f{i}.txt": f"content {i}\n" * (i * 500 + 1) for i in range(40)}
    repo = make_repo(tmp_path / "r", contents)
    names = sorted(contents)
    shas = blob_ids(repo, names)
    reader = Git(str(repo / ".git"), None).blob_reader()
    reader.prefetch(shas)
    assert [reader.read(s).decode() for s in shas[:10]] == [contents[n] for n in names[:10]]
    assert reader.read(shas[30]).decode() == contents[names[30]]         # out of order
    assert not reader.queued
    assert [reader.read(s).decode() for s in shas[11:14]] == [contents[n] for n in names[11:14]]
    reader.prefetch(shas[:5])
    reader.close()                              # answers left unread: no hang, no leftover
    assert reader.proc is None and not reader.queued

    lying = shas[20]
    obj = repo / ".git" / "objects" / lying[:2] / lying[2:]
    obj.chmod(0o644)
    obj.write_bytes(zlib.compress(b"blob 100000\0short"))
    reader.prefetch(shas)
    read = []
    for sha, name in zip(shas, names):
        try:
            read.append(reader.read(sha).decode() == contents[name])
        except OSError as exc:
            assert sha == lying and "header states 100000 bytes, it holds 5" in str(exc)
            read.append(None)
    assert read == [True] * 20 + [None] + [True] * 19
    reader.close()
