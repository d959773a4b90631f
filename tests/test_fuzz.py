"""The fuzz corpus (tests/fuzz): every case is a test. The cases selected for this session
are built into estates and scanned once, several scans at a time (a session fixture);
each test then reads its case's verdict. How to run it: tests/fuzz/__init__.py."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from fuzz import SEED, all_cases, harness, tools
from fuzz.cases import LOOSE, RUN

SLOW = os.environ.get("MLCHECK_FUZZ_SLOW") == "1"
CASES = {c.id: c for c in all_cases(SEED)}


def _param(case):
    marks = [pytest.mark.slow] if case.slow else []
    if case.slow and not SLOW:
        marks.append(pytest.mark.skip(reason="slow case: MLCHECK_FUZZ_SLOW=1 runs it"))
    return pytest.param(case.id, marks=marks, id=case.id)


@pytest.fixture(scope="session")
def verdicts(request, tmp_path_factory):
    """Runs the cases this session selected (after -k/-m and the slow switch)."""
    wanted = []
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        case = CASES.get(callspec.params.get("case_id")) if callspec else None
        if case is not None and (SLOW or not case.slow):
            wanted.append(case)
    work = tmp_path_factory.mktemp("fuzz")
    tools.configure(work)
    return harness.Runner(work, SEED, jobs=int(os.environ.get("MLCHECK_FUZZ_JOBS", "3"))).run(wanted)


@pytest.mark.timeout(3600)      # the first test waits for the whole corpus to run
@pytest.mark.parametrize("case_id", [_param(c) for c in CASES.values()])
def test_fuzz_case(case_id, verdicts):
    verdict = verdicts[case_id]
    assert not verdict.problems, (f"{case_id}: expected {harness.describe_expect(verdict.case)}\n  "
                                  + "\n  ".join(verdict.problems))


# -- the corpus itself ---------------------------------------------------------------------------

ISSUE_FINDINGS = [
    "azureml/recursive-alias-inputs", "azureml/recursive-alias-inputs@git", "dvc/recursive-alias-deps",
    "dvc/recursive-alias-deps@git", "git/recursive-alias-dvc-yaml", "git/blob-header-wrong-size",
    "mlflow-server/slow-drip", "rules/rego-huge-set", "mlflow-sqlite/runs-200k-versions-50k",
    "notebook/surrogate-source", "snapshot/nested-100k", "baseline/nested-100k", "snapshot/aliases-number",
    "snapshot/unresolved-list", "azureml/shape-inputs-list", "azureml/shape-inputs-list@git", "dvc/shape-outs-path-number",
    "dvc/shape-stages-list@git", "azureml/shape-input-path-number",
    "secrets/aws-key-in-file-name", "git/subject-secret", "mlflow-sqlite/secrets-in-tags",
    "rules/rego-reads-env", "rules/rego-http-send", "git/subject-record-separator", "git/blob-missing",
    "git/blobless-partial-clone", "mlflow-sqlite/blob-run-uuid", "mlflow-sqlite/null-tag-key",
    "mlflow-files/run-meta-is-directory", "snapshot/tampered-content", "cli/only-matches-no-rule",
    "notebook/name-fake-pass@git", "opa/never-answers",
]


def test_corpus_covers_the_issue_and_every_format():
    missing = [cid for cid in ISSUE_FINDINGS if cid not in CASES]
    assert not missing, f"cases the issue asks for are missing: {missing}"
    planted = [c for c in CASES.values() if c.where != RUN]
    assert len(planted) >= 300, f"only {len(planted)} planted files"
    families = {c.family for c in CASES.values()}
    assert {"notebook", "azureml", "dvc", "mlflow-sqlite", "mlflow-files", "mlflow-server", "git", "secrets",
            "config", "rules", "snapshot", "baseline", "cli", "opa"} <= families


def _tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def test_corpus_is_deterministic(tmp_path):
    """The same seed writes the same bytes (every plain-folder case, built twice)."""
    loose = [c for c in all_cases(SEED) if c.where == LOOSE]
    for n in (1, 2):
        for case in loose:
            target = tmp_path / str(n) / case.slug
            target.mkdir(parents=True)
            case.build(target)
    assert _tree_digest(tmp_path / "1") == _tree_digest(tmp_path / "2")
    other = tmp_path / "other-seed"
    for case in [c for c in all_cases(SEED + 1) if c.where == LOOSE]:
        (other / case.slug).mkdir(parents=True)
        case.build(other / case.slug)
    assert _tree_digest(other) != _tree_digest(tmp_path / "1")
