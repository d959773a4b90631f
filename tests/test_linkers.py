"""Linkers on hand-built graphs: each join made, and each join that cannot be made kept
as `unresolved` with its reason. (End to end with real git and MLflow: test_lineage_e2e.py.)"""
from __future__ import annotations

import pytest

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


# -- datasets: pinned or not, from the raw facts collectors record ---------------------------

REPO = "repo:git:."
SHA40 = "e6f1c2b3a4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9"
ARM = ("azureml:/subscriptions/0000/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/"
       "workspaces/ws-ml/data/churn")


def azureml(reference: str, ref_kind: str, **facts) -> dict:
    """An Azure ML spec's data reference as the parser records it: raw facts, no judgement."""
    return {"store": "azureml-spec", "reference": reference, "ref_kind": ref_kind, **facts}


def local(path: str, repo: str = REPO) -> dict:
    return azureml(f"../{path}", "local", path=path, repo=repo)


def mlflow(source_uri: str | None = None, **source) -> dict:
    """An MLflow dataset input: its source JSON and the URI in it."""
    import json
    attrs = {"store": "mlflow", "name": "d", "digest": "abc"}
    if source_uri:
        source = {"uri": source_uri, **source}
        attrs["source_uri"] = source_uri
    if source:
        attrs["source"] = json.dumps(source)
    return attrs


NOT_DVC = "source is neither DVC-tracked nor a versioned asset"
# Each version marker both ways: the raw facts of one dataset → (pinned, pin_reason).
PIN_CASES = {
    # Azure ML asset references: short form, URIs, ARM ids, and assets a spec defines.
    "asset-version": (azureml("azureml:churn:3", "asset"), True, "Azure ML asset version"),
    "asset-latest": (azureml("azureml:churn@latest", "asset"), False, "latest label"),
    "asset-empty-label": (azureml("azureml:churn@", "asset"), False, "latest label"),
    "asset-label": (azureml("azureml:churn@prod", "asset"), False, "label 'prod'"),
    "asset-no-version": (azureml("azureml:churn", "asset"), False, "no version"),
    "asset-empty-version": (azureml("azureml:churn:", "asset"), False, "no version"),
    "uri-version": (azureml("azureml://registries/shared/data/census/versions/5", "asset"),
                    True, "Azure ML asset version"),
    "uri-label": (azureml("azureml://subscriptions/0000/resourcegroups/rg/workspaces/ws/data/census/labels/latest",
                          "asset"), False, "latest label"),
    "uri-no-version": (azureml("azureml://registries/shared/data/census", "asset"), False, "no version"),
    "arm-id-version": (azureml(ARM + "/versions/2", "asset"), True, "Azure ML asset version"),
    "arm-id-no-version": (azureml(ARM, "asset"), False, "no version"),
    "spec-version": ({"store": "azureml-spec", "name": "churn", "version": 3, "ref_kind": "asset",
                      "defined_in": "data/churn.yml"}, True, "Azure ML asset version"),
    "spec-no-version": ({"store": "azureml-spec", "name": "churn", "ref_kind": "asset",
                         "defined_in": "data/churn.yml"}, False, "no version"),
    # Azure ML URIs that are not assets.
    "datastore": (azureml("azureml://datastores/workspaceblobstore/paths/churn/", "datastore_path"),
                  False, "datastore path has no version"),
    "job-output": (azureml("azureml://jobs/train-01/outputs/artifacts/paths/model/", "job_output"),
                   True, "output of a named job run"),
    "azureml-unknown": (azureml("azureml://featurestores/fs/things/x", "azureml_uri"),
                        False, "unrecognised azureml URI"),
    # URLs: an object version the parser recorded apart from the URL (its query is dropped).
    "url-version-id": (azureml("https://acct.blob.core.windows.net/c/churn.csv", "url",
                               version_id="2024-01-05T10:00:00.0000000Z"), True, "object version in the URI"),
    "url": (azureml("https://acct.blob.core.windows.net/c/churn.csv", "url"), False, "URL has no version"),
    # Local paths: pinned only when DVC tracks them (the output, or a folder above it).
    "local-dvc-output": (local("data/raw"), True, "DVC-tracked output"),
    "local-in-dvc-folder": (local("data/raw/2024-01.csv"), True, "DVC-tracked output"),
    "local": (local("data/reference"), False, "local path"),
    "local-stage-dep": (local("data/in.csv"), False, "local path"),
    "local-other-repo": (local("data/raw", repo="repo:git:other"), False, "local path"),
    # MLflow dataset sources.
    "mlflow-dvc-output": (mlflow("/home/ana/churn/data/raw"), True, "DVC-tracked output"),
    "mlflow-stage-dep": (mlflow("data/in.csv"), False, f"{NOT_DVC} (data/in.csv)"),
    "mlflow-asset": (mlflow("azureml:churn:3"), True, "Azure ML asset version"),
    "mlflow-asset-latest": (mlflow("azureml:churn@latest"), False, "latest label"),
    "mlflow-s3-version": (mlflow("s3://lake/churn.csv?versionId=3HL4kqtJlcpXroDTDmJ"),
                          True, "object version in the URI"),
    "mlflow-gcs-generation": (mlflow("gs://lake/churn.csv?generation=1704067200000000"),
                              True, "object version in the URI"),
    "mlflow-blob-versionid": (mlflow("https://acct.blob.core.windows.net/c/churn.csv?versionid=2024-01-05"),
                              True, "object version in the URI"),
    "mlflow-blob-snapshot": (mlflow("https://acct.blob.core.windows.net/c/churn.csv?snapshot=2024-01-05"),
                             True, "object version in the URI"),
    "mlflow-s3": (mlflow("s3://lake/churn.csv"), False, f"{NOT_DVC} (s3://lake/churn.csv)"),
    "mlflow-delta-version": (mlflow("dbfs:/tables/churn", delta_table_version=4), True, "Delta table version"),
    "mlflow-delta": (mlflow("dbfs:/tables/churn", delta_table_name="churn"), False,
                     f"{NOT_DVC} (dbfs:/tables/churn)"),
    "mlflow-hf-commit": (mlflow(None, path="imdb", revision=SHA40), True, "dataset revision pinned to a commit"),
    "mlflow-hf-branch": (mlflow(None, path="imdb", revision="main"), False, f"{NOT_DVC} (no source URI recorded)"),
    "mlflow-hf-uri-commit": (mlflow(f"hf://datasets/stanfordnlp/imdb@{SHA40}/plain_text/train.parquet"),
                             True, "dataset revision pinned to a commit"),
    "mlflow-hf-uri-branch": (mlflow("hf://datasets/stanfordnlp/imdb@main/plain_text/train.parquet"),
                             False, f"{NOT_DVC} (hf://datasets/stanfordnlp/imdb@main/plain_text/train.parquet)"),
    "mlflow-dvc-uri": (mlflow("dvc://github.com/contoso/churn/data/features.parquet"), True, "DVC revision"),
    "mlflow-dvc-rev": (mlflow("data/other.csv", dvc_rev="v1.2"), True, "DVC revision"),
    "mlflow-http": (mlflow("https://example.com/churn-latest.csv"), False,
                    f"{NOT_DVC} (https://example.com/churn-latest.csv)"),
    "mlflow-bad-url": (mlflow("http://[abc/churn.csv"), False, f"{NOT_DVC} (http://[abc/churn.csv)"),
    "mlflow-no-source": (mlflow(), False, f"{NOT_DVC} (no source URI recorded)"),
}


def dvc_graph() -> EstateGraph:
    """A repository with a DVC-tracked folder (data/raw.dvc) and a stage dependency."""
    g = EstateGraph()
    g.add_node("repo", "git:.", {"path": ".", "vcs": "git"})
    g.add_node("dataset", "dvc:git:./data/raw", {"store": "dvc", "path": "data/raw", "repo": REPO,
                                                "declared_in": "dvc-file", "is_dir": True})
    # A stage dependency only: DVC does not store it, so it pins nothing.
    g.add_node("dataset", "dvc:git:./data/in.csv", {"store": "dvc", "path": "data/in.csv", "repo": REPO})
    return g


@pytest.mark.parametrize("stale", [None, True, False], ids=["raw", "stale-pinned", "stale-unpinned"])
@pytest.mark.parametrize("case", PIN_CASES, ids=list(PIN_CASES))
def test_dataset_pinned_from_raw_facts_by_one_list_of_markers(case, stale):
    """Both ways for every marker, whatever a collector may have judged before (`stale`):
    the linker decides from the raw facts alone."""
    attrs, pinned, reason = PIN_CASES[case]
    g = dvc_graph()
    if stale is not None:
        attrs = {**attrs, "pinned": stale, "pin_reason": "a collector's own judgement"}
    nid = g.add_node("dataset", f"case:{case}", attrs)
    linkers.link_dataset_versions(g)
    got = g.node(nid)["attrs"]
    assert (got["pinned"], got["pin_reason"]) == (pinned, reason)
    tracked = list(g.out_edges(nid, "tracked_by"))
    assert tracked == (["dataset:dvc:git:./data/raw"] if reason == "DVC-tracked output" else [])


def test_dvc_outputs_are_pinned_and_stage_dependencies_left_unjudged():
    g = dvc_graph()
    linkers.link_dataset_versions(g)
    out, dep = g.node("dataset:dvc:git:./data/raw")["attrs"], g.node("dataset:dvc:git:./data/in.csv")["attrs"]
    assert (out["pinned"], out["pin_reason"]) == (True, "DVC-tracked output")
    assert "pinned" not in dep and "pin_reason" not in dep


def test_stores_are_told_apart_by_their_store_attribute_not_node_ids():
    """A DVC output under any id pins what it holds; a dataset whose id merely looks like
    DVC's is judged by its own store's facts."""
    g = EstateGraph()
    g.add_node("dataset", "whatever/raw", {"store": "dvc", "path": "data/raw", "repo": REPO, "declared_in": "dvc.yaml"})
    g.add_node("dataset", "dvc:lookalike", mlflow("https://example.com/x.csv"))
    g.add_node("dataset", "mlflow://s/r/d@1", local("data/raw"))
    linkers.link_dataset_versions(g)
    assert g.node("dataset:dvc:lookalike")["attrs"]["pinned"] is False
    assert list(g.out_edges("dataset:mlflow://s/r/d@1", "tracked_by")) == ["dataset:whatever/raw"]


def test_dvc_outputs_mark_the_files_they_track():
    g = EstateGraph()
    g.add_node("repo", "git:.", {"path": ".", "vcs": "git"})
    g.add_node("file", "git:./data/images/1.png", {"path": "data/images/1.png", "tracked": True})
    g.add_edge("repo:git:.", "file:git:./data/images/1.png", "contains")
    g.add_node("file", "git:./data/raw.csv", {"path": "data/raw.csv", "tracked": True})
    g.add_edge("repo:git:.", "file:git:./data/raw.csv", "contains")
    g.add_node("dataset", "dvc:git:./data/images", {"store": "dvc", "path": "data/images", "repo": "repo:git:.",
                                                    "is_dir": True, "declared_in": "dvc.yaml"})
    g.add_node("dataset", "dvc:git:./data/raw.csv", {"store": "dvc", "path": "data/raw.csv",
                                                     "repo": "repo:git:."})  # a dep
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


# -- data and serving into the infrastructure ---------------------------------------------

def storage_graph() -> EstateGraph:
    g = EstateGraph()
    g.add_node("resource", "bicep:git:./infra/st.bicep#pii", {"type": "storage_account", "name": "stCustomerPii"})
    g.add_node("resource", "terraform:git:./x/main.tf#data.azurerm_storage_account.pii",
               {"type": "storage_account", "name": "stcustomerpii", "existing": True})
    g.add_node("resource", "bicep:git:./infra/st.bicep#vault", {"type": "key_vault", "name": "stcustomerpii"})
    for key, uri in {
        "abfss": "abfss://raw@stcustomerpii.dfs.core.windows.net/customers/2026.parquet",
        "https": "https://stcustomerpii.blob.core.windows.net/raw/c.csv?versionid=2026",
        "wasbs": "wasbs://raw@STCUSTOMERPII.blob.core.windows.net/c.csv",
        "other": "https://stother.blob.core.windows.net/raw/c.csv",
        "lookalike": "https://stcustomerpii.blob.core.windows.net.evil.example/c.csv",
        "s3": "s3://stcustomerpii/c.csv",
    }.items():
        g.add_node("dataset", f"mlflow:{key}", {"store": "mlflow", "source_uri": uri})
    return g


def test_datasets_link_to_the_storage_account_their_uri_names():
    g = storage_graph()
    linkers.link_datasets_to_storage(g)
    pii = "resource:bicep:git:./infra/st.bicep#pii"
    linked = {nid: list(g.out_edges(nid, "stored_in")) for nid, _ in g.nodes("dataset")}
    assert linked == {"dataset:mlflow:abfss": [pii], "dataset:mlflow:https": [pii], "dataset:mlflow:wasbs": [pii],
                      "dataset:mlflow:other": [], "dataset:mlflow:lookalike": [], "dataset:mlflow:s3": []}


def test_endpoints_expose_the_deployments_that_name_them():
    g = EstateGraph()
    g.add_node("endpoint", "azureml:git:./serve/ep.yml#churn", {"type": "ml_online_endpoint", "name": "churn"})
    g.add_node("endpoint", "azureml:other", {"type": "ml_online_endpoint", "name": "other"})
    g.add_node("deployment", "azureml:git:./serve/blue.yml", {"endpoint_name": "churn"})
    g.add_node("deployment", "azureml:git:./serve/nameless.yml", {})
    linkers.link_endpoints_to_deployments(g)
    assert list(g.out_edges("endpoint:azureml:git:./serve/ep.yml#churn", "exposes")) == [
        "deployment:azureml:git:./serve/blue.yml"]
    assert list(g.out_edges("endpoint:azureml:other", "exposes")) == []
