"""Azure Functions code read into the graph: function.json folders (v1) and the Python v2
programming model, read with ast (never imported or run): HTTP functions with their auth
level (set, default or unknown), route and the model URIs they load; bad input named."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

from conftest import collect_graph, errors_for, node_attrs

HOST = {"version": "2.0",
        "extensionBundle": {"id": "Microsoft.Azure.Functions.ExtensionBundle", "version": "[4.*, 5.0.0)"}}


def write(root: Path, files: dict[str, object]) -> None:
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, (bytes, bytearray)):
            target.write_bytes(content)
        elif isinstance(content, str):
            target.write_text(textwrap.dedent(content))
        else:
            target.write_text(json.dumps(content, indent=2))


def http_binding(**extra) -> dict:
    return {"bindings": [{"type": "httpTrigger", "direction": "in", "name": "req", **extra},
                         {"type": "http", "direction": "out", "name": "$return"}]}


V1_SCORE = """
    import json
    import logging

    import azure.functions as func
    import mlflow.pyfunc

    # Loaded once per worker, at import.
    MODEL = mlflow.pyfunc.load_model("models:/churn@champion")


    def main(req: func.HttpRequest) -> func.HttpResponse:
        rows = req.get_json()
        logging.info("scoring %d rows", len(rows))
        return func.HttpResponse(json.dumps(MODEL.predict(rows).tolist()), mimetype="application/json")
"""


def test_function_json_folders(tmp_path):
    write(tmp_path, {
        "scoring/host.json": {**HOST, "extensions": {"http": {"routePrefix": "ml"}}},
        "scoring/ScoreChurn/function.json": {"scriptFile": "__init__.py",
                                             **http_binding(authLevel="anonymous", methods=["post"],
                                                            route="churn/score")},
        "scoring/ScoreChurn/__init__.py": V1_SCORE,
        "scoring/Health/function.json": http_binding(methods=["GET"]),
        "scoring/Health/__init__.py": "import azure.functions as func\n\ndef main(req):\n    return func.HttpResponse('ok')\n",
        "scoring/Nightly/function.json": {"bindings": [{"name": "timer", "type": "timerTrigger", "direction": "in",
                                                         "schedule": "0 0 2 * * *"}]},
        "scoring/Settings/function.json": http_binding(authLevel="%AUTH_LEVEL%"),
    })
    graph = collect_graph(tmp_path)
    assert not graph.errors
    score = node_attrs(graph, "endpoint:function:fs:./scoring/ScoreChurn/function.json#ScoreChurn")
    assert (score["type"], score["auth_level"], score["route"], score["methods"]) == (
        "function_http", "anonymous", "churn/score", ["post"])
    assert score["fact_sources"]["auth_level"] == {"attribute": "authLevel", "from": "set", "expression": "anonymous"}
    assert (score["app_root"], score["route_prefix"], score["script_file"]) == (
        "scoring", "ml", "scoring/ScoreChurn/__init__.py")
    assert score["model_refs"] == [{"uri": "models:/churn@champion", "call": "mlflow.pyfunc.load_model", "line": 9}]
    assert graph.node("endpoint:function:fs:./scoring/ScoreChurn/function.json#ScoreChurn")["provenance"]["line"] == 5
    assert {d for d in graph.out_edges("endpoint:function:fs:./scoring/ScoreChurn/function.json#ScoreChurn",
                                       "defined_in")} == {"file:fs:./scoring/ScoreChurn/function.json",
                                                          "file:fs:./scoring/ScoreChurn/__init__.py"}

    health = node_attrs(graph, "endpoint:function:fs:./scoring/Health/function.json#Health")
    assert health["auth_level"] == "function" and health["fact_sources"]["auth_level"]["from"] == "default"
    assert health["model_refs"] == [] and health["methods"] == ["get"]
    assert health["route"] == "Health"                  # no route: the function's name

    settings = node_attrs(graph, "endpoint:function:fs:./scoring/Settings/function.json#Settings")
    assert "auth_level" not in settings
    assert settings["unknown"]["auth_level"]["expression"] == "%AUTH_LEVEL%"
    # a timer function is no HTTP endpoint
    assert not [n for n, _ in graph.nodes("endpoint") if "Nightly" in n]


V2_APP = '''
    import logging
    import os

    import azure.functions as func
    import mlflow
    from mlflow import MlflowClient

    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    FRAUD_MODEL = "models:/fraud/3"
    model = mlflow.sklearn.load_model(FRAUD_MODEL)


    @app.function_name(name="ScoreFraud")
    @app.route(route="fraud/score", methods=[func.HttpMethod.POST])
    def score(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(str(model.predict([req.get_json()])[0]))


    @app.route(route="admin/reload", auth_level=func.AuthLevel.ADMIN, methods=["POST"])
    def reload(req: func.HttpRequest) -> func.HttpResponse:
        client = MlflowClient()
        version = client.get_model_version_by_alias("fraud", "champion")
        fresh = mlflow.pyfunc.load_model(os.environ["MODEL_URI"])
        logging.info("reloaded %s", version.version)
        return func.HttpResponse("reloaded")


    @app.route(route="explain", auth_level=os.environ.get("EXPLAIN_LEVEL", "function"))
    async def explain(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("{}")


    @app.route(route="ping", auth_level="FUNCTION")
    def ping(req):
        return func.HttpResponse("pong")


    @app.schedule(schedule="0 */5 * * * *", arg_name="timer", run_on_startup=False)
    def refresh(timer: func.TimerRequest) -> None:
        logging.info("tick")
'''


def test_python_v2_model(tmp_path):
    write(tmp_path, {"host.json": HOST, "function_app.py": V2_APP, "requirements.txt": "azure-functions\nmlflow\n"})
    graph = collect_graph(tmp_path)
    assert not graph.errors
    base = "endpoint:function:fs:./function_app.py#"
    assert {n for n, _ in graph.nodes("endpoint")} == {base + n for n in ("ScoreFraud", "reload", "explain", "ping")}

    score = node_attrs(graph, base + "ScoreFraud")
    assert (score["auth_level"], score["route"], score["methods"], score["programming_model"]) == (
        "anonymous", "fraud/score", ["post"], "python-v2")
    assert score["fact_sources"]["auth_level"] == {"attribute": "http_auth_level", "from": "set",
                                                   "expression": "func.AuthLevel.ANONYMOUS"}
    assert (score["app_root"], score["route_prefix"]) == ("", "api")
    # the module-level load serves every function of the file, through the constant
    assert score["model_refs"] == [{"uri": "models:/fraud/3", "call": "mlflow.sklearn.load_model", "line": 12,
                                    "via": "FRAUD_MODEL"}]

    reload = node_attrs(graph, base + "reload")
    assert reload["auth_level"] == "admin"
    uris = [r["uri"] for r in reload["model_refs"]]
    assert uris == ["models:/fraud@champion", "models:/fraud/3"]
    assert reload["unresolved_model_refs"][0]["expression"] == 'os.environ["MODEL_URI"]'

    explain = node_attrs(graph, base + "explain")
    assert "auth_level" not in explain
    assert explain["unknown"]["auth_level"]["expression"] == 'os.environ.get("EXPLAIN_LEVEL", "function")'
    assert node_attrs(graph, base + "ping")["auth_level"] == "function"


def test_v2_defaults_blueprints_and_asgi_apps(tmp_path):
    write(tmp_path, {
        "app/host.json": HOST,
        "app/function_app.py": '''
            import azure.functions as func
            from routes import bp

            app = func.FunctionApp()
            app.register_functions(bp)


            @app.route(route="health")
            def health(req):
                return func.HttpResponse("ok")
        ''',
        "app/routes.py": '''
            import azure.functions as func

            bp = func.Blueprint()


            @bp.route(route="features")
            def features(req):
                return func.HttpResponse("[]")


            @bp.route(route="open", auth_level=func.AuthLevel.ANONYMOUS)
            def open_route(req):
                return func.HttpResponse("[]")
        ''',
        "api/host.json": HOST,
        "api/function_app.py": '''
            import azure.functions as func
            from fastapi import FastAPI

            fastapi_app = FastAPI()
            LEVEL = func.AuthLevel.ANONYMOUS
            app = func.AsgiFunctionApp(app=fastapi_app, http_auth_level=LEVEL)
        ''',
        "api/not_functions.py": "import os\nprint(os.getcwd())\n",
        "durable/function_app.py": '''
            import azure.durable_functions as df
            import azure.functions as func
            from azure.functions import AuthLevel

            myApp = df.DFApp(http_auth_level=AuthLevel.ANONYMOUS)
            bp = df.Blueprint()


            @myApp.route(route="orchestrators/{functionName}")
            @myApp.durable_client_input(client_name="client")
            async def http_start(req: func.HttpRequest, client):
                instance_id = await client.start_new(req.route_params["functionName"])
                return client.create_check_status_response(req, instance_id)


            @bp.route(route="status")
            def status(req):
                return func.HttpResponse("ok")
        ''',
    })
    graph = collect_graph(tmp_path)
    assert not graph.errors
    health = node_attrs(graph, "endpoint:function:fs:./app/function_app.py#health")
    assert health["auth_level"] == "function"
    assert "AuthLevel.FUNCTION" in health["fact_sources"]["auth_level"]["default"]
    features = node_attrs(graph, "endpoint:function:fs:./app/routes.py#features")
    assert "Blueprint" in features["unknown"]["auth_level"]["reason"]
    assert node_attrs(graph, "endpoint:function:fs:./app/routes.py#open_route")["auth_level"] == "anonymous"
    durable = "endpoint:function:fs:./durable/function_app.py#"
    assert node_attrs(graph, durable + "http_start")["auth_level"] == "anonymous"
    assert node_attrs(graph, durable + "status")["auth_level"] == "function"     # df.Blueprint's own default
    asgi = node_attrs(graph, "endpoint:function:fs:./api/function_app.py#http_app_func")
    assert (asgi["auth_level"], asgi["route"], asgi["app_root"]) == ("anonymous", "/{*route}", "api")
    assert asgi["fact_sources"]["auth_level"]["expression"].startswith("LEVEL = func.AuthLevel.ANONYMOUS")


def test_bad_input_is_named_and_the_rest_collected(tmp_path):
    write(tmp_path, {
        "host.json": b"{ not json",                     # still marks the app folder
        "Broken/function.json": b'{"bindings": [ {"type": "httpTrigger",, } ]}',
        "Scalar/function.json": b"[1, 2, 3]",
        "NoBindings/function.json": {"scriptFile": "run.py"},
        "WrongBindings/function.json": {"bindings": {"type": "httpTrigger"}},
        "MixedBindings/function.json": {"bindings": ["httpTrigger", {"type": "httpTrigger", "authLevel": 7}]},
        "Latin1/function.json": '{"bindings": []}'.encode() + b"\xff",
        "ManyBad/function.json": {"bindings": [1, "httpTrigger", None, {"type": "httpTrigger"}]},
        "syntax.py": "import azure.functions as func\napp = func.FunctionApp(\n\ndef broken(:\n",
        "nulls.py": b"import azure.functions as func\n\x00\n",
        "huge.py": b"import azure.functions as func\n" + b"x = 1\n" * 400_000,
        "{{cookiecutter.app}}/function_app.py": "import azure.functions as func\n"
                                                 "{% if cookiecutter.anonymous %}\n"
                                                 "app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)\n"
                                                 "{% endif %}\n",
        "good/function_app.py": "import azure.functions as func\napp = func.FunctionApp()\n\n"
                                "@app.route(route='ok')\ndef ok(req):\n    return None\n",
    })
    graph = collect_graph(tmp_path)
    broken = errors_for(graph, "Broken/function.json")
    assert len(broken) == 1 and "not JSON" in broken[0].reason and broken[0].line == 1
    assert "must be an object, found list" in errors_for(graph, "Scalar/function.json")[0].reason
    assert "no 'bindings' list" in errors_for(graph, "NoBindings/function.json")[0].reason
    assert "must be a list, found dict" in errors_for(graph, "WrongBindings/function.json")[0].reason
    assert "bindings[0] must be an object" in errors_for(graph, "MixedBindings/function.json")[0].reason
    assert "not UTF-8" in errors_for(graph, "Latin1/function.json")[0].reason
    many = errors_for(graph, "ManyBad/function.json")
    assert len(many) == 1 and "bindings[0] must be an object, found int (2 more such bindings)" in many[0].reason
    assert node_attrs(graph, "endpoint:function:fs:./ManyBad/function.json#ManyBad")["auth_level"] == "function"
    syntax = [e for e in graph.errors if e.source.endswith("syntax.py")]
    assert len(syntax) == 1 and "syntax error" in syntax[0].reason and syntax[0].line is not None
    assert [e for e in graph.errors if e.source.endswith("nulls.py")]
    assert "not read as function code" in [e for e in graph.errors if e.source.endswith("huge.py")][0].reason
    # a template is recorded as one, not as an error
    assert not [e for e in graph.errors if "cookiecutter" in e.source]
    template = node_attrs(graph, "file:fs:./{{cookiecutter.app}}/function_app.py")
    assert template["template"] is True and "line 2" in template["not_evaluated"]
    # the rest is collected: a numeric authLevel is unknown, the good app is read
    mixed = node_attrs(graph, "endpoint:function:fs:./MixedBindings/function.json#MixedBindings")
    assert mixed["unknown"]["auth_level"]["expression"] == "7"
    assert node_attrs(graph, "endpoint:function:fs:./good/function_app.py#ok")["auth_level"] == "function"


def test_scanned_code_is_never_run(tmp_path):
    marker = tmp_path / "ran"
    write(tmp_path, {"function_app.py": f'''
        import azure.functions as func
        open({str(marker)!r}, "w").write("imported")
        app = func.FunctionApp(http_auth_level=__import__("os").system("touch {marker}"))

        @app.route(route="x")
        def x(req):
            return None
    '''})
    graph = collect_graph(tmp_path)
    assert not marker.exists()
    attrs = node_attrs(graph, "endpoint:function:fs:./function_app.py#x")
    assert "auth_level" not in attrs and "__import__" in attrs["unknown"]["auth_level"]["expression"]
