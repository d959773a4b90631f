"""Model files read by their bytes: which format, whether loading runs code, and what
shows it. Nothing is loaded or imported; archives are opened with byte bounds.

Formats, told by content first and name second: pickle (and cloudpickle), joblib (plain
or zlib/gzip/bz2/xz-compressed), torch.save zip archives (`<name>/data.pkl`), legacy
torch.save pickles, TorchScript archives, Keras 3 `.keras` zips and Keras HDF5 files
(Lambda layers hold Python bytecode run when the model is rebuilt), `.npy`/`.npz` (object
arrays are pickles), ONNX, safetensors, GGUF.
"""
from __future__ import annotations

import ast
import bz2
import hashlib
import io
import json
import lzma
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field

from .pickle_scan import ScanResult, scan_pickle

# Formats whose loader runs whatever the file holds (pickle-based).
CODE_FORMATS = frozenset({"pickle", "joblib", "torch-zip", "torch-legacy", "npy-object", "npz-object"})
MAX_MEMBERS = 10_000                 # archive members looked at
MAX_MEMBER_BYTES = 64 * 1024 * 1024  # bytes a member (or a decompressed file) may expand to
MAX_HEADER_BYTES = 100 * 1024 * 1024 # safetensors / npy header bound
LFS_POINTER = b"version https://git-lfs.github.com/spec/"
LEGACY_TORCH_MAGIC = b"\x80\x02\x8a\nl\xfc\x9cF\xf9 j\xa8P\x19."
_LAMBDA = re.compile(rb'"class_name":\s*"(Lambda|TFOpLambda)"')
_PICKLE_START = (b"\x80", b"(", b"]", b"}", b"c", b"N", b")")
_COMPRESSED = ((b"\x1f\x8b", "gzip"), (b"BZh", "bz2"), (b"\xfd7zXZ\x00", "xz"),
               (b"\x5d\x00\x00", "lzma"))


@dataclass
class ModelFacts:
    format: str
    scan: ScanResult = field(default_factory=ScanResult)
    problems: list[str] = field(default_factory=list)     # bounds hit, headers broken
    members: list[str] = field(default_factory=list)      # archive members read
    code_evidence: list[dict] = field(default_factory=list)   # non-pickle code (Keras Lambda)
    details: dict = field(default_factory=dict)
    compression: str | None = None
    unavailable: str | None = None     # why the content is not here to read (an LFS pointer)

    @property
    def complete(self) -> bool:
        return not self.problems and self.scan.complete and not self.unavailable

    @property
    def runs_code(self) -> bool | None:
        if self.code_evidence or self.scan.runs_code:
            return True
        return False if self.complete else None

    def attrs(self, data: bytes) -> dict:
        """The `model_*` attrs of the file node."""
        shown = sorted(self.scan.found.values(),
                       key=lambda f: (["runs_code", "carries_code", "unknown", "safe"].index(f.category), f.offset))
        out = {
            "model_format": self.format,
            "model_format_runs_code": self.format in CODE_FORMATS,
            "model_runs_code_on_load": self.runs_code,
            "model_scan": "unavailable" if self.unavailable else "complete" if self.complete else "incomplete",
            "model_sha256": hashlib.sha256(data).hexdigest(),
            "model_size": len(data),
            "model_code": [f.as_dict() for f in shown if f.category == "runs_code"] + self.code_evidence,
            "model_carries_code": bool(self.scan.of("carries_code")),
            "model_globals": [f.as_dict() for f in shown if f.category != "safe"][:50],
            "model_globals_count": len(self.scan.found) + self.scan.more_globals,
        }
        if self.members:
            out["model_members"] = self.members[:50]
        if self.compression:
            out["model_compression"] = self.compression
        if self.problems or self.scan.problems:
            out["model_scan_problems"] = (self.problems + self.scan.problems)[:10]
        if self.unavailable:
            out["model_unavailable"] = self.unavailable
        out.update({f"model_{k}": v for k, v in self.details.items()})
        return out


def inspect(name: str, data: bytes) -> ModelFacts:
    """The facts of one model file named `name` (a path; the extension is a hint only)."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name.rsplit("/", 1)[-1] else ""
    if data.startswith(LFS_POINTER):
        return ModelFacts("lfs-pointer", unavailable="a git LFS pointer: the model is stored outside the repository")
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _zip(data)
    if data[:8] == b"\x89HDF\r\n\x1a\n":
        return _hdf5(data)
    if data[:6] == b"\x93NUMPY":
        return _npy(data, "npy")
    if data[:4] == b"GGUF":
        return _gguf(data)
    if ext == "safetensors" or _looks_safetensors(data):
        return _safetensors(data)
    if ext == "onnx":
        return ModelFacts("onnx")
    if data.startswith(LEGACY_TORCH_MAGIC):
        facts = ModelFacts("torch-legacy")
        scan_pickle(data, result=facts.scan, max_pickles=5)
        return facts
    for magic, kind in _COMPRESSED:
        if data.startswith(magic) and ext in ("joblib", "pkl", "pickle", "gz", "bz2", "xz", "lzma", "z"):
            return _compressed(data, kind)
    if data[:1] == b"x" and ext in ("joblib", "pkl", "pickle", "z") and _zlib_header(data):
        return _compressed(data, "zlib")
    if data[:1] in _PICKLE_START or ext in ("pkl", "pickle", "joblib", "pt", "pth", "ckpt"):
        return _pickle(data)
    return ModelFacts("binary")           # a .bin that is neither zip nor pickle: raw weights


def _pickle(data: bytes, compression: str | None = None) -> ModelFacts:
    facts = ModelFacts("pickle", compression=compression)
    scan_pickle(data, result=facts.scan)
    if any(f.module.startswith("joblib") for f in facts.scan.found.values()):
        facts.format = "joblib"
    return facts


def _zlib_header(data: bytes) -> bool:
    return len(data) > 1 and (data[0] * 256 + data[1]) % 31 == 0


def _compressed(data: bytes, kind: str) -> ModelFacts:
    try:
        plain = _bounded_decompress(data, kind)
    except ValueError as exc:
        return ModelFacts("pickle", problems=[str(exc)], compression=kind)
    return _pickle(plain, compression=kind)


def _bounded_decompress(data: bytes, kind: str) -> bytes:
    """At most MAX_MEMBER_BYTES of output, whatever the input claims."""
    if kind == "zlib":
        d = zlib.decompressobj()
    elif kind == "gzip":
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif kind == "bz2":
        d = bz2.BZ2Decompressor()
    else:
        d = lzma.LZMADecompressor()
    try:
        out = d.decompress(data, MAX_MEMBER_BYTES + 1)
    except (zlib.error, OSError, lzma.LZMAError, EOFError) as exc:
        raise ValueError(f"{kind} stream unreadable: {exc}") from exc
    if len(out) > MAX_MEMBER_BYTES:
        raise ValueError(f"{kind} stream expands past {MAX_MEMBER_BYTES} bytes; not scanned")
    return out


# -- zip archives: torch, TorchScript, Keras 3, npz --------------------------------------

def _zip(data: bytes) -> ModelFacts:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        return ModelFacts("zip", problems=[f"zip archive unreadable: {exc}"])
    names = [i.filename for i in infos[:MAX_MEMBERS]]
    facts = ModelFacts(_zip_kind(names))
    if len(infos) > MAX_MEMBERS:
        facts.problems.append(f"archive has {len(infos)} members; the first {MAX_MEMBERS} read")
    for info in infos[:MAX_MEMBERS]:
        n = info.filename
        if n.endswith(".pkl"):
            content = _member(z, info, facts)
            if content is not None:
                facts.members.append(n)
                scan_pickle(content, member=n, result=facts.scan)
        elif n.endswith(".npy") and facts.format.startswith("npz"):
            content = _member(z, info, facts)
            if content is not None:
                facts.members.append(n)
                inner = _npy(content, "npy", member=n)
                facts.problems += inner.problems
                facts.scan.found.update(inner.scan.found)
                facts.scan.problems += inner.scan.problems
                if inner.format == "npy-object":
                    facts.format = "npz-object"
        elif n == "config.json" and facts.format == "keras":
            content = _member(z, info, facts)
            if content is not None:
                facts.members.append(n)
                facts.code_evidence += _lambda_layers(content, n)
    return facts


def _zip_kind(names: list[str]) -> str:
    if any(n.endswith("/code/__torch__.py") or "/code/__torch__/" in n for n in names) or \
            any(n.endswith("/constants.pkl") for n in names):
        return "torchscript"
    if any(n.endswith("data.pkl") for n in names):
        return "torch-zip"
    if "config.json" in names and ("metadata.json" in names or "model.weights.h5" in names):
        return "keras"
    if names and all(n.endswith(".npy") for n in names):
        return "npz"
    return "zip"


def _member(z: zipfile.ZipFile, info: zipfile.ZipInfo, facts: ModelFacts) -> bytes | None:
    """A member's bytes, read no further than MAX_MEMBER_BYTES whatever its header says
    (a zip bomb's declared size can lie)."""
    if info.file_size > MAX_MEMBER_BYTES:
        facts.problems.append(f"{info.filename}: expands to {info.file_size} bytes, over the "
                              f"{MAX_MEMBER_BYTES}-byte bound; not scanned")
        return None
    try:
        with z.open(info) as f:
            content = f.read(MAX_MEMBER_BYTES + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError,
            RuntimeError, zlib.error, lzma.LZMAError) as exc:
        facts.problems.append(f"{info.filename}: unreadable: {exc}")
        return None
    if len(content) > MAX_MEMBER_BYTES:
        facts.problems.append(f"{info.filename}: expands past {MAX_MEMBER_BYTES} bytes; not scanned")
        return None
    return content


# -- Keras ------------------------------------------------------------------------------

def _lambda_layers(text: bytes, member: str) -> list[dict]:
    """Lambda layers (marshalled Python bytecode the loader rebuilds and runs)."""
    return [{"global": f"keras.layers.{m.group(1).decode()}", "member": member,
             "offset": m.start(), "opcode": "layer config", "category": "runs_code",
             "called": True, "count": 1} for m in _LAMBDA.finditer(text)][:20]


def _hdf5(data: bytes) -> ModelFacts:
    """HDF5 keeps the Keras model_config attribute as one contiguous JSON string."""
    keras = b'"class_name"' in data
    facts = ModelFacts("keras-h5" if keras else "hdf5")
    if keras:
        facts.code_evidence += _lambda_layers(data, "")
    return facts


# -- numpy -------------------------------------------------------------------------------

def _npy(data: bytes, fmt: str, member: str = "") -> ModelFacts:
    facts = ModelFacts(fmt)
    where = f"{member}: " if member else ""
    major = data[6] if len(data) > 7 else 0
    size_fmt, start = ("<H", 10) if major == 1 else ("<I", 12)
    if major not in (1, 2, 3) or len(data) < start:
        facts.problems.append(f"{where}npy header unreadable (version {major})")
        return facts
    (hlen,) = struct.unpack(size_fmt, data[8:start])
    if hlen > min(MAX_HEADER_BYTES, len(data) - start):
        facts.problems.append(f"{where}npy header of {hlen} bytes runs past the file")
        return facts
    try:
        header = ast.literal_eval(data[start:start + hlen].decode("latin-1").strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        facts.problems.append(f"{where}npy header is not a Python literal")
        return facts
    descr = header.get("descr") if isinstance(header, dict) else None
    facts.details["dtype"] = str(descr)[:100]
    if "O" in str(descr):
        facts.format = f"{fmt}-object"
        scan_pickle(data[start + hlen:], member=member, result=facts.scan)
    return facts


# -- safetensors, GGUF --------------------------------------------------------------------

def _looks_safetensors(data: bytes) -> bool:
    return len(data) >= 10 and data[8:9] == b"{" and struct.unpack("<Q", data[:8])[0] <= len(data) - 8


def _safetensors(data: bytes) -> ModelFacts:
    facts = ModelFacts("safetensors")
    if len(data) < 8:
        facts.problems.append("safetensors file shorter than its 8-byte header length")
        return facts
    (n,) = struct.unpack("<Q", data[:8])
    if n > min(MAX_HEADER_BYTES, len(data) - 8):
        facts.problems.append(f"safetensors header of {n} bytes runs past the file")
        return facts
    try:
        header = json.loads(data[8:8 + n])
    except (ValueError, RecursionError):
        facts.problems.append("safetensors header is not JSON")
        return facts
    if not isinstance(header, dict):
        facts.problems.append("safetensors header is not a JSON object")
        return facts
    meta = header.pop("__metadata__", None)
    facts.details["tensors"] = len(header)
    if isinstance(meta, dict):
        facts.details["metadata"] = {str(k)[:100]: str(v)[:200] for k, v in list(meta.items())[:20]}
    return facts


def _gguf(data: bytes) -> ModelFacts:
    facts = ModelFacts("gguf")
    if len(data) >= 8:
        facts.details["gguf_version"] = struct.unpack("<I", data[4:8])[0]
    return facts
