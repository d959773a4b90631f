"""MLflow registry URIs to the model version nodes they name: `models:/churn/7` (a version),
`models:/churn@champion` (the version holding the alias now), `models:/churn/Production`
(the newest version in that stage), `models:/churn/latest` (the newest version). Serving
code and manifests name models this way (a function's load_model, a pod's command)."""
from __future__ import annotations

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
