"""The Rego engine every way: embedded (regorus, the default, and regopy) and on an OPA server.

The OPA server is tests/opa_double.py, a test double standing in for the `opa` binary,
which cannot be installed on these machines; test_real_opa_binary runs the same scans
against a real `opa run --server` wherever one is on PATH.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import textwrap
import threading
import time
from pathlib import Path

import pytest
import requests

from checker.catalog import builtin_rules_dir, load_catalog
from checker.engines.rego_isolate import TaskFailed, run_all
from conftest import make_repo, run_cli, run_mlcheck
from opa_double import OpaDouble

TOKEN = "s3cret-token"
BIG_CSV = "id,feature,label\n" + "".join(f"{i},{i * 0.5:.1f},{i % 2}\n" for i in range(80_000))  # ~1.3 MB
SMALL_CSV = "id,feature,label\n" + "".join(f"{i},{i * 0.5:.1f},{i % 2}\n" for i in range(20))    # ~300 B
# A Git LFS pointer file (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md).
LFS_POINTER = ("version https://git-lfs.github.com/spec/v1\n"
               "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
               "size 5242880\n")
BIG, SMALL, LFS = "file:git:./data/big.csv", "file:git:./data/small.csv", "file:git:./data/lfs/tracked.csv"

RULE_YAML = """\
id: {id}
title: {title}
severity: medium
category: data
controls:
  nist-ai-rmf: ["MAP 2.3"]
description: A custom rule written by a platform team, checked by its own Rego policy.
remediation: Track CSV data with DVC or Git LFS instead of committing it.
check:
  rego: {ref}
  applies_to:
    kind: file
"""

# The custom policy calls a helper that lives in a file sorted after it: OPA compiles every
# upload against what it already holds, so upload order must not matter.
CUSTOM_POLICY = """\
package mlcheck.custom

import data.mlcheck.customlib
import data.mlcheck.lib
import rego.v1

csv_in_git contains finding if {
	some id, f in input.nodes
	customlib.tracked_csv(f)
	min_bytes := lib.param("csv_min_bytes", 0)
	f.attrs.size >= min_bytes
	finding := {
		"node": id,
		"message": sprintf("CSV %s (%d bytes) is kept in git", [f.attrs.path, f.attrs.size]),
		"evidence": {"facts": {"path": f.attrs.path, "size": f.attrs.size, "min_bytes": min_bytes}},
	}
}
"""
CUSTOM_HELPERS = """\
package mlcheck.customlib

import rego.v1

tracked_csv(f) if {
	f.kind == "file"
	f.attrs.ext == ".csv"
	f.attrs.tracked == true
	not f.attrs.lfs
}
"""


# -- fixtures and helpers -------------------------------------------------------------------

@pytest.fixture
def opa():
    server = OpaDouble().start()
    yield server
    server.stop()


@pytest.fixture
def opa_with_token():
    server = OpaDouble(token=TOKEN).start()
    yield server
    server.stop()


@pytest.fixture(params=["regorus", "regopy", "opa-server"])
def engine_args(request):
    """CLI arguments selecting each Rego back end in turn."""
    if request.param != "opa-server":
        yield ["--rego-engine", request.param]
        return
    server = OpaDouble().start()
    yield ["--opa-url", server.url]
    server.stop()


@pytest.fixture(scope="module")
def estate(tmp_path_factory):
    """A real git repo: a committed >1 MiB csv, a small csv and an LFS-tracked csv (scans only read it)."""
    return make_repo(tmp_path_factory.mktemp("rego") / "estate", {
        ".gitattributes": "data/lfs/*.csv filter=lfs diff=lfs merge=lfs -text\n",
        "data/big.csv": BIG_CSV, "data/small.csv": SMALL_CSV, "data/lfs/tracked.csv": LFS_POINTER,
        "src/train.py": "import pandas as pd\ndf = pd.read_csv('data/big.csv')\n",
    })


def scan(tmp_path: Path, *args: str):
    """(exit code, JSON report or None, console text incl. stderr) of one in-process scan."""
    out = tmp_path / "report.json"
    out.unlink(missing_ok=True)
    result = run_cli("scan", *args, "--format", "json", "--output", str(out))
    return result.exit_code, (json.loads(out.read_text()) if out.exists() else None), result.output


def findings(report: dict) -> list[tuple]:
    return [(f["rule_id"], f["node"], f["message"], f["evidence"], f["fingerprint"]) for f in report["findings"]]


def flagged(report: dict, rule_id: str) -> set[str]:
    return {f["node"] for f in report["findings"] if f["rule_id"] == rule_id}


def write_rules(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return directory


def custom_rules(tmp_path: Path) -> Path:
    return write_rules(tmp_path / "custom", {
        "MLC-CUST-001.yaml": RULE_YAML.format(id="MLC-CUST-001", title="CSV data file kept in git",
                                              ref="data.mlcheck.custom.csv_in_git"),
        "a_csv_rule.rego": CUSTOM_POLICY, "z_helpers.rego": CUSTOM_HELPERS})


def bad_rule(tmp_path: Path, policy: str, ref: str = "data.mlcheck.bad.hits") -> Path:
    return write_rules(tmp_path / "bad", {
        "MLC-BAD-001.yaml": RULE_YAML.format(id="MLC-BAD-001", title="A rule with a broken policy", ref=ref),
        "broken.rego": policy})


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def policy_ids(server: OpaDouble) -> list[str]:
    return sorted(server.policies)


def builtin_module_count() -> int:
    return len(load_catalog().policy_files)


# -- same findings both ways ---------------------------------------------------------------

def test_same_findings_embedded_and_on_opa_server(tmp_path, estate, opa):
    code_e, embedded, _ = scan(tmp_path, str(estate))
    code_o, served, out = scan(tmp_path, str(estate), "--opa-url", opa.url)
    assert (code_o, findings(served)) == (code_e, findings(embedded)), out
    assert flagged(served, "MLC-REPO-003") == {BIG}           # small csv under 1 MiB, LFS pointer skipped
    big = next(f for f in served["findings"] if f["node"] == BIG)
    assert big["evidence"]["facts"] == {"path": "data/big.csv", "size": len(BIG_CSV), "limit": 1048576}
    # The hits really came from the server: the rule was queried there with the graph as input.
    assert ("POST", "/v1/data/mlcheck/rules/repo_003/data_file_committed", None) in opa.requests
    assert opa.data == {"mlcheck": {"params": {}}}


def test_token_is_sent_from_flag_and_from_environment(tmp_path, estate, opa_with_token, monkeypatch):
    _, embedded, _ = scan(tmp_path, str(estate))
    code, served, out = scan(tmp_path, str(estate), "--opa-url", opa_with_token.url, "--opa-token", TOKEN)
    assert code in (0, 1) and findings(served) == findings(embedded), out
    assert {auth for _, path, auth in opa_with_token.requests if path.startswith("/v1/")} == {f"Bearer {TOKEN}"}

    opa_with_token.requests.clear()
    monkeypatch.setenv("MLCHECK_OPA_TOKEN", TOKEN)
    code, served, out = scan(tmp_path, str(estate), "--opa-url", opa_with_token.url)
    assert code in (0, 1) and findings(served) == findings(embedded), out
    assert {auth for _, _, auth in opa_with_token.requests} == {f"Bearer {TOKEN}"}


def test_missing_token_is_a_clear_server_error(tmp_path, estate, opa_with_token):
    code, report, out = scan(tmp_path, str(estate), "--opa-url", opa_with_token.url)
    assert code == 2 and report is None
    assert opa_with_token.url in out and "unauthorized" in out and "--opa-token" in out
    assert ".rego" not in out            # the server refused us; no policy file is to blame


@pytest.mark.parametrize("use_opa", [False, True], ids=["embedded", "opa-server"])
def test_params_from_config_reach_data_mlcheck_params(tmp_path, estate, opa, use_opa):
    config = tmp_path / "mlcheck.yaml"
    config.write_text("params:\n  data_file_max_bytes: 100\n", encoding="utf-8")
    extra = ["--opa-url", opa.url] if use_opa else []
    code, report, out = scan(tmp_path, str(estate), "--config", str(config), *extra)
    assert code in (0, 1), out
    assert flagged(report, "MLC-REPO-003") == {BIG, SMALL}    # the LFS pointer (>100 B) stays exempt
    assert {f["evidence"]["facts"]["limit"] for f in report["findings"] if f["rule_id"] == "MLC-REPO-003"} == {100}
    if use_opa:
        assert opa.data == {"mlcheck": {"params": {"data_file_max_bytes": 100}}}


def test_custom_rule_dir_gives_same_findings_both_ways(tmp_path, estate, opa):
    rules = custom_rules(tmp_path)
    _, embedded, out = scan(tmp_path, str(estate), "--rules", str(rules))
    assert flagged(embedded, "MLC-CUST-001") == {BIG, SMALL}, out
    code, served, out = scan(tmp_path, str(estate), "--rules", str(rules), "--opa-url", opa.url)
    assert code in (0, 1) and findings(served) == findings(embedded), out
    assert len(policy_ids(opa)) == builtin_module_count() + 2


def test_modules_left_by_an_earlier_scan_are_removed(tmp_path, estate, opa):
    """A long-lived OPA server keeps what an earlier scan uploaded; OPA merges every module
    into one policy, so a leftover that adds to data_file_committed would add findings."""
    extension = write_rules(tmp_path / "extension", {"more.rego": """\
        package mlcheck.rules.repo_003

        import rego.v1

        data_file_committed contains {"node": id, "message": "extra", "evidence": {}} if {
            some id, f in input.nodes
            f.attrs.ext == ".csv"
        }
        """})
    _, first, _ = scan(tmp_path, str(estate), "--rules", str(extension), "--opa-url", opa.url)
    assert flagged(first, "MLC-REPO-003") == {BIG, SMALL, LFS}
    assert len(policy_ids(opa)) == builtin_module_count() + 1
    _, embedded, _ = scan(tmp_path, str(estate))
    code, served, out = scan(tmp_path, str(estate), "--opa-url", opa.url)
    assert code in (0, 1) and findings(served) == findings(embedded), out
    assert len(policy_ids(opa)) == builtin_module_count()


# -- errors ---------------------------------------------------------------------------------

def test_rego_syntax_error_names_the_file(tmp_path, estate, engine_args):
    rules = bad_rule(tmp_path, "package mlcheck.bad\n\nimport rego.v1\n\nhits contains x if {\n  x := [1,\n}\n")
    code, report, out = scan(tmp_path, str(estate), "--rules", str(rules), *engine_args)
    assert code == 2 and report is None
    assert str(rules / "broken.rego") in out and "line 6" in out


def test_undefined_rego_rule_names_the_rule_file_and_field(tmp_path, estate, engine_args):
    rules = bad_rule(tmp_path, "package mlcheck.bad\n\nimport rego.v1\n\nhits contains 1 if false\n",
                     ref="data.mlcheck.bad.nothing_here")
    code, _, out = scan(tmp_path, str(estate), "--rules", str(rules), *engine_args)
    assert code == 2
    assert f"{rules / 'MLC-BAD-001.yaml'}: check.rego:" in out and "data.mlcheck.bad.nothing_here" in out


def evaluation_error(report: dict, rule_id: str = "MLC-BAD-001") -> str:
    """The reason the report gives for a rule it could not evaluate; the other rules ran."""
    errors = {e["rule_id"]: e["reason"] for e in report["evaluation_errors"]}
    assert set(errors) == {rule_id}, errors
    assert flagged(report, "MLC-REPO-003") == {BIG}       # the built-in rules' findings stand
    return errors[rule_id]


@pytest.mark.parametrize("item, complaint", [
    ('{"message": "no node here", "evidence": {}}', "each item needs node"),
    ('{"node": "file:git:./no/such.csv", "message": "m", "evidence": {}}', "not in the graph"),
    ('{"node": id, "message": 42, "evidence": {}}', "each item needs node"),
    ('{"node": id, "message": "m", "evidence": {}, "severity": "urgent"}', 'returned severity "urgent"'),
], ids=["missing-node", "unknown-node", "message-not-string", "severity-not-on-the-scale"])
def test_policy_returning_the_wrong_shape_is_that_rules_evaluation_error(tmp_path, estate, engine_args,
                                                                         item, complaint):
    policy = f"package mlcheck.bad\n\nimport rego.v1\n\nhits contains {item} if {{\n\tsome id, _ in input.nodes\n}}\n"
    code, report, out = scan(tmp_path, str(estate), "--rules", str(bad_rule(tmp_path, policy)), *engine_args)
    assert code == 3, out
    reason = evaluation_error(report)
    assert reason.startswith("data.mlcheck.bad.hits ") and complaint in reason


def test_an_item_may_carry_its_own_severity(tmp_path, estate, engine_args):
    """A finding takes an item's "severity" over the rule's (MLC-NET-005: high when the
    storage is linked to a workspace, medium otherwise); items without one keep the rule's."""
    policy = ('package mlcheck.bad\n\nimport rego.v1\n\n'
              'hits contains {"node": id, "message": "big", "severity": "critical"} if {\n'
              '\tsome id, n in input.nodes\n\tn.attrs.path == "data/big.csv"\n}\n\n'
              'hits contains {"node": id, "message": "small"} if {\n'
              '\tsome id, n in input.nodes\n\tn.attrs.path == "data/small.csv"\n}\n')
    code, report, out = scan(tmp_path, str(estate), "--rules", str(bad_rule(tmp_path, policy)), *engine_args)
    assert code == 1, out
    severities = {f["node"]: f["severity"] for f in report["findings"] if f["rule_id"] == "MLC-BAD-001"}
    assert severities == {BIG: "critical", SMALL: "medium"}


def test_rule_that_is_not_a_set_is_that_rules_evaluation_error(tmp_path, estate, engine_args):
    rules = bad_rule(tmp_path, 'package mlcheck.bad\n\nimport rego.v1\n\nhits := "everything is fine"\n')
    code, report, out = scan(tmp_path, str(estate), "--rules", str(rules), *engine_args)
    assert code == 3, out
    assert "must be a set of objects, got a string" in evaluation_error(report)


def test_policy_that_fails_to_evaluate_is_that_rules_evaluation_error(tmp_path, estate, engine_args):
    rules = bad_rule(tmp_path, 'package mlcheck.bad\n\nimport rego.v1\n\n'
                               'hits := {"one"} if true\n\nhits := {"two"} if true\n')   # conflicting values
    code, report, out = scan(tmp_path, str(estate), "--rules", str(rules), *engine_args)
    assert code == 3, out
    assert evaluation_error(report).startswith("data.mlcheck.bad.hits could not be evaluated: ")


def test_a_rule_that_applies_to_no_node_is_not_evaluated(tmp_path, estate, engine_args):
    """Its policy would fail on this data; it applies to nothing here, so it is not run: it
    is reported not applicable, and the scan is complete (engine_args: embedded and OPA)."""
    rules = bad_rule(tmp_path, 'package mlcheck.bad\n\nimport rego.v1\n\n'
                               'hits := {"one"} if true\n\nhits := {"two"} if true\n')
    yaml_file = rules / "MLC-BAD-001.yaml"
    yaml_file.write_text(yaml_file.read_text().replace("    kind: file\n", "    kind: endpoint\n"))
    code, report, out = scan(tmp_path, str(estate), "--rules", str(rules), *engine_args)
    assert code == 0 and report["evaluation_errors"] == [], out
    assert "MLC-BAD-001" in report["summary"]["rules_not_applicable"]


def test_call_to_unknown_function_names_the_function(tmp_path, estate, engine_args, request):
    rules = bad_rule(tmp_path, 'package mlcheck.bad\n\nimport rego.v1\n\n'
                               'hits contains {"node": id} if {\n\tsome id, _ in input.nodes\n\tno_such_helper(id)\n}\n')
    code, report, out = scan(tmp_path, str(estate), "--rules", str(rules), *engine_args)
    assert "Expecting value" not in out
    if request.node.callspec.params["engine_args"] == "regorus":
        # regorus's compiler resolves every call, as OPA's does: the module does not compile.
        assert code == 2 and str(rules / "broken.rego") in out and "line 7" in out and "no_such_helper" in out
    else:
        # rego-cpp (regopy, and the OPA double built on it) resolves a call when it reaches it.
        assert code == 3, out
        assert "no_such_helper" in evaluation_error(report)


def test_modules_reached_follow_imports_and_references_and_stop_there():
    from checker.engines.rego_embedded import modules_reached
    modules = [("a.rego", "package mlcheck.a\n\nimport data.mlcheck.lib\n\nhits := data.mlcheck.b.helper\n"),
               ("b.rego", "package mlcheck.b\n\nhelper := data.mlcheck.params.x\n"),
               ("lib.rego", "package mlcheck.lib\n\nf(x) := x\n"),
               ("lib_cloud.rego", "package mlcheck.lib.cloud\n\ng(x) := x\n"),
               ("other.rego", "package mlcheck.other\n\nhits := 1\n")]
    reached = [path for path, _ in modules_reached(modules, "data.mlcheck.a.hits")]
    assert reached == ["a.rego", "b.rego", "lib.rego", "lib_cloud.rego"]


def test_a_package_split_over_two_files_compiles_with_its_helper(tmp_path, estate):
    """The helper a rule calls lives in another file of the rule's own package: the modules
    compiled for the rule's call check must include it, or the call looks unknown (exit 2)."""
    rules = write_rules(tmp_path / "split", {
        "MLC-BAD-001.yaml": RULE_YAML.format(id="MLC-BAD-001", title="Helper elsewhere", ref="data.mlcheck.bad.hits"),
        "rule.rego": 'package mlcheck.bad\n\nimport rego.v1\n\n'
                     'hits contains {"node": id, "message": "m", "evidence": {}} if {\n'
                     '\tsome id, n in input.nodes\n\tis_small(n)\n}\n',
        "helper.rego": 'package mlcheck.bad\n\nimport rego.v1\n\nis_small(n) if n.attrs.path == "data/small.csv"\n'})
    code, report, out = scan(tmp_path, str(estate), "--rules", str(rules))
    assert code in (0, 1), out
    assert [f["rule_id"] for f in report["findings"] if f["rule_id"] == "MLC-BAD-001"] == ["MLC-BAD-001"]


# -- one rule's failure is not the scan's ----------------------------------------------------

def config(tmp_path: Path, **params) -> str:
    path = tmp_path / "mlcheck.yaml"
    path.write_text(json.dumps({"params": params}), encoding="utf-8")    # JSON is YAML
    return str(path)


FAILING_AT_RUN_TIME = {
    # A type error only the data reveals: adding a number to each path.
    "type-error": ('hits contains {"node": id, "message": "m", "evidence": {}} if {\n'
                   '\tsome id, f in input.nodes\n\tx := f.attrs.path + 1\n}\n', {}),
    # One ~140 kB message per node: far over a 100 kB bound.
    "huge-result": ('big := concat("", [format_int(x, 10) | some x in numbers.range(1, 30000)])\n\n'
                    'hits contains {"node": id, "message": big, "evidence": {}} if {\n'
                    '\tsome id, _ in input.nodes\n}\n', {"rego_max_result_bytes": 100_000}),
    # Never finishes in time: 10^9 candidates per node.
    "time-out": ('hits contains {"node": id, "message": "m", "evidence": {}} if {\n'
                 '\tsome id, _ in input.nodes\n\tsome i in numbers.range(1, 1000000000)\n\ti < 0\n}\n',
                 {"rego_timeout": 5}),
}
REASONS = {"type-error": "broken.rego line 7, column 17: `add` expects numeric argument", "huge-result": "over the 100,000-byte bound (params.rego_max_result_bytes)",
           "time-out": "did not finish within 5 s (params.rego_timeout)"}


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
@pytest.mark.parametrize("failure", list(FAILING_AT_RUN_TIME))
def test_rule_failing_on_the_data_is_its_evaluation_error_and_the_others_stand(tmp_path, estate, engine, failure):
    body, params = FAILING_AT_RUN_TIME[failure]
    if engine == "regopy" and failure == "type-error":
        pytest.skip("rego-cpp answers a run-time type error with 'undefined', not an error (bench/README.md)")
    rules = bad_rule(tmp_path, "package mlcheck.bad\n\nimport rego.v1\n\n" + body)
    code, report, out = scan(tmp_path, str(estate), "--rules", str(rules), "--rego-engine", engine,
                             "--config", config(tmp_path, **params))
    assert code == 3, out
    reason = evaluation_error(report)
    assert reason.startswith("data.mlcheck.bad.hits could not be evaluated: ") and REASONS[failure] in reason, reason
    assert "1 rule evaluation error(s)" in out
    entry = next(r for r in report["rules"] if r["id"] == "MLC-BAD-001")
    assert entry["error"] == reason and entry["hits"] == 0


def rules_sharing_an_input(tmp_path: Path, failure: str) -> Path:
    """The custom CSV rule and a failing one, both without check.input (the whole graph):
    one input, one process."""
    rules = custom_rules(tmp_path)
    write_rules(rules, {"MLC-BAD-001.yaml": RULE_YAML.format(id="MLC-BAD-001", title="Broken",
                                                             ref="data.mlcheck.bad.hits"),
                        "broken.rego": "package mlcheck.bad\n\nimport rego.v1\n\n" + FAILING_AT_RUN_TIME[failure][0]})
    return rules


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_rules_sharing_an_input_share_a_process_but_not_a_failure(tmp_path, estate, engine):
    rules = rules_sharing_an_input(tmp_path, "huge-result")
    code, report, out = scan(tmp_path, str(estate), "--rules", str(rules), "--rego-engine", engine,
                             "--config", config(tmp_path, rego_max_result_bytes=100_000))
    assert code == 3, out
    assert REASONS["huge-result"] in evaluation_error(report)
    assert flagged(report, "MLC-CUST-001") == {BIG, SMALL}      # its neighbour answered


def test_a_shared_process_that_times_out_fails_every_rule_in_it_and_names_them(tmp_path, estate):
    rules = rules_sharing_an_input(tmp_path, "time-out")
    code, report, out = scan(tmp_path, str(estate), "--rules", str(rules), "--config", config(tmp_path, rego_timeout=2))
    assert code == 3, out
    errors = {e["rule_id"]: e["reason"] for e in report["evaluation_errors"]}
    assert set(errors) == {"MLC-BAD-001", "MLC-CUST-001"}
    assert all("did not finish within 4 s" in r and "MLC-BAD-001, MLC-CUST-001" in r for r in errors.values()), errors


def test_a_group_input_serves_every_rule_in_it():
    """Attributes: the union where each projects the kind, whole where one does not;
    provenance when one reads it; kinds, edges and where are the group's key."""
    from checker.engines.rego import merged_input, shared_inputs
    from checker.rule import Rule

    def rule(rule_id, **declared):
        declared = {"kinds": ["run", "dataset"], "edges": ["reads"], **declared}
        return Rule(id=rule_id, title="t", severity="low", category="c", controls={}, description="d",
                    remediation="r", check={"rego": "data.x.y", "input": declared}, path="p")

    a = rule("A", attrs={"run": ["name"], "dataset": ["pinned"]}, provenance=False)
    b = rule("B", attrs={"run": ["run_id"]}, provenance=False)
    c = rule("C", edges=["reads", "writes"])
    assert [[r.id for r in g] for g in shared_inputs([a, c, b])] == [["A", "B"], ["C"]]
    merged = merged_input([a, b]).check["input"]
    assert merged["attrs"] == {"run": ["name", "run_id"]} and merged["provenance"] is False
    assert merged_input([a, rule("D")]).check["input"].get("attrs") is None
    assert merged_input([a, rule("D")]).check["input"]["provenance"] is True


def test_console_names_the_rule_that_could_not_be_evaluated(tmp_path, estate):
    rules = bad_rule(tmp_path, 'package mlcheck.bad\n\nimport rego.v1\n\nhits := "not a set"\n')
    result = run_cli("scan", str(estate), "--rules", str(rules))
    assert result.exit_code == 3, result.output
    assert "MLC-BAD-001" in result.output and "must be a set of objects" in result.output
    assert "MLC-REPO-003" in result.output and "data/big.csv" in result.output     # the other findings


@pytest.mark.parametrize("params, complaint", [
    ({"rego_timeout": 0}, "params.rego_timeout"),          # the config schema names the field
    ({"rego_max_result_bytes": "1MB"}, "params.rego_max_result_bytes"),
], ids=["timeout", "max-bytes"])
def test_bad_evaluation_bounds_are_a_usage_error(tmp_path, estate, params, complaint):
    code, report, out = scan(tmp_path, str(estate), "--config", config(tmp_path, **params))
    assert code == 2 and report is None and complaint in out


def test_unknown_rego_engine_is_a_usage_error(tmp_path, estate):
    code, _, out = scan(tmp_path, str(estate), "--rego-engine", "wasm")
    assert code == 2 and "unknown Rego engine 'wasm' (known: regorus, regopy)" in out


def test_regorus_and_regopy_give_the_same_findings(tmp_path, estate):
    rules = custom_rules(tmp_path)
    code_a, a, out_a = scan(tmp_path, str(estate), "--rules", str(rules), "--rego-engine", "regorus")
    code_b, b, out_b = scan(tmp_path, str(estate), "--rules", str(rules), "--rego-engine", "regopy")
    assert code_a == code_b and findings(a) == findings(b), (out_a, out_b)
    assert flagged(a, "MLC-CUST-001") == {BIG, SMALL}


# -- each rule gets only what it declares ------------------------------------------------------

SEEN_POLICY = """\
package mlcheck.seen

import rego.v1

# Flags every node it is given, and says which edges it was given.
nodes contains {"node": id, "message": n.kind, "evidence": {"edges": input.edges}} if {
	some id, n in input.nodes
}
"""


def seen_rule(tmp_path: Path, check_input: str) -> Path:
    return write_rules(tmp_path / "seen", {
        "MLC-SEEN-001.yaml": RULE_YAML.format(id="MLC-SEEN-001", title="Flags every node it is given",
                                              ref="data.mlcheck.seen.nodes").replace(
            "  applies_to:\n    kind: file\n", check_input),
        "seen.rego": SEEN_POLICY})


def test_rule_sees_only_the_kinds_it_declares_whatever_other_rules_read(tmp_path, estate):
    """MLC-REPO-003 reads every file; a rule declaring `repo` must still see only the repo."""
    rules = seen_rule(tmp_path, "  input: {kinds: [repo]}\n")
    code, report, out = scan(tmp_path, str(estate), "--rules", str(rules))
    assert code in (0, 1), out
    seen = [f for f in report["findings"] if f["rule_id"] == "MLC-SEEN-001"]
    assert {f["message"] for f in seen} == {"repo"} and len(seen) == report["summary"]["nodes_by_kind"]["repo"]
    assert all(f["evidence"]["edges"] == [] for f in seen)     # repo → file/commit edges lead outside
    assert flagged(report, "MLC-REPO-003") == {BIG}            # the file rule still got its files
    # No applies_to: the rule applies to every node of the kinds it reads.
    entry = next(r for r in report["rules"] if r["id"] == "MLC-SEEN-001")
    assert entry["applicable"] == report["summary"]["nodes_by_kind"]["repo"]


def test_declared_edges_are_kept_even_when_an_end_lies_outside(tmp_path, estate):
    rules = seen_rule(tmp_path, "  input: {kinds: [repo], edges: [contains]}\n")
    _, report, out = scan(tmp_path, str(estate), "--rules", str(rules))
    (seen,) = [f for f in report["findings"] if f["rule_id"] == "MLC-SEEN-001"]
    edges = seen["evidence"]["edges"]
    assert edges and {e["kind"] for e in edges} == {"contains"} and {e["src"] for e in edges} == {seen["node"]}
    assert {BIG, SMALL, LFS} <= {e["dst"] for e in edges}


def test_rego_rule_with_neither_applies_to_nor_input_names_the_missing_field(tmp_path, estate):
    rules = seen_rule(tmp_path, "")
    code, _, out = scan(tmp_path, str(estate), "--rules", str(rules))
    assert code == 2 and "MLC-SEEN-001.yaml: check: 'applies_to' is a required property" in out


# -- the sandbox: no environment, no network, no files -----------------------------------------

CANARY = "canary-7f3a9c2e-token-value"


def leak_rule(tmp_path: Path, expression: str) -> Path:
    """A rule that puts what `expression` yields into a finding message, on every repo node."""
    return write_rules(tmp_path / "leak", {
        "MLC-LEAK-001.yaml": RULE_YAML.format(id="MLC-LEAK-001", title="Tries to read outside its input",
                                              ref="data.mlcheck.leak.hits").replace("kind: file", "kind: repo"),
        "leak.rego": "package mlcheck.leak\n\nimport rego.v1\n\n"
                     f"got := {expression}\n\n"
                     'hits contains {"node": id, "message": sprintf("got %v", [got]), "evidence": {}} if {\n'
                     '\tsome id, n in input.nodes\n\tn.kind == "repo"\n}\n'})


@pytest.mark.parametrize("builtin", ["opa.runtime()", 'http.send({"method": "GET", "url": "http://127.0.0.1:9/x"})'])
def test_policies_calling_network_or_environment_builtins_are_refused(tmp_path, estate, builtin):
    """OPA's capabilities, applied at load: a shared rule cannot even ask."""
    rules = leak_rule(tmp_path, builtin)
    code, report, out = scan(tmp_path, str(estate), "--rules", str(rules))
    assert code == 2 and report is None
    assert "leak.rego" in out and f"calls {builtin.split('(')[0]}" in out and "line 5" in out


def sandboxed(engine: str, expression: str, **env) -> str:
    """What `expression` yields in an embedded engine's child process, as the scan runs it,
    past the load-time check (the sandbox is the second line of defence)."""
    from checker.engines.rego_embedded import ENGINES
    module = f"package mlcheck.leak\n\nimport rego.v1\n\ngot := {expression}\n"
    built = ENGINES[engine]([("leak.rego", module)], "{}")
    answers = run_all({"got": lambda: built.evaluate("data.mlcheck.leak.got", "{}").encode()}, 60, 2**20, 1)
    answer = answers["got"]
    return answer.decode() if isinstance(answer, bytes) else f"failed: {answer}"


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_child_process_holds_no_environment(engine, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", CANARY)
    got = sandboxed(engine, 'object.get(opa.runtime(), "env", {})')
    assert CANARY not in got and json.loads(got) == {}


class Listener:
    """A loopback TCP listener that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_child_process_http_send_never_connects(engine, listener):
    got = sandboxed(engine, f'http.send({{"method": "GET", "url": "{listener.url}/x", "raise_error": false}})')
    time.sleep(0.5)                     # let the listener thread pick up a late connection, if any
    assert listener.connections == 0 and "200" not in got


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_child_process_http_send_cannot_read_a_file(tmp_path, engine):
    secret = tmp_path / "secret.txt"
    secret.write_text(CANARY, encoding="utf-8")
    got = sandboxed(engine, f'http.send({{"method": "GET", "url": "file://{secret}", "raise_error": false}})')
    assert CANARY not in got


def test_unreachable_opa_url_fails_fast_and_clearly(tmp_path, estate):
    url = f"http://127.0.0.1:{closed_port()}"
    code, report, out = scan(tmp_path, str(estate), "--opa-url", url)
    assert code == 2 and report is None
    assert f"OPA server {url}" in out and "unreachable" in out and "Connection refused" in out
    assert "Traceback" not in out


def test_opa_server_that_never_answers_is_bounded_and_named(tmp_path, estate, listener_silent):
    """A server that accepts connections and never answers: one bounded wait, then a clear error."""
    code, report, out = scan(tmp_path, str(estate), "--opa-url", listener_silent,
                             "--config", config(tmp_path, rego_timeout=1))
    assert code == 2 and report is None
    assert f"OPA server {listener_silent} accepted the connection but sent no answer within 1 s" in out


@pytest.fixture
def listener_silent():
    """Accepts connections (the kernel's backlog does) and never reads or answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_opa_url_that_is_not_http_is_a_usage_error(tmp_path, estate):
    code, _, out = scan(tmp_path, str(estate), "--opa-url", "ftp://opa.example.com")
    assert code == 2 and "expected http(s)://host[:port]" in out


# -- stdout stays a clean report stream ------------------------------------------------------

def test_rego_parse_errors_stay_off_stdout(tmp_path, estate):
    """rego-cpp prints an "Errors:" block on the process's stdout when a module does not parse."""
    rules = bad_rule(tmp_path, "package mlcheck.bad\n\nimport rego.v1\n\nhits contains x if {\n  x := [1,\n}\n")
    proc = run_mlcheck("scan", str(estate), "--rules", str(rules), "--format", "json")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "broken.rego" in proc.stderr


def test_rego_print_output_goes_to_stderr_and_json_stdout_stays_parseable(tmp_path, estate):
    rules = write_rules(tmp_path / "chatty", {
        "MLC-CHAT-001.yaml": RULE_YAML.format(id="MLC-CHAT-001", title="A policy that prints while it runs",
                                              ref="data.mlcheck.chatty.hits"),
        "chatty.rego": """\
            package mlcheck.chatty

            import rego.v1

            hits contains {"node": id, "message": "csv", "evidence": {}} if {
                some id, f in input.nodes
                f.attrs.ext == ".csv"
                print("debug from rego:", f.attrs.path)
            }
            """})
    proc = run_mlcheck("scan", str(estate), "--rules", str(rules), "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    assert {f["node"] for f in report["findings"] if f["rule_id"] == "MLC-CHAT-001"} == {BIG, SMALL, LFS}
    assert "debug from rego: data/big.csv" in proc.stderr


# -- Rego unit tests --------------------------------------------------------------------------

def test_rules_test_runs_builtin_rego_unit_tests():
    test_file = builtin_rules_dir() / "repo" / "MLC-REPO-003" / "policy_test.rego"
    names = re.findall(r"^(test_\w+)\s+if\b", test_file.read_text(encoding="utf-8"), re.MULTILINE)
    assert names
    result = run_cli("rules", "test")
    for name in names:
        assert f"PASS rego repo/MLC-REPO-003/policy_test.rego::{name}" in result.output, result.output


def test_failing_rego_unit_test_in_custom_dir_is_reported(tmp_path):
    rules = write_rules(tmp_path / "corp", {
        "corp.rego": """\
            package corp.checks

            import rego.v1

            big_files contains id if {
                some id, f in input.nodes
                f.attrs.size > 100
            }
            """,
        "corp_test.rego": """\
            package corp.checks_test

            import data.corp.checks
            import rego.v1

            test_big_file_found if {
                checks.big_files == {"a"} with input.nodes as {"a": {"attrs": {"size": 101}}}
            }

            test_small_file_found if {
                checks.big_files == {"a"} with input.nodes as {"a": {"attrs": {"size": 5}}}
            }
            """})
    result = run_cli("rules", "test", str(rules))
    assert result.exit_code == 1, result.output
    assert "PASS rego corp_test.rego::test_big_file_found" in result.output
    assert "FAIL rego corp_test.rego::test_small_file_found" in result.output
    assert "1 passed, 1 failed" in result.output


# -- the double itself and a real OPA ----------------------------------------------------------

def test_double_answers_in_opa_shapes(opa):
    """The responses mlcheck's client relies on, shaped as the OPA REST API documents them."""
    bad = requests.put(f"{opa.url}/v1/policies/x", data="package x\n\nallow if {\n", timeout=5)
    assert bad.status_code == 400
    body = bad.json()
    assert body["code"] == "invalid_parameter" and body["message"] == "error(s) occurred while compiling module(s)"
    assert body["errors"][0]["code"] == "rego_parse_error" and body["errors"][0]["location"]["file"] == "x"
    ok = requests.put(f"{opa.url}/v1/policies/x", data="package x\n\nimport rego.v1\n\nallow if input.user == data.users.admin\n",
                      headers={"Content-Type": "text/plain"}, timeout=5)
    assert (ok.status_code, ok.json()) == (200, {})
    assert requests.put(f"{opa.url}/v1/data/users", json={"admin": "ada"}, timeout=5).status_code == 204
    assert requests.post(f"{opa.url}/v1/data/x/allow", json={"input": {"user": "ada"}}, timeout=5).json() == {"result": True}
    assert requests.post(f"{opa.url}/v1/data/x/allow", json={"input": {"user": "bob"}}, timeout=5).json() == {}
    assert requests.get(f"{opa.url}/health", timeout=5).status_code == 200


@pytest.mark.skipif(shutil.which("opa") is None,
                    reason="no `opa` binary on PATH (it cannot be installed on these machines); "
                           "tests/opa_double.py covers the REST contract")
def test_real_opa_binary_gives_same_findings(tmp_path, estate):
    port = closed_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(["opa", "run", "--server", "--addr", f"127.0.0.1:{port}", "--log-level", "error"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if requests.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "opa did not start"
            time.sleep(0.2)
        rules = custom_rules(tmp_path)
        _, embedded, _ = scan(tmp_path, str(estate), "--rules", str(rules))
        code, served, out = scan(tmp_path, str(estate), "--rules", str(rules), "--opa-url", url)
        assert code in (0, 1) and findings(served) == findings(embedded), out
        assert flagged(served, "MLC-REPO-003") == {BIG} and flagged(served, "MLC-CUST-001") == {BIG, SMALL}
        code, _, out = scan(tmp_path, str(estate), "--opa-url", url,
                            "--rules", str(bad_rule(tmp_path, "package mlcheck.bad\n\nhits contains x if {\n")))
        assert code == 2 and "broken.rego" in out
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# -- the child process itself (checker/engines/rego_isolate.py) --------------------------------

def open_file(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def connect(url: str) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    socket.create_connection((host, int(port)), timeout=2).close()
    return b"connected"


def test_child_opens_no_file_and_no_socket_and_sees_no_environment(tmp_path, listener, monkeypatch):
    secret = tmp_path / "secret.txt"
    secret.write_text(CANARY, encoding="utf-8")
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", CANARY)
    answers = run_all({"file": lambda: open_file(secret), "socket": lambda: connect(listener.url),
                       "env": lambda: json.dumps(dict(os.environ)).encode()}, timeout=30, max_bytes=10_000, workers=2)
    assert isinstance(answers["file"], TaskFailed) and "Too many open files" in str(answers["file"])
    assert isinstance(answers["socket"], TaskFailed)       # EMFILE or EBADF, by the resolver's path
    assert answers["env"] == b"{}"
    time.sleep(0.5)
    assert listener.connections == 0


def test_child_past_its_deadline_or_bound_or_dying_is_a_named_failure():
    answers = run_all({"slow": lambda: time.sleep(60) or b"late", "big": lambda: b"x" * 5_000_000,
                       "crash": lambda: os.kill(os.getpid(), signal.SIGSEGV) or b"", "fine": lambda: b"ok"},
                      timeout=1, max_bytes=1_000_000, workers=2)
    assert str(answers["slow"]) == "did not finish within 1 s (params.rego_timeout); its engine process was stopped"
    assert "over the 1,000,000-byte bound (params.rego_max_result_bytes)" in str(answers["big"])
    assert str(answers["crash"]) == "its engine process died (SIGSEGV) without an answer"
    assert answers["fine"] == b"ok"


def test_a_child_per_worker_takes_task_after_task_and_a_failure_costs_only_its_task():
    """Tasks share a worker child (one fork per core, not per rule); a task that fails,
    crashes or overruns is named alone and the tasks after it still answer, from a new child."""
    def pid() -> bytes:
        return str(os.getpid()).encode()

    quiet = run_all({f"t{i}": pid for i in range(12)}, timeout=30, max_bytes=1000, workers=2)
    assert len(set(quiet.values())) <= 2 and os.getpid() not in {int(v) for v in quiet.values()}

    def fail() -> bytes:
        raise ValueError("engine said no")
    tasks = {"a": pid, "fail": fail, "b": pid, "crash": lambda: os.kill(os.getpid(), signal.SIGKILL) or b"",
             "c": pid, "slow": lambda: time.sleep(60) or b"late", "d": pid, "big": lambda: b"x" * 5000, "e": pid}
    answers = run_all(tasks, timeout=1, max_bytes=1000, workers=1)
    assert str(answers["fail"]) == "engine said no"
    assert str(answers["crash"]) == "its engine process died (SIGKILL) without an answer"
    assert str(answers["slow"]).startswith("did not finish within 1 s")
    assert "over the 1,000-byte bound" in str(answers["big"])
    pids = [answers[k] for k in "abcde"]
    assert all(p.isdigit() for p in pids) and len(set(pids)) == 5     # each failure: a fresh child


@pytest.mark.parametrize("fork", [True, False])
def test_each_answer_is_told_once_as_it_comes_and_a_callers_error_leaves_no_child(fork, monkeypatch):
    """on_answer hears every task once, failures too, before run_all returns (the Rego
    engine judges one group's hits while the others run); an exception it raises ends the
    run and stops every child."""
    if not fork:
        monkeypatch.setattr("checker.engines.rego_isolate.can_fork", lambda: False)
    told = []
    tasks = {"quick": lambda: b"1", "slow": lambda: time.sleep(0.5) or b"2",
             "fail": lambda: (_ for _ in ()).throw(ValueError("no")), "late": lambda: time.sleep(60) or b"x"}
    if not fork:
        del tasks["late"]                       # in this process, nothing can stop it
    answers = run_all(tasks, timeout=2, max_bytes=100, workers=2,
                      on_answer=lambda key, answer: told.append((key, answer)))
    assert sorted(k for k, _ in told) == sorted(tasks) and dict(told) == answers
    assert answers["quick"] == b"1" and str(answers["fail"]) == "no"
    if fork:
        assert told[-1][0] == "late" and str(answers["late"]).startswith("did not finish")

    def refuse(key, answer):
        raise RuntimeError(f"judging {key} failed")
    before = my_children()
    with pytest.raises(RuntimeError, match="judging quick failed"):
        run_all({"quick": lambda: b"1", "late": lambda: time.sleep(60) or b"x"}, timeout=30, max_bytes=100,
                workers=2, on_answer=refuse)
    assert my_children() <= before              # the late task's child was stopped and waited for


def my_children() -> set[int]:
    """This process's child processes (Linux /proc), zombies included."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == os.getpid():
            found.add(int(stat.parent.name))
    return found


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_without_fork_rules_run_in_this_process_with_the_same_findings(tmp_path, estate, engine, monkeypatch):
    """Where os.fork does not exist (Windows): same findings, a failing rule still costs only itself."""
    rules = custom_rules(tmp_path)
    _, forked, _ = scan(tmp_path, str(estate), "--rules", str(rules), "--rego-engine", engine)
    monkeypatch.setattr("checker.engines.rego_isolate.can_fork", lambda: False)
    monkeypatch.setattr("os.fork", lambda: pytest.fail("forked"))
    code, here, out = scan(tmp_path, str(estate), "--rules", str(rules), "--rego-engine", engine)
    assert code in (0, 1) and findings(here) == findings(forked), out
    bad = bad_rule(tmp_path, 'package mlcheck.bad\n\nimport rego.v1\n\nhits := "not a set"\n')
    code, report, out = scan(tmp_path, str(estate), "--rules", str(bad), "--rego-engine", engine)
    assert code == 3 and "must be a set of objects" in evaluation_error(report), out


def test_rule_input_where_sends_only_nodes_the_condition_does_not_rule_out():
    """check.input.where: nodes of the listed kinds are sent when the condition holds or is
    unknown; the rest stay out, and edges of the listed kinds still reach outside."""
    from checker.engines.rego import rule_input
    from checker.graph import EstateGraph
    from checker.rule import Rule
    g = EstateGraph()
    g.add_node("resource", "st", {"type": "storage_account"})
    g.add_node("resource", "ws", {"type": "ml_workspace"})
    g.add_node("resource", "vnet", {"type": "other"})
    g.add_node("resource", "mystery", {"unknown": {"type": {"expression": "var.t", "reason": "no default"}}})
    g.add_node("run", "r1", {})
    g.add_edge("resource:ws", "resource:st", "uses")
    g.add_edge("resource:vnet", "resource:st", "uses")
    check = {"rego": "data.x.y", "input": {"kinds": ["resource"], "edges": ["uses"],
                                          "where": {"attr": "type", "in": ["storage_account", "ml_workspace"]}}}
    rule = Rule("X-1", "t", "high", "network", {}, "d", "r", check, "x/rule.yaml")
    doc = rule_input(rule, graph=g)
    assert set(doc["nodes"]) == {"resource:st", "resource:ws", "resource:mystery"}
    assert {(e["src"], e["dst"]) for e in doc["edges"]} == {("resource:ws", "resource:st"),
                                                           ("resource:vnet", "resource:st")}


def test_preparing_the_engine_before_the_fork_evaluates_no_policy():
    # The parent prepares regorus's modules once for every rule process it forks; a policy
    # evaluated there would run outside the children's time bound (params.rego_timeout):
    # coverage shows that no line of a policy ran.
    from checker.engines.rego_embedded import Regorus
    engine = Regorus([("spin.rego", "package spin\n\nimport rego.v1\n\nx := count(input.nodes)\n\n"
                                    "hits contains i if {\n\tsome i in numbers.range(1, 3)\n\ti < 0\n}\n")], "{}")
    engine._engine.set_enable_coverage(True)
    engine.prepare()
    assert json.loads(engine._engine.get_coverage_report_as_json())["files"] == []
    engine.set_input('{"nodes": {}}')
    assert engine.query("data.spin.x") == "0"      # and answers as before
