"""Azure ML resource specs (CLI v2 YAML) as cloud resources (issue 8): workspaces,
computes (cluster, instance, attached Kubernetes), registries, and online endpoints and
deployments, each a `RawResource` of format `azureml` emitted through the vocabulary
(checker/cloud), so a workspace's `public_network_access` is the same fact whether it
came from this spec, Terraform, ARM, Bicep or an export.

Which files: a spec whose `$schema` names one of SCHEMA_TYPES (azureml.py dispatches it
here), or one without a `$schema` whose content says what it is — Azure/azureml-examples
ships `cli/resources/workspace/mvnet-*.yml` and `registry/*.yml` without one: a top-level
`name` with a workspace-only key (`managed_network`, `hbi_workspace`,
`customer_managed_key`, …), `replication_locations` (a registry) or `type: amlcompute` /
`computeinstance`. Online endpoints and deployments too: the same repository ships
`cli/endpoints/online/kubernetes/*.yml` without one (an endpoint: a `name` and an
`auth_mode` of key or aml_token; a deployment: a `name`, an `endpoint_name` and what an
online deployment holds — model, environment, code, instance settings —, `type` kubernetes,
managed or none; a batch deployment's keys make it none of ours). azureml.py reads those
for lineage as it reads the ones with a `$schema`.

Values: a placeholder (`<SUBSCRIPTION_ID>`, `{{ x }}`, `$(var)`, `${VAR}`) is an Unknown
(the fact is *cannot evaluate*), a value of the wrong type is a collection error with its
line and an Unknown too (never read as absent, which would apply the default). The
workspace's linked resources (`storage_account`, `key_vault`, `container_registry`,
`application_insights`, `customer_managed_key.key_vault`) are references by ARM id; a
deployment's `endpoint_name` a reference to the endpoint spec of that name. Endpoint and
deployment specs are also read by azureml.py for lineage, which reports their wrong
types: they are not reported twice. Passwords (`ssh_settings.admin_password`) are never
recorded. The CLI v2 compute schemas have no local-auth setting, so that fact is not
said by a spec.
"""
from __future__ import annotations

import re
from typing import Any

from . import CollectContext, FileRef
from ..cloud import RawResource, Reference, Unknown
from .resources import emit
from ..safeyaml import (Fields, TemplateYaml, YamlError, blank_markers, describe, expected, is_placeholder,
                        line_of, load_yaml)
from .exports.common import iso_minutes, linked_ids, without_secrets

FORMAT = "azureml"
PLACEHOLDER_REASON = "a placeholder, filled in when the template is rendered; not evaluated"
# A value that is a whole shell variable (`endpoint_name: $endpointName`, filled by envsubst
# or sed before `az ml … create`): no Azure ML name holds a `$`.
_SHELL_VARIABLE = re.compile(r"\$[A-Za-z_][A-Za-z0-9_]*")


def is_template_value(value: Any) -> bool:
    """A template marker (safeyaml.is_placeholder) or a value that is one shell variable."""
    return is_placeholder(value) or (isinstance(value, str) and _SHELL_VARIABLE.fullmatch(value.strip()) is not None)
# schema name (lower case, as azureml.schema_name gives it) → provider type (vocabulary, family azureml)
SCHEMA_TYPES = {
    "workspace": "workspace", "registry": "registry",
    "amlcompute": "amlcompute", "computeinstance": "computeinstance", "kubernetescompute": "kubernetes",
    "managedonlineendpoint": "online_endpoint", "kubernetesonlineendpoint": "kubernetes_online_endpoint",
    "managedonlinedeployment": "online_deployment", "kubernetesonlinedeployment": "kubernetes_online_deployment",
}
COMPUTE_TYPES = ("amlcompute", "computeinstance", "kubernetes")
# The types azureml.py also reads (and reports) for lineage.
LINEAGE_TYPES = frozenset({"online_endpoint", "kubernetes_online_endpoint", "online_deployment",
                           "kubernetes_online_deployment"})
_TEXT, _FLAG = ("text",), ("boolean", "text")
# Fields whose type the schemas fix, per provider type group: dotted path → safeyaml kinds.
FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "workspace": {
        "name": _TEXT, "kind": _TEXT, "public_network_access": _TEXT, "hbi_workspace": _FLAG,
        "image_build_compute": _TEXT, "primary_user_assigned_identity": _TEXT,
        "storage_account": _TEXT, "key_vault": _TEXT, "container_registry": _TEXT, "application_insights": _TEXT,
        "managed_network": ("mapping",), "managed_network.isolation_mode": _TEXT,
        "managed_network.outbound_rules": ("list", "mapping"),
        "customer_managed_key": ("mapping",), "customer_managed_key.key_vault": _TEXT,
        "customer_managed_key.key_uri": _TEXT, "tags": ("mapping",)},
    "compute": {
        "name": _TEXT, "type": _TEXT, "enable_node_public_ip": _FLAG, "ssh_public_access_enabled": _FLAG,
        "ssh_settings": ("mapping",), "idle_time_before_shutdown_minutes": ("integer",),
        "idle_time_before_shutdown": _TEXT, "network_settings": ("mapping",),
        "network_settings.subnet": _TEXT, "network_settings.vnet_name": _TEXT, "tags": ("mapping",)},
    "registry": {"name": _TEXT, "public_network_access": _TEXT, "replication_locations": ("list",),
                 "tags": ("mapping",)},
    "endpoint": {"name": _TEXT, "auth_mode": _TEXT, "public_network_access": _TEXT},
    "deployment": {"name": _TEXT, "endpoint_name": _TEXT, "egress_public_network_access": _TEXT},
}
WORKSPACE_KEYS = frozenset({"managed_network", "hbi_workspace", "customer_managed_key", "image_build_compute",
                            "primary_user_assigned_identity"})
# Cheap byte checks before a spec without $schema is loaded (most YAML is none of these).
_ANY_SCHEMA = re.compile(rb"""^[ \t-]*['"]?\$schema['"]?\s*:""", re.M)
_RESOURCE_KEY = re.compile(rb"""^(?:managed_network|hbi_workspace|customer_managed_key|image_build_compute|"""
                           rb"""primary_user_assigned_identity|replication_locations|auth_mode|endpoint_name|"""
                           rb"""type\s*:\s*['"]?(?:amlcompute|computeinstance)\b)""", re.M | re.I)
# Online endpoints and deployments without $schema (their schema kinds, as SCHEMA_TYPES
# names them): what tells them from other YAML with a name.
ONLINE_SCHEMAS = frozenset({"managedonlineendpoint", "kubernetesonlineendpoint", "managedonlinedeployment",
                            "kubernetesonlinedeployment"})
_ONLINE_AUTH_MODES = frozenset({"key", "aml_token"})
_DEPLOYMENT_KEYS = frozenset({"model", "environment", "code_configuration", "instance_type", "instance_count",
                              "request_settings", "liveness_probe", "readiness_probe", "scale_settings",
                              "environment_variables"})
_BATCH_DEPLOYMENT_KEYS = frozenset({"mini_batch_size", "output_action", "output_file_name", "retry_settings",
                                    "max_concurrency_per_instance", "error_threshold", "logging_level",
                                    "job_definition", "component"})


def group_of(provider_type: str) -> str:
    if provider_type in COMPUTE_TYPES:
        return "compute"
    if provider_type.endswith("_endpoint"):
        return "endpoint"
    if provider_type.endswith("_deployment"):
        return "deployment"
    return provider_type


def collect(ref: FileRef, doc: dict, schema_kind: str, ctx: CollectContext, read: Fields) -> None:
    """A spec with an azureml `$schema` (azureml.py's dispatch): emitted if it is a resource."""
    ptype = SCHEMA_TYPES.get(schema_kind)
    if ptype is None:
        return
    if group_of(ptype) == "compute" and isinstance(doc.get("type"), str) and doc["type"].strip():
        ptype = doc["type"].strip().lower()          # the file's own type wins (attached computes)
    silent = Fields(lambda reason, line: None)
    emit_spec(ref, doc, ptype, ctx, silent if ptype in LINEAGE_TYPES else read)


def collect_unschemaed(ref: FileRef, data: bytes, ctx: CollectContext, collector: str) -> tuple[str, Any] | None:
    """A resource spec without `$schema`, told by its content: the schema kind it was told
    to be (`workspace`, `kubernetesonlinedeployment`, …; `template` for a template of one)
    and its document (None for a template); None for other YAML. Only an online endpoint or
    deployment (ONLINE_SCHEMAS) still has something for the lineage parser, which reports
    its wrong types."""
    if not _RESOURCE_KEY.search(data) or _ANY_SCHEMA.search(data):
        return None
    try:
        doc = load_yaml(data, ref.display)
    except TemplateYaml as exc:
        if kind_by_content(_blank_load(data)):
            ctx.graph.update_attrs(ref.node, **exc.file_facts)
            return "template", None
        return None
    except YamlError:
        return None                 # not known to be a spec: another tool's YAML is none of ours
    ptype = kind_by_content(doc)
    if ptype is None:
        return None
    online = online_schema_by_content(doc)
    read = Fields(lambda reason, line: None) if online else \
        Fields(lambda reason, line: ctx.graph.error(collector, ref.display, reason, line))
    emit_spec(ref, doc, ptype, ctx, read)
    return online or next(kind for kind, t in SCHEMA_TYPES.items() if t == ptype), doc


def _blank_load(data: bytes) -> Any:
    try:
        return load_yaml(blank_markers(data))
    except YamlError:
        return None


def kind_by_content(doc: Any) -> str | None:
    """The provider type a spec without `$schema` is, from its keys; None for other YAML."""
    if not isinstance(doc, dict) or "name" not in doc:
        return None
    kind = doc.get("type")
    if isinstance(kind, str) and kind.strip().lower() in ("amlcompute", "computeinstance"):
        return kind.strip().lower()
    if isinstance(doc.get("replication_locations"), list):
        return "registry"
    if WORKSPACE_KEYS & doc.keys():
        return "workspace"
    online = online_schema_by_content(doc)
    return SCHEMA_TYPES[online] if online else None


def online_schema_by_content(doc: Any) -> str | None:
    """The schema kind (ONLINE_SCHEMAS) of an online endpoint or deployment spec without
    `$schema`; None for anything else (a batch deployment, another tool's YAML)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("name"), str):
        return None
    kind = doc.get("type").strip().lower() if isinstance(doc.get("type"), str) else None
    if isinstance(doc.get("endpoint_name"), str):
        if kind not in (None, "kubernetes", "managed") or _BATCH_DEPLOYMENT_KEYS & doc.keys() \
                or not _DEPLOYMENT_KEYS & doc.keys():
            return None
        return "kubernetesonlinedeployment" if kind == "kubernetes" else "managedonlinedeployment"
    auth = doc.get("auth_mode")
    if isinstance(auth, str) and auth.strip().lower() in _ONLINE_AUTH_MODES and kind in (None, "online"):
        # `target`: the 2021 preview CLI's spelling of the compute (k8sOnlineEndpoint schema)
        compute = doc.get("compute", doc.get("target"))
        return "kubernetesonlineendpoint" if isinstance(compute, str) and compute.strip() else \
            "managedonlineendpoint"
    return None


def emit_spec(ref: FileRef, doc: dict, ptype: str, ctx: CollectContext, read: Fields) -> str | None:
    """The spec's resource node; none for a template whose name is a placeholder (the file
    is recorded as not evaluated, as azureml.py records the other specs)."""
    if is_template_value(doc.get("name")):
        ctx.graph.update_attrs(ref.node, template=True,
                               not_evaluated=f"name {doc['name']!r} is {PLACEHOLDER_REASON}")
        return None
    group = group_of(ptype)
    props = without_secrets({k: v for k, v in doc.items() if k != "$schema"})
    props = _placeholders(props)
    for dotted, kinds in FIELDS.get(group, {}).items():
        _check(doc, props, dotted, kinds, read)
    expressions: dict[str, str] = {}
    if group == "compute":
        _idle_minutes(props, expressions)
    name = props.get("name")
    concrete = isinstance(name, str) and name.strip()
    raw = RawResource(FORMAT, ptype, name.strip() if concrete else ptype, props,
                      name=name.strip() if concrete else None,
                      line=line_of(doc), references=_references(doc, ptype), expressions=expressions,
                      scope=ref.display)
    return emit(ctx, ref, raw)


def _placeholders(value: Any) -> Any:
    """Every placeholder string an Unknown."""
    if isinstance(value, dict):
        return {k: _placeholders(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_placeholders(v) for v in value]
    if is_template_value(value):
        return Unknown(value, PLACEHOLDER_REASON)
    return value


def _check(doc: dict, props: dict, dotted: str, kinds: tuple[str, ...], read: Fields) -> None:
    """A field of the wrong type: reported at its line, and unknown in the properties."""
    *parents, key = dotted.split(".")
    source, target = doc, props
    for part in parents:
        source, target = source.get(part), target.get(part) if isinstance(target, dict) else None
        if not isinstance(source, dict) or not isinstance(target, dict):
            return
    if key not in source or source[key] is None or isinstance(target.get(key), Unknown):
        return
    if _is(source[key], kinds):
        return
    read.wrong(source, key, dotted, kinds)
    target[key] = Unknown(describe(source[key]), f"{dotted}: expected {expected(kinds)}, found "
                                                 f"{describe(source[key])}")


def _is(value: Any, kinds: tuple[str, ...]) -> bool:
    tests = {"text": lambda v: isinstance(v, str), "boolean": lambda v: isinstance(v, bool),
             "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
             "mapping": lambda v: isinstance(v, dict), "list": lambda v: isinstance(v, list)}
    return any(tests[k](value) for k in kinds)


def _idle_minutes(props: dict, expressions: dict) -> None:
    """`idle_time_before_shutdown: PT30M` (the SDK's ISO-8601 form) read as the minutes
    the vocabulary's path names, with the expression as written kept for the evidence."""
    if props.get("idle_time_before_shutdown_minutes") is not None or "idle_time_before_shutdown" not in props:
        return
    written = props["idle_time_before_shutdown"]
    if isinstance(written, Unknown) or written is None:
        if written is not None:
            props["idle_time_before_shutdown_minutes"] = written
        return
    minutes = iso_minutes(written)
    props["idle_time_before_shutdown_minutes"] = minutes if minutes is not None else Unknown(
        str(written), "idle_time_before_shutdown is not an ISO-8601 duration")
    expressions["idle_time_before_shutdown_minutes"] = f"idle_time_before_shutdown: {written}"


def _references(doc: dict, ptype: str) -> list[Reference]:
    refs = linked_ids(FORMAT, ptype, doc, skip=("workspace", "endpoint_name"))
    endpoint = doc.get("endpoint_name")
    if group_of(ptype) == "deployment" and isinstance(endpoint, str) and endpoint.strip() \
            and not is_template_value(endpoint):
        target_type = "kubernetes_online_endpoint" if ptype.startswith("kubernetes") else "online_endpoint"
        refs.append(Reference("endpoint_name", endpoint.strip(), by="name", target_type=target_type))
    return refs
