"""Kubernetes manifests in repositories: YAML files of one or more documents, each an object
with `apiVersion`, `kind` and `metadata.name` (Deployments, Services, Ingresses,
NetworkPolicies, KServe InferenceServices, …).

Each object becomes a resource of format `k8s` (provider type: its kind), read as
`kubectl get -o json` exports are (checker/collectors/exports/k8s.py: Secret values and the
last-applied annotation never recorded, an Ingress's backends as references to Services).
Its scope is its folder: the manifests one `kubectl apply -f DIR` or kustomization applies
together, where Services find the pods they select and Ingresses their Services.

A file is read only when a line starts with `apiVersion:` and one with `kind:`, so the
other YAML of a repository (workflows, ML specs) costs one regex search. A Helm template
(`{{ … }}` that no YAML parser reads) is recorded on its file node as not evaluated, never
as an error; a document that is YAML but no object (a list, a scalar, no kind) is skipped
unless it names a kind, and then it is a collection error with its line.
"""
from __future__ import annotations

import dataclasses
import posixpath
import re
from typing import Any

from ..safeyaml import TemplateYaml, YamlError, describe, load_yaml
from . import CollectContext, FileParser, FileRef
from .exports.k8s import problem, resource
from .resources import emit

FORMAT = "k8s"
_MANIFEST = re.compile(rb"^apiVersion:[ \t]*\S.*?^kind:[ \t]*\S|^kind:[ \t]*\S.*?^apiVersion:[ \t]*\S",
                       re.M | re.S)
_SEPARATOR = re.compile(r"^---[ \t]*(?:#[^\n]*)?\r?$", re.M)      # CRLF files too


def documents(text: str) -> list[tuple[int, str]]:
    """(first line, text) of each YAML document, split on `---` lines."""
    found, start, line = [], 0, 1
    for m in _SEPARATOR.finditer(text):
        found.append((line, text[start:m.start()]))
        line += text.count("\n", start, m.end())
        start = m.end()
    found.append((line, text[start:]))
    return found


class K8sManifestParser(FileParser):
    name = "k8s"
    patterns = ("*.yaml", "*.yml")

    def parse(self, ref: FileRef, data: bytes, ctx: CollectContext) -> None:
        if not _MANIFEST.search(data):
            return
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            ctx.graph.error(self.name, ref.display, f"not UTF-8 text (byte {exc.start})",
                            data[:exc.start].count(b"\n") + 1)
            return
        scope = f"{ref.tree_key}/{posixpath.dirname(ref.path)}"
        for first, body in documents(text):
            self._document(ref, first, body, scope, ctx)

    def _document(self, ref: FileRef, first: int, body: str, scope: str, ctx: CollectContext) -> None:
        if not body.strip():
            return
        try:
            doc = load_yaml(body, ref.display)
        except TemplateYaml as exc:
            ctx.graph.update_attrs(ref.node, **exc.file_facts)
            return
        except YamlError as exc:
            ctx.graph.error(self.name, ref.display, f"invalid YAML: {exc.reason}",
                            first - 1 + exc.line if exc.line else first)
            return
        if not _names_a_kind(doc):
            return                              # another tool's YAML (a chart, a kustomization)
        line = first + _leading_lines(body)
        meta = doc["metadata"]
        if not isinstance(meta, dict):
            ctx.graph.error(self.name, ref.display, f"{doc['kind']}: metadata is {describe(meta)}, "
                                                    "expected a mapping", line)
            return
        if not meta.get("name") and isinstance(meta.get("generateName"), str):
            doc = {**doc, "metadata": {**meta, "name": meta["generateName"]}}   # a name prefix
        why = problem(doc)
        if why:
            ctx.graph.error(self.name, ref.display, f"a Kubernetes {doc['kind']} with {why}", line)
            return
        raw = resource(doc, line, scope)
        emit(ctx, ref, dataclasses.replace(raw, format=FORMAT, declared=True))


def _leading_lines(body: str) -> int:
    """Lines before a document's first line of content (blank, comment, the `---` rest)."""
    for number, text in enumerate(body.split("\n")):
        if text.strip() and not text.lstrip().startswith("#"):
            return number
    return 0


def _names_a_kind(doc: Any) -> bool:
    """An object to apply: apiVersion, a kind and metadata (a kustomization has no metadata)."""
    return isinstance(doc, dict) and isinstance(doc.get("kind"), str) and "apiVersion" in doc and "metadata" in doc
