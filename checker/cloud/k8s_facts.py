"""Facts read from a Kubernetes pod spec (a Pod's `spec`, a Deployment's
`spec.template.spec`, a KServe predictor, a Seldon Core v1 SeldonDeployment's
`spec.predictors[].componentSpecs[].spec`), for the vocabulary's Kubernetes types.

Each function takes the pod spec as written and returns the normalised fact, or
UNRECOGNISED when the spec is not a mapping. Container settings override the pod's
(`securityContext.runAsNonRoot`, `runAsUser`), as the kubelet applies them
(Kubernetes docs, "Configure a Security Context for a Pod or Container").
"""
from __future__ import annotations

import re
from typing import Any

from .model import UNRECOGNISED, Unknown

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


def seldon_pod_spec(predictors: Any) -> Any:
    """A SeldonDeployment's `spec.predictors` read as one pod: the pod specs of every
    predictor's componentSpecs, each container carrying its own pod's security context (so
    a pod-level runAsNonRoot holds for its containers only) and the host namespaces of any
    of them. Prepackaged servers (`implementation:` with no componentSpecs) run containers
    the Seldon operator builds: their images and contexts are not in the file."""
    if not isinstance(predictors, list):
        return UNRECOGNISED
    merged: dict = {"containers": []}
    for predictor in predictors:
        specs = predictor.get("componentSpecs") if isinstance(predictor, dict) else None
        for component in specs if isinstance(specs, list) else ():
            spec = component.get("spec") if isinstance(component, dict) else None
            if not isinstance(spec, dict):
                continue
            pod = _context(spec)
            for c in containers(spec):
                context = {k: pod[k] for k in ("runAsNonRoot", "runAsUser") if k in pod} | _context(c)
                merged["containers"].append({**c, "securityContext": context})
            for key in ("hostNetwork", "hostPID", "hostIPC"):
                merged[key] = merged.get(key) is True or spec.get(key) is True
    return merged


def _pod_fact_from(spec_of, prefix: str, otherwise=None):
    """A pod fact read from the pod spec `spec_of` finds in another shape; what is not a
    mapping answers `otherwise` (None: what spec_of gave, e.g. an Unknown)."""
    def wrap(fact):
        def convert(value: Any) -> Any:
            spec = spec_of(value)
            if isinstance(spec, dict):
                return fact(spec)
            return spec if otherwise is None else otherwise
        convert.__name__ = f"{prefix}_{fact.__name__}"
        return convert
    return wrap


# A pod fact of a SeldonDeployment, read from its predictors' componentSpecs.
on_seldon = _pod_fact_from(seldon_pod_spec, "seldon", UNRECOGNISED)


def _list(value: Any) -> list:
    """A list as written; anything else (an expression, a lone string) holds no items."""
    return value if isinstance(value, list) else []


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


# A switch or setting written as an expression that cannot be resolved (Terraform: a
# variable, another resource's attribute) is an Unknown: a fact it decides is unknown
# unless another container or setting already decides it.


def _any_true(values: list) -> Any:
    """True when one value is true, else the first Unknown, else False."""
    if any(v is True for v in values):
        return True
    return next((v for v in values if isinstance(v, Unknown)), False)


def privileged(spec: Any) -> Any:
    if not isinstance(spec, dict):
        return UNRECOGNISED
    return _any_true([_context(c).get("privileged") for c in containers(spec)])


def host_network(spec: Any) -> Any:
    """hostNetwork (or hostPID / hostIPC: the same escape from the pod's isolation)."""
    if not isinstance(spec, dict):
        return UNRECOGNISED
    return _any_true([spec.get(key) for key in ("hostNetwork", "hostPID", "hostIPC")])


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
    unknown = None
    for c in items:
        mine = _context(c)
        user = mine.get("runAsUser", pod.get("runAsUser"))
        non_root = mine.get("runAsNonRoot", pod.get("runAsNonRoot"))
        if user == 0:
            return False
        if non_root is True or (isinstance(user, int) and not isinstance(user, bool) and user > 0):
            continue
        if isinstance(user, Unknown) or isinstance(non_root, Unknown):
            unknown = unknown or (user if isinstance(user, Unknown) else non_root)
            continue
        return False
    return unknown or True


def unpinned_images(spec: Any) -> Any:
    """Images of the pod not pinned by digest (`image@sha256:…`); unknown when none is
    known to be unpinned and an image is an expression."""
    if not isinstance(spec, dict):
        return UNRECOGNISED
    images = [c.get("image") for c in containers(spec) if c.get("image")]
    found = sorted({str(i) for i in images if not isinstance(i, Unknown) and "@sha256:" not in str(i)})
    return found or next((i for i in images if isinstance(i, Unknown)), [])


def model_server(spec: Any) -> Any:
    """The model server the pod runs (mlflow, triton, …), or None."""
    if not isinstance(spec, dict):
        return UNRECOGNISED
    for c in containers(spec):
        words = [c.get("image")] + _list(c.get("command")) + _list(c.get("args"))
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
        words = _list(c.get("command")) + _list(c.get("args"))
        words += [e.get("value") for e in _list(c.get("env")) if isinstance(e, dict)]
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


# Seldon Core v1 prepackaged servers (graph `implementation`) → the server they run.
SELDON_SERVERS = {"MLFLOW_SERVER": "mlflow", "SKLEARN_SERVER": "sklearn", "XGBOOST_SERVER": "xgboost",
                  "TENSORFLOW_SERVER": "tensorflow-serving", "TRITON_SERVER": "triton",
                  "HUGGINGFACE_SERVER": "huggingface", "TEMPO_SERVER": "tempo"}


def _graphs(predictors: Any):
    """Every node of every predictor's inference graph (a graph's `children` are graphs)."""
    stack = [p.get("graph") for p in predictors if isinstance(p, dict)] if isinstance(predictors, list) else []
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield node
            children = node.get("children")
            stack += children if isinstance(children, list) else []


def component_labels(predictors: Any) -> Any:
    """The pod labels a SeldonDeployment's componentSpecs give (each a pod template:
    `metadata.labels` beside `spec`); the labels its operator adds are not in the file."""
    if not isinstance(predictors, list):
        return UNRECOGNISED
    labels: dict = {}
    for predictor in predictors:
        specs = predictor.get("componentSpecs") if isinstance(predictor, dict) else None
        for component in specs if isinstance(specs, list) else ():
            meta = component.get("metadata") if isinstance(component, dict) else None
            if isinstance(meta, dict) and isinstance(meta.get("labels"), dict):
                labels.update({str(k): v for k, v in meta["labels"].items()})
    return labels


# What the KServe controller puts on a predictor's pods (pkg/constants: InferenceServicePodLabelKey,
# KServiceComponentLabel, RawDeploymentAppLabel with GetRawServiceLabel): the InferenceService's
# own labels, the predictor's `labels`, the InferenceService's name under its API group
# (serving.kserve.io, or KFServing's serving.kubeflow.org) and `component: predictor`; when the
# InferenceService asks for raw deployment mode (a Deployment, not a Knative revision: the
# `deploymentMode` annotation) also `app: isvc.<name>-predictor`. Unannotated, the mode is the
# cluster's default, not in the files: that label is not assumed.
KSERVE_GROUPS = ("serving.kserve.io", "serving.kubeflow.org")
_RAW_MODES = ("rawdeployment", "standard")


def kserve_pod_labels(obj: Any) -> Any:
    """The labels a KServe InferenceService's predictor pods carry, from the object; unknown
    when its name or a label is an expression, UNRECOGNISED when it is not one."""
    if not isinstance(obj, dict) or not isinstance(obj.get("metadata"), dict):
        return UNRECOGNISED
    group = str(obj.get("apiVersion", "")).split("/")[0]
    meta, spec = obj["metadata"], obj.get("spec")
    name = meta.get("name")
    if isinstance(name, Unknown):
        return name
    if group not in KSERVE_GROUPS or not isinstance(name, str) or not name:
        return UNRECOGNISED
    predictor = spec.get("predictor") if isinstance(spec, dict) else None
    found: dict = {}
    for value in (meta.get("labels"), predictor.get("labels") if isinstance(predictor, dict) else None):
        if value is not None:
            value = labels(value)
            if not isinstance(value, dict):
                return value
            found.update({str(k): v for k, v in value.items()})
    found.update({f"{group}/inferenceservice": name, "component": "predictor"})
    annotations = meta.get("annotations") if isinstance(meta.get("annotations"), dict) else {}
    mode = annotations.get(f"{group}/deploymentMode")
    if isinstance(mode, str) and mode.strip().lower() in _RAW_MODES:
        found["app"] = f"isvc.{name}-predictor"
    return found


def predictor_uris(predictor: Any) -> Any:
    """A KServe predictor's storage URI, as a list of model URIs."""
    uri = storage_uri(predictor)
    return uri if uri is UNRECOGNISED else [uri] if isinstance(uri, str) else []


def graph_uris(predictors: Any) -> Any:
    """Every `modelUri` of a SeldonDeployment's inference graphs (children included)."""
    if not isinstance(predictors, list):
        return UNRECOGNISED
    return sorted({g["modelUri"] for g in _graphs(predictors) if isinstance(g.get("modelUri"), str) and g["modelUri"]})


def storage_uris(value: Any) -> Any:
    """A Seldon Core v2 Model's `storageUri`, as a list of model URIs."""
    return [value] if isinstance(value, str) and value.strip() else UNRECOGNISED


def seldon_server(predictors: Any) -> Any:
    """What a SeldonDeployment runs: its prepackaged servers (`MLFLOW_SERVER` → mlflow) or
    the server its componentSpecs' containers run; `seldon` when neither says."""
    if not isinstance(predictors, list):
        return UNRECOGNISED
    found = sorted({SELDON_SERVERS.get(str(g.get("implementation")).upper(), str(g["implementation"]).lower())
                    for g in _graphs(predictors) if isinstance(g.get("implementation"), str)})
    if found:
        return ", ".join(found)
    return model_server(seldon_pod_spec(predictors)) or "seldon"


def _setting(settings: dict, name: str) -> Any:
    """A configuration setting by name, the key's case aside (InferenceRouterHA is written
    both ways in real files); None when absent."""
    for key, value in settings.items():
        if str(key).lower() == name.lower():
            return value
    return None


def inference_router(settings: Any) -> Any:
    """How the Azure ML Kubernetes extension publishes its inference router (azureml-fe),
    from the extension's configuration settings: `inferenceRouterServiceType` LoadBalancer
    / NodePort / ClusterIP, a LoadBalancer made internal by `internalLoadBalancerProvider:
    azure` ("loadbalancer-internal"). None when inference is not set up (no router type);
    UNRECOGNISED when a setting it needs is not text."""
    if not isinstance(settings, dict):
        return UNRECOGNISED
    kind = _setting(settings, "inferenceRouterServiceType")
    if kind is None or isinstance(kind, Unknown):       # not set up; a variable: its own reason
        return kind
    if not isinstance(kind, str):
        return UNRECOGNISED
    kind = kind.strip().lower()
    if kind != "loadbalancer":
        return kind
    provider = _setting(settings, "internalLoadBalancerProvider")
    if isinstance(provider, Unknown):
        return provider
    if provider is not None and not isinstance(provider, str):
        return UNRECOGNISED
    return "loadbalancer-internal" if str(provider or "").strip().lower() == "azure" else "loadbalancer"


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


# -- the Terraform kubernetes provider's spelling ------------------------------------------
# terraform-provider-kubernetes writes an object's fields in snake_case, nested objects as
# blocks (lists of one mapping in HCL and plan JSON; its newer versions write some as
# attributes, mappings) and repeated fields in the singular (`container`, `env`, `port`)
# (provider docs: kubernetes_deployment_v1, kubernetes_service_v1, kubernetes_ingress_v1,
# kubernetes_network_policy_v1). What the facts above read is put in the manifest's shape,
# so one set of facts judges both.


def blocks(value: Any) -> list[dict]:
    """A block or attribute object, or a list of them, as a list of mappings."""
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _block(value: Any) -> dict | None:
    found = blocks(value)
    return found[0] if found else None


_CONTEXT = (("privileged", "privileged"), ("run_as_non_root", "runAsNonRoot"), ("run_as_user", "runAsUser"))


def _terraform_context(value: Any) -> dict:
    """A security_context block; run_as_user is a string in the provider (to tell 0 from unset)."""
    context = _block(value) or {}
    out = {}
    for tf_name, name in _CONTEXT:
        setting = context.get(tf_name)
        if isinstance(setting, str) and setting.strip().isdigit():
            setting = int(setting)
        if setting is not None:
            out[name] = setting
    return out


def _terraform_container(container: dict) -> dict:
    return {"image": container.get("image"), "command": container.get("command"), "args": container.get("args"),
            "env": [{"name": e.get("name"), "value": e.get("value")} for e in blocks(container.get("env"))],
            "securityContext": _terraform_context(container.get("security_context"))}


def terraform_pod_spec(value: Any) -> Any:
    """A pod spec block (`spec`, `spec.template.spec`, …) in the manifest's shape; the
    Unknown when its containers are an expression (a dynamic block over a variable)."""
    spec = _block(value)
    if spec is None:
        return UNRECOGNISED
    for key in ("container", "init_container"):
        if isinstance(spec.get(key), Unknown):
            return spec[key]
    return {"containers": [_terraform_container(c) for c in blocks(spec.get("container"))],
            "initContainers": [_terraform_container(c) for c in blocks(spec.get("init_container"))],
            "securityContext": _terraform_context(spec.get("security_context")),
            "hostNetwork": spec.get("host_network"), "hostPID": spec.get("host_pid"),
            "hostIPC": spec.get("host_ipc")}


# A pod fact of a workload the Terraform kubernetes provider declares.
on_terraform = _pod_fact_from(terraform_pod_spec, "terraform")


def labels(value: Any) -> Any:
    """A label map (pod labels, a Service's selector); unknown when a value is an expression."""
    if not isinstance(value, dict):
        return UNRECOGNISED
    return next((v for v in value.values() if isinstance(v, Unknown)), None) or dict(value)


def terraform_selector(value: Any) -> Any:
    """A label selector block (`match_labels`, `match_expressions`) as the manifest's
    `matchLabels` / `matchExpressions`; an empty block selects every pod."""
    selector = _block(value)
    if selector is None:
        return UNRECOGNISED
    out: dict = {}
    if selector.get("match_labels") is not None:
        match = labels(selector["match_labels"])
        if not isinstance(match, dict):
            return match
        out["matchLabels"] = match
    expressions = blocks(selector.get("match_expressions"))
    if expressions:
        out["matchExpressions"] = [{"key": e.get("key"), "operator": e.get("operator"), "values": e.get("values")}
                                   for e in expressions]
    return out


def terraform_backend_services(spec: Any) -> Any:
    """The Service names an Ingress's backends write as text: kubernetes_ingress_v1
    (`default_backend` and `rule.http.path.backend`, each `service { name }`) and the legacy
    kubernetes_ingress (`backend { service_name }`). A name written as a reference to a
    Service resource is linked through that reference instead."""
    spec = _block(spec)
    if spec is None:
        return UNRECOGNISED
    backends = blocks(spec.get("default_backend")) + blocks(spec.get("backend"))
    for rule in blocks(spec.get("rule")):
        for http in blocks(rule.get("http")):
            for path in blocks(http.get("path")):
                backends += blocks(path.get("backend"))
    names = [b.get("service_name") for b in backends]
    names += [s.get("name") for b in backends for s in blocks(b.get("service"))]
    return sorted({n for n in names if isinstance(n, str) and n})


# -- an Ingress's backends, as a manifest writes them -----------------------------------------

def ingress_backends(item: dict) -> list[tuple[str, str]]:
    """(attribute path, service name) of an Ingress's backends: networking.k8s.io/v1
    (`backend.service.name`) and v1beta1 (`backend.serviceName`)."""
    spec = item.get("spec") if isinstance(item.get("spec"), dict) else {}
    found: list[tuple[str, str]] = []

    def backend(value: Any, path: str) -> None:
        if not isinstance(value, dict):
            return
        service = value.get("service")
        name = service.get("name") if isinstance(service, dict) else value.get("serviceName")
        if isinstance(name, str) and name:
            found.append((path, name))

    backend(spec.get("defaultBackend") or spec.get("backend"), "spec.defaultBackend")
    rules = spec.get("rules")
    for r, rule in enumerate(rules if isinstance(rules, list) else []):
        http = rule.get("http") if isinstance(rule, dict) else None
        paths = http.get("paths") if isinstance(http, dict) else None
        for p, entry in enumerate(paths if isinstance(paths, list) else []):
            if isinstance(entry, dict):
                backend(entry.get("backend"), f"spec.rules.{r}.http.paths.{p}.backend")
    return list(dict.fromkeys(found))


def backend_services(spec: Any) -> Any:
    """The Service names a manifest Ingress's backends give (v1 and v1beta1): linked by name
    in the Ingress's scope and namespace, as a Terraform backend written as text is."""
    if not isinstance(spec, dict):
        return UNRECOGNISED
    return sorted({name for _, name in ingress_backends({"spec": spec})})
