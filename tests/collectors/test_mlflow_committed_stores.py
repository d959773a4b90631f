"""File stores committed to a repository and scanned on another machine (shapes seen in public
repositories that commit mlruns/: every path in them names the author's machine, written on
Windows or macOS; MLflow 3 versions that name their logged model; versions copied from
another version). Our own store text, written in MLflow's file store format."""
from __future__ import annotations

import os
from pathlib import Path

import model_files as m
from collectors.test_models_mlflow import collect   # a store collected and linked, as a scan does

RUN = "4c1e0d2a9b8f47c3a1d5e6f708192a3b"
OTHER = "9e7d6c5b4a3f42e1b0c9d8e7f6a5b4c3"
MODEL_ID = "m-5b1f0c2d3e4a4b6c8d9e0f1a2b3c4d5e"
MLMODEL = """\
artifact_path: model
flavors:
  python_function: {loader_module: mlflow.sklearn, model_path: model.pkl, python_version: 3.11.9}
  sklearn: {pickled_model: model.pkl, serialization_format: cloudpickle}
mlflow_version: 2.16.2
"""


def write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)


def store(root: Path, base: str, versions: list[dict]) -> Path:
    """mlruns/ as MLflow wrote it at `base` (the author's store folder, as a file URI)."""
    mlruns = root / "mlruns"
    write(mlruns / "0/meta.yaml", f"artifact_location: {base}/0\nexperiment_id: '0'\nlifecycle_stage: active\nname: Default\n")
    write(mlruns / "7/meta.yaml", f"artifact_location: {base}/7\nexperiment_id: '7'\nlifecycle_stage: active\nname: churn\n")
    for run in (RUN, OTHER):
        write(mlruns / f"7/{run}/meta.yaml",
              f"artifact_uri: {base}/7/{run}/artifacts\nend_time: 1731484589640\nentry_point_name: ''\n"
              f"experiment_id: '7'\nlifecycle_stage: active\nrun_id: {run}\nrun_name: train\nrun_uuid: {run}\n"
              "source_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: 1731484585579\nstatus: 3\n"
              "tags: []\nuser_id: dev\n")
    write(mlruns / f"7/{RUN}/artifacts/model/MLmodel", MLMODEL)
    write(mlruns / f"7/{RUN}/artifacts/model/model.pkl", m.stack_global_reduce("os", "system"))
    write(mlruns / "models/churn/meta.yaml", "aliases: {}\ncreation_timestamp: 1731484679780\nname: churn\n")
    for n, v in enumerate(versions, 1):
        lines = [f"{k}: {val}" for k, val in {"creation_timestamp": 1731484679900 + n, "current_stage": "None",
                                              "name": "churn", "run_id": "''", "status": "READY",
                                              "version": n, **v}.items()]
        write(mlruns / f"models/churn/version-{n}/meta.yaml", "\n".join(lines) + "\n")
    return mlruns


def version(graph, n):
    return next((nid, d["attrs"]) for nid, d in graph.nodes("model_version") if d["attrs"]["version"] == n)


def model_code(graph, nid):
    return [g["global"] for f in graph.out_edges(nid, "contains")
            for g in graph.node(f)["attrs"].get("model_code") or []]


def test_artifacts_written_on_windows_are_read_where_they_lie_in_the_scanned_store(tmp_path):
    base = "file:///C:/Users/dev/churn/mlruns"
    mlruns = store(tmp_path, base, [
        {"run_id": RUN, "source": f"{base}/7/{RUN}/artifacts/model"},
        {"run_id": RUN, "source": f"runs:/{RUN}/model"},                        # through the run's root
        {"run_id": RUN, "source": "C:\\Users\\dev\\churn\\mlruns\\7\\" + RUN + "\\artifacts\\model"},
    ])
    graph = collect(str(mlruns))
    for n in (1, 2, 3):
        nid, v = version(graph, n)
        assert v["artifacts"] == "read", v.get("artifacts_unknown_reason")
        assert v["artifacts_read_at"] == f"mlruns/7/{RUN}/artifacts/model"
        assert model_code(graph, nid) == ["os.system"]
    assert version(graph, 1)[1]["artifacts_relocated_from"] == f"C:/Users/dev/churn/mlruns/7/{RUN}/artifacts/model"
    assert version(graph, 1)[1]["source"] == f"{base}/7/{RUN}/artifacts/model"     # the fact as written


def test_a_macos_path_is_read_the_same_way_and_a_path_the_store_does_not_hold_stays_unknown(tmp_path):
    base = "file:///Users/dev/Downloads/churn/mlruns"
    mlruns = store(tmp_path, base, [
        {"run_id": RUN, "source": f"{base}/7/{RUN}/artifacts/model"},
        {"run_id": OTHER, "source": f"{base}/7/{OTHER}/artifacts/model"},        # not committed
        {"run_id": RUN, "source": f"file:///Users/dev/other-project/artifacts/{RUN}/model"},
    ])
    graph = collect(str(mlruns))
    assert version(graph, 1)[1]["artifacts"] == "read"
    for n in (2, 3):
        v = version(graph, n)[1]
        assert v["artifacts"] == "unknown" and "does not exist on this machine" in v["artifacts_unknown_reason"]
        assert "artifacts_relocated_from" not in v


def test_a_relocated_path_never_leaves_the_store(tmp_path):
    """`..` is not walked, and a folder of the store that is a symlink out of it is not taken."""
    base = "file:///C:/Users/dev/churn/mlruns"
    outside = tmp_path / "outside" / "model"
    write(outside / "MLmodel", MLMODEL)
    mlruns = store(tmp_path / "repo", base, [
        {"run_id": RUN, "source": f"{base}/7/../../../outside/model"},
        {"run_id": RUN, "source": f"{base}/7/escape/model"},
    ])
    os.symlink(tmp_path / "outside", mlruns / "7" / "escape")
    graph = collect(str(mlruns))
    for n in (1, 2):
        assert version(graph, n)[1]["artifacts"] == "unknown"


def test_an_mlflow_3_version_naming_its_logged_model_is_produced_by_the_logged_models_run(tmp_path):
    """MLflow 3's file store writes run_id '' and model_id on a version registered from a logged
    model; its source is the logged model's artifact folder."""
    base = "file:///C:/Users/dev/churn/mlruns"
    artifacts = f"{base}/7/models/{MODEL_ID}/artifacts"
    mlruns = store(tmp_path, base, [{"model_id": MODEL_ID, "source": artifacts, "storage_location": artifacts}])
    write(mlruns / f"7/models/{MODEL_ID}/meta.yaml",
          f"artifact_location: {artifacts}\ncreation_timestamp: 1754589354131\nexperiment_id: '7'\n"
          f"model_id: {MODEL_ID}\nmodel_type: null\nname: model\nsource_run_id: {RUN}\nstatus: 2\n")
    write(mlruns / f"7/models/{MODEL_ID}/artifacts/MLmodel", MLMODEL)
    write(mlruns / f"7/models/{MODEL_ID}/artifacts/model.pkl", m.stack_global_reduce("os", "system"))
    graph = collect(str(mlruns))
    nid, v = version(graph, 1)
    assert [graph.node(r)["attrs"]["run_id"] for r in graph.out_edges(nid, "produced_by")] == [RUN]
    assert (v["model_id"], v["run_id_via"], v["logged_model_run_id"]) == (MODEL_ID, f"logged model {MODEL_ID}", RUN)
    assert v["artifacts"] == "read" and model_code(graph, nid) == ["os.system"]


def test_a_logged_model_the_store_does_not_hold_links_no_run(tmp_path):
    mlruns = store(tmp_path, "file:///srv/mlruns", [{"model_id": MODEL_ID, "source": "s3://bucket/model"},
                                                   {"model_id": "../../7", "source": "s3://bucket/model"}])
    graph = collect(str(mlruns))
    for n in (1, 2):
        nid, v = version(graph, n)
        assert list(graph.out_edges(nid, "produced_by")) == [] and "run_id_via" not in v


def test_a_version_copied_from_another_is_read_at_its_storage_location(tmp_path):
    """copy_model_version writes source models:/<name>/<n> and the artifacts' storage_location."""
    base = "file:///C:/Users/dev/churn/mlruns"
    where = f"{base}/7/{RUN}/artifacts/model"
    mlruns = store(tmp_path, base, [{"run_id": RUN, "source": where, "storage_location": where},
                                    {"source": "models:/churn/1", "storage_location": where},
                                    {"source": "models:/churn@champion"}])
    graph = collect(str(mlruns))
    nid, v = version(graph, 2)
    assert (v["source"], v["artifacts"]) == ("models:/churn/1", "read") and model_code(graph, nid) == ["os.system"]
    v3 = version(graph, 3)[1]
    assert v3["artifacts"] == "unknown" and "registry reference" in v3["artifacts_unknown_reason"]


def test_a_copied_version_without_a_run_is_produced_by_its_originals_run(tmp_path):
    """A copy (source models:/<name>/<n>) of a version that has a run, of a copy of one, and of
    an MLflow 3 logged-model version (run found through the logged model); a copy of a
    version the store lacks, and a chain that loops, stay runless."""
    base = "file:///srv/mlruns"
    artifacts = f"{base}/7/models/{MODEL_ID}/artifacts"
    mlruns = store(tmp_path, base, [{"run_id": OTHER, "source": f"{base}/7/{OTHER}/artifacts/model"},
                                    {"source": "models:/churn/1"}, {"source": "models:/churn/2"},
                                    {"model_id": MODEL_ID, "source": artifacts},
                                    {"source": "models:/churn/4"},
                                    {"source": "models:/churn/99"},
                                    {"source": "models:/churn/8"}, {"source": "models:/churn/7"}])
    write(mlruns / f"7/models/{MODEL_ID}/meta.yaml",
          f"artifact_location: {artifacts}\nexperiment_id: '7'\nmodel_id: {MODEL_ID}\nname: model\n"
          f"source_run_id: {RUN}\nstatus: 2\n")
    graph = collect(str(mlruns))

    def run_of(n):
        nid, attrs = version(graph, n)
        return [graph.node(r)["attrs"]["run_id"] for r in graph.out_edges(nid, "produced_by")], attrs.get("run_id_via")
    assert run_of(2) == ([OTHER], "copied from churn/1")
    assert run_of(3) == ([OTHER], "copied from churn/1")
    assert run_of(5) == ([RUN], f"copied from churn/4 (logged model {MODEL_ID})")
    for n in (6, 7, 8):
        assert run_of(n) == ([], None), n
