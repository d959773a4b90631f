"""Git collector: repositories (work trees and bare), commits, refs, tracked files.

Uses the git CLI (see README "Why the git CLI"): one `git log` for all commits, one
`git ls-tree` for files, one `git cat-file --batch` process for the blobs parsers need.
Git runs with a hardened environment: no system/global config, no hooks, no
fsmonitor, no signature checks, no pager — nothing from a scanned repo executes.
"""
from __future__ import annotations

import functools
import os
import re
import subprocess
from pathlib import Path

from . import CollectContext, Collector, Source
from .files import (SKIP_DIRS, TreeEmitter, git_dir_problem, in_mlflow_file_store, is_git_dir, is_url,
                    is_worktree, lfs_patterns, read_regular_file, symlink_problem, url_without_secrets)

_SAFE_CONFIG = (
    "core.hooksPath=/dev/null", "core.fsmonitor=false", "core.untrackedCache=false",
    "safe.directory=*", "log.showSignature=false", "protocol.allow=never",
    "core.sshCommand=false", "diff.external=", "core.pager=cat",
)


class GitError(Exception):
    pass


def git_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_TERMINAL_PROMPT="0",
               GIT_OPTIONAL_LOCKS="0", GIT_NO_REPLACE_OBJECTS="1", LC_ALL="C")
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

    def run(self, *args: str, ok_codes=(0,)) -> bytes:
        proc = subprocess.run([*self.base, *args], env=self.env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
        if proc.returncode not in ok_codes:
            msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise GitError(f"git {args[0]} failed: {msg[-1] if msg else proc.returncode}")
        return proc.stdout

    def text(self, *args: str, ok_codes=(0,)) -> str:
        return self.run(*args, ok_codes=ok_codes).decode("utf-8", "replace")

    def blob_reader(self) -> "BlobReader":
        return BlobReader([*self.base, "cat-file", "--batch"], self.env)


class BlobReader:
    """One long-lived `git cat-file --batch` for all blobs of a repository."""

    def __init__(self, cmd: list[str], env: dict) -> None:
        self.proc = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)

    def read(self, sha: str) -> bytes:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(sha.encode() + b"\n")
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().split()
        if len(header) != 3:
            raise OSError(f"git cat-file: object {sha} missing")
        size = int(header[2])
        data = self.proc.stdout.read(size)
        self.proc.stdout.read(1)  # trailing newline
        return data

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait()


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


class GitCollector(Collector):
    name = "git"

    @classmethod
    def detect(cls, root: Path, display: str) -> list[Source]:
        sources: list[Source] = []
        enclosing = find_enclosing_repo(root)
        if enclosing is not None and enclosing != root:
            # A path inside a repository: the repository is the tree its .git may use.
            sources.append(Source(cls.name, str(root), ".", display, str(enclosing)))
        for dirpath, dirnames, _ in os.walk(root):
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
        remote = git.text("config", "--get", "remote.origin.url", ok_codes=(0, 1)).strip()
        head_ref = git.text("symbolic-ref", "-q", "HEAD", ok_codes=(0, 1)).strip()
        head = git.text("rev-parse", "-q", "--verify", "HEAD^{commit}", ok_codes=(0, 1)).strip()
        attrs = {"path": label, "bare": bare, "vcs": "git", "head": head or None,
                 "default_branch": head_ref.removeprefix("refs/heads/") or None}
        if remote:
            attrs["remote"] = _normalise_remote(remote)
        repo = ctx.graph.add_node("repo", f"git:{label}", attrs,
                                  ctx.provenance(self.name, source.display))
        refs = self._refs(git)
        try:
            n_commits = self._commits(git, repo, label, refs, source, ctx)
        except GitError as exc:     # e.g. a missing object: say so, still collect the files
            ctx.graph.error(self.name, source.display, f"history not collected: {exc}")
            n_commits = 0
        skipped = self._files(git, top, bare, subdir, head, repo, label, source, ctx)
        ctx.graph.tree_access[repo] = functools.lru_cache(maxsize=64)(
            functools.partial(self.files_at, git))
        ctx.graph.update_attrs(repo, commit_count=n_commits, branch_count=sum(
            1 for r in refs.values() for n in r if n.startswith("refs/heads/")),
            tag_count=sum(1 for r in refs.values() for n in r if n.startswith("refs/tags/")),
            files_not_recorded=skipped)

    @staticmethod
    def files_at(git: Git, sha: str) -> set[str] | None:
        """Paths tracked at a commit, for linkers; None when git cannot say."""
        try:
            out = git.run("ls-tree", "-r", "-z", "--name-only", "--full-tree", sha)
        except GitError:
            return None
        return {p.decode("utf-8", "replace") for p in out.split(b"\0") if p}

    @staticmethod
    def _refs(git: Git) -> dict[str, list[str]]:
        """commit sha → ref names pointing at it (tags peeled fully, tags of tags too).
        The stash and notes are git's bookkeeping, not history: left out."""
        out = git.text("show-ref", "--dereference", ok_codes=(0, 1))
        target: dict[str, str] = {}
        for line in out.splitlines():
            sha, _, name = line.partition(" ")
            if name.endswith("^{}"):
                target[name[:-3]] = sha           # the peeled object wins over the tag object
            else:
                target.setdefault(name, sha)
        tips: dict[str, list[str]] = {}
        for name, sha in target.items():
            if name == "refs/stash" or name.startswith("refs/notes/"):
                continue
            tips.setdefault(sha, []).append(name)
        return tips

    def _commits(self, git: Git, repo: str, label: str, tips: dict[str, list[str]],
                 source: Source, ctx: CollectContext) -> int:
        out = git.run("log", "--exclude=refs/stash", "--exclude=refs/notes/*", "--all",
                      "--topo-order", "--no-decorate", "--no-show-signature",
                      "--format=%H%x1f%P%x1f%an%x1f%aI%x1f%cI%x1f%s%x1e")
        records = [r.strip(b"\n") for r in out.split(b"\x1e") if r.strip()]
        ref_names = sorted({n for names in tips.values() for n in names})
        bit = {name: 1 << i for i, name in enumerate(ref_names)}
        mask: dict[str, int] = {}
        for sha, names in tips.items():
            mask[sha] = sum(bit[n] for n in names)
        parsed = []
        # Topological order lists children first: push each commit's refs to its parents.
        for rec in records:
            sha, parents, author, authored, committed, subject = rec.decode("utf-8", "replace").split("\x1f", 5)
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
            attrs = {"sha": sha, "repo": label, "parents": plist, "author": author,
                     "authored_at": authored, "committed_at": committed, "subject": subject[:200],
                     "branches": list(branches), "tags": list(tags)}
            nid = ctx.graph.add_node("commit", f"git:{label}@{sha}", attrs, prov)
            ctx.graph.add_edge(repo, nid, "contains")
        return len(parsed)

    def _files(self, git: Git, top: Path, bare: bool, subdir: str, head: str, repo: str,
               label: str, source: Source, ctx: CollectContext) -> int:
        spec = [subdir] if subdir else []
        lfs: list[str] = []
        blobs = git.blob_reader()
        try:
            entries = []
            if head:
                out = git.run("ls-tree", "-r", "-l", "-z", "--full-tree", head, "--", *spec)
                for rec in out.split(b"\0"):
                    if not rec:
                        continue
                    meta, path = rec.split(b"\t", 1)
                    mode, otype, sha, size = meta.decode().split()
                    if otype == "blob":
                        entries.append((path.decode("utf-8", "replace"), mode, sha, int(size)))
                lfs = self._lfs(blobs, head, subdir, entries)
            head_node = f"commit:git:{label}@{head}" if head else None
            emitter = TreeEmitter(ctx, self.name, repo, f"git:{label}", source.display, True, lfs,
                                  strip=subdir, commit=head_node)
            for path, mode, sha, size in entries:
                if mode == "120000":
                    target = blobs.read(sha).decode("utf-8", "replace")
                    resolved = os.path.normpath(os.path.join(os.path.dirname(path), target))
                    if os.path.isabs(target) or resolved == ".." or resolved.startswith("../"):
                        ctx.graph.error(self.name, emitter.display(path),
                                        f"symlink points outside the repository ({target}); not followed")
                    emitter.emit(path, size, lambda: b"", symlink=True, blob=sha)
                    continue
                emitter.emit(path, size, lambda sha=sha: blobs.read(sha), blob=sha, mode=mode)
            if not bare:
                self._untracked(git, top, spec, emitter, source, ctx)
            return emitter.skipped
        finally:
            blobs.close()

    @staticmethod
    def _lfs(blobs: "BlobReader", head: str, subdir: str,
             entries: list[tuple[str, str, str, int]]) -> list[tuple[str, str]]:
        """LFS patterns of HEAD's .gitattributes files as (their directory, pattern): the
        listed ones, and those above a scanned subdirectory, which the listing leaves out."""
        parts = subdir.split("/") if subdir else []
        above = ["/".join(parts[:i]) for i in range(len(parts))]
        dirs = {d: f"{head}:{d + '/' if d else ''}.gitattributes" for d in above}
        for path, _mode, sha, _size in entries:
            if path == ".gitattributes" or path.endswith("/.gitattributes"):
                dirs[path.rpartition("/")[0]] = sha
        patterns = []
        for base, obj in sorted(dirs.items()):
            try:
                text = blobs.read(obj).decode("utf-8", "replace")
            except OSError:            # no .gitattributes in that directory
                continue
            patterns += [(base, p) for p in lfs_patterns(text)]
        return patterns

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
            if os.path.islink(full):
                problem = symlink_problem(full, top, claimed=bool(ctx.parsers_for(path)))
                if problem:
                    ctx.graph.error(self.name, emitter.display(path), problem)
                continue
            emitter.emit(path, st.st_size, lambda full=full: read_regular_file(full, ctx.max_parse_bytes),
                         tracked=False)
