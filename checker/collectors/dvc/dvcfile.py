"""`.dvc` files: what `dvc add`, `dvc import` and `dvc import-url` write (outs with their
hashes, an import's source), and the single-stage files of DVC < 1.0 (a `cmd`: a job)."""
from __future__ import annotations

import posixpath
from pathlib import PurePosixPath

from ..urls import is_url, url_without_secrets
from ...safeyaml import line_of
from .common import DvcFile, cmd, hash_facts, is_code, out_options, path_entries, repo_path, wdir


def parse_dvc_file(f: DvcFile, doc: dict) -> None:
    read, ref = f.read, f.ref
    base = posixpath.dirname(ref.path)
    workdir = wdir(doc, "wdir", f)
    if "outs" not in doc:
        f.add("outs: missing; a .dvc file needs outs", line_of(doc))
        return
    outs_list = read.get(doc, "outs", "outs", "list")
    frozen = read.get(doc, "frozen", "frozen", "boolean")
    # A `cmd` makes it a DVC < 1.0 single-stage file: its deps are stage inputs, not imports.
    legacy_stage = "cmd" in doc
    deps = read.get(doc, "deps", "deps", "list")
    sources = [] if legacy_stage else import_sources(deps, f)
    outs = []
    for entry, field in path_entries(outs_list, "outs", f):
        attrs = {**hash_facts(entry, field, read), **out_options(entry, field, f), "declared_in": "dvc-file"}
        if entry["path"].endswith("/"):
            attrs["is_dir"] = True
        if sources:
            attrs.update(imported=True, import_sources=sources)
        if frozen:
            attrs["frozen"] = True
        outs.append(f.dataset(repo_path(base, workdir, entry["path"]), attrs))
    if legacy_stage:
        legacy_stage_job(f, doc, deps, base, workdir, outs)


def legacy_stage_job(f: DvcFile, doc: dict, dep_list: list | None, base: str, workdir: str,
                     outs: list[str]) -> None:
    """A pre-1.0 stage file: one job named after the file, reading its deps."""
    ref, graph = f.ref, f.ctx.graph
    deps, reads = [], []
    for entry, _ in path_entries(dep_list, "deps", f):
        path = repo_path(base, workdir, entry["path"])
        deps.append(path)
        if not is_code(path):
            reads.append(f.dataset(path, {}, tracked=False))
    locked = f.read.get(doc, "locked", "locked", "boolean")
    attrs = {"stage": PurePosixPath(ref.path).name, "declared_in": "dvc-file", "dvc_file": ref.path,
             "legacy_stage_file": True, "deps": deps,
             "outs": [graph.node(o)["attrs"]["path"] for o in outs],
             "frozen": locked is True or doc.get("frozen") is True}
    command = cmd(doc, "cmd", f)
    if command is not None:
        attrs["cmd"] = command
    job = f.node("job", f"dvc:{ref.tree_key}/{ref.path}", attrs)
    graph.add_edge(job, ref.node, "defined_in")
    for ds in reads:
        graph.add_edge(job, ds, "reads")
    for ds in outs:
        graph.add_edge(job, ds, "writes")


def import_sources(deps: list | None, f: DvcFile) -> list[dict]:
    """Where `dvc import` / `dvc import-url` took the data from (credentials stripped)."""
    read = f.read
    sources = []
    for dep, field in path_entries(deps, "deps", f):
        src: dict = {"path": url_without_secrets(dep["path"]) if is_url(dep["path"]) else dep["path"]}
        repo = read.get(dep, "repo", f"{field}.repo", "mapping")
        if repo is not None:
            url = read.text(repo, "url", f"{field}.repo.url")
            if url is not None:
                src["repo_url"] = url_without_secrets(url)
            for name in ("rev", "rev_lock"):
                rev = read.scalar(repo, name, f"{field}.repo.{name}")
                if rev is not None:
                    src[name] = rev
        hashes = hash_facts(dep, field, read)
        for name in ("md5", "etag", "version_id"):
            if name in hashes:
                src[name] = hashes[name]
        sources.append(src)
    return sources
