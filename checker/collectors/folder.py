"""Folder collector: a path outside any git repository, scanned as plain files.

Repositories inside the folder belong to the git collector and MLflow file stores
(mlruns/) to the MLflow collector: both are skipped here.
Symlinks are never followed; one that points out of the tree is a collection error.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..regular_file import open_regular_file, read_regular_file
from . import CollectContext, Collector, Source
from .emitter import TreeEmitter
from .safety import is_git_dir, is_worktree, symlink_problem
from .walker import IGNORE_FILE, SKIP_DIRS, is_mlflow_file_store, walk_entries
from .git import find_enclosing_repo

# .dvc/config names the data remotes: walk .dvc, but not its cache (copies of the data) or tmp.
FOLDER_SKIP_DIRS = SKIP_DIRS - {".dvc"}
DVC_INTERNAL_DIRS = {"cache", "tmp"}


class FolderCollector(Collector):
    name = "folder"

    @classmethod
    def detect(cls, root: Path, display: str) -> list[Source]:
        if find_enclosing_repo(root) is not None or is_mlflow_file_store(root):
            return []
        return [Source(cls.name, str(root), ".", display)]

    @classmethod
    def from_uri(cls, uri: str) -> Source:
        path = Path(uri.removeprefix("file://")).resolve()
        if not path.is_dir():
            raise ValueError(f"{uri}: not a directory")
        return Source(cls.name, str(path), path.name, uri)

    def collect(self, source: Source, ctx: CollectContext) -> None:
        root = source.uri
        tree = ctx.graph.add_node("repo", f"fs:{source.label}", {"path": source.label, "vcs": "none"},
                                  ctx.provenance(self.name, source.display))
        emitter = TreeEmitter(ctx, self.name, tree, f"fs:{source.label}", source.display, None)
        emitter.read_ignore_file(lambda: read_regular_file(os.path.join(root, IGNORE_FILE), ctx.max_parse_bytes))
        limit = ctx.max_parse_bytes
        # Plain str paths and the listing's own entries (is_symlink and lstat cached): a
        # Path per file and a second lstat cost more than the rest of a file's walk.
        for here, dirs, files in walk_entries(root, onerror=lambda e: ctx.graph.error(
                self.name, emitter.display(_relative(e.filename, root)), f"unreadable directory: {e.strerror}")):
            inside = _relative(here, root)
            in_dvc = os.path.basename(here) == ".dvc"
            # Symlinks first: one to a repository elsewhere is still a link out of the tree.
            dirs[:] = sorted((d for d in dirs if not self._check_link(d, root, _under(inside, d.name), emitter,
                                                                      ctx, is_file=False)),
                             key=_name)
            dirs[:] = [d for d in dirs if d.name not in FOLDER_SKIP_DIRS
                       and not (in_dvc and d.name in DVC_INTERNAL_DIRS)
                       and not is_worktree(d.path) and not is_git_dir(d.path)
                       and not is_mlflow_file_store(d.path)
                       and not emitter.is_excluded(_under(inside, d.name), is_dir=True)]
            for entry in sorted(files, key=_name):
                rel = _under(inside, entry.name)
                if self._check_link(entry, root, rel, emitter, ctx):
                    continue
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError as exc:
                    ctx.graph.error(self.name, emitter.display(rel), f"unreadable: {exc.strerror}")
                    continue
                full = entry.path
                emitter.emit(rel, st.st_size, lambda full=full: read_regular_file(full, limit),
                             open_file=lambda full=full: open_regular_file(full))
        emitter.finish()
        ctx.graph.update_attrs(tree, files_not_recorded=emitter.skipped)

    def _check_link(self, entry: os.DirEntry, root: str, rel: str, emitter: TreeEmitter,
                    ctx: CollectContext, is_file: bool = True) -> bool:
        """True for a symlink (never followed); an escaping or dangling-but-claimed one is reported."""
        try:
            if not entry.is_symlink():
                return False
        except OSError:
            return False        # its lstat fails again, and says why, as the file's error
        problem = symlink_problem(entry.path, root, claimed=is_file and bool(ctx.parsers_for(rel)))
        if problem:
            ctx.graph.error(self.name, emitter.display(rel), problem)
        return True


def _name(entry: os.DirEntry) -> str:
    return entry.name


def _relative(path: str, root: str) -> str:
    """`path` (under `root`) relative to it, with forward slashes: the tree's paths."""
    rel = os.path.relpath(path, root) if path != root else ""
    return rel.replace(os.sep, "/") if os.sep != "/" else rel


def _under(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name
