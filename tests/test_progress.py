"""Progress and noise on stderr: a progress line only on a terminal (a real pty) and only
once the scan has taken longer than the delay; --quiet silences it and the warnings,
--verbose logs each source and stage; waivers that are too wide or dead are warned about,
and waived findings are listed in the console with their waiver."""
from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import tempfile

import pytest

from conftest import REPO_ROOT, make_repo, notebook, run_mlcheck


def scan_on_a_terminal(*args: str, delay: str) -> tuple[int, str, str]:
    """`mlcheck scan ARGS` with stderr on a pseudo-terminal: (exit code, stdout, what the
    terminal received)."""
    master, slave = pty.openpty()
    out = tempfile.TemporaryFile()        # a file, not a pipe: a full pipe would stall the child
    proc = subprocess.Popen([sys.executable, "-m", "checker", "scan", *args], cwd=REPO_ROOT,
                            stdout=out, stderr=slave, stdin=subprocess.DEVNULL,
                            env={**os.environ, "MLCHECK_PROGRESS_DELAY": delay})
    os.close(slave)
    received = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:          # the child closed its end (EIO on Linux)
                break
            if not chunk:
                break
            received += chunk
        elif proc.poll() is not None:
            break
    proc.wait(timeout=300)
    os.close(master)
    out.seek(0)
    stdout = out.read().decode()
    return proc.returncode, stdout, received.decode("utf-8", "replace")


def test_progress_shows_on_a_terminal_and_is_erased():
    code, stdout, terminal = scan_on_a_terminal("samples/estate", "--format", "json", delay="0")
    assert code == 1
    assert "mlcheck: collecting" in terminal and " nodes)" in terminal
    assert "samples/estate/mlflow/mlflow.db" in terminal or "samples/estate" in terminal
    assert terminal.endswith("\r\x1b[K"), "the line is erased before the report"
    assert "collecting" not in stdout and stdout.lstrip().startswith("{")


def test_a_quick_scan_and_a_quiet_one_show_no_progress():
    _, _, terminal = scan_on_a_terminal("samples/estate", "--format", "json", delay="600")
    assert "collecting" not in terminal
    _, _, terminal = scan_on_a_terminal("samples/estate", "--format", "json", "--quiet", delay="0")
    assert terminal == ""


def test_no_progress_when_stderr_is_not_a_terminal():
    result = run_mlcheck("scan", "samples/estate", "--format", "json", cwd=REPO_ROOT,
                         env={"MLCHECK_PROGRESS_DELAY": "0"})
    assert result.returncode == 1 and result.stderr == ""


def test_verbose_logs_each_source_and_stage():
    result = run_mlcheck("scan", "samples/estate", "--format", "json", "--verbose", cwd=REPO_ROOT)
    lines = result.stderr.splitlines()
    assert "mlcheck: collected git samples/estate/repos/churn.git: " in result.stderr
    assert any(line.startswith("mlcheck: rules: ") and line.endswith(" s") for line in lines)
    both = run_mlcheck("scan", "samples/estate", "-q", "-v", cwd=REPO_ROOT)
    assert both.returncode == 2 and "cannot be given together" in both.stderr


@pytest.fixture
def notebooks_repo(tmp_path):
    return make_repo(tmp_path / "repo", {"a.ipynb": notebook(outputs=True), "b.ipynb": notebook(outputs=True)})


def config(tmp_path, waivers: str):
    path = tmp_path / "mlcheck.yaml"
    path.write_text("waivers:\n" + waivers, encoding="utf-8")
    return str(path)


def test_waived_findings_are_listed_with_their_waiver(tmp_path, notebooks_repo):
    cfg = config(tmp_path, "  - {rule: MLC-REPO-001, resource: '*a.ipynb', reason: exploration kept on purpose,"
                           " approved_by: lead@example.com, expires: 2099-01-01}\n")
    result = run_mlcheck("scan", str(notebooks_repo), "--config", cfg, "--fail-on", "critical")
    assert result.returncode == 0, result.stderr
    waived = result.stdout.split("WAIVED (1)")[1]
    assert "MLC-REPO-001 medium file:git:./a.ipynb" in waived
    assert "waived by lead@example.com until 2099-01-01: exploration kept on purpose" in waived
    assert "warning" not in result.stderr            # a waiver that does its job is not warned about


def test_waivers_matching_nothing_or_every_rule_are_warned_about(tmp_path, notebooks_repo):
    cfg = config(tmp_path,
                 "  - {rule: '*', resource: 'file:git:./a.ipynb', reason: blanket waiver, approved_by: ops}\n"
                 "  - {rule: MLC-REPO-001, resource: 'file:git:elsewhere/*', reason: old repository, approved_by: ops}\n"
                 "  - {rule: MLC-NET-001, resource: '*', reason: not evaluated here, approved_by: ops}\n")
    result = run_mlcheck("scan", str(notebooks_repo), "--config", cfg, "--fail-on", "critical",
                         "--only", "MLC-REPO-*")
    warnings = [line for line in result.stderr.splitlines() if line.startswith("mlcheck: warning: ")]
    assert len(warnings) == 2, result.stderr
    assert "rule '*'" in warnings[0] and "matches every rule" in warnings[0]
    assert "'file:git:elsewhere/*'" in warnings[1] and "matches no finding" in warnings[1]
    quiet = run_mlcheck("scan", str(notebooks_repo), "--config", cfg, "--fail-on", "critical",
                        "--only", "MLC-REPO-*", "--quiet")
    assert "warning" not in quiet.stderr
    audit = run_mlcheck("scan", str(notebooks_repo), "--config", cfg, "--fail-on", "critical", "--no-waivers")
    assert "warning" not in audit.stderr
