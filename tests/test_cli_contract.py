"""The CLI contract (DESIGN.md): exit codes, formats, rule selection, snapshots, waivers, baselines."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import commit_files, make_repo, notebook, resealed, run_cli, run_mlcheck

BIG_CSV = "a,b\n" + "1,2\n" * 300_000       # 1.2 MB: MLC-REPO-003 (low)


def estate(tmp_path):
    return make_repo(tmp_path / "estate", {"nb/train.ipynb": notebook(outputs=True),
                                           "data/big.csv": BIG_CSV, "src/train.py": "print(1)\n"})


def report(tmp_path, *args, cwd=None):
    out = tmp_path / "out.json"
    result = run_cli("scan", *args, "--format", "json", "--output", str(out), cwd=cwd)
    return result, json.loads(out.read_text())


def test_exit_codes_follow_fail_on(tmp_path):
    repo = estate(tmp_path)
    assert run_cli("scan", str(repo)).exit_code == 0                       # medium+low < high
    assert run_cli("scan", str(repo), "--fail-on", "medium").exit_code == 1
    assert run_cli("scan", str(repo), "--fail-on", "low").exit_code == 1
    assert run_cli("scan", str(repo), "--fail-on", "medium", "--skip", "MLC-REPO-001").exit_code == 0


def test_real_process_exit_codes_and_python_dash_m(tmp_path):
    repo = estate(tmp_path)
    proc = run_mlcheck("scan", str(repo), "--fail-on", "medium")
    assert proc.returncode == 1, proc.stderr
    assert "MLC-REPO-001" in proc.stdout and "FAIL" in proc.stdout
    assert run_mlcheck("scan", str(tmp_path / "missing")).returncode == 2
    assert run_mlcheck("scan", "--fail-on", "bogus").returncode == 2


def test_only_and_skip_take_ids_and_globs(tmp_path):
    repo = estate(tmp_path)
    _, doc = report(tmp_path, str(repo), "--only", "MLC-REPO-00*", "--skip", "MLC-REPO-00[23]")
    assert [r["id"] for r in doc["rules"]] == ["MLC-REPO-001"]
    _, doc = report(tmp_path, str(repo), "--only", "MLC-REPO-001,MLC-REPO-003")
    assert {f["rule_id"] for f in doc["findings"]} == {"MLC-REPO-001", "MLC-REPO-003"}


def test_several_formats_in_one_run(tmp_path):
    repo = estate(tmp_path)
    out = tmp_path / "r.json"
    result = run_cli("scan", str(repo), "--format", "json", "--output", str(out), "--format", "console")
    assert result.exit_code == 0
    assert json.loads(out.read_text())["findings"]
    assert "Summary" in result.output and "MLC-REPO-001" in result.output
    bad = run_cli("scan", str(repo), "--format", "console", "--format", "json", "--output", str(out))
    assert bad.exit_code == 2 and "paired" in bad.output


def test_console_summary_lists_not_applicable_rules_and_counts(tmp_path):
    repo = make_repo(tmp_path / "plain", {"src/app.py": "print(1)\n"})
    result = run_cli("scan", str(repo), "--only", "MLC-REPO-001,MLC-REPO-003,MLC-LIN-001")
    assert result.exit_code == 0
    assert "not applicable (matched no node): MLC-LIN-001, MLC-REPO-001, MLC-REPO-003" in result.output
    assert "rules evaluated: 3" in result.output
    assert "commit 1" in result.output and "file 1" in result.output and "repo 1" in result.output


def test_snapshot_replay_gives_identical_findings_and_digest(tmp_path):
    repo = estate(tmp_path)
    snap = tmp_path / "snap.json"
    out1, out2 = tmp_path / "a.json", tmp_path / "b.json"
    run_cli("scan", str(repo), "--snapshot-out", str(snap), "--format", "json", "--output", str(out1))
    run_cli("scan", "--from-snapshot", str(snap), "--format", "json", "--output", str(out2))
    a, b = json.loads(out1.read_text()), json.loads(out2.read_text())
    assert a["findings"] == b["findings"] and a["findings"]
    assert a["graph_digest"] == b["graph_digest"] == json.loads(snap.read_text())["digest"]
    assert a["graph_digest"].startswith("sha256:")
    # Canonical: saving the replayed graph again gives the same bytes.
    snap2 = tmp_path / "snap2.json"
    run_cli("scan", "--from-snapshot", str(snap), "--snapshot-out", str(snap2))
    assert snap.read_bytes() == snap2.read_bytes()


def test_broken_snapshot_is_a_usage_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something-else"}')
    result = run_cli("scan", "--from-snapshot", str(bad))
    assert result.exit_code == 2 and "not an mlcheck snapshot" in result.output


def test_fingerprints_are_stable_across_checkout_paths(tmp_path):
    repo = estate(tmp_path)
    clone = tmp_path / "elsewhere" / "deep" / "clone"
    clone.parent.mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    _, a = report(tmp_path, ".", cwd=repo)
    _, b = report(tmp_path, ".", cwd=clone)
    fps = lambda d: sorted((f["rule_id"], f["node"], f["fingerprint"]) for f in d["findings"])  # noqa: E731
    assert fps(a) == fps(b) and fps(a)


def test_fingerprint_changes_when_the_failing_facts_change(tmp_path):
    repo = estate(tmp_path)
    _, before = report(tmp_path, str(repo), "--only", "MLC-REPO-003")
    commit_files(repo, {"data/big.csv": BIG_CSV + "3,4\n"})
    _, after = report(tmp_path, str(repo), "--only", "MLC-REPO-003")
    assert before["findings"][0]["node"] == after["findings"][0]["node"]
    assert before["findings"][0]["fingerprint"] != after["findings"][0]["fingerprint"]


def write_config(path, body):
    path.write_text(textwrap.dedent(body))
    return path


def test_waivers_expiry_and_audit_mode(tmp_path):
    repo = estate(tmp_path)
    cfg = write_config(tmp_path / "mlcheck.yaml", """\
        fail_on: medium
        waivers:
          - rule: MLC-REPO-001
            resource: "file:git:*/nb/*.ipynb"
            reason: exploratory notebook kept for the audit trail
            approved_by: jane.doe
            expires: 2999-12-31
          - rule: MLC-REPO-003
            resource: "*big.csv"
            reason: migrating to DVC
            approved_by: sam
            expires: 2020-01-01
    """)
    result, doc = report(tmp_path, str(repo), "--config", str(cfg))
    by_rule = {f["rule_id"]: f for f in doc["findings"]}
    assert by_rule["MLC-REPO-001"]["status"] == "waived"
    assert by_rule["MLC-REPO-001"]["waiver"]["approved_by"] == "jane.doe"
    assert by_rule["MLC-REPO-003"]["status"] == "open"
    assert "waiver expired on 2020-01-01" in by_rule["MLC-REPO-003"]["status_reason"]
    assert result.exit_code == 0            # the open one is low, fail_on medium
    console = run_cli("scan", str(repo), "--config", str(cfg), "--fail-on", "low")
    assert console.exit_code == 1 and "waiver expired on 2020-01-01" in console.output
    _, audit = report(tmp_path, str(repo), "--config", str(cfg), "--no-waivers")
    assert {f["status"] for f in audit["findings"]} == {"open"}


def test_config_is_read_from_the_working_directory(tmp_path):
    repo = estate(tmp_path)
    write_config(repo / "mlcheck.yaml", "fail_on: low\n")
    assert run_cli("scan", ".", cwd=repo).exit_code == 1


def test_malformed_config_is_exit_2_naming_file_and_field(tmp_path):
    repo = estate(tmp_path)
    cfg = write_config(tmp_path / "mlcheck.yaml", """\
        waivers:
          - rule: MLC-REPO-001
            resource: "*"
            approved_by: x
    """)
    result = run_cli("scan", str(repo), "--config", str(cfg))
    assert result.exit_code == 2
    assert "mlcheck.yaml" in result.output and "waivers.0" in result.output and "reason" in result.output
    broken = write_config(tmp_path / "broken.yaml", "fail_on: [high\n")
    result = run_cli("scan", str(repo), "--config", str(broken))
    assert result.exit_code == 2 and "broken.yaml:" in result.output


def test_baseline_only_new_findings_fail(tmp_path):
    repo = estate(tmp_path)
    base = tmp_path / "baseline.json"
    created = run_cli("baseline", "create", "-o", str(base), str(repo))
    assert created.exit_code == 0 and "3 finding(s)" in created.output     # with MLC-GOV-002 on the repo
    assert run_cli("scan", str(repo), "--fail-on", "low", "--baseline", str(base)).exit_code == 0
    commit_files(repo, {"nb/new.ipynb": notebook(outputs=True)})
    result, doc = report(tmp_path, str(repo), "--fail-on", "low", "--baseline", str(base))
    assert result.exit_code == 1
    status = {f["node"]: f["status"] for f in doc["findings"]}
    assert status == {"file:git:./nb/train.ipynb": "baselined", "file:git:./data/big.csv": "baselined",
                      "repo:git:.": "baselined", "file:git:./nb/new.ipynb": "open"}


def test_malformed_rule_is_exit_2_naming_file_and_field(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "X-001.yaml").write_text(textwrap.dedent("""\
        id: X-001
        title: Something is wrong here
        severity: severe
        category: custom
        controls: {}
        description: A rule with a bad severity value.
        remediation: Fix the severity value.
        check: {match: {kind: file}}
    """))
    result = run_cli("rules", "list", "--rules", str(rules))
    assert result.exit_code == 2
    assert "X-001.yaml" in result.output and "severity" in result.output
    (rules / "X-001.yaml").write_text("id: [unclosed\n")
    result = run_cli("scan", str(tmp_path), "--rules", str(rules))
    assert result.exit_code == 2 and "X-001.yaml:" in result.output


def test_custom_yaml_rule_dir(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "ACME-001.yaml").write_text(textwrap.dedent("""\
        id: ACME-001
        title: Python scripts must live under src/
        severity: high
        category: custom
        controls: {internal: ["ENG-7"]}
        description: Our layout keeps all code under src/.
        remediation: Move the script under src/.
        check:
          match: {kind: file, where: {attr: ext, equals: .py}}
          forbid: {not: {attr: path, glob: "src/*"}}
          message: "{attrs.path} is outside src/"
    """))
    repo = make_repo(tmp_path / "r", {"src/ok.py": "", "tools/bad.py": ""})
    result, doc = report(tmp_path, str(repo), "--rules", str(rules), "--only", "ACME-*")
    assert result.exit_code == 1
    assert [(f["rule_id"], f["node"], f["message"]) for f in doc["findings"]] == [
        ("ACME-001", "file:git:./tools/bad.py", "tools/bad.py is outside src/")]


def test_rules_list_and_show(tmp_path):
    listed = json.loads(run_cli("rules", "list", "--format", "json").output)
    ids = {r["id"]: r for r in listed}
    assert ids["MLC-REPO-001"]["engine"] == "graph" and ids["MLC-REPO-003"]["engine"] == "rego"
    shown = run_cli("rules", "show", "MLC-REPO-003")
    assert shown.exit_code == 0 and "data.mlcheck.rules.repo_003.data_file_committed" in shown.output
    assert run_cli("rules", "show", "NOPE-1").exit_code == 2


def test_help_does_not_import_heavy_modules():
    code = ("import sys, runpy; sys.argv=['mlcheck','--help']\n"
            "try:\n    runpy.run_module('checker', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "heavy=[m for m in ('networkx','regopy','regorus','rich','yaml','jsonschema','checker.collectors',"
            "'checker.scan','opa_client') if m in sys.modules]\nprint('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out


def test_unwritable_outputs_are_usage_errors_before_scanning(tmp_path):
    repo = estate(tmp_path)
    missing = tmp_path / "no" / "such" / "dir"
    for args in (["scan", str(repo), "--format", "json", "--output", str(missing / "r.json")],
                 ["scan", str(repo), "--snapshot-out", str(missing / "s.json")],
                 ["baseline", "create", "-o", str(missing / "b.json"), str(repo)]):
        result = run_cli(*args)
        assert result.exit_code == 2 and "does not exist" in result.output


def test_bad_values_in_config_are_exit_2(tmp_path):
    repo = estate(tmp_path)
    for body in ("params:\n  production: true\n", "params:\n  production: {aliases: champion}\n",
                 "waivers:\n  - {rule: X, resource: '*', reason: why not, approved_by: me, expires: 2020-13-45}\n"):
        cfg = write_config(tmp_path / "mlcheck.yaml", body)
        result = run_cli("scan", str(repo), "--config", str(cfg))
        assert result.exit_code == 2, (body, result.output)
        assert "mlcheck.yaml" in result.output


def test_malformed_snapshot_shapes_are_exit_2(tmp_path):
    for body in ('{"format": "mlcheck-snapshot", "version": 1, "nodes": [], "edges": []}',
                 '{"format": "mlcheck-snapshot", "version": 1, "nodes": {"x:1": 3}, "edges": []}'):
        snap = tmp_path / "s.json"
        snap.write_text(body)
        result = run_cli("scan", "--from-snapshot", str(snap))
        assert result.exit_code == 2 and "malformed snapshot" in result.output


def test_two_scan_paths_keep_their_nodes_apart(tmp_path):
    make_repo(tmp_path / "a", {"nb.ipynb": notebook(outputs=True)})
    make_repo(tmp_path / "b", {"nb.ipynb": notebook(outputs=True)})
    _, doc = report(tmp_path, "a", "b", "--only", "MLC-REPO-001", cwd=tmp_path)
    assert sorted(f["node"] for f in doc["findings"]) == ["file:git:a/nb.ipynb", "file:git:b/nb.ipynb"]
    assert doc["summary"]["nodes_by_kind"]["repo"] == 2
    make_repo(tmp_path / "x" / "a", {"f.py": ""})
    make_repo(tmp_path / "y" / "a", {"f.py": ""})
    clash = run_cli("scan", "--source", f"git={tmp_path / 'x' / 'a'}", "--source", f"git={tmp_path / 'y' / 'a'}")
    assert clash.exit_code == 2 and "would share the node ids" in clash.output


# -- unknown is a state, end to end: a user's rule folder, a snapshot, every output ---------

ACME_REGO = """\
package acme.rules.net_001

import data.mlcheck.lib
import rego.v1

public_workspace contains item if {
	some id, node in input.nodes
	node.kind == "resource"
	node.attrs.type == "ml_workspace"
	lib.unknown(node, "public_network_access")
	item := {"node": id, "message": sprintf("%v: public network access is unknown", [id]),
	         "evidence": lib.unknown_evidence(node, "public_network_access"), "cannot_evaluate": true}
}

public_workspace contains item if {
	some id, node in input.nodes
	node.kind == "resource"
	node.attrs.type == "ml_workspace"
	node.attrs.public_network_access == true
	item := {"node": id, "message": sprintf("%v is open to the internet", [id])}
}
"""


def acme_rules(root: Path) -> Path:
    """A user's rule folder in the built-in layout: one Rego rule and one graph rule."""
    common = ("title: ML workspace open to the internet\nseverity: high\ncategory: network\n"
              "controls: {}\ndescription: The workspace accepts traffic from public networks.\n"
              "remediation: Disable public network access and reach it through a private endpoint.\n")
    rego = root / "network" / "ACME-NET-001"
    rego.mkdir(parents=True)
    (rego / "rule.yaml").write_text("id: ACME-NET-001\n" + common + textwrap.dedent("""\
        check:
          rego: data.acme.rules.net_001.public_workspace
          applies_to: {kind: resource, where: {attr: type, equals: ml_workspace}}
        """))
    (rego / "policy.rego").write_text(ACME_REGO)
    graph = root / "network" / "ACME-NET-002"
    graph.mkdir()
    (graph / "rule.yaml").write_text("id: ACME-NET-002\n" + common + textwrap.dedent("""\
        check:
          match: {kind: resource, where: {attr: type, equals: ml_workspace}}
          forbid: {attr: public_network_access, equals: true}
          message: "{id} is open to the internet"
        """))
    return root


def snapshot_with_workspaces(tmp_path: Path) -> Path:
    """A saved graph with three workspaces: open, closed, and one whose access is an
    unresolved Terraform variable."""
    repo = make_repo(tmp_path / "infra", {"main.tf": "# infra\n"})
    snap = tmp_path / "snap.json"
    run_cli("scan", str(repo), "--snapshot-out", str(snap))
    doc = json.loads(snap.read_text())
    prov = {"collector": "terraform", "source": "infra/main.tf", "collected_at": "2026-11-29T00:00:00+00:00"}
    unknown = {"public_network_access": {"expression": "var.public", "reason": "variable without a default",
                                         "attribute": "public_network_access_enabled"}}
    for name, attrs in (("open", {"public_network_access": True}), ("closed", {"public_network_access": False}),
                        ("var", {"unknown": unknown})):
        doc["nodes"][f"resource:terraform:main.tf#ws_{name}"] = {
            "kind": "resource", "attrs": {"type": "ml_workspace", **attrs}, "provenance": prov}
    snap.write_text(json.dumps(resealed(doc)))
    return snap


def test_an_unknown_fact_is_reported_as_cannot_evaluate_in_every_output(tmp_path):
    rules = acme_rules(tmp_path / "acme")
    snap = snapshot_with_workspaces(tmp_path)
    out = tmp_path / "report.json"
    result = run_cli("scan", "--from-snapshot", str(snap), "--rules", str(rules),
                     "--only", "ACME-*", "--format", "json", "--output", str(out), "--format", "console")
    report = json.loads(out.read_text())
    by = {(f["rule_id"], f["node"]): f["status"] for f in report["findings"]}
    for rule in ("ACME-NET-001", "ACME-NET-002"):
        assert by == {**by, (rule, "resource:terraform:main.tf#ws_open"): "open",
                      (rule, "resource:terraform:main.tf#ws_var"): "cannot_evaluate"}
        assert (rule, "resource:terraform:main.tf#ws_closed") not in by
    assert len(by) == 4
    assert "CANNOT EVALUATE" in result.output and "var.public" in result.output
    # Open findings gate; the undetermined ones neither fail nor pass the gate.
    assert result.exit_code == 1
    assert report["summary"]["by_status"]["cannot_evaluate"] == 2


def test_cannot_evaluate_alone_does_not_fail_the_gate(tmp_path):
    rules = acme_rules(tmp_path / "acme")
    snap = snapshot_with_workspaces(tmp_path)
    doc = json.loads(snap.read_text())
    del doc["nodes"]["resource:terraform:main.tf#ws_open"]
    snap.write_text(json.dumps(resealed(doc)))
    result = run_cli("scan", "--from-snapshot", str(snap), "--rules", str(rules), "--only", "ACME-*")
    assert result.exit_code == 0, result.output
    assert "cannot evaluate 2" in result.output
