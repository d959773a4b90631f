"""Kubernetes objects a Terraform resource carries whole (vocabulary.CARRIERS).

`kubernetes_manifest` (hashicorp/kubernetes) writes the object at `manifest`: an HCL object
in the manifest's own camelCase spelling, or `yamldecode(file(…))` / `yamldecode(<<EOT …)`,
which the evaluator decodes (expressions.py, yamltext.py). `kubectl_manifest`
(gavinbunney/kubectl, alekc/kubectl) writes it as YAML text at `yaml_body`: read here as
`yamldecode(yaml_body)`, so the object stands where the text was (in a plan, the rendered
text, or `yaml_body_parsed` when the plan hides `yaml_body` as sensitive), and its
`override_namespace` replaces the object's namespace (provider docs). The object is
recorded as a manifest is (a Secret's values and credential-named values left out:
exports/k8s.recorded); the vocabulary types it and reads its facts as format k8s.
"""
from __future__ import annotations

from typing import Any

from ...cloud.model import RawResource, Unknown
from ...cloud.vocabulary import carrier
from ..exports.k8s import recorded
from . import yamltext
from .names import resource_name

# Carriers whose object is YAML text, and the attribute Terraform has it in.
TEXT_BODIES = {"kubectl_manifest": "yaml_body"}
PARSED_BODY = "yaml_body_parsed"          # kubectl_manifest: the body with sensitive fields hidden


def as_decoded(provider_type: str, name: str, expr: tuple) -> tuple:
    """A text body's expression as the yamldecode() of it, so that evaluating it decodes it."""
    if TEXT_BODIES.get(provider_type) != name or (expr[0] == "call" and expr[1] == "yamldecode"):
        return expr
    return ("call", "yamldecode", [expr], False)


def settle(raw: RawResource) -> None:
    """The carried object in place: decoded when still text (a plan), with the provider's
    namespace override, recorded as a manifest is; the name read again from it."""
    held = carrier(raw.format, raw.provider_type)
    props = raw.properties
    if held is None or not isinstance(props, dict):
        return
    value = _decoded(props.get(held.path), held.path)
    if not isinstance(value, dict) and raw.provider_type in TEXT_BODIES and isinstance(props.get(PARSED_BODY), str):
        value = _decoded(props[PARSED_BODY], PARSED_BODY)
    if isinstance(value, dict):
        value = _overridden(recorded(value), props.get("override_namespace"))
    if held.path in props or isinstance(value, dict):
        props[held.path] = value
    if isinstance(props.get("object"), dict):             # kubernetes_manifest: the object after apply
        props["object"] = recorded(props["object"])
    raw.name = resource_name(raw.format, raw.provider_type, props)


def not_yaml(raw: RawResource) -> str | None:
    """Why a carrier's text is no YAML document, when it is not (a collection error)."""
    held = carrier(raw.format, raw.provider_type)
    value = raw.properties.get(held.path) if held and isinstance(raw.properties, dict) else None
    if isinstance(value, Unknown) and value.reason.startswith(yamltext.NOT_YAML):
        return f"{held.path} of {raw.address}: {value.reason}"
    return None


def _decoded(value: Any, path: str) -> Any:
    return yamltext.decode([value], path) if isinstance(value, str) else value


def _overridden(obj: dict, namespace: Any) -> dict:
    if namespace is None or namespace == "":
        return obj
    meta = obj.get("metadata")
    return {**obj, "metadata": {**(meta if isinstance(meta, dict) else {}), "namespace": namespace}}
