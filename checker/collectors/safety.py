"""Safety checks before a collector reads: symlinks that stay inside the scanned tree, git
folders that are what they claim to be (regular files only: checker/regular_file.py)."""
from __future__ import annotations

import os

from ..regular_file import read_regular_file


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
