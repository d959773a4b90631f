"""Azure ML CLI v2 specs (jobs, pipelines, assets, endpoints, deployments): truncated,
mis-shaped against the CLI v2 schemas, and every YAML trick (aliases, tags, merge keys,
templates, encodings)."""
from __future__ import annotations

import os
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

from . import mutate as m
from .cases import EITHER, NONE, ONE, SLUG, Case, Expect, files, in_git, rng_for, write
from .harness import key_prefix

SCHEMA = "https://azuremlschemas.azureedge.net/latest/{}.schema.json"
SPEC = "spec.yml"
JOB_NODE = ("job:azureml:{p}/spec.yml",)
DECLARES = re.compile(r"""\$schema['"]?\s*:[^\n]*azureml""", re.I)

SEEDS: dict[str, dict] = {
    "command-job": {
        "$schema": SCHEMA.format("commandJob"), "name": "churn-train-01", "display_name": "churn-train",
        "experiment_name": "churn",
        "command": "python train.py --data ${{inputs.training}} --lr ${{inputs.lr}}",
        "code": "src", "environment": "azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu:3",
        "compute": "azureml:cpu-cluster",
        "inputs": {"training": {"type": "uri_folder", "path": "azureml:churn-training:3"},
                   "raw": {"type": "uri_file",
                           "path": "azureml://datastores/workspaceblobstore/paths/raw/churn.csv"},
                   "lr": 0.01},
        "outputs": {"model": {"type": "mlflow_model", "mode": "upload"}},
    },
    "pipeline-job": {
        "$schema": SCHEMA.format("pipelineJob"), "type": "pipeline", "display_name": "churn-pipeline",
        "compute": "azureml:cpu-cluster", "inputs": {"raw": {"type": "uri_folder", "path": "./data"}},
        "jobs": {
            "prep": {"type": "command", "command": "python prep.py --raw ${{inputs.raw}}", "code": "src",
                     "environment": "azureml:churn-env:7", "inputs": {"raw": "${{parent.inputs.raw}}"},
                     "outputs": {"clean": {"mode": "rw_mount"}}},
            "train": {"type": "command", "command": "python train.py", "code": "src",
                      "environment": "azureml:churn-env:7",
                      "inputs": {"clean": "${{parent.jobs.prep.outputs.clean}}",
                                 "extra": {"type": "uri_file", "path": "azureml:churn-extra:4"}}}},
    },
    "data-asset": {"$schema": SCHEMA.format("data"), "name": SLUG, "version": "3", "type": "uri_folder",
                   "path": "azureml://datastores/workspaceblobstore/paths/churn/", "description": "Training data"},
    "model-asset": {"$schema": SCHEMA.format("model"), "name": SLUG, "version": "2", "type": "mlflow_model",
                    "path": "azureml://jobs/churn-train-01/outputs/artifacts/paths/model/"},
    "environment": {"$schema": SCHEMA.format("environment"), "name": SLUG, "version": "7",
                    "image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest",
                    "conda_file": "conda.yml"},
    "endpoint": {"$schema": SCHEMA.format("managedOnlineEndpoint"), "name": SLUG, "auth_mode": "key",
                 "public_network_access": "disabled"},
    "deployment": {"$schema": SCHEMA.format("managedOnlineDeployment"), "name": "blue",
                   "endpoint_name": "churn-endpoint", "model": "azureml:churn-model:2",
                   "code_configuration": {"code": "../score/", "scoring_script": "score.py"},
                   "environment": "azureml:churn-env:7", "instance_type": "Standard_DS3_v2",
                   "instance_count": 1},
    "batch-deployment": {"$schema": SCHEMA.format("batchDeployment"), "name": "nightly",
                         "endpoint_name": "churn-batch", "model": {"path": "./model"},
                         "compute": "azureml:batch-cluster", "resources": {"instance_count": 2},
                         "mini_batch_size": 10},
}

# Where each type belongs, from the CLI v2 schemas.
FIELDS: dict[str, list[tuple[tuple, str]]] = {
    "command-job": [(("inputs",), "mapping"), (("inputs", "training"), "input"),
                    (("inputs", "training", "path"), "string"), (("inputs", "raw", "type"), "string"),
                    (("outputs",), "mapping"), (("environment",), "ref"), (("compute",), "string"),
                    (("code",), "string"), (("command",), "string"), (("display_name",), "string"),
                    (("experiment_name",), "string")],
    "pipeline-job": [(("jobs",), "mapping"), (("jobs", "train"), "mapping"),
                     (("jobs", "train", "inputs"), "mapping"),
                     (("jobs", "train", "inputs", "extra", "path"), "string"),
                     (("jobs", "prep", "outputs"), "mapping"), (("inputs", "raw", "path"), "string")],
    "data-asset": [(("path",), "string"), (("version",), "ref"), (("type",), "string"), (("name",), "ref")],
    "model-asset": [(("path",), "string"), (("name",), "ref"), (("type",), "string")],
    "environment": [(("image",), "string"), (("conda_file",), "string"), (("build",), "mapping")],
    "endpoint": [(("name",), "ref"), (("auth_mode",), "string"), (("public_network_access",), "string")],
    "deployment": [(("model",), "ref"), (("endpoint_name",), "string"), (("instance_count",), "int"),
                   (("environment",), "ref"), (("instance_type",), "string")],
    "batch-deployment": [(("resources",), "mapping"), (("resources", "instance_count"), "int"),
                         (("model", "path"), "string"), (("endpoint_name",), "string")],
}


# The issue's own examples, whatever the seed: a list where a mapping belongs, numbers for paths.
FIXED_SHAPES = [("command-job", ("inputs",), ["training", "raw"], "inputs-list"),
                ("pipeline-job", ("jobs",), ["prep", "train"], "jobs-list"),
                ("command-job", ("inputs", "training", "path"), 5, "input-path-number"),
                ("data-asset", ("path",), 7, "data-path-number"),
                ("deployment", ("model",), 2, "model-number")]


def cases(seed: int) -> list[Case]:
    out = truncated(seed) + wrong_shapes(seed) + fixed_shapes() + yaml_tricks(seed) + encodings(seed) + templates()
    out += file_types()
    out += [in_git(c) for c in out if c.id.split("/")[1] in (
        "recursive-alias-inputs", "billion-laughs", "python-tag", "shape-inputs-list", "shape-input-path-number",
        "utf16-bom", "deep-flow")]
    return out


def _case(name: str, text: str | bytes, expect: Expect, **kw) -> Case:
    return Case(f"azureml/{name}", files({SPEC: text}), expect, target=SPEC, **kw)


def truncated(seed: int) -> list[Case]:
    out = []
    for name, doc in SEEDS.items():
        text = m.dump_yaml(doc)
        for at in m.truncation_points(text.encode(), rng_for(seed, "azureml", name), 2):
            cut = text[:at]
            valid, line = m.yaml_error_line(cut)
            reported = not valid and DECLARES.search(cut)
            out.append(_case(f"truncated-{name}-{at}", cut, Expect(ONE, line=line) if reported else Expect(EITHER)))
    return out


def wrong_shapes(seed: int) -> list[Case]:
    out = []
    for name, fields in FIELDS.items():
        for path, expected in fields:
            for value in m.wrong_values(expected, rng_for(seed, "azureml", name, *map(str, path))):
                text = m.dump_yaml(m.set_at(SEEDS[name], path, value))
                label = ".".join(map(str, path))
                out.append(_case(f"type-{name}-{label}-{m.describe(value)}", text,
                                 Expect(ONE, line=m.yaml_lines_of(text, path))))
    return out


def fixed_shapes() -> list[Case]:
    out = []
    for name, path, value, label in FIXED_SHAPES:
        text = m.dump_yaml(m.set_at(SEEDS[name], path, value))
        out.append(_case(f"shape-{label}", text, Expect(ONE, line=m.yaml_lines_of(text, path))))
    return out


def _raw(path: tuple, raw: str, seed_name: str = "command-job") -> tuple[str, set[int]]:
    text = m.yaml_with_raw(SEEDS[seed_name], path, raw)
    return text, m.yaml_lines_of(m.yaml_with_raw(SEEDS[seed_name], path, "x"), path)


def yaml_tricks(seed: int) -> list[Case]:
    job = SEEDS["command-job"]
    marker = "pwned-azureml"
    loop_inputs, inputs_lines = _raw(("inputs",), m.recursive_alias("mapping"))
    loop_top = m.dump_yaml(job) + "extra: &top [*top]\n"
    defs, laugh = m.billion_laughs()
    laughs, laughs_lines = _raw(("inputs", "training"), laugh)
    tag, tag_lines = _raw(("command",), m.python_tag(marker))
    name_tag, name_lines = _raw(("environment",), "!!python/name:os.system")
    binary, binary_lines = _raw(("inputs", "training", "path"), "!!binary aGVsbG8=")
    stamp, stamp_lines = _raw(("inputs", "training", "path"), "!!timestamp 2026-01-01")
    a_set, set_lines = _raw(("inputs",), "!!set {a, b}")
    deep, deep_lines = _raw(("inputs",), m.deep_yaml_flow())
    merge = m.dump_yaml({k: v for k, v in job.items() if k != "inputs"}) + (
        "defaults: &file {type: uri_file, mode: ro_mount}\n"
        "inputs:\n  a: {<<: *file, path: azureml:churn-a:1}\n  b: {<<: *file, path: azureml:churn-b:2}\n")
    anchors = m.dump_yaml({k: v for k, v in job.items() if k != "inputs"}) + (
        "inputs:\n  a: &shared {type: uri_file, path: azureml:churn-a:1}\n  b: *shared\n")
    dup, _ = m.duplicate_key(m.dump_yaml(job), "compute", "azureml:gpu-cluster")
    dup_schema = m.dump_yaml(job) + "$schema: https://json.schemastore.org/github-workflow.json\n"
    multi = m.dump_yaml(job) + "---\n" + m.dump_yaml(job)
    nested = (f"$schema: {SCHEMA.format('pipelineJob')}\ntype: pipeline\njobs: "
              + "".join(f"{{level{i}: {{type: pipeline, jobs: " for i in range(200)) + "{}" + "}}" * 200 + "\n")
    tabs = m.dump_yaml(job).replace("  training:", "\ttraining:", 1)
    tab_line = m.yaml_error_line(tabs)[1]
    data = SEEDS["data-asset"]
    huge_version = m.yaml_with_raw(data, ("version",), "9" * m.HUGE_INT_DIGITS)
    return [
        _case("recursive-alias-inputs", loop_inputs, Expect(ONE, line=inputs_lines), alone=True),
        _case("recursive-alias-top", loop_top, Expect(ONE, line=True), alone=True),
        _case("billion-laughs", defs + laughs, Expect(ONE, line=True)),
        _case("python-tag", tag, Expect(ONE, line=tag_lines), markers=(marker,)),
        _case("python-name-tag", name_tag, Expect(ONE, line=name_lines)),
        _case("binary-path", binary, Expect(ONE, line=binary_lines)),
        _case("timestamp-path", stamp, Expect(ONE, line=stamp_lines)),
        _case("set-inputs", a_set, Expect(ONE, line=set_lines)),
        _case("deep-flow", deep, Expect(ONE, line=deep_lines)),
        _case("merge-keys", merge, Expect(NONE, nodes=JOB_NODE)),
        _case("anchors-reused", anchors, Expect(NONE, nodes=JOB_NODE)),
        _case("duplicate-key", dup, Expect(EITHER, nodes=JOB_NODE)),
        _case("duplicate-schema", dup_schema, Expect(EITHER)),
        _case("two-documents", multi, Expect(ONE, line=True)),
        _case("pipeline-200-levels", nested, Expect(ONE)),
        _case("tab-indent", tabs, Expect(ONE, line=tab_line)),
        _case("huge-int-version", huge_version, Expect(ONE, line=m.yaml_lines_of(m.dump_yaml(data), ("version",)))),
        _case("top-level-list", m.dump_yaml([job]), Expect(ONE)),
        _case("huge-command", lambda: m.dump_yaml(m.set_at(job, ("command",), "python train.py " + "x" * 1_000_000)),
              Expect(NONE, nodes=JOB_NODE)),
    ]


def encodings(seed: int) -> list[Case]:
    text = m.dump_yaml(m.set_at(SEEDS["command-job"], ("description",), "Données d'entraînement — v3"))
    rng = rng_for(seed, "azureml", "encodings")
    return [
        _case("utf8-bom", m.utf8_bom(text), Expect(NONE, nodes=JOB_NODE)),
        _case("utf16-bom", m.utf16(text), Expect(EITHER, nodes=JOB_NODE)),
        _case("invalid-utf8", m.insert(text.encode(), rng, m.INVALID_UTF8, inside=b"train"), Expect(ONE)),
        _case("nul-byte", m.insert(text.encode(), rng, b"\0", inside=b"train"), Expect(ONE, line=True)),
        _case("crlf", text.replace("\n", "\r\n"), Expect(NONE, nodes=JOB_NODE)),
    ]


def templates() -> list[Case]:
    """What template engines leave in specs: a real estate has them; only `{{ }}` breaks YAML.

    By design (issue 6) a spec that does not parse because of its template markers is a
    template: recorded on its file node (`template: true`, `not_evaluated` naming the marker
    and its line), not a collection error. An unquoted `path: {{ training_data }}` is such a
    spec (a flow mapping as a key: no YAML loader builds it). A quoted one parses, and the
    job records that input as a placeholder, unresolved. A placeholder version is no version:
    the data asset is keyed by its name alone and notes the placeholder as `unresolved.version`."""
    job = SEEDS["command-job"]
    jinja = m.dump_yaml(job).replace("path: azureml:churn-training:3", "path: {{ training_data }}")
    quoted = m.dump_yaml(job).replace("path: azureml:churn-training:3", "path: '{{ training_data }}'")
    placeholder = m.dump_yaml(m.set_at(SEEDS["data-asset"], ("version",), "<VERSION>"))
    windows = m.dump_yaml(m.set_at(job, ("inputs", "training", "path"), "C:\\data\\churn\\train.csv"))
    marker_line = m.yaml_error_line(jinja)[1]
    return [
        _case("jinja-path", jinja, Expect(NONE, nodes=("file:{p}/spec.yml has template",)),
              check=fact_check("file:{p}/spec.yml", ("not_evaluated",),
                               f"a template: {{{{ training_data }}}} on line {min(marker_line)} is not YAML "
                               "until rendered; not evaluated")),
        _case("jinja-path-quoted", quoted, Expect(NONE, nodes=(JOB_NODE[0] + " has unresolved",)),
              check=fact_check(JOB_NODE[0], ("unresolved", "inputs.training", "value"), "{{ training_data }}")),
        _case("placeholder-version", placeholder, Expect(NONE, nodes=("dataset:azureml:{s} has unresolved",)),
              check=fact_check("dataset:azureml:{s}", ("unresolved", "version", "value"), "<VERSION>")),
        _case("windows-path", windows, Expect(NONE, nodes=JOB_NODE)),
    ]


def fact_check(node: str, path: tuple, value) -> Callable[[Path, object], list[str]]:
    """A case check: the snapshot's `node` ("{p}"/"{s}" as in Expect.nodes) holds `value` at
    `path` in its attrs (a fact the expectation names, not just an attribute's presence)."""
    def check(case_dir: Path, outcome) -> list[str]:
        where = SimpleNamespace(where=case_dir.parent.name, slug=case_dir.name)
        nid = node.format(p=key_prefix(where), s=case_dir.name)
        found = (outcome.node(nid) or {}).get("attrs", {})
        for part in path:
            found = found.get(part) if isinstance(found, dict) else None
        return [] if found == value else [f"{nid} attrs.{'.'.join(path)} is {found!r}, expected {value!r}"]
    return check


def file_types() -> list[Case]:
    def fifo(case_dir: Path) -> None:
        case_dir.mkdir(parents=True, exist_ok=True)
        os.mkfifo(case_dir / SPEC)

    def link_out(case_dir: Path) -> None:
        write(case_dir / "real.yml", m.dump_yaml(SEEDS["command-job"]))
        (case_dir / SPEC).symlink_to("../../../outside/secret.csv")

    return [Case("azureml/fifo", fifo, Expect(ONE), target=SPEC),
            Case("azureml/symlink-out-of-tree", link_out, Expect(ONE), target=SPEC)]
