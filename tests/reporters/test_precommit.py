"""The pre-commit hook: `mlcheck staged` scans the staged content of the files a commit is
about to record with the file-only rules (notebooks with outputs, secrets, data files), in
a real git repository; `.pre-commit-hooks.yaml` is exercised by `pre-commit try-repo`,
which installs mlcheck from this repository into its own environment."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from conftest import GIT_ENV, REPO_ROOT, git, make_repo, notebook, run_mlcheck, write_files
from secrets_corpus import real_keys


def staged_repo(tmp_path, files: dict[str, str]):
    repo = make_repo(tmp_path / "project", {"README.md": "# project\n"})
    write_files(repo, files)
    git(repo, "add", "-A")
    return repo


def test_a_notebook_staged_with_outputs_is_flagged_even_if_cleared_since(tmp_path):
    repo = staged_repo(tmp_path, {"nb/explore.ipynb": notebook(outputs=True)})
    (repo / "nb/explore.ipynb").write_text(notebook(outputs=False))      # unstaged: not committed
    out = run_mlcheck("staged", "--fail-on", "low", "nb/explore.ipynb", cwd=repo)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "MLC-REPO-001 Notebook nb/explore.ipynb is committed with outputs" in out.stdout
    assert "node: file:git:./nb/explore.ipynb" in out.stdout          # the id a scan of the repo gives


def test_a_clean_staged_notebook_passes_whatever_the_work_tree_holds(tmp_path):
    repo = staged_repo(tmp_path, {"nb/explore.ipynb": notebook(outputs=False)})
    (repo / "nb/explore.ipynb").write_text(notebook(outputs=True))
    out = run_mlcheck("staged", "--fail-on", "low", "nb/explore.ipynb", cwd=repo)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "PASS" in out.stdout and "MLC-REPO-001" not in out.stdout.split("Summary")[0]


def test_a_staged_secret_fails_and_only_file_rules_run(tmp_path):
    text, _, values = real_keys()["src/upload.py"]
    repo = staged_repo(tmp_path, {"src/upload.py": text, "src/ok.py": "x = 1\n"})
    out = run_mlcheck("staged", "src/upload.py", "src/ok.py", cwd=repo)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "MLC-REPO-002 src/upload.py contains" in out.stdout and "rules evaluated: 3" in out.stdout
    assert not any(v in out.stdout + out.stderr for v in values)


def test_a_file_that_is_not_staged_is_a_usage_error(tmp_path):
    repo = staged_repo(tmp_path, {})
    out = run_mlcheck("staged", "missing.py", cwd=repo)
    assert out.returncode == 2 and "git checkout-index failed" in out.stderr and "missing.py" in out.stderr


def pre_commit(repo, home, *args):
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(REPO_ROOT), "mlcheck", *args],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    pytest.importorskip("pre_commit", reason="pre-commit is in the test extra: pip install -e '.[test]'")
    if shutil.which("git") is None:
        pytest.skip("git is not on PATH")
    return tmp_path_factory.mktemp("pre-commit-home")


def hook_ran(out) -> bool:
    """False when pre-commit could not build the hook's environment (no package index)."""
    return "mlcheck (notebook outputs, secrets, data files)" in out.stdout


def test_pre_commit_try_repo_blocks_outputs_and_passes_clean_files(tmp_path, pre_commit_home):
    repo = staged_repo(tmp_path, {"nb/explore.ipynb": notebook(outputs=True), "src/ok.py": "x = 1\n"})
    out = pre_commit(repo, pre_commit_home)           # the staged files, as at `git commit`
    if not hook_ran(out):
        pytest.skip("pre-commit could not install the hook's environment (offline?): "
                    + (out.stdout + out.stderr)[-600:])
    assert out.returncode == 1, out.stdout + out.stderr
    assert "Failed" in out.stdout and "MLC-REPO-001 Notebook nb/explore.ipynb" in out.stdout
    git(repo, "rm", "-q", "--cached", "nb/explore.ipynb")
    out = pre_commit(repo, pre_commit_home)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Passed" in out.stdout
