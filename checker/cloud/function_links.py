"""Function code into the infrastructure and the registry (checker/collectors/functions.py
records the code; these linkers join it):

- `link_function_code`: function app resource --exposes--> each HTTP function its code
  declares. The one join the sources state plainly: a repository that declares exactly one
  function app (Terraform, ARM, Bicep) and holds exactly one function app's code (one
  host.json folder, or loose function code) — the app deploys that code. A repository with
  several apps or several code folders is left unlinked (which code runs where is not in
  the files), and the endpoints say so in `function_app_link`.
- `link_functions_to_models`: HTTP function --serves--> the model version each
  `models:/` URI it loads names (`models:/name/3`, `models:/name@alias`,
  `models:/name/Production`, `models:/name/latest`), among the collected registries;
  a `models:/` URI that names no collected version is noted unresolved.
"""
from __future__ import annotations

from collections import defaultdict
from urllib.parse import unquote

from ..graph import EstateGraph

SOLE_PAIR = "the only function app declared and the only function code in its repository"


def _tree_of(graph: EstateGraph, nid: str) -> str | None:
    """The repository (tree) node holding the file a node is defined in."""
    for file_node in graph.out_edges(nid, "defined_in"):
        for repo in graph.in_edges(file_node, "contains"):
            return repo
    return None


def link_function_code(graph: EstateGraph) -> None:
    apps: dict[str, list[str]] = defaultdict(list)
    for nid, data in graph.nodes("resource"):
        a = data["attrs"]
        if a.get("type") == "function_app" and a.get("declared", True) and not a.get("existing"):
            tree = _tree_of(graph, nid)
            if tree:
                apps[tree].append(nid)
    code: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for nid, data in graph.nodes("endpoint"):
        a = data["attrs"]
        if a.get("type") == "function_http":
            tree = _tree_of(graph, nid)
            if tree:
                code[tree][a.get("app_root", a.get("path", ""))].append(nid)
    for tree, roots in code.items():
        declared = apps.get(tree, [])
        if len(declared) == 1 and len(roots) == 1:
            for endpoint in next(iter(roots.values())):
                graph.add_edge(declared[0], endpoint, "exposes", by=SOLE_PAIR)
                graph.update_attrs(endpoint, function_app_link=SOLE_PAIR)
            continue
        why = (f"{len(declared)} function apps declared and {len(roots)} function code folders in the repository: "
               "which code runs in which app is not stated")
        for endpoints in roots.values():
            for endpoint in endpoints:
                graph.update_attrs(endpoint, function_app_link=f"not linked: {why}")


def link_functions_to_models(graph: EstateGraph) -> None:
    versions: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for nid, data in graph.nodes("model_version"):
        a = data["attrs"]
        if a.get("name") is not None and a.get("version") is not None:
            versions[str(a["name"])].append((nid, a))
    for nid, data in graph.nodes("endpoint"):
        a = data["attrs"]
        if a.get("type") != "function_http":
            continue
        for ref in a.get("model_refs") or []:
            uri = ref.get("uri") if isinstance(ref, dict) else None
            if not isinstance(uri, str) or not uri.startswith("models:/"):
                continue
            targets = _resolve(uri, versions)
            for target in targets:
                graph.add_edge(nid, target, "serves", uri=uri)
            if not targets:
                graph.note_unresolved(nid, "model", uri, f"{uri} names no model version in any collected registry")


def _resolve(uri: str, versions: dict[str, list[tuple[str, dict]]]) -> list[str]:
    """The model version node(s) a `models:/` URI names."""
    rest = unquote(uri[len("models:/"):]).strip("/")
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
