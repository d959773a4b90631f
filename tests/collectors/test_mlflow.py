"""MLflow collector against a real MLflow estate.

One real `mlflow server` (SQLite backend) and one legacy file store are populated once per
session by real training scripts in a real git repo (tests/mlflow_env.py). The collector then
reads the estate through the server's REST API, straight from the SQLite file and from the
file store, and must find the same facts. Failure modes that a real server cannot be made to
produce on demand (HTTP 500s, a stalled server, a non-MLflow endpoint) use a tiny local HTTP
double, `FailureModeServer`.
"""
from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from checker.collectors import CollectContext
from checker.collectors.mlflow import MlflowCollector
from checker.graph import EstateGraph
from conftest import collect_graph, make_repo, run_mlcheck, write_files
from loopback import LoopbackServer
from mlflow_env import (MlflowServer, TrickleServer, add_run, add_version, build_estates, copy_db,
                        drop_not_null, free_port, make_estate_repo)

pytest.importorskip("mlflow")

TOKEN = "tok-5ecret-6a1f0c"


# -- the shared estate ----------------------------------------------------------------------

class World:
    """The session's estate: a server on SQLite and a file store written by the same scripts."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.db = base / "server" / "mlflow.db"
        self.mlruns = base / "filestore" / "mlruns"


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    base = tmp_path_factory.mktemp("mlflow-world")
    w = World(base)
    w.repo, w.head = make_estate_repo(base / "churn")
    w.db.parent.mkdir()
    server = MlflowServer(f"sqlite:///{w.db}", base / "server" / "artifacts", base / "server.log")
    server.start()
    try:
        w.server = server
        w.served, w.filed = build_estates(w.repo, [server.url, w.mlruns.as_uri()])
        yield w
    finally:
        server.stop()


def collect(uri: str, **params) -> EstateGraph:
    graph = EstateGraph()
    ctx = CollectContext(graph, params={"mlflow": params} if params else {})
    source = MlflowCollector.from_uri(uri)
    graph.sources.append({"kind": source.kind, "source": source.display})
    MlflowCollector().collect(source, ctx)
    return graph


def by_kind(graph: EstateGraph, kind: str) -> dict[str, dict]:
    return {nid: data["attrs"] for nid, data in graph.nodes(kind)}


def unlabelled(graph: EstateGraph, label: str) -> dict:
    """The graph document with the source label taken out of every id, without provenance."""
    text = json.dumps(graph.document(), sort_keys=True).replace(f"mlflow://{label}/", "mlflow://L/")
    doc = json.loads(text)
    for node in doc["nodes"].values():
        node.pop("provenance")
    return doc


# -- the same estate, three ways ---------------------------------------------------------

def test_server_and_sqlite_file_give_identical_facts(world):
    rest = collect(world.server.url)
    direct = collect(f"sqlite:///{world.db}")
    assert rest.errors == [] and direct.errors == []
    assert rest.count_by_kind() == {"dataset": 3, "experiment": 3, "model": 1,
                                    "model_version": 4, "run": 3}
    label = world.server.url.removeprefix("http://")
    assert unlabelled(rest, label) == unlabelled(direct, "mlflow.db")
    assert f"model_version:mlflow://{label}/churn/1" in rest
    assert "model_version:mlflow://mlflow.db/churn/1" in direct


def _normalised(graph: EstateGraph) -> dict:
    """Facts that do not depend on ids, times or paths the store chose: keyed by names."""
    runs = by_kind(graph, "run")
    name_of = {a["run_id"]: a["run_name"] for a in runs.values()}
    exp_names = {a["experiment_id"]: a["name"] for a in by_kind(graph, "experiment").values()}
    volatile = {"run_id", "experiment_id", "start_time", "end_time", "created_at", "source",
                "artifact_uri", "artifacts_unknown_reason",
                "storage_location"}   # paths each store chose (the server does not say where it stores)
    out = {"experiments": sorted((a["name"], a["lifecycle_stage"], json.dumps(a["tags"]))
                                 for a in by_kind(graph, "experiment").values())}
    out["runs"] = {a["run_name"]: {**{k: v for k, v in a.items() if k not in volatile},
                                   "experiment": exp_names[a["experiment_id"]]}
                   for a in runs.values()}
    out["datasets"] = sorted(
        (name_of[nid.split("/")[-2]], json.dumps(a, sort_keys=True))
        for nid, a in by_kind(graph, "dataset").items())
    versions = {}
    for nid, a in by_kind(graph, "model_version").items():
        producers = [name_of[graph.node(r)["attrs"]["run_id"]] for r in graph.out_edges(nid, "produced_by")]
        versions[a["version"]] = ({k: v for k, v in a.items() if k not in volatile | {"unresolved"}},
                                  producers, "unresolved" in a)
    out["versions"] = versions
    out["models"] = [{k: v for k, v in a.items() if k != "created_at"}
                     for a in by_kind(graph, "model").values()]
    return out


def test_file_store_gives_the_same_facts_as_the_server(world):
    served = collect(world.server.url)
    filed = collect(str(world.mlruns))
    assert filed.errors == []
    assert filed.count_by_kind() == served.count_by_kind()
    assert _normalised(filed) == _normalised(served)
    assert sorted(e["kind"] for e in filed.document()["edges"]) == \
        sorted(e["kind"] for e in served.document()["edges"])


# -- the facts themselves ----------------------------------------------------------------------

@pytest.fixture(scope="session")
def served_graph(world):
    return collect(world.server.url)


def test_model_versions_link_to_the_runs_that_made_them(world, served_graph):
    g, label = served_graph, world.server.url.removeprefix("http://")
    mv = lambda n: f"model_version:mlflow://{label}/churn/{n}"  # noqa: E731
    v = world.served.versions
    champion = g.node(mv(v["champion"]))["attrs"]
    assert champion["aliases"] == ["champion"] and champion["stage"] == "Production"
    assert champion["status"] == "READY" and champion["tags"] == {"validated": "true"}
    assert champion["run_id"] == world.served.runs["train"]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$", champion["created_at"])
    assert list(g.out_edges(mv(v["champion"]), "version_of")) == [f"model:mlflow://{label}/churn"]
    (run_id,) = g.out_edges(mv(v["champion"]), "produced_by")
    run = g.node(run_id)["attrs"]
    assert run["git_commit"] == world.head
    assert run["git_repo_url"] == "https://github.com/contoso/churn.git"
    assert (run["source_name"], run["source_type"], run["git_branch"]) == ("train.py", "LOCAL", "main")
    assert run["docker_image"] == "registry.example.com/churn-train:1.4"
    assert (run["params_count"], run["metrics_count"], run["dataset_count"]) == (3, 2, 2)
    assert run["status"] == "FINISHED" and run["user"]
    assert len(run["tags"]["notes"]) == 500
    assert list(g.in_edges(run_id, "contains")) == [f"experiment:mlflow://{label}/{run['experiment_id']}"]

    datasets = {g.node(d)["attrs"]["name"]: g.node(d)["attrs"] for d in g.out_edges(run_id, "reads")}
    assert datasets["churn-train"]["context"] == "training"
    assert datasets["churn-train"]["source_uri"] == "data/train.csv"
    assert datasets["churn-train"]["source_type"] == "local"
    assert datasets["churn-train"]["schema_present"] is True
    assert datasets["churn-eval"]["context"] == "validation"
    assert datasets["churn-eval"]["source_uri"] == "s3://lake/churn/eval.parquet"

    staging = g.node(mv(v["staging"]))["attrs"]
    (explore,) = g.out_edges(mv(v["staging"]), "produced_by")
    assert staging["stage"] == "Staging" and staging["aliases"] == []
    assert g.node(explore)["attrs"]["source_name"] == "explore.py"     # the untracked script

    model = g.node(f"model:mlflow://{label}/churn")["attrs"]
    assert model["aliases"] == {"champion": v["champion"]} and model["tags"] == {"team": "risk"}
    assert model["description"] == "Customer churn classifier"


def test_missing_and_deleted_runs_and_versions(world, served_graph):
    g, label = served_graph, world.server.url.removeprefix("http://")
    v, runs = world.served.versions, world.served.runs
    no_run = g.node(f"model_version:mlflow://{label}/churn/{v['no_run']}")["attrs"]
    assert "run_id" not in no_run and "unresolved" not in no_run
    assert list(g.out_edges(f"model_version:mlflow://{label}/churn/{v['no_run']}", "produced_by")) == []
    gone = f"model_version:mlflow://{label}/churn/{v['deleted_run']}"
    assert g.node(gone)["attrs"]["unresolved"] == {"run_id": {
        "value": runs["discarded"],
        "reason": f"run {runs['discarded']} is deleted or was not found in the store"}}
    assert list(g.out_edges(gone, "produced_by")) == []
    assert f"run:mlflow://{label}/{runs['discarded']}" not in g
    assert f"model_version:mlflow://{label}/churn/{v['soft_deleted']}" not in g
    assert f"run:mlflow://{label}/{runs['scratch']}" in g          # in the recent-runs window


def test_dataset_credentials_are_not_recorded(served_graph):
    (web,) = [a for a in by_kind(served_graph, "dataset").values() if a["name"] == "churn-web"]
    text = json.dumps(served_graph.document())
    assert "hunter2" not in text and "abc123" not in text
    assert web["source_uri"] == "https://data.example.com/churn.csv?sig=REDACTED"


@pytest.mark.parametrize("reader", ["rest", "sqlite", "filestore"])
def test_recent_window_and_version_limit(world, reader):
    uri = {"rest": world.server.url, "sqlite": str(world.db), "filestore": str(world.mlruns)}[reader]
    estate = world.filed if reader == "filestore" else world.served
    g = collect(uri, recent_runs=0, max_model_versions=3)
    assert g.errors == []
    # The three most recently updated versions (MLflow's own search order) and only their runs.
    v = estate.versions
    assert sorted(a["version"] for a in by_kind(g, "model_version").values()) == sorted(
        [v["staging"], v["no_run"], v["deleted_run"]])
    assert [a["run_id"] for a in by_kind(g, "run").values()] == [estate.runs["explore"]]
    assert g.sources[-1]["model_versions_truncated_at"] == 3


def test_bad_params_are_reported_and_defaults_used(world):
    g = collect(str(world.db), recent_runs="lots", request_timeout=-1)
    reasons = [e.reason for e in g.errors]
    assert any("recent_runs" in r for r in reasons) and any("request_timeout" in r for r in reasons)
    assert len(by_kind(g, "run")) == 3


# -- sources: URIs and auto-detection --------------------------------------------------------

def test_source_uris(tmp_path, world):
    http = MlflowCollector.from_uri("https://alice:pw@mlflow.example.com:8443/base/?x=1")
    assert http.label == "mlflow.example.com:8443/base"
    assert http.display == "https://mlflow.example.com:8443/base"
    azure = MlflowCollector.from_uri("azureml://westeurope.api.azureml.ms/mlflow/v1.0/subscriptions/s")
    assert azure.label == "westeurope.api.azureml.ms/mlflow/v1.0/subscriptions/s"
    assert MlflowCollector.from_uri(f"sqlite:///{world.db}").label == "mlflow.db"
    assert MlflowCollector.from_uri(str(world.db)).uri == str(world.db)
    assert MlflowCollector.from_uri(world.mlruns.as_uri()).uri == str(world.mlruns)
    for bad in ("s3://bucket/mlruns", f"sqlite:///{tmp_path}/missing.db", str(tmp_path / "nope"),
                "http://:80/", "sqlite://"):
        with pytest.raises(ValueError):
            MlflowCollector.from_uri(bad)


@pytest.mark.parametrize("uri", ["s3://key:hunter2@bucket/mlruns#sig=abc&token=def",
                                 "http://user:hunter2@:80/#token=def"])
def test_rejected_uris_are_named_without_credentials(uri):
    with pytest.raises(ValueError) as err:
        MlflowCollector.from_uri(uri)
    for secret in ("hunter2", "sig=abc", "token=def"):
        assert secret not in str(err.value)


def test_local_stores_are_labelled_by_name_so_ids_hold_no_absolute_path(tmp_path, world):
    """Node ids (and so fingerprints) must be the same on every machine and checkout."""
    for uri, label in ((str(world.db), "mlflow.db"), (f"sqlite:///{world.db}", "mlflow.db"),
                       (str(world.mlruns), "mlruns"), (world.mlruns.as_uri(), "mlruns")):
        source = MlflowCollector.from_uri(uri)
        assert (source.label, source.display) == (label, uri)
    elsewhere = tmp_path / "other-checkout" / "mlruns"
    shutil.copytree(world.mlruns, elsewhere)
    here, there = collect(str(world.mlruns)), collect(str(elsewhere))
    assert not any(str(world.base) in nid for nid, _ in here.nodes())
    assert "model:mlflow://mlruns/churn" in here
    assert unlabelled(here, "mlruns") == unlabelled(there, "mlruns")
    assert there.node("model:mlflow://mlruns/churn")["provenance"]["source"] == str(elsewhere)


def test_detect_finds_stores_and_skips_vendored_and_linked_ones(tmp_path, world):
    root = tmp_path / "estate"
    copy_db(world.db, root / "team" / "mlflow.db")
    shutil.copytree(world.mlruns, root / "exp" / "mlruns")
    copy_db(world.db, root / ".venv" / "lib" / "mlflow.db")
    copy_db(world.db, root / "node_modules" / "mlflow.db")
    copy_db(world.db, root / ".dvc" / "tmp" / "mlflow.db")      # DVC's own folder, skipped by every walk
    outside = tmp_path / "outside"
    copy_db(world.db, outside / "mlflow.db")
    (root / "linked").symlink_to(outside)
    (root / "db-link").mkdir()
    (root / "db-link" / "mlflow.db").symlink_to(outside / "mlflow.db")
    found = MlflowCollector.detect(root, "estate")
    assert sorted((s.label, s.display) for s in found) == [
        ("exp/mlruns", "estate/exp/mlruns"), ("team/mlflow.db", "estate/team/mlflow.db")]


def test_file_store_is_read_by_mlflow_only_not_walked_as_files(tmp_path, world):
    """An mlruns/ store is the MLflow collector's: the folder walk and the git collector's
    untracked listing leave it alone, so its meta.yaml files are not also file nodes that
    the secrets and Azure ML parsers read a second time."""
    folder = tmp_path / "estate"
    shutil.copytree(world.mlruns, folder / "exp" / "mlruns")
    (folder / "notes.txt").write_text("plan\n")
    repo = make_repo(tmp_path / "repo", {"train.py": "x = 1\n"})
    shutil.copytree(world.mlruns, repo / "mlruns")                # untracked, as MLflow leaves it
    for root, tree in ((folder, "fs"), (repo, "git"), (folder / "exp" / "mlruns", "fs")):
        graph = collect_graph(root)
        assert graph.errors == [], root
        assert len(by_kind(graph, "experiment")) == 3, root
        files = {nid for nid, _ in graph.nodes("file")}
        assert not any("mlruns" in nid for nid in files), sorted(files)[:5]
    assert "file:fs:./notes.txt" in collect_graph(folder)
    assert "file:git:./train.py" in collect_graph(repo)


def test_cli_scan_autodetects_mlflow_db(tmp_path, world):
    estate = tmp_path / "estate"
    copy_db(world.db, estate / "mlflow.db")
    snap = tmp_path / "snap.json"
    proc = run_mlcheck("scan", str(estate), "--format", "json", "--snapshot-out", str(snap))
    assert proc.returncode in (0, 1), proc.stderr
    doc = json.loads(snap.read_text())
    assert doc["collection_errors"] == []
    v1 = doc["nodes"]["model_version:mlflow://mlflow.db/churn/1"]
    assert v1["provenance"]["source"] == "estate/mlflow.db"
    assert {"kind": "mlflow", "source": "estate/mlflow.db"} in doc["sources"]
    assert any(e["kind"] == "produced_by" for e in doc["edges"])


# -- failure modes -----------------------------------------------------------------------------

class FailureModeServer:
    """A failure-mode double, not an MLflow server: answers every request with HTTP 500, or
    stalls past the client's timeout, or serves an HTML page, or refuses the credentials and
    echoes them back, or (mode "json") serves `documents[endpoint]`. A real MLflow server
    cannot be made to do these on demand. Records each request's path and Authorization header."""

    def __init__(self, mode: str, delay: float = 2.0, documents: dict | None = None) -> None:
        self.requests: list[tuple[str, str | None]] = []
        double = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                double.requests.append((self.path, self.headers.get("Authorization")))
                if mode == "slow":
                    time.sleep(delay)
                if mode == "json":
                    endpoint = self.path.split("?")[0].removeprefix("/api/2.0/mlflow/")
                    body, ctype, code = json.dumps(documents[endpoint]).encode(), "application/json", 200
                elif mode == "html":
                    body, ctype, code = b"<html>login</html>", "text/html", 200
                elif mode == "401":
                    echo = json.dumps({"error_code": "UNAUTHENTICATED",
                                       "message": f"rejected {self.headers.get('Authorization')}"})
                    body, ctype, code = echo.encode(), "application/json", 401
                else:
                    body, ctype, code = (b'{"error_code": "INTERNAL_ERROR", "message": "db down"}',
                                         "application/json", 500)
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass    # the client gave up first, as it should

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.httpd = LoopbackServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_http_500s_are_retried_a_bounded_number_of_times(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", TOKEN)
    with FailureModeServer("500") as double:
        g = collect(double.url, retries=1)
    # experiments, registered models, model versions: each tried twice; no runs to ask for.
    assert [p.split("?")[0] for p, _ in double.requests] == [
        "/api/2.0/mlflow/experiments/search"] * 2 + ["/api/2.0/mlflow/registered-models/search"] * 2 + [
        "/api/2.0/mlflow/model-versions/search"] * 2
    assert {auth for _, auth in double.requests} == {f"Bearer {TOKEN}"}
    assert len(g.errors) == 3 and len(g) == 0
    assert "HTTP 500: INTERNAL_ERROR db down (after 2 attempts)" in g.errors[0].reason
    assert TOKEN not in json.dumps([e.as_dict() for e in g.errors])


def test_basic_auth_from_environment(monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "alice")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "pa55word")
    with FailureModeServer("500") as double:
        g = collect(double.url, retries=0)
    assert double.requests[0][1] == "Basic YWxpY2U6cGE1NXdvcmQ="
    assert "pa55word" not in json.dumps([e.as_dict() for e in g.errors])


def test_rejected_token_stops_the_store_and_is_redacted(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", TOKEN)
    with FailureModeServer("401") as double:
        g = collect(double.url)
    assert len(double.requests) == 1                 # not retried, later steps not tried
    (err,) = g.errors
    assert "HTTP 401: UNAUTHENTICATED rejected Bearer ***" in err.reason
    assert "MLFLOW_TRACKING_TOKEN" in err.reason and TOKEN not in err.reason


def test_slow_server_times_out_and_stops(monkeypatch):
    with FailureModeServer("slow", delay=3) as double:
        g = collect(double.url, request_timeout=0.3, retries=1)
    assert len(double.requests) == 2           # one call, retried once, then the store is given up
    (err,) = g.errors
    assert "no response within 0.3 s" in err.reason and "after 2 attempts" in err.reason


def test_total_time_limit_bounds_retries():
    with FailureModeServer("slow", delay=3) as double:
        g = collect(double.url, request_timeout=0.4, retries=50, total_timeout=1.0)
    # 0.4 s per attempt and back-off pauses of 0.5 s, 1 s: the second or third attempt is the last.
    assert 2 <= len(double.requests) <= 3
    (err,) = g.errors
    assert "total time limit of 1 s reached" in err.reason


def test_odd_json_items_cost_only_themselves():
    """What a buggy or foreign backend may send: items of the wrong shape among good ones."""
    good_run = {"info": {"run_id": "r1", "experiment_id": "1", "status": "FINISHED"},
                "data": {"tags": [{"key": "mlflow.source.git.commit", "value": "abc123"}, "junk"],
                         "params": {"not": "a list"}}}
    documents = {
        "experiments/search": {"experiments": [{"experiment_id": "1", "name": "churn"}, "junk",
                                               {"name": "no id"}]},
        "registered-models/search": {"registered_models": [{"name": "m", "aliases": "not-a-list"},
                                                           {"name": None}]},
        "model-versions/search": {"model_versions": [{"name": "m", "version": "x"},
                                                     {"name": "m", "version": "1", "run_id": "r1"}]},
        "runs/search": {"runs": [{"info": "bad"}, good_run]},
    }
    with FailureModeServer("json", documents=documents) as double:
        g = collect(double.url)
    assert sorted({e.reason for e in g.errors}) == [
        "experiments/search: an experiment: experiment_id is missing (NULL); skipped",
        "experiments/search: an item of 'experiments' is not an object (str); skipped",
        "model-versions/search: a model version: version is text, not a whole number; skipped",
        "registered-models/search: a registered model: name is missing (NULL); skipped",
        "runs/search: a run: run_id is missing (NULL); skipped",
    ]
    assert g.count_by_kind() == {"experiment": 1, "model": 1, "model_version": 1, "run": 1}
    run = g.node(f"run:mlflow://{double.url.removeprefix('http://')}/r1")["attrs"]
    assert run["git_commit"] == "abc123" and run["params_count"] == 0


def test_endpoint_that_is_not_mlflow():
    with FailureModeServer("html") as double:
        g = collect(double.url)
    (err,) = g.errors
    assert "not JSON; is this an MLflow tracking server?" in err.reason


def test_credentials_in_url_are_used_but_never_shown(world):
    port = world.server.url.rsplit(":", 1)[1]
    g = collect(f"http://alice:s3cr3t-pw@127.0.0.1:{port}")
    assert g.errors == [] and len(by_kind(g, "model_version")) == 4
    assert "s3cr3t" not in json.dumps(g.document()) and "alice" not in json.dumps(g.document())


def test_cli_unreachable_server_is_a_collection_error_and_the_scan_goes_on(tmp_path):
    repo = make_repo(tmp_path / "repo", {"train.py": "print('hi')\n"})
    closed = free_port()
    cfg = tmp_path / "mlcheck.yaml"
    cfg.write_text("params:\n  mlflow:\n    retries: 1\n    request_timeout: 1\n")
    report = tmp_path / "report.json"
    proc = run_mlcheck("scan", str(repo), "--config", str(cfg), "--source",
                       f"mlflow=http://bob:hunter3@127.0.0.1:{closed}", "--format", "json",
                       "--output", str(report), env={"MLFLOW_TRACKING_TOKEN": TOKEN})
    assert proc.returncode == 3, proc.stderr
    doc = json.loads(report.read_text())
    (err,) = doc["collection_errors"]
    assert err["collector"] == "mlflow" and err["source"] == f"http://127.0.0.1:{closed}"
    assert "cannot reach the tracking server" in err["reason"]
    assert doc["summary"]["nodes_by_kind"]["repo"] == 1
    everything = proc.stdout + proc.stderr + report.read_text()
    assert TOKEN not in everything and "hunter3" not in everything


def test_cli_malformed_sqlite_stores(tmp_path, world):
    estate = tmp_path / "estate"
    (estate / "junk").mkdir(parents=True)
    (estate / "junk" / "mlflow.db").write_bytes(b"this is not a database" * 100)
    with sqlite3.connect(estate / "mlflow.db") as db:
        db.execute("CREATE TABLE notes (id INTEGER)")
    copy_db(world.db, estate / "good" / "mlflow.db")
    report = tmp_path / "report.json"
    proc = run_mlcheck("scan", str(estate), "--format", "json", "--output", str(report))
    assert proc.returncode == 3, proc.stderr
    doc = json.loads(report.read_text())
    errors = {e["source"]: e["reason"] for e in doc["collection_errors"] if e["collector"] == "mlflow"}
    assert "not a readable SQLite database" in errors["estate/junk/mlflow.db"]
    assert "not an MLflow tracking store" in errors["estate/mlflow.db"]
    assert doc["summary"]["nodes_by_kind"]["model_version"] == 4     # the good store still read


def test_broken_file_store_yields_errors_and_partial_data(tmp_path, world):
    store = tmp_path / "mlruns"
    shutil.copytree(world.mlruns, store)
    train_meta = next(store.glob(f"*/{world.filed.runs['train']}/meta.yaml"))
    train_meta.write_text("run_id: [unclosed\nstatus: 3\n")
    v3_meta = store / "models" / "churn" / f"version-{world.filed.versions['no_run']}" / "meta.yaml"
    v3_meta.write_text("- just\n- a list\n")
    g = collect(str(store))
    errors = {e.source: (e.reason, e.line) for e in g.errors}
    train_shown = f"{store}/{train_meta.relative_to(store).as_posix()}"
    assert errors[train_shown][0].startswith("malformed meta.yaml") and errors[train_shown][1]
    assert errors[f"{store}/{v3_meta.relative_to(store).as_posix()}"][0] == "meta.yaml is not a mapping"
    versions = {a["version"]: a for a in by_kind(g, "model_version").values()}
    assert sorted(versions) == [1, 2, 4]
    assert versions[1]["unresolved"]["run_id"]["value"] == world.filed.runs["train"]
    rel = train_meta.relative_to(store).as_posix()
    assert versions[1]["unresolved"]["run_id"]["reason"] == (
        f"run {world.filed.runs['train']} could not be read: the store's {rel} cannot be read")
    assert len(by_kind(g, "run")) == 2 and len(by_kind(g, "experiment")) == 3


# -- one store, one identity ----------------------------------------------------------------

def _identity(source) -> tuple[str, str]:
    return source.uri, source.label


def test_a_store_named_any_way_has_one_uri_and_label(tmp_path, world, monkeypatch):
    """Auto-detection and --source give the same uri and label for the same store, so a scan
    can treat the store named twice as one source and node ids do not depend on how it was named."""
    course = make_repo(tmp_path / "course", {"train.py": "x = 1\n"})
    db = copy_db(world.db, course / "tracking" / "backend.db")
    shutil.copytree(world.mlruns, course / "exp" / "mlruns")
    from_root = {s.label: s for s in MlflowCollector.detect(course, "course")}
    from_sub = {s.label: s for s in MlflowCollector.detect(course / "tracking", "course/tracking")}
    assert sorted(from_root) == ["exp/mlruns", "tracking/backend.db"]
    assert list(from_sub) == ["tracking/backend.db"]       # scanning a folder of the repo: same ids
    monkeypatch.chdir(course)
    for uri in (str(db), f"sqlite:///{db}", "sqlite:///tracking/backend.db", "tracking/backend.db",
                "./tracking/../tracking/backend.db"):
        assert _identity(MlflowCollector.from_uri(uri)) == _identity(from_root["tracking/backend.db"]), uri
    assert _identity(from_sub["tracking/backend.db"]) == _identity(from_root["tracking/backend.db"])
    for uri in (str(course / "exp" / "mlruns"), (course / "exp" / "mlruns").as_uri(), "exp/mlruns/"):
        assert _identity(MlflowCollector.from_uri(uri)) == _identity(from_root["exp/mlruns"]), uri
    assert from_root["tracking/backend.db"].uri == str(db.resolve())

    # Outside any repository: the scanned folder as given, and a --source path given from it.
    plain = tmp_path / "plain"
    copy_db(world.db, plain / "team" / "mlflow.db")
    monkeypatch.chdir(plain)
    (found,) = MlflowCollector.detect(Path("."), ".")
    assert _identity(MlflowCollector.from_uri("sqlite:///team/mlflow.db")) == _identity(found)
    assert found.label == "team/mlflow.db"


def test_a_server_named_any_way_has_one_uri_and_label():
    names = ["http://MLflow.Example.com:80/base/", "http://mlflow.example.com/base",
             "http://alice:pw-123@mlflow.example.com/base?view=1#top", "HTTP://mlflow.example.com//base"]
    sources = [MlflowCollector.from_uri(n) for n in names]
    assert {_identity(s) for s in sources} == {("http://mlflow.example.com/base", "mlflow.example.com/base")}
    assert all("pw-123" not in f"{s!r} {s.display}" for s in sources)
    assert sources[2].credentials == ("alice", "pw-123")
    azure = MlflowCollector.from_uri("azureml://westeurope.api.azureml.ms:443/mlflow/v1.0/x")
    assert azure.uri == "https://westeurope.api.azureml.ms/mlflow/v1.0/x"


# -- stores found by what they hold --------------------------------------------------------

def _sqlite_file(path: Path, table: str = "notes") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    with db:
        db.execute(f"CREATE TABLE {table} (id INTEGER)")
    db.close()
    return path


def _listing(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def test_sqlite_stores_are_found_by_schema_whatever_their_name(tmp_path, world):
    """The course repository's store is backend.db; its mlruns/ holds artifacts only."""
    course = make_repo(tmp_path / "course", {"train.ipynb": "{}\n"})
    copy_db(world.db, course / "backend.db")
    wal = copy_db(world.db, course / "archive" / "old-runs.sqlite")
    with sqlite3.connect(wal) as db:
        db.execute("PRAGMA journal_mode = WAL")
    db.close()
    _sqlite_file(course / "data" / "chinook.db", "runs")                 # SQLite, not MLflow's
    (course / "notes.db").write_text("not a database\n")
    os.mkfifo(course / "pipe.db")                                      # must not hang detection
    (course / "linked.db").symlink_to(course / "backend.db")           # not followed
    before = _listing(course)
    found = {s.label: s for s in MlflowCollector.detect(course, "course")}
    assert sorted(found) == ["archive/old-runs.sqlite", "backend.db"]
    assert _listing(course) == before           # read-only: no -wal/-shm/-journal left behind
    g = collect(found["backend.db"].uri)
    assert g.errors == [] and len(by_kind(g, "model_version")) == 4
    unlinked = g.node(f"model_version:mlflow://{Path(found['backend.db'].uri).name}/churn/"
                      f"{world.served.versions['no_run']}")
    assert "run_id" not in unlinked["attrs"]


def test_candidates_detection_could_not_examine_are_a_collection_error(tmp_path, world):
    """Opening SQLite files is bounded; what was not examined (over the limit, or locked)
    is named, so a missed store is never silent."""
    from checker.collectors.mlflow.sources import MAX_SCHEMA_PROBES
    estate = tmp_path / "estate"
    for i in range(MAX_SCHEMA_PROBES - 1):                    # with a-busy.db: the limit
        _sqlite_file(estate / "a-cache" / f"part-{i:03}.db")
    copy_db(world.db, estate / "z-team" / "runs.db")                   # examined last: over the limit
    busy = _sqlite_file(tmp_path / "elsewhere.db")
    locked = estate / "a-busy.db"
    shutil.copy(busy, locked)
    holder = sqlite3.connect(locked, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")                                   # a writer holds it
    try:
        found = MlflowCollector.detect(estate, "estate")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    (gap,) = found
    graph = EstateGraph()
    graph.sources.append({"kind": "mlflow", "source": gap.display})
    MlflowCollector().collect(gap, CollectContext(graph))
    (err,) = graph.errors
    assert err.source == "estate" and len(graph) == 0
    assert err.reason.startswith("2 SQLite files were not examined for MLflow's tables: ")
    assert "estate/a-busy.db (database is locked)" in err.reason
    assert f"estate/z-team/runs.db (over {MAX_SCHEMA_PROBES} SQLite files opened)" in err.reason
    assert err.reason.endswith("name a store with --source mlflow=PATH")


def test_mlruns_of_artifacts_only_is_said_and_its_files_kept(tmp_path, world):
    """MLflow 3 with a database keeps run artifacts in ./mlruns, with no meta.yaml: not a store."""
    repo = make_repo(tmp_path / "course", {"train.py": "x = 1\n"})
    copy_db(world.db, repo / "backend.db")
    run = world.served.runs["train"]
    write_files(repo / "mlruns" / "1" / run / "artifacts" / "model", {
        "MLmodel": "flavors: {}\n", "model.pkl": b"\x80\x04N.", "conda.yaml": "name: churn\n",
        "requirements.txt": "scikit-learn==1.5.0\n"})
    folder = tmp_path / "plain"
    shutil.copytree(repo / "mlruns", folder / "mlruns")
    for root, tree in ((repo, "git"), (folder, "fs")):
        graph = collect_graph(root)
        assert graph.errors == [], root
        files = {a["path"] for a in by_kind(graph, "file").values() if "mlruns/" in a["path"]}
        # MLmodel has no role of its own: counted on the tree, not a node (as anywhere else).
        assert files == {f"mlruns/1/{run}/artifacts/model/{n}"
                         for n in ("model.pkl", "conda.yaml", "requirements.txt")}
        (entry,) = [s for s in graph.sources if s.get("kind") == "mlflow" and s["source"].endswith("mlruns")]
        assert entry["not_a_store"].startswith("holds no meta.yaml one level down: run artifacts only")
    assert len(by_kind(collect_graph(repo), "model_version")) == 4            # backend.db read
    with pytest.raises(ValueError, match="not an MLflow file store"):
        MlflowCollector.from_uri(str(repo / "mlruns"))
    graph = collect_graph(folder / "mlruns")                                  # scanned itself
    assert graph.errors == [] and len({n for n, _ in graph.nodes("file")}) == 3


# -- a server that trickles ------------------------------------------------------------------

@pytest.mark.parametrize("what", ["headers", "body"])
def test_total_timeout_bounds_a_server_that_trickles(what):
    """A byte every 50 ms never trips request_timeout; total_timeout ends the connection in
    flight, whatever part of the response it is in."""
    with TrickleServer(what, interval=0.05, body_bytes=4000) as server:
        g = collect(server.url, request_timeout=5, retries=3, total_timeout=1)
    (err,) = g.errors
    assert err.reason == "experiments: experiments/search: gave up, total time limit of 1 s reached"
    (conn,) = server.connections                       # no retry once the time is up
    assert not conn["complete"] and conn["sent"] < conn["total"] // 2


# -- one bad item is that item's error -----------------------------------------------------------

def test_bad_rows_in_sqlite_cost_only_their_item(tmp_path, world):
    db_path = copy_db(world.db, tmp_path / "mlflow.db")
    drop_not_null(db_path, "tags", "key")
    train = world.served.runs["train"]
    db = sqlite3.connect(db_path)
    with db:
        exp = db.execute("SELECT experiment_id FROM runs WHERE run_uuid = ?", (train,)).fetchone()[0]
        add_run(db, b"\x8f\x01binary-run-id", exp, "blob-run")       # newest: in the recent window
        db.execute('INSERT INTO tags ("key", value, run_uuid) VALUES (NULL, ?, ?)', ("orphan", train))
        db.execute('INSERT INTO tags ("key", value, run_uuid) VALUES (?, ?, ?)',
                   ("weights", b"\x00\x01\x02", train))
        db.execute('INSERT INTO tags ("key", value, run_uuid) VALUES (?, CAST(? AS TEXT), ?)',
                   ("latin1", "caf\xe9".encode("latin-1"), train))
        add_version(db, "churn", 90, b"\xff\xfe", "s3://lake/models/churn/90")
        add_version(db, "churn", "ninety-one", train, "s3://lake/models/churn/91")
    db.close()
    g = collect(str(db_path))
    reasons = sorted(e.reason for e in g.errors)
    assert reasons == sorted([
        "model_versions: a row's version of churn is text, not a whole number; skipped",
        "model version churn/90: left out run_id (a BLOB (2 bytes), not text)",
        "runs: a row's run_uuid is a BLOB (15 bytes), not text; skipped",
        f"tags: a tag of run {train}: key is missing (NULL); skipped",
        f"tags: tag 'weights' of run {train}: left out value (a BLOB (3 bytes), not text)",
        f"tags: tag 'latin1' of run {train}: value not UTF-8: read with U+FFFD for the bad bytes",
    ]), reasons
    assert {e.source for e in g.errors} == {str(db_path)}
    versions = {a["version"]: a for a in by_kind(g, "model_version").values()}
    assert sorted(versions) == [1, 2, 3, 4, 90] and "run_id" not in versions[90]
    run = g.node(f"run:mlflow://mlflow.db/{train}")["attrs"]
    assert run["git_commit"] == world.head and run["tags"]["latin1"] == "caf\ufffd"
    assert "weights" not in run["tags"] and "orphan" not in run["tags"].values()
    assert len(by_kind(g, "run")) == 3 and len(by_kind(g, "dataset")) == 3


def test_a_blob_run_id_shared_by_a_version_and_its_run_row_is_one_error(tmp_path, world):
    """One bad value, one error: the version naming a BLOB run id says so; the runs row with
    that id (in the recent window) is the same item, not a second problem."""
    db_path = copy_db(world.db, tmp_path / "mlflow.db")
    blob = b"\x00\xffrun-blob"
    db = sqlite3.connect(db_path)
    with db:
        exp = db.execute("SELECT experiment_id FROM runs LIMIT 1").fetchone()[0]
        add_run(db, blob, exp, "blob-run")
        add_version(db, "blobbed", 1, blob, "s3://lake/models/blobbed/1")
        add_run(db, b"\x01other", exp, "other-blob-run", start=1_800_000_000_000)   # no version: said
    db.close()
    g = collect(str(db_path))
    assert sorted(e.reason for e in g.errors) == [
        "model version blobbed/1: left out run_id (a BLOB (10 bytes), not text)",
        "runs: a row's run_uuid is a BLOB (6 bytes), not text; skipped"]
    assert "run_id" not in g.node("model_version:mlflow://mlflow.db/blobbed/1")["attrs"]


def test_text_that_is_not_utf8_names_its_item_and_is_kept(tmp_path, world):
    """SQLite stores any bytes as TEXT: the item is named, the value read with U+FFFD, and
    an id that is not UTF-8 (which nothing could match) costs only its item."""
    db_path = copy_db(world.db, tmp_path / "mlflow.db")
    train = world.served.runs["train"]
    db = sqlite3.connect(db_path)
    with db:
        db.execute('INSERT INTO tags ("key", value, run_uuid) VALUES (?, CAST(x\'ff00fe\' AS TEXT), ?)',
                   ("undecodable", train))
        db.execute("UPDATE model_versions SET description = CAST(? AS TEXT) WHERE version = 1",
                   ("r\xe9sum\xe9".encode("latin-1"),))
        db.execute("INSERT INTO registered_models (name, creation_time, last_updated_time) "
                   "VALUES (CAST(x'6d6f64c3a8ff' AS TEXT), 1, 1)")
    db.close()
    g = collect(str(db_path))
    assert sorted(e.reason for e in g.errors) == sorted([
        f"tags: tag 'undecodable' of run {train}: value not UTF-8: read with U+FFFD for the bad bytes",
        "model version churn/1: description not UTF-8: read with U+FFFD for the bad bytes",
        "registered_models: a row's name is text that is not UTF-8; skipped"])
    assert g.node(f"run:mlflow://mlflow.db/{train}")["attrs"]["tags"]["undecodable"] == "\ufffd\x00\ufffd"
    assert len(by_kind(g, "model")) == 1 and len(by_kind(g, "model_version")) == 4


def _file_store_with_run_meta(tmp_path, world, edit) -> tuple[EstateGraph, str, str]:
    """A copy of the file store whose `train` run meta.yaml is edit(its text): the graph, the
    meta.yaml as errors name it, and the run's id."""
    store = tmp_path / "mlruns"
    shutil.copytree(world.mlruns, store)
    train = world.filed.runs["train"]
    meta = next(store.glob(f"*/{train}/meta.yaml"))
    meta.write_text(edit(meta.read_text(), train))
    return collect(str(store)), f"{store}/{meta.relative_to(store).as_posix()}", train


def _line(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(start))


def test_a_recursive_alias_in_a_run_meta_yaml_is_refused_at_its_line(tmp_path, world):
    edited = {}

    def alias(text, run):
        edited["text"] = text.replace(f"run_id: {run}\n", "run_id: &r [*r]\n")
        assert edited["text"] != text
        return edited["text"]
    g, shown, train = _file_store_with_run_meta(tmp_path, world, alias)
    assert [(e.source, e.line) for e in g.errors] == [(shown, _line(edited["text"], "run_id:"))]
    assert "recursive alias" in g.errors[0].reason
    assert f"run:mlflow://mlruns/{train}" not in g


def test_a_recursive_alias_shadowed_by_a_later_key_is_not_in_the_document(tmp_path, world):
    """Scanned YAML keeps last-one-wins for a key given twice (safeyaml, and MLflow's own
    yaml.safe_load): the cycle never reaches the document, the run reads as MLflow reads it."""
    g, _, train = _file_store_with_run_meta(tmp_path, world, lambda text, run: "run_id: &r [*r]\n" + text)
    assert g.errors == []
    assert g.node(f"run:mlflow://mlruns/{train}")["attrs"]["run_id"] == train


def test_a_run_meta_field_of_the_wrong_type_is_named_with_its_line_and_left_out(tmp_path, world):
    edited = {}

    def status_mapping(text, run):
        edited["text"] = re.sub(r"(?m)^status: \d+$", "status:\n  code: 3", text)
        assert edited["text"] != text
        return edited["text"]
    g, shown, train = _file_store_with_run_meta(tmp_path, world, status_mapping)
    assert [(e.source, e.reason, e.line) for e in g.errors] == [
        (shown, "status: expected a string or a number, found a mapping; left out",
         _line(edited["text"], "status:"))]
    run = g.node(f"run:mlflow://mlruns/{train}")["attrs"]
    assert "status" not in run and run["run_name"] == "train" and run["git_commit"] == world.head


def test_a_version_meta_with_a_text_version_is_named_with_its_line(tmp_path, world):
    store = tmp_path / "mlruns"
    shutil.copytree(world.mlruns, store)
    meta = store / "models" / "churn" / f"version-{world.filed.versions['staging']}" / "meta.yaml"
    text = re.sub(r"(?m)^version: \d+$", "version: two", meta.read_text())
    meta.write_text(text)
    g = collect(str(store))
    assert [(e.source, e.reason, e.line) for e in g.errors] == [
        (f"{store}/{meta.relative_to(store).as_posix()}", "version is text, not a whole number; skipped",
         _line(text, "version:"))]
    assert sorted(a["version"] for a in by_kind(g, "model_version").values()) == [1, 3, 4]


def test_a_run_meta_yaml_that_is_a_folder_costs_only_that_run(tmp_path, world):
    store = tmp_path / "mlruns"
    shutil.copytree(world.mlruns, store)
    train = world.filed.runs["train"]
    meta = next(store.glob(f"*/{train}/meta.yaml"))
    meta.unlink()
    meta.mkdir()
    os.mkfifo(next(store.glob(f"*/{world.filed.runs['explore']}/tags")) / "planted")   # no hang
    g = collect(str(store))
    errors = {(e.source, e.reason) for e in g.errors}
    rel = meta.relative_to(store).as_posix()
    planted = next(store.glob(f"*/{world.filed.runs['explore']}/tags/planted")).relative_to(store)
    assert errors == {(f"{store}/{rel}", "a directory, not a regular file; not read"),
                      (f"{store}/{planted.as_posix()}", "a named pipe, not a regular file; not read")}
    versions = {a["version"]: a for a in by_kind(g, "model_version").values()}
    assert sorted(versions) == [1, 2, 3, 4]
    assert versions[1]["unresolved"]["run_id"]["reason"] == \
        f"run {train} could not be read: the store's {rel} cannot be read"
    explore = g.node(f"run:mlflow://mlruns/{world.filed.runs['explore']}")["attrs"]
    assert explore["run_name"] == "explore" and "planted" not in explore["tags"]


# -- secrets and Windows paths: recorded faithfully, masked at the door ------------------------

GH_TOKEN = "ghp_" + "Zq3" * 12                      # the shape GitHub gives personal tokens
AWS_KEY_ID = "AKIA" + "QX7RM2PL5WN8TZ4J"


def test_secrets_in_tags_and_params_never_reach_the_snapshot_or_report(tmp_path, world):
    estate = tmp_path / "estate"
    db_path = copy_db(world.db, estate / "mlflow.db")
    db = sqlite3.connect(db_path)
    with db:
        exp = db.execute("SELECT experiment_id FROM experiments WHERE name = 'churn'").fetchone()[0]
        add_run(db, "f" * 32, exp, f"deploy with {GH_TOKEN}", tags={
            "mlflow.source.name": "deploy.py", "ci.token": GH_TOKEN, "aws": f"key id {AWS_KEY_ID}",
            "long": "x" * 479 + " " + GH_TOKEN,           # crosses the 500-character cut
            "mlflow.source.git.repoURL": f"https://bot:{GH_TOKEN}@github.com/contoso/churn.git"},
            params={"github_token": GH_TOKEN, "aws_access_key_id": AWS_KEY_ID})
        add_version(db, "churn", 7, "f" * 32, f"s3://lake/models/churn/7?token={GH_TOKEN}",
                    tags={"deployed_by": AWS_KEY_ID})
        db.execute("INSERT INTO experiment_tags (\"key\", value, experiment_id) VALUES (?,?,?)",
                   ("owner", f"{AWS_KEY_ID} {GH_TOKEN}", exp))
    db.close()
    snap, report = tmp_path / "snap.json", tmp_path / "report.json"
    proc = run_mlcheck("scan", str(estate), "--snapshot-out", str(snap), "--format", "json",
                       "--output", str(report), "--format", "console")
    assert proc.returncode in (0, 1), proc.stderr
    doc = json.loads(snap.read_text())
    run = doc["nodes"][f"run:mlflow://mlflow.db/{'f' * 32}"]["attrs"]
    assert run["tags"]["ci.token"].startswith("«redacted:")          # the value of a credential-named key
    assert run["tags"]["aws"] == "key id «redacted:AWS Access Key»"
    assert run["tags"]["long"] == "x" * 479 + " " + "«redacted:GitHub Token»"[:20]
    assert run["params_count"] == 2
    everything = snap.read_text() + report.read_text() + proc.stdout + proc.stderr
    for secret in (GH_TOKEN, AWS_KEY_ID, GH_TOKEN[:16], GH_TOKEN[-16:], AWS_KEY_ID[4:]):
        assert secret not in everything, secret


WINDOWS_SOURCE = r"C:\Users\Jan Kowalski\AppData\Roaming\Python\Python311\site-packages\ipykernel_launcher.py"


def test_windows_source_names_are_recorded_as_they_are(tmp_path, world):
    """A course run on Windows records its kernel launcher as the source: kept verbatim."""
    estate = tmp_path / "estate"
    db_path = copy_db(world.db, estate / "mlflow.db")
    db = sqlite3.connect(db_path)
    with db:
        exp = db.execute("SELECT experiment_id FROM experiments WHERE name = 'churn'").fetchone()[0]
        add_run(db, "e" * 32, exp, "notebook", tags={
            "mlflow.source.name": WINDOWS_SOURCE, "mlflow.source.type": "LOCAL",
            "mlflow.user": "Jan Kowalski"})
    db.close()
    snap = tmp_path / "snap.json"
    proc = run_mlcheck("scan", str(estate), "--snapshot-out", str(snap))
    assert proc.returncode in (0, 1), proc.stderr
    run = json.loads(snap.read_text())["nodes"][f"run:mlflow://mlflow.db/{'e' * 32}"]["attrs"]
    assert run["source_name"] == WINDOWS_SOURCE and run["tags"]["mlflow.source.name"] == WINDOWS_SOURCE
    assert (run["source_type"], run["user"]) == ("LOCAL", "Jan Kowalski")


def test_total_timeout_interrupts_a_long_sqlite_query(tmp_path, world):
    db_path = copy_db(world.db, tmp_path / "mlflow.db")
    db = sqlite3.connect(db_path)
    with db:
        exp = db.execute("SELECT experiment_id FROM experiments WHERE name = 'churn'").fetchone()[0]
        db.executemany("INSERT INTO runs (run_uuid, name, status, start_time, lifecycle_stage, "
                       "experiment_id) VALUES (?,?,?,?,?,?)",
                       ((f"{i:032x}", f"r{i}", "FINISHED", i, "active", exp) for i in range(300_000)))
    db.close()
    g = collect(str(db_path), total_timeout=0.001)
    assert g.errors and "total time limit of 0.001 s reached" in g.errors[-1].reason
