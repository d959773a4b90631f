"""Model versions' artifacts from real MLflow stores: a SQLite store whose artifacts are on
disk, and a real tracking server on loopback serving them through its artifact proxy."""
from __future__ import annotations

from pathlib import Path

import pytest

import model_files as m
from checker.collectors import CollectContext, file_parsers, load_registry
from checker.collectors.mlflow import MlflowCollector
from checker.graph import EstateGraph
from checker.linkers import run_linkers
from mlflow_env import MlflowServer, mlflow_env

MLMODEL = """\
artifact_path: model
flavors:
  python_function:
    env: {conda: conda.yaml, virtualenv: python_env.yaml}
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.11.9
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.5.2
mlflow_version: 3.1.0
model_uuid: 6f1c2d
signature:
  inputs: '[{"type": "double", "name": "tenure"}]'
  outputs: '[{"type": "long"}]'
"""


def write_model(folder: Path, pickle_bytes: bytes, mlmodel: str = MLMODEL) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "MLmodel").write_text(mlmodel)
    (folder / "model.pkl").write_bytes(pickle_bytes)
    (folder / "requirements.txt").write_text("scikit-learn==1.5.2\n")


def collect(uri: str) -> EstateGraph:
    graph = EstateGraph()
    ctx = CollectContext(graph, parsers=file_parsers(load_registry()))
    MlflowCollector().collect(MlflowCollector.from_uri(uri), ctx)
    run_linkers(graph)
    return graph


@pytest.fixture(scope="module")
def sqlite_store(tmp_path_factory):
    """A SQLite store made by MLflow itself; model artifacts written into the runs' folders."""
    import mlflow
    from mlflow import MlflowClient
    tmp = tmp_path_factory.mktemp("store")
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    client = MlflowClient(uri, uri)
    exp = client.create_experiment("churn", artifact_location=str(tmp / "artifacts"))
    evil = client.create_run(exp, run_name="evil").info.run_id
    good = client.create_run(exp, run_name="good").info.run_id
    write_model(tmp / "artifacts" / evil / "artifacts" / "model", m.stack_global_reduce("os", "system"))
    write_model(tmp / "artifacts" / good / "artifacts" / "model", m.sklearn_pickle())
    (tmp / "artifacts" / good / "artifacts" / "model" / "MLmodel").write_text("flavors: [unclosed\n")
    client.create_registered_model("churn")
    client.create_model_version("churn", f"{tmp}/artifacts/{evil}/artifacts/model", run_id=evil)   # v1
    client.create_model_version("churn", f"runs:/{evil}/model", run_id=evil)                      # v2
    client.create_model_version("churn", f"{tmp}/artifacts/{good}/artifacts/model", run_id=good)   # v3
    client.create_model_version("churn", "s3://contoso-models/churn/handmade")                    # v4
    # v5 names run `good` but its files are evil's: not what that run trained (MLC-MODEL-004).
    client.create_model_version("churn", f"{tmp}/artifacts/{evil}/artifacts/model", run_id=good)
    del mlflow
    return tmp, collect(uri), evil


def version(graph, n):
    return next((nid, d["attrs"]) for nid, d in graph.nodes("model_version") if d["attrs"]["version"] == n)


def test_local_artifacts_are_read_and_the_file_is_shared_by_the_versions_holding_it(sqlite_store):
    tmp, graph, evil = sqlite_store
    files = {d["attrs"]["path"]: nid for nid, d in graph.nodes("file")}
    bad = files[f"{tmp}/artifacts/{evil}/artifacts/model/model.pkl"]
    assert graph.node(bad)["attrs"]["model_runs_code_on_load"] is True
    assert graph.node(bad)["attrs"]["model_code"][0]["global"] == "os.system"
    holders = sorted(graph.node(v)["attrs"]["version"] for v in graph.in_edges(bad, "contains"))
    assert holders == [1, 5]
    v1 = version(graph, 1)[1]
    assert v1["artifacts"] == "read"
    assert v1["mlmodel"]["flavor"] == "sklearn"
    assert v1["mlmodel"]["serialization_format"] == "cloudpickle"
    assert v1["mlmodel"]["pickled_model"] == "model.pkl"
    assert v1["mlmodel"]["loader_module"] == "mlflow.sklearn"
    assert v1["mlmodel"]["signature"] is True and v1["mlmodel"]["input_example"] is False
    assert v1["artifact_formats"] == ["pickle"] and v1["artifact_formats_run_code"] is True


def test_runs_uri_goes_through_the_runs_artifact_root(sqlite_store):
    tmp, graph, evil = sqlite_store
    nid, v2 = version(graph, 2)
    assert v2["artifacts"] == "read"
    (held,) = graph.out_edges(nid, "contains")
    assert graph.node(held)["attrs"]["path"] == f"runs:/{evil}/model/model.pkl"
    assert graph.node(held)["attrs"]["model_runs_code_on_load"] is True


def test_remote_store_is_unknown_never_clean(sqlite_store):
    _, graph, _ = sqlite_store
    nid, v4 = version(graph, 4)
    assert v4["artifacts"] == "unknown"
    assert v4["artifacts_unknown_reason"] == "s3:// object store not reachable from the scan"
    assert list(graph.out_edges(nid, "contains")) == []


def test_mlmodel_that_is_not_yaml_is_a_collection_error_naming_it(sqlite_store):
    tmp, graph, _ = sqlite_store
    _, v3 = version(graph, 3)
    assert v3["mlmodel"] == "unreadable"
    assert any(e.source.endswith("/MLmodel") and "not YAML" in e.reason for e in graph.errors)


def test_runs_carry_their_artifact_root(sqlite_store):
    tmp, graph, evil = sqlite_store
    run = next(d["attrs"] for _, d in graph.nodes("run") if d["attrs"]["run_id"] == evil)
    assert run["artifact_uri"] == f"{tmp}/artifacts/{evil}/artifacts"


def test_symlink_inside_the_artifact_folder_is_not_followed(tmp_path):
    from mlflow import MlflowClient
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(uri, uri)
    exp = client.create_experiment("x", artifact_location=str(tmp_path / "a"))
    run = client.create_run(exp).info.run_id
    folder = tmp_path / "a" / run / "artifacts" / "model"
    write_model(folder, m.sklearn_pickle())
    (tmp_path / "secret.pkl").write_bytes(m.global_reduce("os", "system"))
    (folder / "extra.pkl").symlink_to(tmp_path / "secret.pkl")
    client.create_registered_model("x")
    client.create_model_version("x", str(folder), run_id=run)
    graph = collect(uri)
    assert [e.reason for e in graph.errors] == ["symlink inside the model's artifact folder; not followed"]
    assert all(not d["attrs"]["path"].endswith("extra.pkl") for _, d in graph.nodes("file"))


@pytest.mark.timeout(240)
def test_tracking_server_artifact_proxy(tmp_path):
    """A real `mlflow server` serving artifacts (mlflow-artifacts:/ URIs): the model files
    are read through /api/2.0/mlflow-artifacts/artifacts/…"""
    import os
    server = MlflowServer(f"sqlite:///{tmp_path / 'mlflow.db'}", tmp_path / "unused", tmp_path / "server.log")
    i = server.cmd.index("--default-artifact-root")
    server.cmd[i:i + 2] = ["--artifacts-destination", str(tmp_path / "served")]
    with server:
        from mlflow import MlflowClient
        old = os.environ.copy()
        os.environ.update({k: v for k, v in mlflow_env().items() if k.startswith("MLFLOW")})
        try:
            client = MlflowClient(server.url, server.url)
            exp = client.create_experiment("churn")
            run = client.create_run(exp).info.run_id
            local = tmp_path / "model"
            write_model(local, m.torch_zip(m.stack_global_reduce("subprocess", "Popen")))
            client.log_artifacts(run, str(local), "model")
            client.create_registered_model("churn")
            client.create_model_version("churn", client.get_run(run).info.artifact_uri + "/model", run_id=run)
        finally:
            os.environ.clear()
            os.environ.update(old)
        graph = collect(server.url)
    _, v1 = version(graph, 1)
    assert v1["source"].startswith("mlflow-artifacts:/")
    assert v1["artifacts"] == "read", (v1, graph.errors)
    assert v1["mlmodel"]["flavor"] == "sklearn"
    (f,) = [d["attrs"] for _, d in graph.nodes("file")]
    assert f["model_format"] == "torch-zip"
    assert f["model_code"][0]["global"] == "subprocess.Popen"
    assert f["model_code"][0]["member"] == "archive/data.pkl"


def test_finding_names_every_version_holding_the_file_served_or_not(sqlite_store):
    import json

    from conftest import run_mlcheck
    tmp, _, evil = sqlite_store
    result = run_mlcheck("scan", "--source", f"mlflow={tmp / 'mlflow.db'}", "--format", "json")
    doc = json.loads(result.stdout[:result.stdout.rindex("}") + 1])
    found = {f["node"]: f for f in doc["findings"] if f["rule_id"] == "MLC-MODEL-001"}
    (f,) = [f for node, f in found.items() if node.endswith(f"{evil}/artifacts/model/model.pkl")]
    assert f["evidence"]["model_versions"] == ["churn v1", "churn v5"]
    assert f["evidence"]["served_by"] == [] and f["evidence"]["endpoints"] == []
    assert {x["node"].rsplit("/", 1)[-1] for x in doc["findings"] if x["rule_id"] == "MLC-MODEL-004"} == {"5"}


# -- MLflow 3 logged models: a version's source is models:/<model_id> ----------------------

def log_and_register_mlflow3(tracking_uri: str, artifact_location: str | None,
                             other_run: bool = True) -> dict:
    """The MLflow 3 way: mlflow.sklearn.log_model(..., name=...) in a run, then
    register_model(models:/<model_id>). The logged model.pkl is then overwritten with a
    pickle that would run a command (written opcode by opcode, never loaded): the artifact
    a loader would fetch. With `other_run`, a second version names another run (a tracking
    server refuses that; MLflow's own SQL store, used in-process, does not)."""
    import os

    import mlflow
    import mlflow.sklearn
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    old = os.environ.copy()
    # MLFLOW_ALLOW_FILE_STORE: MLflow 3 keeps the file store in maintenance, behind this switch.
    os.environ.update({k: v for k, v in mlflow_env(MLFLOW_ALLOW_FILE_STORE="true").items() if k.startswith("MLFLOW")})
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    try:
        client = mlflow.MlflowClient(tracking_uri, tracking_uri)
        exp = client.create_experiment("churn", artifact_location=artifact_location)
        model = LogisticRegression().fit(np.array([[0.0], [1.0]]), [0, 1])
        with mlflow.start_run(experiment_id=exp) as run:
            info = mlflow.sklearn.log_model(model, name="model", serialization_format="cloudpickle")
        mlflow.register_model(info.model_uri, "churn")                                  # v1
        other = client.create_run(exp).info.run_id if other_run else None
        if other_run:
            client.create_model_version("churn", info.model_uri, run_id=other)         # v2
        logged = client.get_logged_model(info.model_id)
        return {"model_id": info.model_id, "run": run.info.run_id, "other": other,
                "artifact_uri": logged.artifact_location}
    finally:
        mlflow.set_tracking_uri(None)
        mlflow.set_registry_uri(None)
        os.environ.clear()
        os.environ.update(old)


@pytest.fixture(scope="module")
def mlflow3_sqlite_store(tmp_path_factory):
    from mlflow_env import add_version
    tmp = tmp_path_factory.mktemp("mlflow3")
    made = log_and_register_mlflow3(f"sqlite:///{tmp / 'mlflow.db'}", str(tmp / "artifacts"))
    model_pkl = tmp / "artifacts" / "models" / made["model_id"] / "artifacts" / "model.pkl"
    model_pkl.write_bytes(m.stack_global_reduce("os", "system"))
    import sqlite3
    db = sqlite3.connect(tmp / "mlflow.db")
    with db:
        add_version(db, "churn", 3, made["run"], "models:/m-0000notinthestore")
    db.close()
    return tmp, made


def test_a_logged_model_version_is_read_at_the_logged_models_artifacts(mlflow3_sqlite_store):
    tmp, made = mlflow3_sqlite_store
    graph = collect(str(tmp / "mlflow.db"))
    nid, v1 = version(graph, 1)
    assert v1["source"] == f"models:/{made['model_id']}"
    assert (v1["logged_model_id"], v1["logged_model_run_id"]) == (made["model_id"], made["run"])
    assert v1["logged_model_artifact_uri"] == made["artifact_uri"]
    assert v1["artifacts"] == "read" and v1["mlmodel"]["flavor"] == "sklearn"
    (held,) = [graph.node(f)["attrs"] for f in graph.out_edges(nid, "contains")]
    assert held["path"].endswith(f"{made['model_id']}/artifacts/model.pkl")
    assert held["model_code"][0]["global"] == "os.system"
    _, v3 = version(graph, 3)
    assert v3["artifacts"] == "unknown" and "m-0000notinthestore is not in the store" in v3["artifacts_unknown_reason"]
    assert "logged_model_id" not in v3


def test_model_004_judges_logged_model_versions_by_the_run_that_logged_them(mlflow3_sqlite_store):
    import json

    from conftest import run_mlcheck
    tmp, made = mlflow3_sqlite_store
    result = run_mlcheck("scan", "--source", f"mlflow={tmp / 'mlflow.db'}", "--format", "json")
    doc = json.loads(result.stdout[:result.stdout.rindex("}") + 1])
    found = {f["node"].rsplit("/", 1)[-1]: f for f in doc["findings"] if f["rule_id"] == "MLC-MODEL-004"}
    assert set(found) == {"2"}
    assert found["2"]["evidence"]["facts"]["logged_model_run_id"] == made["run"]
    reached = {v for f in doc["findings"] if f["rule_id"] == "MLC-MODEL-001" for v in f["evidence"]["model_versions"]}
    assert reached == {"churn v1", "churn v2"}


@pytest.mark.timeout(300)
def test_a_logged_model_version_through_a_real_mlflow_3_server(tmp_path):
    """GET /api/2.0/mlflow/logged-models/{id} names the logged model's artifact location
    (mlflow-artifacts:/…), read through the server's artifact proxy."""
    server = MlflowServer(f"sqlite:///{tmp_path / 'mlflow.db'}", tmp_path / "unused", tmp_path / "server.log")
    i = server.cmd.index("--default-artifact-root")
    server.cmd[i:i + 2] = ["--artifacts-destination", str(tmp_path / "served")]
    with server:
        made = log_and_register_mlflow3(server.url, None, other_run=False)
        served = next((tmp_path / "served").rglob(f"{made['model_id']}/artifacts/model.pkl"))
        served.write_bytes(m.stack_global_reduce("os", "system"))
        graph = collect(server.url)
    nid, v1 = version(graph, 1)
    assert made["artifact_uri"].startswith("mlflow-artifacts:/")
    assert (v1["logged_model_id"], v1["logged_model_run_id"], v1["logged_model_artifact_uri"]) == \
        (made["model_id"], made["run"], made["artifact_uri"])
    assert v1["artifacts"] == "read", (v1, graph.errors)
    (held,) = [graph.node(f)["attrs"] for f in graph.out_edges(nid, "contains")]
    assert held["model_code"][0]["global"] == "os.system"


def test_a_logged_model_version_in_a_file_store(tmp_path):
    """mlruns/<experiment>/models/<model_id>/meta.yaml names the logged model's artifacts."""
    made = log_and_register_mlflow3(f"file://{tmp_path / 'mlruns'}", None)
    logged = next((tmp_path / "mlruns").glob(f"*/models/{made['model_id']}/artifacts/model.pkl"))
    logged.write_bytes(m.stack_global_reduce("os", "system"))
    graph = collect(str(tmp_path / "mlruns"))
    nid, v1 = version(graph, 1)
    assert (v1["logged_model_id"], v1["logged_model_run_id"], v1["artifacts"]) == (made["model_id"], made["run"], "read")
    (held,) = [graph.node(f)["attrs"] for f in graph.out_edges(nid, "contains")]
    assert held["model_code"][0]["global"] == "os.system"
    _, v2 = version(graph, 2)
    assert v2["logged_model_run_id"] == made["run"] and v2["run_id"] == made["other"]
