"""References between resources into edges, once every source is collected.

A reference resolves by address inside its scope (a Terraform module folder, an ARM or
Bicep file), by ARM resource id (compared from `providers/` on, so placeholders such as
`<SUBSCRIPTION_ID>` in the scope do not matter; declared resources are known by type and
name; a placeholder in the resource's own name resolves to nothing), or by type and name. The
vocabulary's links decide the edge kind (`in_workspace` for a compute or endpoint's
workspace, else `uses`). A reference that names nothing collected is kept as
`unresolved` with the reason; one whose target cannot be told statically is already an
unknown of its resource.
"""
from __future__ import annotations

import re
from collections import defaultdict

from ..graph import EstateGraph
from .vocabulary import fact_source, family_of, resource_type

RESOURCE_KINDS = ("resource", "endpoint", "deployment")
_PLACEHOLDER = re.compile(r"^(<[^>]*>|\{\{.*\}\}|\$\{.*\}|\$\(.*\)|\[.*\]|\*)$")


def arm_tail(arm_id: str) -> list[str]:
    """`…/providers/Microsoft.X/type/name[/child/name]` as lower-case segments after providers."""
    parts = [p for p in arm_id.strip().split("/") if p]
    lowered = [p.lower() for p in parts]
    if "providers" not in lowered:
        return []
    at = len(lowered) - 1 - lowered[::-1].index("providers")
    return [p.lower() for p in parts[at + 1:]]


def declared_tail(provider_type: str, name: str) -> list[str]:
    """The ARM id tail of a declared resource: namespace, type segments and name segments
    interleaved (`Microsoft.ML/workspaces/computes` named `ws/cpu`)."""
    types = provider_type.split("@")[0].lower().split("/")
    names = name.lower().split("/")
    if len(types) != len(names) + 1:
        return []
    tail = [types[0]]
    for t, n in zip(types[1:], names):
        tail += [t, n]
    return tail


def has_placeholder(segments: list[str]) -> bool:
    return any(_PLACEHOLDER.match(s) for s in segments)


class ResourceIndex:
    def __init__(self, graph: EstateGraph) -> None:
        self.by_address: dict[tuple[str, str], str] = {}
        self.by_name: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.tails: dict[tuple[str, ...], list[str]] = defaultdict(list)     # ARM id tail → nodes
        for nid, data in graph.nodes():
            if data["kind"] not in RESOURCE_KINDS or "provider_type" not in data["attrs"]:
                continue
            a = data["attrs"]
            self.by_address[(a.get("scope", ""), _full_address(a))] = nid
            name = a.get("name")
            if isinstance(name, str):
                self.by_name[(a["provider_type"].split("@")[0].lower(), name.lower())].append(nid)
                tail = declared_tail(a["provider_type"], name) if a.get("declared", True) else []
                if tail:
                    self.tails[tuple(tail)].append(nid)
            if not a.get("declared", True):
                tail = arm_tail(a.get("address", ""))
                if tail:
                    self.tails[tuple(tail)].append(nid)

    def find(self, scope: str, ref: dict) -> list[str]:
        target, by = str(ref.get("target", "")), ref.get("by", "address")
        if by == "address":
            hit = self.by_address.get((scope, target))
            return [hit] if hit else []
        if by == "arm_id":
            pattern = arm_tail(target)
            return sorted(set(self.tails.get(tuple(pattern), ()))) if pattern else []
        if by == "name" and ref.get("target_type"):
            return list(self.by_name.get((ref["target_type"].lower(), target.lower()), []))
        return []


def _full_address(attrs: dict) -> str:
    return f"{attrs['module']}.{attrs['address']}" if attrs.get("module") else attrs["address"]


def edge_kind(attrs: dict, attribute: str) -> str:
    rtype = resource_type(attrs.get("format", ""), attrs.get("provider_type", "").split("@")[0], attrs.get("properties"))
    family = family_of(attrs.get("format", ""))
    for link in rtype.links if rtype else ():
        if link.paths.get(family) == attribute:
            return link.edge
    return "uses"


def link_resources(graph: EstateGraph) -> None:
    index = ResourceIndex(graph)
    for nid, data in list(graph.nodes()):
        attrs = data["attrs"]
        if data["kind"] not in RESOURCE_KINDS or not attrs.get("references"):
            continue
        for ref in attrs["references"]:
            targets = [t for t in index.find(attrs.get("scope", ""), ref) if t != nid]
            if not targets:
                placeholder = ref.get("by") == "arm_id" and has_placeholder(arm_tail(str(ref.get("target"))))
                graph.note_unresolved(nid, f"reference {ref.get('attribute')}", ref.get("target"), (
                    f"{ref.get('attribute')} names a placeholder ({ref.get('target')}), not a resource"
                    if placeholder else f"{ref.get('attribute')} names {ref.get('target')}, which no "
                    "collected infrastructure source declares or exports"))
                continue
            for target in targets:
                graph.add_edge(nid, target, edge_kind(attrs, str(ref.get("attribute", ""))))


K8S_NAMESPACED = ("k8s_workload", "k8s_service", "k8s_ingress", "k8s_network_policy", "k8s_inference_service",
                  "k8s_seldon_model")
# a namespace resource's id, which the provider computes from its name (a reference to its
# metadata.name is that argument's value already: the Terraform evaluator reads it)
_NAMESPACE_NAME = re.compile(r"\.id$")


def link_kubernetes_objects(graph: EstateGraph) -> None:
    """What the Terraform kubernetes provider writes as references or as names, once every
    reference is an edge: a namespace named by a kubernetes_namespace resource's id takes
    that resource's name, and an Ingress --uses--> each Service its backends
    name as text, in its scope and namespace (a manifest's backends, and a Terraform
    backend written as a reference, are references already)."""
    hold_carried_objects(graph)
    _namespaces_from_references(graph)
    _link_backends_by_name(graph)


CARRIED = "carried_text"        # the type of a manifest node whose object a Terraform resource carries


def hold_carried_objects(graph: EstateGraph) -> None:
    """One object, one node: a YAML file a Terraform resource reads into the object it
    carries (`kubernetes_manifest` / `kubectl_manifest` with `yamldecode(file(…))`, `file()`,
    `templatefile()`: `carried_from`) is also a manifest the k8s collector reads on its own.
    The Terraform resource stands for the object (it deploys it; the file alone is its text):
    the manifest node is kept as evidence, typed `carried_text` with its facts left to the
    Terraform node (`carried_by` names it), and its edges (an Ingress of its folder naming
    the Service) are the Terraform node's too. The manifest is the one of that kind in the
    file, or the one of that kind and name (a template's text may name it otherwise)."""
    for nid, data in list(graph.nodes("resource")):
        attrs = data["attrs"]
        if not attrs.get("carried_from"):
            continue
        held = fact_source(attrs.get("format", ""), attrs.get("provider_type", ""), attrs.get("properties"))
        kind = str(held.provider_type).lower() if held.prefix else None     # no object carried: none
        for fid in attrs["carried_from"] if kind else ():
            found = [m for m in graph.in_edges(fid, "defined_in") if m != nid and _manifest_of(graph.node(m), kind)]
            if len(found) > 1:
                found = [m for m in found if graph.node(m)["attrs"].get("name") == attrs.get("name")]
            if len(found) == 1:
                _retire(graph, found[0], nid)


def _manifest_of(node: dict, kind: str) -> bool:
    """A manifest node of this kind, not already held by a resource."""
    a = node["attrs"]
    return node["kind"] in RESOURCE_KINDS and a.get("format") == "k8s" and a.get("type") != CARRIED and \
        str(a.get("provider_type", "")).lower() == kind


def _retire(graph: EstateGraph, manifest: str, carrier: str) -> None:
    """The manifest node as the carrier's text: no type or facts of its own for rules to
    judge, saying whose it is; its edges copied onto the carrier."""
    attrs = graph.node(manifest)["attrs"]
    rtype = resource_type("k8s", str(attrs.get("provider_type", "")), attrs.get("properties"))
    for fact in [f.name for f in rtype.facts] if rtype else ():
        attrs.pop(fact, None)
    for key in ("unknown", "fact_sources"):
        attrs.pop(key, None)
    where = graph.node(carrier)["attrs"].get("address", carrier)
    graph.update_attrs(manifest, carried_type=attrs.get("type"), type=CARRIED, carried_by=carrier,
                       coverage=f"the text of the object Terraform's {where} deploys (read with file() or "
                                "templatefile()): judged as that resource, not twice")
    held = graph.node(carrier)["attrs"].get("carried_manifests") or []
    graph.update_attrs(carrier, carried_manifests=sorted({*held, manifest}))
    for kind, src, dst in _edges(graph, manifest):
        src, dst = (carrier if src == manifest else src), (carrier if dst == manifest else dst)
        if src != dst:
            graph.add_edge(src, dst, kind)


def _edges(graph: EstateGraph, nid: str) -> list[tuple[str, str, str]]:
    """A node's edges to and from other resources and model versions, as (kind, source,
    target): not `defined_in`, which says where its own text is."""
    kinds = ("uses", "exposes", "in_workspace", "private_link", "serves")
    out = [(k, nid, t) for k in kinds for t in graph.out_edges(nid, k)]
    return out + [(k, s, nid) for k in kinds for s in graph.in_edges(nid, k)]


def _namespaces_from_references(graph: EstateGraph) -> None:
    """`metadata { namespace = kubernetes_namespace.ml.id }` is unknown to the collector (an
    id the provider computes); the namespace resource says its name, which the id is."""
    index = None
    for nid, data in graph.nodes("resource"):
        attrs = data["attrs"]
        unknown = (attrs.get("unknown") or {}).get("namespace")
        if attrs.get("type") not in K8S_NAMESPACED or not unknown \
                or not _NAMESPACE_NAME.search(str(unknown.get("expression", ""))):
            continue
        refs = [r for r in attrs.get("references", ()) if r.get("attribute") == unknown.get("attribute")]
        index = index or ResourceIndex(graph)
        targets = {t for r in refs for t in index.find(attrs.get("scope", ""), r)}
        names = {graph.node(t)["attrs"].get("name") for t in targets
                 if graph.node(t)["attrs"].get("type") == "k8s_namespace"}
        if len(names) != 1 or len(targets) != 1 or not isinstance(next(iter(names)), str):
            continue
        name = names.pop()
        sources = {**attrs.get("fact_sources", {}), "namespace": {
            "attribute": unknown.get("attribute"), "from": "set",
            "expression": f"{unknown.get('expression')} (the namespace resource's name: {name})"}}
        graph.update_attrs(nid, namespace=name, fact_sources=sources,
                           unknown={k: v for k, v in attrs["unknown"].items() if k != "namespace"})
        if not graph.node(nid)["attrs"]["unknown"]:
            del graph.node(nid)["attrs"]["unknown"]


def _link_backends_by_name(graph: EstateGraph) -> None:
    services: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    ingresses = []
    for nid, data in graph.nodes("resource"):
        attrs = data["attrs"]
        where = (attrs.get("scope", ""), attrs.get("namespace"))
        if attrs.get("type") == "k8s_service" and isinstance(attrs.get("name"), str):
            services[(*where, attrs["name"])].append(nid)
        elif attrs.get("type") == "k8s_ingress" and attrs.get("backend_services"):
            ingresses.append((nid, where, attrs["backend_services"]))
    for nid, where, names in ingresses:
        for name in names:
            for service in services.get((*where, name), ()):
                graph.add_edge(nid, service, "uses")


SERVED_BY_SERVICES = ("k8s_workload", "k8s_inference_service")


def link_service_selectors(graph: EstateGraph) -> None:
    """Kubernetes Service --exposes--> each workload of its scope and namespace whose pod
    labels hold every label of the Service's selector (a Service without a selector selects
    no pod: its endpoints are managed by hand)."""
    pods: dict[tuple[str, str], list[tuple[str, dict]]] = defaultdict(list)
    for nid, data in graph.nodes("resource"):
        attrs = data["attrs"]
        if attrs.get("type") in SERVED_BY_SERVICES and isinstance(attrs.get("pod_labels"), dict):
            pods[(attrs.get("scope", ""), attrs.get("namespace", ""))].append((nid, attrs["pod_labels"]))
    for nid, data in graph.nodes("resource"):
        attrs = data["attrs"]
        selector = attrs.get("selector")
        if attrs.get("type") != "k8s_service" or not isinstance(selector, dict) or not selector:
            continue
        for pod, labels in pods.get((attrs.get("scope", ""), attrs.get("namespace", "")), ()):
            if all(labels.get(k) == v for k, v in selector.items()):
                graph.add_edge(nid, pod, "exposes")
