"""Facts read from a Kubernetes pod spec (a Pod's `spec`, a Deployment's
`spec.template.spec`, a KServe predictor), for the vocabulary's Kubernetes types.

Each function takes the pod spec as written and returns the normalised fact, or
UNRECOGNISED when the spec is not a mapping. Container settings override the pod's
(`securityContext.runAsNonRoot`, `runAsUser`), as the kubelet applies them
(Kubernetes docs, "Configure a Security Context for a Pod or Container").
"""
from __future__ import annotations

import re
from typing import Any

from .model import UNRECOGNISED

# Model servers, by what their containers run: an image name or a command/argument word.
MODEL_SERVERS = (
    ("mlflow", re.compile(r"\bmlflow\b.*\bmodels?\s+serve\b|\bmlflow[\w./-]*serv", re.I)),
    ("triton", re.compile(r"tritonserver|triton-inference-server|nvcr\.io/nvidia/tritonserver", re.I)),
    ("torchserve", re.compile(r"\btorchserve\b|pytorch/torchserve", re.I)),
    ("tensorflow-serving", re.compile(r"tensorflow/serving|tensorflow_model_server", re.I)),
    ("kserve", re.compile(r"kserve/|kfserving/", re.I)),
    ("seldon", re.compile(r"seldonio/", re.I)),
    ("bentoml", re.compile(r"\bbentoml\b", re.I)),
    ("vllm", re.compile(r"\bvllm\b", re.I)),
    ("text-generation-inference", re.compile(r"text-generation-inference", re.I)),
)


def containers(spec: dict) -> list[dict]:
    found = []
    for key in ("initContainers", "containers"):
        items = spec.get(key)
        if isinstance(items, list):
            found += [c for c in items if isinstance(c, dict)]
    return found


def _context(item: dict) -> dict:
    context = item.get("securityContext")
    return context if isinstance(context, dict) else {}


def privileged(spec: Any) -> Any:
    if not isinstance(spec, dict):
        return UNRECOGNISED
    return any(_context(c).get("privileged") is True for c in containers(spec))


def host_network(spec: Any) -> Any:
    """hostNetwork (or hostPID / hostIPC: the same escape from the pod's isolation)."""
    if not isinstance(spec, dict):
        return UNRECOGNISED
    return any(spec.get(key) is True for key in ("hostNetwork", "hostPID", "hostIPC"))


def non_root_enforced(spec: Any) -> Any:
    """True when every container is kept from running as root: runAsNonRoot, or a non-zero
    runAsUser, on the container or else on the pod. Unset, the image's USER decides, and
    nothing stops it being root."""
    if not isinstance(spec, dict):
        return UNRECOGNISED
    pod = _context(spec)
    items = containers(spec)
    if not items:
        return UNRECOGNISED
    for c in items:
        mine = _context(c)
        user = mine.get("runAsUser", pod.get("runAsUser"))
        non_root = mine.get("runAsNonRoot", pod.get("runAsNonRoot"))
        if user == 0 or not (non_root is True or (isinstance(user, int) and user > 0)):
            return False
    return True


def unpinned_images(spec: Any) -> Any:
    """Images of the pod not pinned by digest (`image@sha256:…`)."""
    if not isinstance(spec, dict):
        return UNRECOGNISED
    return sorted({str(c.get("image")) for c in containers(spec) if "@sha256:" not in str(c.get("image", ""))
                   and c.get("image")})


def model_server(spec: Any) -> Any:
    """The model server the pod runs (mlflow, triton, …), or None."""
    if not isinstance(spec, dict):
        return UNRECOGNISED
    for c in containers(spec):
        words = [c.get("image")] + list(c.get("command") or []) + list(c.get("args") or [])
        text = " ".join(str(w) for w in words if isinstance(w, (str, int)))
        for name, pattern in MODEL_SERVERS:
            if pattern.search(text):
                return name
    return None


_MODEL_URI = re.compile(r"\bmodels:/[^\s\"',;]+")


def model_uris(spec: Any) -> Any:
    """MLflow registry URIs the pod's containers are given (`models:/churn@champion`,
    `models:/churn/7`) in their command, arguments or environment."""
    if not isinstance(spec, dict):
        return UNRECOGNISED
    found = set()
    for c in containers(spec):
        words = list(c.get("command") or []) + list(c.get("args") or [])
        words += [e.get("value") for e in c.get("env") or [] if isinstance(e, dict)]
        for word in words:
            if isinstance(word, str):
                found.update(_MODEL_URI.findall(word))
    return sorted(found)


def storage_uri(predictor: Any) -> Any:
    """Where a KServe predictor loads its model: `model.storageUri`, a framework's
    `storageUri` (v1beta1 `sklearn:`, `tensorflow:` …), or None."""
    if not isinstance(predictor, dict):
        return UNRECOGNISED
    for value in predictor.values():
        if isinstance(value, dict) and isinstance(value.get("storageUri"), str):
            return value["storageUri"]
    return None


# Ingress annotations that put authentication in front of the backends: ingress-nginx
# (external auth, basic auth), oauth2-proxy through nginx, Traefik middlewares (forward
# auth is configured there), Azure Application Gateway has none of its own.
AUTH_ANNOTATION = re.compile(r"^(nginx\.ingress\.kubernetes\.io/(auth-url|auth-type|auth-signin|auth-secret)|"
                             r"traefik\.ingress\.kubernetes\.io/router\.middlewares|"
                             r"alb\.ingress\.kubernetes\.io/auth-type|"
                             r"konghq\.com/plugins)$")


def auth_annotations(annotations: Any) -> Any:
    if not isinstance(annotations, dict):
        return UNRECOGNISED
    return sorted(k for k, v in annotations.items() if AUTH_ANNOTATION.match(str(k)) and v not in (None, "", "none"))


# Labels that keep a Knative / KServe service off the external gateway.
CLUSTER_LOCAL_LABELS = ("networking.knative.dev/visibility", "serving.knative.dev/visibility",
                        "networking.kserve.io/visibility")


def cluster_local(labels: Any) -> Any:
    if not isinstance(labels, dict):
        return UNRECOGNISED
    return any(labels.get(k) == "cluster-local" for k in CLUSTER_LOCAL_LABELS)
