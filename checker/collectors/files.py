"""What a tree collector records about a file, shared by the git and folder collectors.

Only files that matter become nodes (by role, or because a parser claims them);
the rest are counted on their tree's node.
"""
from __future__ import annotations

import fnmatch
import functools
import os
import re
import stat
from pathlib import PurePosixPath
from typing import Any, Callable, Iterator

from . import CollectContext, FileRef

# Folders no collector walks: tool caches and virtualenvs hold copies, not the estate;
# git's own folder belongs to the git collector (the folder walk keeps .dvc for its config).
SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", ".tox",
                       ".mypy_cache", ".dvc"})
# Longest free text (commands, descriptions) a node records.
MAX_TEXT = 500
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_URL_PARTS = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)([^/?#]*)(.*)$", re.S)

# Extension → role. Data and model extensions follow what DVC / LFS users commonly track.
ROLES_BY_EXT = {
    ".ipynb": "notebook",
    ".py": "code", ".r": "code", ".sql": "code", ".scala": "code", ".sh": "code",
    ".csv": "data", ".tsv": "data", ".parquet": "data", ".json": "data", ".jsonl": "data",
    ".ndjson": "data", ".xml": "data", ".xlsx": "data", ".xls": "data", ".feather": "data",
    ".arrow": "data", ".avro": "data", ".orc": "data", ".h5": "data", ".hdf5": "data",
    ".npy": "data", ".npz": "data", ".txt": "data", ".tfrecord": "data", ".zip": "data",
    ".gz": "data", ".tar": "data", ".bz2": "data", ".xz": "data", ".7z": "data",
    ".sqlite": "data", ".db": "data", ".delta": "data",
    ".pkl": "model", ".pickle": "model", ".joblib": "model", ".pt": "model",
    ".pth": "model", ".onnx": "model", ".safetensors": "model", ".ckpt": "model",
    ".h5model": "model", ".pb": "model", ".tflite": "model", ".gguf": "model",
    ".tf": "iac", ".tfvars": "iac", ".bicep": "iac",
    ".yaml": "config", ".yml": "config", ".toml": "config", ".cfg": "config", ".ini": "config",
    ".dvc": "dvc",
}
ROLES_BY_NAME = {
    "dvc.yaml": "dvc", "dvc.lock": "dvc", "MLproject": "pipeline", "Dockerfile": "config",
    "requirements.txt": "config", "environment.yml": "config", "conda.yaml": "config",
    "azure-pipelines.yml": "pipeline", ".gitattributes": "config", "Jenkinsfile": "pipeline",
}
ROLES_BY_GLOB = (
    (".github/workflows/*.yml", "pipeline"), (".github/workflows/*.yaml", "pipeline"),
    (".dvc/config", "dvc"),
)


# Entries of a folder looked at to tell an MLflow file store from a folder of run artifacts.
MLFLOW_STORE_SCAN_LIMIT = 1000


def is_mlflow_file_store(path, any_name: bool = False) -> bool:
    """A real folder named mlruns (any name with `any_name`) holding an MLflow file store:
    an experiment's meta.yaml one level down (0/meta.yaml, …), a registered model's under
    models/ or a deleted experiment's under .trash/. An mlruns/ of run artifacts only
    (MLflow 3 keeps runs in its database and their artifacts there) is not one: its files
    stay with the tree walks. The tree walks leave a store to the MLflow collector instead
    of recording its files twice."""
    if not any_name and os.path.basename(path) != "mlruns":
        return False
    try:
        st = os.lstat(path)
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode):
        return False
    return _holds_mlflow_meta(os.path.abspath(path), st.st_dev, st.st_ino, st.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _holds_mlflow_meta(path: str, _dev: int, _ino: int, _mtime_ns: int) -> bool:
    """Cached by the folder's identity: a git walk asks once per untracked file inside."""
    if _meta_one_down(path):
        return True
    return any(_meta_one_down(os.path.join(path, sub)) for sub in ("models", ".trash")
               if os.path.isdir(os.path.join(path, sub)) and not os.path.islink(os.path.join(path, sub)))


def _meta_one_down(folder: str) -> bool:
    """Some real subfolder of `folder` holds a meta.yaml (bounded: the first entries only)."""
    try:
        with os.scandir(folder) as entries:
            for i, entry in enumerate(entries):
                if i >= MLFLOW_STORE_SCAN_LIMIT:
                    return False
                if entry.is_dir(follow_symlinks=False) and os.path.lexists(os.path.join(entry.path, "meta.yaml")):
                    return True
    except OSError:
        return False
    return False


def in_mlflow_file_store(path: str, top) -> bool:
    """True when the tree path `path` (under the folder `top`) lies in an MLflow file store
    that a walk from `top` would find (not below a folder every walk skips)."""
    if "mlruns/" not in path:
        return False
    parts = path.split("/")[:-1]
    for i, part in enumerate(parts):
        if part in SKIP_DIRS:
            return False
        if part == "mlruns" and is_mlflow_file_store(os.path.join(top, *parts[:i + 1])):
            return True
    return False


def walk(top, onerror: Callable[[OSError], None] | None = None
         ) -> Iterator[tuple[str, list[str], list[str]]]:
    """os.walk(top, onerror=onerror): top-down, symlinked folders listed but never entered,
    `dirnames` pruned in place by the caller. Without recursion: Python 3.11's os.walk
    recurses once per level, and a scanned tree nested deeper than the interpreter's
    recursion limit would crash the whole scan."""
    stack = [os.fspath(top)]
    while stack:
        here = stack.pop()
        try:
            with os.scandir(here) as it:
                entries = list(it)
        except OSError as exc:
            if onerror is not None:
                onerror(exc)
            continue
        dirnames, filenames, links = [], [], set()
        for entry in entries:
            if _entry_is(entry.is_dir, False):     # a symlink to a folder counts, as in os.walk
                dirnames.append(entry.name)
                if _entry_is(entry.is_symlink, True):
                    links.add(entry.name)
            else:
                filenames.append(entry.name)
        yield here, dirnames, filenames
        stack += [os.path.join(here, d) for d in reversed(dirnames) if d not in links]


def _entry_is(test: Callable[[], bool], on_error: bool) -> bool:
    try:
        return test()
    except OSError:
        return on_error


def is_url(text: str) -> bool:
    return bool(_URL.match(text))


def url_without_secrets(url: str) -> str:
    """The URL without user info, query or fragment (where SAS tokens and passwords live)."""
    m = _URL_PARTS.match(url)
    if not m:
        return re.split(r"[?#]", url, maxsplit=1)[0]
    scheme, authority, rest = m.groups()
    return scheme + authority.rsplit("@", 1)[-1] + re.split(r"[?#]", rest, maxsplit=1)[0]


def url_has_password(url: str) -> bool:
    m = _URL_PARTS.match(url)
    return bool(m) and ":" in m.group(2).rpartition("@")[0]


def short(text: Any) -> str:
    """Free text as recorded: a list of lines joined, at most MAX_TEXT characters."""
    if isinstance(text, list):
        text = "\n".join(str(t) for t in text)
    return str(text)[:MAX_TEXT]


def file_role(path: str) -> str | None:
    p = PurePosixPath(path)
    for pattern, role in ROLES_BY_GLOB:
        if fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, "*/" + pattern):
            return role
    if p.name in ROLES_BY_NAME:
        return ROLES_BY_NAME[p.name]
    return ROLES_BY_EXT.get(p.suffix.lower())


def lfs_patterns(gitattributes: str) -> list[str]:
    """Patterns routed through the LFS filter in a .gitattributes text."""
    patterns = []
    for line in gitattributes.splitlines():
        parts = line.split()
        if len(parts) >= 2 and not parts[0].startswith("#") and "filter=lfs" in parts[1:]:
            patterns.append(parts[0])
    return patterns


def matches_gitattr(path: str, pattern: str, base: str = "") -> bool:
    """gitattributes matching for a pattern from the .gitattributes in directory `base`:
    a pattern without '/' matches the base name anywhere below it; a leading '/' anchors."""
    if base:
        if not path.startswith(base.rstrip("/") + "/"):
            return False
        path = path[len(base.rstrip("/")) + 1:]
    if pattern.startswith("/"):
        return fnmatch.fnmatchcase(path, pattern[1:])
    if "/" not in pattern:
        return fnmatch.fnmatchcase(PurePosixPath(path).name, pattern)
    return fnmatch.fnmatchcase(path, pattern.replace("**/", "*"))


def text_path(path: str) -> str:
    """A path fit for ids and reports: bytes that are not UTF-8 (kept by os.walk as
    surrogates) become U+FFFD, so one odd file name cannot break JSON output."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


class TreeEmitter:
    """Turns (path, size, reader) triples from one tree into file nodes and parses."""

    def __init__(self, ctx: CollectContext, collector: str, tree_node: str,
                 id_prefix: str, display_root: str, tracked: bool | None,
                 lfs: list[str | tuple[str, str]] | None = None, strip: str = "",
                 commit: str | None = None) -> None:
        self.ctx, self.collector = ctx, collector
        self.strip = strip.rstrip("/") + "/" if strip else ""
        self.tree_node, self.id_prefix, self.display_root = tree_node, id_prefix, display_root
        # LFS patterns as (directory of their .gitattributes, pattern); a bare str is the root's.
        self.lfs = [(p if isinstance(p, tuple) else ("", p)) for p in lfs or []]
        self.tracked, self.commit = tracked, commit
        self.skipped = 0

    def display(self, path: str) -> str:
        """The path as reports show it: under the scanned path as the user gave it."""
        path = text_path(path)
        path = path[len(self.strip):] if self.strip and path.startswith(self.strip) else path
        return f"{self.display_root.rstrip('/')}/{path}" if self.display_root not in ("", ".") else path

    def emit(self, path: str, size: int | None, read: Callable[[], bytes] | None, *,
             tracked: bool | None = None, symlink: bool = False, problem: str | None = None,
             **extra) -> str | None:
        """Record a file that matters and hand it to its parsers. With `problem` (its
        content cannot be read: a missing blob), the file is recorded without a size and
        the problem is its collection error."""
        path = text_path(path)
        role = file_role(path)
        parsers = [] if symlink else self.ctx.parsers_for(path)
        if role is None and not parsers:
            self.skipped += 1
            return None
        p = PurePosixPath(path)
        attrs = {"path": path, "name": p.name, "ext": p.suffix.lower(), "role": role or "other",
                 **({} if size is None else {"size": size}), **extra}
        is_tracked = self.tracked if tracked is None else tracked
        if is_tracked is not None:
            attrs["tracked"] = is_tracked
        if symlink:
            attrs["symlink"] = True
        if any(matches_gitattr(path, pat, base) for base, pat in self.lfs):
            attrs["lfs"] = True
        display = self.display(path)
        nid = self.ctx.graph.add_node("file", f"{self.id_prefix}/{path}", attrs,
                                      self.ctx.provenance(self.collector, display))
        self.ctx.graph.add_edge(self.tree_node, nid, "contains")
        if problem:
            self.ctx.graph.error(self.collector, display, problem)
            return nid
        if parsers:
            commit = self.commit if is_tracked else None
            self._parse(parsers, FileRef(nid, path, display, self.tree_node, self.id_prefix, commit),
                        size, read)
        return nid

    def finish(self) -> None:
        """Every parser's end of this tree (FileParser.finish); a crash costs that parser's
        folder-wide work, not the scan."""
        for parser in self.ctx.parsers:
            try:
                parser.finish(self.tree_node, self.ctx)
            except Exception as exc:  # noqa: BLE001
                self.ctx.graph.error(parser.name, self.display_root or ".",
                                     f"parser crashed finishing the tree: {type(exc).__name__}: {exc}")

    def _parse(self, parsers, ref: FileRef, size: int, read: Callable[[], bytes]) -> None:
        names = "/".join(p.name for p in parsers)
        if size > self.ctx.max_parse_bytes:
            self.ctx.graph.error(names, ref.display,
                                 f"file is {size} bytes, over the {self.ctx.max_parse_bytes}-byte parse limit; not parsed")
            return
        try:
            data = read()
        except OSError as exc:
            self.ctx.graph.error(names, ref.display, f"unreadable: {exc.strerror or exc}")
            return
        for parser in parsers:
            try:
                parser.parse(ref, data, self.ctx)
            except Exception as exc:  # noqa: BLE001 - a parser bug costs one file, not the scan
                self.ctx.graph.error(parser.name, ref.display,
                                     f"parser crashed: {type(exc).__name__}: {exc}")


def read_regular_file(path, limit: int) -> bytes:
    """Read a regular file without following a final symlink, at most `limit` bytes.
    O_NONBLOCK: opening a FIFO planted in a scanned tree must not hang the scan."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(f"not a regular file ({_file_type(mode)}); not read")
        # Ask for what the file holds (plus one byte to see growth), never for `limit`:
        # read(n) allocates n bytes up front.
        size = os.fstat(fd).st_size
        data = fh.read(min(size, limit) + 1)
        if size < len(data) <= limit:          # it grew while we read: finish, still bounded
            data += fh.read(limit + 1 - len(data))
    if len(data) > limit:
        raise OSError(f"file grew over the {limit}-byte parse limit while reading")
    return data


def _file_type(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "named pipe"), (stat.S_ISSOCK, "socket"),
                       (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"),
                       (stat.S_ISDIR, "directory")):
        if test(mode):
            return name
    return "special file"


def symlink_problem(path, root, claimed: bool) -> str | None:
    """Why a symlink in a scanned tree is a collection error, else None (skipped quietly).
    Symlinks are never followed; a dangling one matters only when a parser wanted the file."""
    target = os.readlink(path)
    if escapes_tree(path, root):
        return f"symlink points outside the scanned tree ({target}); not followed"
    if claimed and not os.path.exists(path):
        return f"dangling symlink ({target}): the file it names does not exist"
    return None


def escapes_tree(path, root) -> bool:
    """True when a symlink at `path` resolves outside `root`."""
    target = os.path.realpath(path)
    real_root = os.path.realpath(root)
    return not (target == real_root or target.startswith(real_root + os.sep))


def is_git_dir(path) -> bool:
    """A bare repository or a .git directory: HEAD, objects/ and refs/."""
    return (os.path.isfile(os.path.join(path, "HEAD"))
            and os.path.isdir(os.path.join(path, "objects"))
            and os.path.isdir(os.path.join(path, "refs")))


def is_worktree(path) -> bool:
    return os.path.lexists(os.path.join(path, ".git"))


# A .git file is one `gitdir: PATH` line; a bigger one is not a pointer git would make.
GITFILE_MAX_BYTES = 4096


def git_dir_problem(repo, root) -> str | None:
    """Why the repository at `repo` must not be read, else None.

    Git reads a repository from wherever its `.git` leads: a symlink's target, the
    `gitdir:` of a .git file, the `commondir` of a linked work tree's git dir. Any of
    these outside `root` (the scanned tree) would make the scan read another
    repository's history and blobs, so that repository is not collected.
    """
    try:
        for what, path in _git_dir_chain(repo):
            if escapes_tree(path, root):
                return f"{what} points outside the scanned tree; not followed"
    except (OSError, ValueError) as exc:
        return f"not a repository git can read: {exc}"
    return None


def _git_dir_chain(repo):
    """(description, path) of each step git takes to reach the repository at `repo`,
    in order: the caller checks each one before the next pointer file is read."""
    dotgit = os.path.join(repo, ".git")
    git_dir = repo                               # a bare repository is its own git dir
    if os.path.lexists(dotgit):
        yield f".git ({os.path.realpath(dotgit)})", dotgit
        git_dir = dotgit
        named = _pointer(dotgit, b"gitdir: ")
        if named is not None:                    # a .git file: linked work tree, submodule
            git_dir = os.path.join(repo, named)  # an absolute gitdir replaces repo
            yield f".git file's gitdir ({named})", git_dir
    commondir = os.path.join(git_dir, "commondir")
    if os.path.lexists(commondir):
        yield f"commondir ({os.path.realpath(commondir)})", commondir
        common = _pointer(commondir, b"")
        if common is not None:
            yield f"commondir's path ({common})", os.path.join(git_dir, common)


def _pointer(path, prefix: bytes) -> str | None:
    """The path a pointer file (.git file, commondir) names, read as git reads it: the
    whole file after `prefix`, trailing CR/LF dropped, up to a NUL. None when `path` is
    not a regular file. Bounded, and never opened if it is a FIFO or a device."""
    if not os.path.isfile(path):
        return None
    data = read_regular_file(os.path.realpath(path), GITFILE_MAX_BYTES)
    if not data.startswith(prefix):
        raise ValueError(f"{os.path.basename(path)} does not start with {prefix.decode()!r}")
    named = data[len(prefix):].rstrip(b"\r\n").split(b"\0", 1)[0]
    if not named:
        raise ValueError(f"{os.path.basename(path)} names no path")
    return os.fsdecode(named)
