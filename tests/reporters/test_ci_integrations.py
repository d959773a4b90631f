"""The GitHub Action (action.yml) and the Azure Pipelines template, their steps run as
scripts the way each runner runs them: expressions and macros substituted, `bash -eo
pipefail`, the runner's files (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) real. The install step
really installs mlcheck from this repository into a fresh venv; the scan runs on the
sample estate. Steps that call another action or task (upload-sarif, PublishTestResults)
cannot run here: their inputs are checked to name the files the scan wrote."""
from __future__ import annotations

import json
import os
import re
import subprocess

import pytest
import xmlschema
import yaml

from conftest import REPO_ROOT
from .conftest import SCHEMAS

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def lookup(expr: str, ctx: dict) -> str:
    """`inputs.x`, `steps.scan.outputs.y`, `parameters.z` or `join(' ', parameters.z)`."""
    joined = re.fullmatch(r"join\('(.*?)',\s*(.+)\)", expr)
    value = ctx
    for part in (joined.group(2) if joined else expr).split("."):
        value = value.get(part, "") if isinstance(value, dict) else ""
    return joined.group(1).join(value) if joined else str(value)


def substitute(text: str, ctx: dict, macros: dict | None = None) -> str:
    text = EXPR.sub(lambda m: lookup(m.group(1), ctx), text)
    for name, value in (macros or {}).items():
        text = text.replace(f"$({name})", value)
    return text


def run_step(step: dict, ctx: dict, env: dict, macros: dict | None = None) -> subprocess.CompletedProcess:
    script = substitute(step.get("run") or step["bash"], ctx, macros)
    step_env = {k: substitute(str(v), ctx, macros) for k, v in (step.get("env") or {}).items()}
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=REPO_ROOT,
                          env={**env, **step_env}, capture_output=True, text=True, timeout=900)


def outputs(path) -> dict:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


@pytest.fixture(scope="module")
def runner(tmp_path_factory):
    """A runner's temp dir holding the venv the action's install step made (once)."""
    temp = tmp_path_factory.mktemp("runner")
    action = yaml.safe_load((REPO_ROOT / "action.yml").read_text(encoding="utf-8"))
    install = action["runs"]["steps"][0]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(RUNNER_TEMP=str(temp), GITHUB_ACTION_PATH=str(REPO_ROOT))
    done = run_step(install, {}, env)
    if done.returncode != 0 and "No matching distribution" in done.stderr + done.stdout:
        pytest.skip(f"pip cannot reach a package index to install mlcheck: {done.stderr[-400:]}")
    assert done.returncode == 0, done.stderr
    return temp, env, action


def run_action(runner, tmp_path, inputs: dict) -> tuple[dict, str, dict]:
    temp, env, action = runner
    defaults = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    ctx = {"inputs": {**defaults, **inputs}, "steps": {}}
    out_file, summary = tmp_path / "github_output", tmp_path / "step_summary"
    out_file.write_text(""), summary.write_text("")
    env = {**env, "GITHUB_OUTPUT": str(out_file), "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTIONS": "true"}
    scan = next(s for s in action["runs"]["steps"] if s.get("id") == "scan")
    done = run_step(scan, ctx, env)
    assert done.returncode == 0, done.stderr         # the scan step itself never fails: the gate does
    ctx["steps"]["scan"] = {"outputs": outputs(out_file)}
    return ctx, done.stdout, {"summary": summary.read_text(encoding="utf-8"), "env": env}


def test_action_scans_uploads_sarif_summarises_and_gates(runner, tmp_path, sample_result):
    ctx, stdout, files = run_action(runner, tmp_path, {"paths": "samples/estate"})
    scan_outputs = ctx["steps"]["scan"]["outputs"]
    assert scan_outputs["exit-code"] == "1"
    failing = sample_result.summary["gate"]["failing"]
    assert files["summary"].startswith(f"## mlcheck: ❌ FAIL: {failing} new finding(s) at or above **high**")
    assert stdout.count("::error file=") == failing and stdout.rstrip().endswith("at or above high")
    steps = runner[2]["runs"]["steps"]
    upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
    assert SHA_PIN.match(upload["uses"]), "third-party actions are pinned by commit sha"
    assert "steps.scan.outputs.sarif-file != ''" in upload["if"] and "inputs.upload-sarif == 'true'" in upload["if"]
    sarif_path = substitute(upload["with"]["sarif_file"], ctx)
    doc = json.loads(open(sarif_path, encoding="utf-8").read())
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    import jsonschema
    jsonschema.validators.validator_for(schema)(schema).validate(doc)
    gate = steps[-1]
    assert run_step(gate, ctx, files["env"]).returncode == 1


def test_action_inputs_fail_on_and_baseline(runner, tmp_path, sample_result):
    temp, env, _ = runner
    baseline = tmp_path / "baseline.json"
    made = subprocess.run([str(temp / "mlcheck/venv/bin/mlcheck"), "baseline", "create", "samples/estate",
                           "-o", str(baseline)], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    ctx, stdout, files = run_action(runner, tmp_path, {"paths": "samples/estate", "baseline": str(baseline),
                                                       "fail-on": "low"})
    assert ctx["steps"]["scan"]["outputs"]["exit-code"] == "0", stdout
    assert "::error" not in stdout and f"**0 new** · {sum(f.status == 'open' for f in sample_result.findings)} baselined" in files["summary"]


def test_azure_template_publishes_junit_logs_issues_and_gates(runner, tmp_path, sample_result):
    temp, env, _ = runner
    template = yaml.safe_load((REPO_ROOT / "integrations/azure-pipelines/mlcheck.yml").read_text(encoding="utf-8"))
    params = {p["name"]: p.get("default", "") for p in template["parameters"]}
    params.update(install=str(REPO_ROOT), paths=["samples/estate"])
    macros = {"Agent.TempDirectory": str(temp), "Build.ArtifactStagingDirectory": str(tmp_path / "staging")}
    ctx = {"parameters": params}
    env = {**env, "TF_BUILD": "True"}
    install, scan, publish_junit, publish_sarif, gate = template["steps"]
    assert run_step(install, ctx, env, macros).returncode == 0
    done = run_step(scan, ctx, env, macros)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("##vso[task.logissue type=error;") == sample_result.summary["gate"]["failing"]
    code = re.search(r"##vso\[task\.setvariable variable=MLCHECK_EXIT_CODE\](\d)", done.stdout).group(1)
    assert code == "1"
    assert publish_junit["task"] == "PublishTestResults@2" and publish_junit["inputs"]["testResultsFormat"] == "JUnit"
    junit = substitute(publish_junit["inputs"]["testResultsFiles"], ctx, macros)
    xmlschema.XMLSchema(str(SCHEMAS / "junit-azure-devops.xsd")).validate(junit)
    assert os.path.isfile(substitute(publish_sarif["inputs"]["PathtoPublish"], ctx, macros))
    assert run_step(gate, ctx, {**env, "MLCHECK_EXIT_CODE": code}, macros).returncode == 1
