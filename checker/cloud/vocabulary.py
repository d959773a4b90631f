"""The one vocabulary: normalised resource types and facts, and where each fact sits in
each source family with the provider's default when the attribute is absent.

A source *format* (terraform, terraform-plan, arm, bicep, az-export, …) belongs to a
*family* whose attribute names it shares: Terraform HCL and plan JSON use the provider's
arguments; ARM, Bicep, azapi bodies, `az … show` exports and Resource Graph rows use the
ARM property paths; Azure ML CLI v2 YAML its snake_case keys; Kubernetes its manifests.
A fact names one dotted path per family (`public_network_access_enabled`,
`properties.publicNetworkAccess`, `public_network_access`), a conversion to the normalised
value, and the documented default per family — only where the provider documents one
(otherwise an absent attribute leaves the fact unknown). Sources: the provider docs cited
beside each default (terraform-provider-azurerm website/docs, Azure REST API specs, the
Azure ML CLI v2 YAML references, terraform-provider-aws/google docs).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from ..graph import iter_attr
from . import identity as iam
from . import k8s_facts as k8s
from . import network as net
from .model import UNRECOGNISED, Unknown

# format → family
FAMILIES = {
    "terraform": "terraform", "terraform-plan": "terraform",
    "azapi": "arm",                 # Terraform azapi_resource: an ARM type and body
    "arm": "arm", "bicep": "arm", "az-export": "arm", "resource-graph": "arm", "azure-export": "arm",
    "azureml": "azureml", "azureml-export": "azureml",
    "kubectl": "k8s", "k8s": "k8s", "k8s-export": "k8s",
}


# -- value conversions: provider spelling → normalised value ----------------------------
# A conversion returns UNRECOGNISED for a value the provider does not document: the fact is
# then unknown (with the value quoted), not silently true or false.


def flag(value: Any) -> Any:
    """Enabled/Disabled, true/false, "true"/"false" (ARM templates pass booleans as strings)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("enabled", "enable", "true", "yes", "on", "allow"):
            return True
        if text in ("disabled", "disable", "false", "no", "off", "deny"):
            return False
    return UNRECOGNISED


def remote_login(value: Any) -> Any:
    """A cluster's remoteLoginPortPublicAccess: Enabled/Disabled, or NotSpecified, which the
    API reference documents as "closed if VNet is defined, else open on all public nodes":
    the fact then depends on the subnet, which a template does not pin here."""
    if isinstance(value, str) and value.strip().lower() == "notspecified":
        return Unknown("NotSpecified", "NotSpecified: the SSH port is open unless the cluster is in a "
                                       "virtual network (Azure ML REST reference)")
    return flag(value)


def inverted(value: Any) -> Any:
    """A `disableX` / `X_disabled` attribute, as the fact `X` (enabled)."""
    result = flag(value)
    return result if result is UNRECOGNISED else not result


def _approved_connections(value: Any) -> Any:
    """How many private endpoint connections are in state Approved."""
    if not isinstance(value, list):
        return UNRECOGNISED
    states = [((c.get("properties") or {}).get("privateLinkServiceConnectionState") or {}).get("status")
              if isinstance(c, dict) else None for c in value]
    return sum(1 for s in states if isinstance(s, str) and s.lower() == "approved")


def _terraform_logs_enabled(attrs: Any) -> Any:
    """Any log category on: an `enabled_log` block (azurerm v3.39+: present means on) or a
    legacy `log` block whose `enabled` is not false (azurerm docs: defaults to true)."""
    if not isinstance(attrs, dict):
        return UNRECOGNISED
    blocks = lambda name: attrs.get(name) if isinstance(attrs.get(name), list) else \
        [attrs[name]] if isinstance(attrs.get(name), dict) else []        # noqa: E731
    if blocks("enabled_log"):
        return True
    return _any_on([flag(b.get("enabled", True)) for b in blocks("log") if isinstance(b, dict)])


def _arm_logs_enabled(logs: Any) -> Any:
    """Any entry of properties.logs with `enabled` true (category or categoryGroup)."""
    if not isinstance(logs, list):
        return UNRECOGNISED
    return _any_on([flag(entry.get("enabled")) for entry in logs if isinstance(entry, dict)])


def _any_on(states: list) -> Any:
    """True when one state is on, unknown when none is and one is unrecognised, else False."""
    if any(v is True for v in states):
        return True
    return UNRECOGNISED if any(v is UNRECOGNISED for v in states) else False


def lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else UNRECOGNISED


_WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake(value: Any) -> Any:
    """AllowOnlyApprovedOutbound / allow_only_approved_outbound → allow_only_approved_outbound;
    an acronym stays one word (ARM's AMLToken → aml_token, as the CLI YAML spells it)."""
    if not isinstance(value, str):
        return UNRECOGNISED
    out = _WORD_START.sub("_", value.strip())
    return re.sub(r"[-_\s]+", "_", out).strip("_").lower()


def tls(value: Any) -> Any:
    """TLS1_2 / TLS1.2 / 1.2 → "1.2"."""
    if not isinstance(value, str):
        return UNRECOGNISED
    digits = value.upper().replace("TLS", "").replace("_", ".").strip(". ")
    return digits if digits in ("1.0", "1.1", "1.2", "1.3") else UNRECOGNISED


def present(value: Any) -> bool:
    """A setting that counts when it holds anything: a key id, a subnet id, an SSH block."""
    if isinstance(value, (str, list, dict)):
        return bool(value)
    return value is not None


def _vertex_public(value: Any) -> Any:
    """A Vertex AI endpoint's `network` (a peered network: not public) or its Private
    Service Connect switch (on: not public; off: public)."""
    return not value if isinstance(value, (bool, str)) else UNRECOGNISED


def text(value: Any) -> Any:
    if isinstance(value, str):
        return value or None
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else UNRECOGNISED


def as_list(value: Any) -> Any:
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return UNRECOGNISED


def same(value: Any) -> Any:
    return value


# -- Azure Functions and App Service (issue 9): conversions ----------------------------------
_FTPS = {"allallowed": "all_allowed", "ftpsonly": "ftps_only", "disabled": "disabled"}


def _ftps(value: Any) -> Any:
    """AllAllowed / FtpsOnly / Disabled → all_allowed / ftps_only / disabled."""
    return _FTPS.get(value.strip().lower().replace("_", ""), UNRECOGNISED) if isinstance(value, str) else UNRECOGNISED


def _identity(value: Any) -> Any:
    """"SystemAssigned, UserAssigned" → "systemassigned,userassigned"; None → "none"."""
    if not isinstance(value, str):
        return UNRECOGNISED
    return ",".join(sorted(p.strip().lower() for p in value.split(",") if p.strip())) or "none"


def _restrictions(value: Any) -> Any:
    """Whether access restriction rules name who may call: a rule other than the implicit
    "Allow all" (ipAddress Any, action Allow) that `az … show` prints for an unrestricted app."""
    if not isinstance(value, list):
        return UNRECOGNISED
    return any(isinstance(r, dict) and not (
        str(r.get("ipAddress", r.get("ip_address", ""))).strip().lower() == "any"
        and str(r.get("action", "Allow")).strip().lower() == "allow") for r in value)


# A connection string with an account key or a shared access key, as written or as the
# expression that builds it (an ARM listKeys(), a Terraform storage account's key attribute).
_KEY_SHAPE = re.compile(r"(?i)(accountkey|sharedaccesskey)\s*=|listkeys\s*\(|"
                        r"\.(primary|secondary)(_blob)?_(connection_string|access_key)\b")


def _account_key_settings(value: Any) -> Any:
    """The names (never the values) of app settings whose value is shaped like a connection
    string that carries a key. Terraform: a map; ARM: a list of {name, value}."""
    if isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, list):
        pairs = [(s.get("name"), s.get("value")) for s in value if isinstance(s, dict)]
    else:
        return UNRECOGNISED
    return sorted({str(name) for name, v in pairs if isinstance(name, str) and _key_shaped(v)})


def _key_shaped(value: Any) -> bool:
    text = value if isinstance(value, str) else getattr(value, "expression", None)
    return isinstance(text, str) and bool(_KEY_SHAPE.search(text))


@dataclass(frozen=True)
class Default:
    """A provider default, applied when the attribute is absent, quoted in the evidence."""
    value: Any
    source: str                        # where the provider documents it
    api_from: str | None = None        # ARM: applies from this api-version on (inclusive)
    api_before: str | None = None      # ARM: applies before this api-version

    def applies(self, api_version: str | None) -> bool:
        if api_version is None:
            return self.api_from is None and self.api_before is None
        return ((self.api_from is None or api_version[:10] >= self.api_from)
                and (self.api_before is None or api_version[:10] < self.api_before))


@dataclass(frozen=True)
class Fact:
    """One normalised fact. `paths`, `convert` and `defaults` are keyed by family, or by a
    provider type (lower case) where one provider spells it its own way (EKS, GKE)."""
    name: str
    paths: dict[str, str | tuple[str, ...] | None]   # family or provider type → dotted attribute path,
                                                 # or alternatives (the first one set is read;
                                                 # None: this provider type has no such attribute)
    convert: Callable[[Any], Any] | dict[str, Callable[[Any], Any]] = flag
    defaults: dict[str, tuple[Default, ...]] = field(default_factory=dict)
    quote: bool = True          # False: evidence quotes the normalised value, never the source's
                                # (app settings: their names, not their values)
    id_reference: bool = False  # True: a Terraform reference to another resource's id
                                # (`azurerm_subnet.ml.id`, known after apply, never null) is set,
                                # its value the expression (a fact judged on being set or not)

    def for_source(self, family: str, provider_type: str) -> tuple[str | None, Callable, tuple[Default, ...]]:
        """(path, conversion, defaults) of this fact for one resource's source."""
        key = provider_type.lower()
        path = self.paths.get(key, self.paths.get(family))
        convert = self.convert
        if isinstance(convert, dict):
            convert = convert.get(key, convert.get(family, flag))
        return path, convert, self.defaults.get(key, self.defaults.get(family, ()))


@dataclass(frozen=True)
class Link:
    """An attribute that names another resource: the edge it becomes."""
    paths: dict[str, str]
    edge: str = "uses"                           # uses | in_workspace
    role: str = ""                               # e.g. storage, key_vault: kept on the edge


@dataclass(frozen=True)
class ResourceType:
    name: str
    provider_types: dict[str, tuple[str, ...]]   # family → provider type names (lower case)
    facts: tuple[Fact, ...] = ()
    links: tuple[Link, ...] = ()
    kind: str = "resource"                       # the graph node kind
    # family → where the resource's name sits (alternatives: the first set); absent: `name`
    name_path: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # family → (dotted path, value) that must hold too (one ARM type, several kinds)
    discriminator: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)


def _d(value: Any, source: str, **api) -> tuple[Default, ...]:
    return (Default(value, source, **api),)


AZURERM = "terraform-provider-azurerm docs"
# azurerm_machine_learning_inference_cluster attaches an AKS cluster: it has no node public
# IP, SSH, local auth or subnet arguments of its own, so those compute defaults do not apply
# (a path of None: the source cannot say).
NOT_ON_INFERENCE_CLUSTER: dict = {"azurerm_machine_learning_inference_cluster": None}
ML_YAML = "Azure ML CLI v2 YAML reference"

# Where each Kubernetes kind keeps its pod spec, and the namespace every object may name
# (absent: the namespace it is applied to; the objects of one folder are taken as one).
# Terraform's kubernetes provider declares the same objects (kubernetes_deployment_v1,
# kubernetes_service_v1, …): the same fields in its own spelling, read into the manifest's
# shape (checker/cloud/k8s_facts.py), its name in `metadata { name }`, and a namespace that
# defaults to "default" (terraform-provider-kubernetes, namespacedMetadataSchema).
TF_K8S = "terraform-provider-kubernetes"
TF_PODS = ("kubernetes_pod", "kubernetes_pod_v1")
TF_CRON_JOBS = ("kubernetes_cron_job", "kubernetes_cron_job_v1")
POD_SPEC = {"k8s": "spec.template.spec", "pod": "spec", "cronjob": "spec.jobTemplate.spec.template.spec",
            "terraform": "spec.template.spec", **dict.fromkeys(TF_PODS, "spec"),
            **dict.fromkeys(TF_CRON_JOBS, "spec.job_template.spec.template.spec")}
K8S_NAMESPACE = Fact("namespace", {"k8s": "metadata.namespace", "terraform": "metadata.namespace"}, convert=text,
                     defaults={"k8s": _d("", "no metadata.namespace: the namespace it is applied to"),
                               "terraform": _d("default", f"{TF_K8S}: metadata.namespace defaults to "
                                                          "\"default\"")})
K8S_NAME = {"terraform": ("metadata.name", "metadata.generate_name")}


def _pod_fact(name: str, fact: Callable) -> Fact:
    """A fact of a workload's pod spec, as a manifest or the Terraform provider writes it."""
    return Fact(name, POD_SPEC, convert={"k8s": fact, "terraform": k8s.on_terraform(fact)})

TYPES: tuple[ResourceType, ...] = (
    ResourceType(
        "ml_workspace",
        {"terraform": ("azurerm_machine_learning_workspace",),
         "arm": ("microsoft.machinelearningservices/workspaces",),
         "azureml": ("workspace",)},
        facts=(
            # public_access_behind_virtual_network_enabled: azurerm 3.x's deprecated spelling
            Fact("public_network_access",
                 {"terraform": ("public_network_access_enabled", "public_access_behind_virtual_network_enabled"),
                  "arm": "properties.publicNetworkAccess", "azureml": "public_network_access"},
                 defaults={"terraform": _d(True, f"{AZURERM}: public_network_access_enabled defaults to true"),
                           "arm": _d(True, "absent publicNetworkAccess is non-compliant in Azure Policy "
                                           "438c38d2; a public endpoint is on by default"),
                           "azureml": _d(True, "the workspace is reachable publicly unless "
                                               "public_network_access: disabled")}),
            Fact("isolation_mode",
                 {"terraform": "managed_network.isolation_mode", "arm": "properties.managedNetwork.isolationMode",
                  "azureml": "managed_network.isolation_mode"},
                 convert=snake,
                 defaults={f: _d("disabled", "no managed network: egress is not isolated "
                                 "(Azure Policy 6ddb1705's default)") for f in ("terraform", "arm", "azureml")}),
            Fact("outbound_rules",
                 {"arm": "properties.managedNetwork.outboundRules", "azureml": "managed_network.outbound_rules"},
                 convert=same),
            Fact("hbi",
                 {"terraform": "high_business_impact", "arm": "properties.hbiWorkspace", "azureml": "hbi_workspace"},
                 defaults={f: _d(False, f"{ML_YAML}: hbi_workspace defaults to false")
                           for f in ("terraform", "arm", "azureml")}),
            Fact("cmk",
                 {"terraform": "encryption.key_id", "arm": "properties.encryption.keyVaultProperties.keyIdentifier",
                  "azureml": "customer_managed_key.key_uri"},
                 convert=present,
                 defaults={f: _d(False, "service-managed keys unless a customer-managed key is set "
                                 "(Azure Policy ba769a63)") for f in ("terraform", "arm", "azureml")}),
            Fact("primary_user_assigned_identity",
                 {"terraform": "primary_user_assigned_identity", "arm": "properties.primaryUserAssignedIdentity",
                  "azureml": "primary_user_assigned_identity"},
                 convert=text,
                 defaults={f: _d(None, "the system-assigned identity is used (Azure Policy 5f0c7d88)")
                           for f in ("terraform", "arm", "azureml")}),
            Fact("image_build_compute",
                 {"terraform": "image_build_compute_name", "arm": "properties.imageBuildCompute",
                  "azureml": "image_build_compute"}, convert=text),
            Fact("kind", {"arm": "kind", "azureml": "kind"}, convert=lower),
            # Read-only: only an export of the deployed workspace holds it (Azure Policy 40cec1dd
            # counts its connections in state Approved).
            Fact("approved_private_endpoints", {"arm": "properties.privateEndpointConnections"},
                 convert=_approved_connections),
        ),
        links=(
            Link({"terraform": "storage_account_id", "arm": "properties.storageAccount",
                  "azureml": "storage_account"}, role="storage"),
            Link({"terraform": "key_vault_id", "arm": "properties.keyVault", "azureml": "key_vault"},
                 role="key_vault"),
            Link({"terraform": "container_registry_id", "arm": "properties.containerRegistry",
                  "azureml": "container_registry"}, role="container_registry"),
            Link({"terraform": "application_insights_id", "arm": "properties.applicationInsights",
                  "azureml": "application_insights"}, role="application_insights"),
            Link({"terraform": "encryption.key_vault_id",
                  "arm": "properties.encryption.keyVaultProperties.keyVaultArmId",
                  "azureml": "customer_managed_key.key_vault"}, role="cmk_key_vault"),
        )),
    ResourceType(
        "ml_compute",
        {"terraform": ("azurerm_machine_learning_compute_instance", "azurerm_machine_learning_compute_cluster",
                       "azurerm_machine_learning_inference_cluster"),
         "arm": ("microsoft.machinelearningservices/workspaces/computes",),
         "azureml": ("computeinstance", "amlcompute", "kubernetes")},
        facts=(
            Fact("compute_type",
                 {"arm": "properties.computeType", "azureml": "type"}, convert=lower),
            Fact("node_public_ip",
                 {"terraform": "node_public_ip_enabled", "arm": "properties.properties.enableNodePublicIp",
                  "azureml": "enable_node_public_ip", **NOT_ON_INFERENCE_CLUSTER},
                 defaults={"terraform": _d(True, f"{AZURERM}: node_public_ip_enabled defaults to true"),
                           "arm": _d(True, "Azure ML REST API (AmlComputeProperties, ComputeInstanceProperties): "
                                           "enableNodePublicIp defaults to true"),
                           "azureml": _d(True, f"{ML_YAML} (compute): enable_node_public_ip defaults to true")}),
            # A compute instance has no ssh_public_access_enabled in azurerm: its `ssh { public_key }`
            # block sets SSH up ("A ssh block", azurerm compute_instance docs; none: no SSH).
            Fact("ssh_public_access",
                 {"terraform": "ssh_public_access_enabled",
                  "azurerm_machine_learning_compute_instance": "ssh",
                  # ARM: a cluster's remoteLoginPortPublicAccess, an instance's sshSettings
                  "arm": ("properties.properties.remoteLoginPortPublicAccess",
                          "properties.properties.sshSettings.sshPublicAccess"),
                  "azureml": "ssh_public_access_enabled", **NOT_ON_INFERENCE_CLUSTER},
                 convert={"azurerm_machine_learning_compute_instance": present, "terraform": flag,
                          "arm": remote_login, "azureml": flag},
                 defaults={"terraform": _d(False, f"{AZURERM}: ssh_public_access_enabled defaults to false"),
                           "azurerm_machine_learning_compute_instance": _d(False, f"{AZURERM}: no ssh block, "
                                                                                  "no SSH access"),
                           "azureml": _d(False, f"{ML_YAML}: ssh_public_access_enabled defaults to false")}),
            Fact("local_auth",
                 {"terraform": "local_auth_enabled", "arm": "properties.disableLocalAuth",
                  **NOT_ON_INFERENCE_CLUSTER},
                 convert={"terraform": flag, "arm": inverted},
                 defaults={"terraform": _d(True, f"{AZURERM}: local_auth_enabled defaults to true"),
                           "arm": _d(True, "disableLocalAuth absent: local auth on (Azure Policy e96a9a5f)")}),
            Fact("subnet",
                 {"terraform": "subnet_resource_id", "arm": "properties.properties.subnet.id",
                  "azureml": "network_settings.subnet", **NOT_ON_INFERENCE_CLUSTER},
                 convert=text, id_reference=True,
                 defaults={f: _d(None, "not in a virtual network unless a subnet is set (Azure Policy 7804b5c7)")
                           for f in ("terraform", "arm", "azureml")}),
            Fact("idle_shutdown",
                 {"arm": "properties.properties.idleTimeBeforeShutdown",
                  "azureml": "idle_time_before_shutdown_minutes"},
                 convert=same,
                 defaults={f: _d(None, "no idle shutdown unless set (Azure Policy 679ddf89)")
                           for f in ("arm", "azureml")}),
        ),
        links=(Link({"terraform": "machine_learning_workspace_id", "arm": "parent", "azureml": "workspace"},
                    edge="in_workspace", role="workspace"),
               Link({"terraform": "subnet_resource_id", "arm": "properties.properties.subnet.id"},
                    role="subnet"))),
    ResourceType(
        "ml_registry",
        {"arm": ("microsoft.machinelearningservices/registries",), "azureml": ("registry",)},
        facts=(Fact("public_network_access",
                    {"arm": "properties.publicNetworkAccess", "azureml": "public_network_access"}),)),
    ResourceType(
        "ml_online_endpoint",
        {"arm": ("microsoft.machinelearningservices/workspaces/onlineendpoints",),
         "azureml": ("online_endpoint",)},
        kind="endpoint",
        facts=(
            Fact("public_network_access",
                 {"arm": "properties.publicNetworkAccess", "azureml": "public_network_access"},
                 defaults={f: _d(True, f"{ML_YAML} (online endpoint): public_network_access defaults to enabled")
                           for f in ("arm", "azureml")}),
            Fact("auth_mode", {"arm": "properties.authMode", "azureml": "auth_mode"}, convert=snake,
                 defaults={"azureml": _d("key", f"{ML_YAML} (online endpoint): auth_mode defaults to key")}),
        ),
        links=(Link({"arm": "parent", "azureml": "workspace"}, edge="in_workspace", role="workspace"),)),
    ResourceType(
        "ml_online_deployment",
        {"arm": ("microsoft.machinelearningservices/workspaces/onlineendpoints/deployments",),
         "azureml": ("online_deployment",)},
        kind="deployment",
        facts=(
            Fact("egress_public_network_access",
                 {"arm": "properties.egressPublicNetworkAccess", "azureml": "egress_public_network_access"},
                 defaults={f: _d(True, "Azure ML REST (online deployment): egressPublicNetworkAccess "
                                       "defaults to Enabled") for f in ("arm", "azureml")}),
        ),
        links=(Link({"arm": "parent", "azureml": "endpoint_name"}, edge="uses", role="endpoint"),)),
    ResourceType(
        "storage_account",
        {"terraform": ("azurerm_storage_account",), "arm": ("microsoft.storage/storageaccounts",)},
        facts=(
            # Attributes azurerm renamed are read in either spelling, the current one first:
            # allow_blob_public_access (2.x), enable_https_traffic_only (before 4.0).
            Fact("public_blob_access",
                 {"terraform": ("allow_nested_items_to_be_public", "allow_blob_public_access"),
                  "arm": "properties.allowBlobPublicAccess"},
                 defaults={"terraform": _d(True, f"{AZURERM}: allow_nested_items_to_be_public defaults to true"),
                           "arm": (Default(True, "Microsoft.Storage REST: before 2023-01-01 an absent "
                                                 "allowBlobPublicAccess is interpreted as true",
                                           api_before="2023-01-01"),
                                   Default(False, "Microsoft.Storage REST: from 2023-01-01 an absent "
                                                  "allowBlobPublicAccess is interpreted as false",
                                           api_from="2023-01-01"))}),
            Fact("public_network_access",
                 {"terraform": "public_network_access_enabled", "arm": "properties.publicNetworkAccess"},
                 defaults={"terraform": _d(True, f"{AZURERM}: public_network_access_enabled defaults to true"),
                           "arm": _d(True, "Microsoft.Storage: public network access is enabled unless set")}),
            Fact("default_network_action",
                 {"terraform": "network_rules.default_action", "arm": "properties.networkAcls.defaultAction"},
                 convert=lower,
                 defaults={f: _d("allow", "without network rules every network is allowed")
                           for f in ("terraform", "arm")}),
            Fact("https_only",
                 {"terraform": ("https_traffic_only_enabled", "enable_https_traffic_only"),
                  "arm": "properties.supportsHttpsTrafficOnly"},
                 defaults={"terraform": _d(True, f"{AZURERM}: https_traffic_only_enabled defaults to true"),
                           "arm": (Default(True, "Microsoft.Storage REST: HTTPS only by default from 2019-04-01",
                                           api_from="2019-04-01"),
                                   Default(False, "Microsoft.Storage REST: HTTP allowed by default before "
                                                  "2019-04-01", api_before="2019-04-01"))}),
            Fact("min_tls_version",
                 {"terraform": "min_tls_version", "arm": "properties.minimumTlsVersion"}, convert=tls,
                 defaults={"terraform": _d("1.2", f"{AZURERM}: min_tls_version defaults to TLS1_2"),
                           "arm": _d("1.0", "Microsoft.Storage REST: an absent minimumTlsVersion is "
                                            "interpreted as TLS 1.0")}),
            Fact("shared_key_access",
                 {"terraform": "shared_access_key_enabled", "arm": "properties.allowSharedKeyAccess"},
                 defaults={"terraform": _d(True, f"{AZURERM}: shared_access_key_enabled defaults to true"),
                           "arm": _d(True, "Microsoft.Storage REST: a null allowSharedKeyAccess is "
                                           "equivalent to true")}),
        )),
    ResourceType(
        "key_vault",
        {"terraform": ("azurerm_key_vault",), "arm": ("microsoft.keyvault/vaults",)},
        facts=(
            Fact("public_network_access",
                 {"terraform": "public_network_access_enabled", "arm": "properties.publicNetworkAccess"},
                 defaults={"terraform": _d(True, f"{AZURERM}: public_network_access_enabled defaults to true"),
                           "arm": _d(True, "Microsoft.KeyVault: public network access is enabled unless set")}),
            Fact("default_network_action",
                 {"terraform": "network_acls.default_action", "arm": "properties.networkAcls.defaultAction"},
                 convert=lower,
                 defaults={f: _d("allow", "without network ACLs every network is allowed")
                           for f in ("terraform", "arm")}),
            Fact("soft_delete",
                 {"terraform": "soft_delete_enabled", "arm": "properties.enableSoftDelete"},
                 defaults={"terraform": _d(True, f"{AZURERM} v3+: soft delete is always on"),
                           "arm": _d(True, "Microsoft.KeyVault REST: enableSoftDelete defaults to true")}),
            Fact("purge_protection",
                 {"terraform": "purge_protection_enabled", "arm": "properties.enablePurgeProtection"},
                 defaults={"terraform": _d(False, f"{AZURERM}: purge_protection_enabled defaults to false"),
                           "arm": _d(False, "Microsoft.KeyVault REST: purge protection is off unless set")}),
        )),
    ResourceType(
        "container_registry",
        {"terraform": ("azurerm_container_registry",), "arm": ("microsoft.containerregistry/registries",)},
        facts=(
            Fact("admin_user",
                 {"terraform": "admin_enabled", "arm": "properties.adminUserEnabled"},
                 defaults={f: _d(False, "the admin user is off unless enabled") for f in ("terraform", "arm")}),
            Fact("anonymous_pull",
                 {"terraform": "anonymous_pull_enabled", "arm": "properties.anonymousPullEnabled"},
                 defaults={f: _d(False, "anonymous pull is off unless enabled") for f in ("terraform", "arm")}),
            Fact("public_network_access",
                 {"terraform": "public_network_access_enabled", "arm": "properties.publicNetworkAccess"},
                 defaults={"terraform": _d(True, f"{AZURERM}: public_network_access_enabled defaults to true"),
                           "arm": _d(True, "Microsoft.ContainerRegistry: public network access is enabled "
                                           "unless set")}),
            Fact("default_network_action",
                 {"terraform": "network_rule_set.default_action",
                  "arm": "properties.networkRuleSet.defaultAction"}, convert=lower,
                 defaults={f: _d("allow", "without a network rule set every network is allowed")
                           for f in ("terraform", "arm")}),
        )),
    ResourceType(
        "k8s_cluster",
        {"terraform": ("azurerm_kubernetes_cluster", "aws_eks_cluster", "google_container_cluster"),
         "arm": ("microsoft.containerservice/managedclusters",)},
        facts=(
            Fact("private_cluster",
                 {"terraform": "private_cluster_enabled", "arm": "properties.apiServerAccessProfile.enablePrivateCluster",
                  "aws_eks_cluster": "vpc_config.endpoint_public_access",
                  "google_container_cluster": "private_cluster_config.enable_private_endpoint"},
                 convert={"aws_eks_cluster": inverted, "terraform": flag, "arm": flag},
                 defaults={"terraform": _d(False, "the API server is public unless the cluster is private"),
                           "arm": _d(False, "the API server is public unless the cluster is private"),
                           "aws_eks_cluster": _d(False, "terraform-provider-aws: endpoint_public_access "
                                                        "defaults to true")}),
            # azurerm before 4.0 also took the ranges top-level (api_server_authorized_ip_ranges,
            # deprecated in 3.x): either spelling is read, the block's first.
            Fact("authorized_ip_ranges",
                 {"terraform": ("api_server_access_profile.authorized_ip_ranges", "api_server_authorized_ip_ranges"),
                  "arm": "properties.apiServerAccessProfile.authorizedIPRanges",
                  "aws_eks_cluster": "vpc_config.public_access_cidrs",
                  "google_container_cluster": "master_authorized_networks_config.cidr_blocks"}, convert=as_list,
                 defaults={"terraform": _d([], "no authorized IP ranges: any address may reach the API server"),
                           "arm": _d([], "no authorized IP ranges: any address may reach the API server"),
                           "aws_eks_cluster": _d(["0.0.0.0/0"], "terraform-provider-aws: public_access_cidrs "
                                                                "defaults to 0.0.0.0/0")}),
            # EKS authorizes with IAM and Kubernetes RBAC, always on: no attribute, no default.
            Fact("rbac",
                 {"terraform": "role_based_access_control_enabled", "arm": "properties.enableRBAC",
                  "google_container_cluster": "enable_legacy_abac", "aws_eks_cluster": None},
                 convert={"google_container_cluster": inverted, "terraform": flag, "arm": flag},
                 defaults={"terraform": _d(True, f"{AZURERM}: role_based_access_control_enabled defaults to "
                                                 "true"),
                           "google_container_cluster": _d(True, "terraform-provider-google: "
                                                                "enable_legacy_abac defaults to false")}),
            Fact("local_accounts",
                 {"terraform": "local_account_disabled", "arm": "properties.disableLocalAccounts"},
                 convert=inverted,
                 defaults={"azurerm_kubernetes_cluster": _d(True, "local accounts are enabled unless disabled"),
                           "arm": _d(True, "local accounts are enabled unless disabled")}),
            Fact("node_public_ip",     # enable_node_public_ip: azurerm before 4.0
                 {"terraform": ("default_node_pool.node_public_ip_enabled", "default_node_pool.enable_node_public_ip"),
                  "arm": "properties.agentPoolProfiles.0.enableNodePublicIP",
                  "google_container_cluster": "private_cluster_config.enable_private_nodes"},
                 convert={"google_container_cluster": inverted, "terraform": flag, "arm": flag},
                 defaults={"azurerm_kubernetes_cluster": _d(False, "node pools get no public IPs unless enabled"),
                           "arm": _d(False, "node pools get no public IPs unless enabled"),
                           "google_container_cluster": _d(True, "terraform-provider-google: nodes have public "
                                                                "IPs unless enable_private_nodes")}),
        ),
        links=(Link({"terraform": "default_node_pool.vnet_subnet_id",
                     "arm": "properties.agentPoolProfiles.0.vnetSubnetID"}, role="subnet"),)),
    ResourceType(
        "sagemaker_domain", {"terraform": ("aws_sagemaker_domain",)},
        facts=(Fact("public_network_access", {"terraform": "app_network_access_type"},
                    convert=lambda v: {"publicinternetonly": True, "vpconly": False}.get(
                        v.lower() if isinstance(v, str) else "", UNRECOGNISED),
                    defaults={"terraform": _d(True, "terraform-provider-aws: app_network_access_type "
                                                    "defaults to PublicInternetOnly")}),)),
    ResourceType(
        "sagemaker_notebook_instance", {"terraform": ("aws_sagemaker_notebook_instance",)},
        facts=(Fact("public_network_access", {"terraform": "direct_internet_access"},
                    defaults={"terraform": _d(True, "terraform-provider-aws: direct_internet_access "
                                                    "defaults to Enabled")}),
               Fact("root_access", {"terraform": "root_access"},
                    defaults={"terraform": _d(True, "terraform-provider-aws: root_access defaults to Enabled")}),
               Fact("subnet", {"terraform": "subnet_id"}, convert=text, id_reference=True,
                    defaults={"terraform": _d(None, "no VPC unless subnet_id is set")}))),
    # A diagnostic setting sends a resource's logs somewhere (Log Analytics, storage, Event
    # Hubs): Azure Policy afe0c3be wants one with logs enabled for every ML workspace. Its
    # target is a reference (Terraform target_resource_id; ARM/Bicep the extension `scope`).
    ResourceType(
        "diagnostic_setting",
        {"terraform": ("azurerm_monitor_diagnostic_setting",), "arm": ("microsoft.insights/diagnosticsettings",)},
        facts=(Fact("logs_enabled", {"terraform": "", "arm": "properties.logs"},
                    convert={"terraform": _terraform_logs_enabled, "arm": _arm_logs_enabled}, quote=False,
                    defaults={"arm": _d(False, "no properties.logs: no log category is sent")}),)),
    ResourceType(
        "sagemaker_model", {"terraform": ("aws_sagemaker_model",)},
        facts=(Fact("network_isolation", {"terraform": "enable_network_isolation"},
                    defaults={"terraform": _d(False, "CreateModel API: EnableNetworkIsolation unset, the "
                                                     "container may call out (AWS Config "
                                                     "sagemaker-model-isolation-enabled: non-compliant)")}),
               Fact("vpc", {"terraform": "vpc_config"}, convert=present,
                    defaults={"terraform": _d(False, "terraform-provider-aws: no vpc_config, the container "
                                                     "runs in SageMaker's network")}))),
    ResourceType(
        "vertex_workbench_instance", {"terraform": ("google_workbench_instance", "google_notebooks_instance")},
        # The legacy google_notebooks_instance spells it no_public_ip ("If true, no public IP will
        # be assigned", terraform-provider-google docs; absent: false, a public IP).
        facts=(Fact("public_ip", {"terraform": "gce_setup.disable_public_ip",
                                  "google_notebooks_instance": "no_public_ip"}, convert=inverted,
                    defaults={"terraform": _d(True, "Notebooks API: disablePublicIp false unless set: an "
                                                    "external IP is assigned")}),)),
    # Vertex AI online prediction endpoints: public (reached over the internet with IAM
    # credentials) unless peered with a VPC network (`network`, private services access) or
    # exposed through Private Service Connect; the two exclude each other
    # (terraform-provider-google docs, google_vertex_ai_endpoint).
    ResourceType(
        "vertex_endpoint", {"terraform": ("google_vertex_ai_endpoint",)},
        kind="endpoint",
        facts=(Fact("public_network_access",
                    {"terraform": ("network", "private_service_connect_config.enable_private_service_connect")},
                    convert=_vertex_public,
                    defaults={"terraform": _d(True, "Vertex AI Endpoint: without network or "
                                                    "private_service_connect_config the endpoint is public")}),)),
    # Vector Search index endpoints: unlike a prediction endpoint, public only when asked:
    # `public_endpoint_enabled` ("if true, the deployed index will be accessible through
    # public endpoint"); otherwise reached through a peered VPC network (`network`) or
    # Private Service Connect, which exclude each other (terraform-provider-google docs,
    # google_vertex_ai_index_endpoint).
    ResourceType(
        "vertex_index_endpoint", {"terraform": ("google_vertex_ai_index_endpoint",)},
        kind="endpoint", name_path={"terraform": ("display_name",)},    # `name` is the id Vertex assigns
        facts=(Fact("public_network_access", {"terraform": "public_endpoint_enabled"},
                    defaults={"terraform": _d(False, "terraform-provider-google docs: without "
                                                     "public_endpoint_enabled the index endpoint has no "
                                                     "public endpoint")}),
               Fact("vpc_network", {"terraform": "network"}, convert=text),
               Fact("private_service_connect",
                    {"terraform": "private_service_connect_config.enable_private_service_connect"},
                    defaults={"terraform": _d(False, "no private_service_connect_config: no Private "
                                                     "Service Connect")}))),
    # -- Kubernetes serving (issue 9) --------------------------------------------------------
    # Manifests in repositories (format k8s) and `kubectl get -o json` lists (k8s-export):
    # the provider type is the object's kind. Facts of pods are read from the pod spec where
    # each kind keeps it (checker/cloud/k8s_facts.py).
    ResourceType(
        "k8s_workload",
        {"k8s": ("deployment", "statefulset", "daemonset", "replicaset", "replicationcontroller", "pod",
                 "job", "cronjob"),
         "terraform": ("kubernetes_deployment", "kubernetes_deployment_v1", "kubernetes_stateful_set",
                       "kubernetes_stateful_set_v1", "kubernetes_daemonset", "kubernetes_daemon_set_v1",
                       "kubernetes_replication_controller", "kubernetes_replication_controller_v1",
                       "kubernetes_job", "kubernetes_job_v1") + TF_PODS + TF_CRON_JOBS},
        name_path=K8S_NAME,
        facts=tuple(_pod_fact(name, convert) for name, convert in (
            ("privileged", k8s.privileged), ("host_network", k8s.host_network),
            ("non_root_enforced", k8s.non_root_enforced), ("unpinned_images", k8s.unpinned_images),
            ("model_server", k8s.model_server), ("model_uris", k8s.model_uris))) + (
            Fact("pod_labels", {"k8s": "spec.template.metadata.labels", "pod": "metadata.labels",
                                "cronjob": "spec.jobTemplate.spec.template.metadata.labels",
                                "terraform": "spec.template.metadata.labels",
                                **dict.fromkeys(TF_PODS, "metadata.labels"),
                                **dict.fromkeys(TF_CRON_JOBS, "spec.job_template.spec.template.metadata.labels")},
                 convert={"k8s": same, "terraform": k8s.labels}),
            K8S_NAMESPACE)),
    # Model servers the cluster builds from a serving resource: KServe InferenceService
    # (serving.kserve.io, kfserving) and Seldon Core v1 SeldonDeployment
    # (machinelearning.seldon.io). Seldon's operator makes the Services and the gateway
    # route (Ambassador / Istio, per its install) itself: none is in the files, so a
    # SeldonDeployment has no visibility fact; Services written beside it still count.
    ResourceType(
        "k8s_inference_service",
        {"k8s": ("inferenceservice", "seldondeployment")},
        facts=tuple(Fact(name, {"k8s": "spec.predictor", "seldondeployment": "spec.predictors"},
                         convert={"k8s": convert, "seldondeployment": k8s.on_seldon(convert)})
                    for name, convert in (
            ("privileged", k8s.privileged), ("host_network", k8s.host_network),
            ("unpinned_images", k8s.unpinned_images))) + (
            Fact("storage_uri", {"k8s": "spec.predictor", "seldondeployment": None}, convert=k8s.storage_uri),
            Fact("model_uris", {"k8s": "spec.predictor", "seldondeployment": "spec.predictors"},
                 convert={"k8s": k8s.predictor_uris, "seldondeployment": k8s.graph_uris}),
            Fact("model_server", {"k8s": None, "seldondeployment": "spec.predictors"}, convert=k8s.seldon_server),
            Fact("pod_labels", {"k8s": "", "seldondeployment": "spec.predictors"}, quote=False,
                 convert={"k8s": k8s.kserve_pod_labels, "seldondeployment": k8s.component_labels}),
            Fact("cluster_local", {"k8s": "metadata.labels", "seldondeployment": None}, convert=k8s.cluster_local,
                 defaults={"k8s": _d(False, "Knative docs (Configuring private Services) and KServe: an "
                                            "InferenceService is published on the ingress gateway unless "
                                            "labelled networking.knative.dev/visibility: cluster-local")}),
            K8S_NAMESPACE)),
    # Seldon Core v2 Model (mlops.seldon.io): an artifact loaded onto a Server the platform
    # runs; reached through the seldon-mesh Service of the install, not in the files.
    ResourceType(
        "k8s_seldon_model", {"k8s": ("model",)},
        discriminator={"k8s": ("apiVersion", ("mlops.seldon.io/v1alpha1",))},
        facts=(Fact("model_uris", {"k8s": "spec.storageUri"}, convert=k8s.storage_uris),
               Fact("server", {"k8s": "spec.server"}, convert=text),
               Fact("requirements", {"k8s": "spec.requirements"}, convert=as_list),
               K8S_NAMESPACE)),
    # Only the core Service (apiVersion v1): a Knative Service (serving.knative.dev) or the
    # KFServing v1alpha3 Service is a serving resource of another kind, with no spec.type.
    ResourceType(
        "k8s_service", {"k8s": ("service",), "terraform": ("kubernetes_service", "kubernetes_service_v1")},
        discriminator={"k8s": ("apiVersion", ("v1",))},
        name_path=K8S_NAME,
        facts=(Fact("service_type", {"k8s": "spec.type", "terraform": "spec.type"}, convert=lower,
                    defaults={"k8s": _d("clusterip", "Kubernetes Service spec: type defaults to ClusterIP"),
                              "terraform": _d("clusterip", f"{TF_K8S} docs: spec.type defaults to ClusterIP")}),
               Fact("selector", {"k8s": "spec.selector", "terraform": "spec.selector"},
                    convert={"k8s": same, "terraform": k8s.labels}),
               K8S_NAMESPACE)),
    # An Ingress's backends: a manifest's are references to Services by address
    # (checker/collectors/exports/k8s.py) and names (`backend_services`, what a manifest a
    # Terraform kubernetes_manifest carries has: its references are Terraform's); Terraform's
    # typed Ingress writes a Service's name as a reference to its resource (linked as any
    # reference) or as text (`backend_services`). Names link in the Ingress's scope and
    # namespace (checker/cloud/links.py).
    ResourceType(
        "k8s_ingress", {"k8s": ("ingress",), "terraform": ("kubernetes_ingress", "kubernetes_ingress_v1")},
        name_path=K8S_NAME,
        facts=(Fact("auth_annotations", {"k8s": "metadata.annotations", "terraform": "metadata.annotations"},
                    convert=k8s.auth_annotations,
                    defaults={f: _d([], "no annotations: the ingress controller puts no authentication in "
                                        "front of the backends") for f in ("k8s", "terraform")}),
               Fact("backend_services", {"terraform": "spec", "k8s": "spec"},
                    convert={"terraform": k8s.terraform_backend_services, "k8s": k8s.backend_services}),
               K8S_NAMESPACE)),
    ResourceType(
        "k8s_network_policy",
        {"k8s": ("networkpolicy",), "terraform": ("kubernetes_network_policy", "kubernetes_network_policy_v1")},
        name_path=K8S_NAME,
        facts=(Fact("pod_selector", {"k8s": "spec.podSelector", "terraform": "spec.pod_selector"},
                    convert={"k8s": same, "terraform": k8s.terraform_selector}), K8S_NAMESPACE)),
    # A namespace the Terraform provider declares: what `metadata { namespace =
    # kubernetes_namespace.x.metadata[0].name }` of the objects above refers to.
    ResourceType(
        "k8s_namespace", {"terraform": ("kubernetes_namespace", "kubernetes_namespace_v1")},
        name_path=K8S_NAME),
    # Cluster extensions (Terraform, ARM, Bicep, azapi): the Azure ML extension
    # (microsoft.azureml.kubernetes) decides how Kubernetes online endpoints are reached,
    # through its inference router Service (Azure ML docs, "Deploy Azure Machine Learning
    # extension on AKS or Arc Kubernetes cluster": inferenceRouterServiceType,
    # internalLoadBalancerProvider).
    ResourceType(
        "k8s_cluster_extension",
        {"terraform": ("azurerm_kubernetes_cluster_extension",),
         "arm": ("microsoft.kubernetesconfiguration/extensions",)},
        facts=(Fact("extension_type", {"terraform": "extension_type", "arm": "properties.extensionType"},
                    convert=lower),
               Fact("inference_router", {"terraform": "configuration_settings",
                                         "arm": "properties.configurationSettings"}, convert=k8s.inference_router))),
    # -- networks and private networking (issue 9) ----------------------------------------
    ResourceType(
        "virtual_network",
        {"terraform": ("azurerm_virtual_network",), "arm": ("microsoft.network/virtualnetworks",)},
        facts=(Fact("address_space", {"terraform": "address_space", "arm": "properties.addressSpace.addressPrefixes"},
                    convert=net.prefixes),)),
    # A subnet: azurerm_subnet, an inline `subnet` block of azurerm_virtual_network (emitted as
    # its own resource, provider type azurerm_virtual_network.subnet: checker/cloud/children.py),
    # ARM virtualNetworks/subnets (child or inline properties.subnets[]). Its NSG: ARM
    # properties.networkSecurityGroup.id, the inline block's security_group; an azurerm_subnet
    # has none of its own (azurerm_subnet_network_security_group_association sets it).
    ResourceType(
        "subnet",
        {"terraform": ("azurerm_subnet", net.TF_INLINE_SUBNET),
         "arm": ("microsoft.network/virtualnetworks/subnets",)},
        facts=(
            Fact("address_prefixes",
                 {"terraform": "address_prefixes", "arm": "properties"},     # addressPrefix or addressPrefixes
                 convert={"terraform": net.prefixes, "arm": net.arm_prefixes}),
            Fact("network_security_group",
                 {"terraform": None, net.TF_INLINE_SUBNET: "security_group",
                  "arm": "properties.networkSecurityGroup.id"},
                 convert=text,
                 defaults={net.TF_INLINE_SUBNET: _d(None, f"{AZURERM} (virtual_network subnet block): "
                                                          "security_group is optional; without it no NSG"),
                           "arm": _d(None, "Microsoft.Network REST (Subnet): networkSecurityGroup is "
                                           "optional; without it the subnet has no NSG")}),
            Fact("service_endpoints",
                 {"terraform": "service_endpoints", "arm": "properties.serviceEndpoints"},
                 convert={"terraform": net.prefixes, "arm": net.arm_service_endpoints},
                 defaults={"terraform": _d([], f"{AZURERM}: service_endpoints is optional (none)"),
                           "arm": _d([], "Microsoft.Network REST (Subnet): serviceEndpoints is optional "
                                         "(none)")}),
            Fact("delegations",
                 {"terraform": "delegation", "arm": "properties.delegations"},
                 convert={"terraform": net.terraform_delegations, "arm": net.arm_delegations},
                 defaults={"terraform": _d([], f"{AZURERM}: delegation blocks are optional (none)"),
                           "arm": _d([], "Microsoft.Network REST (Subnet): delegations is optional (none)")}),
            # Its route table: ARM properties.routeTable.id, the inline block's route_table_id
            # (azurerm 4); an azurerm_subnet has none of its own (a subnet-route-table association).
            Fact("route_table",
                 {"terraform": None, net.TF_INLINE_SUBNET: "route_table_id", "arm": "properties.routeTable.id"},
                 convert=text,
                 defaults={net.TF_INLINE_SUBNET: _d(None, f"{AZURERM} (virtual_network subnet block): "
                                                          "route_table_id is optional; without it Azure's system "
                                                          "routes apply"),
                           "arm": _d(None, "Microsoft.Network REST (Subnet): routeTable is optional; without it "
                                           "Azure's system routes apply (0.0.0.0/0 to Internet: learn.microsoft.com "
                                           "virtual-networks-udr-overview)")}),
        ),
        links=(Link({"arm": "properties.networkSecurityGroup.id", "terraform": "security_group"},
                    role="nsg"),
               Link({"terraform": "virtual_network_name", "arm": "parent"}, role="virtual_network"),
               Link({"arm": "properties.routeTable.id", "terraform": "route_table_id"}, role="route_table"))),
    ResourceType(
        "network_security_group",
        {"terraform": ("azurerm_network_security_group",), "arm": ("microsoft.network/networksecuritygroups",)},
        facts=(Fact("security_rules", {"terraform": "security_rule", "arm": "properties.securityRules"},
                    convert={"terraform": net.terraform_rules, "arm": net.arm_rules},
                    defaults={f: _d([], "no rules of its own: only Azure's default rules apply (inbound: "
                                        "virtual network and load balancer allowed, the rest denied; "
                                        "learn.microsoft.com network-security-groups-overview)")
                              for f in ("terraform", "arm")}),)),
    # A rule declared apart from its NSG (azurerm_network_security_rule; ARM
    # networkSecurityGroups/securityRules): the same one-rule list, linked to its NSG.
    ResourceType(
        "network_security_rule",
        {"terraform": (net.TF_STANDALONE_RULE,), "arm": (net.ARM_STANDALONE_RULE,)},
        facts=(Fact("security_rules", {"terraform": "security_rule", "arm": "properties.securityRules"},
                    convert={"terraform": net.terraform_rules, "arm": net.arm_rules}),),
        links=(Link({"terraform": "network_security_group_name", "arm": "parent"}, role="nsg"),)),
    ResourceType(
        "subnet_nsg_association",
        {"terraform": ("azurerm_subnet_network_security_group_association",)},
        links=(Link({"terraform": "subnet_id"}, role="subnet"),
               Link({"terraform": "network_security_group_id"}, role="nsg"))),
    ResourceType(
        "private_endpoint",
        {"terraform": ("azurerm_private_endpoint",), "arm": ("microsoft.network/privateendpoints",)},
        facts=(
            Fact("subnet", {"terraform": "subnet_id", "arm": "properties.subnet.id"}, convert=text),
            Fact("subresource_names",
                 {"terraform": "private_service_connection.subresource_names",
                  "arm": "properties.privateLinkServiceConnections.0.properties.groupIds"}, convert=net.prefixes),
            # ARM declares a zone group as the child privateEndpoints/privateDnsZoneGroups:
            # rules follow that edge (the endpoint's own attributes cannot say).
            Fact("dns_zone_group", {"terraform": "private_dns_zone_group", "arm": None}, convert=present,
                 defaults={"terraform": _d(False, f"{AZURERM}: private_dns_zone_group is optional; "
                                                  "without it no DNS records are managed")}),
        ),
        links=(Link({"terraform": "private_service_connection.private_connection_resource_id",
                     "arm": "properties.privateLinkServiceConnections.0.properties.privateLinkServiceId"},
                    edge="private_link", role="target"),
               Link({"terraform": "subnet_id", "arm": "properties.subnet.id"}, role="subnet"))),
    ResourceType(
        "private_dns_zone_group",
        {"arm": ("microsoft.network/privateendpoints/privatednszonegroups",)},
        links=(Link({"arm": "parent"}, role="private_endpoint"),)),
    # Azure Firewall: its private IP (the next hop a route forces egress to; an export or a
    # template that sets it says, azurerm exports it only after apply) and, in ARM, its classic
    # rule collections; azurerm declares those apart (firewall_rule_collection, below).
    ResourceType(
        "firewall",
        {"terraform": ("azurerm_firewall",), "arm": ("microsoft.network/azurefirewalls",)},
        facts=(
            Fact("private_ip", {"terraform": "ip_configuration.private_ip_address",
                                "arm": "properties.ipConfigurations.0.properties.privateIPAddress"}, convert=text),
            Fact("firewall_rules", {"terraform": None, "arm": "properties"}, convert=net.arm_firewall_rules),
            Fact("firewall_policy", {"terraform": "firewall_policy_id", "arm": "properties.firewallPolicy.id"},
                 convert=text,
                 defaults={"terraform": _d(None, f"{AZURERM}: firewall_policy_id is optional (classic rules)"),
                           "arm": _d(None, "Microsoft.Network REST (AzureFirewall): firewallPolicy is optional "
                                           "(classic rule collections)")}),
        ),
        links=(Link({"terraform": "ip_configuration.subnet_id",
                     "arm": "properties.ipConfigurations.0.properties.subnet.id"}, role="subnet"),
               Link({"terraform": "firewall_policy_id", "arm": "properties.firewallPolicy.id"},
                    role="firewall_policy"))),
    ResourceType(
        "firewall_policy",
        {"terraform": ("azurerm_firewall_policy",), "arm": ("microsoft.network/firewallpolicies",)},
        links=(Link({"terraform": "base_policy_id", "arm": "properties.basePolicy.id"}, role="base_policy"),)),
    # Rules declared apart from the firewall: azurerm classic application/network rule
    # collections (linked to the firewall by name), policy rule collection groups (azurerm,
    # ARM firewallPolicies/ruleCollectionGroups; linked to their policy).
    ResourceType(
        "firewall_rule_collection",
        {"terraform": (*net.TF_CLASSIC_COLLECTIONS, net.TF_POLICY_GROUP), "arm": (net.ARM_POLICY_GROUP,)},
        facts=(Fact("firewall_rules", {"terraform": "rule_collections", "arm": "properties"},
                    convert={"terraform": net.terraform_firewall_rules, "arm": net.arm_policy_rules},
                    defaults={net.TF_POLICY_GROUP: _d([], f"{AZURERM}: a rule collection group without "
                                                          "collections holds no rules")}),),
        links=(Link({"terraform": "azure_firewall_name"}, role="firewall"),
               Link({"terraform": "firewall_policy_id", "arm": "parent"}, role="firewall_policy"))),
    ResourceType(
        "route_table",
        {"terraform": (net.TF_ROUTE_TABLE,), "arm": (net.ARM_ROUTE_TABLE,)},
        facts=(Fact("routes", {"terraform": "route", "arm": "properties.routes"}, convert=net.routes,
                    defaults={f: _d([], "no routes of its own: Azure's system routes apply (0.0.0.0/0 to "
                                        "Internet; learn.microsoft.com virtual-networks-udr-overview)")
                              for f in ("terraform", "arm")}),)),
    ResourceType(
        "route",
        {"terraform": (net.TF_ROUTE,), "arm": (net.ARM_ROUTE,)},
        facts=(Fact("routes", {"terraform": "route", "arm": "properties.routes"}, convert=net.routes),),
        links=(Link({"terraform": "route_table_name", "arm": "parent"}, role="route_table"),)),
    ResourceType(
        "subnet_route_table_association",
        {"terraform": ("azurerm_subnet_route_table_association",)},
        links=(Link({"terraform": "subnet_id"}, role="subnet"),
               Link({"terraform": "route_table_id"}, role="route_table"))),
    # NICs, VMs and scale sets: what sits in a subnet through its network interfaces.
    ResourceType(
        "network_interface",
        {"terraform": ("azurerm_network_interface",), "arm": ("microsoft.network/networkinterfaces",)},
        facts=(
            Fact("subnet", {"terraform": "ip_configuration.subnet_id",
                            "arm": "properties.ipConfigurations.0.properties.subnet.id"}, convert=text),
            Fact("public_ip", {"terraform": "ip_configuration.public_ip_address_id",
                               "arm": "properties.ipConfigurations.0.properties.publicIPAddress.id"}, convert=present,
                 defaults={"terraform": _d(False, f"{AZURERM}: public_ip_address_id is optional (no public IP)"),
                           "arm": _d(False, "Microsoft.Network REST (NetworkInterfaceIPConfiguration): "
                                            "publicIPAddress is optional (no public IP)")}),
        ),
        links=(Link({"terraform": "ip_configuration.subnet_id",
                     "arm": "properties.ipConfigurations.0.properties.subnet.id"}, role="subnet"),
               Link({"arm": "properties.networkSecurityGroup.id"}, role="nsg"))),
    ResourceType(
        "nic_nsg_association",
        {"terraform": ("azurerm_network_interface_security_group_association",)},
        links=(Link({"terraform": "network_interface_id"}, role="network_interface"),
               Link({"terraform": "network_security_group_id"}, role="nsg"))),
    ResourceType(
        "virtual_machine",
        {"terraform": ("azurerm_linux_virtual_machine", "azurerm_windows_virtual_machine", "azurerm_virtual_machine"),
         "arm": ("microsoft.compute/virtualmachines",)},
        links=(Link({"terraform": "network_interface_ids", "arm": "properties.networkProfile.networkInterfaces.0.id"},
                    role="network_interface"),)),
    # A scale set declares its NICs inline (azurerm network_interface blocks; the legacy
    # azurerm_virtual_machine_scale_set's network_profile; ARM networkInterfaceConfigurations).
    ResourceType(
        "vm_scale_set",
        {"terraform": ("azurerm_linux_virtual_machine_scale_set", "azurerm_windows_virtual_machine_scale_set",
                       "azurerm_orchestrated_virtual_machine_scale_set", "azurerm_virtual_machine_scale_set"),
         "arm": ("microsoft.compute/virtualmachinescalesets",)},
        facts=(Fact("subnet", {"terraform": "network_interface.ip_configuration.subnet_id",
                               "azurerm_virtual_machine_scale_set": "network_profile.ip_configuration.subnet_id",
                               "arm": "properties.virtualMachineProfile.networkProfile.networkInterfaceConfigurations.0.properties.ipConfigurations.0.properties.subnet.id"}, convert=text),),
        links=(Link({"terraform": "network_interface.ip_configuration.subnet_id",
                     "arm": "properties.virtualMachineProfile.networkProfile.networkInterfaceConfigurations.0.properties.ipConfigurations.0.properties.subnet.id"}, role="subnet"),
               Link({"terraform": "network_interface.network_security_group_id",
                     "arm": "properties.virtualMachineProfile.networkProfile.networkInterfaceConfigurations.0.properties.networkSecurityGroup.id"}, role="nsg"))),
    # Build agents: an Azure DevOps elastic pool runs its agents on the scale set it names;
    # Managed DevOps Pools and GitHub-hosted runners with private networking are injected
    # into the subnet they name.
    ResourceType(
        "devops_elastic_pool", {"terraform": ("azuredevops_elastic_pool",)},
        links=(Link({"terraform": "azure_resource_id"}, role="build_agents"),)),
    ResourceType(
        "managed_devops_pool", {"arm": ("microsoft.devopsinfrastructure/pools",)},
        facts=(Fact("subnet", {"arm": "properties.fabricProfile.networkProfile.subnetId"}, convert=text,
                    defaults={"arm": _d(None, "Microsoft.DevOpsInfrastructure REST (VmssFabricProfile): "
                                              "networkProfile is optional; without it the agents run in a "
                                              "Microsoft-provided network")}),),
        links=(Link({"arm": "properties.fabricProfile.networkProfile.subnetId"}, role="subnet"),)),
    ResourceType(
        "github_network_settings", {"arm": ("github.network/networksettings",)},
        facts=(Fact("subnet", {"arm": "properties.subnetId"}, convert=text),),
        links=(Link({"arm": "properties.subnetId"}, role="subnet"),)),
    # -- end of networks ----------------------------------------------------------------
    # -- Azure Functions and App Service (issue 9) -------------------------------------------
    # A function app: Terraform's linux/windows (azurerm v3+) and legacy function app, ARM
    # Microsoft.Web/sites whose `kind` holds the token functionapp but not workflowapp (a
    # Logic App Standard), as Azure Policy 6d555dd1 / 969ac98b select them. ARM defaults only
    # where Azure Policy treats an absent property as non-compliant; the rest of siteConfig
    # documents no default (and `sites/config` child resources are not merged here).
    ResourceType(
        "function_app",
        {"terraform": ("azurerm_linux_function_app", "azurerm_windows_function_app", "azurerm_function_app"),
         "arm": ("microsoft.web/sites",)},
        discriminator={"arm": ("kind", ("functionapp", "!workflowapp"))},
        facts=(
            Fact("https_only", {"terraform": "https_only", "arm": "properties.httpsOnly"},
                 defaults={"terraform": _d(False, f"{AZURERM}: https_only defaults to false"),
                           "arm": _d(False, "an absent httpsOnly is non-compliant in Azure Policy 6d555dd1 "
                                            "(HTTP allowed)")}),
            Fact("min_tls_version",
                 {"terraform": "site_config.minimum_tls_version", "azurerm_function_app": "site_config.min_tls_version",
                  "arm": "properties.siteConfig.minTlsVersion"}, convert=tls,
                 defaults={"terraform": _d("1.2", f"{AZURERM}: site_config.minimum_tls_version defaults to 1.2"),
                           "azurerm_function_app": _d("1.2", f"{AZURERM} (function_app): site_config.min_tls_version "
                                                             "defaults to 1.2 for new function apps")}),
            Fact("ftps_state", {"terraform": "site_config.ftps_state", "arm": "properties.siteConfig.ftpsState"},
                 convert=_ftps,
                 defaults={"terraform": _d("disabled", f"{AZURERM}: site_config.ftps_state defaults to Disabled"),
                           "azurerm_function_app": _d("all_allowed", f"{AZURERM} (function_app): "
                                                                     "site_config.ftps_state defaults to AllAllowed")}),
            Fact("public_network_access",
                 {"terraform": "public_network_access_enabled", "azurerm_function_app": None,
                  "arm": "properties.publicNetworkAccess"},
                 defaults={"terraform": _d(True, f"{AZURERM}: public_network_access_enabled defaults to true"),
                           "arm": _d(True, "an absent publicNetworkAccess is non-compliant in Azure Policy "
                                           "969ac98b (public)")}),
            # The legacy azurerm_function_app has no remote debugging argument: it cannot say.
            Fact("remote_debugging",
                 {"terraform": "site_config.remote_debugging_enabled", "azurerm_function_app": None,
                  "arm": "properties.siteConfig.remoteDebuggingEnabled"},
                 defaults={"terraform": _d(False, f"{AZURERM}: site_config.remote_debugging_enabled defaults "
                                                  "to false")}),
            Fact("cors_allowed_origins",
                 {"terraform": "site_config.cors.allowed_origins", "arm": "properties.siteConfig.cors.allowedOrigins"},
                 convert=as_list,
                 defaults={f: _d([], "no cors block: no cross-origin caller is allowed") for f in ("terraform", "arm")}),
            Fact("identity_type", {"terraform": "identity.type", "arm": "identity.type"}, convert=_identity,
                 defaults={f: _d("none", "no identity block: no managed identity") for f in ("terraform", "arm")}),
            # App Service authentication ("Easy Auth"): v1 auth_settings.enabled is required in
            # its block; v2 auth_enabled defaults to false. ARM keeps both in sites/config
            # (authsettings, authsettingsV2), not on the site: not recorded for ARM.
            Fact("auth_enabled", {"terraform": "auth_settings.enabled", "arm": None},
                 defaults={"terraform": _d(False, f"{AZURERM}: no auth_settings block, authentication off")}),
            Fact("auth_v2_enabled", {"terraform": "auth_settings_v2.auth_enabled",
                                     "azurerm_function_app": None, "arm": None},
                 defaults={"terraform": _d(False, f"{AZURERM}: auth_settings_v2.auth_enabled defaults to false")}),
            Fact("access_restrictions",
                 {"terraform": "site_config.ip_restriction", "arm": "properties.siteConfig.ipSecurityRestrictions"},
                 convert=_restrictions,
                 defaults={f: _d(False, "no ip_restriction / ipSecurityRestrictions: every address may call")
                           for f in ("terraform", "arm")}),
            Fact("vnet_subnet", {"terraform": "virtual_network_subnet_id", "azurerm_function_app": None,
                                 "arm": "properties.virtualNetworkSubnetId"}, convert=text),
            Fact("storage_account_key", {"terraform": "storage_account_access_key", "arm": None}, convert=present,
                 defaults={"terraform": _d(False, f"{AZURERM}: no storage_account_access_key, no account key")}),
            Fact("account_key_settings",
                 {"terraform": "app_settings", "arm": "properties.siteConfig.appSettings"},
                 convert=_account_key_settings, quote=False,
                 defaults={f: _d([], "no app settings") for f in ("terraform", "arm")}),
            Fact("kind", {"arm": "kind"}, convert=lower),
        )),
    # -- end of Functions ---------------------------------------------------------------
    # -- access control (issue 9) ------------------------------------------------------------
    # Role assignments, custom role definitions, managed identities and the identities CI
    # deploys with (checker/cloud/identity.py). The path "" hands a conversion the whole
    # attribute set: a role sits in one of two attributes, and a scope such as
    # `data.azurerm_subscription.current.id` is placed by its shape. Their `uses` edges come
    # from the references (scope, role definition, principal); evidence quotes the
    # normalised value (quote=False), the whole attribute set being no expression.
    ResourceType(
        "role_assignment",
        {"terraform": ("azurerm_role_assignment",), "arm": ("microsoft.authorization/roleassignments",)},
        facts=(
            Fact("role", {"terraform": "", "arm": ""}, convert=iam.assignment_role, quote=False),
            Fact("scope_level", {"terraform": "", "arm": ""},
                 convert={"terraform": iam.terraform_scope, "arm": iam.arm_scope}, quote=False),
            Fact("principal", {"terraform": "", "arm": ""}, convert=iam.principal, quote=False),
            Fact("principal_type", {"terraform": "principal_type", "arm": "properties.principalType"},
                 convert=lower),
            # `az role assignment list` prints the principal's name: a guest's UPN has #EXT#
            Fact("principal_guest", {"terraform": None, "arm": "properties.principalName"}, convert=iam.ext_upn),
        )),
    ResourceType(
        "role_definition",
        {"terraform": ("azurerm_role_definition",), "arm": ("microsoft.authorization/roledefinitions",)},
        facts=(
            Fact("role_name", {"terraform": "name", "arm": "properties.roleName"}, convert=text),
            Fact("actions", {"terraform": "", "arm": ""}, convert=iam.actions, quote=False),
            Fact("not_actions", {"terraform": "", "arm": ""}, convert=iam.not_actions, quote=False),
            Fact("privileged_actions", {"terraform": "", "arm": ""}, convert=iam.privileged_actions, quote=False),
            Fact("assignable_levels", {"terraform": "", "arm": ""}, convert=iam.assignable_levels, quote=False),
        )),
    ResourceType(
        "managed_identity",
        {"terraform": ("azurerm_user_assigned_identity",), "arm": ("microsoft.managedidentity/userassignedidentities",)}),
    # A federated identity credential lets a CI job sign in as the identity or application
    # it belongs to (its parent): the issuer tells which CI, the subject which repository.
    ResourceType(
        "federated_credential",
        {"terraform": ("azurerm_federated_identity_credential", "azuread_application_federated_identity_credential"),
         "arm": ("microsoft.managedidentity/userassignedidentities/federatedidentitycredentials",)},
        facts=(Fact("ci_provider", {"terraform": "", "arm": ""}, convert=iam.ci_provider, quote=False),
               Fact("ci_subject", {"terraform": "", "arm": ""}, convert=iam.ci_subject, quote=False))),
    # An Azure DevOps service connection to Azure Resource Manager: the identity its
    # pipelines deploy with (terraform-provider-azuredevops: service_principal_id exported).
    ResourceType(
        "ci_service_connection",
        {"terraform": ("azuredevops_serviceendpoint_azurerm",)},
        facts=(Fact("ci_provider", {"terraform": ""}, convert=lambda _: "azure_devops", quote=False),
               Fact("auth_scheme", {"terraform": "service_endpoint_authentication_scheme"}, convert=snake,
                    defaults={"terraform": _d("service_principal", "terraform-provider-azuredevops: "
                                              "service_endpoint_authentication_scheme defaults to "
                                              "ServicePrincipal")}))),
    ResourceType("service_principal", {"terraform": ("azuread_service_principal",)}),
    ResourceType("application", {"terraform": ("azuread_application", "azuread_application_registration")}),
    ResourceType(
        "directory_user",
        {"terraform": ("azuread_user", "azuread_invitation")},
        facts=(Fact("guest", {"terraform": ""}, convert={"azuread_invitation": iam.always, "terraform": iam.guest},
                    quote=False),)),
    # -- end of access control ----------------------------------------------------------
)

# Terraform types that carry a whole object of another family: the kubernetes provider's
# kubernetes_manifest (`manifest`, the object in the manifest's own camelCase spelling) and
# the kubectl providers' kubectl_manifest (`yaml_body`, YAML text the Terraform collector
# decodes in place). The resource stays Terraform's (node id, provenance, references);
# its type and facts are the carried object's, read as that family reads it (its kind is
# the provider type). terraform-provider-kubernetes docs/resources/manifest.md;
# gavinbunney/terraform-provider-kubectl docs/resources/kubectl_manifest.md.
@dataclass(frozen=True)
class Carried:
    family: str            # the family the carried object is written in (its format too)
    path: str              # where it sits in the resource's properties


CARRIERS: dict[tuple[str, str], Carried] = {
    ("terraform", "kubernetes_manifest"): Carried("k8s", "manifest"),
    ("terraform", "kubectl_manifest"): Carried("k8s", "yaml_body"),
}


def carrier(fmt: str, provider_type: str) -> Carried | None:
    return CARRIERS.get((family_of(fmt), provider_type.lower()))


@dataclass(frozen=True)
class FactSource:
    """Where a resource's type and facts are read: its own format, provider type and
    properties, or those of the object it carries (`prefix`: the carried object's path,
    put back before the attribute paths evidence quotes)."""
    format: str
    provider_type: str
    properties: Any
    prefix: str = ""


def fact_source(fmt: str, provider_type: str, properties: Any) -> FactSource:
    held = carrier(fmt, provider_type)
    if held is None:
        return FactSource(fmt, provider_type, properties)
    found, obj = iter_attr(properties, held.path) if isinstance(properties, dict) else (False, None)
    kind = obj.get("kind") if found and isinstance(obj, dict) else None
    if not isinstance(kind, str) or not kind:
        return FactSource(fmt, provider_type, None)          # no object (yet): no type
    return FactSource(held.family, kind, obj, f"{held.path}.")


_BY_PROVIDER: dict[tuple[str, str], list[ResourceType]] = {}
for _t in TYPES:
    for _family, _names in _t.provider_types.items():
        for _name in _names:
            _BY_PROVIDER.setdefault((_family, _name.lower()), []).append(_t)


def family_of(fmt: str) -> str:
    return FAMILIES.get(fmt, fmt)


def name_paths(fmt: str, provider_type: str) -> tuple[str, ...]:
    """Where a resource of this source keeps its name: `name`, unless its type says
    otherwise (the Terraform kubernetes provider's `metadata { name }`)."""
    held = carrier(fmt, provider_type)
    if held:
        return f"{held.path}.metadata.name", f"{held.path}.metadata.generateName"
    rtype = resource_type(fmt, provider_type)
    return (rtype.name_path.get(family_of(fmt)) if rtype else None) or ("name",)


def resource_type(fmt: str, provider_type: str, properties: Any = None) -> ResourceType | None:
    """The normalised type of a provider type in a format (ARM types case-insensitive; an
    azapi `type@api-version` is given here without its version). Where a type has a
    discriminator for the family (one ARM type, several kinds), the resource's
    `properties` must satisfy it."""
    if carrier(fmt, provider_type):
        source = fact_source(fmt, provider_type, properties)
        return resource_type(source.format, source.provider_type, source.properties) \
            if source.properties is not None else None
    family = family_of(fmt)
    for rtype in _BY_PROVIDER.get((family, provider_type.lower()), ()):
        rule = rtype.discriminator.get(family)
        if rule is None or _discriminated(properties, *rule):
            return rtype
    return None


def _discriminated(properties: Any, path: str, tokens: tuple[str, ...]) -> bool:
    """Whether the comma-separated value at `path` (ARM `kind`: "functionapp,linux") holds
    every token listed and none of those listed with a leading "!". A value that is absent
    or not text (unknown) does not match."""
    _, value = iter_attr(properties, path)
    if not isinstance(value, str):
        return False
    held = {t.strip().lower() for t in value.split(",")}
    return all((t[1:] not in held) if t.startswith("!") else (t in held) for t in tokens)
