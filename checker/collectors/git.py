"""Git collector: repositories (work trees and bare), commits, refs, tracked files.

Uses the git CLI (see README "Why the git CLI"): one `git log` for all commits, one
`git ls-tree` for files, one `git cat-file --batch` process for the blobs parsers need.
Git runs with a hardened environment: no system/global config, no hooks, no
fsmonitor, no signature checks, no pager, no fetching (a partial clone's missing
objects stay missing) — nothing from a scanned repo executes, nothing leaves the machine.

Scanned repositories may be damaged or hostile: git's output is read with separators
that cannot occur in the data (NUL), and a damaged object, ref or blob is a collection
error for that item; the rest of the repository is still collected.
"""
from __future__ import annotations

import os
import re
import secrets
import stat
import subprocess
import sys
import threading
import weakref
from collections import deque
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path

from ..regular_file import open_regular_file, read_regular_file
from . import CollectContext, Collector, Source
from .emitter import TreeEmitter
from .roles import lfs_patterns
from .safety import git_dir_problem, is_git_dir, is_worktree, symlink_problem
from .urls import is_url, url_without_secrets
from .walker import IGNORE_FILE, SKIP_DIRS, in_mlflow_file_store, walk

_SAFE_CONFIG = (
    "core.hooksPath=/dev/null", "core.fsmonitor=false", "core.untrackedCache=false",
    "safe.directory=*", "log.showSignature=false", "protocol.allow=never",
    "core.sshCommand=false", "diff.external=", "core.pager=cat",
)
_OBJECT_ID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
# Longest commit subject and author name recorded (git prints them whole, however long).
MAX_SUBJECT = 200
_CHUNK = 1 << 20


class GitError(Exception):
    pass


def git_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_TERMINAL_PROMPT="0",
               GIT_OPTIONAL_LOCKS="0", GIT_NO_REPLACE_OBJECTS="1", LC_ALL="C",
               # A partial clone fetches missing objects on demand: git >= 2.45 is told not
               # to; older ones try, and protocol.allow=never refuses every transport.
               GIT_NO_LAZY_FETCH="1",
               GIT_LITERAL_PATHSPECS="1")   # a scanned sub-folder named 'data[1]' is not a glob
    return env


class Git:
    """A hardened git command runner bound to one repository."""

    def __init__(self, git_dir: str, work_tree: str | None) -> None:
        self.base = ["git", "--no-pager"]
        for item in _SAFE_CONFIG:
            self.base += ["-c", item]
        self.base += ["--git-dir", git_dir]
        if work_tree:
            self.base += ["--work-tree", work_tree]
        self.env = git_env()

    def run(self, *args: str, ok_codes=(0,), stdin: bytes | None = None) -> bytes:
        proc = self.call(*args, stdin=stdin)
        if proc.returncode not in ok_codes:
            raise GitError(f"git {args[0]} failed: {why(proc)}")
        return proc.stdout

    def call(self, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
        """Run git and return what it printed and its exit code, whatever that is."""
        return subprocess.run([*self.base, *args], env=self.env, input=stdin,
                              stdin=subprocess.DEVNULL if stdin is None else None,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)

    def text(self, *args: str, ok_codes=(0,), stdin: bytes | None = None) -> str:
        return self.run(*args, ok_codes=ok_codes, stdin=stdin).decode("utf-8", "replace")

    def blob_reader(self) -> "BlobReader":
        return BlobReader([*self.base, "cat-file", "--batch"], self.env)


def why(proc: subprocess.CompletedProcess) -> str:
    """git's last word on stderr, or its exit code."""
    msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    return msg[-1] if msg else str(proc.returncode)


class BlobReader:
    """One long-lived `git cat-file --batch` for all blobs of a repository.

    A damaged object can state a size its content does not have; git then prints fewer
    (or more) bytes than its header announced and waits for the next request, so reading
    the announced size would hang. Each request is therefore followed by a name no
    repository holds (random per reader), which git answers with `<name> missing`: an
    answer ends at that line, whatever the header said. Anything unexpected restarts the
    process, so one bad object costs only itself.

    `prefetch(shas)` queues the requests of the blobs about to be read, in that order, from
    a writer thread: git answers while the parsers work, instead of one round trip (two
    context switches) per blob. Reads in that order take the queued answers; any other read
    drops the queue with the process and asks afresh.
    """

    def __init__(self, cmd: list[str], env: dict) -> None:
        self.cmd, self.env = cmd, env
        self.proc: subprocess.Popen | None = None
        self.queued: deque[str] = deque()
        # Not hex (no short object id), no '-g' (no `git describe` name), no rev syntax: git
        # tries it as a ref name only, and the spaces make it one no ref can have, refused
        # before any lookup (5x faster than a valid name); no object is looked up or fetched.
        self.marker = f"mlcheck end {secrets.token_hex(16)}".encode()
        self.end = b"\n" + self.marker + b" missing\n"

    def prefetch(self, shas: list[str]) -> None:
        shas = [s for s in shas if _OBJECT_ID.fullmatch(s)]
        if not shas:
            return
        if self.queued:
            self.close(kill=True)
        proc = self._process()      # an idle process is in step: it takes the queue
        self.queued.extend(shas)
        request = b"".join(s.encode() + b"\n" + self.marker + b"\n" for s in shas)
        threading.Thread(target=_write_all, args=(proc, request), daemon=True,
                         name="mlcheck-git-prefetch").start()

    def read(self, sha: str) -> bytes:
        if not _OBJECT_ID.fullmatch(sha):
            raise OSError(f"not an object id: {sha!r}")
        if self.queued and self.queued[0] != sha:
            self.close(kill=True)     # out of the queued order: drop the queue, ask afresh
        try:
            answer = self._request(sha)
        except OSError:
            self.close(kill=True)   # out of step with git, or git gone: the next read starts afresh
            raise
        if answer is None:
            raise OSError(f"object {sha[:12]} is missing or corrupt")
        kind, body = answer
        if kind != b"blob":
            raise OSError(f"object {sha[:12]} is a {kind.decode('ascii', 'replace')}, not a blob")
        return body

    def _request(self, sha: str) -> tuple[bytes, bytes] | None:
        """(type, content) of one object, None when git has no readable object by that id;
        OSError when the answer breaks the protocol (a lying header, git gone)."""
        proc = self._process()
        assert proc.stdin and proc.stdout
        if self.queued:
            self.queued.popleft()       # asked already by the prefetch writer
        else:
            proc.stdin.write(sha.encode() + b"\n" + self.marker + b"\n")
            proc.stdin.flush()
        header = proc.stdout.readline()
        if header == sha.encode() + b" missing\n":
            if proc.stdout.readline() != self.end[1:]:
                raise OSError("git cat-file answered out of step")
            return None
        kind, size = self._header(sha, header)
        return kind, self._body(proc, sha, size)

    @staticmethod
    def _header(sha: str, header: bytes) -> tuple[bytes, int]:
        parts = header.split()
        if len(parts) != 3 or parts[0] != sha.encode() or not parts[2].isdigit():
            raise OSError(f"object {sha[:12]} could not be read (git cat-file answered {header[:80]!r})")
        return parts[1], int(parts[2])

    def _body(self, proc: subprocess.Popen, sha: str, size: int) -> bytes:
        """The content up to the end marker; OSError when it is not `size` bytes long."""
        assert proc.stdout
        want = size + len(self.end)
        buf = bytearray()
        end = -1
        while end < 0:
            if len(buf) >= want:      # more than announced: stop reading, the process is dropped
                raise OSError(f"object {sha[:12]} is corrupt: it holds more than the {size} bytes "
                              "its header states")
            chunk = proc.stdout.read1(min(want - len(buf), _CHUNK))   # read1(n) allocates n
            if not chunk:
                raise OSError(f"git cat-file stopped while reading object {sha[:12]}")
            seen = len(buf)
            buf += chunk
            # With requests queued, what follows a short object is already the next answer:
            # the marker may sit anywhere in what was read, not only at its end.
            end = buf.find(self.end, max(0, seen - len(self.end) + 1))
        if end != size:
            raise OSError(f"object {sha[:12]} is corrupt: its header states {size} bytes, "
                          f"it holds {end}")
        del buf[size:]
        return bytes(buf)

    def _process(self) -> subprocess.Popen:
        if self.proc is None:
            self.proc = subprocess.Popen(self.cmd, env=self.env, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return self.proc

    def close(self, kill: bool = False) -> None:
        """End the process: at end of input when it is in step, killed when it may still
        be writing an answer nobody reads."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if kill or self.queued:         # answers nobody will read: git would wait on them
            self.queued.clear()
            proc.kill()
        try:
            if proc.stdin:
                proc.stdin.close()
        except OSError:          # git already gone: its end of the pipe is closed
            pass
        proc.wait()
        if proc.stdout:
            proc.stdout.close()


def _write_all(proc: subprocess.Popen, request: bytes) -> None:
    """The prefetch writer: all requests, then end of input (git exits once it has answered
    them). A killed process ends it with an error nobody needs."""
    try:
        assert proc.stdin
        proc.stdin.write(request)
        proc.stdin.flush()
    except (OSError, ValueError):
        pass


ESTATE_ROOT_MARKER = ".mlcheck-root"


def find_enclosing_repo(path: Path) -> Path | None:
    """The work tree or git dir that contains `path`, if any (path itself included).

    A folder holding a `.mlcheck-root` file is a ceiling, like GIT_CEILING_DIRECTORIES:
    an estate kept inside another repository (mlcheck's own sample) is scanned on its own.
    """
    for cand in [path, *path.parents]:
        if is_worktree(str(cand)) or is_git_dir(str(cand)):
            return cand
        if (cand / ESTATE_ROOT_MARKER).is_file():
            return None
    return None


def repo_label(repo: Path, root: Path) -> str:
    """A stable key: the path relative to the scan root ('.' for the root itself)."""
    try:
        rel = repo.relative_to(root).as_posix()
    except ValueError:
        rel = "."
    return rel or "."


def _normalise_remote(url: str) -> str:
    """github.com/org/repo from https/ssh/scp forms: credentials, port, query and .git dropped."""
    url = url.strip()
    if is_url(url):
        url = url_without_secrets(url).partition("://")[2]
        authority, _, path = url.partition("/")
        host = re.sub(r":\d*$", "", authority).lower()   # a port is not part of the repo's name
        url = f"{host}/{path}" if host else f"/{path}"
    else:
        scp = re.match(r"^(?:[^@/]+@)?([^/:]+):(.*)$", url)   # [user@]host:path, git's scp form
        if scp:
            url = f"{scp.group(1).lower()}/{scp.group(2).lstrip('/')}"
    return re.sub(r"\.git$", "", url.rstrip("/"))


class GitTreeReader:
    """The git collector's RepositoryReader: the linkers ask it what a commit tracked.

    A lineage estate asks about thousands of commits (one per run), in no useful order. A
    `git ls-tree -r` per commit costs a process and the whole tree each time; here one
    long-lived `git cat-file --batch` reads tree objects, and `path in files_at(sha)` walks
    the path's folders. A commit costs its commit object and the trees on the paths asked,
    and commits share trees (an unchanged folder is one object). Trees are kept in an LRU
    bounded by their entries, so a 50k-commit history of 10k-file trees is never held whole
    (numbers: bench/README.md, "The run -> source file join").
    """

    MAX_CACHED_ENTRIES = 1_000_000     # tree entries kept (~100 MiB at most; a 10k-file tree is 10k)
    MAX_CACHED_COMMITS = 100_000       # commit -> root tree answers kept

    def __init__(self, git: Git) -> None:
        self.git = git
        self._objects = git.blob_reader()       # its process starts on the first question
        self._trees: dict[bytes, dict[str, bytes | None]] = {}   # tree id -> name -> subtree id (None: a file)
        self._cached_entries = 0
        self._roots: dict[str, bytes | None] = {}                # commit -> its tree id (None: unreadable)
        self._finalizer = weakref.finalize(self, self._objects.close)   # no git left behind

    def close(self) -> None:
        self._finalizer()

    def files_at(self, sha: str) -> "GitTreeReader.Files | None":
        """Paths tracked at a commit (files, symlinks, submodules: what `git ls-tree -r`
        lists), read on demand; None when the repository cannot say (no such commit, or
        its tree is missing: a treeless partial clone is never fetched from)."""
        if sha not in self._roots:
            if len(self._roots) >= self.MAX_CACHED_COMMITS:
                del self._roots[next(iter(self._roots))]
            self._roots[sha] = self._root_tree(sha)
        root = self._roots[sha]
        return None if root is None else GitTreeReader.Files(self, root)

    class Files(AbstractSet):
        """The paths tracked at one commit. `path in files` walks the path's folders (a
        folder is not a path, as `git ls-tree -r` lists none); iterating reads every tree.
        A folder whose tree the repository does not hold counts as holding nothing."""
        __slots__ = ("_reader", "_root")

        def __init__(self, reader: "GitTreeReader", root: bytes) -> None:
            self._reader, self._root = reader, root

        def __contains__(self, path: object) -> bool:
            if not isinstance(path, str):
                return False
            *folders, name = path.split("/")
            tree = self._reader._tree(self._root)
            for folder in folders:
                sub = tree.get(folder) if tree else None
                if sub is None:                     # absent, or a file
                    return False
                tree = self._reader._tree(sub)
            return tree is not None and name in tree and tree[name] is None

        def __iter__(self):
            stack = [("", self._root)]
            while stack:
                prefix, tree_id = stack.pop()
                for name, sub in (self._reader._tree(tree_id) or {}).items():
                    if sub is None:
                        yield prefix + name
                    else:
                        stack.append((f"{prefix}{name}/", sub))

        def __len__(self) -> int:
            return sum(1 for _ in self)

    def _root_tree(self, sha: str) -> bytes | None:
        if not _OBJECT_ID.fullmatch(sha):
            return None
        found = self._object(sha)
        if found is None:
            return None
        kind, body = found
        if kind == b"tree":
            root = bytes.fromhex(sha)
        else:
            first = body.partition(b"\n")[0]
            if kind != b"commit" or not first.startswith(b"tree ") or \
                    not _OBJECT_ID.fullmatch(first[5:].decode("ascii", "replace")):
                return None
            root = bytes.fromhex(first[5:].decode("ascii"))
        return root if self._tree(root) is not None else None

    def _object(self, sha: str) -> tuple[bytes, bytes] | None:
        """(type, content) of an object; None when git has no readable one by that id."""
        try:
            return self._objects._request(sha)
        except OSError:
            self._objects.close(kill=True)     # out of step, or git gone: the next asks afresh
            return None

    def _tree(self, tree_id: bytes) -> dict[str, bytes | None] | None:
        entries = self._trees.pop(tree_id, None)
        if entries is None:
            entries = self._read_tree(tree_id)
            if entries is None:
                return None
            self._cached_entries += len(entries) + 1
            while self._cached_entries > self.MAX_CACHED_ENTRIES and self._trees:
                self._cached_entries -= len(self._trees.pop(next(iter(self._trees)))) + 1
        self._trees[tree_id] = entries          # the most recently used last
        return entries

    def _read_tree(self, tree_id: bytes) -> dict[str, bytes | None] | None:
        """A tree object's entries: `<mode> <name>\\0<raw id>` each. Names are interned:
        the versions of a folder repeat them."""
        found = self._object(tree_id.hex())
        if found is None or found[0] != b"tree":
            return None
        body, size, entries, i = found[1], len(tree_id), {}, 0
        try:
            while i < len(body):
                space = body.index(b" ", i)
                end = body.index(b"\0", space)
                if end + 1 + size > len(body):
                    return None
                name = sys.intern(body[space + 1:end].decode("utf-8", "replace"))
                folder = body[i:space].lstrip(b"0") == b"40000"
                entries[name] = body[end + 1:end + 1 + size] if folder else None
                i = end + 1 + size
        except ValueError:                      # a corrupt tree: no separator where one must be
            return None
        return entries


class GitCollector(Collector):
    name = "git"

    @classmethod
    def detect(cls, root: Path, display: str) -> list[Source]:
        sources: list[Source] = []
        enclosing = find_enclosing_repo(root)
        if enclosing is not None and enclosing != root:
            # A path inside a repository: the repository is the tree its .git may use.
            sources.append(Source(cls.name, str(root), ".", display, str(enclosing)))
        for dirpath, dirnames, _ in walk(root):
            here = Path(dirpath)
            if is_worktree(dirpath) or (is_git_dir(dirpath) and here.name != ".git"):
                rel = repo_label(here, root)
                shown = display if rel == "." else (
                    rel if display in ("", ".") else f"{display.rstrip('/')}/{rel}")
                sources.append(Source(cls.name, dirpath, rel, shown, str(root)))
                if is_git_dir(dirpath) and not is_worktree(dirpath):
                    dirnames[:] = []   # a bare repo holds no work tree to walk
                    continue
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        return sources

    @classmethod
    def from_uri(cls, uri: str) -> Source:
        path = Path(uri.removeprefix("file://")).resolve()
        if not (is_worktree(str(path)) or is_git_dir(str(path))):
            raise ValueError(f"{uri}: not a git repository")
        return Source(cls.name, str(path), path.name, uri, str(path))

    def collect(self, source: Source, ctx: CollectContext) -> None:
        path = Path(source.uri)
        top = find_enclosing_repo(path)
        if top is None:
            ctx.graph.error(self.name, source.display, "not a git repository")
            return
        problem = git_dir_problem(top, source.root or top)
        if problem:
            ctx.graph.error(self.name, source.display, problem)
            return
        bare = not is_worktree(str(top))
        git = Git(str(top) if bare else str(top / ".git"), None if bare else str(top))
        if not bare and (top / ".git").is_file():   # linked work tree or submodule
            git = Git(str(top / ".git"), str(top))
            try:
                gd = git.text("rev-parse", "--absolute-git-dir").strip()
                git = Git(gd, str(top))
            except GitError as exc:
                ctx.graph.error(self.name, source.display, str(exc))
                return
        subdir = path.relative_to(top).as_posix() if path != top else ""
        try:
            self._collect_repo(git, top, bare, subdir, source, ctx)
        except GitError as exc:
            ctx.graph.error(self.name, source.display, str(exc))

    def _collect_repo(self, git: Git, top: Path, bare: bool, subdir: str,
                      source: Source, ctx: CollectContext) -> None:
        label = source.label
        config = self._config(git)
        head_ref, head, shallow, head_problem = self._head(git)
        attrs = {"path": label, "bare": bare, "vcs": "git", "head": head or None,
                 "default_branch": head_ref.removeprefix("refs/heads/") or None,
                 "shallow": shallow}   # history ends at a cut: boundary commits show no parents
        if config.get("remote.origin.url"):
            attrs["remote"] = _normalise_remote(config["remote.origin.url"])
        filters = sorted({tool for key, tool in NOTEBOOK_FILTERS.items() if config.get(key)})
        if filters:
            attrs["git_notebook_filters"] = filters
        repo = ctx.graph.add_node("repo", f"git:{label}", attrs,
                                  ctx.provenance(self.name, source.display))
        refs: dict[str, list[str]] = {}
        n_commits = 0
        try:
            refs = self._refs(git, head_ref, source, ctx)
            n_commits = self._commits(git, repo, label, refs, head, source, ctx)
        except GitError as exc:     # e.g. a missing parent: say so, still collect the files
            ctx.graph.error(self.name, source.display, f"history not collected: {exc}")
        if head_problem:
            ctx.graph.error(self.name, source.display, f"{head_problem}; tracked files are not collected")
        skipped = self._files(git, top, bare, subdir, head, _is_partial_clone(config), repo,
                              label, source, ctx)
        ctx.repositories[repo] = GitTreeReader(git)
        ctx.graph.update_attrs(repo, commit_count=n_commits, branch_count=sum(
            1 for r in refs.values() for n in r if n.startswith("refs/heads/")),
            tag_count=sum(1 for r in refs.values() for n in r if n.startswith("refs/tags/")),
            # a clone that knows its remote's default branch (MLC-LIN-004 judges by it)
            origin_head=any(n == "refs/remotes/origin/HEAD" for r in refs.values() for n in r),
            files_not_recorded=skipped)

    @staticmethod
    def _head(git: Git) -> tuple[str, str, bool, str | None]:
        """HEAD's branch ref ('' when detached), its commit ('' when unborn or unreadable),
        whether the history is shallow, and why HEAD cannot be read (None when it can or
        when the branch is unborn; a broken branch is reported with the refs)."""
        ref = git.call("symbolic-ref", "-q", "HEAD")
        shallow, _, head = git.text("rev-parse", "--is-shallow-repository", "-q", "--verify",
                                    "HEAD^{commit}", ok_codes=(0, 1)).strip().partition("\n")
        problem = None
        if ref.returncode not in (0, 1):               # 1: detached
            problem = f"HEAD cannot be read ({why(ref)})"
        elif ref.returncode == 1 and not head:         # detached, so never unborn
            problem = "HEAD names a commit the repository does not hold (missing or corrupt)"
        return ref.stdout.decode("utf-8", "replace").strip(), head, shallow == "true", problem

    @staticmethod
    def _config(git: Git) -> dict[str, str]:
        """The repository settings the collector reads: origin's URL, partial-clone marks,
        notebook filters and drivers (NOTEBOOK_FILTERS)."""
        out = git.run("config", "-z", "--get-regexp",
                      r"^remote\.origin\.url$|^remote\..*\.promisor$|^extensions\.partialclone$|"
                      r"^filter\.nbstripout\.clean$|^diff\.jupyternotebook\.command$|^merge\.jupyternotebook\.driver$",
                      ok_codes=(0, 1))
        config = {}
        for rec in out.decode("utf-8", "replace").split("\0"):
            key, _, value = rec.partition("\n")
            if key:
                config[key] = value           # the last of several wins, as `git config --get`
        return config

    def _refs(self, git: Git, head_ref: str, source: Source, ctx: CollectContext) -> dict[str, list[str]]:
        """commit sha → ref names pointing at it (tags peeled fully, tags of tags too).
        The stash and notes are git's bookkeeping, not history: left out. A ref leading
        to an object the repository does not hold is a collection error of its own; the
        history of the other refs is still collected."""
        refs = []
        for line in git.text("for-each-ref", "--format=%(objectname) %(refname)").splitlines():
            sha, _, name = line.partition(" ")       # ref names hold no space or newline
            if name != "refs/stash" and not name.startswith("refs/notes/"):
                refs.append((sha, name))
        if not refs:
            return {}
        # One batch peels every ref (tags of tags too) and finds the broken ones.
        peeled = _batch_check(git, "%(objectname) %(objecttype)", [f"{sha}^{{}}" for sha, _ in refs])
        tips: dict[str, list[str]] = {}
        for (sha, name), answer in zip(refs, peeled):
            target, _, kind = (answer or "").partition(" ")
            if kind == "commit":
                tips.setdefault(target, []).append(name)
            elif kind not in ("tree", "blob"):       # a tag may name a tree or a blob: no history
                lost = "its history and HEAD's tracked files" if name == head_ref else "history only it reaches"
                ctx.graph.error(self.name, source.display,
                                f"ref {name} leads to an object the repository does not hold "
                                f"({sha[:12]}, missing or corrupt); {lost} not collected")
        return tips

    def _commits(self, git: Git, repo: str, label: str, tips: dict[str, list[str]], head: str,
                 source: Source, ctx: CollectContext) -> int:
        starts = dict.fromkeys([*tips, *([head] if head else [])])   # a detached HEAD is on no ref
        if not starts:
            return 0
        # -z and %x00: NUL cannot occur in what git prints for a commit (it stops at one),
        # whatever a subject or a name holds (\x1e, \x1f, newlines, escapes).
        # --no-mailmap: names as the commits hold them, and no .mailmap read (in a bare or
        # partial clone git would look one up in HEAD's tree).
        out = git.run("log", "--stdin", "--topo-order", "--no-decorate", "--no-show-signature",
                      "--no-mailmap", "-z", "--format=%H%x00%P%x00%an%x00%aI%x00%cI%x00%s",
                      stdin="".join(f"{sha}\n" for sha in starts).encode())
        fields = out.decode("utf-8", "replace").split("\0")
        if fields[-1] == "":
            fields.pop()
        if len(fields) % 6:
            raise GitError("git log printed a record that does not parse")
        ref_names = sorted({n for names in tips.values() for n in names})
        bit = {name: 1 << i for i, name in enumerate(ref_names)}
        mask: dict[str, int] = {}
        for sha, names in tips.items():
            mask[sha] = sum(bit[n] for n in names)
        parsed = []
        # Topological order lists children first: push each commit's refs to its parents.
        for i in range(0, len(fields), 6):
            sha, parents, author, authored, committed, subject = fields[i:i + 6]
            plist = parents.split()
            m = mask.get(sha, 0)
            for p in plist:
                mask[p] = mask.get(p, 0) | m
            parsed.append((sha, plist, author, authored, committed, subject))
        prov = ctx.provenance(self.name, source.display)
        by_mask: dict[int, tuple[list[str], list[str]]] = {}   # few distinct masks in practice
        for sha, plist, author, authored, committed, subject in parsed:
            m = mask.get(sha, 0)
            if m not in by_mask:
                names = [n for n in ref_names if m & bit[n]]
                by_mask[m] = ([n.split("/", 2)[-1] for n in names
                               if n.startswith(("refs/heads/", "refs/remotes/"))],
                              [n[len("refs/tags/"):] for n in names if n.startswith("refs/tags/")])
            branches, tags = by_mask[m]
            attrs = {"sha": sha, "repo": label, "parents": plist, "author": author[:MAX_SUBJECT],
                     "authored_at": _date(authored), "committed_at": _date(committed),
                     "subject": subject[:MAX_SUBJECT], "branches": list(branches), "tags": list(tags)}
            nid = ctx.graph.add_node("commit", f"git:{label}@{sha}", attrs, prov)
            ctx.graph.add_edge(repo, nid, "contains")
        return len(parsed)

    def _files(self, git: Git, top: Path, bare: bool, subdir: str, head: str, partial: bool,
               repo: str, label: str, source: Source, ctx: CollectContext) -> int:
        blobs = git.blob_reader()
        try:
            listed: list[TreeEntry] = []
            if head:
                try:
                    listed = self._tree(git, head, subdir, partial)
                except GitError as exc:      # e.g. a missing tree: the untracked files still count
                    ctx.graph.error(self.name, source.display, f"tracked files not collected: {exc}")
            inside = subdir.rstrip("/") + "/" if subdir else ""
            entries = [e for e in listed if e.path.startswith(inside)]
            lfs = self._lfs(blobs, listed, inside, source, ctx)
            head_node = f"commit:git:{label}@{head}" if head else None
            emitter = TreeEmitter(ctx, self.name, repo, f"git:{label}", source.display, True, lfs,
                                  strip=subdir, commit=head_node)
            emitter.read_ignore_file(self._ignore_file_reader(top, bare, inside, entries, blobs, ctx))
            blobs.prefetch([e.sha for e in entries if not e.problem and (
                e.mode == "120000" and e.size <= SYMLINK_MAX_BYTES or emitter.will_parse(e.path, e.size))])
            for e in entries:
                if e.problem:
                    emitter.emit(e.path, e.size, None, symlink=e.mode == "120000", blob=e.sha, mode=e.mode,
                                 problem=e.problem)
                elif e.mode == "120000":
                    self._symlink(e, blobs, emitter, ctx)
                else:
                    emitter.emit(e.path, e.size, lambda sha=e.sha: blobs.read(sha), blob=e.sha, mode=e.mode)
            if not bare:
                self._untracked(git, top, [subdir] if subdir else [], emitter, source, ctx)
            emitter.finish()
            return emitter.skipped
        finally:
            blobs.close()

    @staticmethod
    def _ignore_file_reader(top: Path, bare: bool, inside: str, entries: list["TreeEntry"],
                            blobs: BlobReader, ctx: CollectContext):
        """The scanned root's .mlcheckignore: the work tree's file as it is now, or in a bare
        repository the one committed at HEAD."""
        if not bare:
            return lambda: read_regular_file(top / inside / IGNORE_FILE, ctx.max_parse_bytes)
        entry = next((e for e in entries if e.path == inside + IGNORE_FILE and e.mode != "120000"), None)

        def read() -> bytes:
            if entry is None:
                raise FileNotFoundError(IGNORE_FILE)
            if entry.problem or entry.size > ctx.max_parse_bytes:
                raise OSError(entry.problem or f"{entry.size} bytes, over the parse limit")
            return blobs.read(entry.sha)
        return read

    @staticmethod
    def _tree(git: Git, head: str, subdir: str, partial: bool) -> list["TreeEntry"]:
        """HEAD's blobs under `subdir`, and the .gitattributes files above it (their LFS
        patterns apply below). A blob git cannot read is listed with its problem."""
        parts = subdir.split("/") if subdir else []
        spec = [subdir, *("/".join([*parts[:i], ".gitattributes"]) for i in range(len(parts)))] if parts else []
        # Without -l: ls-tree reads no blob, so a damaged one cannot stop the listing.
        out = git.run("ls-tree", "-r", "-z", "--full-tree", head, "--", *spec)
        listed = []
        for rec in out.split(b"\0"):
            meta, _, path = rec.partition(b"\t")
            fields = meta.split()
            if len(fields) == 3 and fields[1] == b"blob":    # not a submodule's commit
                listed.append((path.decode("utf-8", "replace"), fields[0].decode(), fields[2].decode()))
        # A partial clone would fetch any missing blob git is asked about: those are named
        # first (`rev-list --missing=print` never fetches) and never asked about.
        absent = _not_in_partial_clone(git, head) if partial else set()
        sizes = _blob_sizes(git, sorted({sha for _, _, sha in listed} - absent))
        entries = []
        for path, mode, sha in listed:
            size = sizes.get(sha)
            problem = None if size is not None else f"blob {sha[:12]} is " + (
                "not in this partial clone and mlcheck never fetches" if sha in absent else "missing or corrupt")
            entries.append(TreeEntry(path, mode, sha, size, problem and problem + "; not read"))
        return entries

    def _lfs(self, blobs: BlobReader, entries: list["TreeEntry"], inside: str, source: Source,
             ctx: CollectContext) -> list[tuple[str, str]]:
        """LFS patterns of the listed .gitattributes files as (their directory, pattern)."""
        patterns = []
        for e in entries:
            if e.path != ".gitattributes" and not e.path.endswith("/.gitattributes"):
                continue
            try:
                if e.problem:
                    raise OSError(e.problem)
                text = blobs.read(e.sha).decode("utf-8", "replace")
            except OSError as exc:
                if not (e.problem and e.path.startswith(inside)):   # else its file error says so
                    ctx.graph.error(self.name, source.display, f"{e.path}: LFS patterns not read "
                                    f"({exc}); files it routes to LFS are not marked")
                continue
            patterns += [(e.path.rpartition("/")[0], p) for p in lfs_patterns(text)]
        return sorted(patterns)

    def _symlink(self, e: "TreeEntry", blobs: BlobReader, emitter: TreeEmitter,
                 ctx: CollectContext) -> None:
        """A committed symlink: recorded, never followed; one leading out is reported."""
        try:
            if e.size > SYMLINK_MAX_BYTES:
                raise OSError(f"symlink target of {e.size} bytes; not read")
            target = blobs.read(e.sha).decode("utf-8", "replace")
        except OSError as exc:
            emitter.emit(e.path, e.size, None, symlink=True, blob=e.sha, problem=f"unreadable: {exc}")
            return
        resolved = os.path.normpath(os.path.join(os.path.dirname(e.path), target))
        if os.path.isabs(target) or resolved == ".." or resolved.startswith("../"):
            ctx.graph.error(self.name, emitter.display(e.path),
                            f"symlink points outside the repository ({target}); not followed")
        emitter.emit(e.path, e.size, lambda: b"", symlink=True, blob=e.sha)

    def _untracked(self, git: Git, top: Path, spec: list[str], emitter: TreeEmitter,
                   source: Source, ctx: CollectContext) -> None:
        """Files in the work tree git does not track (and does not ignore)."""
        out = git.run("ls-files", "-z", "--others", "--exclude-standard", "--full-name", "--", *spec)
        for raw in out.split(b"\0"):
            if not raw or raw.endswith(b"/"):   # "dir/": a nested repository, collected on its own
                continue
            path = os.fsdecode(raw)            # the real name on disk; the emitter makes it text
            if in_mlflow_file_store(path, top):   # the MLflow collector reads that store
                continue
            full = top / path
            try:
                st = full.lstat()
            except OSError as exc:
                ctx.graph.error(self.name, emitter.display(path), f"unreadable: {exc.strerror}")
                continue
            if stat.S_ISLNK(st.st_mode):
                problem = symlink_problem(full, top, claimed=bool(ctx.parsers_for(path)))
                if problem:
                    ctx.graph.error(self.name, emitter.display(path), problem)
                continue
            emitter.emit(path, st.st_size, lambda full=full: read_regular_file(full, ctx.max_parse_bytes),
                         tracked=False, open_file=lambda full=full: open_regular_file(full))


@dataclass(frozen=True)
class TreeEntry:
    """A blob in HEAD's tree: `size` None and `problem` set when git cannot read it."""
    path: str
    mode: str
    sha: str
    size: int | None
    problem: str | None = None


# .git/config keys that route notebooks through a tool (`nbstripout --install`,
# `nbdime config-git --enable`): the repository's own clone strips or diffs notebooks.
NOTEBOOK_FILTERS = {"filter.nbstripout.clean": "nbstripout", "diff.jupyternotebook.command": "nbdime",
                    "merge.jupyternotebook.driver": "nbdime"}

# A symlink's blob is its target path: PATH_MAX on Linux.
SYMLINK_MAX_BYTES = 4096


def _is_partial_clone(config: dict[str, str]) -> bool:
    """A promisor remote (or the partial-clone extension) is set: objects may be missing
    by design, and any git command that looks one up would try to fetch it."""
    return any(key == "extensions.partialclone" or value.lower() not in ("false", "no", "off", "0")
               for key, value in config.items() if key.endswith(".promisor") or key == "extensions.partialclone")


def _not_in_partial_clone(git: Git, head: str) -> set[str]:
    """Objects of HEAD's tree a partial clone does not hold, found without fetching."""
    out = git.text("rev-list", "--objects", "--missing=print", "--no-walk", head)
    return {line[1:] for line in out.splitlines() if line.startswith("?")}


def _blob_sizes(git: Git, shas: list[str]) -> dict[str, int | None]:
    """Each blob's size from its object header, None when git cannot read it."""
    answers = _batch_check(git, "%(objectsize)", shas)
    return {sha: int(a) if a and a.isdigit() else None for sha, a in zip(shas, answers)}


def _batch_check(git: Git, fmt: str, names: list[str]) -> list[str | None]:
    """`git cat-file --batch-check` answers for `names`, in order (`<name> missing` for most
    damage). git dies on some damage (an object of unknown type): the name it stopped at
    gets None, and git is asked again about the rest."""
    answers: list[str | None] = []
    while len(answers) < len(names):
        rest = names[len(answers):]
        proc = git.call("cat-file", f"--batch-check={fmt}", stdin="".join(f"{n}\n" for n in rest).encode())
        got = proc.stdout.decode("utf-8", "replace").splitlines()[:len(rest)]
        answers += got
        if len(got) < len(rest):
            answers.append(None)
    return answers


def _date(value: str) -> str | None:
    """An ISO date from git; git prints the placeholder itself when a commit's ident line
    does not parse."""
    return value if value[:1].isdigit() else None
