"""Azure Functions code: function.json that is not JSON, not UTF-8, of the wrong shape or
nested without end; Python v2 files with syntax errors, null bytes, parentheses past the
parser's bound, auth levels only a run could tell, code that would act if imported, more
functions than are recorded, files too large to be function code — an error with file
and line, or an unknown; never a crash, a hang or anything run."""
from __future__ import annotations

import json

from . import mutate as m
from .cases import EITHER, NONE, ONE, Case, Expect, files, rng_for

MARKER = "pwned-functions"
NODE = "endpoint:function:{p}/"
GOOD_PY = """import azure.functions as func
import mlflow

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
model = mlflow.pyfunc.load_model("models:/fuzz@champion")


@app.function_name(name="Score")
@app.route(route="score", methods=["POST"])
def score(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(str(model.predict([req.get_json()])))
"""
GOOD_JSON = json.dumps({"scriptFile": "__init__.py", "bindings": [
    {"authLevel": "function", "type": "httpTrigger", "direction": "in", "name": "req", "methods": ["get", "post"]},
    {"type": "http", "direction": "out", "name": "$return"}]}, indent=2)
V1_CODE = "import azure.functions as func\n\n\ndef main(req: func.HttpRequest) -> func.HttpResponse:\n" \
          "    return func.HttpResponse('ok')\n"


def _py(name: str, text: str | bytes, expect: Expect, **kw) -> Case:
    return Case(f"functions/py-{name}", files({"function_app.py": text}), expect, target="function_app.py", **kw)


def _json(name: str, text: str | bytes, expect: Expect) -> Case:
    return Case(f"functions/json-{name}", files({"Score/function.json": text, "Score/__init__.py": V1_CODE}),
                expect, target="Score/function.json")


def _workflow(name: str, text: str | bytes, expect: Expect) -> Case:
    return Case(f"functions/workflow-{name}", files({".github/workflows/deploy.yml": text}), expect,
                target=".github/workflows/deploy.yml")


WORKFLOW = """on: push
env:
  APP: ${{ env.NAME }}
  NAME: ${{ env.APP }}
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: Azure/functions-action@v1
        with:
          app-name: ${{ env.APP }}
          package: ${{ env.MISSING }}
"""


def _syntax_line(text: str) -> int | None:
    try:
        compile(text, "<fuzz>", "exec", dont_inherit=True, flags=0x400)    # ast.PyCF_ONLY_AST: parse only
    except SyntaxError as exc:
        return exc.lineno
    return None


def cases(seed: int) -> list[Case]:
    rng = rng_for(seed, "functions")
    out = []
    for i, at in enumerate(m.truncation_points(GOOD_PY.encode(), rng, 3)):
        text = GOOD_PY[:at]
        line = _syntax_line(text)
        out.append(_py(f"truncated-{i}", text, Expect(ONE, line=line) if line else Expect(NONE)))
    for i, at in enumerate(m.truncation_points(GOOD_JSON.encode(), rng, 2)):
        text = GOOD_JSON[:at]
        out.append(_json(f"truncated-{i}", text, Expect(ONE, line=m.json_error_line(text) or True)))
    many = "import azure.functions as func\napp = func.FunctionApp()\n" + "".join(
        f"\n@app.route(route='r{i}')\ndef f{i}(req):\n    return None\n" for i in range(2500))
    out += [
        _workflow("env-cycle", WORKFLOW, Expect(NONE, nodes=("file:{p}/.github/workflows/deploy.yml has function_deploys",))),
        _workflow("broken", "jobs:\n  deploy:\n    steps: [uses: Azure/functions-action@v1\n", Expect(ONE, line=True)),
        _workflow("steps-not-a-list", "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n"
                  "    steps: Azure/functions-action@v1\n", Expect(ONE, line=5)),     # github_actions names it
        _workflow("billion-laughs", "".join((m.billion_laughs()[0], "jobs: ", m.billion_laughs()[1], "\n# functions-action\n")),
                  Expect(EITHER)),
        _py("good", GOOD_PY, Expect(NONE, nodes=(NODE + "function_app.py#Score has model_refs",))),
        _py("cookiecutter", GOOD_PY.replace("app = func", "{% if cookiecutter.anonymous %}\napp = func"),
            Expect(NONE, nodes=("file:{p}/function_app.py has template",))),
        _py("set-braces", GOOD_PY.replace("func.AuthLevel.ANONYMOUS", "{{ cookiecutter.auth_level }}"),
            Expect(NONE, nodes=(NODE + "function_app.py#Score has unknown",))),
        _py("garbage", "import azure.functions as func\n}}}} def ((( not python\n", Expect(ONE, line=2)),
        _py("invalid-utf8", GOOD_PY.encode().replace(b"fuzz", m.INVALID_UTF8, 1), Expect(ONE)),
        _py("null-bytes", GOOD_PY.encode().replace(b"\n\n\n", b"\n\x00\n", 1), Expect(ONE)),
        _py("utf8-bom", m.utf8_bom(GOOD_PY), Expect(NONE, nodes=(NODE + "function_app.py#Score",))),
        _py("parens-deep", GOOD_PY + "deep = " + "(" * 3000 + "1" + ")" * 3000 + "\n", Expect(ONE, line=True)),
        _py("binop-long", GOOD_PY + "total = " + " + ".join(["1"] * 50_000) + "\n",
            Expect(EITHER, nodes=(NODE + "function_app.py#Score",))),
        _py("auth-from-env", GOOD_PY.replace('methods=["POST"]', 'methods=["POST"], auth_level=os.environ["L"]'),
            Expect(NONE, nodes=(NODE + "function_app.py#Score has unknown",))),
        _py("would-run", GOOD_PY.replace(
            "app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)",
            f"open({MARKER!r}, 'w').write('ran')\n"
            f"app = func.FunctionApp(http_auth_level=__import__('os').system('touch {MARKER}'))"),
            Expect(NONE, nodes=(NODE + "function_app.py#Score has unknown",)), markers=(MARKER,)),
        _py("odd-decorators", GOOD_PY + "\n\n@app.route(*routes, **options)\ndef star(req):\n    return None\n"
                                        "\n\n@app.route\ndef bare(req):\n    return None\n"
                                        "\n\n@(lambda f: f)\ndef anon(req):\n    return None\n",
            Expect(NONE, nodes=(NODE + "function_app.py#star",))),
        _py("many-functions", many, Expect(ONE)),
        _py("huge", lambda: "import azure.functions as func\n" + "x = 1\n" * 500_000, Expect(ONE)),
        _json("good", GOOD_JSON, Expect(NONE, nodes=(NODE + "Score/function.json#Score",))),
        _json("garbage", "{{{ not json", Expect(ONE, line=1)),
        _json("scalar", "42", Expect(ONE)),
        _json("bindings-object", json.dumps({"bindings": {"type": "httpTrigger"}}), Expect(ONE)),
        _json("binding-string", json.dumps({"bindings": ["httpTrigger"]}), Expect(ONE)),
        _json("invalid-utf8", GOOD_JSON.encode().replace(b"req", m.INVALID_UTF8, 1), Expect(ONE)),
        _json("utf16", m.utf16(GOOD_JSON), Expect(ONE)),
        _json("utf8-bom", m.utf8_bom(GOOD_JSON), Expect(NONE, nodes=(NODE + "Score/function.json#Score",))),
        _json("deep", '{"bindings": ' + m.deep_json(50_000) + "}", Expect(EITHER)),
        _json("auth-huge", GOOD_JSON.replace('"function"', json.dumps("x" * 100_000)),
              Expect(NONE, nodes=(NODE + "Score/function.json#Score has unknown",))),
        _json("script-outside", GOOD_JSON.replace("__init__.py", "../../../../../etc/passwd"),
              Expect(NONE, nodes=(NODE + "Score/function.json#Score",))),
    ]
    return out
