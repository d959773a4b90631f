"""The only way mlcheck reads YAML: safe loader (C when present), bounded size, aliases,
depth and no cycles; every mapping and list knows the lines it came from.

Three things every parser of scanned YAML shares live here:
- `load_yaml`: the document, or a `YamlError` with its line. A document that fails to
  parse *because of* template markers (`{{ }}`, `{% %}`, `<PLACEHOLDER>`, `$(var)`,
  `${VAR}` on the failing line, or in the failing block when the document parses with
  them blanked out) raises `TemplateYaml` instead: it is a template, not broken YAML, and
  the parser records it on the file node as not evaluated. Error messages never quote
  a tag, anchor or alias from the document (a secret can sit there: `!pw=…`): they say
  what it is and give its line.
- `line_of`: the line a mapping key or list item sits on, for collection errors.
- `Fields`: typed reads of a document's fields; a value of the wrong type is reported
  once (dotted field path, expected and found, line) and then read as absent, so one
  bad field never costs the rest of the file.
"""
from __future__ import annotations

import base64
import codecs
import datetime
import functools
import re
from typing import Any, Callable, Iterator

import yaml

try:
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - pure-Python PyYAML
    _BaseLoader = yaml.SafeLoader

MAX_YAML_BYTES = 10 * 1024 * 1024
# Aliases can make a small document expand enormously ("billion laughs"); we count the
# document's size as if every alias were expanded and refuse past this many values.
MAX_EXPANDED_VALUES = 1_000_000
# Mappings and lists inside each other; real specs stay under 20.
MAX_DEPTH = 200

# Template markers: Jinja/Helm/cookiecutter `{{ }}` and `{% %}`, `<PLACEHOLDER>` tokens
# (Azure docs' `<VERSION>`, `<my_model>`), Azure DevOps `$(var)`, shell/envsubst `${VAR}`.
_TEMPLATE_MARKER = re.compile(
    r"\{\{.*?\}\}|\{%.*?%\}|<[A-Za-z][A-Za-z0-9_.-]*>|\$\([A-Za-z_][\w.-]*\)|\$\{[A-Za-z_][\w.-]*\}")


# Characters YAML does not allow in a document (PyYAML's reader refuses them).
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE


class YamlError(ValueError):
    def __init__(self, origin: str, reason: str, line: int | None = None) -> None:
        self.origin, self.reason, self.line = origin, reason, line
        super().__init__(f"{origin}:{line}: {reason}" if line else f"{origin}: {reason}")


class TemplateYaml(YamlError):
    """Not YAML until a template engine renders it: recorded, never a collection error."""

    def __init__(self, origin: str, marker: str, line: int) -> None:
        super().__init__(origin, f"a template: {marker} on line {line} is not YAML until rendered; "
                                 "not evaluated", line)
        self.marker = marker

    @property
    def file_facts(self) -> dict:
        """What the parser records on the template's file node."""
        return {"template": True, "not_evaluated": self.reason}


class _Recursive(YamlError):
    """A cycle found in a loaded document; load_yaml names the alias that closes it."""


class YamlMap(dict):
    """A mapping from a YAML document: `line` it starts on, `lines[key]` of each key."""
    __slots__ = ("line", "lines")


class YamlList(list):
    """A list from a YAML document: `line` it starts on, `lines[i]` of each item."""
    __slots__ = ("line", "lines")


def line_of(container: Any, key: Any = None) -> int | None:
    """The line of `container[key]` (or of the container), when it came from load_yaml."""
    if key is None:
        return getattr(container, "line", None)
    lines = getattr(container, "lines", None)
    if isinstance(lines, dict):
        return lines.get(key, getattr(container, "line", None))
    if isinstance(lines, list) and isinstance(key, int) and 0 <= key < len(lines):
        return lines[key]
    return getattr(container, "line", None)


# -- a loaded document in JSON, lines kept -----------------------------------------------------
# For state a parser hands on across processes (checker/scale shards): containers are tagged
# objects ({"m": [[key, value, line]...], "l": line} for a mapping, {"a": [...], "ls": [...],
# "l": line} for a list), so any key type survives; scalars JSON cannot hold exactly (dates,
# bytes, integers past 64 bits, NaN) are {"t": type, "v": text}. `text(key, value)` is asked
# for every string (key None for keys and list items): the caller's cleaning.

def to_portable(value: Any, text: Callable[[Any, str], str]) -> Any:
    return _portable(value, None, text)


def _portable(value: Any, key: Any, text: Callable) -> Any:
    kind = type(value)
    if kind is str:
        return text(key, value)
    if kind is bool or value is None:
        return value
    if kind is int:
        return value if -2**63 <= value < 2**63 else {"t": "int", "v": str(value)}
    if kind is float:
        return value if value == value and abs(value) != float("inf") else {"t": "float", "v": repr(value)}
    if isinstance(value, dict):
        lines = getattr(value, "lines", None) or {}
        out = {"m": [[_portable(k, None, text), _portable(v, k, text), lines.get(k)] for k, v in value.items()]}
        if isinstance(value, YamlMap):
            out["l"] = getattr(value, "line", None)
        return out
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        out = {"a": [_portable(v, None, text) for v in items]}
        if isinstance(value, YamlList):
            out["l"], out["ls"] = getattr(value, "line", None), getattr(value, "lines", None)
        elif not isinstance(value, list):
            out["t"] = type(value).__name__
        return out
    if isinstance(value, (datetime.date, datetime.datetime)):
        return {"t": type(value).__name__, "v": value.isoformat()}
    if isinstance(value, bytes):
        return {"t": "bytes", "v": base64.b64encode(value).decode("ascii")}
    raise TypeError(f"no portable form for a {kind.__name__}")


def from_portable(data: Any) -> Any:
    """What to_portable gave, loaded again: YamlMap/YamlList with their lines.
    ValueError (or KeyError, TypeError) for data it did not give."""
    if not isinstance(data, dict):
        if isinstance(data, list):
            raise ValueError("a bare list is not a portable value")
        return data
    if "m" in data:
        out, lines = YamlMap(), {}
        for k, v, line in data["m"]:
            key = from_portable(k)
            out[key] = from_portable(v)
            if line is not None:
                lines[key] = line
        out.line, out.lines = data.get("l"), lines
        return out
    if "a" in data:
        items = [from_portable(v) for v in data["a"]]
        made = _SCALAR_TYPES.get(data.get("t"))
        if made:
            return made(items)
        out = YamlList(items)
        out.line, out.lines = data.get("l"), data.get("ls") or []
        return out
    return _SCALAR_TYPES[data["t"]](data["v"])


_SCALAR_TYPES: dict[str, Callable] = {
    "int": int, "float": float, "bytes": base64.b64decode, "tuple": tuple, "set": set, "frozenset": frozenset,
    "date": datetime.date.fromisoformat, "datetime": datetime.datetime.fromisoformat}


_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
# Keys flatten_mapping rewrites: `<<` merges and the `=` value key.
_SPECIAL_KEYS = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})


class _Limit(Exception):
    """A document past MAX_DEPTH or MAX_EXPANDED_VALUES; load_yaml names its origin."""

    def __init__(self, reason: str, line: int | None) -> None:
        super().__init__(reason)
        self.reason, self.line = reason, line


# _MarkedLoader.resolve's memory: short plain scalars (keys, words, numbers) → their tag.
_PLAIN_TAGS: dict[str, str] = {}
_REMEMBERED_LENGTH, _REMEMBERED_VALUES = 64, 100_000


class _MarkedLoader(_BaseLoader):
    """The safe loader, building YamlMap/YamlList in one recursive pass over the composed
    nodes that also counts the document's expanded size and depth (check_structure's
    limits, without a second walk). PyYAML's constructor builds each container through a
    generator and a state queue, for recursive documents, which we refuse anyway: this
    pass takes about half its time, and mlcheck's load is below the stock C safe loader's
    (bench/bench_yaml.py, bench/bench_ci.py). Plain scalars, maps and lists are built here;
    other tags, and anything nested past MAX_DEPTH, by PyYAML's constructors."""

    _unique_keys = False

    def resolve(self, kind, value, implicit):
        """A plain scalar's tag, remembered per value: PyYAML's resolver tries its regexes
        on every scalar (keys included) of every file, and CI files repeat the same keys and
        words thousands of times. The loader has no path resolvers, so the value alone decides."""
        if kind is yaml.ScalarNode and implicit[0]:
            tag = _PLAIN_TAGS.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(value) <= _REMEMBERED_LENGTH and len(_PLAIN_TAGS) < _REMEMBERED_VALUES:
                    _PLAIN_TAGS[value] = tag
            return tag
        return super().resolve(kind, value, implicit)

    def construct_document(self, node: yaml.Node) -> Any:
        self._built: dict[int, tuple[Any, int]] = {}      # id(node) → (value, expanded size)
        self._open: dict[int, Any] = {}                   # containers being built (ancestors)
        # Set when the counts made while building may not be the document's (a key given
        # twice drops a value, an alias closes a cycle, PyYAML built a part): check_structure
        # then decides on the document as loaded, as it always did.
        self._recount = False
        try:
            data = self._build(node, 1)[0]
            if self._recount and isinstance(data, (dict, list)):
                try:
                    check_structure(data, "")
                except _Recursive:
                    raise
                except YamlError as exc:
                    raise _Limit(exc.reason, exc.line) from None
            return data
        finally:
            self._built = self._open = None
            self.constructed_objects, self.recursive_objects = {}, {}
            self.state_generators, self.deep_construct = [], False

    def _pyyaml(self, node: yaml.Node) -> Any:
        """A node built by PyYAML's constructors (iteratively, as its construct_document does)."""
        self._recount = True
        data = self.construct_object(node)
        while self.state_generators:
            generators, self.state_generators = self.state_generators, []
            for generator in generators:
                for _ in generator:
                    pass
        return data

    def _over(self, size: int, line: int | None) -> None:
        if size > MAX_EXPANDED_VALUES and not self._recount:
            raise _Limit(f"aliases expand to over {MAX_EXPANDED_VALUES} values; refused", line)

    def _build(self, node: yaml.Node, depth: int) -> tuple[Any, int]:
        """(value, size with aliases expanded) of a node, as check_structure counts it."""
        tag = node.tag
        if type(node) is yaml.ScalarNode:
            if tag == _STR:
                return node.value, 1
            return self.construct_object(node), 1           # null, bool, int, dates, unknown tags…
        key = id(node)
        done = self._built.get(key)
        if done is not None:                                # an alias to a container built already
            return done
        if key in self._open:                               # an alias inside its own anchor's value
            self._recount = True
            return self._open[key], 1
        kind = type(node)
        if depth > MAX_DEPTH or not (kind is yaml.MappingNode and tag == _MAP or kind is yaml.SequenceNode and (
                tag == _SEQ or self.yaml_constructors.get(tag) is _construct_tagged)):
            return self._pyyaml(node), 1                    # too deep to recurse, !!set, !!omap…
        line = node.start_mark.line + 1
        if kind is yaml.MappingNode:
            data = YamlMap()
            data.line, self._open[key] = line, data
            size = self._build_map(node, data, depth)
        else:
            data = YamlList() if tag == _SEQ else TaggedList()
            if tag != _SEQ:
                data.tag = tag
            data.line, self._open[key] = line, data
            size = self._build_seq(node, data, depth)
        del self._open[key]
        self._over(size, line)
        self._built[key] = data, size
        return data, size

    def _build_seq(self, node: yaml.SequenceNode, data: YamlList, depth: int) -> int:
        size, lines, built = 1, [], self._built
        for item in node.value:
            lines.append(item.start_mark.line + 1)
            if type(item) is yaml.ScalarNode and item.tag == _STR:
                data.append(item.value)
                size += 1
                continue
            seen = id(item) in built
            value, n = self._build(item, depth + 1)
            data.append(value)
            size += n
            if seen:    # an alias item's own line is lost (it is its anchor's node): its list's
                self._over(size, data.line)
        data.lines = lines
        return size

    def _build_map(self, node: yaml.MappingNode, data: YamlMap, depth: int) -> int:
        if self._unique_keys:
            _refuse_repeated_keys(self, node)
        if any(k.tag in _SPECIAL_KEYS for k, _ in node.value):
            self.flatten_mapping(node)                      # merge keys (<<) flattened here
        size, lines, built = 1, {}, self._built
        for key_node, value_node in node.value:
            if type(key_node) is not yaml.ScalarNode:       # a list or map as a key
                raise yaml.constructor.ConstructorError("while constructing a mapping", node.start_mark,
                                                        "found unhashable key", key_node.start_mark)
            k = key_node.value if key_node.tag == _STR else self.construct_object(key_node)
            line = key_node.start_mark.line + 1
            if k in lines:
                self._recount = True                        # the last one wins: the first is dropped
            if type(value_node) is yaml.ScalarNode and value_node.tag == _STR:
                data[k] = value_node.value
                size += 2
            else:
                seen = id(value_node) in built
                data[k], n = self._build(value_node, depth + 1)
                size += 1 + n
                if seen:
                    self._over(size, line)
            lines[k] = line
        data.lines = lines
        return size


def _construct_map(loader: _MarkedLoader, node: yaml.MappingNode):
    data = YamlMap()
    data.line = node.start_mark.line + 1
    yield data
    data.update(loader.construct_mapping(node))     # merge keys (<<) flattened here
    data.lines = {loader.construct_object(k): k.start_mark.line + 1 for k, _ in node.value}


def _construct_seq(loader: _MarkedLoader, node: yaml.SequenceNode):
    data = YamlList()
    data.line = node.start_mark.line + 1
    yield data
    data.extend(loader.construct_sequence(node))
    data.lines = [item.start_mark.line + 1 for item in node.value]


class _UniqueKeyLoader(_MarkedLoader):
    """For files whose readers refuse a key given twice (mlcheck's own config and rules,
    DVC's files: ruamel.yaml refuses them): a mistake to name, not a value to let the last
    one win."""

    _unique_keys = True


class _Refused(yaml.constructor.ConstructorError):
    """A value our own constructors refuse; its message is ours (no template excuses it)."""


def _refuse_repeated_keys(loader: _MarkedLoader, node: yaml.MappingNode) -> None:
    seen: dict = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge" or type(key_node) is not yaml.ScalarNode:
            continue                # a list or map as a key: the mapping constructor says so
        key = loader.construct_object(key_node)
        first = seen.setdefault(key, key_node.start_mark.line + 1)
        if first != key_node.start_mark.line + 1:
            raise _Refused(None, None, f"key {str(key)[:80]!r} is given twice (first on line {first})",
                           key_node.start_mark)


def _construct_unique_map(loader: _UniqueKeyLoader, node: yaml.MappingNode):
    _refuse_repeated_keys(loader, node)
    yield from _construct_map(loader, node)


def _construct_timestamp(loader: _MarkedLoader, node: yaml.ScalarNode):
    """A date that is no date (2026-13-45) is an error at its line, not a bare ValueError."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError as exc:
        raise _Refused(None, None, f"invalid date {node.value[:40]!r}: {exc}", node.start_mark) from None


def _construct_int(loader: _MarkedLoader, node: yaml.ScalarNode):
    """An integer past Python's conversion limit (4300 digits) is an error at its line."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    except ValueError:
        raise _Refused(None, None, f"an integer of {len(node.value)} digits, past the "
                                   "4300-digit limit", node.start_mark) from None


_MarkedLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_MarkedLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_MarkedLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_MarkedLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:map", _construct_unique_map)
# What was loaded dumps back as plain YAML (`mlcheck rules show`).
for _dumper in {yaml.SafeDumper, getattr(yaml, "CSafeDumper", yaml.SafeDumper)}:
    _dumper.add_representer(YamlMap, yaml.representer.SafeRepresenter.represent_dict)
    _dumper.add_representer(YamlList, yaml.representer.SafeRepresenter.represent_list)


class TaggedList(YamlList):
    """A list under a local tag the caller named (GitLab CI's `!reference [.setup, script]`):
    `tag` says which; resolving it is the caller's business."""
    __slots__ = ("tag",)


def _construct_tagged(loader: _MarkedLoader, node: yaml.Node):
    if not isinstance(node, yaml.SequenceNode):
        raise _Refused(None, None, f"a {node.tag} tag takes a list", node.start_mark)
    data = TaggedList()
    data.tag, data.line = node.tag, node.start_mark.line + 1
    yield data
    data.extend(loader.construct_sequence(node))
    data.lines = [item.start_mark.line + 1 for item in node.value]


@functools.lru_cache(maxsize=8)
def _tagged_loader(base: type, tags: tuple[str, ...]) -> type:
    """`base` reading each of `tags` on a list as a TaggedList (one class per set of tags)."""
    loader = type(f"{base.__name__}Tagged", (base,), {})
    for tag in tags:
        loader.add_constructor(tag, _construct_tagged)
    return loader


UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def as_utf8(data: bytes) -> bytes:
    """YAML bytes as UTF-8. PyYAML reads UTF-16 with a BOM (what Windows tools write as
    "Unicode") too, but a byte search for a key does not; anything else is returned as is."""
    if data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            return data         # load_yaml names where the text breaks
    return data


def load_yaml(data: bytes | str, origin: str = "<yaml>", max_bytes: int = MAX_YAML_BYTES,
              unique_keys: bool = False, list_tags: tuple[str, ...] = ()):
    """The document; `unique_keys` refuses a key given twice in one mapping (for files whose
    readers refuse it: mlcheck's own, DVC's; other scanned files keep YAML's last-one-wins,
    as the tools that read them do). `list_tags`: local tags the format defines on lists
    (GitLab's `!reference`), read as TaggedList; any other unknown tag stays an error."""
    if len(data) > max_bytes:
        raise YamlError(origin, f"{len(data)} bytes, over the {max_bytes}-byte YAML limit")
    loader = _UniqueKeyLoader if unique_keys else _MarkedLoader
    if list_tags:
        loader = _tagged_loader(loader, tuple(list_tags))
    try:
        doc = yaml.load(data, Loader=loader)  # noqa: S506 - safe
    except yaml.MarkedYAMLError as exc:
        raise _parse_error(data, origin, exc) from None
    except yaml.reader.ReaderError:
        raise _reader_error(data, origin) from None
    except yaml.YAMLError as exc:
        raise YamlError(origin, _safe_problem(str(exc))) from None
    except _Limit as exc:           # size, depth: counted as the document was built
        raise YamlError(origin, exc.reason, exc.line) from None
    except _Recursive as exc:   # rare: find the alias itself, which the loaded document lost
        found = recursive_alias(data)
        if found is None:
            raise YamlError(origin, exc.reason, exc.line) from None
        raise YamlError(origin, "a recursive alias: an alias sits inside the value its anchor "
                                "names; refused", found[1]) from None
    except (ValueError, TypeError, OverflowError) as exc:
        raise YamlError(origin, f"invalid value: {exc}") from None
    return doc


def _parse_error(data: bytes | str, origin: str, exc: yaml.MarkedYAMLError) -> YamlError:
    marks = [m for m in (exc.context_mark, exc.problem_mark) if m is not None]
    line = (exc.problem_mark or exc.context_mark).line + 1 if marks else None
    if isinstance(exc, _Refused):
        return YamlError(origin, exc.problem, line)
    if marks:
        found = template_marker(data, line, line)       # a marker on the failing line
        if not found:   # one back where the parser's context began, if blanking markers mends it
            found = template_marker(data, min(m.line for m in marks) + 1, max(m.line for m in marks) + 1)
            found = found if found and _parses(blank_markers(data)) else None
        if found:
            return TemplateYaml(origin, *found)
    parts = [exc.context, exc.problem]
    quoting = next((words for part in parts if part for phrase, words in _QUOTING_PROBLEMS
                    if phrase in part), None)
    reason = quoting or " ".join(_safe_problem(p) for p in parts if p) or "invalid YAML"
    return YamlError(origin, reason, line)


# PyYAML problems that quote document text (a tag, an anchor, an alias: `!pw=…` can hold a
# secret), in the words we say instead; the line says where.
_QUOTING_PROBLEMS = (
    ("could not determine a constructor for the tag", "an unknown tag"),
    ("found undefined alias", "an alias to no anchor"),
    ("found duplicate anchor", "an anchor defined twice"),
    ("found undefined tag handle", "an unknown tag handle"),
)
_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")
# What a message may keep quoted: one character (as repr shows it) or a token's name.
_HARMLESS_QUOTE = re.compile(r"""^['"](?:\\?.|\\x[0-9a-f]{2}|\\u[0-9a-f]{4}|<[a-z ]+>)['"]$""")


def _safe_problem(text: str) -> str:
    """A PyYAML message with any quoted document text left out."""
    for phrase, words in _QUOTING_PROBLEMS:
        if phrase in text:
            return words
    return _QUOTED.sub(lambda m: m.group(0) if _HARMLESS_QUOTE.match(m.group(0)) else "(text left out)", text)


def _reader_error(data: bytes | str, origin: str) -> YamlError:
    """Bytes that are no text, or a character YAML does not allow (NUL, other controls),
    named with its line: PyYAML's readers give a position, in bytes or characters
    depending on the loader."""
    text = data
    if isinstance(data, bytes):
        encoding = "utf-16" if data.startswith(UTF16_BOMS) else "utf-8"
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            line = data[:exc.start].decode(encoding, "replace").count("\n") + 1
            return YamlError(origin, f"not {encoding.upper()} text: {exc.reason}", line)
    bad = _NON_PRINTABLE.search(text)
    if bad is None:
        return YamlError(origin, "unreadable text")
    return YamlError(origin, f"a character YAML does not allow (U+{ord(bad.group(0)):04X})",
                     text.count("\n", 0, bad.start()) + 1)


def blank_markers(data: bytes | str) -> str:
    """The text with its template markers blanked, lines kept: a line of markers alone
    (`{% if gpu %}`) becomes empty, a marker inside a line a plain word of its length."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    lines = []
    for line in text.split("\n"):
        if _TEMPLATE_MARKER.search(line):
            line = "" if not _TEMPLATE_MARKER.sub("", line).strip() else \
                _TEMPLATE_MARKER.sub(lambda m: "x" * len(m.group(0)), line)
        lines.append(line)
    return "\n".join(lines)


def _parses(text: str) -> bool:
    try:
        yaml.load(text, Loader=_BaseLoader)  # noqa: S506 - a safe loader
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError):
        return False
    return True


def template_marker(data: bytes | str, first: int, last: int) -> tuple[str, int] | None:
    """The first template marker on lines first..last (1-based; comment lines skipped).

    Only the lines the parser failed on count: a marker elsewhere did not cause the
    failure, and must not excuse it."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    for number, line in enumerate(text.splitlines()[first - 1:last], start=first):
        if line.lstrip().startswith("#"):
            continue
        m = _TEMPLATE_MARKER.search(line)
        if m:
            return m.group(0), number
    return None


def recursive_alias(data: bytes | str) -> tuple[str, int] | None:
    """(anchor, line) of the first alias inside the collection its anchor names."""
    open_anchors: list[str | None] = []
    for event in yaml.parse(data, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            open_anchors.append(event.anchor)
        elif isinstance(event, yaml.CollectionEndEvent):
            open_anchors.pop()
        elif isinstance(event, yaml.AliasEvent) and event.anchor in open_anchors:
            return event.anchor, event.start_mark.line + 1
    return None


def is_placeholder(value: Any) -> bool:
    """A string holding a template marker: `<VERSION>`, `{{ name }}`, `$(var)`, `${VAR}`."""
    return isinstance(value, str) and _TEMPLATE_MARKER.search(value) is not None


def check_structure(doc: Any, origin: str) -> int:
    """The document's size with aliases expanded (refused past MAX_EXPANDED_VALUES),
    its depth (refused past MAX_DEPTH) and cycles (a recursive alias, `a: &a [*a]`,
    refused: no parser may ever walk one). One iterative walk; returns the size."""
    sizes: dict[int, int] = {}          # containers done (aliases reach them again)
    on_path: set[int] = set()
    stack: list[tuple[Any, Iterator, list[int]]] = []

    def enter(container: Any) -> None:
        if len(stack) >= MAX_DEPTH:
            raise YamlError(origin, f"nested over {MAX_DEPTH} levels deep; refused", line_of(container))
        on_path.add(id(container))
        items = container.items() if isinstance(container, dict) else enumerate(container)
        stack.append((container, iter(items), [1]))

    if not isinstance(doc, (dict, list)):
        return 1
    enter(doc)
    while stack:
        container, items, size = stack[-1]
        for key, value in items:
            if isinstance(container, dict):
                size[0] += 1                        # the key
            if not isinstance(value, (dict, list)):
                size[0] += 1
            elif id(value) in on_path:
                where = line_of(container, key) if isinstance(container, dict) else line_of(container)
                raise _Recursive(origin, f"a recursive alias: the value anchored on line "
                                         f"{line_of(value)} contains itself; refused", where)
            elif id(value) in sizes:        # an alias to a container already walked
                size[0] += sizes[id(value)]
                if size[0] > MAX_EXPANDED_VALUES:
                    # an alias item's own line is lost (it is its anchor's node): its container's
                    where = line_of(container, key) if isinstance(container, dict) else line_of(container)
                    raise YamlError(origin, f"aliases expand to over {MAX_EXPANDED_VALUES} values; refused",
                                    where)
            else:
                enter(value)
                break
        else:
            stack.pop()
            on_path.discard(id(container))
            sizes[id(container)] = size[0]
            if size[0] > MAX_EXPANDED_VALUES:
                raise YamlError(origin, f"aliases expand to over {MAX_EXPANDED_VALUES} values; refused",
                                line_of(container))
            if stack:
                stack[-1][2][0] += size[0]
    return sizes[id(doc)]


# -- typed reads ------------------------------------------------------------------------

# kind → (test, words)
_KINDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "text": (lambda v: isinstance(v, str), "a string"),
    "number": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "a number"),
    "integer": (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    "boolean": (lambda v: isinstance(v, bool), "true or false"),
    "mapping": (lambda v: isinstance(v, dict), "a mapping"),
    "list": (lambda v: isinstance(v, list), "a list"),
}


# kind → the exact types a loaded document holds of it (bool is no number: type(True) is bool)
_EXACT: dict[str, tuple[type, ...]] = {
    "text": (str,), "number": (int, float), "integer": (int,), "boolean": (bool,),
    "mapping": (dict, YamlMap), "list": (list, YamlList, TaggedList)}


@functools.lru_cache(maxsize=64)
def _exact_types(kinds: tuple[str, ...]) -> frozenset:
    return frozenset(t for k in kinds for t in _EXACT[k])


def _is(value: Any, kinds: tuple[str, ...]) -> bool:
    """Whether a value is of one of `kinds`: its exact type first (one set lookup, where the
    typed reads of every YAML parser spend their time), then the tests for anything else."""
    return type(value) in _exact_types(kinds) or any(_KINDS[k][0](value) for k in kinds)


def describe(value: Any) -> str:
    """What a YAML value is, for an error: `a list`, `null`, `a number (3)`…"""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return f"a {type(value).__name__}"      # a date, bytes (!!binary)…


def expected(kinds: tuple[str, ...]) -> str:
    words = [_KINDS[k][1] for k in kinds]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


class Fields:
    """Typed reads of one document's fields, reporting each wrong type once.

    `report(reason, line)` is the parser's collection-error call. `field` arguments are
    dotted paths as the user reads the file (`jobs.train.inputs.data.path`)."""

    def __init__(self, report: Callable[[str, int | None], None]) -> None:
        self.report = report

    def get(self, mapping: dict, key: str, field: str, *kinds: str, null_ok: bool = False) -> Any:
        """mapping[key] when it is of one of `kinds`; None when absent (or null and
        `null_ok`); otherwise one problem, and None."""
        if key not in mapping:
            return None
        value = mapping[key]
        if value is None and null_ok:
            return None
        if _is(value, kinds):
            return value
        self.wrong(mapping, key, field, kinds)
        return None

    def text(self, mapping: dict, key: str, field: str) -> str | None:
        return self.get(mapping, key, field, "text")

    def scalar(self, mapping: dict, key: str, field: str) -> str | None:
        """A string or a number (names and versions: `version: 3`), as a string."""
        value = self.get(mapping, key, field, "text", "number")
        return None if value is None else str(value)

    def items(self, seq: list, field: str, *kinds: str) -> Iterator[tuple[int, Any]]:
        """(index, item) of a list's items of one of `kinds`; each other item one problem."""
        for i, item in enumerate(seq):
            if _is(item, kinds):
                yield i, item
            else:
                self.wrong(seq, i, f"{field}[{i}]", kinds)

    def entries(self, mapping: dict, field: str, *kinds: str,
                null_ok: bool = False) -> Iterator[tuple[Any, Any, str]]:
        """(key, value, its field) of a mapping's entries of one of `kinds` (or null when
        `null_ok`); each other entry one problem."""
        for key, value in mapping.items():
            where = f"{field}.{key}" if field else str(key)
            if (value is None and null_ok) or _is(value, kinds):
                yield key, value, where
            else:
                self.wrong(mapping, key, where, kinds)

    def wrong(self, container: Any, key: Any, field: str, kinds: tuple[str, ...]) -> None:
        self.report(f"{field}: expected {expected(kinds)}, found {describe(container[key])}",
                    line_of(container, key))
