"""OSCAL assessment results through compliance-trestle's models: the document parses back
through trestle into an equal model, carries the snapshot digest, one observation per
finding with its provenance, and one finding per framework requirement with its status."""
from __future__ import annotations

import datetime as _dt
import json

import pytest

trestle_ar = pytest.importorskip("trestle.oscal.assessment_results",
                                 reason="compliance-trestle (the oscal extra) is not installed")

from checker.frameworks import frameworks_in_scope, requirement_status   # noqa: E402
from checker.reporters.oscal_report import NS, STATE, token               # noqa: E402
from conftest import run_cli                                              # noqa: E402
from .conftest import check_golden, rendered                              # noqa: E402

NOW = _dt.datetime(2026, 1, 15, 9, 30, tzinfo=_dt.timezone.utc)


def props(item: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in item.get("props", []):
        assert p["ns"] == NS
        out.setdefault(p["name"], []).append(p["value"])
    return out


@pytest.fixture(scope="module")
def oscal(states_result, tmp_path_factory):
    text = rendered("oscal", states_result, now=NOW)
    path = tmp_path_factory.mktemp("oscal") / "results.json"
    path.write_text(text, encoding="utf-8")
    return text, path


def test_states_match_golden(oscal):
    check_golden("states.oscal.json", json.dumps(json.loads(oscal[0]), indent=1, ensure_ascii=False) + "\n")


def test_round_trips_through_trestles_parser(oscal):
    text, path = oscal
    model = trestle_ar.AssessmentResults.oscal_read(path)
    assert model is not None
    assert json.loads(model.oscal_serialize_json(pretty=True)) == json.loads(text)


def test_result_carries_the_snapshot_digest_and_the_scans_time(oscal, states_result):
    doc = json.loads(oscal[0])["assessment-results"]
    assert props(doc["metadata"])["graph-digest"] == [states_result.digest]
    result = doc["results"][0]
    assert props(result)["graph-digest"] == [states_result.digest]
    assert result["start"].startswith("2026-01-15T09:30:00")
    back = doc["back-matter"]["resources"][0]
    assert doc["import-ap"]["href"] == "#" + back["uuid"]


def test_one_observation_per_finding_with_its_provenance(oscal, states_result):
    observations = json.loads(oscal[0])["assessment-results"]["results"][0]["observations"]
    assert len(observations) == len(states_result.findings) + len(states_result.graph.errors)
    for obs, f in zip(observations, states_result.findings):
        p = props(obs)
        assert p["rule"] == [f.rule_id] and p["node"] == [f.node] and p["fingerprint"] == [f.fingerprint]
        assert p["status"] == [f.status] and p["severity"] == [f.severity]
        hrefs = [e["href"] for e in obs.get("relevant-evidence", [])]
        assert len(hrefs) == len(f.locations)
        for e, loc in zip(obs.get("relevant-evidence", []), f.locations):
            assert e["href"].replace("%20", " ") == loc["source"]
            assert loc["collector"] in e["description"]
    assert len({o["uuid"] for o in observations}) == len(observations)


def test_one_finding_per_requirement_with_its_status_and_observations(oscal, states_result):
    result = json.loads(oscal[0])["assessment-results"]["results"][0]
    obs_by_fp = {props(o)["fingerprint"][0]: o["uuid"] for o in result["observations"] if "fingerprint" in props(o)}
    expected = [(fw, st) for fw in frameworks_in_scope(states_result) for st in requirement_status(states_result, fw)]
    assert len(result["findings"]) == len(expected)
    seen = set()
    for finding, (fw, st) in zip(result["findings"], expected):
        p = props(finding)
        assert p["framework"] == [fw.id] and p["requirement"] == [st.requirement.id]
        assert p["mlcheck-status"] == [st.status]
        state, reason = STATE[st.status]
        assert finding["target"]["status"] == {"state": state, "reason": reason}
        assert finding["target"]["target-id"] == token(f"{fw.id}_{st.requirement.id}")
        related = {r["observation-uuid"] for r in finding.get("related-observations", [])}
        assert related == {obs_by_fp[f.fingerprint] for f in st.findings}
        seen.add(st.status)
    assert {"not_satisfied", "manual"} <= seen


def test_tokens_are_oscal_tokens():
    for text in ("eu-ai-act_Art. 10(2)", "nist-800-53_IA-5(7)", "ml-test-score_Model 1", "9lives"):
        out = token(text)
        assert out[0].isalpha() or out[0] == "_"
        assert all(c.isalnum() or c in "._-" for c in out), out


def test_cli_writes_oscal_beside_other_formats(tmp_path):
    from conftest import REPO_ROOT
    out, js = tmp_path / "results.oscal.json", tmp_path / "report.json"
    result = run_cli("scan", "samples/estate", "--format", "oscal", "--output", str(out),
                     "--format", "json", "--output", str(js), cwd=REPO_ROOT)
    assert result.exit_code == 1, result.output
    model = trestle_ar.AssessmentResults.oscal_read(out)
    assert props(json.loads(out.read_text())["assessment-results"]["metadata"])["graph-digest"] == \
        [json.loads(js.read_text())["graph_digest"]]
    assert model.results[0].findings


def test_the_longest_extension_implies_the_format():
    from checker.reporters import implied_format
    assert implied_format("out/results.oscal.json") == "oscal"
    assert implied_format("out/code.sarif.json") == "sarif"
    assert implied_format("out/report.JSON") == "json"
    assert implied_format("findings.csv") == "csv"


def test_scanned_names_with_line_breaks_and_blanks_stay_valid(tmp_path):
    """OSCAL titles and prop values are single lines without surrounding blanks; a
    notebook named with a line break and a trailing space must not break the document."""
    from checker.scan import ScanOptions, run_scan
    from conftest import make_repo, notebook
    repo = make_repo(tmp_path / "r", {"notebooks/a\nb .ipynb": notebook(outputs=True)})
    result = run_scan(ScanOptions(paths=[str(repo)], only=["MLC-REPO-001"]))
    assert result.findings
    path = tmp_path / "r.oscal.json"
    path.write_text(rendered("oscal", result, now=NOW), encoding="utf-8")
    model = trestle_ar.AssessmentResults.oscal_read(path)
    [obs] = model.results[0].observations
    node = next(p.value for p in obs.props if p.name == "node")
    assert "\\n" in node and "\n" not in node and node == node.strip()


def test_without_the_extra_the_scan_stops_before_collecting(tmp_path):
    """trestle made unimportable in a real child process (sys.modules entry None, as
    Python's import system reads it): exit 2 naming the extra, and no scan."""
    import subprocess
    import sys
    code = ("import sys; sys.modules['trestle'] = None; from checker.cli import main; "
            "main(['scan', sys.argv[1], '--format', 'oscal', '--output', sys.argv[2]])")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path), str(tmp_path / "r.oscal.json")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 2, out.stderr
    assert "pip install 'mlcheck-estate[oscal]'" in out.stderr and not (tmp_path / "r.oscal.json").exists()
