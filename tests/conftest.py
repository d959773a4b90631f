"""Shared test helpers: real git repositories in temp dirs, real notebooks, the CLI."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_SCHEMAS = REPO_ROOT.parent / "shared" / "schemas"
TEST_DATA = Path(__file__).resolve().parent / "data"      # real-format files the tests read

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author", "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Author", "GIT_COMMITTER_EMAIL": "author@example.com",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(repo: Path, *args: str, date: str = "2026-01-01T00:00:00Z") -> str:
    env = {**os.environ, **GIT_ENV, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    out = subprocess.run(["git", *args], cwd=repo, env=env, check=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return out.stdout.decode().strip()


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def make_repo(root: Path, files: dict[str, str | bytes] | None = None, message: str = "initial",
              branch: str = "main") -> Path:
    """A real git repository with one commit of `files` (more with commit_files)."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", branch)
    if files:
        commit_files(root, files, message)
    return root


def commit_files(repo: Path, files: dict[str, str | bytes], message: str = "change",
                 date: str = "2026-01-01T00:00:00Z") -> str:
    write_files(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, date=date)
    return git(repo, "rev-parse", "HEAD")


def notebook(outputs: bool = True, cells: int = 2, execution_counts: list | None = None) -> str:
    """A real nbformat 4.5 notebook (shape from the nbformat format description)."""
    counts = execution_counts or list(range(1, cells + 1))
    code_cells = []
    for i in range(cells):
        cell = {"cell_type": "code", "execution_count": counts[i] if outputs else None,
                "id": f"cell-{i}", "metadata": {}, "source": [f"x = {i}\n", "print(x)"],
                "outputs": []}
        if outputs:
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": [f"{i}\n"]}]
        code_cells.append(cell)
    nb = {"nbformat": 4, "nbformat_minor": 5,
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                       "language_info": {"name": "python"}},
          "cells": [{"cell_type": "markdown", "id": "md-0", "metadata": {}, "source": ["# Train"]},
                    *code_cells]}
    return json.dumps(nb, indent=1)


def run_cli(*args: str, cwd: Path | None = None):
    """Run the real CLI in process; returns click's Result (exit_code, output)."""
    from checker.cli import main
    runner = CliRunner()
    old = os.getcwd()
    try:
        if cwd:
            os.chdir(cwd)
        return runner.invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


def run_mlcheck(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `python -m checker` as a separate process (real exit codes, real stdout)."""
    return subprocess.run([sys.executable, "-m", "checker", *args], cwd=cwd,
                          env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=600)


@pytest.fixture
def scan_json(tmp_path):
    """Scan paths with the CLI and return (exit_code, report dict)."""
    def _scan(*args: str, cwd: Path | None = None):
        out = tmp_path / "report.json"
        result = run_cli("scan", *args, "--format", "json", "--output", str(out), cwd=cwd)
        return result.exit_code, json.loads(out.read_text()) if out.exists() else None, result.output
    return _scan


def collect_graph(*paths, sources=(), registry=None, link_resources=False):
    """Collect paths (and KIND=URI sources) with the real collectors and parsers: no
    linkers (with `link_resources`, only the one that turns infrastructure references into
    edges), no rules."""
    from checker.cloud.links import link_resources as link
    from checker.collectors import load_registry
    from checker.scan import collect, resolve_sources
    registry = registry or load_registry()
    graph = collect(resolve_sources([str(p) for p in paths], list(sources), registry), registry, {}, None).graph
    if link_resources:
        link(graph)
    return graph


def node_attrs(graph, nid: str) -> dict:
    kind = nid.partition(":")[0]
    assert nid in graph, f"{nid} not collected; have {sorted(n for n, _ in graph.nodes(kind))[:40]}"
    return graph.node(nid)["attrs"]


def errors_for(graph, path: str) -> list:
    """The collection errors about one file (its display path ends with `path`)."""
    return [e for e in graph.errors if e.source.endswith(path)]


def out_edges(graph, nid: str, kind: str) -> set[str]:
    """Where a node's edges of one kind lead."""
    return set(graph.out_edges(nid, kind))


def digests(value: str) -> list[str]:
    """Unsalted hashes of a value, as a scanner might print them (detect-secrets uses sha1):
    none may appear in any output."""
    import hashlib
    return [hashlib.new(name, value.encode()).hexdigest() for name in ("md5", "sha1", "sha256")]


def node_ids(graph, kind: str) -> set[str]:
    return {nid for nid, _ in graph.nodes(kind)}


def resealed(snapshot: dict) -> dict:
    """A snapshot document edited by a test, with the digest of its new content (a replay
    refuses a snapshot whose content does not match its digest)."""
    from checker.graph import EstateGraph
    return {**snapshot, "digest": EstateGraph.from_document(snapshot).digest()}
