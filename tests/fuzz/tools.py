"""What the families build with: real git repositories, real notebooks, MLflow's own
SQLite schema (made once per run by `mlflow db upgrade`, then copied per case)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Fuzz Author", "GIT_AUTHOR_EMAIL": "fuzz@example.com",
    "GIT_COMMITTER_NAME": "Fuzz Author", "GIT_COMMITTER_EMAIL": "fuzz@example.com",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(repo: Path, *args: str, env: dict | None = None, input: bytes | None = None) -> str:
    full = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    full.update(GIT_ENV, **(env or {}))
    proc = subprocess.run(["git", *args], cwd=repo, env=full, input=input, check=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return proc.stdout.decode("utf-8", "replace").strip()


def make_repo(root: Path, files: dict[str, str | bytes] | None = None, message: str = "initial") -> Path:
    """A git repository with one commit holding `files` (plus whatever is already in root)."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    for rel, content in (files or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content)
    commit_all(root, message)
    return root


def commit_all(repo: Path, message: str = "change") -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def notebook(outputs: bool = True, cells: int = 2, source: str = "x = {i}\n") -> dict:
    """An nbformat 4.5 notebook (shape from the nbformat format description)."""
    code = []
    for i in range(cells):
        cell = {"cell_type": "code", "execution_count": i + 1 if outputs else None, "id": f"c{i}",
                "metadata": {}, "source": [source.format(i=i), "print(x)"], "outputs": []}
        if outputs:
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": [f"{i}\n"]}]
        code.append(cell)
    return {"nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                         "language_info": {"name": "python"}},
            "cells": [{"cell_type": "markdown", "id": "m0", "metadata": {}, "source": ["# Train"]}, *code]}


def notebook_v3() -> dict:
    """An nbformat 3 notebook: cells inside worksheets, `input` and `prompt_number`."""
    return {"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": "legacy"},
            "worksheets": [{"metadata": {}, "cells": [
                {"cell_type": "code", "language": "python", "input": ["x = 1\n", "x"],
                 "prompt_number": 1, "metadata": {}, "collapsed": False,
                 "outputs": [{"output_type": "pyout", "prompt_number": 1, "text": ["1"], "metadata": {}}]},
                {"cell_type": "markdown", "metadata": {}, "source": ["notes"]}]}]}


def nb_text(nb: dict) -> str:
    return json.dumps(nb, indent=1) + "\n"


# -- MLflow's schema, made by MLflow itself ----------------------------------------------------

_work_dir: Path | None = None
_schema_lock = threading.Lock()


def configure(work_dir: Path) -> None:
    """Where shared artefacts (the MLflow schema) are made for this run."""
    global _work_dir
    _work_dir = work_dir


def schema_db() -> Path:
    """An empty MLflow SQLite store at MLflow's current schema (made once per run, ~9 s)."""
    root = _work_dir or Path(tempfile.gettempdir()) / "mlcheck-fuzz"
    path = root / "mlflow-schema.db"
    with _schema_lock:
        if not path.exists():
            root.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
            env.update(MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="true", PYTHONWARNINGS="ignore")
            subprocess.run([str(Path(sys.executable).with_name("mlflow")), "db", "upgrade",
                            f"sqlite:///{partial}"], check=True, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
            partial.rename(path)
    return path


def copy_schema(dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(schema_db(), dest)
    return dest
