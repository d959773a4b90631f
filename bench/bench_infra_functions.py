"""Azure Functions code (issue 9): collect time and peak memory beside the parse floor.

    .venv/bin/python bench/bench_infra_functions.py                # 100, 1k, 10k HTTP functions
    .venv/bin/python bench/bench_infra_functions.py --sizes 100 1000

Corpus (generated into a temp dir, deleted after): function apps of 20 HTTP functions each,
one in two in the Python v2 model (one function_app.py: a FunctionApp, 20 routes, a
module-level and a per-route MLflow model load), the other in function.json folders (20
folders, each a function.json and its __init__.py loading a model), each app with its
host.json; beside them as many plain Python files that do not import azure.functions (a
repository's other code, which the parser must skip cheaply).

Measured in this process, best of 3: *collect* is the real folder collector with only the
functions parser registered (walk, read, parse, emit); *link* is the two function linkers
(code into apps: none declared here; models: none collected); the *floor* is reading the
same files and decoding them with `ast.parse` (the function code) and `json.loads` (the
function.json files) alone. Peak memory is tracemalloc's peak over one collect + link.

On the 2-core development machine (shared, loaded), 10k HTTP functions (9 MiB with 10k
other Python files): collect 4.0 s, 2.8x the floor of 1.4 s (1k: 0.35 s, 3.2x; 100:
0.03 s, 2.7x), link 0.2 s, peak 79 MiB. The rest above the floor is the folder walk and
a file node per file; the parser walks each tree once (a walk per question and
ast.get_source_segment, which splits the whole file per quoted expression, made it 7-8x).
"""
from __future__ import annotations

import argparse
import ast
import json
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from checker.cloud.function_links import link_function_code, link_functions_to_models  # noqa: E402
from checker.collectors.folder import FolderCollector  # noqa: E402
from checker.collectors.functions import FunctionsParser  # noqa: E402
from checker.scan import collect, resolve_sources  # noqa: E402

PER_APP = 20
HOST = json.dumps({"version": "2.0", "extensionBundle": {"id": "Microsoft.Azure.Functions.ExtensionBundle",
                                                         "version": "[4.*, 5.0.0)"}}, indent=2)


def v2_app(app: int) -> str:
    routes = "".join(f'''

@app.route(route="m{app}/r{i}", methods=["POST"], auth_level=func.AuthLevel.{"ANONYMOUS" if i % 3 else "FUNCTION"})
def route_{i}(req: func.HttpRequest) -> func.HttpResponse:
    variant = mlflow.pyfunc.load_model("models:/model-{app}/{i + 1}")
    rows = req.get_json()
    logging.info("scoring %d rows", len(rows))
    return func.HttpResponse(json.dumps(variant.predict(rows).tolist()), mimetype="application/json")
''' for i in range(PER_APP))
    return f'''"""Scoring app {app}."""
import json
import logging

import azure.functions as func
import mlflow

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
champion = mlflow.pyfunc.load_model("models:/model-{app}@champion")
{routes}'''


V1_CODE = '''import json

import azure.functions as func
import mlflow.pyfunc

MODEL = mlflow.pyfunc.load_model("models:/model-{app}/{i}")


def main(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(MODEL.predict(req.get_json()).tolist()), mimetype="application/json")
'''
OTHER = '''"""Feature engineering helpers (not function code)."""
import numpy as np
import pandas as pd


def rolling_features(frame: pd.DataFrame, window: int = {i}) -> pd.DataFrame:
    out = frame.copy()
    for column in frame.select_dtypes("number").columns:
        out[f"{{column}}_mean"] = frame[column].rolling(window).mean()
        out[f"{{column}}_std"] = frame[column].rolling(window).std()
    return out.replace([np.inf, -np.inf], np.nan)
'''


def write(root: Path, n: int) -> None:
    for app in range(max(1, n // PER_APP)):
        folder = root / f"app-{app}"
        folder.mkdir(parents=True)
        (folder / "host.json").write_text(HOST)
        if app % 2 == 0:
            (folder / "function_app.py").write_text(v2_app(app))
        else:
            for i in range(PER_APP):
                fn = folder / f"Score{i}"
                fn.mkdir()
                (fn / "function.json").write_text(json.dumps({"scriptFile": "__init__.py", "bindings": [
                    {"authLevel": "anonymous" if i % 3 else "function", "type": "httpTrigger", "direction": "in",
                     "name": "req", "methods": ["post"], "route": f"m{app}/r{i}"},
                    {"type": "http", "direction": "out", "name": "$return"}]}, indent=2))
                (fn / "__init__.py").write_text(V1_CODE.format(app=app, i=i + 1))
    other = root / "features"
    other.mkdir()
    for i in range(n):
        (other / f"features_{i}.py").write_text(OTHER.format(i=i % 30 + 2))


def collect_and_link(root: Path):
    registry = {"folder": FolderCollector, FunctionsParser.name: FunctionsParser}
    ctx = collect(resolve_sources([str(root)], [], registry), registry, {}, None)
    start = time.perf_counter()
    link_function_code(ctx.graph)
    link_functions_to_models(ctx.graph)
    return ctx.graph, time.perf_counter() - start


def floor(root: Path) -> float:
    """Decoding the function code and function.json files alone (what any reader must do)."""
    start = time.perf_counter()
    for path in sorted(root.rglob("*")):
        if path.name == "function.json":
            json.loads(path.read_bytes())
        elif path.suffix == ".py" and b"azure.functions" in (data := path.read_bytes()):
            ast.parse(data)
    return time.perf_counter() - start


def measure(n: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / f"functions-{n}"
        root.mkdir()
        write(root, n)
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        collects, links, floors = [], [], []
        for _ in range(3):
            start = time.perf_counter()
            graph, link = collect_and_link(root)
            collects.append(time.perf_counter() - start - link)
            links.append(link)
            floors.append(floor(root))
        functions = sum(1 for _, d in graph.nodes("endpoint") if d["attrs"].get("type") == "function_http")
        assert not graph.errors, graph.errors[:3]
        tracemalloc.start()
        collect_and_link(root)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    c, li, f = min(collects), min(links), min(floors)
    return (f"functions {n:>6} HTTP functions ({functions} nodes, {size / 2**20:5.1f} MiB with {n} other .py): "
            f"collect {c:5.2f} s, link {li:5.2f} s, floor {f:5.2f} s ({c / f:4.1f}x), peak {peak / 2**20:5.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    for n in parser.parse_args().sizes:
        print(measure(n), flush=True)


if __name__ == "__main__":
    main()
