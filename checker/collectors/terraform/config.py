"""A tree's Terraform configuration: its module folders, what each declares, and which
folder calls which.

Terraform reads every `.tf` / `.tf.json` file of a folder as one module, so blocks are
gathered per folder before anything is evaluated (a workspace in main.tf, its locals in
locals.tf). A `module` block whose `source` is a local path (`./x`, `../x`) names another
folder of the same tree; any other source (the registry, git, a URL) or a local path
leading out of the scanned tree cannot be followed: its outputs are unknown and the gap
is recorded (coverage), never read from disk.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import FileRef

if TYPE_CHECKING:    # annotations only: importing .hcl loads python-hcl2 and lark
    from .hcl import Attribute, Block, Body

# Blocks inside a resource that configure Terraform, not the resource.
META_BLOCKS = frozenset({"lifecycle", "provisioner", "connection", "precondition", "postcondition"})
META_ARGUMENTS = frozenset({"count", "for_each", "provider", "depends_on"})
# Arguments of a module block that are not inputs.
MODULE_META = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})


@dataclass
class Declared:
    """A block as declared in one file."""
    ref: FileRef
    block: Block


@dataclass
class Module:
    folder: str
    variables: dict[str, Declared] = field(default_factory=dict)
    locals: dict[str, tuple[FileRef, Attribute]] = field(default_factory=dict)
    outputs: dict[str, Declared] = field(default_factory=dict)
    resources: list[Declared] = field(default_factory=list)       # resource and data blocks
    calls: dict[str, Declared] = field(default_factory=dict)      # module blocks by name
    var_files: list[tuple[str, dict[str, Attribute]]] = field(default_factory=list)   # (file name, values)

    def add(self, ref: FileRef, body: Body) -> None:
        for block in body.blocks:
            labels = block.labels
            if block.type in ("resource", "data") and len(labels) == 2:
                self.resources.append(Declared(ref, block))
            elif block.type == "variable" and len(labels) == 1:
                self.variables[labels[0]] = Declared(ref, block)
            elif block.type == "output" and len(labels) == 1:
                self.outputs[labels[0]] = Declared(ref, block)
            elif block.type == "module" and len(labels) == 1:
                self.calls[labels[0]] = Declared(ref, block)
            elif block.type == "locals":
                for name, attribute in block.body.attributes.items():
                    self.locals[name] = (ref, attribute)

    @property
    def has_code(self) -> bool:
        return bool(self.resources or self.variables or self.outputs or self.calls or self.locals)


def folder_of(path: str) -> str:
    return posixpath.dirname(path) or "."


def module_source(call: Block) -> str | None:
    """The literal `source` of a module block (Terraform requires a literal)."""
    attribute = call.body.attributes.get("source")
    if attribute is None or attribute.expr[0] != "lit" or not isinstance(attribute.expr[1], str):
        return None
    return attribute.expr[1]


def local_folder(caller: str, source: str) -> tuple[str | None, str]:
    """(folder, "") for a local source inside the tree; (None, why not) otherwise."""
    if not (source.startswith("./") or source.startswith("../") or source in (".", "..")):
        return None, f"module source {source!r} is not a local path (registry, git or URL): not followed"
    base = "" if caller == "." else caller
    joined = posixpath.normpath(posixpath.join(base, source.split("//")[0] or "."))
    if joined == ".." or joined.startswith("../") or posixpath.isabs(joined):
        return None, f"module source {source!r} leads out of the scanned tree: not read"
    return joined, ""


def roots(modules: dict[str, Module]) -> list[str]:
    """Folders Terraform would be run in: those no other folder calls; then, so that a
    cycle of folders calling each other is still read once, the first folder of each
    group no root reaches."""
    called: dict[str, set[str]] = {f: set() for f in modules}
    for folder, module in modules.items():
        for declared in module.calls.values():
            source = module_source(declared.block)
            target = local_folder(folder, source)[0] if source else None
            if target in called and target != folder:
                called[target].add(folder)
    found = [f for f in sorted(modules) if not called[f] and modules[f].has_code]
    reached = _reach(modules, found)
    for folder in sorted(modules):
        if folder not in reached and modules[folder].has_code:
            found.append(folder)
            reached |= _reach(modules, [folder])
    return found


def _reach(modules: dict[str, Module], start: list[str]) -> set[str]:
    seen, todo = set(start), list(start)
    while todo:
        folder = todo.pop()
        for declared in modules[folder].calls.values():
            source = module_source(declared.block)
            target = local_folder(folder, source)[0] if source else None
            if target in modules and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def reached_from(modules: dict[str, Module], root: str) -> set[str]:
    return _reach(modules, [root])
