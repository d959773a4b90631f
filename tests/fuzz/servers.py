"""Hostile servers on 127.0.0.1: an "MLflow" that answers slowly, never, wrongly or with
secrets, and an "OPA" that accepts connections and never answers.

These are not doubles of MLflow or OPA: no real server behaves this way on purpose, which
is the point. Where they answer correctly they use MLflow REST API 2.0 shapes
(experiments/search, registered-models/search, model-versions/search, runs/search,
runs/get), so the scan gets as far as the hostile part.
"""
from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Callable

from loopback import LoopbackServer

from . import planted
from .cases import RUN, Case, Expect, Invocation, rng_for

RUN_ID = "0" * 31 + "1"
PASS_LINE = "PASS: no open finding at or above high"
CONFIG = "params:\n  mlflow: {request_timeout: 2, total_timeout: 8, retries: 1}\n"


def run_json(tags: dict | None = None) -> dict:
    return {"info": {"run_id": RUN_ID, "run_uuid": RUN_ID, "experiment_id": "1", "run_name": "train",
                     "status": "FINISHED", "lifecycle_stage": "active", "start_time": 1767225600000,
                     "user_id": "fuzz"},
            "data": {"tags": [{"key": k, "value": v} for k, v in {
                "mlflow.source.git.commit": "1" * 40, **(tags or {})}.items()], "params": [], "metrics": []},
            "inputs": {}}


def valid_answer(endpoint: str, secrets: dict | None = None, model: str = "good") -> dict:
    """What a healthy tracking server answers, with `secrets` planted in tags and sources."""
    s = secrets or {}
    if endpoint == "experiments/search":
        return {"experiments": [{"experiment_id": "1", "name": "fuzz", "lifecycle_stage": "active", "tags": []}]}
    if endpoint == "registered-models/search":
        return {"registered_models": [{"name": model, "aliases": [{"alias": "champion", "version": "1"}],
                                       "tags": [], "description": s.get("description", "")}]}
    if endpoint == "model-versions/search":
        return {"model_versions": [{"name": model, "version": "1", "run_id": RUN_ID, "status": "READY",
                                    "current_stage": "None", "source": s.get("source", "s3://models/m"),
                                    "tags": [{"key": "token", "value": s["token"]}] if "token" in s else []}]}
    if endpoint == "runs/search":
        return {"runs": [run_json({"notes": s["tag"]} if "tag" in s else None)]}
    if endpoint == "runs/get":
        return {"run": run_json({"notes": s["tag"]} if "tag" in s else None)}
    return {}


class HostileServer:
    """A threading HTTP server whose every request goes to `respond(handler, endpoint)`."""

    def __init__(self, respond: Callable[[BaseHTTPRequestHandler, str], None]) -> None:
        self.respond = respond
        self.stopping = threading.Event()
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:       # quiet
                pass

            def _any(self) -> None:
                server.requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                self.body = self.rfile.read(length) if length else b""
                endpoint = self.path.split("/api/2.0/mlflow/", 1)[-1].split("?", 1)[0]
                try:
                    server.respond(self, endpoint)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_DELETE = _any

        Handler.server_ref = self
        self.httpd = LoopbackServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> "HostileServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def send(handler, status: int, body: bytes | str | dict, content_type: str = "application/json",
         headers: dict | None = None) -> None:
    data = json.dumps(body).encode() if isinstance(body, dict) else (body.encode() if isinstance(body, str) else body)
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    for k, v in (headers or {}).items():
        handler.send_header(k, v)
    handler.end_headers()
    handler.wfile.write(data)


# -- behaviours ------------------------------------------------------------------------------

def valid(secrets: dict | None = None, model: str = "good"):
    return lambda h, ep: send(h, 200, valid_answer(ep, secrets, model))


def slow_drip(h, ep) -> None:
    """A correct answer (padded to 4 KB), a byte every 0.2 s: each read is quick, the whole
    takes 800 s."""
    data = json.dumps(valid_answer(ep)).encode().ljust(4096)
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(data)))
    h.end_headers()
    for i in range(len(data)):
        if h.server_ref.stopping.is_set():
            return
        h.wfile.write(data[i:i + 1])
        h.wfile.flush()
        time.sleep(0.2)


def silent(h, ep) -> None:
    """Accepts, reads the request, never answers."""
    h.server_ref.stopping.wait(600)


def truncated_body(h, ep) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", "5000")
    h.end_headers()
    h.wfile.write(b'{"experiments": [')
    h.close_connection = True


def header_flood(h, ep) -> None:
    h.send_response(200)
    for i in range(500):
        h.send_header(f"X-Fuzz-{i}", "x" * 50)
    h.send_header("Content-Length", "2")
    h.end_headers()
    h.wfile.write(b"{}")


def paging(repeat: bool):
    counter = iter(range(10**9))

    def respond(h, ep) -> None:
        if ep != "experiments/search":
            return send(h, 200, valid_answer(ep))
        token = "same" if repeat else f"page-{next(counter)}"
        send(h, 200, {"experiments": [], "next_page_token": token})
    return respond


def only(endpoint: str, body, status: int = 200, content_type: str = "application/json", headers=None):
    """Healthy everywhere except `endpoint`, which answers `body`."""
    def respond(h, ep) -> None:
        if ep == endpoint:
            return send(h, status, body, content_type, headers)
        send(h, 200, valid_answer(ep))
    return respond


def echo_auth(h, ep) -> None:
    """401 with the credentials it was sent quoted back in the message."""
    send(h, 401, {"error_code": "UNAUTHENTICATED",
                  "message": f"bad credentials: {h.headers.get('Authorization', '')}"})


# -- cases ---------------------------------------------------------------------------------------

def server_case(name: str, respond, errors: int, *, env: dict | None = None, secrets: tuple = (),
                needles: tuple = (), nodes: tuple = (), timeout: float = 60.0, console: Callable | None = None) -> Case:
    """`mlcheck scan estate --source mlflow=<server>`: exit 3 with `errors` collection errors
    naming the server (exit 1 when none: the canary's critical finding), bounded in time."""
    def build(case_dir: Path) -> Invocation:
        server = HostileServer(respond).start()
        (case_dir / "mlcheck.yaml").write_text(CONFIG)

        def check(o) -> list[str]:
            mine = [e for e in o.errors() if e.get("source") == server.url]
            other = [e for e in o.errors() if e.get("source") != server.url]
            problems = [f"collection error about something else: {e['source']}: {e['reason'][:120]}" for e in other]
            if len(mine) != errors:
                shown = "; ".join(e["reason"][:160] for e in mine[:3])
                problems.append(f"{len(mine)} collection error(s) naming the server, expected {errors}"
                                + (f": {shown}" if shown else ""))
            problems += [f"crash reported instead of a reason: {e['reason'][:200]}"
                         for e in mine if "crashed" in e["reason"]]
            for needle in needles:
                if not any(needle in e["reason"] for e in mine):
                    problems.append(f"the error does not say {needle!r}")
            for nid in nodes:
                if o.node(nid.format(url=server.url.removeprefix("http://"))) is None:
                    problems.append(f"lost: node {nid} not collected")
            return problems + (console(o) if console else [])
        return Invocation(["scan", "{estate}", "--config", "{case}/mlcheck.yaml", "--source", f"mlflow={server.url}"],
                          env=env or {}, cleanup=[server.stop], check=check)
    return Case(f"mlflow-server/{name}", build, Expect(codes=(3,) if errors else (1,)), where=RUN,
                secrets=secrets, timeout=timeout)


def mlflow_cases(seed: int) -> list[Case]:
    rng = rng_for(seed, "mlflow-server")
    aws, token, pw, auth = (planted.aws_key(rng), planted.github_token(rng), planted.password(rng),
                            planted.github_token(rng))
    good = ("model_version:mlflow://{url}/good/1",)
    return [
        server_case("slow-drip", slow_drip, 1, needles=("time",)),
        server_case("never-answers", silent, 1),
        server_case("html-page", only("experiments/search", "<html><body>Sign in</body></html>",
                                      content_type="text/html"), 1),
        server_case("json-array", only("experiments/search", "[]"), 1),
        server_case("json-nested-100k", only("experiments/search", "[" * 100_000 + "]" * 100_000), 1),
        server_case("experiments-not-a-list", only("experiments/search", {"experiments": {"id": "1"}}), 1),
        server_case("page-token-loop", paging(repeat=True), 1),
        server_case("endless-pages", paging(repeat=False), 1),
        server_case("http-500-always", only("experiments/search", {"error_code": "INTERNAL_ERROR"}, status=500), 1),
        server_case("redirect-elsewhere", only("experiments/search", "", status=302,
                                               headers={"Location": "http://127.0.0.1:9/steal"}), 1),
        server_case("body-shorter-than-length", truncated_body, 1),
        server_case("500-headers", header_flood, 1),
        server_case("versions-wrong-shapes", only("model-versions/search", {"model_versions": [
            {"name": ["good"], "version": {"v": 1}}, {"name": "good", "version": "1", "run_id": RUN_ID}]}), 1,
            nodes=good),
        server_case("secrets-in-answers", valid({"tag": aws, "token": token, "description": f"https://u:{pw}@h/x",
                                                 "source": f"https://svc:{pw}@models.example.com/m"}), 0,
                    secrets=(aws, token, pw), nodes=good),
        server_case("secret-in-error-message", only("registered-models/search", {
            "error_code": "INVALID_PARAMETER_VALUE", "message": f"token {token} is not allowed"}, status=400), 1,
            secrets=(token,)),
        server_case("echoes-credentials", echo_auth, 1, env={"MLFLOW_TRACKING_TOKEN": auth}, secrets=(auth,)),
        server_case("control-chars-in-names", valid(model=f"evil\n\n{PASS_LINE}\n\x1b[2J\x1b]0;owned\x07"), 0),
        server_case("tag-value-5mb", valid({"tag": "t" * 5_000_000}), 0, nodes=good),
    ]


class ConnectionCounter:
    """A socket that accepts connections and counts them (for "nothing was called")."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.count = 0
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _loop(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.count += 1
            conn.close()

    def stop(self) -> None:
        self.sock.close()


def opa_silent() -> Case:
    """--opa-url at a server that accepts and never answers: bounded, and says so."""
    def build(case_dir: Path) -> Invocation:
        server = HostileServer(silent).start()
        return Invocation(["scan", "{estate}", "--opa-url", server.url], cleanup=[server.stop])
    return Case("opa/never-answers", build, Expect(codes=(2, 3), stderr=("127.0.0.1",)), where=RUN, timeout=180)


def cases(seed: int) -> list[Case]:
    return mlflow_cases(seed) + [opa_silent()]
