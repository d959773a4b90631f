"""The sharded CI examples in docs/ci (issue 13, part 3): read by mlcheck's own CI parsers
without an error, and the GitHub one run as written — its matrix jobs' collect command, then
its merge job's script — gives what a single scan of the same estate gives."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import REPO_ROOT, collect_graph, run_cli

DOCS = REPO_ROOT / "docs" / "ci"
GITHUB = DOCS / "github-sharded-nightly.yml"
AZURE = DOCS / "azure-pipelines-sharded-nightly.yml"


def parsed(tmp_path: Path):
    """Both examples placed where a repository keeps them, collected by the CI parsers."""
    tree = tmp_path / "ci"
    (tree / ".github" / "workflows").mkdir(parents=True)
    (tree / ".pipelines").mkdir()
    shutil.copy(GITHUB, tree / ".github" / "workflows" / "nightly.yml")
    shutil.copy(AZURE, tree / ".pipelines" / "nightly.yml")
    return collect_graph(tree)


def steps(graph, job: str) -> list[dict]:
    found = sorted((nid, d["attrs"]) for nid, d in graph.nodes("step") if nid.startswith(f"step:ci:fs:./{job}/"))
    return [attrs for _, attrs in sorted(found, key=lambda s: s[1]["index"])]


def test_both_examples_parse_cleanly_with_a_collect_and_a_merge_job(tmp_path):
    graph = parsed(tmp_path)
    assert graph.errors == []
    jobs = {nid: d["attrs"] for nid, d in graph.nodes("job")}
    gh, az = "job:ci:fs:./.github/workflows/nightly.yml", "job:ci:fs:./.pipelines/nightly.yml"
    assert jobs[f"{gh}#merge"]["needs"] == ["collect"] and jobs[f"{az}#merge.merge"]["needs"] == ["collect.collect"]
    runs = [s.get("run", "") for job in (".github/workflows/nightly.yml#collect", ".pipelines/nightly.yml#collect.collect")
            for s in steps(graph, job)]
    assert any("--shard ${{ matrix.shard }}/4" in r for r in runs)
    assert any("--shard $(System.JobPositionInPhase)/$(System.TotalJobsInPhase)" in r for r in runs)
    assert yaml.safe_load(AZURE.read_text())["stages"][0]["jobs"][0]["strategy"] == {"parallel": 4}


def test_the_github_example_runs_as_written_and_equals_a_single_scan(tmp_path):
    graph = parsed(tmp_path)
    workflow = yaml.safe_load(GITHUB.read_text())
    shards = workflow["jobs"]["collect"]["strategy"]["matrix"]["shard"]
    collect = next(s["run"] for s in steps(graph, ".github/workflows/nightly.yml#collect") if "mlcheck collect" in s.get("run", ""))
    merge = next(s["run"] for s in steps(graph, ".github/workflows/nightly.yml#merge") if "mlcheck scan" in s.get("run", ""))
    estate = str(REPO_ROOT / "samples" / "estate")
    # What only the organisation has is swapped for the sample: the estate's path, the cache
    # folder, and the MLflow server (the sample's store is found in the estate instead).
    local = {"/srv/estate": estate, "/srv/mlcheck-cache": str(tmp_path / "cache"),
             " --source mlflow=https://mlflow.internal.example": ""}
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    work = tmp_path / "runner"
    (work / "shards").mkdir(parents=True)
    for shard in shards:                               # each matrix job; artifacts into shards/
        command = collect.replace("${{ matrix.shard }}", str(shard))
        for ours, theirs in local.items():
            command = command.replace(ours, theirs)
        done = subprocess.run(["bash", "-c", command], cwd=work, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        (work / f"shard-{shard}.json").rename(work / "shards" / f"shard-{shard}.json")
    merged = subprocess.run(["bash", "-c", merge], cwd=work, env=env, capture_output=True, text=True)
    single = run_cli("scan", estate, "--format", "sarif", "--output", str(tmp_path / "single.sarif"))
    assert merged.returncode == single.exit_code == 1, merged.stderr
    results = [json.loads(p.read_text())["runs"][0]["results"] for p in (work / "mlcheck.sarif", tmp_path / "single.sarif")]
    assert results[0] == results[1] and len(results[0]) > 50
    assert (work / "mlcheck.md").stat().st_size > 0
