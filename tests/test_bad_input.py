"""Bad input: every malformed, hostile or unreadable file is a collection error naming
the file and the reason; the rest of the scan still runs and still finds what it
should; the CLI exits 3 (0/1 with --soft-fail). Real files, real repos, real CLI."""
from __future__ import annotations

import contextlib
import json
import os
import random
import string
import subprocess
import sys
import tracemalloc
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import commit_files, git, make_repo, notebook, run_cli, write_files
from checker.scan import ScanOptions, ScanResult, run_scan

GOOD_FINDING = ("MLC-REPO-001", "file:git:ml/nb/train.ipynb")   # medium: below the default gate
HUGE = 500 * 2**20


@pytest.fixture
def estate(tmp_path):
    """tmp/estate: a repo `ml` with a committed notebook that has outputs (one medium
    finding) and a loose folder with a clean notebook; tmp/outside: what must stay out."""
    root = tmp_path / "estate"
    make_repo(root / "ml", {"nb/train.ipynb": notebook(outputs=True), "src/train.py": "import torch\n"})
    write_files(root, {"loose/ok.ipynb": notebook(outputs=False, cells=3)})
    write_files(tmp_path / "outside", {"secret.csv": "user,password\nroot,hunter2\n",
                                       "stolen.ipynb": notebook(outputs=True)})
    return root


@dataclass
class Scan:
    code: int
    report: dict | None
    graph: dict | None
    output: str


def scan(tmp_path: Path, *args: str) -> Scan:
    """`mlcheck scan estate …` from tmp_path, keeping the JSON report and the graph."""
    out, snap = tmp_path / "report.json", tmp_path / "graph.json"
    for f in (out, snap):
        f.unlink(missing_ok=True)
    result = run_cli("scan", "estate", *args, "--format", "json", "--output", str(out),
                     "--snapshot-out", str(snap), cwd=tmp_path)
    load = lambda p: json.loads(p.read_text()) if p.exists() else None   # noqa: E731
    return Scan(result.exit_code, load(out), load(snap), result.output)


def assert_rest_of_scan_ran(s: Scan) -> None:
    flagged = {(f["rule_id"], f["node"]) for f in s.report["findings"]}
    assert GOOD_FINDING in flagged
    nodes = s.graph["nodes"]
    assert nodes["file:fs:./loose/ok.ipynb"]["attrs"]["nb_code_cells"] == 3
    assert nodes["file:git:ml/src/train.py"]["attrs"]["tracked"] is True
    assert not any("hunter2" in json.dumps(n) for n in nodes.values())
    assert not any("secret.csv" in nid or "stolen.ipynb" in nid for nid in nodes)


def assert_exit_codes(tmp_path: Path, expected_error: dict) -> Scan:
    """Exit 3; the error is reported; 1 and 0 with --soft-fail depending on the gate."""
    s = scan(tmp_path)
    assert s.code == 3, s.output
    errors = s.report["collection_errors"]
    assert any(matches(e, expected_error) for e in errors), errors
    assert s.report["summary"]["collection_errors"] == len(errors)
    assert_rest_of_scan_ran(s)
    assert scan(tmp_path, "--soft-fail", "--fail-on", "medium").code == 1
    assert scan(tmp_path, "--soft-fail").code == 0
    return s


def matches(error: dict, expected: dict) -> bool:
    return (error["source"] == expected["source"] and expected["reason"] in error["reason"]
            and error.get("line") == expected.get("line"))


# ---------------------------------------------------------------- each bad input


def plant_invalid_json(root: Path) -> dict:
    write_files(root, {"loose/broken.ipynb": '{\n "nbformat": 4,\n "cells": [\n  {"cell_type": "code",}\n ]\n}\n'})
    return {"source": "estate/loose/broken.ipynb", "reason": "invalid JSON: Expecting property name", "line": 4}


def plant_nbformat_5(root: Path) -> dict:
    write_files(root, {"loose/future.ipynb": json.dumps({"nbformat": 5, "nbformat_minor": 0,
                                                          "metadata": {}, "cells": []})})
    return {"source": "estate/loose/future.ipynb", "reason": "unsupported nbformat 5 (expected 3 or 4)", "line": 1}


def plant_nbformat_missing(root: Path) -> dict:
    write_files(root, {"loose/nofmt.ipynb": json.dumps({"metadata": {}, "cells": []})})
    return {"source": "estate/loose/nofmt.ipynb", "reason": "not a notebook: no integer 'nbformat'"}


def plant_nbformat_string(root: Path) -> dict:
    write_files(root, {"loose/strfmt.ipynb": json.dumps({"nbformat": "4", "cells": []})})
    return {"source": "estate/loose/strfmt.ipynb", "reason": "not a notebook: no integer 'nbformat'", "line": 1}


def plant_cells_not_a_list(root: Path) -> dict:
    write_files(root, {"loose/cells.ipynb": json.dumps({"nbformat": 4, "nbformat_minor": 5, "cells": {}})})
    return {"source": "estate/loose/cells.ipynb", "reason": "cells: expected a list, found an object", "line": 1}


def plant_nbformat3_worksheet_cells_not_a_list(root: Path) -> dict:
    write_files(root, {"loose/v3.ipynb": json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                                                      "worksheets": [{"cells": 5}]})})
    return {"source": "estate/loose/v3.ipynb", "reason": "worksheets[0].cells: expected a list, found a number",
            "line": 1}


def plant_not_utf8(root: Path) -> dict:
    text = notebook().replace("# Train", "# Café résumé")
    write_files(root, {"loose/latin1.ipynb": text.encode("latin-1")})
    return {"source": "estate/loose/latin1.ipynb", "reason": "not UTF-8 text"}


def plant_deeply_nested(root: Path) -> dict:
    write_files(root, {"loose/deep.ipynb": '{"nbformat": 4, "cells": ' + "[" * 5000 + "]" * 5000 + "}"})
    return {"source": "estate/loose/deep.ipynb", "reason": "nested too deeply"}


def plant_untracked_invalid_notebook_in_repo(root: Path) -> dict:
    write_files(root, {"ml/nb/wip.ipynb": '{"nbformat": 4, "cells": [}'})
    return {"source": "estate/ml/nb/wip.ipynb", "reason": "invalid JSON", "line": 1}


def plant_committed_invalid_notebook(root: Path) -> dict:
    commit_files(root / "ml", {"nb/bad.ipynb": "not json at all"}, "add a broken notebook")
    return {"source": "estate/ml/nb/bad.ipynb", "reason": "invalid JSON: Expecting value", "line": 1}


def plant_symlink_out_of_folder(root: Path) -> dict:
    (root / "loose" / "leak.csv").symlink_to("../../outside/secret.csv")
    return {"source": "estate/loose/leak.csv", "reason": "symlink points outside the scanned tree"}


def plant_symlinked_dir_out_of_folder(root: Path) -> dict:
    (root / "loose" / "shared").symlink_to(root.parent / "outside", target_is_directory=True)
    return {"source": "estate/loose/shared", "reason": "symlink points outside the scanned tree"}


def plant_untracked_symlink_out_of_repo(root: Path) -> dict:
    (root / "ml" / "nb" / "stolen.ipynb").symlink_to("../../../outside/stolen.ipynb")
    return {"source": "estate/ml/nb/stolen.ipynb", "reason": "symlink points outside the scanned tree"}


def plant_committed_symlink_out_of_repo(root: Path) -> dict:
    (root / "ml" / "data").mkdir()
    (root / "ml" / "data" / "users.csv").symlink_to("../../../outside/secret.csv")
    commit_files(root / "ml", {}, "link data from outside")
    return {"source": "estate/ml/data/users.csv", "reason": "symlink points outside the repository"}


def plant_committed_absolute_symlink(root: Path) -> dict:
    (root / "ml" / "passwd.csv").symlink_to("/etc/passwd")
    commit_files(root / "ml", {}, "absolute link")
    return {"source": "estate/ml/passwd.csv", "reason": "symlink points outside the repository (/etc/passwd)"}


def plant_fifo_notebook(root: Path) -> dict:
    os.mkfifo(root / "loose" / "pipe.ipynb")
    return {"source": "estate/loose/pipe.ipynb", "reason": "not a regular file (named pipe)"}


def plant_dangling_symlink_notebook(root: Path) -> dict:
    (root / "loose" / "gone.ipynb").symlink_to("deleted.ipynb")
    return {"source": "estate/loose/gone.ipynb", "reason": "dangling symlink (deleted.ipynb)"}


def plant_dangling_symlink_in_repo(root: Path) -> dict:
    (root / "ml" / "nb" / "gone.ipynb").symlink_to("never-committed.ipynb")
    return {"source": "estate/ml/nb/gone.ipynb", "reason": "dangling symlink"}


def plant_huge_notebook(root: Path) -> dict:
    sparse(root / "loose" / "huge.ipynb", HUGE)
    return {"source": "estate/loose/huge.ipynb", "reason": f"file is {HUGE} bytes, over the"}


def plant_huge_untracked_notebook_in_repo(root: Path) -> dict:
    sparse(root / "ml" / "nb" / "huge.ipynb", HUGE)
    return {"source": "estate/ml/nb/huge.ipynb", "reason": "-byte parse limit; not parsed"}


def plant_corrupt_history(root: Path) -> dict:
    repo = root / "ml"
    commit_files(repo, {"src/train.py": "import torch  # v2\n"}, "second")
    parent = git(repo, "rev-parse", "HEAD~1")
    (repo / ".git" / "objects" / parent[:2] / parent[2:]).unlink()
    return {"source": "estate/ml", "reason": "history not collected: git log failed"}


def object_file(repo: Path, path: str) -> tuple[str, Path]:
    """The blob id of a committed file and its loose object file (writable)."""
    sha = git(repo, "rev-parse", f"HEAD:{path}")
    obj = repo / ".git" / "objects" / sha[:2] / sha[2:]
    obj.chmod(0o644)
    return sha, obj


def plant_blob_with_a_lying_size(root: Path) -> dict:
    """Fuzz finding: `git cat-file --batch` printed the size the object header states, and
    reading that many bytes hung the scan."""
    commit_files(root / "ml", {"nb/lying.ipynb": notebook(outputs=False)}, "a notebook whose blob lies")
    sha, obj = object_file(root / "ml", "nb/lying.ipynb")
    obj.write_bytes(zlib.compress(b"blob 100000\0{}"))
    return {"source": "estate/ml/nb/lying.ipynb",
            "reason": f"object {sha[:12]} is corrupt: its header states 100000 bytes, it holds 2"}


def plant_missing_blob(root: Path) -> dict:
    """Fuzz finding: `git ls-tree -l` printed the size BAD, and the whole repository was lost."""
    commit_files(root / "ml", {"nb/lost.ipynb": notebook(cells=1)}, "a notebook whose blob goes")
    sha, obj = object_file(root / "ml", "nb/lost.ipynb")
    obj.unlink()
    return {"source": "estate/ml/nb/lost.ipynb", "reason": f"blob {sha[:12]} is missing or corrupt; not read"}


def plant_ref_to_missing_commit(root: Path) -> dict:
    (root / "ml" / ".git" / "refs" / "heads" / "ghost").write_text("0123456789abcdef" * 2 + "01234567\n")
    return {"source": "estate/ml", "reason": "ref refs/heads/ghost leads to an object the repository does not hold"}


def outside_repo(root: Path) -> Path:
    """tmp/outside as a git repository of its own: the history a planted .git must not reach."""
    outside = root.parent / "outside"
    if not (outside / ".git").exists():
        make_repo(outside)
        commit_files(outside, {}, "secrets live here")
    return outside


def plant_dotgit_symlink_out_of_tree(root: Path) -> dict:
    (root / "borrowed").mkdir()
    (root / "borrowed" / ".git").symlink_to(outside_repo(root) / ".git", target_is_directory=True)
    return {"source": "estate/borrowed", "reason": "points outside the scanned tree; not followed"}


def plant_gitdir_file_out_of_tree(root: Path) -> dict:
    (root / "pointer").mkdir()
    (root / "pointer" / ".git").write_text(f"gitdir: {outside_repo(root) / '.git'}\n")
    return {"source": "estate/pointer", "reason": "points outside the scanned tree; not followed"}


def sparse(path: Path, size: int) -> None:
    """A file of `size` bytes that takes no disk: a hole, never written."""
    path.touch()
    os.truncate(path, size)


CASES = [plant_invalid_json, plant_nbformat_5, plant_nbformat_missing, plant_nbformat_string,
         plant_cells_not_a_list, plant_nbformat3_worksheet_cells_not_a_list, plant_not_utf8, plant_deeply_nested,
         plant_untracked_invalid_notebook_in_repo, plant_committed_invalid_notebook,
         plant_symlink_out_of_folder, plant_symlinked_dir_out_of_folder,
         plant_untracked_symlink_out_of_repo, plant_committed_symlink_out_of_repo,
         plant_committed_absolute_symlink, plant_fifo_notebook, plant_dangling_symlink_notebook,
         plant_dangling_symlink_in_repo, plant_huge_notebook, plant_huge_untracked_notebook_in_repo,
         plant_dotgit_symlink_out_of_tree, plant_gitdir_file_out_of_tree, plant_corrupt_history,
         plant_blob_with_a_lying_size, plant_missing_blob, plant_ref_to_missing_commit]


@pytest.mark.timeout(60)      # a FIFO read would block forever; fail fast instead
@pytest.mark.parametrize("plant", CASES, ids=lambda f: f.__name__.removeprefix("plant_"))
def test_bad_input_is_a_collection_error_and_the_scan_goes_on(estate, tmp_path, plant):
    expected = plant(estate)
    s = assert_exit_codes(tmp_path, expected)
    # Exactly one error is about the planted path.
    assert [e for e in s.report["collection_errors"] if e["source"] == expected["source"]] == \
        [e for e in s.report["collection_errors"] if matches(e, expected)]


def test_corrupt_history_still_collects_the_files(estate, tmp_path):
    plant_corrupt_history(estate)
    s = scan(tmp_path)
    repo = s.graph["nodes"]["repo:git:ml"]["attrs"]
    assert repo["commit_count"] == 0
    assert "file:git:ml/src/train.py" in s.graph["nodes"]


def test_all_bad_inputs_at_once_each_reported(estate, tmp_path):
    # Plants that commit go first: `git add -A` would otherwise commit the others too.
    commits = [plant_committed_invalid_notebook, plant_committed_symlink_out_of_repo,
               plant_committed_absolute_symlink, plant_blob_with_a_lying_size, plant_missing_blob]
    rest = [p for p in CASES if p not in commits and p is not plant_corrupt_history]
    expected = [plant(estate) for plant in commits + rest]
    s = assert_exit_codes(tmp_path, expected[0])
    for exp in expected:
        assert any(matches(e, exp) for e in s.report["collection_errors"]), exp


def test_console_names_path_line_and_reason(estate, tmp_path):
    """The real process: exit code and the console's list of what was missed."""
    plant_invalid_json(estate)
    plant_symlink_out_of_folder(estate)
    proc = subprocess.run([sys.executable, "-m", "checker", "scan", "estate", "--fail-on", "medium"],
                          cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr
    assert "Collection errors (2)" in proc.stdout
    assert "estate/loose/broken.ipynb:4: invalid JSON: Expecting property name" in proc.stdout
    assert "estate/loose/leak.csv: symlink points outside the scanned tree (../../outside/secret.csv)" in proc.stdout
    assert "MLC-REPO-001" in proc.stdout
    assert "2 collection error(s)" in proc.stderr
    soft = subprocess.run([sys.executable, "-m", "checker", "scan", "estate", "--fail-on", "medium",
                           "--soft-fail"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=120)
    assert soft.returncode == 1 and "Collection errors (2)" in soft.stdout


# ---------------------------------------------------------------- the huge file is never read


RSS_PROBE = """
import resource, subprocess, sys
proc = subprocess.run([sys.executable, "-m", "checker", "scan", *sys.argv[1:]],
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(proc.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def scan_rss(path: Path) -> tuple[int, int]:
    """Exit code and peak RSS (KiB) of one `mlcheck scan` in a fresh parent."""
    out = subprocess.run([sys.executable, "-c", RSS_PROBE, str(path)], stdout=subprocess.PIPE,
                         text=True, check=True, timeout=120).stdout.split()
    return int(out[0]), int(out[1])


def collect_peak_mib(estate: Path) -> tuple[float, ScanResult]:
    """Traced peak MiB of the collect stage of an in-process scan."""
    peaks = {}

    @contextlib.contextmanager
    def observe(stage):
        tracemalloc.start()
        try:
            yield
        finally:
            peaks[stage] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
    result = run_scan(ScanOptions(paths=[str(estate)]), observe=observe)
    return peaks["collect"], result


def test_500mb_notebook_is_not_read(estate, tmp_path):
    """Measured against the same scan without the huge files, so other parsers' own
    working memory does not count."""
    _, base_rss = scan_rss(estate)
    run_scan(ScanOptions(paths=[str(estate)]))          # warm imports and caches
    base_peak, _ = collect_peak_mib(estate)
    sparse(estate / "loose" / "huge.ipynb", HUGE)
    sparse(estate / "ml" / "nb" / "huge.ipynb", HUGE)
    assert (estate / "loose" / "huge.ipynb").stat().st_blocks == 0      # really costs no disk
    code, rss = scan_rss(estate)
    assert code == 3
    assert rss - base_rss < 25 * 1024, f"peak RSS grew by {(rss - base_rss) // 1024} MiB"
    # In process: the collect stage's traced peak does not grow by even a tenth of a parse limit.
    peak, result = collect_peak_mib(estate)
    assert peak - base_peak < 5, f"collect peak {peak} MiB vs {base_peak} MiB without the huge files"
    assert {e.source for e in result.graph.errors} == {"estate/loose/huge.ipynb", "estate/ml/nb/huge.ipynb"}   # under the path's label


def test_parse_limit_from_config_applies_to_committed_blobs(estate, tmp_path):
    """A committed notebook over `max_parse_bytes` (mlcheck.yaml) is reported, not read."""
    big = notebook(outputs=True, cells=60)
    assert len(big) > 2048
    commit_files(estate / "ml", {"nb/big.ipynb": big}, "big notebook")
    (tmp_path / "mlcheck.yaml").write_text("max_parse_bytes: 2048\n")
    s = scan(tmp_path)
    assert s.code == 3
    (error,) = [e for e in s.report["collection_errors"] if e["source"] == "estate/ml/nb/big.ipynb"]
    assert "notebook" in error["collector"].split("/")       # with any other parser claiming it
    assert error["reason"] == f"file is {len(big)} bytes, over the 2048-byte parse limit; not parsed"
    assert "nb_cells" not in s.graph["nodes"]["file:git:ml/nb/big.ipynb"]["attrs"]
    assert GOOD_FINDING in {(f["rule_id"], f["node"]) for f in s.report["findings"]}


# ---------------------------------------------------------------- unreadable files


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode; "
                    "FIFO and dangling-symlink cases cover unreadable paths for root")
@pytest.mark.parametrize("where, source", [("loose/locked.ipynb", "estate/loose/locked.ipynb"),
                                           ("ml/nb/locked.ipynb", "estate/ml/nb/locked.ipynb")])
def test_unreadable_file(estate, tmp_path, where, source):
    path = estate / where
    path.write_text(notebook())
    path.chmod(0)
    try:
        assert_exit_codes(tmp_path, {"source": source, "reason": "unreadable: Permission denied"})
    finally:
        path.chmod(0o644)


@pytest.mark.skipif(os.geteuid() == 0, reason="root lists directories whatever their mode")
def test_unreadable_directory(estate, tmp_path):
    locked = estate / "loose" / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        assert_exit_codes(tmp_path, {"source": "estate/loose/locked",
                                     "reason": "unreadable directory: Permission denied"})
    finally:
        locked.chmod(0o755)


# ---------------------------------------------------------------- names and usage errors


def test_file_name_that_is_not_utf8_does_not_break_the_reports(estate, tmp_path):
    odd = os.fsencode(estate / "loose") + b"/caf\xe9.ipynb"
    with open(odd, "wb") as fh:
        fh.write(notebook(outputs=False).encode())
    with open(os.fsencode(estate / "ml" / "nb") + b"/r\xe9sum\xe9.ipynb", "wb") as fh:
        fh.write(notebook(outputs=False).encode())
    s = scan(tmp_path, "--fail-on", "medium")
    assert s.code == 1, s.output          # the finding fails the gate; nothing failed to collect
    assert s.report["collection_errors"] == []
    assert s.graph["nodes"]["file:fs:./loose/caf\ufffd.ipynb"]["attrs"]["nb_code_cells"] == 2
    assert s.graph["nodes"]["file:git:ml/nb/r\ufffdsum\ufffd.ipynb"]["attrs"]["tracked"] is False


@pytest.mark.parametrize("uri", ["plain", "missing"])
def test_source_git_that_is_not_a_repository_is_a_usage_error(estate, tmp_path, uri):
    (tmp_path / "plain").mkdir()
    result = run_cli("scan", "--source", f"git={tmp_path / uri}", cwd=tmp_path)
    assert result.exit_code == 2
    assert f"git={tmp_path / uri}" in result.output and "not a git repository" in result.output


# ---------------------------------------------------------------- hostile names, subjects and text


AWS_KEY_ID = "AKIA" + "QYLPMN5HHHFPZAM2"          # split: this file is not a secret itself
GITHUB_TOKEN = "ghp_" + "".join(random.Random(23).choices(string.ascii_letters + string.digits, k=36))


def scan_process(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, str, str]:
    """The real `mlcheck scan estate` process: console on stdout, JSON report and snapshot
    in files; returns the process and the two files' text."""
    out, snap = tmp_path / "report.json", tmp_path / "graph.json"
    proc = subprocess.run([sys.executable, "-m", "checker", "scan", "estate", *args, "--format", "json",
                           "--output", str(out), "--format", "console", "--snapshot-out", str(snap)],
                          cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
    return proc, out.read_text(encoding="utf-8"), snap.read_text(encoding="utf-8")


def test_record_separator_in_a_commit_subject_does_not_hide_a_secret(estate, tmp_path):
    """Fuzz finding (gate evasion): `git commit -m "$(printf 'a\\x1eb')"` crashed the git
    collector, so none of the repository's files were scanned, and with --soft-fail the
    gate passed with exit 0 over an AWS key."""
    commit_files(estate / "ml", {"src/settings.py": f'AWS_ACCESS_KEY_ID = "{AWS_KEY_ID}"\n'}, "a\x1eb")
    commit_files(estate / "ml", {"src/more.py": "x = 1\n"}, "unit\x1fseparator")
    s = scan(tmp_path, "--soft-fail")
    assert s.report["collection_errors"] == []
    assert ("MLC-REPO-002", "file:git:ml/src/settings.py") in {(f["rule_id"], f["node"]) for f in s.report["findings"]}
    assert s.code == 1
    subjects = {n["attrs"]["subject"] for n in s.graph["nodes"].values() if n["kind"] == "commit"}
    assert {"a\x1eb", "unit\x1fseparator", "initial"} <= subjects
    assert_rest_of_scan_ran(s)


def test_secrets_in_commit_subjects_and_file_names_reach_no_output(estate, tmp_path):
    """Fuzz finding (leak): a key in a commit subject or a file name reached the snapshot,
    and file names the console and JSON report too."""
    ml = estate / "ml"
    commit_files(ml, {f"data/export-{AWS_KEY_ID}.csv": "a\n1\n", f"nb/{GITHUB_TOKEN}.ipynb": notebook()},
                 f"rotate {AWS_KEY_ID} and {GITHUB_TOKEN}")
    write_files(ml, {f"scratch/{GITHUB_TOKEN}.py": "x = 1\n"})                         # untracked
    write_files(estate, {f"loose/{AWS_KEY_ID}/creds.ipynb": notebook(outputs=False)})  # a folder name
    os.symlink(f"../../outside/{GITHUB_TOKEN}", estate / "loose" / "escape.csv")     # an error's reason
    proc, report, snapshot = scan_process(tmp_path, "--fail-on", "medium")
    assert proc.returncode == 3, proc.stderr
    for secret in (AWS_KEY_ID, GITHUB_TOKEN, AWS_KEY_ID[4:], GITHUB_TOKEN[4:]):
        for name, text in (("console", proc.stdout), ("stderr", proc.stderr), ("json", report),
                           ("snapshot", snapshot)):
            assert secret not in text, f"{name} holds a secret"
    graph = json.loads(snapshot)
    assert "file:git:ml/data/export-«redacted:AWS Access Key».csv" in graph["nodes"]
    assert "file:git:ml/nb/«redacted:GitHub Token».ipynb" in graph["nodes"]
    assert graph["nodes"]["file:git:ml/scratch/«redacted:GitHub Token».py"]["attrs"]["tracked"] is False
    assert "file:fs:./loose/«redacted:AWS Access Key»/creds.ipynb" in graph["nodes"]
    assert "rotate «redacted:AWS Access Key» and «redacted:GitHub Token»" in {
        n["attrs"].get("subject") for n in graph["nodes"].values()}
    assert "«redacted:GitHub Token»" in proc.stdout            # the console names the masked file


SURROGATES = ("\ud800", "\udfff", "\udc80x\ud83d")


def surrogate_notebook() -> str:
    """A notebook whose JSON holds lone surrogate escapes (valid JSON, not valid text) in
    its kernel name, a cell id, source, outputs and metadata."""
    nb = json.loads(notebook(outputs=True, cells=2))
    nb["metadata"]["kernelspec"]["name"] = "python3" + SURROGATES[0]
    cell = nb["cells"][1]
    cell["id"] = "cell" + SURROGATES[1]
    cell["source"].append("\nname = '" + SURROGATES[2] + "'")
    cell["outputs"][0]["text"].append(SURROGATES[0] + "\n")
    cell["metadata"]["tags"] = [SURROGATES[1]]
    text = json.dumps(nb, indent=1)            # ensure_ascii: written as \\ud800 escapes
    assert "\\ud800" in text and text.isascii()
    return text


def test_notebook_with_lone_surrogates_whole_scan(estate, tmp_path):
    """Fuzz finding: a notebook holding "\\ud800" ended the scan with exit 2 ('surrogates
    not allowed') and the rest of the estate was lost."""
    commit_files(estate / "ml", {"nb/odd.ipynb": surrogate_notebook()}, "odd notebook")
    write_files(estate, {"loose/odd.ipynb": surrogate_notebook(), "ml/nb/draft.ipynb": surrogate_notebook()})
    proc, report, snapshot = scan_process(tmp_path, "--fail-on", "medium")
    assert proc.returncode == 1, proc.stdout + proc.stderr          # the medium finding, nothing missed
    assert "Collection errors" not in proc.stdout
    s = Scan(proc.returncode, json.loads(report), json.loads(snapshot), proc.stdout)
    assert s.report["collection_errors"] == []
    for nid in ("file:git:ml/nb/odd.ipynb", "file:git:ml/nb/draft.ipynb", "file:fs:./loose/odd.ipynb"):
        a = s.graph["nodes"][nid]["attrs"]
        assert (a["nb_code_cells"], a["nb_kernel"]) == (2, "python3\ufffd"), nid
    assert_rest_of_scan_ran(s)
    flagged = {(f["rule_id"], f["node"]) for f in s.report["findings"]}
    assert ("MLC-REPO-001", "file:git:ml/nb/odd.ipynb") in flagged     # committed with outputs


def _yaml_loader_refuses_recursive_aliases() -> bool:
    from checker.safeyaml import YamlError, load_yaml
    try:
        load_yaml("a: &a [*a]\n", "probe")
    except YamlError:
        return True
    return False


@pytest.mark.skipif(not _yaml_loader_refuses_recursive_aliases(),
                    reason="needs checker/safeyaml.py to refuse recursive YAML aliases (the YAML "
                           "loader helper's change for issue 6); until it merges, detect-secrets' "
                           "YAML view walks the recursive document forever")
@pytest.mark.parametrize("where, source", [("loose", "estate/loose/dvc.yaml"), ("ml", "estate/ml/dvc.yaml")])
def test_recursive_yaml_alias_is_one_error_not_a_hang(estate, tmp_path, where, source):
    """Fuzz finding: `a: &a [*a]` in a scanned YAML file hung the scan, in a folder and in
    a git repository."""
    if where == "ml":
        commit_files(estate / "ml", {"dvc.yaml": "a: &a [*a]\n"}, "recursive YAML")
    else:
        write_files(estate, {"loose/dvc.yaml": "a: &a [*a]\n"})
    try:
        proc, report, _ = scan_process(tmp_path)
    except subprocess.TimeoutExpired:
        pytest.fail("the scan hung on a recursive YAML alias")
    assert proc.returncode == 3, proc.stdout + proc.stderr
    (error,) = json.loads(report)["collection_errors"]
    assert error["source"] == source, error
