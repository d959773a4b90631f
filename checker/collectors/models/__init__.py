"""Model files: what a model will run when it is loaded, read from its bytes.

`ModelFileParser` claims model files in any tree (git, folder) and records on the file
node the `model_*` facts of formats.py: the format, whether loading it runs code
(`model_runs_code_on_load`: true, false, or null when part of it could not be read), the
globals its pickles import with member and offset, sha256 and size. A bound hit or a
broken file is a collection error naming the file; what was read is still recorded, and
an incomplete scan is never reported as clean. Nothing is loaded or imported.
"""
from __future__ import annotations

from .. import CollectContext, FileParser, FileRef
from .formats import ModelFacts, inspect

__all__ = ["ModelFileParser", "ModelFacts", "inspect", "record"]

MODEL_PATTERNS = ("*.pkl", "*.pickle", "*.joblib", "*.pt", "*.pth", "*.bin", "*.ckpt",
                  "*.h5", "*.hdf5", "*.keras", "*.npy", "*.npz", "*.onnx", "*.safetensors",
                  "*.gguf")


def record(ctx: CollectContext, collector: str, nid: str, display: str, name: str,
           data: bytes) -> ModelFacts:
    """Inspect one model file's bytes and put the facts on its file node; every problem
    is a collection error naming the file."""
    facts = inspect(name, data)
    ctx.graph.update_attrs(nid, **facts.attrs(data))
    for problem in facts.problems + facts.scan.problems:
        ctx.graph.error(collector, display, problem)
    return facts


class ModelFileParser(FileParser):
    name = "models"
    patterns = MODEL_PATTERNS

    def parse(self, ref: FileRef, data: bytes, ctx: CollectContext) -> None:
        record(ctx, self.name, ref.node, ref.display, ref.path, data)
