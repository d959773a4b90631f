"""Model files: truncated and garbage pickles, a pickle that is text, recursive and deeply
nested pickles, a zip bomb inside a .pt, sparse checkpoints over the parse limit, broken
safetensors and npy headers, and pickles that would run a command if loaded — a collection
error naming the file, a finding, or clean facts; never a load, a crash or a hang."""
from __future__ import annotations

import pickle
import sys
from pathlib import Path

from . import mutate as mu
from .cases import NONE, ONE, Case, Expect, files, rng_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import model_files as m  # noqa: E402

MARKER = "pwned-models"
FILE = "file:{p}/"


def _case(name: str, rel: str, content, expect: Expect, **kw) -> Case:
    return Case(f"models/{name}", files({rel: content}), expect, target=rel, **kw)


def _sparse(rel: str, size: int):
    def build(case_dir: Path) -> None:
        path = case_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            f.truncate(size)                      # no blocks written: a sparse file
    return build


def _sparse_torch_zip(rel: str, data_pkl: bytes, tensor_size: int):
    def build(case_dir: Path) -> None:
        path = case_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        m.sparse_torch_zip(path, data_pkl, tensor_size)
    return build


def cases(seed: int) -> list[Case]:
    rng = rng_for(seed, "models")
    sk = m.sklearn_pickle()
    out = [_case(f"truncated-pickle-{i}", "model.pkl", sk[:at], Expect(ONE))
           for i, at in enumerate(mu.truncation_points(sk, rng, 3)) if 2 < at < len(sk)]
    jb = m.sklearn_joblib()
    out += [_case(f"truncated-joblib-{i}", "forest.joblib", jb[:at], Expect(ONE))
            for i, at in enumerate(mu.truncation_points(jb, rng, 2)) if 2 < at < len(jb)]
    evil = m.stack_global_reduce("os", "system", f"touch {MARKER}")
    loop: list = []
    loop.append(loop)
    out += [
        _case("text-pickle", "model.pkl", "this is a model card, not a pickle\n", Expect(ONE)),
        _case("garbage-pt", "weights.pt", bytes(rng.randrange(256) | 0x01 for _ in range(512)).replace(b"\x80", b"\x81"),
              Expect(ONE)),
        _case("recursive-pickle", "loop.pkl", pickle.dumps(loop, protocol=4), Expect(NONE)),
        _case("deep-pickle", "deep.pkl", b"\x80\x04" + b"(" * 100_000 + b"t" * 100_000 + b".", Expect(NONE)),
        _case("zip-bomb-pt", "bomb.pt", lambda: m.zip_bomb(size=70 * 1024 * 1024), Expect(ONE)),
        _case("command-pickle", "evil.pkl", evil,
              Expect(NONE, findings=(("MLC-MODEL-001", FILE + "evil.pkl"),)), markers=(MARKER,)),
        _case("command-in-torch-zip", "evil.pt", m.torch_zip(evil),
              Expect(NONE, findings=(("MLC-MODEL-001", FILE + "evil.pt"),)), markers=(MARKER,)),
        _case("command-after-joblib-arrays", "evil.joblib", m.joblib_with_call_after_arrays("os", "system"),
              Expect(NONE, findings=(("MLC-MODEL-001", FILE + "evil.joblib"),))),
        _case("safetensors-header-past-end", "w.safetensors", b"\x00\x00\x00\x10\x00\x00\x00\x00{}", Expect(ONE)),
        _case("safetensors-not-json", "w.safetensors", b"\x05\x00\x00\x00\x00\x00\x00\x00{oops", Expect(ONE)),
        _case("npy-header-not-literal", "a.npy", b"\x93NUMPY\x01\x00\x10\x00{'descr': os()}\n", Expect(ONE)),
        # Over the parse limit, sparse, read by seeks (the corpus-determinism test reads
        # every case file: the 20 GB checkpoints are tests/collectors/test_models_large.py's):
        # zeros are not a pickle; a torch zip's data.pkl is found past its tensor.
        Case("models/checkpoint-over-parse-limit", _sparse("big.ckpt", 64 * 1024 ** 2), Expect(ONE), target="big.ckpt"),
        Case("models/torch-zip-over-parse-limit", _sparse_torch_zip("big.pt", evil, 64 * 1024 ** 2),
             Expect(NONE, findings=(("MLC-MODEL-001", FILE + "big.pt"),)), target="big.pt", markers=(MARKER,)),
    ]
    return out
