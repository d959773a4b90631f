"""What a commit is about to record, as a repository mlcheck can scan: the staged content
of the given files (`git checkout-index`: the index, not the work tree, so unstaged edits
do not count) committed in a throwaway repository. The git collector reads a HEAD tree;
this makes the commit being made that HEAD. The pre-commit hook (`mlcheck staged`) scans it
with the file-only rules. git runs with hooks and external tools disabled, as the git
collector runs it."""
from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

from .collectors.git import _SAFE_CONFIG, git_env

IDENTITY = ("user.name=mlcheck", "user.email=mlcheck@localhost", "commit.gpgsign=false")


class StagedError(Exception):
    """git could not give the staged content (not a repository, a file not staged …)."""


def _git(args: list[str], cwd: Path, env: dict, stdin: bytes | None = None) -> None:
    config = [a for c in (*_SAFE_CONFIG, *IDENTITY) for a in ("-c", c)]
    done = subprocess.run(["git", *config, *args], cwd=cwd, env=env, input=stdin,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if done.returncode != 0:
        raise StagedError(f"git {args[0]} failed: {done.stderr.decode('utf-8', 'replace').strip()[:500]}")


@contextlib.contextmanager
def staged_repository(repo: Path, files: list[str]) -> Iterator[Path]:
    """A temporary repository named like `repo`, whose one commit holds the staged content
    of `files` (paths relative to `repo`, as git hooks pass them). Removed on exit."""
    with tempfile.TemporaryDirectory(prefix="mlcheck-staged-") as tmp:
        tree = Path(tmp) / (repo.resolve().name or "repo")
        tree.mkdir()
        # The user's repository, with its environment: a hook may run on a temporary index
        # (GIT_INDEX_FILE, `git commit -a` or a partial commit), and that is what is committed.
        user_env = {**os.environ, "GIT_LITERAL_PATHSPECS": "1"}
        listed = b"\0".join(os.fsencode(f) for f in files) + b"\0"
        _git(["checkout-index", "--force", f"--prefix={tree}{os.sep}", "-z", "--stdin"], repo, user_env, listed)
        env = git_env()
        _git(["init", "-q", "-b", "main"], tree, env)
        _git(["add", "-A"], tree, env)
        _git(["commit", "-q", "--no-verify", "--allow-empty", "-m", "staged"], tree, env)
        yield tree
