"""What a tree collector records about a file, shared by the git and folder collectors.

Only files that matter become nodes (by role, or because a parser claims them); the rest
are counted on their tree's node.
"""
from __future__ import annotations

import os
from pathlib import PurePosixPath
from typing import BinaryIO, Callable

from . import CollectContext, FileRef
from .roles import file_role, matches_gitattr
from .text import text_path
from .walker import IGNORE_FILE, Exclusions


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
        self.exclusions = Exclusions(ctx.exclude)
        self.excluded = 0
        self._asked: dict[str, bool] = {}     # will_parse's answers, taken again by emit

    def read_ignore_file(self, read: Callable[[], bytes]) -> None:
        """Add the tree's .mlcheckignore (`read` gives its bytes; OSError: none there).
        A line that is no pattern is a collection error; the others still apply."""
        try:
            data = read()
        except FileNotFoundError:
            return
        except OSError as exc:
            self.ctx.graph.error(self.collector, self.display(self.strip + IGNORE_FILE),
                                 f"unreadable: {exc.strerror or exc}; its exclusions are not applied")
            return
        for line, reason in self.exclusions.add_ignore_file(data):
            self.ctx.graph.error(self.collector, self.display(self.strip + IGNORE_FILE), reason, line)

    def is_excluded(self, path: str, is_dir: bool = False) -> bool:
        """Whether exclusions leave out this path of the tree (relative to the scanned root)."""
        path = text_path(path)
        rel = path[len(self.strip):] if self.strip and path.startswith(self.strip) else path
        return self.exclusions.match(rel, is_dir)

    def display(self, path: str) -> str:
        """The path as reports show it: under the scanned path as the user gave it."""
        path = text_path(path)
        path = path[len(self.strip):] if self.strip and path.startswith(self.strip) else path
        return f"{self.display_root.rstrip('/')}/{path}" if self.display_root not in ("", ".") else path

    def emit(self, path: str, size: int | None, read: Callable[[], bytes] | None, *,
             tracked: bool | None = None, symlink: bool = False, problem: str | None = None,
             open_file: Callable[[], BinaryIO] | None = None, **extra) -> str | None:
        """Record a file that matters and hand it to its parsers. With `problem` (its
        content cannot be read: a missing blob), the file is recorded without a size and
        the problem is its collection error. `open_file` (a file on disk) lets parsers
        that read files themselves (FileParser.reads_files) have it open, at any size."""
        path = text_path(path)
        excluded = self._asked.pop(path, None)
        if excluded is None:
            excluded = self.is_excluded(path)
        if excluded:
            self.excluded += 1
            return None
        role = file_role(path)
        parsers = [] if symlink else self.ctx.parsers_for(path)
        if role is None and not parsers:
            self.skipped += 1
            return None
        name, ext = name_and_suffix(path)
        attrs = {"path": path, "name": name, "ext": ext.lower(), "role": role or "other",
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
            ref = FileRef(nid, path, display, self.tree_node, self.id_prefix, commit)
            by_file = [p for p in parsers if p.reads_files and open_file is not None]
            if by_file:
                self._parse_open(by_file, ref, open_file)
            if len(by_file) < len(parsers):
                self._parse([p for p in parsers if p not in by_file], ref, size, read)
        return nid

    def finish(self) -> None:
        """Every parser's end of this tree (FileParser.finish); a crash costs that parser's
        folder-wide work, not the scan. The tree's node counts the files excluded."""
        if self.excluded:
            self.ctx.graph.update_attrs(self.tree_node, files_excluded=self.excluded)
        for parser in self.ctx.parsers:
            try:
                parser.finish(self.tree_node, self.ctx)
            except Exception as exc:  # noqa: BLE001
                self.ctx.graph.error(parser.name, self.display_root or ".",
                                     f"parser crashed finishing the tree: {type(exc).__name__}: {exc}")

    def will_parse(self, path: str, size: int | None) -> bool:
        """Whether emit() will read this (not symlinked) file's content: a parser claims it
        and it is within the parse limit (the git collector prefetches exactly these)."""
        if not (size is not None and size <= self.ctx.max_parse_bytes and self.ctx.parsers_for(text_path(path))):
            return False
        if self.exclusions:       # a match costs ~12 µs with a few patterns: emit reuses it
            excluded = self._asked[text_path(path)] = self.is_excluded(path)
            return not excluded
        return True

    def _parse_open(self, parsers, ref: FileRef, open_file: Callable[[], BinaryIO]) -> None:
        try:
            fh = open_file()
        except OSError as exc:
            self.ctx.graph.error("/".join(p.name for p in parsers), ref.display,
                                 f"unreadable: {exc.strerror or exc}")
            return
        with fh:
            size = os.fstat(fh.fileno()).st_size
            for parser in parsers:
                try:
                    fh.seek(0)
                    parser.parse_file(ref, fh, size, self.ctx)
                except Exception as exc:  # noqa: BLE001 - a parser bug costs one file, not the scan
                    self.ctx.graph.error(parser.name, ref.display,
                                         f"parser crashed: {type(exc).__name__}: {exc}")

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


def name_and_suffix(path: str) -> tuple[str, str]:
    """PurePosixPath(path).name and .suffix, without building one per file (a tree path:
    no empty or `.` last part; any other is left to pathlib)."""
    name = path[path.rfind("/") + 1:]
    if not name or name == ".":
        p = PurePosixPath(path)
        return p.name, p.suffix
    dot = name.rfind(".")
    return name, name[dot:] if 0 < dot < len(name) - 1 else ""
