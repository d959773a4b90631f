"""Model files: what a model will run when it is loaded, read from its bytes.

`ModelFileParser` claims model files in any tree (git, folder) and records on the file
node the `model_*` facts of formats.py: the format, whether loading it runs code
(`model_runs_code_on_load`: true, false, or null when part of it could not be read), the
globals its pickles import with member and offset, sha256 and size. A bound hit or a
broken file is a collection error naming the file; what was read is still recorded, and
an incomplete scan is never reported as clean. Nothing is loaded or imported.
"""
from __future__ import annotations

import posixpath
from typing import BinaryIO

from .. import CollectContext, FileParser, FileRef
from .formats import ModelFacts, inspect
from .signatures import MAX_SIGNATURE_BYTES, SIGNATURE_NAMES, nearest, read_bundle, state, trust_from_params

__all__ = ["ModelFileParser", "ModelFacts", "inspect", "record", "sign_states", "worst"]

MODEL_PATTERNS = ("*.pkl", "*.pickle", "*.joblib", "*.pt", "*.pth", "*.bin", "*.ckpt",
                  "*.h5", "*.hdf5", "*.keras", "*.npy", "*.npz", "*.onnx", "*.safetensors",
                  "*.gguf")


def record(ctx: CollectContext, collector: str, nid: str, display: str, name: str,
           data: bytes | BinaryIO, size: int | None = None) -> ModelFacts:
    """Inspect one model file (its bytes, or an open file of `size` bytes) and put the
    facts on its file node; every problem is a collection error naming the file."""
    facts = inspect(name, data, size)
    ctx.graph.update_attrs(nid, **facts.attrs())
    for problem in facts.problems + facts.scan.problems:
        ctx.graph.error(collector, display, problem)
    return facts


SEVERITY = ("verified", "unverified", "absent", "digest_mismatch", "bad_signature")


def worst(states: list[str]) -> str:
    return max(states, key=SEVERITY.index) if states else "absent"


def sign_states(ctx: CollectContext, files: list[tuple[str, str, str | None]],
                signatures: dict[str, bytes]) -> list[str]:
    """Put model_signature (and its reason) on each (node, path, sha256) model file from the
    signature nearest above it; the states, for a version's summary."""
    trust, problems = trust_from_params(ctx.params)
    for problem in problems:
        ctx.graph.error("models", "params", problem)
    bundles = {folder: read_bundle(data) for folder, data in signatures.items()}
    out = []
    for nid, path, sha in files:
        found = nearest(path, signatures)
        bundle = bundles[found[0]] if found else None
        rel = path[len(found[0]) + 1:] if found and found[0] else path
        st, why = state(rel, sha, bundle, trust)
        ctx.graph.update_attrs(nid, model_signature=st, model_signature_reason=why)
        out.append(st)
    return out


class ModelFileParser(FileParser):
    """Model files, and the model-signing signatures (model.sig) beside them; signatures are
    judged per tree in finish(), once every file of the tree has been seen. Reads files by
    seeks and bounded reads (formats.ModelFile), so a checkpoint over the parse limit is
    scanned too when the tree can hand over an open file."""
    name = "models"
    patterns = MODEL_PATTERNS + SIGNATURE_NAMES
    reads_files = True

    def __init__(self) -> None:
        self._trees: dict[str, tuple[list, dict]] = {}      # tree → (model files, signatures)

    def parse(self, ref: FileRef, data: bytes, ctx: CollectContext) -> None:
        self.parse_file(ref, data, len(data), ctx)

    def parse_file(self, ref: FileRef, fh: BinaryIO | bytes, size: int, ctx: CollectContext) -> None:
        files, signatures = self._trees.setdefault(ref.tree, ([], {}))
        if posixpath.basename(ref.path) in SIGNATURE_NAMES:
            if size > MAX_SIGNATURE_BYTES:
                ctx.graph.error(self.name, ref.display, f"signature file of {size} bytes, over the "
                                f"{MAX_SIGNATURE_BYTES}-byte bound; not read")
                return
            signatures[posixpath.dirname(ref.path)] = fh if isinstance(fh, bytes) else fh.read(size)
            return
        facts = record(ctx, self.name, ref.node, ref.display, ref.path, fh, size)
        if facts.format != "lfs-pointer":
            files.append((ref.node, ref.path, facts.sha256))

    def finish(self, tree: str, ctx: CollectContext) -> None:
        files, signatures = self._trees.pop(tree, ([], {}))
        sign_states(ctx, files, signatures)
