"""Model files read by their bytes: which format, whether loading runs code, and what
shows it. Nothing is loaded or imported; archives are opened with byte bounds.

Formats, told by content first and name second: pickle (and cloudpickle), joblib (plain
or zlib/gzip/bz2/xz-compressed), torch.save zip archives (`<name>/data.pkl`), legacy
torch.save pickles, TorchScript archives, Keras 3 `.keras` zips and Keras HDF5 files
(Lambda layers hold Python bytecode run when the model is rebuilt), `.npy`/`.npz` (object
arrays are pickles), ONNX, safetensors, GGUF.

A model file is read by seeks and bounded reads (`ModelFile`), never whole: a checkpoint
of many GB costs what tells its format and what runs on load — a zip's central directory
and pickle members, a pickle's opcodes (payloads seeked past), a safetensors/npy header, a
Keras HDF5 file's first MAX_HDF5_SCAN bytes (where Keras writes its model config) — and
its sha256 when it is at most MAX_HASH_BYTES.
"""
from __future__ import annotations

import ast
import bz2
import hashlib
import io
import json
import lzma
import re
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import BinaryIO

from .pickle_scan import ScanResult, scan_pickle

# Formats whose loader runs whatever the file holds (pickle-based).
CODE_FORMATS = frozenset({"pickle", "joblib", "torch-zip", "torch-legacy", "npy-object", "npz-object"})
MAX_MEMBERS = 10_000                 # archive members looked at
MAX_MEMBER_BYTES = 64 * 1024 * 1024  # bytes a member (or a decompressed file) may expand to
MAX_HEADER_BYTES = 100 * 1024 * 1024 # safetensors / npy header bound
MAX_CENTRAL_BYTES = 64 * 1024 * 1024 # a zip's central directory
MAX_HDF5_SCAN = 64 * 1024 * 1024     # bytes of an HDF5 file searched for the Keras model config
MAX_HASH_BYTES = 4 * 1024 ** 3       # files hashed (sha256) up to this size; larger: not hashed
CHUNK = 1024 * 1024
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
    sha256: str | None = None          # None: over MAX_HASH_BYTES, not hashed
    size: int = 0

    @property
    def complete(self) -> bool:
        return not self.problems and self.scan.complete and not self.unavailable

    @property
    def runs_code(self) -> bool | None:
        if self.code_evidence or self.scan.runs_code:
            return True
        return False if self.complete else None

    def attrs(self) -> dict:
        """The `model_*` attrs of the file node."""
        shown = sorted(self.scan.found.values(),
                       key=lambda f: (["runs_code", "carries_code", "unknown", "safe"].index(f.category), f.offset))
        out = {
            "model_format": self.format,
            "model_format_runs_code": self.format in CODE_FORMATS,
            "model_runs_code_on_load": self.runs_code,
            "model_scan": "unavailable" if self.unavailable else "complete" if self.complete else "incomplete",
            "model_sha256": self.sha256,
            "model_size": self.size,
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
        if self.sha256 is None:
            out["model_sha256_skipped"] = f"{self.size} bytes, over the {MAX_HASH_BYTES}-byte hash bound"
        out.update({f"model_{k}": v for k, v in self.details.items()})
        return out


class ModelFile:
    """A model file read by seeks and bounded reads: an open binary file, or bytes."""

    def __init__(self, src: bytes | BinaryIO, size: int | None = None) -> None:
        if isinstance(src, (bytes, bytearray)):
            self.fh, self.size = io.BytesIO(src), len(src)
        else:
            self.fh = src
            self.size = size if size is not None else os.fstat(src.fileno()).st_size

    def read_at(self, offset: int, n: int) -> bytes:
        """At most n bytes from offset (never asks the file for more than it holds)."""
        self.fh.seek(offset)
        return self.fh.read(max(0, min(n, self.size - offset)))

    def at(self, offset: int) -> BinaryIO:
        self.fh.seek(offset)
        return self.fh

    def sha256(self) -> str | None:
        if self.size > MAX_HASH_BYTES:
            return None
        h = hashlib.sha256()
        self.fh.seek(0)
        while chunk := self.fh.read(CHUNK):
            h.update(chunk)
        return h.hexdigest()


def inspect(name: str, data: bytes | BinaryIO, size: int | None = None) -> ModelFacts:
    """The facts of one model file named `name` (a path; the extension is a hint only):
    its bytes, or an open binary file of `size` bytes."""
    f = ModelFile(data, size)
    facts = _inspect(name, f)
    facts.size, facts.sha256 = f.size, f.sha256()
    return facts


def _inspect(name: str, f: ModelFile) -> ModelFacts:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name.rsplit("/", 1)[-1] else ""
    head = f.read_at(0, 64)
    if head.startswith(LFS_POINTER):
        return ModelFacts("lfs-pointer", unavailable="a git LFS pointer: the model is stored outside the repository")
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _zip(f)
    if head[:8] == b"\x89HDF\r\n\x1a\n":
        return _hdf5(f)
    if head[:6] == b"\x93NUMPY":
        return _npy(f, 0, f.size, "npy")
    if head[:4] == b"GGUF":
        return _gguf(head)
    if ext == "safetensors" or _looks_safetensors(head, f.size):
        return _safetensors(f)
    if ext == "onnx":
        return ModelFacts("onnx")
    if head.startswith(LEGACY_TORCH_MAGIC):
        facts = ModelFacts("torch-legacy")
        scan_pickle(f.at(0), result=facts.scan, max_pickles=5, end=f.size)
        return facts
    for magic, kind in _COMPRESSED:
        if head.startswith(magic) and ext in ("joblib", "pkl", "pickle", "gz", "bz2", "xz", "lzma", "z"):
            return _compressed(f, kind)
    if head[:1] == b"x" and ext in ("joblib", "pkl", "pickle", "z") and _zlib_header(head):
        return _compressed(f, "zlib")
    if head[:1] in _PICKLE_START or ext in ("pkl", "pickle", "joblib", "pt", "pth", "ckpt"):
        return _pickle(f.at(0), f.size)
    return ModelFacts("binary")           # a .bin that is neither zip nor pickle: raw weights


def _pickle(stream: BinaryIO, end: int, compression: str | None = None) -> ModelFacts:
    facts = ModelFacts("pickle", compression=compression)
    scan_pickle(stream, result=facts.scan, end=end)
    if any(f.module.startswith("joblib") for f in facts.scan.found.values()):
        facts.format = "joblib"
    return facts


def _zlib_header(data: bytes) -> bool:
    return len(data) > 1 and (data[0] * 256 + data[1]) % 31 == 0


def _compressed(f: ModelFile, kind: str) -> ModelFacts:
    # Compression hardly ever makes data larger: more input than the output bound (plus
    # slack for incompressible data) cannot decompress within it.
    if f.size > MAX_MEMBER_BYTES + MAX_MEMBER_BYTES // 64 + 4096:
        return ModelFacts("pickle", compression=kind, problems=[
            f"{kind} stream of {f.size} bytes expands past {MAX_MEMBER_BYTES} bytes; not scanned"])
    try:
        plain = _bounded_decompress(f.read_at(0, f.size), kind)
    except ValueError as exc:
        return ModelFacts("pickle", problems=[str(exc)], compression=kind)
    return _pickle(io.BytesIO(plain), len(plain), compression=kind)


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

def _zip(f: ModelFile) -> ModelFacts:
    try:
        _central_directory_bounded(f)
        z = zipfile.ZipFile(f.at(0))
        infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, struct.error) as exc:
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
                inner = _npy(ModelFile(content), 0, len(content), "npy", member=n)
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


def _central_directory_bounded(f: ModelFile) -> None:
    """zipfile reads the whole central directory into memory: refuse one over the bound."""
    end = zipfile._EndRecData(f.at(0))          # the end record: stdlib's own reader
    if end and end[zipfile._ECD_SIZE] > MAX_CENTRAL_BYTES:
        raise ValueError(f"central directory of {end[zipfile._ECD_SIZE]} bytes, over the "
                         f"{MAX_CENTRAL_BYTES}-byte bound")


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


def _hdf5(f: ModelFile) -> ModelFacts:
    """HDF5 keeps the Keras model_config attribute as one contiguous JSON string, which
    Keras writes before the weights: the first MAX_HDF5_SCAN bytes are searched, in chunks
    that overlap so a layer entry cut by a chunk's end is seen whole in the next."""
    overlap, step = 4096, 8 * CHUNK
    keras, found = False, {}
    limit = min(f.size, MAX_HDF5_SCAN)
    start = 0
    while start < limit:
        chunk = f.read_at(start, min(step + overlap, limit - start))
        keras = keras or b'"class_name"' in chunk
        for e in _lambda_layers(chunk, ""):
            e["offset"] += start
            found.setdefault(e["offset"], e)
        start += step
    facts = ModelFacts("keras-h5" if keras else "hdf5")
    facts.code_evidence += list(found.values())[:20]
    if f.size > MAX_HDF5_SCAN and not keras:
        facts.problems.append(f"no Keras model config in the first {MAX_HDF5_SCAN} bytes of a "
                              f"{f.size}-byte HDF5 file; the rest not searched")
    return facts


# -- numpy -------------------------------------------------------------------------------

def _npy(f: ModelFile, offset: int, end: int, fmt: str, member: str = "") -> ModelFacts:
    facts = ModelFacts(fmt)
    where = f"{member}: " if member else ""
    pre = f.read_at(offset, 12)
    major = pre[6] if len(pre) > 7 else 0
    size_fmt, start = ("<H", 10) if major == 1 else ("<I", 12)
    if major not in (1, 2, 3) or len(pre) < start:
        facts.problems.append(f"{where}npy header unreadable (version {major})")
        return facts
    (hlen,) = struct.unpack(size_fmt, pre[8:start])
    if hlen > min(MAX_HEADER_BYTES, end - offset - start):
        facts.problems.append(f"{where}npy header of {hlen} bytes runs past the file")
        return facts
    try:
        header = ast.literal_eval(f.read_at(offset + start, hlen).decode("latin-1").strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        facts.problems.append(f"{where}npy header is not a Python literal")
        return facts
    descr = header.get("descr") if isinstance(header, dict) else None
    facts.details["dtype"] = str(descr)[:100]
    if "O" in str(descr):
        facts.format = f"{fmt}-object"
        scan_pickle(f.at(offset + start + hlen), member=member, result=facts.scan, end=end)
    return facts


# -- safetensors, GGUF --------------------------------------------------------------------

def _looks_safetensors(head: bytes, size: int) -> bool:
    return len(head) >= 10 and head[8:9] == b"{" and struct.unpack("<Q", head[:8])[0] <= size - 8


def _safetensors(f: ModelFile) -> ModelFacts:
    facts = ModelFacts("safetensors")
    if f.size < 8:
        facts.problems.append("safetensors file shorter than its 8-byte header length")
        return facts
    (n,) = struct.unpack("<Q", f.read_at(0, 8))
    if n > min(MAX_HEADER_BYTES, f.size - 8):
        facts.problems.append(f"safetensors header of {n} bytes runs past the file")
        return facts
    try:
        header = json.loads(f.read_at(8, n))
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


def _gguf(head: bytes) -> ModelFacts:
    facts = ModelFacts("gguf")
    if len(head) >= 8:
        facts.details["gguf_version"] = struct.unpack("<I", head[4:8])[0]
    return facts
