"""CI jobs to the cloud identity they deploy with (issue 10, links to the access vocabulary).

- Azure Pipelines: each service connection a job's steps name (`azureSubscription`,
  `azureResourceManagerConnection`, `connectedServiceNameARM`, …) → the
  `azuredevops_serviceendpoint_azurerm` of that `service_endpoint_name`, and the federated
  credentials whose subject is `sc://<org>/<project>/<name>`; through either, the managed
  identity or application they sign in as.
- GitHub Actions: an `azure/login` step with `client-id` (OIDC) → the federated credentials
  of the repository whose subject is the one GitHub issues for the job: `environment:<name>`
  when the job has an environment, else `ref:refs/heads/…` / `ref:refs/tags/…` /
  `pull_request` (docs.github.com, "About security hardening with OpenID Connect": the
  default subject claim). `creds:` is a long-lived secret: no identity can be told from it.

Edges: job --uses--> each identity (or the connection / credential, when its identity is not
collected). The job records `ci_identities`: [{via, node, identity, auth, trusts, scope,
roles: [{role, scope_level, assignment}]}]; a credential that lets any job of a branch sign
in (no environment in its subject) says so in `scope`. An Azure step records the connection
it names with its `auth_scheme` (`service_connection_auth`) for MLC-PIPE-007.
"""
from __future__ import annotations

import re
from collections import defaultdict

from ..graph import EstateGraph

IDENTITY_TYPES = ("managed_identity", "application", "service_principal")
MAX_IDENTITIES = 20


def link_identities(graph: EstateGraph, repository_of) -> None:
    """`repository_of(job id)` → the job's repository key (github.com/o/r, dev.azure.com/o/p/_git/r) or None."""
    index = _Index(graph)
    if not index.any:
        return
    for jid, data in list(graph.nodes("job")):
        attrs = data["attrs"]
        system = attrs.get("system")
        if system == "azure_pipelines":
            found = _azure(graph, index, jid, attrs, repository_of(jid))
        elif system == "github_actions":
            found = _github(graph, index, jid, attrs, repository_of(jid))
        else:
            continue
        for entry in found:
            graph.add_edge(jid, entry["identity"] or entry["node"], "uses")
        if found:
            graph.update_attrs(jid, ci_identities=found[:MAX_IDENTITIES])


class _Index:
    def __init__(self, graph: EstateGraph) -> None:
        self.graph = graph
        self.connections: dict[str, list[str]] = defaultdict(list)
        self.credentials: dict[tuple[str, str], list[str]] = defaultdict(list)   # (provider, repository) → creds
        self.roles: dict[str, list[dict]] = defaultdict(list)
        for nid, r in graph.nodes("resource"):
            a = r["attrs"]
            if a.get("type") == "ci_service_connection":
                name = (a.get("properties") or {}).get("service_endpoint_name") or a.get("name")
                if isinstance(name, str):
                    self.connections[name.lower()].append(nid)
            elif a.get("type") == "federated_credential" and isinstance(a.get("ci_subject"), dict):
                repo = a["ci_subject"].get("repository")
                if isinstance(repo, str) and isinstance(a.get("ci_provider"), str):
                    self.credentials[(a["ci_provider"], repo.lower())].append(nid)
            elif a.get("type") == "role_assignment":
                for target in graph.out_edges(nid, "uses"):
                    if graph.node(target)["attrs"].get("type") in IDENTITY_TYPES:
                        self.roles[target].append({"role": a.get("role"), "scope_level": a.get("scope_level"),
                                                   "assignment": nid})
        self.any = bool(self.connections or self.credentials)

    def identity(self, nid: str) -> str | None:
        return next((t for t in self.graph.out_edges(nid, "uses")
                     if self.graph.node(t)["attrs"].get("type") in IDENTITY_TYPES), None)

    def entry(self, via: str, nid: str, auth: str | None, **facts) -> dict:
        identity = self.identity(nid)
        out = {"via": via, "node": nid, "identity": identity, "auth": auth, **facts,
               "roles": sorted(self.roles.get(identity, []), key=lambda r: r["assignment"]) if identity else []}
        if identity:
            out["identity_name"] = self.graph.node(identity)["attrs"].get("name")
        return out


def _azure(graph: EstateGraph, index: _Index, jid: str, attrs: dict, repository: str | None) -> list[dict]:
    project = _azure_project(repository)
    found = []
    for name in attrs.get("service_connections") or []:
        if not isinstance(name, str):
            continue
        for nid in index.connections.get(name.lower(), ()):
            auth = graph.node(nid)["attrs"].get("auth_scheme")
            found.append(index.entry(f"service connection {name}", nid, auth))
        for (provider, repo), creds in index.credentials.items():
            if provider != "azure_devops" or (project and repo != project):
                continue
            for nid in creds:
                trusts = graph.node(nid)["attrs"]["ci_subject"].get("trusts")
                if isinstance(trusts, str) and trusts.lower() == f"service connection {name.lower()}":
                    found.append(index.entry(f"federated credential of service connection {name}", nid,
                                             "workload_identity_federation", trusts=trusts))
    _record_steps(graph, index, jid)
    return found


def _record_steps(graph: EstateGraph, index: _Index, jid: str) -> None:
    """On each Azure step, the connections it names with how they authenticate."""
    from ..collectors.ci.azure.read import SERVICE_CONNECTION_INPUTS
    for sid in graph.out_edges(jid, "contains"):
        inputs = graph.node(sid)["attrs"].get("inputs")
        if not isinstance(inputs, dict):
            continue
        named = [v for k, v in inputs.items() if k.lower() in SERVICE_CONNECTION_INPUTS and isinstance(v, str)]
        facts = [{"name": n, "node": c, "auth_scheme": graph.node(c)["attrs"].get("auth_scheme")}
                 for n in named for c in index.connections.get(n.lower(), ())]
        if facts:
            graph.update_attrs(sid, service_connection_auth=facts)


def _azure_project(repository: str | None) -> str | None:
    """org/project of dev.azure.com/org/project/_git/repo (or org.visualstudio.com/project/_git/repo)."""
    if not repository:
        return None
    m = re.match(r"^(?:[^/]*@)?dev\.azure\.com/([^/]+)/([^/]+)/_git/", repository) or \
        re.match(r"^([^/.]+)\.visualstudio\.com/([^/]+)/_git/", repository)
    return f"{m.group(1)}/{m.group(2)}".lower() if m else None


def _github(graph: EstateGraph, index: _Index, jid: str, attrs: dict, repository: str | None) -> list[dict]:
    logins = [graph.node(s)["attrs"] for s in graph.out_edges(jid, "contains") if _azure_login(graph.node(s)["attrs"])]
    if not logins or not repository or not repository.startswith("github.com/"):
        return []
    if not any(isinstance(s.get("inputs"), dict) and s["inputs"].get("client-id") for s in logins):
        return []                                 # creds: a secret, not an identity the estate names
    creds = index.credentials.get(("github_actions", repository.removeprefix("github.com/").lower()), [])
    env = attrs.get("environment")
    environments = [n.lower() for n in (attrs.get("environment_names")
                                        or ([env.get("name")] if isinstance(env, dict) else [])) if isinstance(n, str)]
    found = []
    for nid in creds:
        trusts = graph.node(nid)["attrs"]["ci_subject"].get("trusts")
        if not isinstance(trusts, str):
            continue
        scope = _github_scope(trusts, environments)
        if scope:
            found.append(index.entry(f"federated credential ({trusts})", nid, "oidc", trusts=trusts, scope=scope))
    return found


def _azure_login(step: dict) -> bool:
    uses = step.get("uses")
    return isinstance(uses, dict) and str(uses.get("target") or "").lower() == "azure/login"


def _github_scope(trusts: str, environments: list[str]) -> str | None:
    """Whether the subject GitHub issues for a job matches `trusts`, and how wide it is: with
    an environment the subject is `environment:<name>`; without one, the ref or pull_request."""
    kind, _, value = trusts.partition(":")
    if environments:
        return "environment" if kind == "environment" and value.lower() in environments else None
    if kind == "ref":
        return "any branch" if "*" in value else "branch" if value.startswith("refs/heads/") else "ref"
    if trusts == "pull_request":
        return "pull request"
    return None
