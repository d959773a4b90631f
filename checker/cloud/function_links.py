"""Function code into the infrastructure and the registry (checker/collectors/functions.py
records the code; these linkers join it):

- `link_function_code`: function app resource --exposes--> each HTTP function its code
  declares, by what the sources state: a GitHub Actions `Azure/functions-action` step
  (the workflow's `function_deploys`) deploys the code under `package` to the app named
  `app-name` (a function app of that name, declared or exported: site names are global);
  a package that is no code folder (a zip built earlier) stands for the repository's only
  code folder. Otherwise a repository that declares exactly one function app and holds
  exactly one function app's code (one host.json folder, or loose function code) deploys
  that code to that app. Anything else is left unlinked (which code runs where is not in
  the files), and the endpoints say why in `function_app_link`.
- `link_functions_to_models`: HTTP function --serves--> the model version each
  `models:/` URI it loads names (`models:/name/3`, `models:/name@alias`,
  `models:/name/Production`, `models:/name/latest`), among the collected registries;
  a `models:/` URI that names no collected version is noted unresolved.
"""
from __future__ import annotations

import posixpath
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
    by_name: dict[str, list[str]] = defaultdict(list)
    for nid, data in graph.nodes("resource"):
        a = data["attrs"]
        if a.get("type") == "function_app" and not a.get("existing"):
            if isinstance(a.get("name"), str):
                by_name[a["name"].lower()].append(nid)
            tree = _tree_of(graph, nid) if a.get("declared", True) else None
            if tree:
                apps[tree].append(nid)
    code: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for nid, data in graph.nodes("endpoint"):
        a = data["attrs"]
        if a.get("type") == "function_http":
            tree = _tree_of(graph, nid)
            if tree:
                code[tree][a.get("app_root", a.get("path", ""))].append(nid)
    deployed = _link_deploys(graph, code, by_name)
    for tree, roots in code.items():
        roots = {root: eps for root, eps in roots.items() if (tree, root) not in deployed}
        if not roots:
            continue
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


def _link_deploys(graph: EstateGraph, code: dict, by_name: dict) -> set[tuple[str, str]]:
    """Links from workflow deploy steps; the (tree, code folder) pairs they linked."""
    linked: set[tuple[str, str]] = set()
    for file_node, data in graph.nodes("file"):
        deploys = data["attrs"].get("function_deploys")
        if not deploys:
            continue
        tree = next(iter(graph.in_edges(file_node, "contains")), None)
        roots = code.get(tree, {})
        for deploy in deploys:
            name, package = deploy.get("app_name"), deploy.get("package")
            if not isinstance(name, str) or not by_name.get(name.lower()) or not roots:
                continue
            root = _package_root(package, roots)
            if root is None:
                continue
            how = f"deployed by {data['attrs'].get('path', file_node)} (Azure/functions-action, line " \
                  f"{deploy.get('line')}): app-name {name}, package {package}"
            for app in by_name[name.lower()]:
                for endpoint in roots[root]:
                    graph.add_edge(app, endpoint, "exposes", by=how)
            for endpoint in roots[root]:
                graph.update_attrs(endpoint, function_app_link=how)
            linked.add((tree, root))
    return linked


def _package_root(package, roots: dict) -> str | None:
    """The code folder a deploy step's package names; a package that is none (a zip built
    earlier, an unresolved expression) names the only code folder there is."""
    if isinstance(package, str):
        folder = posixpath.normpath(package.strip().removeprefix("./")).strip("/")
        folder = "" if folder == "." else folder
        if folder in roots:
            return folder
    return next(iter(roots)) if len(roots) == 1 else None


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
