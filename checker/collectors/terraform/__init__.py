"""Terraform: HCL configurations and plan JSON into cloud resources (checker.cloud).

parse() reads each file as the tree hands it over — `.tf`, `.tf.json`, var files, plan
JSON — into per-folder modules (config.Module); finish() evaluates each root folder once
every file is in (instances.Run) and emits its resources. Files under `.terraform/`
(downloaded modules and providers) are not the repository's configuration and are left
alone.

A plan (`terraform show -json`, claimed as `*plan*.json` when its content is a plan) is the
exact form of the folder it sits in: when a plan and HCL share a folder, only the plan's
resources are emitted for that root, each saying so in `attrs.coverage`. Module sources
that cannot be followed (registry, git, out of the tree, a module that includes itself)
and roots left to a plan are listed on the tree's node as `terraform_coverage`.
"""
from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field

from ..resources import emit, lookup
from ...cloud.model import RawResource, Reference
from ...cloud.vocabulary import family_of, resource_type
from .. import CollectContext, FileParser, FileRef
from .config import Module, folder_of, reached_from, roots
from . import manifests
from .instances import Run
from .plan import PlanError, is_plan, read_plan


# Text files file()/templatefile() may read: Kubernetes objects (a `kind:` line), kept per
# tree until its Terraform is evaluated, within bounds (a file over the size, or past the
# total, is left to a reason: "no such text file").
TEXT_PATTERNS = ("*.yaml", "*.yml", "*.tpl", "*.tftpl")
MAX_TEXT_FILE = 256 * 1024
MAX_TEXT_TOTAL = 32 * 1024 * 1024
_KIND_LINE = re.compile(rb"^[ \t]*kind:[ \t]*\S", re.M)


@dataclass
class TreeState:
    modules: dict[str, Module] = field(default_factory=dict)
    plans: list[tuple[FileRef, list[RawResource]]] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    file_nodes: dict[str, str] = field(default_factory=dict)     # tree path → file node, of the files kept
    kept: int = 0

    def module(self, folder: str) -> Module:
        return self.modules.setdefault(folder, Module(folder))


class TerraformParser(FileParser):
    name = "terraform"
    patterns = ("*.tf", "*.tf.json", "*.tfvars", "*.tfvars.json", "*plan*.json") + TEXT_PATTERNS

    def __init__(self) -> None:
        self._trees: dict[str, TreeState] = {}

    def parse(self, ref: FileRef, data: bytes, ctx: CollectContext) -> None:
        if "/.terraform/" in f"/{ref.path}":
            return
        state = self._trees.setdefault(ref.tree, TreeState())
        base = posixpath.basename(ref.path)
        if base.endswith((".tf", ".tf.json", ".tfvars", ".tfvars.json")):
            self._configuration(ref, base, data, state, ctx)
        elif base.endswith(".json"):
            self._plan(ref, data, state, ctx)
        else:
            _keep_text(ref, data, state)

    def _configuration(self, ref: FileRef, base: str, data: bytes, state: TreeState, ctx: CollectContext) -> None:
        # python-hcl2 and lark take 0.15 s to import: only a tree with Terraform pays it.
        from .hcl import HclError, parse_hcl, parse_tf_json
        try:
            if base.endswith(".json"):
                body = parse_tf_json(data)
            else:
                body = parse_hcl(data.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            ctx.graph.error(self.name, ref.display, f"not UTF-8 text (byte {exc.start})",
                            data[:exc.start].count(b"\n") + 1)
            return
        except HclError as exc:
            ctx.graph.error(self.name, ref.display, f"not valid Terraform: {exc}", exc.line)
            return
        module = state.module(folder_of(ref.path))
        if ".tfvars" in base:
            module.var_files.append((base, body.attributes))
        else:
            module.add(ref, body)

    def _plan(self, ref: FileRef, data: bytes, state: TreeState, ctx: CollectContext) -> None:
        try:
            doc = json.loads(data)
        except ValueError as exc:
            if b'"format_version"' in data[:4096]:      # a plan, broken; any other JSON is not ours
                ctx.graph.error(self.name, ref.display, f"plan is not valid JSON: {getattr(exc, 'msg', exc)}",
                                getattr(exc, "lineno", None))
            return
        except RecursionError:
            ctx.graph.error(self.name, ref.display, "plan is nested too deeply to read", None)
            return
        if not is_plan(doc):
            return
        try:            # read now: the resources are far smaller than the document
            resources = read_plan(doc, folder_of(ref.path))
        except (PlanError, RecursionError) as exc:
            ctx.graph.error(self.name, ref.display, f"plan not read: {exc}", None)
            return
        state.plans.append((ref, resources))

    def finish(self, tree: str, ctx: CollectContext) -> None:
        state = self._trees.pop(tree, None)
        if state is None:
            return
        coverage: list[dict] = []
        planned = self._emit_plans(state, ctx)
        for root in roots(state.modules):
            if root in planned:
                called = ", ".join(sorted(reached_from(state.modules, root) - {root})) or "none"
                coverage.append({"folder": root, "reason": f"the plan {planned[root]} is read instead of the HCL "
                                 f"(the exact form); local modules it calls: {called}"})
                continue
            run = Run(state.modules, root, state.files)
            for ref, raw in run.evaluate():
                nid = _emit(ctx, ref, raw)
                _carried_from(ctx, nid, [state.file_nodes[f] for f in run.carried_files.get(id(raw), ())])
            coverage += run.gaps
        if coverage:
            ctx.graph.update_attrs(tree, terraform_coverage=coverage)

    def _emit_plans(self, state: TreeState, ctx: CollectContext) -> dict[str, str]:
        """Emit every plan; the folders whose HCL a plan replaces, with the plan's name."""
        planned: dict[str, str] = {}
        for ref, resources in state.plans:
            folder = folder_of(ref.path)
            has_hcl = folder in state.modules and state.modules[folder].has_code
            for raw in resources:
                nid = _emit(ctx, ref, raw)
                if has_hcl:
                    ctx.graph.update_attrs(nid, coverage=f"plan preferred over the HCL in {folder} "
                                                         "(the exact form of the same module)")
            planned.setdefault(folder, ref.display)
        return planned


def _keep_text(ref: FileRef, data: bytes, state: TreeState) -> None:
    """A YAML or template file holding a Kubernetes object, for file()/templatefile()."""
    if len(data) > MAX_TEXT_FILE or state.kept + len(data) > MAX_TEXT_TOTAL or not _KIND_LINE.search(data):
        return
    try:
        state.files[ref.path] = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return                                   # file() would refuse it too
    state.file_nodes[ref.path] = ref.node
    state.kept += len(data)


def _carried_from(ctx: CollectContext, nid: str, files: list[str]) -> None:
    """A resource whose carried object was read from files of the tree (`manifest =
    yamldecode(file(…))`): it is defined in them too, and says so (`carried_from`), so that
    the object those files also hold as manifests is one object (links.hold_carried_objects)."""
    files = [f for f in files if f in ctx.graph]
    if files:
        ctx.graph.update_attrs(nid, carried_from=files)
    for fid in files:
        ctx.graph.add_edge(nid, fid, "defined_in")


def _emit(ctx: CollectContext, ref: FileRef, raw: RawResource) -> str:
    # addresses resolve within a root folder of this tree, not of another scanned tree
    raw.scope = ref.tree_key if raw.scope in ("", ".") else f"{ref.tree_key}/{raw.scope}"
    nid = emit(ctx, ref, arm_id_references(raw))
    why = manifests.not_yaml(raw)
    if why:
        ctx.graph.error(TerraformParser.name, ref.display, why, raw.line)
    if raw.address.startswith("data."):
        ctx.graph.update_attrs(nid, existing=True)       # read by a data source, declared elsewhere
    return nid


def arm_id_references(raw: RawResource) -> RawResource:
    """A link attribute (the vocabulary's: `storage_account_id`, `properties.keyVault`…)
    that holds an ARM resource id as a value rather than a reference to a block names a
    resource the linker can find by id, in any source (an export, an ARM template)."""
    rtype = resource_type(raw.format, raw.provider_type.split("@")[0], raw.properties)
    referenced = {r.attribute for r in raw.references}
    for link in rtype.links if rtype else ():
        path = link.paths.get(family_of(raw.format))
        value = lookup(raw.properties, path) if path and path not in referenced else None
        if isinstance(value, str) and "/providers/" in value.lower():
            raw.references.append(Reference(path, value, by="arm_id"))
    return raw
