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
- `merge_site_config`: ARM and Bicep often configure a site in child resources
  (`Microsoft.Web/sites/config` named `web`, `authsettingsV2`, `authsettings`,
  `appsettings`); their settings become the function app's facts, the evidence naming the
  child resource. A child that sets nothing leaves the site as it was.
- `link_functions_to_models`: HTTP function --serves--> the model version each model
  URI it loads names (`models:/name/3`, `models:/name@alias`, `models:/name/Production`,
  `models:/name/latest`, a run's artifact `runs:/<id>/model`: checker/cloud/model_uris.py),
  among the collected registries;
  a URI read from an app setting (`os.environ["MODEL_URI"]`) is the value the function app
  exposing the function gives that setting (Terraform `app_settings`, ARM `appSettings`, an
  `appsettings` child), else the lookup's literal default. A `models:/` URI that names no
  collected version is noted unresolved.
"""
from __future__ import annotations

import json
import posixpath
from collections import defaultdict

from ..graph import EstateGraph
from .model_uris import ModelIndex
from .vocabulary import UNRECOGNISED, family_of, resource_type

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


# sites/config child name → {fact: the path in the child's properties}; `web` holds a
# SiteConfig, the site's properties.siteConfig (its facts' paths are derived below).
CONFIG_PATHS = {
    "authsettingsv2": {"auth_v2_enabled": "properties.platform.enabled"},
    "authsettings": {"auth_enabled": "properties.enabled"},
    "appsettings": {"account_key_settings": "properties"},
}
SITE_CONFIG = "properties.siteConfig."


def merge_site_config(graph: EstateGraph) -> None:
    for nid, data in list(graph.nodes("resource")):
        a = data["attrs"]
        if str(a.get("provider_type", "")).split("@")[0].lower() != "microsoft.web/sites/config" or \
                family_of(str(a.get("format", ""))) != "arm":
            continue
        sites = [t for t in graph.out_edges(nid, "uses") if graph.node(t)["attrs"].get("type") == "function_app"]
        name = str(a.get("name", a.get("address", ""))).rstrip("/").rpartition("/")[2].lower()
        if len(sites) == 1:
            _merge(graph, sites[0], nid, a, name)


def _merge(graph: EstateGraph, site: str, child: str, child_attrs: dict, name: str) -> None:
    site_attrs = graph.node(site)["attrs"]
    rtype = resource_type(site_attrs.get("format", ""), str(site_attrs.get("provider_type", "")).split("@")[0],
                          site_attrs.get("properties"))
    if rtype is None:
        return
    paths = dict(CONFIG_PATHS.get(name, {}))
    if name == "web":
        for fact in rtype.facts:
            path = fact.paths.get("arm")
            if path and path.startswith(SITE_CONFIG):
                paths[fact.name] = "properties." + path[len(SITE_CONFIG):]
    facts, sources, unknown = {}, dict(site_attrs.get("fact_sources", {})), dict(site_attrs.get("unknown", {}))
    where = child_attrs.get("address", child)
    for fact in rtype.facts:
        if fact.name not in paths:
            continue
        _, convert, _ = fact.for_source("arm", "microsoft.web/sites")
        value = _at(child_attrs.get("properties"), paths[fact.name])
        if value is None:
            continue
        attribute = f"{where}: {paths[fact.name]}"
        if isinstance(value, dict) and set(value) == {"unknown"}:
            unknown[fact.name] = {"expression": str(value["unknown"]), "attribute": attribute,
                                  "reason": "set in a sites/config resource to a value that cannot be resolved"}
            continue
        normal = convert(value)
        if normal is UNRECOGNISED:
            unknown[fact.name] = {"expression": str(value)[:300], "attribute": attribute,
                                  "reason": f"value {str(value)[:100]!r} is not one this provider documents"}
            continue
        if fact.name == "account_key_settings":
            normal = sorted(set(normal) | set(site_attrs.get(fact.name) or []))
        facts[fact.name] = normal
        shown = value if fact.quote else normal          # app settings: their names, never their values
        sources[fact.name] = {"attribute": attribute, "from": "set",
                              "expression": (shown if isinstance(shown, str) else json.dumps(shown, default=str))[:300]}
        unknown.pop(fact.name, None)
    if facts or unknown != site_attrs.get("unknown", {}):
        graph.update_attrs(site, **facts, fact_sources=sources, unknown=unknown)


def _at(value, dotted: str):
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def link_functions_to_models(graph: EstateGraph) -> None:
    index = ModelIndex(graph)
    for nid, data in graph.nodes("endpoint"):
        a = data["attrs"]
        if a.get("type") != "function_http":
            continue
        refs = [(r.get("uri"), {}) for r in a.get("model_refs") or [] if isinstance(r, dict)]
        refs += _setting_refs(graph, nid, a.get("unresolved_model_refs") or [])
        for uri, via in refs:
            if not isinstance(uri, str):
                continue
            targets, why = index.resolve(uri)
            for target in targets:
                graph.add_edge(nid, target, "serves", uri=uri, **via)
            if why:
                graph.note_unresolved(nid, "model", uri, why)


def _setting_refs(graph: EstateGraph, endpoint: str, unresolved: list) -> list[tuple[str, dict]]:
    """Model URIs a function reads from an app setting (`os.environ["MODEL_URI"]`): the value
    the function app that exposes it sets, else the literal default of the lookup."""
    out = []
    for ref in unresolved:
        name = ref.get("setting") if isinstance(ref, dict) else None
        if not isinstance(name, str):
            continue
        values = [(v, {"setting": name, "app": app}) for app in graph.in_edges(endpoint, "exposes")
                  for v in _app_setting(graph, app, name)]
        if not values and isinstance(ref.get("default"), str):
            values = [(ref["default"], {"setting": name, "from": "the lookup's default"})]
        out.extend(values)
    return out


def _app_setting(graph: EstateGraph, app: str, name: str) -> list[str]:
    """The literal values an app gives a setting: Terraform `app_settings`, ARM
    `siteConfig.appSettings`, an `appsettings` sites/config child."""
    props = graph.node(app)["attrs"].get("properties") or {}
    found = []
    tf = props.get("app_settings")
    if isinstance(tf, list) and len(tf) == 1:          # a block written as a one-item list
        tf = tf[0]
    if isinstance(tf, dict):
        found.append(tf.get(name))
    arm = _at(props, "properties.siteConfig.appSettings")
    if isinstance(arm, list):
        found += [s.get("value") for s in arm if isinstance(s, dict) and s.get("name") == name]
    for child in graph.in_edges(app, "uses"):
        c = graph.node(child)["attrs"]
        if str(c.get("provider_type", "")).split("@")[0].lower() == "microsoft.web/sites/config" and \
                str(c.get("name", "")).lower().endswith("/appsettings"):
            child_props = _at(c.get("properties"), "properties")
            if isinstance(child_props, dict):
                found.append(child_props.get(name))
    return [v for v in found if isinstance(v, str)]
