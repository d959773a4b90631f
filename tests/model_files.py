"""Model files in their real formats, for the model collector's tests, fuzz family and bench.

Malicious pickles are written opcode by opcode (never by pickling an object whose
__reduce__ runs a command, never loaded): GLOBAL or STACK_GLOBAL of a callable, its
argument tuple, REDUCE. The command is harmless (`echo`), and nothing here runs it.
Benign files are made by the real libraries (numpy, scikit-learn, joblib; torch and
xgboost when installed) exactly as their users make them.
"""
from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib

PROTO4 = b"\x80\x04"


def _short(text: str) -> bytes:
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw           # SHORT_BINUNICODE


def global_reduce(module: str, name: str, arg: str = "echo mlcheck-test") -> bytes:
    """Protocol 0/1 style: GLOBAL 'module name', (arg,), REDUCE, STOP."""
    return (b"c" + f"{module}\n{name}\n".encode() + b"(" + b"V" + arg.encode() + b"\n"
            + b"tR.")


def stack_global_reduce(module: str, name: str, arg: str = "echo mlcheck-test",
                        memoised: bool = True) -> bytes:
    """Protocol 4: module and name pushed as strings (memoised and fetched back with BINGET
    when `memoised`, as an obfuscating writer would), STACK_GLOBAL, (arg,), REDUCE."""
    body = _short(module) + b"\x94" + _short(name) + b"\x94"
    if memoised:
        body += b"h\x00h\x01"                              # BINGET 0, BINGET 1
    body += b"\x93\x94" + _short(arg) + b"\x94\x85\x94R\x94."
    return PROTO4 + body


def hidden_stack_global() -> bytes:
    """STACK_GLOBAL whose module name is built at load time (a call result): unresolvable."""
    return (PROTO4 + _short("builtins") + _short("str") + b"\x93" + _short("os") + b"\x85R"
            + _short("system") + b"\x93" + _short("echo mlcheck-test") + b"\x85R.")


def after_benign(payload: bytes) -> bytes:
    """A benign dict pickle followed by a second, malicious one (read in turn by a loader
    that calls load() twice, as legacy torch.load does)."""
    import pickle
    return pickle.dumps({"weights": [1.0, 2.0]}, protocol=4) + payload


def torch_zip(data_pkl: bytes, name: str = "archive", extra: dict[str, bytes] | None = None) -> bytes:
    """The layout torch.save writes since 1.6: <name>/data.pkl, <name>/version, data/0 …"""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr(f"{name}/data.pkl", data_pkl)
        z.writestr(f"{name}/byteorder", b"little")
        z.writestr(f"{name}/data/0", b"\x00" * 64)
        z.writestr(f"{name}/version", b"3\n")
        for member, content in (extra or {}).items():
            z.writestr(f"{name}/{member}", content)
    return out.getvalue()


def zip_bomb(member: str = "archive/data.pkl", size: int = 200 * 1024 * 1024,
             zip64: bool = True) -> bytes:
    """A deflated member that expands to `size` bytes of zeros (a few hundred KB on disk)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open(member, "w", force_zip64=zip64) as f:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(size // len(chunk)):
                f.write(chunk)
    return out.getvalue()


def safetensors(tensors: dict[str, tuple[str, list[int]]] | None = None,
                metadata: dict | None = None) -> bytes:
    """The safetensors layout: u64 header length, JSON header, raw tensor bytes."""
    tensors = tensors or {"weight": ("F32", [2, 2])}
    header, offset = {}, 0
    for name, (dtype, shape) in tensors.items():
        n = 4
        for d in shape:
            n *= d
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + n]}
        offset += n
    if metadata:
        header["__metadata__"] = metadata
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + b"\x00" * offset


def npy(descr: str = "<f8", shape=(3,), payload: bytes | None = None) -> bytes:
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape!r}, }}"
    header = header + " " * (63 - (len(header) + 10) % 64) + "\n"
    body = payload if payload is not None else b"\x00" * 8 * (shape[0] if shape else 1)
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + body


def npz(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, content in members.items():
            z.writestr(name, content)
    return out.getvalue()


def keras_zip(lambda_layer: bool) -> bytes:
    """A Keras 3 `.keras` file: a zip of config.json, metadata.json, model.weights.h5."""
    layers = [{"class_name": "InputLayer", "config": {"batch_shape": [None, 4], "name": "in"}},
              {"class_name": "Dense", "config": {"units": 1, "name": "dense"}}]
    if lambda_layer:
        layers.append({"class_name": "Lambda", "config": {
            "name": "lambda", "function": {"class_name": "__lambda__", "config": {
                "code": "4wEAAAAAAAAAAAAAAAEAAAADAAAA8wYAAACVAHwAUwCpAU6pAKkB2gF4cwEAAAAg",
                "defaults": None, "closure": None}}}})
    config = {"module": "keras", "class_name": "Sequential", "config": {"name": "seq", "layers": layers}}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.6.0"}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n" + b"\x00" * 56)
    return out.getvalue()


def keras_h5(lambda_layer: bool) -> bytes:
    """An HDF5 file whose model_config attribute is the Keras JSON (HDF5 stores the string
    contiguously, which is what the scanner reads)."""
    layers = [{"class_name": "Dense", "config": {"units": 1}}]
    if lambda_layer:
        layers.append({"class_name": "Lambda", "config": {"function": ["4wEAAAAA", None, None]}})
    cfg = json.dumps({"class_name": "Sequential", "config": {"layers": layers}}).encode()
    return b"\x89HDF\r\n\x1a\n" + b"\x00" * 504 + cfg + b"\x00" * 128


def gguf() -> bytes:
    return b"GGUF" + struct.pack("<IQQ", 3, 0, 0)


def onnx_like() -> bytes:
    """The first fields of an ONNX ModelProto (ir_version 8, producer_name 'pytorch')."""
    return b"\x08\x08\x12\x07pytorch\x1a\x052.1.0"


# -- benign files from the real libraries -------------------------------------------------

def sklearn_pickle() -> bytes:
    import pickle

    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    X = [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.2, 0.9]]
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, [0, 1, 1, 0])
    return pickle.dumps(model, protocol=5)


def sklearn_joblib(compress: int = 0) -> bytes:
    import joblib
    from sklearn.ensemble import RandomForestClassifier
    X = [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.2, 0.9]]
    model = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, [0, 1, 1, 0])
    out = io.BytesIO()
    joblib.dump(model, out, compress=compress)
    return out.getvalue()


def joblib_object_array() -> bytes:
    """A joblib dump of a dict holding a float array and an object array: the float array's
    raw bytes and the object array's own pickle sit inside the stream."""
    import joblib
    import numpy as np
    out = io.BytesIO()
    joblib.dump({"w": np.arange(10, dtype="f8"), "labels": np.array(["a", 1], dtype=object)}, out)
    return out.getvalue()


def joblib_with_call_after_arrays(module: str = "os", name: str = "system") -> bytes:
    """A real joblib dump with, just before its final STOP, a call whose result is popped:
    the call comes after the raw array bytes, where a reader that stops at them misses it."""
    dump = joblib_object_array()
    assert dump.endswith(b".")
    call = _short(module) + _short(name) + b"\x93" + _short("echo mlcheck-test") + b"\x85R0"
    return dump[:-1] + call + b"."


def numpy_pickle() -> bytes:
    import pickle

    import numpy as np
    return pickle.dumps({"coef": np.ones((3, 3)), "bias": np.float32(0.5)}, protocol=2)


def xgboost_pickle() -> bytes | None:
    try:
        import numpy as np
        import xgboost
    except ImportError:
        return None
    import pickle
    model = xgboost.XGBClassifier(n_estimators=2, max_depth=2)
    model.fit(np.array([[0, 1], [1, 0], [0.5, 0.5], [0.2, 0.9]]), [0, 1, 1, 0])
    return pickle.dumps(model)


def torch_files() -> dict[str, bytes] | None:
    """A state_dict saved the default (zip) way, the legacy way, and a TorchScript module."""
    try:
        import torch
    except ImportError:
        return None
    net = torch.nn.Sequential(torch.nn.Linear(4, 2), torch.nn.ReLU())
    files = {}
    for name, kwargs in (("state_dict.pt", {}), ("legacy.pt", {"_use_new_zipfile_serialization": False})):
        out = io.BytesIO()
        torch.save(net.state_dict(), out, **kwargs)
        files[name] = out.getvalue()
    out = io.BytesIO()
    torch.jit.save(torch.jit.script(net), out)
    files["scripted.pt"] = out.getvalue()
    return files


# -- Checkpoints of many GB, left as holes in sparse files (no blocks written) ------------

def sparse_torch_zip(path, data_pkl: bytes, tensor_size: int) -> None:
    """A torch.save zip whose tensor member `archive/data/0` is `tensor_size` bytes of
    zeros left as a hole, stored (not deflated), with the zip64 sizes and offsets of
    PKWARE's APPNOTE (4.3.7, 4.3.12, 4.3.14-16, 4.5.3). The hole's CRC is not computed:
    nothing reads tensor members."""
    entries = []
    with open(path, "wb") as f:
        for name, data, size in (("archive/data.pkl", data_pkl, len(data_pkl)),
                                 ("archive/data/0", None, tensor_size)):
            offset, n = f.tell(), name.encode()
            crc = zlib.crc32(data) if data is not None else 0
            extra = struct.pack("<HHQQ", 1, 16, size, size)
            f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF,
                                0xFFFFFFFF, len(n), len(extra)) + n + extra)
            if data is not None:
                f.write(data)
            else:
                f.seek(size, 1)
            entries.append((n, crc, size, offset))
        cd_start = f.tell()
        for n, crc, size, offset in entries:
            extra = struct.pack("<HHQQQ", 1, 24, size, size, offset)
            f.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF,
                                0xFFFFFFFF, len(n), len(extra), 0, 0, 0, 0, 0xFFFFFFFF) + n + extra)
        cd_end = f.tell()
        f.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(entries), len(entries),
                            cd_end - cd_start, cd_start))
        f.write(struct.pack("<IIQI", 0x07064B50, 0, cd_end, 1))
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFFFFFF,
                            0xFFFFFFFF, 0))


def sparse_pickle(path, payload_size: int, then: bytes = b"") -> None:
    """A protocol-4 pickle holding a bytes object of `payload_size` zeros (BINBYTES8, a
    hole), POP, then `then` (a second pickle's body: its opcodes run in the same load) or
    STOP."""
    with open(path, "wb") as f:
        f.write(PROTO4 + b"\x8e" + struct.pack("<Q", payload_size))
        f.seek(payload_size, 1)
        f.write(b"0" + (then or b"N."))


def sparse_safetensors(path, tensor_size: int) -> None:
    """A safetensors file whose one tensor's bytes are a hole."""
    header = json.dumps({"w": {"dtype": "U8", "shape": [tensor_size],
                               "data_offsets": [0, tensor_size]}}).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header)
        f.truncate(8 + len(header) + tensor_size)
