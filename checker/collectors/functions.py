"""Azure Functions code: which HTTP functions a function app serves, with what auth level,
and which models they load. Read, never imported or run.

Two programming models:
- `function.json` (every language's v1 model): a folder per function (the function's name
  is its folder), `bindings` with one `httpTrigger` (`authLevel` anonymous | function |
  admin, `route`, `methods`), `scriptFile` (Python: `__init__.py` unless set);
- the Python v2 model, read with `ast`: `app = func.FunctionApp(http_auth_level=…)` (or
  `func.Blueprint()`, `func.AsgiFunctionApp(app=…, http_auth_level=…)`,
  `func.WsgiFunctionApp`, `FunctionApp(asgi_app=…)`), `@app.route(route=…, methods=…,
  auth_level=…)` and `@app.function_name(name=…)` on a def.

Each HTTP function becomes an `endpoint` node (`type: function_http`) with `auth_level`
(or `unknown.auth_level` with the expression `ast` cannot resolve), `fact_sources` as the
cloud resources have them (set, or the default and where it is documented), the route,
methods, the function app folder (the nearest `host.json` above it) and `model_refs`:
the model URIs passed as string literals to `mlflow.<flavor>.load_model(...)` or named to
`MlflowClient().get_model_version(name, version)` / `get_model_version_by_alias`, kept raw
for a later linker (`models:/churn@champion`), and the expressions that are not literals
as unresolved references. A load inside the function's own body belongs to it; a load
elsewhere in its file (module level, a helper) to every function of the file. A v1
function takes the loads of its script file.

GitHub Actions workflows that deploy with `Azure/functions-action` say which code goes to
which app: each such step is recorded on its workflow's file node as `function_deploys`
({app_name, package, line}; `${{ env.X }}` resolved from the step, job and workflow `env`,
anything else kept as an unresolved expression) for the function linker.

A function file that only parses once a template engine renders it (a cookiecutter's
`{{ cookiecutter.auth_level }}` where the syntax error is) is recorded on its file node as
a template, not evaluated, like the YAML parsers do.

Bad input is a collection error with file and line (a syntax error, JSON that does not
parse, a function.json of the wrong shape, a file too large to read as code; a workflow
that is not YAML is the github_actions parser's error); the rest is collected.
"""
from __future__ import annotations

import ast
import json
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from ..safeyaml import YamlError, line_of, load_yaml, template_marker
from . import CollectContext, FileParser, FileRef

NAME = "functions"
LEVELS = ("anonymous", "function", "admin")
# Function code is small; a Python file above this is not read as function code.
MAX_CODE_BYTES = 2 * 1024 * 1024
MAX_EXPRESSION = 200
MAX_FUNCTIONS_PER_FILE = 2000
# Defaults, where they are documented.
V2_DEFAULT = ("function", "azure-functions (Python library): FunctionApp(http_auth_level=…) (and "
                          "azure-functions-durable's DFApp, Blueprint) defaults to AuthLevel.FUNCTION; a route "
                          "without auth_level takes the app's")
V1_DEFAULT = ("function", "Azure Functions HTTP trigger reference: authLevel defaults to function "
                          "(the WebJobs HttpTrigger attribute's AuthLevel.Function)")
APP_CLASSES = {"FunctionApp": "app", "AsgiFunctionApp": "asgi", "WsgiFunctionApp": "wsgi", "Blueprint": "blueprint",
               "DFApp": "app", "BluePrint": "blueprint"}


@dataclass
class HttpFunction:
    name: str
    ref: FileRef
    line: int | None
    model: str                                # function.json | python-v2
    route: Any = None                         # text, or {"unknown": expression}
    methods: list | None = None
    auth: dict = field(default_factory=dict)  # {"level": …} or {"unknown": {...}}, + "source"
    script: str | None = None                 # v1: the script file's path in the tree
    refs: list = field(default_factory=list)  # model references of its own body
    disabled: Any = None


@dataclass
class TreeState:
    functions: list[HttpFunction] = field(default_factory=list)
    hosts: dict[str, Any] = field(default_factory=dict)          # folder → routePrefix (or None)
    file_refs: dict[str, list] = field(default_factory=dict)     # python path → file-wide model refs


class FunctionsParser(FileParser):
    name = NAME
    patterns = ("function.json", "*.py", "host.json", ".github/workflows/*.yml", ".github/workflows/*.yaml",
                "*/.github/workflows/*.yml", "*/.github/workflows/*.yaml")

    def __init__(self) -> None:
        self._trees: dict[str, TreeState] = {}

    def parse(self, ref: FileRef, data: bytes, ctx: CollectContext) -> None:
        state = self._trees.setdefault(ref.tree, TreeState())
        leaf = ref.path.rpartition("/")[2]
        if leaf == "function.json":
            _read_function_json(ref, data, ctx, state)
        elif leaf == "host.json":
            state.hosts[posixpath.dirname(ref.path)] = _route_prefix(data)
        elif leaf.endswith((".yml", ".yaml")):
            if b"functions-action" in data:
                _read_workflow(ref, data, ctx)
        elif _is_function_code(data):
            _read_python(ref, data, ctx, state)

    def finish(self, tree: str, ctx: CollectContext) -> None:
        state = self._trees.pop(tree, None)
        if state is None:
            return
        for fn in state.functions:
            _emit(ctx, fn, state)


# -- function.json -----------------------------------------------------------------------

def _read_function_json(ref: FileRef, data: bytes, ctx: CollectContext, state: TreeState) -> None:
    def error(reason: str, line: int | None = None) -> None:
        ctx.graph.error(NAME, ref.display, reason, line)

    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        error(f"function.json is not UTF-8 text ({exc.reason} at byte {exc.start})")
        return
    except json.JSONDecodeError as exc:
        error(f"function.json is not JSON: {exc.msg}", exc.lineno)
        return
    except RecursionError:
        error("function.json nests too deeply to read")
        return
    if not isinstance(doc, dict):
        error(f"function.json must be an object, found {type(doc).__name__}")
        return
    bindings = doc.get("bindings")
    if not isinstance(bindings, list):
        error("function.json has no 'bindings' list" if bindings is None else
              f"'bindings' must be a list, found {type(bindings).__name__}")
        return
    folder = posixpath.dirname(ref.path)
    name = posixpath.basename(folder) or "(root)"
    wrong = [i for i, b in enumerate(bindings) if not isinstance(b, dict)]
    if wrong:
        error(f"bindings[{wrong[0]}] must be an object, found {type(bindings[wrong[0]]).__name__}"
              + (f" ({len(wrong) - 1} more such bindings)" if len(wrong) > 1 else ""))
    # a function has one trigger: the first HTTP trigger is the function's
    binding = next((b for b in bindings if isinstance(b, dict) and str(b.get("type", "")).lower() == "httptrigger"),
                   None)
    if binding is not None:
        fn = HttpFunction(name, ref, _json_line(data, "httpTrigger"), "function.json",
                          disabled=doc.get("disabled"))
        fn.auth = _json_auth(binding.get("authLevel"))
        route = binding.get("route")
        # without a route the function answers at its name (HTTP trigger reference)
        fn.route = route if isinstance(route, str) else (name if route is None else {"unknown": _short(route)})
        methods = binding.get("methods")
        fn.methods = [m.lower() for m in methods if isinstance(m, str)] if isinstance(methods, list) else None
        script = doc.get("scriptFile", "__init__.py")
        if isinstance(script, str) and script:
            fn.script = posixpath.normpath(posixpath.join(folder, script))
        state.functions.append(fn)


def _json_auth(value: Any) -> dict:
    if value is None:
        return {"level": V1_DEFAULT[0], "source": {"attribute": "authLevel", "from": "default",
                                                   "default": V1_DEFAULT[1]}}
    level = value.strip().lower() if isinstance(value, str) else None
    if level in LEVELS:
        return {"level": level, "source": {"attribute": "authLevel", "from": "set", "expression": value}}
    # a %SETTING% placeholder or an undocumented value: the level cannot be told from here
    return {"unknown": {"expression": _short(value), "attribute": "authLevel",
                        "reason": f"authLevel {_short(value)!r} is not one of anonymous, function, admin"}}


def _json_line(data: bytes, needle: str) -> int | None:
    at = data.find(needle.encode())
    return data.count(b"\n", 0, at) + 1 if at >= 0 else None


def _route_prefix(data: bytes) -> Any:
    """host.json `extensions.http.routePrefix` (the runtime's default is "api")."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (ValueError, RecursionError):
        return None          # a broken host.json still marks the app folder
    prefix = doc.get("extensions", {}).get("http", {}).get("routePrefix") if isinstance(doc, dict) else None
    return prefix if isinstance(prefix, str) else None


# -- GitHub Actions deployments ----------------------------------------------------------

_ACTION = re.compile(r"(?i)^azure/functions-action@")
_ENV_REF = re.compile(r"^\$\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")


def _read_workflow(ref: FileRef, data: bytes, ctx: CollectContext) -> None:
    try:
        doc = load_yaml(data, ref.display)
    except YamlError:
        return          # the github_actions parser reports it: one error for one bad file
    jobs = doc.get("jobs") if isinstance(doc, dict) else None
    if not isinstance(jobs, dict):
        return
    deploys = []
    for job in jobs.values():
        steps = job.get("steps") if isinstance(job, dict) else None
        for index, step in enumerate(steps if isinstance(steps, list) else ()):
            if not (isinstance(step, dict) and isinstance(step.get("uses"), str) and _ACTION.match(step["uses"])):
                continue
            given = step.get("with") if isinstance(step.get("with"), dict) else {}
            scopes = [step.get("env"), job.get("env"), doc.get("env")]
            deploys.append({"app_name": _workflow_value(given.get("app-name"), scopes),
                            "package": _workflow_value(given.get("package", "."), scopes),
                            "line": line_of(steps, index)})
    if deploys:
        ctx.graph.update_attrs(ref.node, function_deploys=deploys)


def _workflow_value(value: Any, scopes: list) -> Any:
    """A literal, or `${{ env.X }}` from the nearest `env` that sets X; anything else (secrets,
    vars, inputs, expressions) as {"unknown": expression}."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return {"unknown": _short(value)}
    for _ in range(3):                      # env values may name env values, a few times
        found = _ENV_REF.match(value.strip())
        if not found:
            break
        named = next((env[found[1]] for env in scopes if isinstance(env, dict) and found[1] in env), None)
        if not isinstance(named, (str, int, float)) or isinstance(named, bool):
            return {"unknown": value[:MAX_EXPRESSION]}
        value = str(named)
    return {"unknown": value[:MAX_EXPRESSION]} if "${{" in value else value


# -- Python (v2 model, and v1 script files) ----------------------------------------------

def _is_function_code(data: bytes) -> bool:
    """A Python file worth reading: it imports azure.functions (v1 and v2 alike)."""
    return b"azure.functions" in data or b"azure import functions" in data


def _read_python(ref: FileRef, data: bytes, ctx: CollectContext, state: TreeState) -> None:
    if len(data) > MAX_CODE_BYTES:
        ctx.graph.error(NAME, ref.display, f"{len(data)} bytes: larger than {MAX_CODE_BYTES} bytes, not read "
                                           "as function code")
        return
    try:
        tree = ast.parse(data, filename=ref.display)
    except SyntaxError as exc:
        marker = template_marker(data, exc.lineno, exc.end_lineno or exc.lineno) if exc.lineno else None
        if marker:      # a cookiecutter/Jinja template: not Python until rendered, recorded as such
            ctx.graph.update_attrs(ref.node, template=True, not_evaluated=(
                f"a template: {marker[0]} on line {marker[1]} is not Python until rendered; not evaluated"))
        else:
            ctx.graph.error(NAME, ref.display, f"Python syntax error: {exc.msg}", exc.lineno)
        return
    except (ValueError, RecursionError, MemoryError) as exc:
        ctx.graph.error(NAME, ref.display, f"Python source cannot be parsed: {type(exc).__name__}: {exc}"[:300])
        return
    reader = PythonFile(ref, data, tree)
    functions = reader.http_functions()
    state.file_refs[ref.path] = reader.file_wide_refs()
    state.functions.extend(functions[:MAX_FUNCTIONS_PER_FILE])
    if len(functions) > MAX_FUNCTIONS_PER_FILE:
        ctx.graph.error(NAME, ref.display, f"more than {MAX_FUNCTIONS_PER_FILE} HTTP functions; the rest are "
                                           "not recorded")


class PythonFile:
    """One parsed file: its imports, its function apps and their HTTP routes, its model loads."""

    def __init__(self, ref: FileRef, data: bytes, tree: ast.Module) -> None:
        self.ref, self.tree = ref, tree
        # split once: expressions quote their source (a BOM is not part of line 1's columns)
        self.lines = data.removeprefix(b"\xef\xbb\xbf").splitlines(keepends=True)
        self.nodes = list(ast.walk(tree))              # walked once; every reading filters this
        self.aliases = _import_aliases(self.nodes)    # local name → dotted name it stands for
        self.constants = _module_constants(tree)      # NAME = <expression> at module level
        self.uses_mlflow = any(v.partition(".")[0] == "mlflow" for v in self.aliases.values())
        self.apps = self._apps()                       # variable → (kind, auth dict, assignment)
        self.refs = [(node, ref) for node in self.nodes if isinstance(node, ast.Call)
                     for ref in (self.model_ref(node),) if ref]
        self.owned: set[int] = set()                   # ids of calls inside decorated functions

    # dotted names ------------------------------------------------------------------------
    def dotted(self, node: ast.AST) -> str | None:
        """`func.AuthLevel.ANONYMOUS` → azure.functions.AuthLevel.ANONYMOUS, through imports."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        head = self.aliases.get(node.id, node.id)
        return ".".join([head, *reversed(parts)])

    def text(self, node: ast.AST) -> str:
        """The node's source text (ast's offsets are UTF-8 byte columns), at most MAX_EXPRESSION."""
        start, end = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
        if start is None or end is None or end > len(self.lines):
            return type(node).__name__
        if start == end:
            raw = self.lines[start - 1][node.col_offset:node.end_col_offset]
        else:
            raw = b"".join([self.lines[start - 1][node.col_offset:], *self.lines[start:min(end - 1, start + 20)],
                            self.lines[end - 1][:node.end_col_offset]])
        return raw.decode("utf-8", errors="replace")[:MAX_EXPRESSION]

    # function apps -----------------------------------------------------------------------
    def _apps(self) -> dict[str, tuple[str, dict, ast.AST]]:
        apps = {}
        for node in self.tree.body:
            target = _single_target(node)
            if target and isinstance(node.value, ast.Call):
                kind = self._app_kind(node.value)
                if kind:
                    apps[target] = (kind, self._app_auth(node.value, kind), node)
        return apps

    def _app_kind(self, call: ast.Call) -> str | None:
        name = self.dotted(call.func) or ""
        leaf = name.rpartition(".")[2]
        if leaf not in APP_CLASSES:
            return None
        if "azure.durable_functions" in name:
            return "app"            # df.DFApp and df.Blueprint default to AuthLevel.FUNCTION themselves
        return APP_CLASSES[leaf] if "azure.functions" in name or name == leaf else None

    def _app_auth(self, call: ast.Call, kind: str) -> dict:
        given = _keyword(call, "http_auth_level")
        if given is not None:
            return self.level(given, "http_auth_level")
        if kind == "blueprint":
            return {"unknown": {"expression": self.text(call), "attribute": "auth_level",
                                "reason": "a Blueprint route without auth_level takes the level of the app that "
                                          "registers it (not resolved)"}}
        return {"level": V2_DEFAULT[0], "source": {"attribute": "http_auth_level", "from": "default",
                                                   "default": V2_DEFAULT[1]}}

    def level(self, node: ast.AST, attribute: str, depth: int = 0) -> dict:
        """An auth level expression: AuthLevel.X, a string, or a module constant bound to one."""
        value = None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            value = node.value.strip().lower()
        elif isinstance(node, (ast.Attribute, ast.Name)):
            dotted = self.dotted(node) or ""
            if dotted.rpartition(".")[0].endswith("AuthLevel"):
                value = dotted.rpartition(".")[2].lower()
            elif isinstance(node, ast.Name) and node.id in self.constants and depth < 3:
                found = self.level(self.constants[node.id], attribute, depth + 1)
                if "level" in found:
                    found["source"]["expression"] = f"{node.id} = {found['source']['expression']}"[:MAX_EXPRESSION]
                    return found
        if value in LEVELS:
            return {"level": value, "source": {"attribute": attribute, "from": "set", "expression": self.text(node)}}
        return {"unknown": {"expression": self.text(node), "attribute": attribute,
                            "reason": "the auth level is an expression that cannot be resolved statically"}}

    # HTTP functions ----------------------------------------------------------------------
    def http_functions(self) -> list[HttpFunction]:
        out = []
        for var, (kind, auth, node) in self.apps.items():
            call = node.value
            if kind in ("asgi", "wsgi") or _keyword(call, "asgi_app") is not None or \
                    _keyword(call, "wsgi_app") is not None:
                # the library registers one catch-all function for the ASGI/WSGI app
                out.append(HttpFunction("http_app_func", self.ref, node.lineno, "python-v2", route="/{*route}",
                                        auth=dict(auth), refs=[]))
        for node in self.nodes:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.decorator_list:
                fn = self._decorated(node)
                if fn is not None:
                    out.append(fn)
        return out

    def _decorated(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> HttpFunction | None:
        route_call, name = None, node.name
        app = None
        for deco in node.decorator_list:
            if not (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute)
                    and isinstance(deco.func.value, ast.Name) and deco.func.value.id in self.apps):
                continue
            if deco.func.attr == "route":
                route_call, app = deco, deco.func.value.id
            elif deco.func.attr == "function_name":
                given = _keyword(deco, "name") or (deco.args[0] if deco.args else None)
                if isinstance(given, ast.Constant) and isinstance(given.value, str):
                    name = given.value
        if route_call is None:
            return None
        fn = HttpFunction(name, self.ref, node.lineno, "python-v2")
        given = _keyword(route_call, "auth_level")
        fn.auth = self.level(given, "auth_level") if given is not None else dict(self.apps[app][1])
        route = _keyword(route_call, "route") or (route_call.args[0] if route_call.args else None)
        if route is None:
            fn.route = name
        elif isinstance(route, ast.Constant) and isinstance(route.value, str):
            fn.route = route.value
        else:
            fn.route = {"unknown": self.text(route)}
        methods = _keyword(route_call, "methods")
        if isinstance(methods, (ast.List, ast.Tuple, ast.Set)):
            fn.methods = [self._method(m) for m in methods.elts]
        for call, ref in self.refs:              # the loads within the function's own lines
            if node.lineno <= call.lineno <= (node.end_lineno or node.lineno):
                fn.refs.append(ref)
                self.owned.add(id(call))
        return fn

    def _method(self, node: ast.AST) -> str:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value.lower()
        dotted = self.dotted(node) or ""
        return dotted.rpartition(".")[2].lower() if "HttpMethod" in dotted else self.text(node)

    # model references --------------------------------------------------------------------
    def file_wide_refs(self) -> list[dict]:
        """Model loads outside any decorated HTTP function: they serve every function here."""
        return [ref for call, ref in self.refs if id(call) not in self.owned]

    def model_ref(self, call: ast.Call) -> dict | None:
        func = call.func
        if not isinstance(func, (ast.Attribute, ast.Name)):
            return None
        leaf = func.attr if isinstance(func, ast.Attribute) else func.id
        if leaf == "load_model":
            dotted = self.dotted(func) or ""
            if not dotted.startswith("mlflow."):
                return None
            return self._uri_ref(call, dotted, _keyword(call, "model_uri") or (call.args[0] if call.args else None))
        if leaf in ("get_model_version", "get_model_version_by_alias") and isinstance(func, ast.Attribute) \
                and self.uses_mlflow:
            args = [_keyword(call, "name") or (call.args[0] if call.args else None),
                    _keyword(call, "alias" if leaf.endswith("alias") else "version")
                    or (call.args[1] if len(call.args) > 1 else None)]
            if all(isinstance(a, ast.Constant) and isinstance(a.value, (str, int)) for a in args):
                sep = "@" if leaf.endswith("alias") else "/"
                return {"uri": f"models:/{args[0].value}{sep}{args[1].value}", "call": f"MlflowClient.{leaf}",
                        "line": call.lineno}
            return {"expression": self.text(call), "call": f"MlflowClient.{leaf}", "line": call.lineno,
                    "reason": "the model name or version is not a literal"}
        return None

    def _uri_ref(self, call: ast.Call, dotted: str, arg: ast.AST | None) -> dict:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return {"uri": arg.value, "call": dotted, "line": call.lineno}
        if isinstance(arg, ast.Name) and isinstance(self.constants.get(arg.id), ast.Constant) \
                and isinstance(self.constants[arg.id].value, str):
            return {"uri": self.constants[arg.id].value, "call": dotted, "line": call.lineno,
                    "via": arg.id}
        ref = {"expression": self.text(arg) if arg is not None else "(no model_uri)", "call": dotted,
               "line": call.lineno, "reason": "the model URI is not a literal"}
        bound = self.constants.get(arg.id) if isinstance(arg, ast.Name) else arg
        setting = self.setting(bound) if bound is not None else None
        if setting:     # an app setting: the function app's settings may name the model
            ref.update(setting, reason=f"the model URI is the app setting {setting['setting']}")
        return ref

    def setting(self, node: ast.AST) -> dict | None:
        """`os.environ["X"]`, `os.environ.get("X", default)`, `os.getenv("X", default)` →
        {setting: X, default: the literal default, if any}."""
        if isinstance(node, ast.Subscript) and self.dotted(node.value) == "os.environ" \
                and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
            return {"setting": node.slice.value}
        if isinstance(node, ast.Call) and self.dotted(node.func) in ("os.environ.get", "os.getenv") and node.args \
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            found = {"setting": node.args[0].value}
            default = node.args[1] if len(node.args) > 1 else _keyword(node, "default")
            if isinstance(default, ast.Constant) and isinstance(default.value, str):
                found["default"] = default.value
            return found
        return None


def _keyword(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _single_target(node: ast.AST) -> str | None:
    """The name a module-level `x = …` or `x: T = …` binds, if it binds one name."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
        return node.target.id
    return None


def _import_aliases(nodes: list[ast.AST]) -> dict[str, str]:
    """`import azure.functions as func` → {func: azure.functions}; `from mlflow import pyfunc`
    → {pyfunc: mlflow.pyfunc}; `from azure.functions import AuthLevel` → {AuthLevel: …}."""
    aliases = {}
    for node in nodes:
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    aliases[a.asname] = a.name
                else:
                    head = a.name.partition(".")[0]
                    aliases.setdefault(head, head)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                if a.name != "*":
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    return aliases


def _module_constants(tree: ast.Module) -> dict[str, ast.AST]:
    """Names bound once at module level, with the expression they are bound to."""
    seen: dict[str, ast.AST] = {}
    twice: set[str] = set()
    for node in tree.body:
        name = _single_target(node)
        if name and node.value is not None:
            if name in seen:
                twice.add(name)
            seen[name] = node.value
    return {k: v for k, v in seen.items() if k not in twice}


# -- graph ---------------------------------------------------------------------------------

def _emit(ctx: CollectContext, fn: HttpFunction, state: TreeState) -> None:
    refs = list(fn.refs)
    code = fn.script if fn.model == "function.json" else fn.ref.path
    refs.extend(state.file_refs.get(code, []))
    app_root = _app_root(fn.ref.path, state.hosts)
    attrs: dict[str, Any] = {
        "type": "function_http", "name": fn.name, "programming_model": fn.model, "path": fn.ref.path,
        "methods": fn.methods, "model_refs": [r for r in refs if "uri" in r],
        "unresolved_model_refs": [r for r in refs if "uri" not in r],
    }
    unknown = {}
    if "level" in fn.auth:
        attrs["auth_level"] = fn.auth["level"]
        attrs["fact_sources"] = {"auth_level": fn.auth["source"]}
    else:
        unknown["auth_level"] = fn.auth["unknown"]
    if isinstance(fn.route, dict):
        unknown["route"] = {"expression": fn.route["unknown"], "attribute": "route",
                            "reason": "the route is not a literal"}
    elif fn.route is not None:
        attrs["route"] = fn.route
    if unknown:
        attrs["unknown"] = unknown
    if app_root is not None:
        attrs["app_root"] = app_root
        prefix = state.hosts.get(app_root)
        attrs["route_prefix"] = "api" if prefix is None else prefix
    if fn.script:
        attrs["script_file"] = fn.script
    if fn.disabled is not None:
        attrs["disabled"] = fn.disabled
    key = f"function:{fn.ref.tree_key}/{fn.ref.path}#{fn.name}"
    nid = ctx.graph.add_node("endpoint", key, attrs, ctx.provenance(NAME, fn.ref.display, fn.line))
    ctx.graph.add_edge(nid, fn.ref.node, "defined_in")
    if fn.script:
        script_node = f"file:{fn.ref.tree_key}/{fn.script}"
        if script_node in ctx.graph and script_node != fn.ref.node:
            ctx.graph.add_edge(nid, script_node, "defined_in")


def _app_root(path: str, hosts: dict[str, Any]) -> str | None:
    """The nearest folder above a function's file that holds host.json."""
    folder = posixpath.dirname(path)
    while True:
        if folder in hosts:
            return folder
        if not folder:
            return None
        folder = posixpath.dirname(folder)


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text[:MAX_EXPRESSION]
