"""Folder collector: a path outside any git repository, scanned as plain files.

Repositories inside the folder belong to the git collector and MLflow file stores
(mlruns/) to the MLflow collector: both are skipped here.
Symlinks are never followed; one that points out of the tree is a collection error.
"""
from __future__ import annotations

from pathlib import Path

from ..regular_file import open_regular_file, read_regular_file
from . import CollectContext, Collector, Source
from .emitter import TreeEmitter
from .safety import is_git_dir, is_worktree, symlink_problem
from .walker import IGNORE_FILE, SKIP_DIRS, is_mlflow_file_store, walk
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
        root = Path(source.uri)
        tree = ctx.graph.add_node("repo", f"fs:{source.label}", {"path": source.label, "vcs": "none"},
                                  ctx.provenance(self.name, source.display))
        emitter = TreeEmitter(ctx, self.name, tree, f"fs:{source.label}", source.display, None)
        emitter.read_ignore_file(lambda: read_regular_file(root / IGNORE_FILE, ctx.max_parse_bytes))
        for dirpath, dirnames, filenames in walk(root, onerror=lambda e: ctx.graph.error(
                self.name, emitter.display(Path(e.filename).relative_to(root).as_posix()),
                f"unreadable directory: {e.strerror}")):
            here = Path(dirpath)
            # Symlinks first: one to a repository elsewhere is still a link out of the tree.
            dirnames[:] = sorted(d for d in dirnames
                                 if not self._check_link(here / d, root, emitter, ctx, is_file=False))
            dirnames[:] = [d for d in dirnames if d not in FOLDER_SKIP_DIRS
                           and not (here.name == ".dvc" and d in DVC_INTERNAL_DIRS)
                           and not is_worktree(str(here / d)) and not is_git_dir(str(here / d))
                           and not is_mlflow_file_store(here / d)
                           and not emitter.is_excluded((here / d).relative_to(root).as_posix(), is_dir=True)]
            for name in sorted(filenames):
                full = here / name
                rel = full.relative_to(root).as_posix()
                if self._check_link(full, root, emitter, ctx):
                    continue
                try:
                    st = full.lstat()
                except OSError as exc:
                    ctx.graph.error(self.name, emitter.display(rel), f"unreadable: {exc.strerror}")
                    continue
                emitter.emit(rel, st.st_size,
                             lambda full=full: read_regular_file(full, ctx.max_parse_bytes),
                             open_file=lambda full=full: open_regular_file(full))
        emitter.finish()
        ctx.graph.update_attrs(tree, files_not_recorded=emitter.skipped)

    def _check_link(self, path: Path, root: Path, emitter: TreeEmitter, ctx: CollectContext,
                    is_file: bool = True) -> bool:
        """True for a symlink (never followed); an escaping or dangling-but-claimed one is reported."""
        if not path.is_symlink():
            return False
        rel = path.relative_to(root).as_posix()
        problem = symlink_problem(path, root, claimed=is_file and bool(ctx.parsers_for(rel)))
        if problem:
            ctx.graph.error(self.name, emitter.display(rel), problem)
        return True
