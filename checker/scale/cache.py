"""`--cache DIR`: per-source shards kept by the state of their source; an unchanged source
is not collected again.

A source's state is what a collection of it depends on, read without collecting it:
- a git repository: HEAD, the refs (loose and packed), config, shallow and info files,
  the index's size and mtime, and, for a work tree, every file's path, size and mtime
  (the collector reads the work tree: untracked files, uncommitted edits);
- any other local source (a folder, an MLflow SQLite store with its -wal file, an mlruns
  folder, a plug-in's path): its files' paths, sizes and mtimes.
Nested repositories are left out of a tree's state: they are sources of their own.
A URL (an MLflow server) has no state readable for free: it is collected every time.

The key also holds what else decides the result: mlcheck's own code (its modules' sizes and
mtimes, so an upgrade re-collects), the collectors registered (plug-ins included), the
params and the parse limit. One entry per source (DIR/<source>/<key>.json): a new state
replaces the old one, so the cache never grows beyond one shard per source. A shard whose
source crashed its collector is not kept (the crash may be passing).

Entries carry an HMAC under the cache's own random key (DIR/.key, owner-only): one that
verifies was written by mlcheck from a graph already through the redaction door, and is
loaded as it is — the JSON parse is all it costs. One that does not (edited, copied from
elsewhere) goes through the snapshot loader: the door and the digest check.
"""
from __future__ import annotations

import hashlib
import hmac
import inspect
import json
import os
import secrets
import shutil
import stat
from pathlib import Path

from .. import __version__
from ..collectors import Source
from ..collectors.safety import is_git_dir, is_worktree
from ..collectors.walker import walk
from ..graph import canonical_json
from ..regular_file import read_regular_file
from .shards import Shard, load_snapshot, save_shard, trusted_shard

GIT_STATE_FILES = ("HEAD", "packed-refs", "config", "shallow", "info/attributes", "info/exclude",
                   "info/grafts", "objects/info/alternates")
SQLITE_SIDECARS = ("-wal", "-journal")
MAX_GIT_FILE_BYTES = 256 * 1024 * 1024     # a packed-refs of millions of refs; larger: by size+mtime
MAX_ENTRY_BYTES = 16 * 1024 ** 3             # a shard is read whole; bounded as every file mlcheck reads
NOT_KEPT = ("collector crashed", "collection on the cluster failed")


class Cache:
    def __init__(self, directory: Path, registry: dict[str, type], params: dict,
                 max_parse_bytes: int | None, exclude: tuple[str, ...] = ()) -> None:
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.key_bytes: bytes | None = None
        self.context = _sha(canonical_json({
            "mlcheck": __version__, "code": _code_state(registry),
            "collectors": sorted(f"{n}={c.__module__}:{c.__qualname__}" for n, c in registry.items()),
            "params": params, "max_parse_bytes": max_parse_bytes, "exclude": list(exclude)}))

    def key(self, source: Source) -> str | None:
        """The source's cache key, or None when its state cannot be read (a URL, a path
        this machine does not see): collect it."""
        state = source_state(source)
        if state is None:
            return None
        return _sha(canonical_json([self.context, _identity(source), state]))

    def lookup(self, source: Source, key: str | None) -> Path | None:
        """The entry kept for this state of the source, if any (loaded when merged)."""
        if key is None:
            return None
        path = self._folder(source) / f"{key}.json"
        return path if path.is_file() else None

    def load(self, path: Path) -> Shard | None:
        """The shard kept; None when it is damaged or was changed by hand (collect again).
        An entry whose HMAC (this cache's key) holds is one this mlcheck wrote: adopted as
        it is. Any other goes through the snapshot loader (the door, the digest)."""
        try:
            data = read_regular_file(path, MAX_ENTRY_BYTES)
            if self.signed(path, data):
                return trusted_shard(json.loads(data), str(path))
            shard = load_snapshot(path)
            return None if shard.linked else shard
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, source: Source, key: str | None, shard: Shard) -> bool:
        """Keep the shard as the source's one entry; False when it is not kept."""
        if key is None or any(e.reason.startswith(NOT_KEPT) for e in shard.graph.errors):
            return False
        folder = self._folder(source)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        path = folder / f"{key}.json"
        save_shard(shard, path)
        self.sign(path, path.read_bytes())
        return True

    def sign(self, path: Path, data: bytes) -> None:
        """Mark the file as this cache's (PATH.mac: the HMAC of `data`, its content)."""
        _mac_file(path).write_text(self._mac(data) + "\n", encoding="ascii")

    def sign_file(self, source: Path, path: Path) -> None:
        """Sign what `source` holds as PATH's content (it is about to be moved there), read
        a chunk at a time: a report of hundreds of megabytes is not read whole."""
        mac = hmac.new(self._key(), digestmod=hashlib.sha256)
        with open(source, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                mac.update(chunk)
        _mac_file(path).write_text(mac.hexdigest() + "\n", encoding="ascii")

    def signed(self, path: Path, data: bytes) -> bool:
        """Whether `data`, read from PATH, is what this cache wrote there (its HMAC holds)."""
        return hmac.compare_digest(_read_mac(path), self._mac(data))

    def _mac(self, data: bytes) -> str:
        return hmac.new(self._key(), data, hashlib.sha256).hexdigest()

    def _key(self) -> bytes:
        """The cache's own random key (DIR/.key, owner-only), made on first use."""
        if self.key_bytes is None:
            path = self.dir / ".key"
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(secrets.token_bytes(32))
            except FileExistsError:
                pass
            self.key_bytes = read_regular_file(path, 64)
        return self.key_bytes

    def _folder(self, source: Source) -> Path:
        return self.dir / _sha(canonical_json(_identity(source)))[:32]


def _mac_file(path: Path) -> Path:
    return path.with_name(path.name + ".mac")


def _read_mac(path: Path) -> str:
    try:
        return read_regular_file(_mac_file(path), 256).decode("ascii", "replace").strip()
    except OSError:
        return ""


def _identity(source: Source) -> list[str]:
    return [source.kind, source.uri, source.label, source.display, source.root]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _code_state(registry: dict[str, type]) -> list:
    """mlcheck's modules and every registered collector's module, by size and mtime."""
    files = set(Path(__file__).resolve().parents[1].rglob("*.py"))
    for cls in registry.values():
        try:
            files.add(Path(inspect.getfile(cls)).resolve())
        except (TypeError, OSError):
            continue
    return [_stat(f, f.name) for f in sorted(files)]


def source_state(source: Source) -> list | None:
    uri = source.uri.removeprefix("file://")
    if "://" in uri or not os.path.isabs(uri) or not os.path.lexists(uri):
        return None
    path = Path(uri)
    if source.kind == "git":
        return git_state(path)
    if path.is_file():
        return [_stat(path, path.name)] + [_stat(Path(uri + s), s) for s in SQLITE_SIDECARS
                                           if os.path.lexists(uri + s)]
    return tree_state(path)


def git_state(path: Path) -> list | None:
    from ..collectors.git import find_enclosing_repo
    top = find_enclosing_repo(path)
    if top is None:
        return None
    work_tree = is_worktree(str(top))
    git_dir = _git_dir(top) if work_tree else top
    if git_dir is None:
        return None
    common = git_dir
    if (git_dir / "commondir").is_file():          # a linked work tree shares refs with its main
        common = (git_dir / (git_dir / "commondir").read_text(errors="replace").strip()).resolve()
    state: list = [str(top), str(git_dir), str(common)]
    for base in dict.fromkeys((git_dir, common)):
        state += [_content(base / name, name) for name in GIT_STATE_FILES]
        state += [_content(Path(d) / f, os.path.relpath(os.path.join(d, f), base))
                  for d, _, names in walk(base / "refs") for f in sorted(names)]
    state.append(_stat(git_dir / "index", "index"))
    if work_tree:
        state += tree_state(top)
    return state


def _git_dir(top: Path) -> Path | None:
    dot = top / ".git"
    if dot.is_dir():
        return dot
    try:
        text = dot.read_text(errors="replace")[:4096]
    except OSError:
        return None
    if not text.startswith("gitdir:"):
        return None
    return (top / text[len("gitdir:"):].strip()).resolve()


def tree_state(root: Path) -> list:
    """(path, size, mtime) of every file under root, not entering .git or nested
    repositories; a symlink by its target (never followed)."""
    state = []
    top = os.fspath(root)
    for here, dirnames, filenames in walk(top):
        dirnames[:] = sorted(d for d in dirnames if d != ".git" and not is_worktree(os.path.join(here, d))
                             and not is_git_dir(os.path.join(here, d)))
        # Strings, not Paths: a state walk of thousands of files spent most of its time in pathlib.
        prefix = os.path.relpath(here, top).replace(os.sep, "/") + "/" if here != top else ""
        state += [_stat(os.path.join(here, name), prefix + name) for name in sorted(filenames)]
    return state


def _stat(path, name: str) -> list:
    try:
        st = os.lstat(path)
    except OSError:
        return [name, None]
    if stat.S_ISLNK(st.st_mode):
        return [name, "->", os.readlink(path)]
    return [name, st.st_size, st.st_mtime_ns]


def _content(path: Path, name: str) -> list:
    """A git file by its content (a ref moves without its size changing); read as the
    collectors read, so a FIFO planted as HEAD cannot hang the scan."""
    try:
        return [name, hashlib.sha256(read_regular_file(path, MAX_GIT_FILE_BYTES)).hexdigest()]
    except OSError:
        return [name, _stat(path, name)[1:]]
