"""The sample estate scanned once per session, as the README's first command scans it, and
the same scan with a waiver and a baseline so every finding status appears. Golden files
live in golden/; `MLCHECK_UPDATE_GOLDEN=1` rewrites them (then read the diff)."""
from __future__ import annotations

import datetime as _dt
import io
import os
from pathlib import Path

import pytest

from checker import findings as fnd
from checker.reporters import render
from checker.scan import ScanOptions, run_scan
from conftest import REPO_ROOT

GOLDEN = Path(__file__).resolve().parent / "golden"
SCHEMAS = REPO_ROOT / "tests" / "schemas"
TODAY = _dt.date(2026, 1, 15)


def scan_sample(**options):
    """Scan samples/estate from the repository root (its paths are labelled from there)."""
    here = os.getcwd()
    os.chdir(REPO_ROOT)
    try:
        return run_scan(ScanOptions(paths=["samples/estate"], today=TODAY, **options))
    finally:
        os.chdir(here)


@pytest.fixture(scope="session")
def sample_result():
    return scan_sample()


@pytest.fixture(scope="session")
def states_result(tmp_path_factory, sample_result):
    """The sample with every status: the network findings baselined, MLC-AZP-003 waived."""
    baseline = tmp_path_factory.mktemp("baseline") / "baseline.json"
    fnd.write_baseline([f for f in sample_result.findings if f.rule_id.startswith("MLC-NET-")],
                       baseline, sample_result.digest)
    waiver = fnd.Waiver(rule="MLC-AZP-003", resource="*", reason="managed identity rollout in Q2",
                        approved_by="security@example.com", expires=_dt.date(2026, 6, 30))
    return scan_sample(baseline=baseline, waivers=[waiver])


def rendered(fmt: str, result, **options) -> str:
    out = io.StringIO()
    render(fmt, result, out, **options)
    return out.getvalue()


def check_golden(name: str, text: str) -> None:
    """`text` must equal golden/<name>; MLCHECK_UPDATE_GOLDEN=1 rewrites the file instead."""
    path = GOLDEN / name
    if os.environ.get("MLCHECK_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}: run with MLCHECK_UPDATE_GOLDEN=1 and review it"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"
