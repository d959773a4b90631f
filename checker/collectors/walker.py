"""The tree walker: which folders a walk of a plain folder or work tree enters, and
where an MLflow file store sits (the walks leave it to the MLflow collector)."""
from __future__ import annotations

import functools
import os
import stat
from typing import Callable, Iterator

# Folders no collector walks: tool caches and virtualenvs hold copies, not the estate;
# git's own folder belongs to the git collector (the folder walk keeps .dvc for its config).
SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", ".tox",
                       ".mypy_cache", ".dvc"})

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
    `dirnames` pruned (and ordered) in place by the caller. Without recursion: Python
    3.11's os.walk recurses once per level, and a scanned tree nested deeper than the
    interpreter's recursion limit would crash the whole scan."""
    for here, dirs, files in walk_entries(top, onerror):
        dirnames = [d.name for d in dirs]
        yield here, dirnames, [f.name for f in files]
        by_name = {d.name: d for d in dirs}
        dirs[:] = [by_name[name] for name in dirnames if name in by_name]


def walk_entries(top, onerror: Callable[[OSError], None] | None = None
                 ) -> Iterator[tuple[str, list[os.DirEntry], list[os.DirEntry]]]:
    """walk() with the os.scandir entries themselves (for `top` as a str): a walk that
    asks whether an entry is a symlink, or its lstat, has them from the listing (cached,
    without a Path per file). The caller prunes and orders the folders' list in place."""
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
        dirs, files = [], []
        for entry in entries:
            # A symlink to a folder counts as a folder, as in os.walk (listed, not entered).
            (dirs if _entry_is(entry.is_dir, False) else files).append(entry)
        yield here, dirs, files
        stack += [d.path for d in reversed(dirs) if not _entry_is(d.is_symlink, True)]


def _entry_is(test: Callable[[], bool], on_error: bool) -> bool:
    try:
        return test()
    except OSError:
        return on_error


# -- exclusion ------------------------------------------------------------------------

IGNORE_FILE = ".mlcheckignore"


class ExcludeError(ValueError):
    """A pattern given on the command line or in the config is not a valid pattern."""


class Exclusions:
    """The paths a scan leaves out of one tree: `--exclude` globs and the config's
    `exclude:` (both for every tree), then the lines of the tree's .mlcheckignore. All in
    gitignore's syntax, matched against the path inside the tree (from the repository's
    top, or the folder scanned): `*.csv` at any depth, `/build/` only at the top, `data/**`,
    `!keep.csv`. A folder that matches is not entered, as git does."""

    def __init__(self, patterns: list[str] | tuple[str, ...] = ()) -> None:
        for pattern in patterns:
            if _invalid(pattern):
                raise ExcludeError(f"exclude pattern {pattern!r}: {_invalid(pattern)}")
        self.lines = list(patterns)
        self._spec = None
        self._active = _any_pattern(self.lines)

    def add_ignore_file(self, data: bytes) -> list[tuple[int, str]]:
        """Add a .mlcheckignore's lines; returns (line number, reason) for those that are not
        patterns (they are left out, the rest still apply)."""
        bad = []
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            reason = _invalid(line)
            if reason:
                bad.append((number, f"{line!r} is not a pattern: {reason}"))
            else:
                self.lines.append(line)
        self._spec = None
        self._active = _any_pattern(self.lines)
        return bad

    def __bool__(self) -> bool:
        return self._active

    def match(self, path: str, is_dir: bool = False) -> bool:
        if not self._active:        # asked for every file of every tree: no patterns, no cost
            return False
        if self._spec is None:
            import pathspec
            self._spec = pathspec.GitIgnoreSpec.from_lines(self.lines)
        return self._spec.match_file(path + "/" if is_dir else path)


def _any_pattern(lines: list[str]) -> bool:
    return any(line.strip() and not line.lstrip().startswith("#") for line in lines)


def _invalid(pattern: str) -> str | None:
    import pathspec
    try:
        pathspec.GitIgnoreSpec.from_lines([pattern])
    except ValueError as exc:
        return str(exc)
    return None
