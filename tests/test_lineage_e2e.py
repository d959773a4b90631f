"""Lineage end to end: real git repository, real MLflow tracking server populated by real
training scripts, the full CLI scan with every built-in rule, findings checked node by node.

The estate (tests/mlflow_env.py): churn v1 from the committed train.py (champion,
Production), v2 from an untracked explore.py, v3 with no run, v4 whose run was deleted.
This module adds v6, trained at a commit that was then rewritten away, and v7 from a run
that logged no dataset.
"""
from __future__ import annotations

import json
import os

import pytest

from conftest import git, run_cli
from mlflow_env import MlflowServer, client_env, build_estates, make_estate_repo, run_script

pytest.importorskip("mlflow")


@pytest.fixture(scope="module")
def estate(tmp_path_factory):
    base = tmp_path_factory.mktemp("lineage")
    repo, head = make_estate_repo(base / "churn")
    server = MlflowServer(f"sqlite:///{base / 'mlflow.db'}", base / "artifacts", base / "server.log")
    server.start()
    try:
        (est,) = build_estates(repo, [server.url])
        # Train at a commit, then rewrite history so that commit exists nowhere any more.
        (repo / "train.py").write_text((repo / "train.py").read_text() + "# tuned\n")
        git(repo, "commit", "-q", "-am", "tune (to be rewritten)")
        lost_sha = git(repo, "rev-parse", "HEAD")
        rewritten = run_script(repo, "train.py", server.url)
        git(repo, "reset", "-q", "--hard", head)
        git(repo, "reflog", "expire", "--expire=now", "--all")
        git(repo, "gc", "-q", "--prune=now")
        from mlflow import MlflowClient
        with client_env(server.url):
            client = MlflowClient(server.url, server.url)
            v6 = client.create_model_version("churn", f"{rewritten['artifact_uri']}/model",
                                             run_id=rewritten["run_id"])
            v7 = client.create_model_version("churn", "s3://lake/models/churn/scratch",
                                             run_id=est.runs["scratch"])
        out = base / "report.json"
        snap = base / "snapshot.json"
        result = run_cli("scan", str(repo), "--source", f"mlflow={server.url}", "--format", "json",
                         "--output", str(out), "--snapshot-out", str(snap))
        yield {"repo": repo, "head": head, "lost": lost_sha, "estate": est, "exit": result.exit_code,
               "report": json.loads(out.read_text()), "snapshot": json.loads(snap.read_text()),
               "label": server.url.split("://", 1)[1], "v6": int(v6.version), "v7": int(v7.version),
               "rewritten_run": rewritten["run_id"], "cli": result.output}
    finally:
        server.stop()


def mv(e, version: int) -> str:
    return f"model_version:mlflow://{e['label']}/churn/{version}"


def run_node(e, run_id: str) -> str:
    return f"run:mlflow://{e['label']}/{run_id}"


def flagged(e, rule_id: str) -> dict[str, dict]:
    return {f["node"]: f for f in e["report"]["findings"] if f["rule_id"] == rule_id}


def test_scan_completes_and_gates(estate):
    assert estate["report"]["collection_errors"] == [], estate["cli"]
    assert estate["exit"] == 1      # high findings are open


def test_runs_link_to_commit_and_source_file(estate):
    edges = {(x["src"], x["kind"], x["dst"]) for x in estate["snapshot"]["edges"]}
    train = run_node(estate, estate["estate"].runs["train"])
    assert (train, "built_from", f"commit:git:.@{estate['head']}") in edges
    assert (train, "source_file", "file:git:./train.py") in edges
    assert (mv(estate, estate["estate"].versions["champion"]), "produced_by", train) in edges


def test_lin_001_versions_without_a_commit(estate):
    versions = estate["estate"].versions
    assert set(flagged(estate, "MLC-LIN-001")) == {
        mv(estate, versions["no_run"]), mv(estate, versions["deleted_run"]), mv(estate, estate["v7"])}


def test_lin_002_commit_rewritten_away(estate):
    hits = flagged(estate, "MLC-LIN-002")
    assert set(hits) == {mv(estate, estate["v6"])}
    finding = hits[mv(estate, estate["v6"])]
    assert finding["evidence"]["facts"]["git_commit"] == estate["lost"]
    assert "none of the 1 collected repositories" in finding["evidence"]["reason"]


def test_lin_003_untracked_training_script(estate):
    hits = flagged(estate, "MLC-LIN-003")
    staging = mv(estate, estate["estate"].versions["staging"])
    assert staging in hits and mv(estate, estate["estate"].versions["champion"]) not in hits
    assert "untracked" in hits[staging]["evidence"]["reason"]


def test_data_001_training_run_without_datasets(estate):
    assert set(flagged(estate, "MLC-DATA-001")) == {run_node(estate, estate["estate"].runs["scratch"])}


def test_data_002_is_escalated_for_the_champion(estate):
    hits = flagged(estate, "MLC-DATA-002")
    train = run_node(estate, estate["estate"].runs["train"])
    assert train in hits
    finding = hits[train]
    assert finding["severity"] == "high" and finding["escalation"]["from"] == "medium"
    assert "champion" in finding["escalation"]["reason"]
    assert "raised from medium" in finding["message"]


def test_snapshot_replay_gives_the_same_findings(estate, tmp_path):
    snap = tmp_path / "s.json"
    snap.write_text(json.dumps(estate["snapshot"]))
    out = tmp_path / "r.json"
    run_cli("scan", "--from-snapshot", str(snap), "--format", "json", "--output", str(out))
    assert json.loads(out.read_text())["findings"] == estate["report"]["findings"]


def test_token_never_printed(estate, monkeypatch, tmp_path):
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "sekr1t-token-value")
    out = tmp_path / "r.json"
    result = run_cli("scan", str(estate["repo"]), "--source", f"mlflow=http://{estate['label']}",
                     "--format", "json", "--output", str(out), "--format", "console")
    assert "sekr1t-token-value" not in result.output + out.read_text()
    assert os.environ["MLFLOW_TRACKING_TOKEN"] == "sekr1t-token-value"
