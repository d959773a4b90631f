"""Model URIs to the model version nodes they name. MLflow registry URIs: `models:/churn/7`
(a version), `models:/churn@champion` (the version holding the alias now),
`models:/churn/Production` (the newest version in that stage), `models:/churn/latest` (the
newest version); Azure ML's `azureml:churn:7` / `azureml:churn@latest` the same way. Serving
code and manifests name models this way (a function's load_model, a pod's command). A
run's artifact (`runs:/<run id>/model`) and a storage location (`s3://…/model`, as a KServe
storageUri or a Seldon modelUri gives it) name the versions registered from exactly that
artifact (the version's `source`)."""
from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import unquote

from ..graph import EstateGraph

PREFIX = "models:/"
Versions = dict[str, list[tuple[str, dict]]]


def versions_by_name(graph: EstateGraph) -> Versions:
    """Registered model name → its (version node, attrs)."""
    versions: Versions = defaultdict(list)
    for nid, data in graph.nodes("model_version"):
        a = data["attrs"]
        if a.get("name") is not None and a.get("version") is not None:
            versions[str(a["name"])].append((nid, a))
    return versions


def resolve(uri: str, versions: Versions) -> list[str]:
    """The model version node(s) a `models:/` URI names (none: not collected, or no match)."""
    rest = unquote(uri[len(PREFIX):]).strip("/")
    if "@" in rest:
        name, _, alias = rest.partition("@")
        return [nid for nid, a in versions.get(name, []) if alias in (a.get("aliases") or [])]
    name, _, which = rest.rpartition("/")
    known = versions.get(name, [])
    if not name or not known:
        return []
    if which.isdigit():
        return [nid for nid, a in known if str(a.get("version")) == which]
    pool = known if which.lower() == "latest" else \
        [(nid, a) for nid, a in known if str(a.get("stage", "")).lower() == which.lower()]
    if not pool:
        return []
    return [max(pool, key=lambda item: _version_number(item[1]))[0]]


def _version_number(attrs: dict) -> tuple[int, str]:
    text = str(attrs.get("version"))
    return (int(text), text) if text.isdigit() else (-1, text)


def unresolved_reason(uri: str, versions: Versions) -> str:
    rest = unquote(uri[len(PREFIX):]).strip("/")
    name = rest.partition("@")[0] if "@" in rest else rest.rpartition("/")[0]
    if name in versions:
        return f"{uri}: model {name} has no such version, alias or stage in the collected registry"
    return f"{uri} names no model version in any collected registry"


RUNS = "runs:/"
_AZUREML = re.compile(r"^azureml:(?!//)(?P<name>[^:@/]+)(?::(?P<version>[^:@/]+)|@(?P<label>[^:@/]+))$")


class ModelIndex:
    """The collected model versions, by name and by the artifact they were registered from."""

    def __init__(self, graph: EstateGraph) -> None:
        self.versions = versions_by_name(graph)
        self.by_source: dict[str, list[str]] = defaultdict(list)
        self.by_run: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for known in self.versions.values():
            for nid, a in known:
                source = str(a.get("source") or "").rstrip("/")
                if source:
                    self.by_source[source].append(nid)
                if a.get("run_id"):
                    self.by_run[str(a["run_id"])].append((nid, source))

    def resolve(self, uri: str) -> tuple[list[str], str | None]:
        """(the version nodes a model URI names, why none when it is a registry's URI
        that names nothing collected). A storage location registered as no version is
        no model reference: ([], None)."""
        uri = uri.strip()
        if uri.startswith(PREFIX):
            found = resolve(uri, self.versions)
            return found, None if found else unresolved_reason(uri, self.versions)
        m = _AZUREML.match(uri)
        if m:
            which = m["version"] or ("latest" if m["label"] == "latest" else None)
            if which is None:
                return [], f"{uri}: Azure ML label {m['label']} is not resolved statically"
            found = resolve(f"{PREFIX}{m['name']}/{which}", self.versions)
            return found, None if found else f"{uri} names no model version in any collected registry"
        if uri.startswith(RUNS):
            return self._run_artifact(uri)
        return list(self.by_source.get(uri.rstrip("/"), [])), None

    def _run_artifact(self, uri: str) -> tuple[list[str], str | None]:
        run, _, path = uri[len(RUNS):].strip("/").partition("/")
        path = path.strip("/")
        found = [nid for nid, source in self.by_run.get(run, [])
                 if not path or source == uri.rstrip("/") or source.endswith(f"/{path}")]
        if found:
            return found, None
        return [], f"{uri}: no collected model version was registered from run {run}'s artifact {path or '(root)'}"
