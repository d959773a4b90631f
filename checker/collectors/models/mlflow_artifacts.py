"""A registered model version's artifacts: where they are, and — when the scan can reach
them — the MLmodel file and the model files beside it, inspected like any model file.

Reachable: a local path (`file://`, an absolute or mounted path, the store's own
`mlartifacts/` folder for `mlflow-artifacts:` URIs of a local store), a run's artifacts
(`runs:/<run>/<path>`, through the run's artifact root) and, for a tracking server, its
artifact proxy (`/api/2.0/mlflow-artifacts/artifacts/…`). Anything else (s3://, gs://,
wasbs://, abfss://, dbfs:/, a registry reference `models:/name/version`) is recorded as
*unknown* with the reason — never as clean. An MLflow 3 logged model (`models:/<model_id>`)
is looked up in the store (REST `logged-models/{id}`, the SQLite `logged_models` table, a
file store's `<experiment>/models/<id>/meta.yaml`) and read at its artifact location. Each model file becomes a file node keyed by its location
(`store: mlflow-artifacts`), held by the version (`contains`): versions registered from the
same artifacts share it. Symlinks are never followed; bounds: MAX_FILES per version; a
local file is read by seeks and bounded reads at any size, one read through the server's
proxy within ctx.max_parse_bytes (the proxy offers no ranged reads to rely on).
"""
from __future__ import annotations

import os
import posixpath
import re
import stat
from pathlib import Path
from typing import BinaryIO, Callable, Iterator
from urllib.parse import unquote, urlparse

from ...regular_file import open_regular_file
from ...safeyaml import YamlError, load_yaml
from .. import CollectContext
from . import MODEL_PATTERNS, record, sign_states, worst
from .signatures import MAX_SIGNATURE_BYTES, SIGNATURE_NAMES
from .formats import CODE_FORMATS

MAX_FILES = 1000                     # files listed per model version's artifact folder
MAX_DEPTH = 8
_MODEL_KEYS = ("pickled_model", "model_path", "data", "model_data", "python_model", "model_file",
               "saved_model_dir", "artifacts")
# flavor → formats that hold no code, for MLC-MODEL-002 (what the flavor could have used).
SAFE_ALTERNATIVES = {
    "sklearn": "skops or ONNX", "xgboost": "XGBoost JSON/UBJ (save_model)",
    "lightgbm": "LightGBM text model", "catboost": "CatBoost cbm", "pytorch": "safetensors",
    "transformers": "safetensors", "keras": "Keras 3 .keras without Lambda layers",
    "tensorflow": "SavedModel", "onnx": "ONNX", "statsmodels": None, "python_function": None,
}


class Lister:
    """Where a version's artifact files come from: a local folder or a server's proxy."""
    problem: Callable[[str, str], None] = staticmethod(lambda where_, why: None)
    relocated_from: str | None = None     # the path as the store wrote it, when read elsewhere

    def files(self) -> Iterator[tuple[str, int | None]]:     # (relative path, size)
        raise NotImplementedError

    def read(self, rel: str, limit: int) -> bytes:
        raise NotImplementedError

    def open(self, rel: str) -> BinaryIO | None:
        """The file open for seeks and bounded reads, or None where there is no such
        access (a server's proxy): then read() within the parse limit."""
        return None


class LocalLister(Lister):
    def __init__(self, root: Path) -> None:
        self.root = root

    def files(self):
        if self.root.is_file():
            yield "", self.root.stat().st_size
            return
        stack, seen = [(self.root, 0)], 0
        while stack:
            here, depth = stack.pop()
            try:
                entries = sorted(os.scandir(here), key=lambda e: e.name)
            except OSError as exc:
                self.problem(str(here), f"unreadable artifact folder: {exc.strerror}")
                continue
            for e in entries:
                rel = Path(e.path).relative_to(self.root).as_posix()
                st = os.lstat(e.path)
                if stat.S_ISLNK(st.st_mode):
                    self.problem(e.path, "symlink inside the model's artifact folder; not followed")
                elif stat.S_ISDIR(st.st_mode) and depth < MAX_DEPTH:
                    stack.append((Path(e.path), depth + 1))
                elif stat.S_ISREG(st.st_mode):
                    seen += 1
                    if seen > MAX_FILES:
                        self.problem(str(self.root), f"more than {MAX_FILES} artifact files; the rest not read")
                        return
                    yield rel, st.st_size

    def read(self, rel, limit):
        with self.open(rel) as fh:
            return fh.read(limit + 1)

    def open(self, rel):
        return open_regular_file(self.root / rel if rel else self.root)


class ProxyLister(Lister):
    """The tracking server's artifact proxy (mlflow server --serve-artifacts)."""

    def __init__(self, fetch: Callable[[str, dict], bytes], listing: Callable[[str], list], base: str) -> None:
        self.fetch, self.listing, self.base = fetch, listing, base.strip("/")

    def files(self):
        stack, seen = [(self.base, 0)], 0
        while stack:
            here, depth = stack.pop()
            for item in sorted(self.listing(here), key=lambda i: str(i.get("path"))):
                path = str(item.get("path") or "")
                if not path:
                    continue
                full = path if path.startswith(self.base) else f"{here}/{path.rsplit('/', 1)[-1]}"
                if item.get("is_dir"):
                    if depth < MAX_DEPTH:
                        stack.append((full, depth + 1))
                    continue
                seen += 1
                if seen > MAX_FILES:
                    return
                size = item.get("file_size")
                yield full[len(self.base):].lstrip("/"), int(size) if isinstance(size, (int, str)) and str(size).isdigit() else None

    def read(self, rel, limit):
        return self.fetch(f"{self.base}/{rel}" if rel else self.base, {"limit": limit})


def where(source: str, store_dir: Path | None, run_artifacts: dict[str, str],
          proxy: Callable[[str], Lister] | None) -> tuple[Lister | None, str]:
    """The lister for a version's `source`, or None and why it cannot be read."""
    raw = source.strip()
    if raw.startswith("runs:/"):
        run, _, rel = raw[len("runs:/"):].strip("/").partition("/")
        root = run_artifacts.get(run)
        if not root:
            return None, f"run {run}'s artifact root is not known (run not collected)"
        return where(f"{root.rstrip('/')}/{rel}", store_dir, run_artifacts, proxy)
    if raw.startswith("mlflow-artifacts:"):
        rel = urlparse(raw).path.lstrip("/")
        if proxy is not None:
            return proxy(rel), ""
        if store_dir is not None and (store_dir / "mlartifacts" / rel).exists():
            return LocalLister(store_dir / "mlartifacts" / rel), ""
        return None, "mlflow-artifacts URI of a store read without its server, and no mlartifacts/ folder beside the store holds it"
    if raw.startswith("models:/"):
        return None, "a registry reference (models:/), not an artifact location; not followed"
    local = _local_path(raw)
    if local is None:
        scheme = raw.split(":", 1)[0] if ":" in raw else "?"
        return None, f"{scheme}:// object store not reachable from the scan"
    if not local.exists():
        moved = _in_store(local, store_dir)
        if moved is None:
            return None, f"local path {local} does not exist on this machine"
        lister = LocalLister(moved)
        lister.relocated_from = str(local)
        return lister, ""
    return LocalLister(local), ""


def _local_path(raw: str) -> Path | None:
    if raw.startswith("file:"):
        path = unquote(urlparse(raw).path)
        # file:///C:/Users/... parses to /C:/Users/...: the drive letter starts the path
        return Path(path[1:] if re.match(r"^/[A-Za-z]:[/\\]", path) else path)
    if raw.startswith("/") or (len(raw) > 2 and raw[1] == ":" and raw[2] in "\\/"):
        return Path(raw)
    return None


def _in_store(local: Path, store_dir: Path | None) -> Path | None:
    """A path written on the machine that ran MLflow (C:/Users/a/proj/mlruns/1/<run>/artifacts,
    /home/b/proj/mlruns/...) for a store committed and scanned elsewhere: the same place
    under the scanned store, found by the store folder's name in that path (the last time it
    appears first). Only a path that exists inside the store is taken; symlinks are not
    followed out of it."""
    if store_dir is None:
        return None
    parts = [p for p in re.split(r"[/\\]", str(local)) if p]
    root = os.path.realpath(store_dir)
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] != store_dir.name or ".." in parts[i + 1:]:
            continue
        cand = store_dir.joinpath(*parts[i + 1:])
        real = os.path.realpath(cand)
        if (real == root or real.startswith(root + os.sep)) and os.path.lexists(cand):
            return cand
    return None


def _shown_in_store(path: Path, store_dir: Path, display: str) -> str:
    """A path inside the store as the report shows it: under the store's label."""
    return f"{display.rstrip('/')}/{path.relative_to(store_dir).as_posix()}"


def read_version_artifacts(ctx: CollectContext, collector: str, prefix: str, version_node: str,
                           source: str, lister: Lister, display: str) -> None:
    """The MLmodel file's facts on the version, each model file as a node it contains."""
    g = ctx.graph
    lister.problem = lambda where_, why: g.error(collector, where_, why)
    files = dict(lister.files())
    facts: dict = {"artifacts": "read", "artifact_files": len(files)}
    if "MLmodel" in files:
        facts.update(_mlmodel(ctx, collector, lister, display))
    else:
        facts["mlmodel"] = None
    formats, hashed = [], []
    for rel, size in sorted(files.items()):
        name = rel.rsplit("/", 1)[-1] or source.rstrip("/").rsplit("/", 1)[-1]
        if not any(_glob(name, p) for p in MODEL_PATTERNS):
            continue
        key = f"{prefix}/artifacts/{source.rstrip('/')}/{rel}".rstrip("/")
        shown = f"{source.rstrip('/')}/{rel}".rstrip("/")
        nid = g.add_node("file", key, {"path": shown, "name": name, "ext": posixpath.splitext(name)[1].lower(),
                                       "role": "model", "store": "mlflow-artifacts",
                                       **({} if size is None else {"size": size})},
                         ctx.provenance(collector, shown))
        g.add_edge(version_node, nid, "contains")
        f = _inspect_artifact(ctx, collector, lister, rel, size, nid, shown, name)
        if f is None:
            continue
        formats.append(f.format)
        hashed.append((nid, rel or name, f.sha256))
    signatures = {}
    for sig in SIGNATURE_NAMES:
        if sig in files:
            try:
                signatures[""] = lister.read(sig, MAX_SIGNATURE_BYTES)
            except (OSError, ValueError) as exc:
                g.error(collector, f"{source.rstrip('/')}/{sig}", f"signature unreadable: {exc}")
    states = sign_states(ctx, hashed, signatures)
    facts["signature"] = "absent" if not signatures else worst(states) if states else "absent"
    facts["signature_files"] = sorted(f"{source.rstrip('/')}/{s}" for s in SIGNATURE_NAMES if s in files)
    facts["artifact_formats"] = sorted(set(formats))
    facts["artifact_formats_run_code"] = any(f in CODE_FORMATS for f in formats)
    g.update_attrs(version_node, **facts)


def _inspect_artifact(ctx: CollectContext, collector: str, lister: Lister, rel: str,
                      size: int | None, nid: str, shown: str, name: str):
    """A model file's facts: read from the open file at any size (formats reads it by seeks
    and bounded reads), or — through a server's proxy — from its bytes within the parse
    limit. None, with the collection error, when it cannot be read."""
    g = ctx.graph
    try:
        fh = lister.open(rel)
        if fh is not None:
            with fh:
                return record(ctx, collector, nid, shown, name, fh, os.fstat(fh.fileno()).st_size)
        if size is not None and size > ctx.max_parse_bytes:
            g.error(collector, shown, f"model file is {size} bytes, over the {ctx.max_parse_bytes}-byte "
                    "parse limit for files read through the tracking server; not scanned")
            g.update_attrs(nid, model_scan="not scanned", model_runs_code_on_load=None)
            return None
        data = lister.read(rel, ctx.max_parse_bytes)
    except (OSError, ValueError) as exc:
        g.error(collector, shown, f"model file unreadable: {exc}")
        return None
    if len(data) > ctx.max_parse_bytes:
        g.error(collector, shown, f"model file over the {ctx.max_parse_bytes}-byte parse limit; not scanned")
        return None
    return record(ctx, collector, nid, shown, name, data)


def _glob(name: str, pattern: str) -> bool:
    return name.lower().endswith(pattern[1:])


def _mlmodel(ctx: CollectContext, collector: str, lister: Lister, display: str) -> dict:
    where_ = f"{display}/MLmodel"
    try:
        raw = lister.read("MLmodel", 1024 * 1024)
        doc = load_yaml(raw, where_)
    except YamlError as exc:
        ctx.graph.error(collector, where_, f"MLmodel is not YAML: {exc.reason}", exc.line)
        return {"mlmodel": "unreadable"}
    except (OSError, ValueError) as exc:
        ctx.graph.error(collector, where_, f"MLmodel unreadable: {exc}")
        return {"mlmodel": "unreadable"}
    if not isinstance(doc, dict) or not isinstance(doc.get("flavors"), dict):
        ctx.graph.error(collector, where_, "MLmodel has no flavors mapping")
        return {"mlmodel": "unreadable"}
    flavors = {str(k): v for k, v in doc["flavors"].items()}
    pyfunc = flavors.get("python_function") if isinstance(flavors.get("python_function"), dict) else {}
    named = sorted({str(v) for conf in flavors.values() if isinstance(conf, dict)
                    for k, v in conf.items() if k in _MODEL_KEYS and isinstance(v, (str, int))})
    serialization = sorted({str(conf.get("serialization_format")) for conf in flavors.values()
                            if isinstance(conf, dict) and conf.get("serialization_format")})
    main = next((f for f in flavors if f != "python_function"), "python_function")
    return {"mlmodel": {
        "flavors": sorted(flavors), "flavor": main,
        "loader_module": pyfunc.get("loader_module"),
        "serialization_format": serialization[0] if serialization else None,
        "pickled_model": next((str(c["pickled_model"]) for c in flavors.values()
                               if isinstance(c, dict) and c.get("pickled_model")), None),
        "model_files": named[:20],
        "signature": bool(doc.get("signature")),
        "input_example": bool(doc.get("saved_input_example_info")),
        "safe_alternative": SAFE_ALTERNATIVES.get(main),
    }}


def read_artifacts(ctx: CollectContext, collector: str, source, emitter, reader) -> None:
    """Every collected version's artifacts (emitter.versions), read where reachable; the
    rest are `artifacts: unknown` with the reason. A `models:/<model_id>` source (an MLflow 3
    logged model) is read at the logged model's artifact location, and the version records
    the logged model (logged_model_id, logged_model_artifact_uri, logged_model_run_id)."""
    from ..mlflow.records import StoreError
    from ..mlflow.rest import is_url
    remote = is_url(source.uri)
    store = None if remote else Path(source.uri)
    store_dir = None if store is None else (store if store.is_dir() else store.parent)
    proxy = None
    if remote:
        def proxy(rel: str) -> Lister:
            return ProxyLister(lambda path, params: reader.artifact_bytes(path, params["limit"]),
                               reader.artifact_listing, rel)
    for nid, src in emitter.versions:
        model_id = logged_model_id(src)
        if model_id is not None:
            src, why = _logged_model_location(ctx, nid, model_id, reader)
            if src is None:
                ctx.graph.update_attrs(nid, artifacts="unknown", artifacts_unknown_reason=why)
                continue
        elif logged_model_id(f"models:/{ctx.graph.node(nid)['attrs'].get('model_id') or ''}"):
            # an MLflow 3 version naming its logged model beside a path source: the logged
            # model's facts (its run) are recorded; the artifacts are read at the source
            _logged_model_location(ctx, nid, ctx.graph.node(nid)["attrs"]["model_id"], reader)
        lister, why = where(src, store_dir, emitter.run_artifacts, proxy)
        if lister is None:
            ctx.graph.update_attrs(nid, artifacts="unknown", artifacts_unknown_reason=why)
            continue
        if lister.relocated_from:      # read where it lies in the scanned store, not where it was written
            shown = source.label if store.is_dir() else posixpath.dirname(source.label)   # no absolute path
            ctx.graph.update_attrs(nid, artifacts_relocated_from=lister.relocated_from,
                                   artifacts_read_at=_shown_in_store(lister.root, store_dir, shown))
        try:
            read_version_artifacts(ctx, collector, emitter.prefix, nid, src, lister, source.display)
        except StoreError as exc:
            ctx.graph.update_attrs(nid, artifacts="unknown", artifacts_unknown_reason=exc.reason)
            ctx.graph.error(collector, f"{source.display} ({src})", f"artifacts unreadable: {exc.reason}")
        except OSError as exc:
            ctx.graph.update_attrs(nid, artifacts="unknown", artifacts_unknown_reason=str(exc))
            ctx.graph.error(collector, f"{source.display} ({src})", f"artifacts unreadable: {exc}")


LOGGED_MODEL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")   # one path segment, as MLflow writes it


def is_logged_model_id(text: str) -> bool:
    """Whether `text` is an MLflow 3 logged model's id as a store may name it: one plain path
    segment (it names a folder in a file store)."""
    return bool(LOGGED_MODEL_ID.fullmatch(text)) and ".." not in text


def logged_model_id(source: str) -> str | None:
    """The id in an MLflow 3 `models:/<model_id>` source: one path segment, as MLflow parses
    it; None for registry references (`models:/name/version`, `models:/name@alias`) and for
    anything that is not a plain id (it names a folder in a file store)."""
    raw = source.strip()
    if not raw.startswith("models:/"):
        return None
    rest = raw[len("models:/"):]
    return rest if is_logged_model_id(rest) else None


def _logged_model_location(ctx: CollectContext, nid: str, model_id: str, reader) -> tuple[str | None, str]:
    """The logged model's artifact location, or None and why it is not known."""
    from ..mlflow.records import StoreError, scrub_secrets
    try:
        rec = reader.logged_model(model_id)
    except StoreError as exc:
        return None, f"logged model {model_id} could not be read: {exc.reason}"
    if rec is None:
        return None, f"logged model {model_id} is not in the store (deleted, or a store from before MLflow 3)"
    location = scrub_secrets(rec.artifact_uri) if rec.artifact_uri else None
    ctx.graph.update_attrs(nid, logged_model_id=model_id, logged_model_artifact_uri=location,
                           logged_model_run_id=rec.source_run_id)
    if not location:
        return None, f"logged model {model_id} records no artifact location"
    return location, ""
