"""Where MLflow stores are, and one identity per store however it was named.

Found under a scanned path (not following symlinks): `mlruns/` folders that hold a file
store, and SQLite files that hold MLflow's tables, whatever their name (a course's
`backend.db`). A candidate is a file with a database suffix; its first bytes must say SQLite
before it is opened, read-only, with a time limit, and only so many are opened per scanned
path. A file named mlflow.db is taken as a store whatever it holds, so a broken one is
reported rather than passed over.

Identity: `uri` is the resolved absolute path (or the canonical URL of a server) and
`label` the store's path relative to the estate it lies in, so `--source mlflow=…` and
auto-detection name one store the same way and a scan may de-duplicate them by uri.
"""
from __future__ import annotations

import os
import re
import sqlite3
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from .. import Source
from ..safety import is_git_dir, is_worktree
from ..urls import url_without_secrets
from ..walker import SKIP_DIRS, is_mlflow_file_store, walk
from ..git import ESTATE_ROOT_MARKER
from .records import Deadline
from .rest import is_url, split_url
from .sqlite import holds_mlflow_schema, is_sqlite, read_header

DEFAULT_DB_NAME = "mlflow.db"
SQLITE_SUFFIXES = frozenset({".db", ".sqlite", ".sqlite3", ".db3"})
MAX_HEADER_READS = 10_000      # candidate files whose first bytes are read, per scanned path
MAX_SCHEMA_PROBES = 100        # SQLite files opened to look for MLflow's tables, per scanned path
PROBE_SECONDS = 1.0            # per SQLite file: waiting on a lock plus reading its table names
PROBE_BUDGET = 20.0            # for all of them, per scanned path (a tree of locked databases)
NAMED_UNEXAMINED = 5           # unexamined candidates named in the error; the rest counted


@dataclass(frozen=True)
class MlflowSource(Source):
    """A source of the MLflow collector. `credentials` (user, password from the URL) are
    kept out of uri, label, display and repr. A source with `not_a_store` or `unexamined`
    is what detection found instead of a store: said in the report, not read."""
    credentials: tuple = field(default=(None, None), repr=False, compare=False)
    not_a_store: str = ""          # recorded on the source's entry; not an error
    unexamined: str = ""           # candidates detection could not look into: a collection error


ARTIFACTS_ONLY = ("holds no meta.yaml one level down: run artifacts only, not a tracking store "
                  "(MLflow 3 keeps runs in its database and their artifacts here); its files are "
                  "listed with the tree")


# -- labels -------------------------------------------------------------------------------

def estate_anchor(path: Path) -> Path | None:
    """The estate a local store lies in: its nearest enclosing git repository (work tree or
    bare) or folder holding .mlcheck-root."""
    for cand in path.parents:
        if is_worktree(str(cand)) or is_git_dir(str(cand)) or (cand / ESTATE_ROOT_MARKER).is_file():
            return cand
    return None


def detected_label(store: Path, root: Path) -> str:
    """Relative to the store's estate when the scanned path lies in it (scanning a repository
    or any folder of it gives the same ids), else to the scanned path (it holds several
    estates: keys relative to it keep their stores apart)."""
    anchor = estate_anchor(store)
    if anchor is not None and (anchor == root or anchor in root.parents):
        return store.relative_to(anchor).as_posix()
    return store.relative_to(root).as_posix()


def given_label(store: Path, given: str) -> str:
    """Relative to the store's estate; outside any, the path as given when relative (as a
    scan path is), else the store's name. Never an absolute path: ids are the same on
    every machine and checkout."""
    anchor = estate_anchor(store)
    if anchor is not None:
        return store.relative_to(anchor).as_posix()
    if not os.path.isabs(given):
        norm = Path(os.path.normpath(given)).as_posix()
        if norm != ".." and not norm.startswith("../"):
            return norm
    return store.name


# -- --source mlflow=URI ---------------------------------------------------------------------

def from_uri(kind: str, uri: str) -> MlflowSource:
    if is_url(uri):
        base, label, user, password = split_url(uri)
        return MlflowSource(kind, base, label, base, credentials=(user, password))
    given = uri
    if uri.startswith("sqlite:"):
        if not uri.startswith("sqlite:///") or len(uri) == len("sqlite:///"):
            raise ValueError(f"{uri}: expected sqlite:///relative/path.db or sqlite:////absolute/path.db")
        given = uri[len("sqlite:///"):]
    elif uri.startswith("file:"):
        given = urllib.parse.unquote(urllib.parse.urlsplit(uri).path)
    elif re.match(r"^[a-z][a-z0-9+.\-]*://", uri, re.I):
        raise ValueError(f"{url_without_secrets(uri)}: unsupported MLflow URI (use http(s)://, "
                         "sqlite:///path, a .db file or an mlruns folder)")
    given = os.path.expanduser(given)
    path = Path(given)
    if not path.exists():
        raise ValueError(f"{uri}: no such file or folder")
    if uri.startswith("sqlite:") and not path.is_file():
        raise ValueError(f"{uri}: not a file")
    if path.is_dir() and not is_mlflow_file_store(path, any_name=True):
        raise ValueError(f"{uri}: not an MLflow file store: no experiment meta.yaml one level down "
                         "(a folder of run artifacts only?)")
    store = Path(os.path.realpath(path))
    return MlflowSource(kind, str(store), given_label(store, given), uri)


# -- auto-detection --------------------------------------------------------------------------

def detect(kind: str, root: Path, display: str) -> list[MlflowSource]:
    root = Path(os.path.realpath(root))
    if root.name == "mlruns" and root.is_dir():      # the scanned path is the folder itself
        return [_Finder(kind, root, display).found(root, store=is_mlflow_file_store(root))]
    finder = _Finder(kind, root, display)
    for dirpath, dirnames, filenames in walk(root):
        here = Path(dirpath)
        keep = []
        for d in sorted(dirnames):
            full = here / d
            if d in SKIP_DIRS or os.path.islink(full):     # False for a path too long to look at
                continue
            if d == "mlruns":
                store = is_mlflow_file_store(full)
                finder.sources.append(finder.found(full, store))
                if store:
                    continue                       # a store is not searched for more stores
            keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            if name == DEFAULT_DB_NAME or os.path.splitext(name)[1].lower() in SQLITE_SUFFIXES:
                finder.candidate(here / name)
    return finder.sources + finder.unexamined_sources()


class _Finder:
    """The sources one detection finds, and the candidates it could not examine."""

    def __init__(self, kind: str, root: Path, display: str) -> None:
        self.kind, self.root, self.display = kind, root, display
        self.sources: list[MlflowSource] = []
        self.header_reads = self.probes = 0
        self.probe_time: Deadline | None = None            # started by the first probe
        self.unexamined: list[tuple[str, str]] = []       # (path under root, why)

    def shown(self, rel: str) -> str:
        if rel == ".":
            return self.display
        return rel if self.display in ("", ".") else f"{self.display.rstrip('/')}/{rel}"

    def found(self, path: Path, store: bool = True) -> MlflowSource:
        rel = path.relative_to(self.root).as_posix() if path != self.root else "."
        label = detected_label(path, self.root) if path != self.root else given_label(path, path.name)
        return MlflowSource(self.kind, str(path), label, self.shown(rel), root=str(self.root),
                            not_a_store="" if store else ARTIFACTS_ONLY)

    def candidate(self, path: Path) -> None:
        """A file that may be an MLflow SQLite store: claimed when named mlflow.db, else when
        its header says SQLite and its tables are MLflow's."""
        if os.path.islink(path):      # Path.is_symlink raises on a path over the system's limit
            return
        if path.name == DEFAULT_DB_NAME:
            self.sources.append(self.found(path))
            return
        rel = path.relative_to(self.root).as_posix()
        if self.header_reads >= MAX_HEADER_READS:
            self.unexamined.append((rel, f"over {MAX_HEADER_READS} candidate files"))
            return
        self.header_reads += 1
        try:
            header = read_header(path)
        except OSError:
            return                          # not a regular file, or unreadable: not a database
        if not is_sqlite(header):
            return
        if self.probes >= MAX_SCHEMA_PROBES:
            self.unexamined.append((rel, f"over {MAX_SCHEMA_PROBES} SQLite files opened"))
            return
        self.probe_time = self.probe_time or Deadline(PROBE_BUDGET)
        if self.probe_time.expired():
            self.unexamined.append((rel, f"over {PROBE_BUDGET:g} s spent opening SQLite files"))
            return
        self.probes += 1
        try:
            if holds_mlflow_schema(str(path), header, min(PROBE_SECONDS, self.probe_time.remaining())):
                self.sources.append(self.found(path))
        except sqlite3.Error as exc:
            self.unexamined.append((rel, str(exc)))

    def unexamined_sources(self) -> list[MlflowSource]:
        if not self.unexamined:
            return []
        named = ", ".join(f"{self.shown(rel)} ({why})" for rel, why in self.unexamined[:NAMED_UNEXAMINED])
        more = len(self.unexamined) - NAMED_UNEXAMINED
        reason = (f"{len(self.unexamined)} SQLite files were not examined for MLflow's tables: {named}"
                  + (f" and {more} more" if more > 0 else "")
                  + "; name a store with --source mlflow=PATH")
        return [MlflowSource(self.kind, str(self.root), ".", self.display, root=str(self.root),
                             unexamined=reason)]
