"""A test double for the OPA server: the `opa` binary cannot be installed on these machines.

It serves, on 127.0.0.1, the OPA REST endpoints mlcheck's OPA back end uses (through
opa-python-client), with OPA's status codes and response shapes (OPA REST API docs;
server/types/types.go and server/server.go in open-policy-agent/opa):

    PUT    /v1/policies/{id}  text/plain module -> 200 {}
                              parse/compile error -> 400 {"code": "invalid_parameter",
                              "message": "error(s) occurred while compiling module(s)",
                              "errors": [{"code", "message", "location": {"file", "row", "col"}}]}
    GET    /v1/policies       -> 200 {"result": [{"id", "raw"}]}
    GET    /v1/policies/{id}  -> 200 {"result": {"id", "raw"}} | 404 resource_not_found
    DELETE /v1/policies/{id}  -> 200 {} | 404 resource_not_found
    PUT    /v1/data/{path}    JSON document -> 204
    POST   /v1/data/{path}    {"input": ...} -> 200 {"result": ...}, or 200 {} when the document
                              is undefined (plus OPA's "warning" when the input key is missing);
                              500 internal_error when evaluation fails
    GET    /health            -> 200 {}

Rego runs in regopy (rego-cpp) — on purpose not regorus, the engine mlcheck embeds by
default, so "same findings on the OPA server" compares two implementations of Rego, as a
real OPA (Go) would be a third: every query gets a fresh Interpreter holding all stored
modules and the data document, as OPA evaluates against everything it holds. Input and data
go to rego-cpp as JSON text (set_input_term): regopy's Input(value) writes strings holding
backslashes as invalid JSON. With a token configured, every /v1 request needs
`Authorization: Bearer <token>` or gets OPA's 401 {"code": "unauthorized", "message":
"request rejected by administrative policy"} (what `opa run --authentication=token
--authorization=basic` answers when its system.authz policy denies the request).

Known gaps against a real OPA: policy listings carry no "ast" (regopy does not produce
OPA's AST JSON), and rego-cpp resolves functions lazily, so a call to an undefined
function is refused at upload only when evaluating the module's package without input
reaches it; OPA's type checker always refuses it at upload.
"""
from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import unquote, urlsplit

from loopback import LoopbackServer
from regopy import Interpreter, LogLevel, RegoError

MSG_COMPILE_MODULE = "error(s) occurred while compiling module(s)"
MSG_EVALUATION = "error(s) occurred while evaluating query"
MSG_UNAUTHORIZED = "request rejected by administrative policy"
MSG_INPUT_KEY_MISSING = "'input' key missing from the request"
PACKAGE = re.compile(r"^\s*package\s+([A-Za-z_][\w.]*)", re.MULTILINE)


class OpaDouble:
    """The server's state (policies by id, one data document) and its lifecycle."""

    def __init__(self, token: str | None = None, port: int = 0) -> None:
        self.token, self.port = token, port     # port 0: any free port
        self.policies: dict[str, str] = {}
        self.data: dict = {}
        self.requests: list[tuple[str, str, str | None]] = []   # (method, path, Authorization)
        self._lock = threading.Lock()
        self._httpd: LoopbackServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "OpaDouble":
        self._httpd = LoopbackServer(("127.0.0.1", self.port), _Handler)
        self._httpd.double = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="opa-double", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)
            self._httpd = None

    # -- the API, as (status, body or None) -------------------------------------------------

    def put_policy(self, policy_id: str, text: str) -> tuple[int, dict]:
        with self._lock:
            modules = {**self.policies, policy_id: text}
            errors = _parse_errors(policy_id, text) or _compile_errors(modules, policy_id, self.data)
            if errors:
                return 400, {"code": "invalid_parameter", "message": MSG_COMPILE_MODULE, "errors": errors}
            self.policies[policy_id] = text
            return 200, {}

    def list_policies(self) -> tuple[int, dict]:
        with self._lock:
            return 200, {"result": [{"id": pid, "raw": raw} for pid, raw in sorted(self.policies.items())]}

    def get_policy(self, policy_id: str) -> tuple[int, dict]:
        with self._lock:
            if policy_id not in self.policies:
                return 404, _not_found(policy_id)
            return 200, {"result": {"id": policy_id, "raw": self.policies[policy_id]}}

    def delete_policy(self, policy_id: str) -> tuple[int, dict]:
        with self._lock:
            if policy_id not in self.policies:
                return 404, _not_found(policy_id)
            del self.policies[policy_id]
            return 200, {}

    def put_data(self, path: list[str], value) -> tuple[int, dict | None]:
        with self._lock:
            if not path:
                if not isinstance(value, dict):
                    return 400, {"code": "invalid_parameter", "message": "root must be object"}
                self.data = value
                return 204, None
            node = self.data
            for key in path[:-1]:
                node = node.setdefault(key, {})
                if not isinstance(node, dict):
                    return 404, {"code": "resource_not_found",
                                 "message": f"storage_not_found_error: /{'/'.join(path)}: document conflict"}
            node[path[-1]] = value
            return 204, None

    def query(self, path: list[str], body: dict) -> tuple[int, dict]:
        # One evaluation at a time: mlcheck queries two rules at once, and regopy 1.5.2 is
        # not known to be safe with interpreters in several threads (a response was once cut
        # off mid-body under load); OPA itself evaluates concurrently, a double need not.
        with self._lock:
            interp = _interpreter(self.policies, self.data)
            if "input" in body:
                interp.set_input_term(json.dumps(body["input"]))
            query = "data" + "".join(f"[{json.dumps(key)}]" for key in path)
            ok, answer = _answer(interp, query)
        if not ok:
            return 500, {"code": "internal_error", "message": MSG_EVALUATION,
                         "errors": [{"code": "eval_internal_error", "message": answer}]}
        response = {} if answer is None else {"result": answer}
        if "input" not in body:
            response["warning"] = {"code": "api_usage_warning", "message": MSG_INPUT_KEY_MISSING}
        return 200, response


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:   # keep test output quiet
        pass

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        double: OpaDouble = self.server.double
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urlsplit(self.path).path
        double.requests.append((method, path, self.headers.get("Authorization")))
        if path == "/health" and method == "GET":
            return self._send(200, {})
        if not path.startswith("/v1/"):
            return self._send(404, {"code": "resource_not_found", "message": "page not found"})
        if double.token is not None and self.headers.get("Authorization") != f"Bearer {double.token}":
            return self._send(401, {"code": "unauthorized", "message": MSG_UNAUTHORIZED})
        self._send(*self._route(double, method, path, body))

    def _route(self, double: OpaDouble, method: str, path: str, body: bytes):
        api, _, rest = path[len("/v1/"):].partition("/")
        if api == "policies":
            # As OPA's router: /v1/policies lists; /v1/policies/{id...} names one policy,
            # so /v1/policies/ asks for the policy with the empty id.
            policy_id = unquote(rest)
            if method == "GET" and path == "/v1/policies":
                return double.list_policies()
            if method == "GET":
                return double.get_policy(policy_id)
            if method == "PUT" and policy_id:
                return double.put_policy(policy_id, body.decode("utf-8", "replace"))
            if method == "DELETE" and policy_id:
                return double.delete_policy(policy_id)
        if api == "data" and method in ("PUT", "POST"):
            keys = [unquote(k) for k in rest.split("/") if k]
            try:
                document = json.loads(body) if body.strip() else ({} if method == "POST" else None)
            except ValueError as exc:
                return 400, {"code": "invalid_parameter", "message": f"body contains malformed JSON: {exc}"}
            if method == "PUT":
                return double.put_data(keys, document)
            if not isinstance(document, dict):
                return 400, {"code": "invalid_parameter", "message": "body must be an object"}
            return double.query(keys, document)
        return 405, {"code": "invalid_operation", "message": f"{method} {path} is not supported"}

    def _send(self, status: int, body: dict | None) -> None:
        payload = b"" if body is None else (json.dumps(body, indent=2) + "\n").encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def _not_found(policy_id: str) -> dict:
    return {"code": "resource_not_found", "message": f'storage_not_found_error: policy id "{policy_id}"'}


def _interpreter(policies: dict[str, str], data: dict) -> Interpreter:
    interp = Interpreter()
    interp.log_level = LogLevel.NONE   # rego-cpp would print parse errors on our stdout
    for policy_id, text in sorted(policies.items()):
        interp.add_module(policy_id, text)
    interp.add_data_json(json.dumps(data))
    return interp


def _answer(interp: Interpreter, query: str) -> tuple[bool, object]:
    """(True, value or None when undefined) or (False, error message)."""
    try:
        output = interp.query(query)
    except ValueError:   # regopy cannot decode an error node; read rego-cpp's own text
        return False, _error_messages(_raw_answer(interp, query))[0][3]
    except RegoError as exc:
        return False, str(exc)
    if not output.ok():     # e.g. conflicting values; regopy 1.5.2 can crash printing such an output
        return False, "rego-cpp could not evaluate the query"
    expressions = output.results[0].expressions
    return True, (expressions[0] if expressions else None)


def _raw_answer(interp: Interpreter, query: str) -> str:
    from regopy.rego_shared import rego_free_output, rego_output_string, rego_query
    impl = rego_query(interp._impl, query)
    try:
        return rego_output_string(impl)
    finally:
        rego_free_output(impl)


def _parse_errors(policy_id: str, text: str) -> list[dict]:
    """OPA-shaped rego_parse_error entries for one module, or [] when it parses."""
    interp = Interpreter()
    interp.log_level = LogLevel.NONE
    try:
        interp.add_module(policy_id, text)
    except RegoError as exc:
        return [_ast_error("rego_parse_error", message, text, policy_id, offset)
                for _, offset, _, message in _error_messages(str(exc))]
    if not PACKAGE.search(text):
        return [_ast_error("rego_parse_error", "package expected", text, policy_id, 0)]
    return []


def _compile_errors(modules: dict[str, str], policy_id: str, data: dict) -> list[dict]:
    """Errors rego-cpp reports when it evaluates the new module's package without input.

    OPA compiles all modules together on every upload; rego-cpp compiles when it queries,
    so a query over the package stands in for that (runtime errors are left to queries)."""
    package = PACKAGE.search(modules[policy_id]).group(1)
    try:
        text = _raw_answer(_interpreter(modules, data), f"data.{package}")
    except RegoError as exc:
        text = str(exc)
    if not text.lstrip().startswith("("):
        return []
    return [_ast_error("rego_compile_error", message, modules.get(file, ""), file or policy_id, offset)
            for file, offset, _, message in _error_messages(text)]


def _ast_error(code: str, message: str, text: str, file: str, offset: int | None) -> dict:
    error = {"code": code, "message": message}
    if offset is not None:
        row = text.count("\n", 0, offset) + 1
        col = offset - (text.rfind("\n", 0, offset) + 1) + 1
        error["location"] = {"file": file, "row": row, "col": col}
    return error


def _error_messages(text: str) -> list[tuple[str, int | None, int | None, str]]:
    """(file, offset, length, message) of each error in rego-cpp's error tree.

    Its nodes spell strings as `<length>:<text>`, e.g. `(error 8:bad.rego|54|1 (errormsg 16:...)`."""
    found = []
    for head in re.finditer(r"\(error(?=\s)(?: (\d+):)?", text):
        file, offset, length, pos = "", None, None, head.end()
        if head.group(1):
            file = text[pos:pos + int(head.group(1))]
            loc = re.match(r"\|(\d+)\|(\d+)", text[pos + len(file):])
            if loc:
                offset, length = int(loc.group(1)), int(loc.group(2))
        msg = re.compile(r"\(errormsg (\d+):").search(text, pos)
        if msg:
            found.append((file, offset, length, text[msg.end():msg.end() + int(msg.group(1))]))
    return found or [("", None, None, text.strip()[:500])]
