"""The wheel carries the built-in rules and policies: installed outside the repo, it lists,
tests and runs every built-in rule."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from checker.catalog import load_catalog
from conftest import REPO_ROOT, make_repo, notebook


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    # Built from a copy of the source without build/ and *.egg-info: setuptools reuses
    # build/lib, so files deleted since an earlier local build would ride along.
    source = tmp / "source"
    skip = shutil.ignore_patterns("build", "dist", "*.egg-info", ".venv", ".git", "__pycache__")
    shutil.copytree(REPO_ROOT, source, ignore=lambda folder, names: skip(folder, names) | (
        {"out"} if Path(folder) == REPO_ROOT / "bench" else set()))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp / "dist"), str(source)], check=True, cwd=tmp)
    wheel = next((tmp / "dist").glob("mlcheck_estate-*.whl"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, cwd=tmp)
    # Dependencies come from this environment's site-packages (a plain path entry: its
    # .pth files, and so the editable install of the repo, are not processed).
    target = subprocess.run([str(py), "-c", "import sysconfig;print(sysconfig.get_paths()['purelib'])"],
                            capture_output=True, text=True, check=True).stdout.strip()
    deps = sysconfig.get_paths()["purelib"]
    Path(target, "zz_test_deps.pth").write_text(deps + "\n")
    return venv, tmp


def run(venv, tmp, *args):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([str(venv / "bin" / "mlcheck"), *args], cwd=tmp, env=env,
                          capture_output=True, text=True, timeout=300)


def test_wheel_imports_from_site_packages_not_the_repo(wheel_venv):
    venv, tmp = wheel_venv
    out = subprocess.run([str(venv / "bin" / "python"), "-c",
                          "import checker.catalog as c; print(c.__file__); print(c.builtin_rules_dir())"],
                         cwd=tmp, capture_output=True, text=True, check=True).stdout
    assert str(REPO_ROOT) not in out and "site-packages" in out


def test_wheel_lists_every_builtin_rule(wheel_venv):
    venv, tmp = wheel_venv
    listed = run(venv, tmp, "rules", "list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    assert {r["id"] for r in json.loads(listed.stdout)} == {r.id for r in load_catalog().rules}


def test_wheel_runs_builtin_rule_fixtures(wheel_venv):
    venv, tmp = wheel_venv
    rules_dir = subprocess.run([str(venv / "bin" / "python"), "-c",
                                "from checker.catalog import builtin_rules_dir as d; print(d())"],
                               cwd=tmp, capture_output=True, text=True, check=True).stdout.strip()
    result = run(venv, tmp, "rules", "test", rules_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 failed" in result.stdout


def test_wheel_scans_with_both_engines(wheel_venv):
    venv, tmp = wheel_venv
    repo = make_repo(tmp / "estate", {"nb.ipynb": notebook(outputs=True), "d.csv": "a\n" * 700_000})
    result = run(venv, tmp, "scan", str(repo), "--format", "json", "--fail-on", "low")
    assert result.returncode == 1, result.stderr
    assert {f["rule_id"] for f in json.loads(result.stdout)["findings"]} == {"MLC-REPO-001", "MLC-REPO-003",
                                                                           "MLC-GOV-002"}
