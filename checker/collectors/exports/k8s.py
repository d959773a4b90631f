"""`kubectl get … -o json` exports: what runs in a cluster.

A `{"apiVersion": "v1", "kind": "List", "items": [...]}` document (or one object that
came from a cluster: `metadata.uid` set). Each item becomes a resource of format
`k8s-export` whose provider type is its kind (`Service`, `Ingress`, `Deployment`,
`NetworkPolicy`, `InferenceService`, …), named `<namespace>/<kind>/<name>` (`_` for
cluster-scoped objects). An Ingress's backends are references to the Services of its
namespace in the same file. Secret values, `stringData` and the
`kubectl.kubernetes.io/last-applied-configuration` annotation (which can hold a whole
Secret manifest) are never recorded.
"""
from __future__ import annotations

from typing import Any

from ...cloud import RawResource, Reference
from ...cloud.k8s_facts import ingress_backends
from .common import NOT_RECORDED, without_secrets

FORMAT = "k8s-export"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
CLUSTER_SCOPED = "_"


def is_list(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("kind") == "List" and "items" in doc and "apiVersion" in doc


def is_live_object(doc: Any) -> bool:
    """One object `kubectl get <kind> <name> -o json` printed (a manifest in a repository has no uid)."""
    meta = doc.get("metadata") if isinstance(doc, dict) else None
    return (isinstance(meta, dict) and isinstance(meta.get("uid"), str) and isinstance(doc.get("kind"), str)
            and isinstance(doc.get("apiVersion"), str))


def problem(item: Any) -> str | None:
    """Why an item is not a Kubernetes object; None when it is one."""
    if not isinstance(item, dict):
        return "not an object"
    if not isinstance(item.get("kind"), str) or not item["kind"]:
        return "no kind"
    meta = item.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str) or not meta["name"]:
        return "no metadata.name"
    return None


def address(namespace: str, kind: str, name: str) -> str:
    return f"{namespace}/{kind}/{name}"


def recorded(item: dict) -> dict:
    """An object as it is recorded: a Secret's values, credential-named values and the
    last-applied annotation left out (a Secret's data keys kept)."""
    kind = item.get("kind")
    body = without_secrets({k: v for k, v in item.items() if k not in ("data", "stringData", "binaryData")
                            or kind != "Secret"})
    meta = body.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    if isinstance(annotations, dict) and LAST_APPLIED in annotations:
        annotations[LAST_APPLIED] = NOT_RECORDED
    if kind == "Secret":
        body["data_keys"] = sorted(str(k) for k in (item.get("data") or {}) if isinstance(item.get("data"), dict))
    return body


def resource(item: dict, line: int | None, scope: str) -> RawResource:
    kind, meta = item["kind"], item["metadata"]
    namespace = meta.get("namespace") if isinstance(meta.get("namespace"), str) else CLUSTER_SCOPED
    body = recorded(item)
    api = item.get("apiVersion") if isinstance(item.get("apiVersion"), str) else None
    refs = [Reference(path, address(namespace, "Service", svc), by="address", target_type="Service")
            for path, svc in ingress_backends(item)] if kind == "Ingress" else []
    return RawResource(FORMAT, kind, address(namespace, kind, meta["name"]), body, name=meta["name"],
                       api_version=api, line=line, declared=False, references=refs, scope=scope, kind_hint=kind)
