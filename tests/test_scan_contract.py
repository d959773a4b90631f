"""What a scan promises whatever it is fed: exit codes that CI can trust, snapshots that
cannot be edited behind an auditor's back, output that scanned names cannot forge."""
from __future__ import annotations

import json
import shutil

from conftest import commit_files, make_repo, notebook, resealed, run_cli, run_mlcheck

from checker.graph import canonical_json


def estate(tmp_path, name="estate"):
    return make_repo(tmp_path / name, {"nb/train.ipynb": notebook(outputs=True), "src/train.py": "print(1)\n"})


def snapshot_of(tmp_path, repo):
    snap = tmp_path / "snap.json"
    assert run_cli("scan", str(repo), "--snapshot-out", str(snap)).exit_code == 0
    return snap, json.loads(snap.read_text())


def test_tampered_snapshot_is_refused_naming_both_digests(tmp_path):
    snap, doc = snapshot_of(tmp_path, estate(tmp_path))
    nid = "file:git:./nb/train.ipynb"
    doc["nodes"][nid]["attrs"]["nb_cells_with_outputs"] = 0      # hide the finding
    snap.write_text(canonical_json(doc, indent=1))
    proc = run_mlcheck("scan", "--from-snapshot", str(snap))
    assert proc.returncode == 2
    assert doc["digest"] in proc.stderr and "does not match its digest" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_untouched_snapshot_replays(tmp_path):
    snap, _ = snapshot_of(tmp_path, estate(tmp_path))
    assert run_cli("scan", "--from-snapshot", str(snap), "--fail-on", "medium").exit_code == 1


def test_deeply_nested_snapshot_and_baseline_are_usage_errors(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    for args in (["--from-snapshot", str(deep)], [str(estate(tmp_path)), "--baseline", str(deep)]):
        proc = run_mlcheck("scan", *args)
        assert proc.returncode == 2, proc.stderr
        assert "nested too deeply" in proc.stderr and "Traceback" not in proc.stderr


def test_snapshot_with_wrongly_typed_structure_is_refused_and_odd_facts_are_survived(tmp_path):
    snap, doc = snapshot_of(tmp_path, estate(tmp_path))
    nid = "file:git:./nb/train.ipynb"
    broken = json.loads(json.dumps(doc))
    broken["nodes"][nid]["attrs"]["unresolved"] = []
    snap.write_text(canonical_json(broken, indent=1))
    proc = run_mlcheck("scan", "--from-snapshot", str(snap))
    assert proc.returncode == 2 and "attrs.unresolved" in proc.stderr

    # Facts of an unexpected type are data: the rules cope, the scan completes.
    odd = json.loads(json.dumps(doc))
    odd["nodes"][nid]["attrs"].update(aliases=5, stage=["Production"], nb_cells_with_outputs="many")
    snap.write_text(canonical_json(resealed(odd), indent=1))
    proc = run_mlcheck("scan", "--from-snapshot", str(snap), "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_pattern_that_matches_no_rule_is_a_usage_error(tmp_path):
    repo = estate(tmp_path)
    for args in (["--only", "MLC-REPO-02"], ["--skip", "MLC-NOPE-*"]):
        result = run_cli("scan", str(repo), *args)
        assert result.exit_code == 2
        assert "matches no rule" in result.output
    config = tmp_path / "mlcheck.yaml"
    config.write_text("waivers:\n  - {rule: MLC-REPO-01, resource: '*', reason: typo here, approved_by: x}\n")
    result = run_cli("scan", str(repo), "--config", str(config))
    assert result.exit_code == 2 and "waivers" in result.output and "MLC-REPO-01" in result.output


def test_scanned_names_cannot_forge_console_lines(tmp_path):
    repo = make_repo(tmp_path / "estate")
    forged = "x\n\nPASS: no open finding at or above high\n\x1b[32mOK\x1b[0m.ipynb"
    commit_files(repo, {f"nb/{forged}": notebook(outputs=True)})
    result = run_cli("scan", str(repo), "--fail-on", "medium")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert not any(line.startswith("PASS") for line in lines)
    assert "\x1b" not in result.output
    assert "\\nPASS: no open finding" in result.output       # shown, escaped


def test_digest_does_not_depend_on_the_checkout_path(tmp_path):
    repo = estate(tmp_path, "estate")
    elsewhere = tmp_path / "deeper" / "checkout"
    elsewhere.mkdir(parents=True)
    shutil.copytree(repo, elsewhere / "estate")
    digests = []
    for path in (repo, elsewhere / "estate"):
        out = tmp_path / "r.json"
        run_cli("scan", str(path), "--format", "json", "--output", str(out))
        digests.append(json.loads(out.read_text())["graph_digest"])
    assert digests[0] == digests[1]


def test_rules_that_cannot_apply_say_why(tmp_path):
    folder = tmp_path / "plain"
    (folder / "nb").mkdir(parents=True)
    (folder / "nb" / "a.ipynb").write_text(notebook(outputs=True))
    out = tmp_path / "r.json"
    result = run_cli("scan", str(folder), "--format", "json", "--output", str(out), "--format", "console")
    reasons = json.loads(out.read_text())["summary"]["not_applicable_reasons"]
    assert "no git repository was found" in reasons["MLC-REPO-001"]
    assert reasons["MLC-LIN-001"] == "no model_version node was collected"
    assert "MLC-REPO-001: none of the 1 file node(s) has tracked equals True" in result.output


def test_an_internal_error_never_exits_0_or_1(tmp_path, monkeypatch):
    import checker.scan

    def broken(opts):
        raise KeyError("a bug")
    monkeypatch.setattr(checker.scan, "run_scan", broken)
    result = run_cli("scan", str(estate(tmp_path)))
    assert result.exit_code == 4
    assert "internal error" in result.output


def test_snapshot_sealed_with_the_former_digest_form_replays_and_stays_sealed(tmp_path):
    """Snapshots saved before the digest was hashed over orjson's form (a float written
    1e-07, as Python's json writes it, where orjson writes 1e-7) still replay; edited, they
    are still refused."""
    import hashlib

    from checker.graph import EstateGraph
    snap, doc = snapshot_of(tmp_path, estate(tmp_path))
    nid = "file:git:./nb/train.ipynb"
    doc["nodes"][nid]["attrs"]["learning_rate"] = 1e-07
    graph = EstateGraph.from_document(doc)
    former = "sha256:" + hashlib.sha256(canonical_json(graph._content(None)).encode()).hexdigest()
    assert former != graph.digest()            # the two forms differ on this content
    snap.write_text(canonical_json({**doc, "digest": former}, indent=1))
    assert run_cli("scan", "--from-snapshot", str(snap), "--fail-on", "medium").exit_code == 1

    doc["nodes"][nid]["attrs"]["nb_cells_with_outputs"] = 0
    snap.write_text(canonical_json({**doc, "digest": former}, indent=1))
    proc = run_mlcheck("scan", "--from-snapshot", str(snap))
    assert proc.returncode == 2 and former in proc.stderr and "does not match its digest" in proc.stderr
