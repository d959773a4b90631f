"""Azure ML parser: real CLI v2 YAML specs (shapes from Azure/azureml-examples and the
published azuremlschemas.azureedge.net schemas) in real git repositories, bare clones and
folders. Nothing talks to Azure: the parser only reads the files."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import collect_graph, commit_files, git, make_repo, run_cli

from checker.graph import EstateGraph

DATA = Path(__file__).parent / "data" / "azureml"
T = "git:."
GOOD = ("jobs", "assets", "endpoints", "other")      # fixture folders without malformed specs


def aml_repo(tmp_path: Path, folders=GOOD) -> Path:
    """A git repository with one commit holding copies of fixture folders."""
    repo = tmp_path / "repo"
    for folder in folders:
        shutil.copytree(DATA / folder, repo / folder)
    make_repo(repo)
    commit_files(repo, {}, "Azure ML specs")
    return repo




@pytest.fixture(scope="module")
def graph(tmp_path_factory) -> EstateGraph:
    return collect_graph(aml_repo(tmp_path_factory.mktemp("aml")))


def attrs(graph: EstateGraph, nid: str) -> dict:
    assert nid in graph, f"{nid} not collected"
    return graph.node(nid)["attrs"]


def edges(graph: EstateGraph, nid: str, kind: str) -> set[str]:
    return set(graph.out_edges(nid, kind))


JOB = f"job:azureml:{T}/jobs/command-job.yml"
PIPELINE = f"job:azureml:{T}/jobs/pipeline-job.yml"


# -- jobs ---------------------------------------------------------------------------

def test_command_job_node(graph):
    a = attrs(graph, JOB)
    assert a["schema"] == "https://azuremlschemas.azureedge.net/latest/commandJob.schema.json"
    assert a["type"] == "command"          # from the schema: the file names no type
    assert (a["name"], a["display_name"], a["experiment_name"]) == ("churn-train-01", "churn-train", "churn")
    assert (a["compute"], a["code"]) == ("azureml:cpu-cluster", "src")
    assert a["environment"] == "azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu:3"
    assert a["command"].startswith("python train.py --training ${{inputs.training}}")
    assert a["inputs"]["training"] == {"type": "uri_folder", "path": "azureml:churn-training:3"}
    assert a["inputs"]["learning_rate"] == {"value": 0.01}
    assert a["inputs"]["private_blob"]["path"] == "https://contoso.blob.core.windows.net/raw/churn.csv"
    assert a["outputs"] == {"model": {"type": "mlflow_model", "mode": "upload"}}
    assert edges(graph, JOB, "defined_in") == {f"file:{T}/jobs/command-job.yml"}


# input name → (dataset id, ref_kind, pinned, pin_reason)
REFERENCES = {
    "training": ("dataset:azureml:churn-training:3", "asset", True, None),
    "labels": ("dataset:azureml:churn-labels@latest", "asset", False, "latest label"),
    "raw": ("dataset:azureml:churn-raw@latest", "asset", False, "no version"),
    "iris": ("dataset:azureml:datastores/workspaceblobstore/paths/example-data/iris.csv",
             "datastore_path", False, "datastore path has no version"),
    "table": ("dataset:azureml:churn-table:2", "asset", True, None),
    "census": ("dataset:azureml:registries/shared-registry/census:5", "asset", True, None),
    "sample": (f"dataset:azureml:{T}/jobs/data/sample", "local", False, "local path"),
    "titanic": ("dataset:azureml:url/https://azuremlexamples.blob.core.windows.net/datasets/titanic.csv",
                "url", False, "URL has no version"),
    "private_blob": ("dataset:azureml:url/https://contoso.blob.core.windows.net/raw/churn.csv",
                     "url", False, "URL has no version"),
    "versioned_object": ("dataset:azureml:url/https://contoso-ml.s3.amazonaws.com/churn.csv"
                         "?versionId=3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY", "url", True, None),
    "previous_run": ("dataset:azureml:jobs/churn-prep-07/outputs/cleaned", "job_output", True, None),
}


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_each_reference_form_is_a_dataset_with_its_pin(graph, name):
    nid, ref_kind, pinned, pin_reason = REFERENCES[name]
    a = attrs(graph, nid)
    assert (a["ref_kind"], a["pinned"], a.get("pin_reason")) == (ref_kind, pinned, pin_reason)
    assert nid in edges(graph, JOB, "reads")
    # Referenced by the job, not defined by it: only a data spec gives a defined_in edge.
    specs = {f"file:{T}/assets/data-training.yml"} if name == "training" else set()
    assert edges(graph, nid, "defined_in") == specs


def test_reference_details(graph):
    assert attrs(graph, "dataset:azureml:churn-table:2")["workspace"] == "ws-ml"
    census = attrs(graph, "dataset:azureml:registries/shared-registry/census:5")
    assert (census["name"], census["version"], census["registry"]) == ("census", "5", "shared-registry")
    iris = attrs(graph, REFERENCES["iris"][0])
    assert (iris["datastore"], iris["path"]) == ("workspaceblobstore", "example-data/iris.csv")
    sample = attrs(graph, REFERENCES["sample"][0])
    assert (sample["path"], sample["reference"]) == ("jobs/data/sample", "./data/sample")
    assert sample["repo"] == f"repo:{T}"
    versioned = attrs(graph, REFERENCES["versioned_object"][0])
    assert versioned["version_id"] == "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"


def test_models_and_literals_are_not_datasets(graph):
    assert edges(graph, JOB, "reads") == {nid for nid, *_ in REFERENCES.values()}
    assert not any("churn-model" in nid for nid in edges(graph, JOB, "reads"))


def test_pipeline_job_children_and_bindings(graph):
    parent = attrs(graph, PIPELINE)
    assert (parent["type"], parent["display_name"]) == ("pipeline", "churn-pipeline")
    assert edges(graph, PIPELINE, "contains") == {f"{PIPELINE}#prep", f"{PIPELINE}#train"}
    assert edges(graph, PIPELINE, "reads") == {f"dataset:azureml:{T}/jobs/data",
                                               "dataset:azureml:churn-holdout:1"}
    prep = attrs(graph, f"{PIPELINE}#prep")
    assert (prep["name"], prep["type"]) == ("prep", "command")
    assert prep["component"] == "file:./components/prep.yml"
    assert prep["inputs"] == {"raw": {"binding": "${{parent.inputs.pipeline_input}}"}}
    assert not edges(graph, f"{PIPELINE}#prep", "reads")      # a binding is not a dataset
    train = attrs(graph, f"{PIPELINE}#train")
    assert train["inputs"]["cleaned"] == {"binding": "${{parent.jobs.prep.outputs.cleaned}}"}
    assert train["outputs"] == {"model": {"binding": "${{parent.outputs.final_output}}"}}
    assert train["environment"] == "azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest"
    assert edges(graph, f"{PIPELINE}#train", "reads") == {"dataset:azureml:churn-extra:4"}
    assert edges(graph, f"{PIPELINE}#train", "defined_in") == {f"file:{T}/jobs/pipeline-job.yml"}
    assert "schema" not in train


def test_sweep_and_automl_jobs(graph):
    sweep = f"job:azureml:{T}/jobs/sweep-job.yml"
    a = attrs(graph, sweep)
    assert (a["type"], a["code"], a["environment"]) == ("sweep", "src", "azureml:sklearn-1.0@latest")
    assert a["command"].startswith("python train.py")          # from `trial:`
    assert edges(graph, sweep, "reads") == {"dataset:azureml:churn-training:3"}
    automl = f"job:azureml:{T}/jobs/automl-job.yml"
    assert attrs(graph, automl)["type"] == "automl"
    assert edges(graph, automl, "reads") == {f"dataset:azureml:{T}/jobs/training-mltable-folder",
                                             "dataset:azureml:churn-validation:2"}


def test_components_are_not_jobs(graph):
    assert f"job:azureml:{T}/jobs/components/prep.yml" not in graph


# -- assets --------------------------------------------------------------------------

def test_data_spec_is_the_node_jobs_read(graph):
    nid = "dataset:azureml:churn-training:3"
    a = attrs(graph, nid)
    assert (a["name"], a["version"], a["type"], a["pinned"]) == ("churn-training", "3", "uri_folder", True)
    assert (a["path"], a["path_kind"], a["repo_path"]) == ("../data/prepared", "local", "data/prepared")
    assert a["defined_in"] == "assets/data-training.yml"
    assert edges(graph, nid, "defined_in") == {f"file:{T}/assets/data-training.yml"}
    readers = set(graph.in_edges(nid, "reads"))
    assert readers == {JOB, f"job:azureml:{T}/jobs/sweep-job.yml"}


def test_data_spec_without_version(graph):
    a = attrs(graph, "dataset:azureml:churn-labels")
    assert (a["pinned"], a["pin_reason"], a["path_kind"]) == (False, "no version", "datastore_path")


def test_model_and_environment_specs(graph):
    mv = "model_version:azureml:churn-model/2"
    a = attrs(graph, mv)
    assert (a["name"], a["version"], a["path"], a["type"]) == ("churn-model", "2", "../models/model.pkl",
                                                                "custom_model")
    assert edges(graph, mv, "version_of") == {"model:azureml:churn-model"}
    assert edges(graph, mv, "defined_in") == {f"file:{T}/assets/model.yml"}
    assert edges(graph, "model:azureml:churn-model", "defined_in") == {f"file:{T}/assets/model.yml"}
    env = attrs(graph, "environment:azureml:churn-env:7")
    assert (env["name"], env["version"], env["conda_file"]) == ("churn-env", "7", "conda.yml")
    assert env["image"] == "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest"
    assert not [nid for nid, _ in graph.nodes("environment") if "conda" in nid]   # conda.yml is no spec


# -- endpoints and deployments ---------------------------------------------------------

def test_endpoints(graph):
    online = attrs(graph, "endpoint:azureml:churn-endpoint")
    assert (online["kind"], online["auth_mode"]) == ("online", "key")
    assert online["public_network_access"] == "disabled"
    assert attrs(graph, "endpoint:azureml:churn-batch")["kind"] == "batch"
    # Named only by a deployment: a stub, not defined anywhere collected.
    assert attrs(graph, "endpoint:azureml:churn-k8s-endpoint") == {"name": "churn-k8s-endpoint"}
    assert not edges(graph, "endpoint:azureml:churn-k8s-endpoint", "defined_in")


@pytest.mark.parametrize("file, expected", [
    ("blue-deployment.yml", {"name": "blue", "endpoint_name": "churn-endpoint", "kind": "online",
                             "model": "azureml:churn-model:2", "model_name": "churn-model",
                             "model_version": "2", "instance_type": "Standard_DS3_v2",
                             "environment": "azureml:churn-env:7"}),
    ("green-deployment.yml", {"model": "azureml:churn-model@latest", "model_name": "churn-model",
                              "model_label": "latest", "model_pinned": False,
                              "egress_public_network_access": "disabled"}),
    ("k8s-deployment.yml", {"model": "inline", "model_path": "model-1/model", "environment": "inline",
                            "environment_image":
                                "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest"}),
    ("batch-deployment.yml", {"kind": "batch", "model": "inline", "model_name": "churn-model-batch",
                              "model_path": "endpoints/model", "compute": "azureml:batch-cluster",
                              "instance_count": 2, "type": "model"}),
])
def test_deployment_model_references(graph, file, expected):
    nid = f"deployment:azureml:{T}/endpoints/{file}"
    a = attrs(graph, nid)
    assert {k: a.get(k) for k in expected} == expected
    if file == "green-deployment.yml":
        assert "model_version" not in a
    assert edges(graph, nid, "defined_in") == {f"file:{T}/endpoints/{file}"}
    assert nid in edges(graph, f"endpoint:azureml:{a['endpoint_name']}", "contains")


# -- what is ignored, bad input, other trees --------------------------------------------

def test_other_yaml_records_nothing_and_raises_nothing(graph):
    assert not [e for e in graph.errors if e.collector == "azureml"]
    other = {f"file:{T}/other/{n}" for n in ("workflow.yml", "broken-but-not-azureml.yaml", "settings.yaml")}
    assert all(f in graph for f in other)
    assert not [s for s, t, d in graph.g.edges(data=True) if t in other and d["kind"] != "contains"]
    assert not [nid for nid, d in graph.nodes() if d["provenance"].get("collector") == "azureml"
                and "/other/" in d["provenance"]["source"]]


def test_malformed_spec_exits_3_with_file_and_line(tmp_path):
    repo = aml_repo(tmp_path, folders=("jobs", "malformed"))
    out = tmp_path / "report.json"
    snapshot = tmp_path / "graph.json"
    result = run_cli("scan", str(repo), "--no-builtin", "--format", "json", "--output", str(out),
                     "--snapshot-out", str(snapshot))
    assert result.exit_code == 3, result.output
    errors = [e for e in json.loads(out.read_text())["collection_errors"] if e["collector"] == "azureml"]
    bad = [e for e in errors if e["source"].endswith("/malformed/bad-job.yml")]
    assert len(bad) == 1 and bad[0]["line"] == 6
    assert bad[0]["reason"] == "invalid YAML: mapping values are not allowed in this context"
    nodes = json.loads(snapshot.read_text())["nodes"]
    assert JOB in nodes                                # the rest was collected


def test_odd_shapes_keep_what_is_well_formed(tmp_path):
    graph = collect_graph(aml_repo(tmp_path, folders=("malformed",)))
    reasons = sorted(e.reason for e in graph.errors if e.source.endswith("odd-shapes.yml"))
    assert reasons == ["'inputs' is not a mapping", "job 'bad': a child job must be a mapping"]
    odd = f"job:azureml:{T}/malformed/odd-shapes.yml"
    assert attrs(graph, odd)["inputs"] == {}
    assert edges(graph, odd, "contains") == {f"{odd}#good"}
    assert edges(graph, f"{odd}#good", "reads") == {"dataset:azureml:shape-data:1"}


def test_sas_tokens_never_reach_the_snapshot(tmp_path):
    repo = aml_repo(tmp_path, folders=("jobs",))
    snapshot = tmp_path / "graph.json"
    result = run_cli("scan", str(repo), "--no-builtin", "--snapshot-out", str(snapshot),
                     "--format", "json", "--output", str(tmp_path / "report.json"))
    assert result.exit_code == 0, result.output
    assert "SECRETSIGNATURE" not in snapshot.read_text()


def test_bare_clone_gives_the_same_azureml_nodes_and_edges(tmp_path):
    repo = aml_repo(tmp_path)
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))

    def aml_facts(graph: EstateGraph):
        nodes = {nid: d["attrs"] for nid, d in graph.nodes() if ":azureml:" in nid}
        links = sorted((s, t, d["kind"]) for s, t, d in graph.g.edges(data=True)
                       if s in nodes or t in nodes)
        return nodes, links

    work, from_bare = aml_facts(collect_graph(repo)), aml_facts(collect_graph(bare))
    assert len(work[0]) >= 30
    assert from_bare == work


def test_plain_folder_keys_local_data_by_its_tree(tmp_path):
    folder = tmp_path / "folder"
    shutil.copytree(DATA / "jobs", folder / "jobs")
    graph = collect_graph(folder)
    a = attrs(graph, "dataset:azureml:fs:./jobs/data/sample")
    assert a["repo"] == "repo:fs:." and a["path"] == "jobs/data/sample"
    job = "job:azureml:fs:./jobs/command-job.yml"
    assert "dataset:azureml:churn-training:3" in edges(graph, job, "reads")
