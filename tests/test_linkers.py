"""Linkers on hand-built graphs: each join made, and each join that cannot be made kept
as `unresolved` with its reason. (End to end with real git and MLflow: test_lineage_e2e.py.)"""
from __future__ import annotations

from checker import linkers
from checker.findings import DEFAULT_PRODUCTION, production_reason
from checker.graph import EstateGraph

SHA = "9f3c2e1a7b5d4c3e2f1a0b9c8d7e6f5a4b3c2d1e"


class TreeAt:
    """A RepositoryReader over fixed trees (the git collector's reader is tested with real
    repositories in test_lineage_e2e)."""

    def __init__(self, trees: dict[str, set[str]]) -> None:
        self.trees = trees

    def files_at(self, sha: str) -> set[str] | None:
        return self.trees.get(sha)


def repo_graph() -> EstateGraph:
    g = EstateGraph()
    g.add_node("repo", "git:churn", {"path": "churn", "vcs": "git"})
    g.add_node("commit", f"git:churn@{SHA}", {"sha": SHA})
    g.add_edge("repo:git:churn", f"commit:git:churn@{SHA}", "contains")
    g.add_node("file", "git:churn/src/train.py", {"path": "src/train.py", "tracked": True})
    g.add_edge("repo:git:churn", "file:git:churn/src/train.py", "contains")
    g.add_node("file", "git:churn/nb/tune.ipynb", {"path": "nb/tune.ipynb", "tracked": False})
    g.add_edge("repo:git:churn", "file:git:churn/nb/tune.ipynb", "contains")
    return g


def test_run_links_to_commit_by_full_and_short_sha():
    g = repo_graph()
    g.add_node("run", "r1", {"git_commit": SHA})
    g.add_node("run", "r2", {"git_commit": SHA[:10].upper()})
    linkers.link_runs_to_commits(g)
    assert list(g.out_edges("run:r1", "built_from")) == [f"commit:git:churn@{SHA}"]
    assert list(g.out_edges("run:r2", "built_from")) == [f"commit:git:churn@{SHA}"]


def test_unknown_commit_is_unresolved_with_reason():
    g = repo_graph()
    g.add_node("run", "r1", {"git_commit": "8a0c" + "0" * 36})
    linkers.link_runs_to_commits(g)
    assert not list(g.out_edges("run:r1", "built_from"))
    entry = g.node("run:r1")["attrs"]["unresolved"]["git_commit"]
    assert entry["value"] == "8a0c" + "0" * 36
    assert entry["reason"].startswith("points at commit 8a0c00000000, which none of the 1 collected")


def test_source_file_resolved_at_the_runs_commit():
    g = repo_graph()
    g.add_node("run", "r1", {"git_commit": SHA, "source_name": "/home/ana/work/churn/src/train.py"})
    g.add_node("run", "r2", {"git_commit": SHA, "source_name": "/home/ana/work/churn/src/old.py"})
    g.add_node("run", "r3", {"git_commit": SHA, "source_name": "/home/ana/churn/nb/tune.ipynb"})
    g.add_node("run", "r4", {"source_name": "/tmp/ipykernel_1/x.py"})
    linkers.link_runs_to_commits(g)
    at_commit = {"src/train.py", "src/old.py", "README.md"}
    linkers.link_runs_to_source_files(g, {"repo:git:churn": TreeAt({SHA: at_commit})})
    assert list(g.out_edges("run:r1", "source_file")) == ["file:git:churn/src/train.py"]
    # Deleted since HEAD: the file as it was at that commit.
    assert list(g.out_edges("run:r2", "source_file")) == ["file:git:churn/src/old.py"]
    assert g.node("file:git:churn/src/old.py")["attrs"]["in_head"] is False
    assert "untracked" in g.node("run:r3")["attrs"]["unresolved"]["source_name"]["reason"]
    assert "records no git commit" in g.node("run:r4")["attrs"]["unresolved"]["source_name"]["reason"]


def test_mlflow_datasets_pinned_by_dvc_path_or_versioned_source():
    g = EstateGraph()
    g.add_node("dataset", "dvc:git:./data/train.parquet", {"path": "data/train.parquet", "repo": "repo:git:.",
                                                         "declared_in": "dvc-file"})
    # A stage dependency only: DVC does not store it, so it pins nothing.
    g.add_node("dataset", "dvc:git:./data/raw.csv", {"path": "data/raw.csv", "repo": "repo:git:."})
    cases = {
        "dvc": {"source_uri": "/home/ana/churn/data/train.parquet"},
        "asset": {"source_uri": "azureml:churn-train:3"},
        "s3v": {"source_uri": "s3://lake/churn.csv?versionId=3HL4kqtJlcpXroDTDmJ"},
        "delta": {"source_uri": "dbfs:/tables/churn", "source": '{"path": "dbfs:/tables/churn", "delta_table_version": 4}'},
        "loose": {"source_uri": "https://example.com/churn-latest.csv"},
        "dep": {"source_uri": "data/raw.csv"},
        "badurl": {"source_uri": "http://[abc/churn.csv"},
        "none": {},
    }
    for name, attrs in cases.items():
        g.add_node("dataset", f"mlflow://s/r/{name}@d", attrs)
    linkers.link_run_datasets(g)
    pinned = {name: g.node(f"dataset:mlflow://s/r/{name}@d")["attrs"]["pinned"] for name in cases}
    assert pinned == {"dvc": True, "asset": True, "s3v": True, "delta": True, "loose": False,
                      "dep": False, "badurl": False, "none": False}
    assert list(g.out_edges("dataset:mlflow://s/r/dvc@d", "tracked_by")) == ["dataset:dvc:git:./data/train.parquet"]
    assert "no source URI" in g.node("dataset:mlflow://s/r/none@d")["attrs"]["pin_reason"]


def test_dvc_outputs_mark_the_files_they_track():
    g = EstateGraph()
    g.add_node("repo", "git:.", {"path": ".", "vcs": "git"})
    g.add_node("file", "git:./data/images/1.png", {"path": "data/images/1.png", "tracked": True})
    g.add_edge("repo:git:.", "file:git:./data/images/1.png", "contains")
    g.add_node("file", "git:./data/raw.csv", {"path": "data/raw.csv", "tracked": True})
    g.add_edge("repo:git:.", "file:git:./data/raw.csv", "contains")
    g.add_node("dataset", "dvc:git:./data/images", {"path": "data/images", "repo": "repo:git:.", "is_dir": True,
                                                    "declared_in": "dvc.yaml"})
    g.add_node("dataset", "dvc:git:./data/raw.csv", {"path": "data/raw.csv", "repo": "repo:git:."})  # a dep
    linkers.link_dvc_outputs_to_files(g)
    assert g.node("file:git:./data/images/1.png")["attrs"]["dvc_tracked"] is True
    assert "dvc_tracked" not in g.node("file:git:./data/raw.csv")["attrs"]


def test_a_failing_linker_is_a_collection_error_not_a_crash(monkeypatch):
    g = repo_graph()

    def broken(graph):
        raise RuntimeError("boom")
    monkeypatch.setattr(linkers, "linkers", lambda repositories: [
        ("broken", broken), ("link_runs_to_commits", linkers.link_runs_to_commits)])
    g.add_node("run", "r1", {"git_commit": SHA})
    linkers.run_linkers(g)
    assert [str(e) for e in g.errors] == ["broken: linker failed: RuntimeError: boom (linker)"]
    assert list(g.out_edges("run:r1", "built_from"))     # the other linkers still ran


def test_deployments_serve_the_referenced_version():
    g = EstateGraph()
    for v in ("1", "2", "10"):
        g.add_node("model_version", f"azureml:churn/{v}", {"name": "churn", "version": v})
    g.add_node("deployment", "pinned", {"model_name": "churn", "model_version": "2"})
    g.add_node("deployment", "latest", {"model_name": "churn", "model_version": "latest"})
    g.add_node("deployment", "missing", {"model_name": "churn", "model_version": "7"})
    linkers.link_deployments_to_models(g)
    assert list(g.out_edges("deployment:pinned", "serves")) == ["model_version:azureml:churn/2"]
    assert list(g.out_edges("deployment:latest", "serves")) == ["model_version:azureml:churn/10"]
    assert g.node("deployment:latest")["attrs"]["model_ref_pinned"] is False
    assert "version 7 is not in any collected registry" in \
        g.node("deployment:missing")["attrs"]["unresolved"]["model"]["reason"]


def test_production_reason_follows_lineage_and_params():
    g = EstateGraph()
    g.add_node("model_version", "m/1", {"name": "churn", "version": 1, "aliases": ["Prod-EU"]})
    g.add_node("model_version", "m/2", {"name": "churn", "version": 2, "aliases": [], "stage": "Staging"})
    g.add_node("run", "r1", {})
    g.add_node("dataset", "d1", {})
    g.add_edge("model_version:m/1", "run:r1", "produced_by")
    g.add_edge("run:r1", "dataset:d1", "reads")
    assert "production alias 'Prod-EU'" in production_reason(g, "dataset:d1", DEFAULT_PRODUCTION)
    assert production_reason(g, "model_version:m/2", DEFAULT_PRODUCTION) is None
    assert "stage Staging" in production_reason(g, "model_version:m/2", {"aliases": [], "stages": ["Staging"]})
    # A DVC output feeds the champion through the MLflow dataset that is tracked by it.
    g.add_node("dataset", "dvc:git:./data/train.csv", {})
    g.add_edge("dataset:d1", "dataset:dvc:git:./data/train.csv", "tracked_by")
    assert "Prod-EU" in production_reason(g, "dataset:dvc:git:./data/train.csv", DEFAULT_PRODUCTION)
