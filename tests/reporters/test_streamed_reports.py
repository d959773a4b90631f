"""The JSON and SARIF reports are written as they are encoded (a batch of findings at a
time): byte for byte what encoding the whole document at once writes."""
from __future__ import annotations

import io
import json

import pytest

from checker.graph import canonical_json
from checker.reporters import json_report, sarif_report


def whole_json(result) -> str:
    """The JSON report's layout from its document in one go: keys sorted, one top-level key
    a line, one list item a line, each compact."""
    doc = json_report.document(result)
    parts = []
    for key in sorted(doc):
        value = doc[key]
        text = ("[\n" + ",\n".join("    " + canonical_json(v) for v in value) + "\n  ]"
                if isinstance(value, list) and value else canonical_json(value))
        parts.append(f"  {canonical_json(key)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def whole_sarif(result) -> str:
    return json.dumps(sarif_report.document(result), sort_keys=True, ensure_ascii=False, default=str) + "\n"


def written(module, result) -> str:
    out = io.StringIO()
    module.render(result, out)
    return out.getvalue()


@pytest.mark.parametrize("batch", [1, 2, 3, 1024])
def test_streamed_reports_equal_the_whole_document(states_result, monkeypatch, batch):
    """Batches of 1, 2, 3: every boundary between batches is crossed."""
    assert len(states_result.findings) > 3
    monkeypatch.setattr(json_report, "BATCH", batch)
    monkeypatch.setattr(sarif_report, "BATCH", batch)
    assert written(json_report, states_result) == whole_json(states_result)
    assert written(sarif_report, states_result) == whole_sarif(states_result)


def test_a_scan_without_findings_writes_an_empty_results_list(states_result, monkeypatch):
    monkeypatch.setattr(states_result, "findings", [])
    assert json.loads(written(sarif_report, states_result))["runs"][0]["results"] == []
    assert written(sarif_report, states_result) == whole_sarif(states_result)
    assert written(json_report, states_result) == whole_json(states_result)


def test_the_reused_encoder_encodes_as_json_dumps():
    encode = json_report.sorted_encoder(", ", ": ")
    value = {"z": [1.5, -0.0, 10**30, None, False], "a": {"é\u2028\"\\\ud800": object, "n": float("nan")}}
    assert encode(value) == json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    compact = json_report.sorted_encoder(",", ":")
    assert compact(value) == canonical_json(value)


def test_without_the_c_encoder_the_pure_python_one_is_used(monkeypatch):
    monkeypatch.setattr(json_report, "c_make_encoder", None)
    encode = json_report.sorted_encoder(",", ":")
    assert encode({"b": 1, "a": [2]}) == '{"a":[2],"b":1}'


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_a_report_on_stdout_is_whole_before_the_last_line_on_stderr(fmt, tmp_path):
    """Written in parts, the report is flushed before the CLI says the scan is incomplete:
    with stdout and stderr on one terminal or pipe, the report comes out in one piece."""
    from conftest import run_cli, write_files
    write_files(tmp_path, {"broken.ipynb": "{not json", "train.py": "import mlflow\n"})
    out = run_cli("scan", str(tmp_path), "--format", fmt)
    assert out.exit_code == 3 and "incomplete" in out.stderr
    assert out.output.startswith(out.stdout) and json.loads(out.stdout)
