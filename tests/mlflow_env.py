"""A real MLflow estate for the MLflow collector tests and bench.

- `MlflowServer`: a real `mlflow server` on 127.0.0.1 and a free port, in its own process
  group (MLflow 3 starts uvicorn workers and job consumers), waited on /health and stopped by
  killing the whole group.
- `build_estates`: a real git repository with a training script and an untracked notebook-like
  script, both run as subprocesses with MLFLOW_TRACKING_URI set so MLflow records the git
  commit and source name itself; model versions registered, aliased, staged and deleted with
  the real MLflow client. The same steps work against a server and a legacy file store.

MLflow is a test/bench dependency only; it is imported inside the functions that need it.
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

MLFLOW_BIN = Path(sys.executable).with_name("mlflow")

# Quiet, offline MLflow: no telemetry, no prompts, the legacy file store allowed.
MLFLOW_ENV = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true",
              "MLFLOW_ALLOW_FILE_STORE": "true", "GIT_PYTHON_REFRESH": "quiet",
              "PYTHONWARNINGS": "ignore"}

TRAIN_PY = '''\
"""Train the churn model: logs its data, params, metrics and a model artifact."""
import json

import mlflow
import numpy as np

mlflow.set_experiment("churn")
mlflow.set_experiment_tag("team", "risk")
with mlflow.start_run(run_name="train") as run:
    table = np.loadtxt("data/train.csv", delimiter=",", skiprows=1)
    train = mlflow.data.from_numpy(table[:, :-1], targets=table[:, -1],
                                   source="data/train.csv", name="churn-train")
    mlflow.log_input(train, context="training")
    holdout = mlflow.data.from_numpy(table[:2, :-1], source="s3://lake/churn/eval.parquet",
                                     name="churn-eval")
    mlflow.log_input(holdout, context="validation")
    mlflow.log_params({"lr": 0.1, "epochs": 3, "penalty": "l2"})
    mlflow.log_metrics({"acc": 0.91, "loss": 0.21})
    mlflow.set_tag("mlflow.docker.image.name", "registry.example.com/churn-train:1.4")
    mlflow.set_tag("notes", "n" * 800)
    mlflow.log_text("flavors: {}\\n", "model/MLmodel")
    print(json.dumps({"run_id": run.info.run_id, "artifact_uri": run.info.artifact_uri}))
'''

# An exploration script nobody committed: the "notebook" a model was promoted from.
EXPLORE_PY = '''\
import json

import mlflow
import numpy as np

mlflow.set_experiment("sandbox")
with mlflow.start_run(run_name="explore") as run:
    web = mlflow.data.from_numpy(np.zeros((2, 2)), name="churn-web",
                                 source="https://reader:hunter2@data.example.com/churn.csv?sig=abc123")
    mlflow.log_input(web, context="training")
    mlflow.log_param("lr", 0.5)
    mlflow.log_metric("acc", 0.97)
    mlflow.log_text("flavors: {}\\n", "model/MLmodel")
    print(json.dumps({"run_id": run.info.run_id, "artifact_uri": run.info.artifact_uri}))
'''

TRAIN_CSV = "f1,f2,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n"
REPO_URL = "https://github.com/contoso/churn.git"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mlflow_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MLFLOW_TRACKING_", "MLFLOW_REGISTRY_"))}
    return {**env, **MLFLOW_ENV, **extra}


class MlflowServer:
    """`mlflow server` on 127.0.0.1 in its own process group; `stop` kills the group."""

    def __init__(self, backend_uri: str, artifact_root: Path, log_path: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.cmd = [str(MLFLOW_BIN), "server", "--backend-store-uri", backend_uri,
                    "--default-artifact-root", str(artifact_root), "--host", "127.0.0.1",
                    "--port", str(self.port), "--workers", str(workers)]
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> "MlflowServer":
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=mlflow_env(),
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        tail = self.log_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"mlflow server did not become healthy on {self.url}:\n{tail}")

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=3)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=15)
        # Workers that outlived their parent are still in the group.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc = None
        self.log.close()

    def __enter__(self) -> "MlflowServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def make_estate_repo(root: Path) -> tuple[Path, str]:
    """A real git repo holding the committed training script and its data; returns (repo, HEAD)."""
    from conftest import git, make_repo
    repo = make_repo(root, {"train.py": TRAIN_PY, "data/train.csv": TRAIN_CSV,
                            "README.md": "# churn\n"}, message="training pipeline")
    git(repo, "remote", "add", "origin", REPO_URL)
    (repo / "explore.py").write_text(EXPLORE_PY, encoding="utf-8")   # untracked on purpose
    return repo, git(repo, "rev-parse", "HEAD")


@dataclass
class Estate:
    tracking_uri: str
    runs: dict[str, str] = field(default_factory=dict)      # role -> run id
    versions: dict[str, int] = field(default_factory=dict)  # role -> model version


def run_script(repo: Path, script: str, tracking_uri: str) -> dict:
    """Run a script of the repo the way a data scientist does: python <script>, cwd = repo."""
    env = mlflow_env(MLFLOW_TRACKING_URI=tracking_uri)
    proc = subprocess.run([sys.executable, script], cwd=repo, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"{script} failed against {tracking_uri}:\n{proc.stderr[-3000:]}")
    # MLflow prints its own "View run" lines to stdout too; the script's result is the JSON one.
    return next(json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{"))


def run_scripts(repo: Path, scripts: list[str], tracking_uris: list[str]) -> dict[tuple[str, str], dict]:
    """The scripts one after the other for each store (a new file store must not be created
    by two processes at once), the stores side by side; {(script, uri): its JSON result}."""
    with ThreadPoolExecutor(len(tracking_uris)) as pool:
        chains = {uri: pool.submit(lambda u: [run_script(repo, s, u) for s in scripts], uri)
                  for uri in tracking_uris}
        return {(script, uri): result for uri, chain in chains.items()
                for script, result in zip(scripts, chain.result())}


@contextmanager
def client_env(tracking_uri: str):
    """The in-process client's environment: its store everywhere (MLflow 3 otherwise creates
    a default ./mlflow.db for some registry calls) and the legacy file store allowed."""
    names = ("MLFLOW_ALLOW_FILE_STORE", "MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")
    old = {name: os.environ.get(name) for name in names}
    os.environ.update(MLFLOW_ALLOW_FILE_STORE="true", MLFLOW_TRACKING_URI=tracking_uri,
                      MLFLOW_REGISTRY_URI=tracking_uri)
    try:
        yield
    finally:
        for name, value in old.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def build_estates(repo: Path, tracking_uris: list[str]) -> list[Estate]:
    """The same estate in each store (see `register`); the scripts run concurrently."""
    results = run_scripts(repo, ["train.py", "explore.py"], tracking_uris)
    return [register(uri, results["train.py", uri], results["explore.py", uri]) for uri in tracking_uris]


def register(tracking_uri: str, train: dict, explore: dict) -> Estate:
    """A registry with every case the collector must tell apart:
    churn v1 <- committed train.py run (alias champion, Production, two datasets);
    v2 <- untracked explore.py run (Staging); v3 with no run; v4 whose run was deleted;
    v5 soft-deleted; plus an unreferenced recent run ("scratch") and a deleted one."""
    import warnings
    from mlflow import MlflowClient

    estate = Estate(tracking_uri)
    estate.runs.update(train=train["run_id"], explore=explore["run_id"])
    with client_env(tracking_uri), warnings.catch_warnings():
        warnings.simplefilter("ignore")     # stages are deprecated in MLflow 3, still recorded
        client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
        churn = client.get_experiment_by_name("churn").experiment_id
        sandbox = client.get_experiment_by_name("sandbox").experiment_id
        client.create_registered_model("churn", tags={"team": "risk"},
                                       description="Customer churn classifier")
        v1 = client.create_model_version("churn", f"{train['artifact_uri']}/model",
                                         run_id=train["run_id"], tags={"validated": "true"})
        client.set_registered_model_alias("churn", "champion", v1.version)
        client.transition_model_version_stage("churn", v1.version, "Production")
        v2 = client.create_model_version("churn", f"{explore['artifact_uri']}/model",
                                         run_id=explore["run_id"])
        client.transition_model_version_stage("churn", v2.version, "Staging")
        v3 = client.create_model_version("churn", "s3://lake/models/churn/manual")
        discarded = client.create_run(churn, run_name="discarded")
        client.set_terminated(discarded.info.run_id)
        v4 = client.create_model_version("churn", f"{discarded.info.artifact_uri}/model",
                                         run_id=discarded.info.run_id)
        client.delete_run(discarded.info.run_id)
        v5 = client.create_model_version("churn", "s3://lake/models/churn/withdrawn")
        client.delete_model_version("churn", v5.version)
        scratch = client.create_run(sandbox, run_name="scratch")
        client.log_param(scratch.info.run_id, "seed", "7")
        client.set_terminated(scratch.info.run_id)
    estate.runs.update(discarded=discarded.info.run_id, scratch=scratch.info.run_id)
    estate.versions.update(champion=int(v1.version), staging=int(v2.version), no_run=int(v3.version),
                           deleted_run=int(v4.version), soft_deleted=int(v5.version))
    return estate


# -- stores edited in place, and a server that trickles --------------------------------------

def copy_db(src: Path, dst: Path) -> Path:
    """A consistent copy of a (possibly live) SQLite store, by SQLite's online backup."""
    import sqlite3
    dst.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()
    return dst


def add_run(db, run_id, experiment_id: int, name: str, *, tags: dict | None = None,
            params: dict | None = None, start: int = 1_900_000_000_000) -> None:
    """A finished, active run written with sqlite3 into MLflow's own `runs`, `tags` and
    `params` tables, as MLflow's SQLAlchemy store writes one. `run_id` may be any SQLite
    value (a BLOB, to play a hostile store)."""
    db.execute("INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, "
               "user_id, status, start_time, end_time, source_version, lifecycle_stage, "
               "artifact_uri, experiment_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
               (run_id, name, "LOCAL", "", "", "alice", "FINISHED", start, start + 1000, "",
                "active", f"mlflow-artifacts:/{experiment_id}/{run_id}/artifacts", experiment_id))
    db.executemany('INSERT INTO tags ("key", value, run_uuid) VALUES (?,?,?)',
                   [(k, v, run_id) for k, v in (tags or {}).items()])
    db.executemany('INSERT INTO params ("key", value, run_uuid) VALUES (?,?,?)',
                   [(k, v, run_id) for k, v in (params or {}).items()])


def add_version(db, name: str, version, run_id, source: str, *, tags: dict | None = None,
                updated: int = 1_900_000_000_000) -> None:
    """A model version in MLflow's `model_versions` (and its tags), registered model created
    when missing."""
    db.execute("INSERT OR IGNORE INTO registered_models (name, creation_time, last_updated_time) "
               "VALUES (?,?,?)", (name, updated, updated))
    db.execute("INSERT INTO model_versions (name, version, creation_time, last_updated_time, "
               "user_id, current_stage, source, run_id, status) VALUES (?,?,?,?,?,?,?,?,?)",
               (name, version, updated, updated, "alice", "None", source, run_id, "READY"))
    db.executemany('INSERT INTO model_version_tags ("key", value, name, version) VALUES (?,?,?,?)',
                   [(k, v, name, version) for k, v in (tags or {}).items()])


def drop_not_null(path: Path, table: str, column: str) -> None:
    """Rewrite one table's schema without a column's NOT NULL, through SQLite's documented
    writable_schema route: a store damaged the way an older or hand-edited one can be."""
    import sqlite3
    db = sqlite3.connect(path)
    with db:
        db.execute("PRAGMA writable_schema = ON")
        (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                            (table,)).fetchone()
        relaxed = re.sub(rf'("?{column}"?\s+\w+(?:\(\d+\))?)\s+NOT NULL', r"\1", sql, count=1)
        assert relaxed != sql, f"{table}.{column} has no NOT NULL to drop"
        db.execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (relaxed, table))
        db.execute("PRAGMA writable_schema = OFF")
    db.close()


class TrickleServer:
    """A real TCP server on 127.0.0.1 that answers every connection with a valid HTTP
    response, one byte every `interval` seconds: the status line and headers too (`what`
    = "headers") or only the body (`what` = "body"). A failure-mode double, not MLflow: a
    real server cannot be made to do this. Records, per connection, how many bytes it sent
    before the client hung up and whether it sent them all."""

    def __init__(self, what: str, interval: float = 0.05, body_bytes: int = 4000) -> None:
        import threading
        body = b'{"experiments": []' + b" " * max(0, body_bytes - 19) + b"}"
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
        self.fast, self.slow = (b"", head + body) if what == "headers" else (head, body)
        self.interval = interval
        self.connections: list[dict] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._serve, daemon=True)]
        self.threads[0].start()

    def _serve(self) -> None:
        import threading
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            answer = threading.Thread(target=self._answer, args=(conn,), daemon=True)
            self.threads.append(answer)
            answer.start()

    def _answer(self, conn: socket.socket) -> None:
        record = {"sent": 0, "total": len(self.fast) + len(self.slow), "complete": False}
        self.connections.append(record)
        with conn:
            try:
                conn.settimeout(5)
                request = b""
                while b"\r\n\r\n" not in request:        # the request head; the body is small
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    request += chunk
                conn.sendall(self.fast)
                record["sent"] = len(self.fast)
                for i in range(len(self.slow)):
                    if self.stopping.wait(self.interval):
                        return
                    conn.sendall(self.slow[i:i + 1])
                    record["sent"] += 1
                record["complete"] = True
            except OSError:
                pass            # the client hung up: what this double is here to see

    def __enter__(self) -> "TrickleServer":
        return self

    def __exit__(self, *exc) -> None:
        """Stop for good before returning: a thread left blocked in accept() on a closed
        socket, or still sending, would outlive the test (and its descriptor number is
        reused by the next test's sockets)."""
        self.stopping.set()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)    # wakes a blocked accept() on Linux
        except OSError:
            pass
        self.threads[0].join(timeout=10)          # accepts no more: the list is final
        for thread in self.threads[1:]:
            thread.join(timeout=10)
        self.sock.close()
