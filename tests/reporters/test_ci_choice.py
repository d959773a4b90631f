"""Inside GitHub Actions (GITHUB_ACTIONS=true) or Azure Pipelines (TF_BUILD=True), a scan
without --format prints the console report and then that runner's annotations; a --format
given wins; elsewhere only the console report."""
from __future__ import annotations

import re

import pytest

from conftest import REPO_ROOT, run_mlcheck

NOT_CI = {"GITHUB_ACTIONS": "", "TF_BUILD": ""}


@pytest.mark.parametrize("env,marker", [({"GITHUB_ACTIONS": "true", "TF_BUILD": ""}, "::error file="),
                                        ({"GITHUB_ACTIONS": "", "TF_BUILD": "True"}, "##vso[task.logissue ")])
def test_inside_ci_the_runners_annotations_follow_the_console_report(env, marker):
    out = run_mlcheck("scan", "samples/estate", cwd=REPO_ROOT, env=env)
    assert out.returncode == 1, out.stderr
    gate = re.search(r"FAIL: (\d+) open finding\(s\) at or above high", out.stdout)
    assert gate, out.stdout[-500:]
    assert out.stdout.index(marker) > gate.end()
    assert out.stdout.count(marker) >= int(gate.group(1))


def test_a_given_format_wins_inside_ci():
    out = run_mlcheck("scan", "samples/estate", "--format", "console", cwd=REPO_ROOT,
                      env={"GITHUB_ACTIONS": "true"})
    assert out.returncode == 1 and "::error" not in out.stdout and "Summary" in out.stdout


def test_outside_ci_only_the_console_report():
    out = run_mlcheck("scan", "samples/estate", cwd=REPO_ROOT, env=NOT_CI)
    assert out.returncode == 1 and "::error" not in out.stdout and "##vso[" not in out.stdout
