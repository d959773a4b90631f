"""Azure ML parser: real CLI v2 YAML specs (shapes from Azure/azureml-examples and the
published azuremlschemas.azureedge.net schemas) in real git repositories, bare clones and
folders. Nothing talks to Azure: the parser only reads the files."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml_mutations
from conftest import (TEST_DATA, collect_graph, commit_files, git, make_repo, node_attrs as attrs,
                      out_edges as edges, run_cli)

from checker.collectors import FileRef, azureml
from checker.collectors.azureml import AzureMLParser
from checker.graph import EstateGraph
from checker.safeyaml import TemplateYaml, YamlError, as_utf8, check_structure, line_of, load_yaml

DATA = TEST_DATA / "azureml"
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
    assert a["inputs"]["training"] == {"type": "uri_folder", "path": "azureml:churn-training:3", "role": "data"}
    assert a["inputs"]["learning_rate"] == {"value": 0.01}
    assert a["inputs"]["private_blob"]["path"] == "https://contoso.blob.core.windows.net/raw/churn.csv"
    assert a["outputs"] == {"model": {"type": "mlflow_model", "mode": "upload"}}
    assert edges(graph, JOB, "defined_in") == {f"file:{T}/jobs/command-job.yml"}


# input name → (dataset id, the reference's facts as recorded). Whether each is pinned is
# the linkers' judgement, made from exactly these facts.
REFERENCES = {
    "training": ("dataset:azureml:churn-training:3",
                 {"ref_kind": "asset", "reference": "azureml:churn-training:3", "name": "churn-training",
                  "version": "3"}),
    "labels": ("dataset:azureml:churn-labels@latest",
               {"ref_kind": "asset", "reference": "azureml:churn-labels@latest", "name": "churn-labels",
                "label": "latest"}),
    "raw": ("dataset:azureml:churn-raw@latest",
            {"ref_kind": "asset", "reference": "azureml:churn-raw", "name": "churn-raw"}),
    "iris": ("dataset:azureml:datastores/workspaceblobstore/paths/example-data/iris.csv",
             {"ref_kind": "datastore_path", "datastore": "workspaceblobstore", "path": "example-data/iris.csv",
              "reference": "azureml://datastores/workspaceblobstore/paths/example-data/iris.csv"}),
    "table": ("dataset:azureml:churn-table:2",
              {"ref_kind": "asset", "name": "churn-table", "version": "2", "workspace": "ws-ml"}),
    "census": ("dataset:azureml:registries/shared-registry/census:5",
               {"ref_kind": "asset", "name": "census", "version": "5", "registry": "shared-registry"}),
    "sample": (f"dataset:azureml:{T}/jobs/data/sample",
               {"ref_kind": "local", "reference": "./data/sample", "path": "jobs/data/sample", "repo": f"repo:{T}"}),
    "titanic": ("dataset:azureml:url/https://azuremlexamples.blob.core.windows.net/datasets/titanic.csv",
                {"ref_kind": "url", "url": "https://azuremlexamples.blob.core.windows.net/datasets/titanic.csv"}),
    "private_blob": ("dataset:azureml:url/https://contoso.blob.core.windows.net/raw/churn.csv",
                     {"ref_kind": "url", "reference": "https://contoso.blob.core.windows.net/raw/churn.csv"}),
    "versioned_object": ("dataset:azureml:url/https://contoso-ml.s3.amazonaws.com/churn.csv"
                         "?versionId=3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY",
                         {"ref_kind": "url", "url": "https://contoso-ml.s3.amazonaws.com/churn.csv",
                          "version_param": "versionId", "version_id": "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"}),
    "previous_run": ("dataset:azureml:jobs/churn-prep-07/outputs/cleaned",
                     {"ref_kind": "job_output", "job_name": "churn-prep-07", "output": "cleaned"}),
}


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_each_reference_form_is_a_dataset_with_its_facts(graph, name):
    nid, facts = REFERENCES[name]
    a = attrs(graph, nid)
    assert {k: a.get(k) for k in facts} == facts
    assert not {"pinned", "pin_reason"} & set(a)         # a judgement, not the parser's to make
    assert nid in edges(graph, JOB, "reads")
    # Referenced by the job, not defined by it: only a data spec gives a defined_in edge.
    specs = {f"file:{T}/assets/data-training.yml"} if name == "training" else set()
    assert edges(graph, nid, "defined_in") == specs


def test_an_unversioned_reference_records_no_version_nor_label(graph):
    assert not {"version", "label"} & set(attrs(graph, REFERENCES["raw"][0]))
    assert not {"version_id", "version_param"} & set(attrs(graph, REFERENCES["titanic"][0]))


@pytest.mark.parametrize("path, facts", [
    ("https://storage.googleapis.com/b/churn.csv?generation=1700000000000000",
     {"version_param": "generation", "version_id": "1700000000000000"}),
    ("https://contoso.blob.core.windows.net/raw/x.csv?snapshot=2026-01-01T00:00:00.0000000Z&sig=S3CRET",
     {"version_param": "snapshot", "version_id": "2026-01-01T00:00:00.0000000Z"}),
    ("azureml://jobs/churn-prep-07/outputs/cleaned/paths/part-0.csv",
     {"ref_kind": "job_output", "job_name": "churn-prep-07", "output": "cleaned", "path": "part-0.csv"}),
    ("azureml://subscriptions/s/resourcegroups/rg/workspaces/ws/somewhere/else", {"ref_kind": "azureml_uri"}),
])
def test_version_facts_of_urls_and_azureml_uris(path, facts):
    ref = FileRef("file:x", "jobs/j.yml", "jobs/j.yml", "repo:x", "x", None)
    key, found = azureml.data_reference(path, ref)
    assert {k: found.get(k) for k in facts} == facts
    assert "S3CRET" not in json.dumps([key, found])


def test_models_and_literals_are_not_datasets(graph):
    assert edges(graph, JOB, "reads") == {nid for nid, _ in REFERENCES.values()}
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
    assert (a["name"], a["version"], a["type"], a["ref_kind"]) == ("churn-training", "3", "uri_folder", "asset")
    assert (a["path"], a["path_kind"], a["repo_path"]) == ("../data/prepared", "local", "data/prepared")
    assert a["defined_in"] == "assets/data-training.yml"
    assert edges(graph, nid, "defined_in") == {f"file:{T}/assets/data-training.yml"}
    readers = set(graph.in_edges(nid, "reads"))
    assert readers == {JOB, f"job:azureml:{T}/jobs/sweep-job.yml"}


def test_data_spec_without_version(graph):
    a = attrs(graph, "dataset:azureml:churn-labels")
    assert (a["name"], a["path_kind"]) == ("churn-labels", "datastore_path")
    assert not {"version", "pinned", "pin_reason"} & set(a)


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
    assert attrs(graph, "endpoint:azureml:churn-k8s-endpoint") == {"name": "churn-k8s-endpoint", "store": "azureml-spec"}
    assert not edges(graph, "endpoint:azureml:churn-k8s-endpoint", "defined_in")


@pytest.mark.parametrize("file, expected", [
    ("blue-deployment.yml", {"name": "blue", "endpoint_name": "churn-endpoint", "kind": "online",
                             "model": "azureml:churn-model:2", "model_name": "churn-model",
                             "model_version": "2", "instance_type": "Standard_DS3_v2",
                             "environment": "azureml:churn-env:7"}),
    ("green-deployment.yml", {"model": "azureml:churn-model@latest", "model_name": "churn-model",
                              "model_label": "latest",
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
    assert "model_pinned" not in a
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
    problems = sorted((e.reason, e.line) for e in graph.errors if e.source.endswith("odd-shapes.yml"))
    assert problems == [("inputs: expected a mapping, found a list", 3),
                        ("jobs.bad: expected a mapping, found a string", 12)]
    odd = f"job:azureml:{T}/malformed/odd-shapes.yml"
    assert attrs(graph, odd)["inputs"] == {}
    assert edges(graph, odd, "contains") == {f"{odd}#good"}
    assert edges(graph, f"{odd}#good", "reads") == {"dataset:azureml:shape-data:1"}


def test_sas_tokens_never_reach_the_snapshot(tmp_path):
    repo = aml_repo(tmp_path, folders=("jobs",))
    commit_files(repo, {"jobs/export-job.yml": (
        "$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\ncommand: python export.py\n"
        "outputs:\n  scored:\n    type: uri_folder\n"
        "    path: https://contoso.blob.core.windows.net/out/?sv=2022-11-02&sig=SECRETSIGNATURE\n")}, "export")
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
        nodes = {nid: d["attrs"] for nid, d in graph.nodes() if ":azureml:" in nid
                 and "provider_type" not in d["attrs"]}     # cloud resources are keyed by display path
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


# -- declared, not registered --------------------------------------------------------

def test_model_spec_is_a_declared_version_not_a_registered_one(graph):
    declared = {"store": "azureml-spec", "registered": False, "defined_in": "assets/model.yml"}
    for nid in ("model_version:azureml:churn-model/2", "model:azureml:churn-model"):
        assert {k: attrs(graph, nid).get(k) for k in declared} == declared


def test_placeholder_version_is_no_version(graph):
    model = attrs(graph, "model:azureml:churn-candidate")
    assert model["unresolved"] == {"version": {
        "value": "<VERSION>", "reason": "a placeholder, filled in when the template is rendered; not evaluated"}}
    assert (model["registered"], model["path"]) == (False, "../models/candidate")
    assert not [nid for nid, _ in graph.nodes("model_version") if "churn-candidate" in nid]


def test_environment_built_from_a_context(graph):
    env = attrs(graph, "environment:azureml:churn-build-env")
    assert (env["build_context"], env["store"]) == ("docker-context", "azureml-spec")
    assert "version" not in env and "unresolved" not in env


# -- what a job input is -------------------------------------------------------------

FINETUNE = f"job:azureml:{T}/finetune/pinned-pipeline.yml"
LOCAL_FINETUNE = f"job:azureml:{T}/finetune/local-data-command.yml"


@pytest.fixture(scope="module")
def finetune(tmp_path_factory) -> EstateGraph:
    return collect_graph(aml_repo(tmp_path_factory.mktemp("ft"), folders=("finetune",)))


@pytest.mark.parametrize("job, name, role, reason", [
    (FINETUNE, "mlflow_model_path", "model", "a model asset URI"),
    (FINETUNE, "evaluation_config_path", "config", "text-generation-config.json is a configuration file"),
    (FINETUNE, "deepspeed", "config", "zero1.json is a configuration file"),
    (LOCAL_FINETUNE, "base_model", "model", "type custom_model"),
    (LOCAL_FINETUNE, "automl_settings", "config", "settings.yaml is a configuration file"),
    (LOCAL_FINETUNE, "ds_config", "config", "ds_config.json is a configuration file"),
])
def test_models_and_config_files_say_what_they_are(finetune, job, name, role, reason):
    entry = attrs(finetune, job)["inputs"][name]
    assert (entry["role"], entry["role_reason"]) == (role, reason)
    assert not [ds for ds in edges(finetune, job, "reads") if entry["path"].lstrip("./") in ds]


def test_registry_model_input_keeps_its_version(finetune):
    entry = attrs(finetune, FINETUNE)["inputs"]["mlflow_model_path"]
    assert {k: entry.get(k) for k in ("model_name", "model_version", "model_registry", "model_label")} == {
        "model_name": "Phi-3-mini-4k-instruct", "model_version": "7", "model_registry": "azureml",
        "model_label": None}
    assert "model_pinned" not in entry


def test_data_inputs_stay_data(finetune):
    assert edges(finetune, FINETUNE, "reads") == {"dataset:azureml:churn-chat-train:2",
                                                  "dataset:azureml:churn-chat-validation:2"}
    # annotations.json is data: neither its name nor its input's name says configuration
    assert edges(finetune, LOCAL_FINETUNE, "reads") == {
        f"dataset:azureml:{T}/finetune/data/train.jsonl", f"dataset:azureml:{T}/finetune/data/annotations.json"}
    assert attrs(finetune, LOCAL_FINETUNE)["inputs"]["annotations"]["role"] == "data"


# The parser records reference facts only; `pinned` is computed for every dataset in
# checker/linkers.py, so this runs the whole scan.
def test_rules_judge_registry_versions_and_training_data_only(tmp_path):
    """End to end with the built-in rules: the declared model version and the placeholder
    one are not registry versions (MLC-LIN-001 applies to nothing); the pipeline that
    pins its data and reads a registry model and config files passes MLC-DATA-002; the
    job that reads local data is flagged for exactly that data."""
    repo = aml_repo(tmp_path, folders=("finetune",))
    shutil.copy(DATA / "assets" / "model-template.yml", repo / "finetune" / "model-template.yml")
    commit_files(repo, {}, "a model spec template")
    out = tmp_path / "report.json"
    result = run_cli("scan", str(repo), "--only", "MLC-LIN-001,MLC-DATA-002", "--format", "json",
                     "--output", str(out))
    assert result.exit_code == 0, result.output         # medium findings only: below the gate
    report = json.loads(out.read_text())
    assert {(f["rule_id"], f["node"]) for f in report["findings"]} == {("MLC-DATA-002", LOCAL_FINETUNE)}
    unpinned = report["findings"][0]["evidence"]["facts"]["unpinned"]
    assert set(unpinned) == {f"dataset:azureml:{T}/finetune/data/train.jsonl",
                             f"dataset:azureml:{T}/finetune/data/annotations.json"}
    assert "MLC-LIN-001" in report["summary"]["rules_not_applicable"]


# -- templates ----------------------------------------------------------------------

@pytest.mark.parametrize("file, reason", [
    ("train-job.yml", "a template: {{cookiecutter.compute_name}} on line 6 is not YAML until rendered; "
                      "not evaluated"),
    ("deployment.yml", "a template: {% if gpu %} on line 5 is not YAML until rendered; not evaluated"),
    ("data-asset.yml", "name '<DATA_ASSET_NAME>' is a placeholder, filled in when the template is "
                       "rendered; not evaluated"),
    ("endpoint.yml", "name '<ENDPOINT_NAME>' is a placeholder, filled in when the template is "
                     "rendered; not evaluated"),
])
def test_templates_are_recorded_not_evaluated(tmp_path, file, reason):
    repo = aml_repo(tmp_path, folders=("templates",))
    graph = collect_graph(repo)
    assert not graph.errors
    assert {k: attrs(graph, f"file:{T}/templates/{file}").get(k) for k in ("template", "not_evaluated")} == {
        "template": True, "not_evaluated": reason}
    assert not [nid for nid, d in graph.nodes() if d["provenance"].get("source", "").endswith(file)
                and d["provenance"]["collector"] == "azureml"]


def test_template_scan_is_complete(tmp_path):
    repo = aml_repo(tmp_path, folders=("templates",))
    result = run_cli("scan", str(repo), "--no-builtin", "--format", "json", "--output", str(tmp_path / "r.json"))
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "r.json").read_text())["collection_errors"] == []


def test_placeholders_in_a_parsed_spec_are_unresolved_not_data(tmp_path):
    graph = collect_graph(aml_repo(tmp_path, folders=("templates",)))
    job = f"job:azureml:{T}/templates/scoring-job.yml"
    a = attrs(graph, job)
    assert {n: e["role"] for n, e in a["inputs"].items()} == {"scoring_data": "placeholder", "model": "placeholder"}
    assert set(a["unresolved"]) == {"inputs.scoring_data", "inputs.model"}
    assert a["unresolved"]["inputs.model"]["value"] == "azureml:churn-model:$(MODEL_VERSION)"
    assert not edges(graph, job, "reads")
    deployment = attrs(graph, f"deployment:azureml:{T}/templates/deployment-placeholder-model.yml")
    assert {f: u["value"] for f, u in deployment["unresolved"].items()} == {
        "model": "azureml:<MODEL_NAME>:<MODEL_VERSION>", "endpoint_name": "$(ENDPOINT_NAME)"}
    assert "model_name" not in deployment
    assert not [nid for nid, _ in graph.nodes("endpoint")]
    data = attrs(graph, "dataset:azureml:churn-scoring")
    assert data["unresolved"]["version"]["value"] == "${DATA_VERSION}"
    assert not {"version", "pinned"} & set(data)


def test_a_marker_elsewhere_does_not_excuse_broken_yaml(tmp_path):
    graph = collect_graph(aml_repo(tmp_path, folders=("malformed",)))
    found = [(e.reason, e.line) for e in graph.errors if e.source.endswith("quoted-template-and-broken.yml")]
    assert found == [("invalid YAML: while parsing a block mapping did not find expected key", 7)]
    assert "template" not in attrs(graph, f"file:{T}/malformed/quoted-template-and-broken.yml")


# -- wrong shapes: every field read, every wrong type ------------------------------------

@pytest.mark.parametrize("folder", ["jobs", "assets", "endpoints", "finetune"])
def test_every_wrong_type_is_one_error_with_its_field_and_line(folder):
    """Each field the parser reads in these real-shaped specs, given each type it does not
    accept (list, mapping, string, number, boolean, null), is exactly one collection error
    naming the file, the field and the line (see yaml_mutations)."""
    fixture = DATA / folder
    cases = yaml_mutations.cases(fixture, yaml_mutations.record_reads(AzureMLParser, fixture, azureml))
    assert len(cases) > 100
    failures = [f for case in cases if (f := yaml_mutations.run_case(AzureMLParser, fixture, case))]
    assert not failures, "\n".join(failures[:20])


def test_a_wrong_field_costs_only_itself(tmp_path):
    text = (DATA / "jobs" / "command-job.yml").read_text()
    text = text.replace("    path: azureml:churn-training:3", "    path: [azureml:churn-training:3]")
    repo = make_repo(tmp_path / "repo", {"jobs/command-job.yml": text})
    graph = collect_graph(repo)
    assert [(e.reason, e.line) for e in graph.errors] == [
        ("inputs.training.path: expected a string, found a list", 16)]
    reads = edges(graph, JOB, "reads")
    assert "dataset:azureml:churn-training:3" not in reads
    assert len(reads) == len(REFERENCES) - 1
    assert attrs(graph, JOB)["inputs"]["training"] == {"type": "uri_folder"}


@pytest.mark.parametrize("text, problem", [
    ("$schema: [https://azuremlschemas.azureedge.net/latest/commandJob.schema.json]\ncommand: x\n",
     ("$schema: expected a string, found a list", 1)),
    ("$schema: https://azuremlschemas.azureedge.net/latest/data.schema.json\nversion: 1\npath: d\n",
     ("name: missing; an asset spec needs a name", 1)),
    ("$schema: https://azuremlschemas.azureedge.net/latest/data.schema.json\nname: ''\npath: d\n",
     ("name: missing; an asset spec needs a name", 2)),
    ("$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\n"
     "auth_mode: key\n", ("name: missing; an endpoint spec needs a name", 1)),
    ("$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\n- a\n",
     ("invalid YAML: while parsing a block mapping did not find expected key", 2)),
    ("- name: train\n  $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\n",
     ("an Azure ML spec must be a mapping, found a list", 1)),
])
def test_shape_problems_outside_fields(tmp_path, text, problem):
    graph = collect_graph(make_repo(tmp_path / "repo", {"spec.yml": text}))
    assert [(e.reason, e.line) for e in graph.errors] == [problem]


def test_a_schema_naming_no_azureml_is_no_spec(tmp_path):
    graph = collect_graph(make_repo(tmp_path / "repo", {
        "spec.yml": "$schema: [https://json.schemastore.org/github-workflow]\nname: azureml-ish\n"}))
    assert not graph.errors


# -- the YAML loader: nesting, recursion, expansion ---------------------------------------

def test_pipeline_nested_too_deep_is_one_error_at_its_jobs(tmp_path):
    lines = ["$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json", "type: pipeline"]
    for depth in range(12):
        pad = "  " * (2 * depth)
        lines += [f"{pad}jobs:", f"{pad}  level{depth}:", f"{pad}    type: pipeline"]
    graph = collect_graph(make_repo(tmp_path / "repo", {"deep.yml": "\n".join(lines) + "\n"}))
    field = ".".join(f"jobs.level{d}" for d in range(10)) + ".jobs"
    assert [(e.reason, e.line) for e in graph.errors] == [
        (f"{field}: pipeline nested over 10 levels; not followed", 33)]
    assert f"job:azureml:{T}/deep.yml#level0" in graph


def test_document_nested_too_deep_is_refused_with_its_line(tmp_path):
    deep = "inputs:\n  data:\n    path: " + "[" * 250 + "]" * 250 + "\n"
    graph = collect_graph(make_repo(tmp_path / "repo", {
        "deep.yml": "$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\n" + deep}))
    assert [(e.reason, e.line) for e in graph.errors] == [
        ("invalid YAML: nested over 200 levels deep; refused", 4)]


@pytest.mark.parametrize("body, anchor, line", [
    ("inputs: &all\n  data:\n    path: *all\n", "all", 4),
    ("inputs:\n  data: &loop [*loop]\n", "loop", 3),
    ("inputs:\n  data:\n  - a\n  - &inner\n    - b\n    - *inner\n", "inner", 7),
])
def test_recursive_alias_is_refused_with_its_line(tmp_path, body, anchor, line):
    repo = make_repo(tmp_path / "repo", {
        "loop.yml": "$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\n" + body,
        "jobs/command-job.yml": (DATA / "jobs" / "command-job.yml").read_text()})
    out = tmp_path / "report.json"
    result = run_cli("scan", str(repo), "--no-builtin", "--format", "json", "--output", str(out))
    assert result.exit_code == 3, result.output
    errors = json.loads(out.read_text())["collection_errors"]
    assert [(e["source"].rsplit("/", 1)[-1], e["reason"], e["line"]) for e in errors] == [
        ("loop.yml", "invalid YAML: a recursive alias: an alias sits inside the value its anchor names; "
                     "refused", line)]
    assert anchor not in errors[0]["reason"]        # anchors are document text: never quoted


def test_loader_lines_aliases_and_merge_keys():
    doc = load_yaml("base: &base\n  compute: cpu\n  code: src\njob:\n  <<: *base\n  code: other\n"
                    "items:\n- a\n-\n  b: 1\n", "t.yml")
    assert doc["job"] == {"compute": "cpu", "code": "other"}
    assert (line_of(doc, "job"), line_of(doc["job"], "compute"), line_of(doc["job"], "code")) == (4, 2, 6)
    assert (line_of(doc["items"], 0), line_of(doc["items"], 1), line_of(doc["items"][1], "b")) == (8, 10, 10)
    assert check_structure(doc, "t.yml") == 19     # every key and value, merged ones too


def test_loader_counts_aliases_expanded():
    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n" for p, n in zip("abcdef", "bcdefg"))
    with pytest.raises(YamlError, match="aliases expand to over 1000000 values") as raised:
        load_yaml(laughs, "laughs.yml")
    assert raised.value.line == 6          # the alias that takes the count over, on line 6 (f)
    assert check_structure(load_yaml(laughs.rsplit("f:", 1)[0], "t.yml"), "t.yml") < 1_000_000


@pytest.mark.parametrize("text, template", [
    ("name: {{ model }}\n", True), ("a: 1\n{% for x in y %}\n", True),
    ("path: {{ base }}/data.csv\n", True), ("key: <A>: <B>\n", True), ("key: $(a): b\n", True),
    ("key: ${A}: b\n", True), ("# {{ comment }}\nkey: [\n", False), ("name: '{{ x }}'\na: b: c\n", False),
    ("a: b: c\n", False),
])
def test_loader_tells_templates_from_broken_yaml(text, template):
    with pytest.raises(YamlError) as raised:
        load_yaml(text, "t.yml")
    assert isinstance(raised.value, TemplateYaml) is template


@pytest.mark.parametrize("text", [
    # a binding marker (`${{…}}`) far above a second document does not excuse it
    "command: python train.py ${{inputs.data}}\ncode: src\n---\ncode: other\n",
    # nor a placeholder above broken indentation
    "name: <NAME>\ninputs:\n  a: 1\n b: 2\n",
])
def test_a_marker_in_the_failing_block_excuses_only_what_blanking_it_mends(text):
    with pytest.raises(YamlError) as raised:
        load_yaml(text, "t.yml")
    assert not isinstance(raised.value, TemplateYaml)
    # the same kind of document, broken by its markers alone, is a template
    broken_by_markers = "jobs:\n  train: {\n    data: {{ data }},\n    code: src}\n"
    with pytest.raises(TemplateYaml) as template:
        load_yaml(broken_by_markers, "t.yml")
    assert template.value.line == 3


@pytest.mark.parametrize("text, words, line", [
    ("a: 1\ncommand: !pw=hunter2-Secret python train.py\n", "an unknown tag", 2),
    ("a: 1\nb: !!python/object/apply:os.system [hunter2-Secret]\n", "an unknown tag", 2),
    ("a: &hunter2-Secret 1\nb: &hunter2-Secret 2\n", "an anchor defined twice", 2),
    ("a: 1\nb: *hunter2-Secret\n", "an alias to no anchor", 2),
    ("a: 1\nb: !hunter2-Secret!x y\n", "an unknown tag handle", 2),
])
def test_yaml_errors_never_quote_tags_or_anchors(text, words, line):
    with pytest.raises(YamlError) as raised:
        load_yaml(text, "t.yml")
    assert (raised.value.reason, raised.value.line) == (words, line)
    assert "hunter2" not in str(raised.value)


def test_yaml_errors_keep_what_quotes_no_document_text():
    with pytest.raises(YamlError) as raised:
        load_yaml("a: [1\nb: 2\n", "t.yml")
    assert raised.value.reason == "while parsing a flow sequence did not find expected ',' or ']'"


@pytest.mark.parametrize("data, reason, line", [
    (b"a: 1\nb: x\0y\n", "a character YAML does not allow (U+0000)", 2),
    ("a: 1\n\nb: \u00e9\u00e9\x01\n".encode(), "a character YAML does not allow (U+0001)", 3),
    (b"a: 1\nb: \xff(\n", "not UTF-8 text: invalid start byte", 2),
    ("a: 1\nb: x\0y\n".encode("utf-16"), "a character YAML does not allow (U+0000)", 2),
    ("a: 1\nb: " + "9" * 5000 + "\n", "an integer of 5000 digits, past the 4300-digit limit", 2),
])
def test_unreadable_values_name_their_line(data, reason, line):
    with pytest.raises(YamlError) as raised:
        load_yaml(data, "t.yml")
    assert (raised.value.reason, raised.value.line) == (reason, line)
    assert load_yaml("a: 1\nb: " + "9" * 4000 + "\n")["b"] == int("9" * 4000)   # under the limit: read


def test_utf16_yaml_reads_as_utf8():
    text = "$schema: https://azuremlschemas.azureedge.net/latest/data.schema.json\nname: donn\u00e9es\n"
    assert as_utf8(text.encode("utf-16")) == text.encode()
    assert as_utf8(text.encode("utf-16-be")) == text.encode("utf-16-be")    # no BOM: left as it is
    assert as_utf8(text.encode()) == text.encode()


# -- whole-file shapes the CLI refuses ---------------------------------------------------

SCHEMA_LINE = "$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\n"
JOB_BODY = SCHEMA_LINE + "command: python train.py\ninputs:\n  data:\n    type: uri_file\n    path: azureml:churn:3\n"


@pytest.mark.parametrize("text, reason, line", [
    ("- " + JOB_BODY.replace("\n", "\n  ").rstrip() + "\n",
     "an Azure ML spec must be a mapping, found a list", 1),
    (JOB_BODY + "---\n" + JOB_BODY, "invalid YAML: expected a single document in the stream but found "
                                    "another document", 7),
    (JOB_BODY.replace("command:", "command: !pw=hunter2-Secret"), "invalid YAML: an unknown tag", 2),
    (JOB_BODY.replace("azureml:churn:3", "azureml:churn:3\x00"), "invalid YAML: a character YAML does not "
                                                                 "allow (U+0000)", 6),
])
def test_a_spec_the_cli_refuses_is_one_error_with_its_line(tmp_path, text, reason, line):
    repo = make_repo(tmp_path / "repo", {"spec.yml": text})
    errors = [(e.reason, e.line) for e in collect_graph(repo).errors]
    assert errors == [(reason, line)]
    assert "hunter2" not in reason


def test_a_list_that_declares_no_azureml_schema_is_left_alone(tmp_path):
    repo = make_repo(tmp_path / "repo", {"steps.yml": "- name: azureml deploy\n  run: az ml job create\n"})
    assert collect_graph(repo).errors == []


@pytest.mark.parametrize("name, reason", [
    ("5", "name: expected a string, found a number (5)"),
    ("true", "name: expected a string, found a boolean (true)"),
])
def test_an_asset_name_is_a_string(tmp_path, name, reason):
    spec = f"$schema: https://azuremlschemas.azureedge.net/latest/data.schema.json\nname: {name}\nversion: 3\n" \
           "path: azureml://datastores/workspaceblobstore/paths/churn/\n"
    graph = collect_graph(make_repo(tmp_path / "repo", {"data.yml": spec}))
    assert [(e.reason, e.line) for e in graph.errors] == [(reason, 2)]
    assert not [nid for nid, _ in graph.nodes("dataset")]
    # a number is a version as the CLI reads it (VersionField): no error, version "3"
    good = collect_graph(make_repo(tmp_path / "good", {"data.yml": spec.replace(f"name: {name}", "name: churn")}))
    assert (good.errors, attrs(good, "dataset:azureml:churn:3")["version"]) == ([], "3")


def test_a_utf16_spec_is_read_like_a_utf8_one(tmp_path):
    repo = make_repo(tmp_path / "repo", {"utf16.yml": JOB_BODY.encode("utf-16"), "utf8.yml": JOB_BODY})
    graph = collect_graph(repo)
    assert graph.errors == []
    utf16, utf8 = (attrs(graph, f"job:azureml:{T}/{n}.yml") for n in ("utf16", "utf8"))
    assert utf16["inputs"] == utf8["inputs"] == {"data": {"type": "uri_file", "path": "azureml:churn:3",
                                                          "role": "data"}}


def test_an_endpoint_name_that_is_a_shell_variable_names_no_endpoint(tmp_path):
    """`endpoint_name: $endpointName`, filled by envsubst/sed before `az ml online-deployment
    create` (the shape of microsoft/mlops-basic-template-for-azureml-cli-v2): no endpoint
    named "$endpointName" joins the deployments that share the variable; the name is an
    unresolved placeholder. A real name still makes the endpoint."""
    schema = "$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json\n"
    root = tmp_path / "t"
    root.mkdir()
    for name, endpoint in (("blue", "$endpointName"), ("green", "$endpointName"), ("red", "churn-ep")):
        (root / f"{name}.yml").write_text(f"{schema}name: {name}\nendpoint_name: {endpoint}\nmodel:\n"
                                          f"  path: $modelPath\ninstance_type: Standard_DS3_v2\n")
    graph = collect_graph(root, link_resources=True)
    assert sorted(nid for nid, _ in graph.nodes("endpoint")) == ["endpoint:azureml:churn-ep"]
    for name in ("blue", "green"):
        deployment = attrs(graph, f"deployment:azureml:fs:./{name}.yml")
        assert deployment["unresolved"]["endpoint_name"] == {
            "value": "$endpointName",
            "reason": "a placeholder, filled in when the template is rendered; not evaluated"}
        resource = attrs(graph, f"deployment:azureml:fs:./{name}.yml#{name}")
        assert not [r for r in resource["references"] if r["attribute"] == "endpoint_name"]
        assert "reference endpoint_name" not in resource.get("unresolved", {})
    assert "unresolved" not in attrs(graph, "deployment:azureml:fs:./red.yml")


def test_preview_cli_code_mapping_and_storage_container_urls(tmp_path):
    """Shapes from public CLI v2 examples: the 2021 preview's `code: {local_path: src}` is the
    code folder (it was a collection error, exit 3), and a wasbs:// URL keeps its container
    (`datasets@account`: no secret, and without it two containers' files were one dataset);
    a password in user info is still dropped."""
    repo = tmp_path / "repo"
    make_repo(repo)
    schema = "$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\n"
    commit_files(repo, {
        "jobs/preview.yml": schema + "code:\n  local_path: src\ncommand: python main.py --C ${{inputs.C}}\n"
                                     "inputs:\n  C: 0.8\ncompute: azureml:cpu-cluster\n",
        "jobs/blob.yml": schema + "code: src\ncommand: python main.py --a ${{inputs.a}} --b ${{inputs.b}}"
                                  " --c ${{inputs.c}}\ninputs:\n"
                                  "  a: {type: uri_file, path: 'wasbs://datasets@contoso.blob.core.windows.net/iris.csv'}\n"
                                  "  b: {type: uri_file, path: 'wasbs://archive@contoso.blob.core.windows.net/iris.csv'}\n"
                                  "  c: {type: uri_folder, path: 'abfss://user:hunter2@contoso.dfs.core.windows.net/raw'}\n",
    }, "specs")
    graph = collect_graph(repo)
    assert [e for e in graph.errors if "jobs/" in e.source] == []
    assert attrs(graph, f"job:azureml:{T}/jobs/preview.yml")["code"] == "src"
    assert edges(graph, f"job:azureml:{T}/jobs/blob.yml", "reads") == {
        "dataset:azureml:url/wasbs://datasets@contoso.blob.core.windows.net/iris.csv",
        "dataset:azureml:url/wasbs://archive@contoso.blob.core.windows.net/iris.csv",
        "dataset:azureml:url/abfss://contoso.dfs.core.windows.net/raw"}
