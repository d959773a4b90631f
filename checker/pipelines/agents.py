"""Self-hosted CI agents to the network they run in (issue 10, MLC-PIPE-002).

A job's pool or runner label is joined to the infrastructure that declares it:
- Azure Pipelines `pool: name: X` → an `azuredevops_elastic_pool` named X (its agents run
  on the scale set its `azure_resource_id` names: Terraform or ARM/Bicep, each in a subnet)
  or a Managed DevOps Pool (`Microsoft.DevOpsInfrastructure/pools`) named X (its subnet);
- GitHub Actions `runs-on: X` → an Actions Runner Controller `AutoscalingRunnerSet` whose
  `runnerScaleSetName` (else `metadata.name`) is X; its runners are pods of the Kubernetes
  cluster the same tree declares, when it declares exactly one (the manifest does not name
  its cluster), and so sit in that cluster's node subnet.

Edges: job --runs_on--> the pool / runner scale set. The job records `agent_network`:
{"hosting": "self_hosted", "pools": [...], "subnets": [...], "virtual_networks": [...],
"peered": [...], "reaches": {workspace: why}, "names": {id: name}} or, where a link is missing, the same with
"missing": the fact that is not in the estate. A workspace is reachable when one of its
private endpoints sits in a subnet of the agents' virtual network or of one peered with it
(a Terraform `azurerm_virtual_network_peering` names both). Nothing is judged here.
"""
from __future__ import annotations

from collections import defaultdict

from ..graph import EstateGraph

POOL_TYPES = ("devops_elastic_pool", "managed_devops_pool")
RUNNER_SET_KIND = "autoscalingrunnerset"
PEERING_TYPES = ("azurerm_virtual_network_peering", "microsoft.network/virtualnetworks/virtualnetworkpeerings")
# GitHub labels that say what machine a runner is, not which one (runs-on: [self-hosted, linux, x64, …]).
GENERIC_LABELS = frozenset({"self-hosted", "linux", "windows", "macos", "x64", "arm", "arm64"})
MAX_HOPS = 3                     # pool → scale set → subnet


def link_agents(graph: EstateGraph) -> None:
    index = _Index(graph)
    for jid, data in list(graph.nodes("job")):
        attrs = data["attrs"]
        runner = attrs.get("runner")
        if not isinstance(attrs.get("system"), str) or not isinstance(runner, dict):
            continue
        names = _names(attrs["system"], runner)
        if not names:
            if runner.get("hosting") == "self_hosted":
                graph.update_attrs(jid, agent_network={"hosting": "self_hosted", "missing": (
                    f"its runner ({runner.get('raw')}) is named by generic labels only: which machines run it, "
                    "and in which network, is unknown")})
            continue
        pools = [p for n in names for p in index.pools.get((attrs["system"], n.lower()), ())]
        if not pools:
            if runner.get("hosting") == "self_hosted":
                graph.update_attrs(jid, agent_network={"hosting": "self_hosted", "missing": _undeclared(attrs["system"], names)})
            continue
        for pool in pools:
            graph.add_edge(jid, pool, "runs_on")
        graph.update_attrs(jid, agent_network=index.network(pools))


def _names(system: str, runner: dict) -> list[str]:
    """The names a job's runner may be declared under: the Azure pool, the GitHub labels
    that name a runner (an ARC scale set is `runs-on: <its name>`), GitLab tags."""
    if runner.get("hosting") == "hosted":
        return []
    if system == "azure_pipelines":
        return [runner["pool"]] if isinstance(runner.get("pool"), str) and runner["pool"].strip() else []
    labels = runner.get("labels") if isinstance(runner.get("labels"), list) else []
    return [x for x in labels if isinstance(x, str) and x.strip().lower() not in GENERIC_LABELS and "${{" not in x]


def _undeclared(system: str, names: list[str]) -> str:
    what = {"azure_pipelines": "an azuredevops_elastic_pool or Managed DevOps Pool",
            "github_actions": "an Actions Runner Controller AutoscalingRunnerSet"}.get(system, "a runner resource")
    return f"no collected infrastructure declares {', '.join(names)} ({what}): the network its agents run in is unknown"


class _Index:
    def __init__(self, graph: EstateGraph) -> None:
        self.graph = graph
        self.pools: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.clusters: dict[str | None, list[str]] = defaultdict(list)      # tree → k8s clusters
        self.runner_sets: list[str] = []
        self.peers: dict[str, set[str]] = defaultdict(set)
        self.endpoints: dict[str, list[tuple[str, str]]] = defaultdict(list)  # vnet → (workspace, endpoint)
        for nid, r in graph.nodes("resource"):
            a = r["attrs"]
            rtype, ptype = a.get("type"), str(a.get("provider_type", "")).lower()
            if rtype in POOL_TYPES and isinstance(a.get("name"), str):
                self.pools[("azure_pipelines", a["name"].lower())].append(nid)
            elif ptype == RUNNER_SET_KIND:
                spec = (a.get("properties") or {}).get("spec") or {}
                name = spec.get("runnerScaleSetName") if isinstance(spec, dict) else None
                name = name if isinstance(name, str) and name.strip() else a.get("name")
                if isinstance(name, str):
                    self.pools[("github_actions", name.lower())].append(nid)
                    self.runner_sets.append(nid)
            elif rtype == "k8s_cluster":
                self.clusters[self.tree(nid)].append(nid)
            elif ptype in PEERING_TYPES:
                vnets = [v for v in graph.out_edges(nid, "uses") if self.type(v) == "virtual_network"]
                for v in vnets:
                    self.peers[v].update(w for w in vnets if w != v)
            elif rtype == "private_endpoint":
                for ws in graph.out_edges(nid, "private_link"):
                    if self.type(ws) == "ml_workspace":
                        for vnet in self.vnets(self.subnets([nid])):
                            self.endpoints[vnet].append((ws, nid))

    def type(self, nid: str):
        return self.graph.node(nid)["attrs"].get("type")

    def tree(self, nid: str) -> str | None:
        for fid in self.graph.out_edges(nid, "defined_in"):
            return next((t for t in self.graph.in_edges(fid, "contains") if self.graph.node(t)["kind"] == "repo"), None)
        return None

    def subnets(self, starts: list[str]) -> list[str]:
        """Subnets reached from `starts` along `uses` (pool → scale set → subnet)."""
        found, frontier, seen = [], list(starts), set(starts)
        for _ in range(MAX_HOPS):
            following = []
            for nid in frontier:
                for nxt in self.graph.out_edges(nid, "uses"):
                    if nxt in seen or self.graph.node(nxt)["kind"] != "resource":
                        continue
                    seen.add(nxt)
                    (found if self.type(nxt) == "subnet" else following).append(nxt)
            frontier = following
        return sorted(found)

    def vnets(self, subnets: list[str]) -> list[str]:
        return sorted({v for s in subnets for v in self.graph.out_edges(s, "uses") if self.type(v) == "virtual_network"})

    def network(self, pools: list[str]) -> dict:
        starts, missing, via = list(pools), None, {}
        runner_sets = [p for p in pools if p in self.runner_sets]
        for rs in runner_sets:
            clusters = self.clusters.get(self.tree(rs), [])
            if len(clusters) == 1:
                starts += clusters
                via[rs] = f"{self.label(clusters[0])}, the only Kubernetes cluster its repository declares"
            else:
                missing = (f"the runner scale set {self.label(rs)} does not name its cluster and its tree declares "
                           f"{len(clusters) or 'no'} Kubernetes clusters: its network is unknown")
        subnets = self.subnets(starts)
        vnets = self.vnets(subnets)
        peered = sorted({p for v in vnets for p in self.peers.get(v, ()) if p not in vnets})
        reaches: dict[str, str] = {}
        for vnet in vnets + peered:
            for ws, endpoint in self.endpoints.get(vnet, ()):
                reaches.setdefault(ws, f"private endpoint {self.label(endpoint)} in {self.label(vnet)}"
                                   + (" (peered with the agents' network)" if vnet in peered else ""))
        if not subnets and missing is None:
            missing = (f"{', '.join(self.label(p) for p in pools)} is declared, but no subnet of its agents is "
                       "collected (the scale set or cluster it names, or its subnet, is not in the estate)")
        out = {"hosting": "self_hosted", "pools": sorted(pools), "subnets": subnets, "virtual_networks": vnets,
               "peered": peered, "reaches": reaches,
               "names": {n: self.label(n) for n in [*pools, *vnets, *peered]}}
        if via:
            out["clusters"] = via
        if missing and not vnets:
            out["missing"] = missing
        elif subnets and not vnets:
            out["missing"] = "the agents' subnet names a virtual network that is not collected"
        return out

    def label(self, nid: str) -> str:
        name = self.graph.node(nid)["attrs"].get("name")
        return name if isinstance(name, str) else nid
