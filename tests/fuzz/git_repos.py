"""Git repositories built to mislead a reader: objects whose header lies about their size,
missing and lazily-fetched blobs, record separators in subjects, secrets in subjects,
branch, tag and file names, hostile repository config, and .git pointers that lead out."""
from __future__ import annotations

import hashlib
import os
import zlib
from pathlib import Path
from typing import Callable

from . import planted
from .cases import EITHER, GIT, NONE, ONE, SOME, Case, Expect, rng_for, write
from .tools import commit_all, git, make_repo, nb_text, notebook

OK_NB = ("file:{p}/ok.ipynb has nb_cells",)      # the repository's good notebook was read


def base_repo(case_dir: Path, extra: dict | None = None) -> Path:
    return make_repo(case_dir, {"ok.ipynb": nb_text(notebook(outputs=False)), "src/train.py": "import torch\n",
                                **(extra or {})})


def loose_object(repo: Path, kind: str, body: bytes, stated_size: int | None = None) -> str:
    """Write a loose object by hand; its header may state a size its content does not have."""
    size = len(body) if stated_size is None else stated_size
    raw = f"{kind} {size}\0".encode() + body
    sha = hashlib.sha1(raw).hexdigest()
    path = repo / ".git" / "objects" / sha[:2] / sha[2:]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(zlib.compress(raw))
    return sha


def commit_with_entry(repo: Path, mode: str, sha: str, path: str, message: str = "add entry") -> None:
    """Add an index entry pointing at an object that `git add` would never write, and commit it."""
    git(repo, "update-index", "--add", "--cacheinfo", f"{mode},{sha},{path}")
    tree = git(repo, "write-tree")
    commit = git(repo, "commit-tree", tree, "-p", "HEAD", "-m", message)
    git(repo, "update-ref", "refs/heads/main", commit)


def commits_of(case_dir: Path, o) -> list[str]:
    prefix = f"commit:git:git/{case_dir.name}@"
    return [nid for nid in (o.snapshot or {}).get("nodes", {}) if nid.startswith(prefix)]


def expect_commits(n: int) -> Callable[[Path, object], list[str]]:
    def check(case_dir: Path, o) -> list[str]:
        found = len(commits_of(case_dir, o))
        return [] if found == n else [f"lost: {found} commit(s) collected, the repository has {n}"]
    return check


def _case(name: str, build, expect: Expect, **kw) -> Case:
    return Case(f"git/{name}", build, expect, where=GIT, **kw)


def object_cases() -> list[Case]:
    def wrong_size(case_dir: Path) -> None:
        repo = base_repo(case_dir)
        sha = loose_object(repo, "blob", nb_text(notebook()).encode(), stated_size=99_999)
        commit_with_entry(repo, "100644", sha, "nb.ipynb")

    def missing_blob(case_dir: Path) -> None:
        repo = base_repo(case_dir, {"nb.ipynb": nb_text(notebook())})
        sha = git(repo, "rev-parse", "HEAD:nb.ipynb")
        (repo / ".git" / "objects" / sha[:2] / sha[2:]).unlink()

    def missing_data_blob(case_dir: Path) -> None:
        repo = base_repo(case_dir, {"data/table.csv": "a,b\n1,2\n"})
        sha = git(repo, "rev-parse", "HEAD:data/table.csv")
        (repo / ".git" / "objects" / sha[:2] / sha[2:]).unlink()

    def gitlink(case_dir: Path) -> None:
        repo = base_repo(case_dir)
        commit_with_entry(repo, "160000", "1" * 40, "vendor/lib")

    def corrupt_pack(case_dir: Path) -> None:
        repo = base_repo(case_dir)
        commit_all_file(repo, "second.py", "x = 2\n")
        git(repo, "gc", "-q")
        pack = next((repo / ".git" / "objects" / "pack").glob("*.pack"))
        data = pack.read_bytes()
        pack.chmod(0o644)
        pack.write_bytes(data[:len(data) // 2])

    def missing_commit(case_dir: Path) -> None:
        repo = base_repo(case_dir)
        (repo / ".git" / "refs" / "heads" / "main").write_text("f" * 40 + "\n")

    def odd_commit_dates(case_dir: Path) -> None:
        repo = base_repo(case_dir)
        tree = git(repo, "rev-parse", "HEAD^{tree}")
        parent = git(repo, "rev-parse", "HEAD")
        body = (f"tree {tree}\nparent {parent}\nauthor A <a@x> 99999999999999 +9999\n"
                f"committer C <c@x> -5 -0000\n\nfrom the far future\n").encode()
        sha = git(repo, "hash-object", "-t", "commit", "-w", "--literally", "--stdin", input=body)
        git(repo, "update-ref", "refs/heads/main", sha)

    return [
        _case("blob-header-wrong-size", wrong_size, Expect(ONE, nodes=OK_NB), target="nb.ipynb", alone=True),
        _case("blob-missing", missing_blob, Expect(ONE, nodes=OK_NB), target="nb.ipynb"),
        _case("blob-missing-unparsed-file", missing_data_blob, Expect(EITHER, nodes=OK_NB)),
        _case("submodule-gitlink", gitlink, Expect(NONE, nodes=OK_NB)),
        _case("pack-truncated", corrupt_pack, Expect(ONE)),
        _case("head-names-missing-commit", missing_commit, Expect(ONE)),
        _case("commit-dates-out-of-range", odd_commit_dates, Expect(NONE, nodes=OK_NB), check=expect_commits(2)),
    ]


def commit_all_file(repo: Path, rel: str, content: str, message: str = "change", env: dict | None = None) -> str:
    write(repo / rel, content)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, env=env)
    return git(repo, "rev-parse", "HEAD")


def partial_clone() -> Case:
    """A blobless partial clone: trees and commits are here, blobs are on the promisor
    remote. Reading must not fetch them (that is a network call), and must not lose the rest."""
    def build(case_dir: Path) -> None:
        origin = case_dir.parents[2] / "outside" / f"{case_dir.name}-origin"
        make_repo(origin, {"a.ipynb": nb_text(notebook()), "dvc.yaml": "stages: {}\n", "src/b.py": "x = 1\n"})
        git(origin, "config", "uploadpack.allowFilter", "true")
        git(case_dir.parent, "clone", "-q", "--filter=blob:none", "--no-checkout", f"file://{origin}", case_dir.name)
        _objects_file(case_dir).write_text(git(case_dir, "count-objects", "-v"))

    def check(case_dir: Path, o) -> list[str]:
        problems = expect_commits(1)(case_dir, o)
        before, after = _objects_file(case_dir).read_text(), git(case_dir, "count-objects", "-v")
        if before != after:
            problems.append(f"objects were fetched from the promisor remote: {before!r} -> {after!r}")
        return problems
    return _case("blobless-partial-clone", build, Expect(SOME, nodes=("file:{p}/a.ipynb",)), check=check)


def _objects_file(case_dir: Path) -> Path:
    """Where the clone's object count is kept (outside the scanned tree)."""
    return case_dir.parents[2] / "outside" / f"{case_dir.name}.objects"


def text_cases(seed: int) -> list[Case]:
    rng = rng_for(seed, "git", "text")
    aws, token, key2 = planted.aws_key(rng), planted.github_token(rng), planted.aws_key(rng)

    def subject(text: str, env: dict | None = None) -> Callable[[Path], None]:
        def build(case_dir: Path) -> None:
            repo = base_repo(case_dir)
            commit_all_file(repo, "src/more.py", "y = 2\n", text, env=env)
        return build

    def raw_subject(message: bytes) -> Callable[[Path], None]:
        def build(case_dir: Path) -> None:
            repo = base_repo(case_dir)
            tree = git(repo, "rev-parse", "HEAD^{tree}")
            commit = git(repo, "commit-tree", tree, "-p", "HEAD", input=message)
            git(repo, "update-ref", "refs/heads/main", commit)
        return build

    def ref_named(kind: str, name: str) -> Callable[[Path], None]:
        def build(case_dir: Path) -> None:
            repo = base_repo(case_dir)
            git(repo, "branch" if kind == "branch" else "tag", name)
        return build

    def file_named(name: str) -> Callable[[Path], None]:
        return lambda case_dir: base_repo(case_dir, {name: "print('hello')\n"})

    def many_tags(case_dir: Path) -> None:
        repo = base_repo(case_dir)
        head = git(repo, "rev-parse", "HEAD")
        git(repo, "update-ref", "--stdin", input="".join(
            f"create refs/tags/v{i}.0.{i % 7} {head}\n" for i in range(5000)).encode())

    return [
        _case("subject-record-separator", subject("fix\x1edata\x1e\x1f"), Expect(NONE, nodes=OK_NB),
              check=expect_commits(2)),
        _case("subject-unit-separator", subject("a\x1fb\x1fc\x1fd\x1fe\x1ff"), Expect(NONE, nodes=OK_NB),
              check=expect_commits(2)),
        _case("subject-ansi", subject("\x1b[2J\x1b[1;1HPASS: no open finding\x1b]0;owned\x07"),
              Expect(NONE, nodes=OK_NB), check=expect_commits(2)),
        _case("subject-secret", subject(f"rotate key {aws}"), Expect(NONE, nodes=OK_NB), secrets=(aws,),
              check=expect_commits(2)),
        _case("subject-invalid-utf8", raw_subject(b"caf\xe9 \xff\xfe r\xe9sum\xe9\n"), Expect(NONE, nodes=OK_NB),
              check=expect_commits(2)),
        _case("subject-100k", subject("s" * 100_000), Expect(NONE, nodes=OK_NB), check=expect_commits(2)),
        _case("author-secret", subject("by a token", env={"GIT_AUTHOR_NAME": f"ci {token}"}),
              Expect(NONE, nodes=OK_NB), secrets=(token,), check=expect_commits(2)),
        _case("branch-named-secret", ref_named("branch", f"keys/{key2}"), Expect(NONE, nodes=OK_NB), secrets=(key2,)),
        _case("tag-named-secret", ref_named("tag", f"t-{token}"), Expect(NONE, nodes=OK_NB), secrets=(token,)),
        _case("file-named-secret", file_named(f"creds-{aws}.py"), Expect(NONE, nodes=OK_NB), secrets=(aws,)),
        _case("tags-5000", many_tags, Expect(NONE, nodes=OK_NB)),
    ]


def pointer_cases(seed: int) -> list[Case]:
    rng = rng_for(seed, "git", "pointers")

    def dotgit_fifo(case_dir: Path) -> None:
        write(case_dir / "ok.ipynb", nb_text(notebook()))
        os.mkfifo(case_dir / ".git")

    def gitdir_out(case_dir: Path) -> None:
        outside = make_repo(case_dir.parents[2] / "outside" / f"{case_dir.name}-repo", {"x.py": "x = 1\n"})
        write(case_dir / ".git", f"gitdir: {outside / '.git'}\n")

    def gitdir_garbage(case_dir: Path) -> None:
        write(case_dir / ".git", bytes(rng.getrandbits(8) for _ in range(5000)))

    def head_garbage(case_dir: Path) -> None:
        repo = base_repo(case_dir)
        (repo / ".git" / "HEAD").write_text("ref: refs/heads/../../../../outside\n")

    def symlink_out(case_dir: Path) -> None:
        repo = base_repo(case_dir)
        (repo / "data").mkdir()
        (repo / "data" / "users.csv").symlink_to("../../../../outside/secret.csv")
        commit_all(repo, "link data")

    def empty_repo(case_dir: Path) -> None:
        git(case_dir, "init", "-q", "-b", "main")

    def shallow(case_dir: Path) -> None:
        origin = make_repo(case_dir.parents[2] / "outside" / f"{case_dir.name}-origin", {"ok.ipynb": nb_text(notebook())})
        commit_all_file(origin, "b.py", "b = 1\n")
        git(case_dir.parent, "clone", "-q", "--depth=1", f"file://{origin}", case_dir.name)

    return [
        _case("dotgit-fifo", dotgit_fifo, Expect(ONE), alone=True),
        _case("gitdir-file-out-of-tree", gitdir_out, Expect(ONE)),
        _case("gitdir-file-garbage", gitdir_garbage, Expect(ONE)),
        _case("head-garbage", head_garbage, Expect(ONE)),
        _case("committed-symlink-out", symlink_out, Expect(ONE, nodes=OK_NB), target="data/users.csv"),
        _case("no-commits", empty_repo, Expect(NONE, nodes=("repo:{p}",))),
        _case("shallow-clone", shallow, Expect(NONE, nodes=OK_NB)),
    ]


def hostile_config() -> list[Case]:
    """Repository config that would run commands if mlcheck let git read it as a user's git does."""
    def build(include: bool) -> Callable[[Path], None]:
        def make(case_dir: Path) -> None:
            repo = base_repo(case_dir, {".gitattributes": "* filter=evil diff=evil\n"})
            marker = case_dir / "pwned"
            settings = (f"[core]\n\tfsmonitor = touch {marker}\n\thooksPath = hooks\n\tpager = touch {marker}\n"
                        f"\tsshCommand = touch {marker}\n\tuntrackedCache = true\n"
                        f"[filter \"evil\"]\n\tclean = touch {marker}\n\tsmudge = touch {marker}\n"
                        f"\tprocess = touch {marker}\n\trequired = true\n"
                        f"[diff \"evil\"]\n\ttextconv = touch {marker}\n\tcommand = touch {marker}\n"
                        f"[gpg]\n\tprogram = touch {marker}\n[log]\n\tshowSignature = true\n"
                        f"[alias]\n\tlog = !touch {marker}\n")
            hook = repo / "hooks" / "post-index-change"
            write(hook, f"#!/bin/sh\ntouch {marker}\n")
            hook.chmod(0o755)
            if include:
                evil = case_dir.parents[2] / "outside" / f"{case_dir.name}.gitconfig"
                evil.write_text(settings)
                with open(repo / ".git" / "config", "a") as fh:
                    fh.write(f"[include]\n\tpath = {evil}\n")
            else:
                with open(repo / ".git" / "config", "a") as fh:
                    fh.write(settings)
            write(repo / "src" / "untracked.py", "z = 3\n")      # makes git look at the work tree
        return make
    return [_case("config-runs-commands", build(False), Expect(NONE, nodes=OK_NB), markers=("pwned",)),
            _case("config-include-from-outside", build(True), Expect(NONE, nodes=OK_NB), markers=("pwned",))]


def cases(seed: int) -> list[Case]:
    dvc_loop = "stages:\n  train:\n    cmd: python train.py\n    deps: &d [*d]\n"
    azure_loop = ("$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\n"
                  "command: python train.py\ninputs: &i {self: *i}\n")
    return object_cases() + [partial_clone()] + text_cases(seed) + pointer_cases(seed) + hostile_config() + [
        _case("recursive-alias-dvc-yaml", lambda d: base_repo(d, {"dvc.yaml": dvc_loop}),
              Expect(ONE, line=4, nodes=OK_NB), target="dvc.yaml", alone=True),
        _case("recursive-alias-azureml", lambda d: base_repo(d, {"job.yml": azure_loop}),
              Expect(ONE, line=3, nodes=OK_NB), target="job.yml", alone=True),
    ]
