"""A static pickle reader: which globals a pickle imports and calls, read from its opcode
stream with pickletools.genops — never loaded, nothing imported or executed.

The stack is simulated with plain values (strings, numbers, tuples, dicts) and opaque
markers, so a STACK_GLOBAL whose module and name come from memo entries is resolved
exactly, and one whose operands are not plain strings (built at load time to hide them)
is reported as unresolved, which counts as running code. joblib's arrays (raw bytes
written right after a NumpyArrayWrapper's BUILD) are skipped by their shape and dtype,
and an object array's nested pickle is scanned too. Several pickles in one stream (a
legacy torch.save file holds five) are read in turn.

Why our own reader (bench/scanner_evidence.py has the numbers): on the malicious and
benign samples built there it finds every injected call, flags no ordinary scikit-learn,
XGBoost, numpy or torch pickle, resolves memoised STACK_GLOBAL operands, reads past
joblib's inline arrays, and needs no dependency beyond the standard library.
"""
from __future__ import annotations

import io
import pickletools
import struct
from dataclasses import dataclass, field
from typing import BinaryIO

# Globals that run code, or hand a loader the means to, when a pickle is loaded.
# module → names ("*": every name of the module).
DANGEROUS: dict[str, frozenset[str] | str] = {
    "os": "*", "posix": "*", "nt": "*", "subprocess": "*", "pty": "*", "runpy": "*",
    "webbrowser": "*", "socket": "*", "shutil": "*", "sys": "*", "importlib": "*",
    "code": "*", "commands": "*", "pdb": "*", "bdb": "*", "timeit": "*", "ctypes": "*",
    "multiprocessing": "*", "asyncio": "*", "requests": "*", "urllib": "*", "httplib": "*",
    "http": "*", "ftplib": "*", "smtplib": "*", "telnetlib": "*", "ssl": "*", "pickle": "*",
    "_pickle": "*", "marshal": "*", "shelve": "*", "tempfile": "*", "platform": "*",
    "signal": "*", "sqlite3": "*", "venv": "*", "ensurepip": "*", "pip": "*", "distutils": "*",
    "setuptools": "*", "cProfile": "*", "profile": "*", "trace": "*", "threading": "*",
    "_thread": "*", "pydoc": "*", "idlelib": "*", "lib2to3": "*", "torch.hub": "*",
    "builtins": frozenset({"eval", "exec", "compile", "open", "__import__", "getattr",
                           "setattr", "delattr", "globals", "locals", "vars", "breakpoint",
                           "input", "exit", "quit", "help", "memoryview", "execfile", "apply"}),
    "__builtin__": frozenset({"eval", "exec", "compile", "open", "__import__", "getattr",
                              "setattr", "delattr", "globals", "locals", "vars", "execfile",
                              "apply", "file", "input", "raw_input"}),
    "operator": frozenset({"attrgetter", "methodcaller"}),
    "numpy.testing._private.utils": frozenset({"runstring"}),
    "torch.serialization": frozenset({"load"}),
    "torch._inductor.codecache": "*",
}

# Globals that rebuild code objects: a function defined by value (cloudpickle, dill).
# Loading creates the function without calling it; the file still carries code.
CARRIES_CODE: dict[str, frozenset[str] | str] = {
    "cloudpickle.cloudpickle": frozenset({"_make_function", "_builtin_type", "_make_skeleton_class",
                                          "_make_cell", "_function_setstate", "_class_setstate",
                                          "_make_empty_cell", "_create_parametrized_type_hint"}),
    "cloudpickle.cloudpickle_fast": frozenset({"_function_setstate", "_class_setstate"}),
    "srsly.cloudpickle.cloudpickle": "*",
    "types": frozenset({"FunctionType", "CodeType", "MethodType", "LambdaType"}),
    "dill._dill": frozenset({"_create_function", "_create_code", "_load_type", "_create_type"}),
}

# Modules whose globals ordinary model pickles are made of; anything else is "unknown".
SAFE_MODULES = ("numpy", "sklearn", "scipy", "torch", "xgboost", "lightgbm", "catboost",
                "pandas", "joblib", "collections", "_codecs", "copyreg", "datetime",
                "builtins", "__builtin__", "statsmodels", "transformers", "tokenizers",
                "mlflow", "keras", "tensorflow", "re", "decimal", "uuid", "pathlib",
                "fractions", "enum", "typing", "_collections_abc", "codecs", "array",
                "copy_reg", "prophet", "onnx", "skl2onnx", "category_encoders",
                "imblearn", "spacy", "gensim", "sentence_transformers", "cloudpickle")

STRING_OPS = frozenset({"STRING", "BINSTRING", "SHORT_BINSTRING", "UNICODE", "BINUNICODE",
                        "SHORT_BINUNICODE", "BINUNICODE8", "BINBYTES", "SHORT_BINBYTES",
                        "BINBYTES8", "BYTEARRAY8", "INT", "BININT", "BININT1", "BININT2",
                        "LONG", "LONG1", "LONG4", "FLOAT", "BINFLOAT"})
CONSTANTS = {"NONE": None, "NEWTRUE": True, "NEWFALSE": False, "EMPTY_TUPLE": ()}
GET_OPS = frozenset({"GET", "BINGET", "LONG_BINGET"})
PUT_OPS = frozenset({"PUT", "BINPUT", "LONG_BINPUT"})
IN_PLACE = frozenset({"APPEND", "APPENDS", "SETITEM", "SETITEMS", "ADDITEMS", "BUILD"})
MAX_GLOBALS = 200          # distinct globals listed per file; the rest counted
MAX_PICKLES = 64           # pickles read one after another in one stream
MAX_NESTING = 4            # pickles inside pickles (joblib object arrays) followed
MAX_OPCODE_BYTES = 64 * 1024 * 1024   # bytes of opcodes read per stream (payloads skipped aside)
MAX_VALUE_BYTES = 1024 * 1024         # a longer bytes/str payload is seeked past, not read
# Opcodes whose argument is a counted payload: name → (length format, its width).
_COUNTED = {"BINBYTES": ("<I", 4), "BINBYTES8": ("<Q", 8), "BYTEARRAY8": ("<Q", 8),
            "BINUNICODE": ("<I", 4), "BINUNICODE8": ("<Q", 8), "BINSTRING": ("<i", 4),
            "LONG4": ("<i", 4)}
_CODE2OP = {op.code.encode("latin-1"): op for op in pickletools.opcodes}
# numpy dtype kinds → bytes per unit of the code's number ('<U5': 4 bytes per character).
_DTYPE_UNIT = {"b": 1, "i": 1, "u": 1, "f": 1, "c": 1, "S": 1, "a": 1, "V": 1, "U": 4,
               "m": 1, "M": 1, "?": 1}
_DTYPE_SIZE = {"?": 1, "b": 1, "B": 1, "h": 2, "H": 2, "i": 4, "I": 4, "l": 8, "L": 8,
               "q": 8, "Q": 8, "e": 2, "f": 4, "d": 8, "g": 16, "F": 8, "D": 16, "G": 32}


@dataclass(frozen=True)
class Global:
    module: str
    name: str

    @property
    def dotted(self) -> str:
        return f"{self.module}.{self.name}"


@dataclass
class Call:
    """The result of calling a global at load time (REDUCE, NEWOBJ, INST, OBJ)."""
    func: object
    args: object


class _Opaque:
    """A value the scan does not follow (a list, an object, a persistent id)."""
    __slots__ = ()


OPAQUE = _Opaque()
UNRESOLVED = Global("?", "?")      # a STACK_GLOBAL whose operands are not plain strings


@dataclass
class Found:
    module: str
    name: str
    member: str                    # archive member ("" for the file itself)
    offset: int                    # byte offset in the member (or file) of the first sighting
    opcode: str
    category: str                  # runs_code | carries_code | safe | unknown
    called: bool = False
    count: int = 1

    def as_dict(self) -> dict:
        return {"global": f"{self.module}.{self.name}", "member": self.member,
                "offset": self.offset, "opcode": self.opcode, "category": self.category,
                "called": self.called, "count": self.count}


@dataclass
class ScanResult:
    found: dict[tuple[str, str, str], Found] = field(default_factory=dict)
    more_globals: int = 0          # distinct globals past MAX_GLOBALS, counted only
    problems: list[str] = field(default_factory=list)   # why the scan is incomplete
    pickles: int = 0
    trailing_bytes: int = 0        # bytes after the last pickle that are not one

    @property
    def complete(self) -> bool:
        return not self.problems

    def of(self, category: str) -> list[Found]:
        return [f for f in self.found.values() if f.category == category]

    @property
    def runs_code(self) -> bool | None:
        """True: a global that runs code; False: none, and the whole stream was read;
        None: none found so far, but part of the stream could not be read."""
        if self.of("runs_code"):
            return True
        return False if self.complete else None


def classify(module: str, name: str) -> str:
    if _listed(DANGEROUS, module, name) or (module, name) == ("?", "?"):
        return "runs_code"
    if _listed(CARRIES_CODE, module, name):
        return "carries_code"
    top = module.split(".", 1)[0]
    return "safe" if top in SAFE_MODULES else "unknown"


def _listed(table: dict, module: str, name: str) -> bool:
    parts = module.split(".")
    for i in range(len(parts), 0, -1):        # os.path is os's; torch.hub.x is torch.hub's
        names = table.get(".".join(parts[:i]))
        if names is not None and (names == "*" or (i == len(parts) and name in names)):
            return True
    return False


class PickleError(ValueError):
    pass


def scan_pickle(data: bytes | BinaryIO, member: str = "", result: ScanResult | None = None,
                depth: int = 0, max_pickles: int = MAX_PICKLES, end: int | None = None) -> ScanResult:
    """Every global the pickle stream(s) import or call (at most `max_pickles` in a row: a
    legacy torch.save file holds five, then raw storage bytes). `data` is bytes, or an open
    binary file read from its current position to `end` by bounded reads and seeks, so a
    pickle of many GB costs its opcodes, not its payloads."""
    result = result if result is not None else ScanResult()
    stream = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
    if end is None:
        end = len(data) if isinstance(data, (bytes, bytearray)) else _length(stream)
    origin, read = stream.tell(), 0
    while stream.tell() < end and read < max_pickles:
        start = stream.tell()
        if read and _peek(stream, 1) != b"\x80":      # after a pickle: another, or data
            result.trailing_bytes = end - start
            break
        try:
            _scan_one(_Ops(stream, end), member, result, depth)
        except (PickleError, ValueError, IndexError, KeyError, TypeError, OverflowError,
                MemoryError, EOFError, struct.error) as exc:
            where = f" in {member}" if member else ""
            head = _peek_at(stream, origin, 64) if not read and start == origin else b""
            result.problems.append(f"pickle{where} unreadable at byte {stream.tell()}: {_why(exc, head)}")
            break
        result.pickles += 1
        read += 1
    return result


def _length(stream: BinaryIO) -> int:
    here = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    return here


def _peek(stream: BinaryIO, n: int) -> bytes:
    here = stream.tell()
    out = stream.read(n)
    stream.seek(here)
    return out


def _peek_at(stream: BinaryIO, offset: int, n: int) -> bytes:
    here = stream.tell()
    stream.seek(offset)
    out = stream.read(n)
    stream.seek(here)
    return out


def _why(exc: Exception, head: bytes) -> str:
    """`head`: the stream's first bytes when the very first pickle failed, else b""."""
    text = str(exc) or type(exc).__name__
    if head[:1] not in (b"", b"\x80", b"(", b"]", b"}", b"c", b"N"):
        if all(32 <= b < 127 or b in (9, 10, 13) for b in head):
            return "not a pickle (the file is text)"
        return f"not a pickle ({text})"
    if "exhausted" in text or "truncated" in text.lower() or "remain" in text:
        return f"truncated ({text})"
    return text


class _Ops:
    """pickletools.genops over a bounded stretch of a stream, reading at most
    MAX_OPCODE_BYTES of opcodes: a counted payload longer than MAX_VALUE_BYTES is seeked
    past (its value is not needed to find globals), never read into memory."""

    def __init__(self, stream: BinaryIO, end: int) -> None:
        self.stream, self.end, self.skipped = stream, end, 0

    def __iter__(self):
        f, start = self.stream, self.stream.tell()
        while True:
            pos = f.tell()
            if pos - start - self.skipped > MAX_OPCODE_BYTES:
                raise PickleError(f"more than {MAX_OPCODE_BYTES} bytes of opcodes; not read further")
            code = f.read(1) if pos < self.end else b""
            op = _CODE2OP.get(code)
            if op is None:
                raise PickleError("pickle exhausted before seeing STOP" if not code
                                  else f"at position {pos}, opcode {code!r} unknown")
            arg = None if op.arg is None else self._arg(op)
            yield op, arg, pos
            if code == b".":
                return

    def _arg(self, op):
        counted = _COUNTED.get(op.name)
        if counted is None:
            return op.arg.reader(self.stream)
        fmt, width = counted
        raw = self.stream.read(width)
        if len(raw) < width:
            raise PickleError(f"{op.name} truncated (length missing)")
        (n,) = struct.unpack(fmt, raw)
        if n < 0:
            raise PickleError(f"{op.name} of negative length {n}")
        here = self.stream.tell()
        if here + n > self.end:
            raise PickleError(f"{op.name} of {n} bytes truncated: only {self.end - here} remain")
        if n > MAX_VALUE_BYTES:
            self.stream.seek(here + n)
            self.skipped += n
            return OPAQUE
        self.stream.seek(here - width)
        return op.arg.reader(self.stream)


def _scan_one(ops: _Ops, member: str, result: ScanResult, depth: int) -> None:
    stack: list = []
    marks: list[int] = []
    memo: dict = {}
    for op, arg, pos in ops:
        name = op.name
        if name == "MARK":
            marks.append(len(stack))
            continue
        if name == "STOP":
            return
        if name in PUT_OPS or name == "MEMOIZE":
            if not stack:
                raise PickleError(f"{name} on an empty stack")
            memo[len(memo) if name == "MEMOIZE" else arg] = stack[-1]
            continue
        if name == "POP" and marks and marks[-1] == len(stack):
            marks.pop()
            continue
        before = op.stack_before
        if pickletools.markobject in before:
            if not marks:
                raise PickleError(f"{name} without a MARK")
            mark = marks.pop()
            items = stack[mark:]
            del stack[mark:]
            popped = _pop(stack, before.index(pickletools.markobject), name)
        else:
            items = []
            popped = _pop(stack, len(before), name)
        value = _value(name, arg, popped, items, memo, pos, member, result)
        if name == "BUILD":
            _skip_joblib_array(popped, ops, member, result, depth)
        stack.extend([value] * len(op.stack_after))
    raise PickleError("pickle exhausted before seeing STOP")


def _pop(stack: list, n: int, name: str) -> list:
    if len(stack) < n:
        raise PickleError(f"{name} on a stack too short")
    if n == 0:
        return []
    popped = stack[-n:]
    del stack[-n:]
    return popped


def _value(name: str, arg, popped: list, items: list, memo: dict, pos: int, member: str,
           result: ScanResult):
    """What the opcode leaves on the stack, as far as the scan follows values."""
    if name in STRING_OPS:
        return arg
    if name in CONSTANTS:
        return CONSTANTS[name]
    if name in GET_OPS:
        if arg not in memo:
            raise PickleError(f"{name} of memo entry {arg}, never stored")
        return memo[arg]
    if name in ("TUPLE1", "TUPLE2", "TUPLE3"):
        return tuple(popped)
    if name == "TUPLE":
        return tuple(items)
    if name == "EMPTY_DICT":
        return {}
    if name == "DICT":
        return _fill({}, items)
    if name in ("SETITEM", "SETITEMS"):
        target = popped[0]
        if isinstance(target, dict):
            _fill(target, popped[1:] if name == "SETITEM" else items)
        return target
    if name in IN_PLACE:
        return popped[0]
    if name in ("GLOBAL", "INST"):
        module, _, attr = str(arg).partition(" ")
        g = _record(Global(module, attr), name, pos, member, result)
        if name == "INST":
            _record(g, name, pos, member, result, called=True)
            return Call(g, tuple(items))
        return g
    if name == "STACK_GLOBAL":
        module, attr = popped
        g = Global(module, attr) if isinstance(module, str) and isinstance(attr, str) else UNRESOLVED
        return _record(g, name, pos, member, result)
    if name in ("EXT1", "EXT2", "EXT4"):
        return _record(Global("copyreg._extension_registry", str(arg)), name, pos, member, result)
    if name in ("REDUCE", "NEWOBJ", "NEWOBJ_EX"):
        func, args = popped[0], popped[1]
        if isinstance(func, Global):
            _record(func, name, pos, member, result, called=True)
        elif name == "REDUCE" and isinstance(func, Call) and isinstance(func.func, Global) \
                and classify(func.func.module, func.func.name) == "carries_code":
            # A function rebuilt from code in the file, called while loading.
            _record(Global("<function built at load time>", func.func.dotted), name, pos,
                    member, result, called=True, category="runs_code")
        return Call(func, args)
    if name == "OBJ":
        func = items[0] if items else OPAQUE
        if isinstance(func, Global):
            _record(func, name, pos, member, result, called=True)
        return Call(func, tuple(items[1:]))
    return OPAQUE


def _fill(target: dict, flat: list) -> dict:
    for key, val in zip(flat[0::2], flat[1::2]):
        if isinstance(key, (str, int, bytes)) and len(target) < 64:
            target[key] = val
    return target


def _record(g: Global, opcode: str, pos: int, member: str, result: ScanResult,
            called: bool = False, category: str | None = None) -> Global:
    key = (g.module, g.name, member)
    found = result.found.get(key)
    if found is not None:
        found.called = found.called or called
        if not called:
            found.count += 1
        return g
    category = category or classify(g.module, g.name)
    if len(result.found) >= MAX_GLOBALS and category in ("safe", "unknown"):
        result.more_globals += 1
        return g
    result.found[key] = Found(g.module, g.name, member, pos, opcode, category, called)
    return g


# -- joblib: raw array bytes inside the stream -------------------------------------------

def _skip_joblib_array(popped: list, ops: _Ops, member: str, result: ScanResult,
                       depth: int) -> None:
    """After BUILD of a joblib NumpyArrayWrapper the file holds the array itself: a padding
    byte and padding when aligned, then the raw bytes, seeked past (or, for an object array,
    a pickle of its own, scanned here). Sizes come from the wrapper's shape and dtype."""
    obj, state = popped
    if not (isinstance(obj, Call) and isinstance(obj.func, Global)
            and obj.func.name == "NumpyArrayWrapper" and obj.func.module.startswith("joblib")):
        return
    if not isinstance(state, dict):
        raise PickleError("joblib array wrapper without a readable state")
    dtype = _dtype_code(state.get("dtype"))
    if dtype and dtype.lstrip("<>=|").startswith("O"):
        if depth >= MAX_NESTING:
            raise PickleError("joblib object arrays nested too deeply")
        inner = ScanResult()
        _scan_one(_Ops(ops.stream, ops.end), member, inner, depth + 1)
        for key, f in inner.found.items():
            result.found.setdefault(key, f)
        return
    itemsize = _itemsize(dtype)
    shape = state.get("shape")
    if itemsize is None or not (isinstance(shape, tuple) and all(isinstance(n, int) and n >= 0 for n in shape)):
        raise PickleError(f"joblib array of dtype {dtype!r} and shape {shape!r}: size not known")
    nbytes = itemsize
    for n in shape:
        nbytes *= n
    stream = ops.stream
    here = stream.tell()
    if isinstance(state.get("numpy_array_alignment_bytes"), int):
        pad = stream.read(1)
        if not pad:
            raise PickleError("truncated joblib array padding")
        here += 1 + pad[0]
    if here + nbytes > ops.end:
        raise PickleError(f"truncated joblib array ({nbytes} bytes announced)")
    ops.skipped += here + nbytes - stream.tell()
    stream.seek(here + nbytes)


def _dtype_code(dtype) -> str | None:
    """numpy.dtype('f8', False, True) as the pickle rebuilds it → 'f8'; its byte order is
    in the BUILD state, which does not change the size."""
    if isinstance(dtype, Call) and isinstance(dtype.func, Global) and dtype.func.name == "dtype":
        args = dtype.args
        if isinstance(args, tuple) and args and isinstance(args[0], str):
            return args[0]
    return None


def _itemsize(code: str | None) -> int | None:
    if not code:
        return None
    code = code.lstrip("<>=|")
    if len(code) == 1 and code in _DTYPE_SIZE:
        return _DTYPE_SIZE[code]
    kind, digits = code[:1], code[1:].split("[", 1)[0]
    if kind in _DTYPE_UNIT and digits.isdigit():
        return _DTYPE_UNIT[kind] * int(digits)
    return None
