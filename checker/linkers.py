"""Linkers: cross-source edges, built once every collector has run.

Each linker joins facts two collectors recorded independently (a run's git sha and a
repository's commits, a deployment's model reference and a registry's versions …).
A join that fails is recorded as an `unresolved` entry on the node with the raw value
and the reason — never a silent pass, never a crash. Snapshots are saved after linking,
so a replay needs no access to the sources.
"""
from __future__ import annotations

import bisect
import json
import posixpath
import re
from collections import defaultdict
from typing import Callable
from urllib.parse import parse_qs, urlparse

from .collectors import RepositoryReader
from .collectors.governance import link_repository_governance
from .cloud.function_links import link_function_code, link_functions_to_models, merge_site_config
from .cloud.links import link_kubernetes_objects, link_resources, link_service_selectors
from .cloud.model_uris import ModelIndex
from .collectors.models.links import link_model_artifacts
from .graph import EstateGraph
from .pipelines.links import link_pipelines

SHA = re.compile(r"^[0-9a-f]{7,64}$")


# -- run → commit -----------------------------------------------------------------

def link_runs_to_commits(graph: EstateGraph) -> None:
    """run --built_from--> every collected commit with the run's git sha."""
    by_sha: dict[str, list[str]] = defaultdict(list)
    for nid, data in graph.nodes("commit"):
        by_sha[data["attrs"]["sha"]].append(nid)
    shas = sorted(by_sha)
    repos = sorted(data["attrs"].get("path", nid) for nid, data in graph.nodes("repo")
                   if data["attrs"].get("vcs") == "git")
    for nid, data in graph.nodes("run"):
        sha = str(data["attrs"].get("git_commit") or "").strip().lower()
        if not sha:
            continue
        commits = by_sha.get(sha) or (_by_prefix(sha, shas, by_sha) if SHA.match(sha) else [])
        if commits:
            for commit in commits:
                graph.add_edge(nid, commit, "built_from")
            continue
        if repos:
            shown = ", ".join(repos[:5]) + (", …" if len(repos) > 5 else "")
            reason = (f"points at commit {sha[:12]}, which none of the {len(repos)} collected "
                      f"repositories ({shown}) contains: never pushed, or history was rewritten")
        else:
            reason = f"points at commit {sha[:12]}, but no git repository was collected"
        graph.note_unresolved(nid, "git_commit", sha, reason)


def _by_prefix(prefix: str, shas: list[str], by_sha: dict[str, list[str]]) -> list[str]:
    """Commits whose sha starts with an abbreviated one (MLflow may record short shas)."""
    found = []
    for i in range(bisect.bisect_left(shas, prefix), len(shas)):   # no slice: 100k shas
        if not shas[i].startswith(prefix):
            break
        found += by_sha[shas[i]]
    return found


def files_by_repo(graph: EstateGraph) -> dict[str, dict[str, str]]:
    """repo node → file path → file node."""
    index: dict[str, dict[str, str]] = defaultdict(dict)
    for fid, f in graph.nodes("file"):
        for repo in graph.in_edges(fid, "contains"):
            index[repo][f["attrs"]["path"]] = fid
    return index


# -- run → source file ----------------------------------------------------------------

def _suffix_match(source_name: str, paths) -> str | None:
    """The repo path that source_name ends with (the training machine's checkout is unknown)."""
    parts = source_name.replace("\\", "/").lstrip("/").split("/")
    for i in range(len(parts)):
        cand = "/".join(parts[i:])
        if cand in paths:
            return cand
    return None


def link_runs_to_source_files(graph: EstateGraph, repositories: dict[str, RepositoryReader]) -> None:
    """run --source_file--> the file `mlflow.source.name` names, inside the repo at the run's
    commit, as the collector that read the repository answers (RepositoryReader.files_at)."""
    files_in_repo = files_by_repo(graph)
    untracked = {path: fid for repo, files in files_in_repo.items() for path, fid in files.items()
                 if graph.node(fid)["attrs"].get("tracked") is False
                 or graph.node(repo)["attrs"].get("vcs") == "none"}
    for nid, data in list(graph.nodes("run")):   # the loop may add file nodes
        source = data["attrs"].get("source_name")
        if not source or data["attrs"].get("source_type") in ("PROJECT", "JOB"):
            continue
        commits = list(graph.out_edges(nid, "built_from"))
        linked = False
        for commit in commits:
            repo = next(graph.in_edges(commit, "contains"), None)
            sha = graph.node(commit)["attrs"]["sha"]
            reader = repositories.get(repo) if repo else None
            paths = reader.files_at(sha) if reader else None
            if paths is None:
                continue
            path = _suffix_match(source, paths)
            if path is None:
                continue
            fid = files_in_repo[repo].get(path)
            if fid is None:   # deleted since: the file as it was at that commit
                fid = graph.add_node("file", f"{repo.partition(':')[2]}/{path}",
                                     {"path": path, "tracked": True, "in_head": False, "at_commit": sha},
                                     None)
                graph.add_edge(repo, fid, "contains")
            elif graph.node(fid)["attrs"].get("tracked") is False:
                continue
            graph.add_edge(nid, fid, "source_file")
            linked = True
            break
        if linked:
            continue
        loose = _suffix_match(source, set(untracked))
        if loose:
            reason = (f"{source} exists only as an untracked file ({loose}) — "
                      "it was never committed")
        elif commits:
            reason = f"{source} is not in the repository at commit {graph.node(commits[0])['attrs']['sha'][:12]}"
        elif data["attrs"].get("git_commit"):
            reason = f"{source} cannot be checked: the run's commit is in no collected repository"
        else:
            reason = f"the run records no git commit: {source} was not run from a git repository"
        graph.note_unresolved(nid, "source_name", source, reason)


# -- datasets: pinned to a version or not ----------------------------------------------
#
# A derived fact MLC-DATA-002 (and any rule about data versions) reads: `pinned` and
# `pin_reason` on every dataset, decided here and nowhere else, from the raw references the
# collectors recorded (MLflow `source_uri`/`source`, Azure ML `reference`/`version_id`, DVC
# outputs) and one list of version markers (version_marker).

# Query parameters naming an object version: S3 versionId, Azure Blob versionid and
# snapshot, GCS generation; version/timestamp as lakeFS-style stores and HTTP APIs write them.
VERSION_QUERY = frozenset({"versionid", "version", "generation", "snapshot", "timestamp"})
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# azureml:<name>[:<version>] or azureml:<name>@<label> (Azure ML CLI v2 asset references).
_ASSET_REF = re.compile(r"^azureml:(?P<name>[^:@/]+)(?::(?P<version>[^:@/]*)|@(?P<label>[^:@/]*))?$")
# URIs start azureml://; an asset's ARM id as a reference starts azureml:/subscriptions/….
_DATASTORE_URI = re.compile(r"^azureml:/{1,2}(?:[^?#]*/)?datastores/[^/]+/paths/", re.I)
_JOB_OUTPUT_URI = re.compile(r"^azureml://jobs/[^/]+/outputs/[^/]+", re.I)
# azureml://[subscriptions/…/workspaces/…/ | registries/…/]data/<name>[/versions/<v> | /labels/<l>]
# (`datasets/`: the v1 name of the same collection)
_ASSET_URI = re.compile(r"^azureml:/{1,2}(?:[^?#]*/)?(?:data|datasets)/(?P<name>[^/]+)"
                        r"(?:/versions/(?P<version>[^/]+)|/labels/(?P<label>[^/]+))?/?$", re.I)
# hf://datasets/<owner>/<name>@<revision>/…: a Hugging Face dataset at one revision.
_HF_REVISION = re.compile(r"^hf://datasets/[^@]+@(?P<rev>[^/]+)", re.I)


def version_marker(ref: str, facts: dict) -> tuple[bool, str] | None:
    """(pinned, why) when a data reference, or a fact recorded beside it, says whether it
    names one immutable version; None when nothing in it does. The one list of markers."""
    if ref.startswith("azureml:"):
        return _azureml_marker(ref)
    if ref.startswith("dvc://") or facts.get("dvc_rev"):
        return True, "DVC revision"
    if facts.get("delta_table_version") is not None or facts.get("delta_table_timestamp"):
        return True, "Delta table version"
    hf = _HF_REVISION.match(ref)
    revision = facts.get("revision") or (hf["rev"] if hf else None)
    if revision and SHA.match(str(revision).lower()):
        return True, "dataset revision pinned to a commit"
    if facts.get("version_id") or _query_names_version(ref):
        return True, "object version in the URI"
    return None


def _azureml_marker(ref: str) -> tuple[bool, str]:
    """Azure ML references: an asset at a version is pinned; at a label, without a
    version, or a datastore path is not; a named job's output is fixed once it ran."""
    if _DATASTORE_URI.match(ref):
        return False, "datastore path has no version"
    if _JOB_OUTPUT_URI.match(ref):
        return True, "output of a named job run"
    asset = _ASSET_REF.match(ref) or _ASSET_URI.match(ref)
    if asset is None:
        return False, "unrecognised azureml URI"
    if asset["version"]:
        return True, "Azure ML asset version"
    if asset["label"] is not None:
        label = asset["label"] or "latest"
        return False, "latest label" if label == "latest" else f"label {label!r}"
    return False, "no version"


def _query_names_version(ref: str) -> bool:
    try:
        query = parse_qs(urlparse(ref).query)
    except ValueError:
        return False
    return any(key.lower() in VERSION_QUERY for key in query)


def data_reference(attrs: dict) -> str:
    """What a dataset node says its data is: MLflow's source URI, an Azure ML spec's
    reference, or, for an asset a spec defines, `azureml:<name>[:<version>]`."""
    ref = attrs.get("reference") or attrs.get("source_uri")
    if ref:
        return str(ref)
    if attrs.get("store") == "azureml-spec" and attrs.get("name") is not None:
        version = attrs.get("version")
        return f"azureml:{attrs['name']}" + (f":{version}" if version is not None else "")
    return ""


def unmarked_reason(attrs: dict, ref: str) -> str:
    """Why a reference with no version marker is not pinned, in its store's words."""
    if attrs.get("store") == "mlflow":
        return ("source is neither DVC-tracked nor a versioned asset"
                + (f" ({ref})" if ref else " (no source URI recorded)"))
    if _SCHEME.match(ref):
        return "URL has no version"
    return "local path" if ref else "no version"


def dvc_outputs(graph: EstateGraph) -> list[tuple[str, dict]]:
    """DVC datasets DVC stores (outs of .dvc files, dvc.yaml and dvc.lock) — not stage
    dependencies, which the DVC parser records too but DVC does not track."""
    return [(nid, d) for nid, d in graph.nodes("dataset")
            if d["attrs"].get("store") == "dvc" and d["attrs"].get("declared_in")]


class DvcOutputs:
    """Where DVC outputs are, to find the one a dataset reference names."""

    def __init__(self, graph: EstateGraph) -> None:
        self.by_path: dict[str, list[str]] = defaultdict(list)
        self.by_repo_path: dict[tuple[str, str], str] = {}
        for nid, d in dvc_outputs(graph):
            path = d["attrs"]["path"].rstrip("/")
            self.by_path[path].append(nid)
            if d["attrs"].get("repo"):
                self.by_repo_path[(d["attrs"]["repo"], path)] = nid

    def tracking(self, attrs: dict) -> list[str]:
        """The outputs holding a dataset's data: a repository path (an Azure ML spec's local
        input) is matched in its repository, the output itself or a folder above it; a path
        from another machine (an MLflow source) by the longest suffix that is an output."""
        repo, path = attrs.get("repo"), attrs.get("path")
        if repo and isinstance(path, str) and attrs.get("ref_kind") == "local":
            parts = posixpath.normpath(path).split("/")
            for i in range(len(parts), 0, -1):
                hit = self.by_repo_path.get((repo, "/".join(parts[:i])))
                if hit:
                    return [hit]
            return []
        if attrs.get("store") == "mlflow":
            return _dvc_match(str(attrs.get("source_uri") or ""), self.by_path)
        return []


def dataset_pin(attrs: dict, tracked: bool) -> tuple[bool, str]:
    """(pinned, pin_reason) of one dataset from its recorded facts."""
    if tracked or (attrs.get("store") == "dvc" and attrs.get("declared_in")):
        return True, "DVC-tracked output"
    ref = data_reference(attrs)
    facts = {**_json_object(attrs.get("source")), **attrs}
    return version_marker(ref, facts) or (False, unmarked_reason(attrs, ref))


def link_dataset_versions(graph: EstateGraph) -> None:
    """Every dataset: tracked_by the DVC output holding its data, and `pinned` /
    `pin_reason`. A DVC stage dependency that no DVC file declares as an output gets
    neither: DVC records its hash per stage (dvc.lock), not as a version of the data."""
    outputs = DvcOutputs(graph)
    for nid, data in list(graph.nodes("dataset")):
        attrs = data["attrs"]
        if attrs.get("store") == "dvc" and not attrs.get("declared_in"):
            continue
        holders = [] if attrs.get("store") == "dvc" else outputs.tracking(attrs)
        for dvc in holders:
            graph.add_edge(nid, dvc, "tracked_by")
        pinned, reason = dataset_pin(attrs, bool(holders))
        graph.update_attrs(nid, pinned=pinned, pin_reason=reason)


def _json_object(raw) -> dict:
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _dvc_match(uri: str, dvc_by_path: dict[str, list[str]]) -> list[str]:
    try:
        path = urlparse(uri).path if "://" in uri else uri
    except ValueError:          # not a parseable URL: nothing to match
        return []
    path = posixpath.normpath(path.replace("\\", "/")) if path else ""
    match = _suffix_match(path, dvc_by_path.keys()) if path else None
    return dvc_by_path[match] if match else []


# -- DVC outputs ↔ git files ---------------------------------------------------------------

def link_dvc_outputs_to_files(graph: EstateGraph) -> None:
    """A file that is a DVC output of the same tree is marked dvc_tracked (and linked)."""
    outs = DvcOutputs(graph).by_repo_path
    if not outs:
        return
    for repo, files in files_by_repo(graph).items():
        for path, fid in files.items():
            # The file itself, or a folder above it, is an output.
            parts = path.split("/")
            hit = next((outs[(repo, "/".join(parts[:i]))] for i in range(len(parts), 0, -1)
                        if (repo, "/".join(parts[:i])) in outs), None)
            if hit:
                graph.update_attrs(fid, dvc_tracked=True)
                graph.add_edge(hit, fid, "contains")


# -- deployments → model versions ---------------------------------------------------------

def link_deployments_to_models(graph: EstateGraph) -> None:
    """deployment --serves--> the model version its spec references (Azure ML or MLflow registry)."""
    versions: dict[str, dict[str, str]] = defaultdict(dict)
    for nid, data in graph.nodes("model_version"):
        a = data["attrs"]
        if a.get("name") is not None and a.get("version") is not None:
            versions[str(a["name"])].setdefault(str(a["version"]), nid)
    for nid, data in graph.nodes("deployment"):
        a = data["attrs"]
        name, version = a.get("model_name"), a.get("model_version")
        if not name:
            continue
        known = versions.get(str(name), {})
        if version in (None, "", "latest"):
            if known:
                latest = max(known, key=lambda v: (len(v), v))
                graph.add_edge(nid, known[latest], "serves")
                graph.update_attrs(nid, model_ref_pinned=False)
            else:
                graph.note_unresolved(nid, "model", f"{name}@latest",
                                f"model {name} (latest) is not in any collected registry")
            continue
        target = known.get(str(version))
        if target:
            graph.add_edge(nid, target, "serves")
        else:
            graph.note_unresolved(nid, "model", f"{name}:{version}",
                            f"model {name} version {version} is not in any collected registry")


def link_served_model_uris(graph: EstateGraph) -> None:
    """resource --serves--> the model version each of its `model_uris` names (a Kubernetes
    workload's `models:/…` in its command or environment, a KServe storageUri, a Seldon
    modelUri or storageUri; checker/cloud/model_uris.py)."""
    index = ModelIndex(graph)
    for nid, data in graph.nodes("resource"):
        uris = data["attrs"].get("model_uris")
        for uri in uris if isinstance(uris, list) else ():
            targets, why = index.resolve(str(uri))
            for target in targets:
                graph.add_edge(nid, target, "serves", uri=str(uri))
            if why:
                graph.note_unresolved(nid, f"model {uri}", uri, why)


def _compute_name(value) -> str | None:
    """The compute a CLI v2 spec names: `azureml:<name>`, an ARM id ending
    `computes/<name>`, or the plain name."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().removeprefix("azureml:")
    return text.rstrip("/").rsplit("/", 1)[-1].lower() or None


def link_kubernetes_online_deployments(graph: EstateGraph) -> None:
    """Azure ML Kubernetes online deployments onto the cluster that runs them. A
    deployment of `type: kubernetes` (kubernetesOnlineDeployment) runs on the attached
    Kubernetes compute its endpoint names (`compute: azureml:<name>` of a
    kubernetesOnlineEndpoint, or the deployment's own `compute`): deployment --uses--> that
    compute (a CLI v2 `type: kubernetes` compute or Terraform's
    azurerm_machine_learning_inference_cluster of that name), and an attached compute
    --uses--> the AKS cluster its `resource_id` names (the Terraform inference cluster's
    kubernetes_cluster_id is already a reference). The cluster's rules then reach the
    models it serves."""
    computes: dict[str, list[str]] = defaultdict(list)
    clusters: dict[str, list[str]] = defaultdict(list)
    attached_to: dict[str, str] = {}             # attached compute → the AKS cluster name it gives
    endpoint_compute: dict[str, str] = {}
    for nid, data in graph.nodes("resource"):
        a = data["attrs"]
        name = str(a.get("name") or "").lower()
        if a.get("type") == "ml_compute" and (a.get("compute_type") == "kubernetes" or a.get("provider_type") in (
                "kubernetes", "azurerm_machine_learning_inference_cluster")):
            computes[name].append(nid)
            cluster = (a.get("properties") or {}).get("resource_id")
            if isinstance(cluster, str) and "/managedclusters/" in cluster.lower():
                attached_to[nid] = cluster.rstrip("/").rsplit("/", 1)[-1].lower()
        elif a.get("type") == "k8s_cluster":
            clusters[name].append(nid)
        elif a.get("provider_type") == "kubernetes_online_endpoint":
            compute = _compute_name((a.get("properties") or {}).get("compute"))
            if compute:
                endpoint_compute[name] = compute
    for nid, data in list(graph.nodes("deployment")) + list(graph.nodes("resource")):
        a = data["attrs"]
        if not (a.get("type") == "kubernetes" or a.get("provider_type") == "kubernetes_online_deployment"):
            continue
        properties = a.get("properties") or {}
        endpoint = a.get("endpoint_name") or properties.get("endpoint_name")
        compute = _compute_name(a.get("compute") or properties.get("compute")) or \
            endpoint_compute.get(str(endpoint or "").lower())
        if not compute:
            continue
        for target in computes.get(compute, []):
            graph.add_edge(nid, target, "uses", role="compute")
        if not computes.get(compute):
            graph.note_unresolved(nid, "compute", f"azureml:{compute}",
                                  f"compute {compute} is not an attached Kubernetes compute of any collected source")
    for compute, cluster_name in attached_to.items():
        for cluster in clusters.get(cluster_name, []):
            graph.add_edge(compute, cluster, "uses", role="kubernetes_cluster")


# -- data and serving into the infrastructure ---------------------------------------------

# Azure Storage hosts in a data URI: https/wasbs/abfss/az… to <account>.blob|dfs.core.windows.net
# (sovereign clouds end otherwise: core.chinacloudapi.cn, core.usgovcloudapi.net).
_STORAGE_HOST = re.compile(
    r"^(?:https?|wasbs?|abfss?)://(?:[^@/?#]*@)?(?P<account>[a-z0-9]{3,24})\."
    r"(?:blob|dfs|file)\.core\.(?:windows\.net|chinacloudapi\.cn|usgovcloudapi\.net)(?:[:/?#]|$)", re.I)


def link_datasets_to_storage(graph: EstateGraph) -> None:
    """dataset --stored_in--> the storage account its URI names (Blob, ADLS Gen2, Files
    hosts), when that account is among the collected resources. Account names are
    globally unique, so the name decides; a name declared twice (two environments' IaC)
    links to each declaration."""
    accounts: dict[str, list[str]] = defaultdict(list)
    for nid, data in graph.nodes("resource"):
        a = data["attrs"]
        if a.get("type") == "storage_account" and isinstance(a.get("name"), str) and not a.get("existing"):
            accounts[a["name"].lower()].append(nid)
    if not accounts:
        return
    for nid, data in graph.nodes("dataset"):
        m = _STORAGE_HOST.match(data_reference(data["attrs"]))
        for account in accounts.get(m["account"].lower(), []) if m else ():
            graph.add_edge(nid, account, "stored_in")


def link_endpoints_to_deployments(graph: EstateGraph) -> None:
    """endpoint --exposes--> each deployment that names it (`endpoint_name`): the lineage
    deployment that serves a model version meets the endpoint resource whose network
    facts say who can reach it (declared in IaC, in a resource spec, or exported)."""
    endpoints: dict[str, list[str]] = defaultdict(list)
    for nid, data in graph.nodes("endpoint"):
        name = data["attrs"].get("name")
        if isinstance(name, str) and data["attrs"].get("type") != "function_http":   # a function is no ML endpoint
            endpoints[name].append(nid)
    for nid, data in graph.nodes("deployment"):
        for endpoint in endpoints.get(str(data["attrs"].get("endpoint_name")), []):
            graph.add_edge(endpoint, nid, "exposes")


def linkers(repositories: dict[str, RepositoryReader]) -> list[tuple[str, Callable[[EstateGraph], None]]]:
    """The linkers in the order they run (later ones read the edges earlier ones made)."""
    return [
        ("link_runs_to_commits", link_runs_to_commits),
        ("link_runs_to_source_files", lambda graph: link_runs_to_source_files(graph, repositories)),
        ("link_dvc_outputs_to_files", link_dvc_outputs_to_files),
        ("link_dataset_versions", link_dataset_versions),
        ("link_deployments_to_models", link_deployments_to_models),
        ("link_resources", link_resources),         # infrastructure references into edges
        ("merge_site_config", merge_site_config),   # ARM sites/config children into their function app
        ("link_datasets_to_storage", link_datasets_to_storage),
        ("link_endpoints_to_deployments", link_endpoints_to_deployments),
        ("link_kubernetes_objects", link_kubernetes_objects),   # Terraform-declared namespaces, backends
        ("link_service_selectors", link_service_selectors),
        ("link_served_model_uris", link_served_model_uris),
        ("link_kubernetes_online_deployments", link_kubernetes_online_deployments),
        ("link_function_code", link_function_code),           # function app → its HTTP functions
        ("link_functions_to_models", link_functions_to_models),
        ("link_pipelines", link_pipelines),     # CI jobs → specs, workspaces, environments (issue 10)
        ("link_repository_governance", link_repository_governance),   # after every run → commit edge
        ("link_model_artifacts", link_model_artifacts),       # model files ↔ model versions (issue 11)
    ]


def run_linkers(graph: EstateGraph, repositories: dict[str, RepositoryReader] | None = None) -> None:
    """Every linker; one that fails costs its own edges (a collection error), not the scan.
    `repositories` are the readers collectors offered (none when replaying a snapshot)."""
    for name, linker in linkers(repositories or {}):
        try:
            linker(graph)
        except Exception as exc:  # noqa: BLE001
            graph.error("linker", name, f"linker failed: {type(exc).__name__}: {exc}")
