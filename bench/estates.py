"""Real-shaped estates for bench_estates.py: generators and the on-disk cache.

Three families, each named by its size so a name says what it holds:

- `azureml-<k>x`: a git work tree shaped like the Azure ML examples repository, k times
  over (1x ≈ 1,200 files, ≈ 8 MB): generated GitHub workflows (one per example), CLI v2
  command, sweep, pipeline and AutoML job specs, components, online and batch endpoints
  with their deployments, data/model/environment assets, SDK notebooks (half of them with
  outputs: logs, HTML tables, PNG plots), training and scoring scripts, conda files,
  Dockerfiles, READMEs, MLTable files, Bicep, sample data; `${{ }}` expressions everywhere,
  `<PLACEHOLDER>` values, and a few `{{ }}` templates (two per 1x are YAML no parser can
  read: expected collection errors). History: 1,000 commits per 1x, pull requests merged.
- `lineage-<n>k`: ≈ n thousand graph nodes with lineage: a git work tree (bench.py's
  generator: merges, tags, release branches; ½ of the nodes are commits) and an MLflow
  SQLite store (bench_mlflow.py's writer, then re-pointed with UPDATEs) whose runs record
  the repo's commits (full and short shas), commits the repo does not hold, no commit;
  source files in the repo (POSIX, Windows and notebook paths), untracked or elsewhere;
  dataset inputs unpinned, versioned or DVC-tracked, or none. Every lineage and data rule
  has work. The runs share 3,000 commits; `lineage-<n>k-c<m>` is the same estate with m
  (the repository is copied from `lineage-<n>k` when that one is built).
- `hits-<n>k` / `hits-<n>`: n small tracked data files (MLC-REPO-003 with
  `data_file_max_bytes: 0` flags each), n/4 notebooks with outputs (MLC-REPO-001) and n/4
  Azure ML jobs reading `@latest` data (MLC-DATA-002): rules with many hits.

Every file is written by these generators (shapes from the public examples and the
official schemas, never copied). Estates are cached under OUT/estates/v<version>/<name>/
with an `estate.json` describing them; bump ESTATE_VERSION when a generator changes.
"""
from __future__ import annotations

import base64
import importlib.util
import json
import random
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

BENCH_DIR = Path(__file__).resolve().parent
ESTATE_VERSION = 1


def _load(name: str):
    """A sibling bench module by file (bench/ is no package, and `bench` is also a folder name)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


gitbench = _load("bench")          # Stream, History, generate_repo, git_env, run_git


# -- estate description -------------------------------------------------------------

@dataclass
class EstateInfo:
    """What an estate holds, saved as estate.json beside it."""
    name: str
    kind: str                              # azureml | lineage | hits
    path: str                              # the folder to scan
    repos: list[str] = field(default_factory=list)       # git work trees (relative to path)
    stores: list[str] = field(default_factory=list)      # MLflow SQLite files (relative to path)
    params: dict = field(default_factory=dict)            # ScanOptions.params / mlcheck.yaml params
    facts: dict = field(default_factory=dict)             # counts, sizes, what was planted
    built_s: float = 0.0


def parse_name(name: str) -> tuple[str, int, int | None]:
    """`azureml-10x` → ("azureml", 10, None); `lineage-200k` → ("lineage", 200000, None);
    `lineage-200k-c50` → ("lineage", 200000, 50) (runs share 50 commits); `hits-4k` → ("hits", 4000, None)."""
    m = re.fullmatch(r"(azureml)-(\d+)x|(lineage|hits)-(\d+)(k?)(?:-c(\d+))?", name)
    if not m or (m.group(6) and m.group(3) != "lineage"):
        raise ValueError(f"unknown estate {name!r}: expected azureml-<k>x, lineage-<n>k[-c<commits>] or hits-<n>[k]")
    if m.group(1):
        return "azureml", int(m.group(2)), None
    return m.group(3), int(m.group(4)) * (1000 if m.group(5) else 1), int(m.group(6)) if m.group(6) else None


def ensure_estate(name: str, out: Path) -> tuple[EstateInfo, bool]:
    """The cached estate, built when missing; (info, built now)."""
    kind, size, variant = parse_name(name)
    dest = out / "estates" / f"v{ESTATE_VERSION}" / name
    meta = dest.with_name(name + ".json")
    if meta.exists() and dest.is_dir():
        return EstateInfo(**json.loads(meta.read_text())), False
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    t0 = time.perf_counter()
    info = BUILDERS[kind](dest, size, variant)
    info.name, info.path, info.built_s = name, str(dest), time.perf_counter() - t0
    meta.write_text(json.dumps(info.__dict__, indent=1) + "\n")
    return info, True


# -- git plumbing: a tree and a history through fast-import ------------------------------

def fast_import(dest: Path, write: Callable[["gitbench.Stream"], None], seed: int) -> None:
    """A work tree at dest whose history `write` streams into `git fast-import`."""
    gitbench.run_git(dest, "init", "-q", "-b", "main")
    proc = subprocess.Popen(["git", "-C", str(dest), "fast-import", "--quiet", "--done"],
                            env=gitbench.git_env(), stdin=subprocess.PIPE)
    with proc.stdin:
        write(gitbench.Stream(proc.stdin, random.Random(seed)))
        proc.stdin.write(b"done\n")
    if proc.wait() != 0:
        raise RuntimeError(f"git fast-import failed in {dest}")
    gitbench.run_git(dest, "reset", "-q", "--hard")


@dataclass
class GenTree:
    """Files by path, and how to make a later revision of the ones commits change."""
    files: dict[str, bytes] = field(default_factory=dict)
    revise: dict[str, Callable[[int], bytes]] = field(default_factory=dict)

    def add(self, path: str, make: Callable[[int], bytes], mutable: bool = True) -> None:
        self.files[path] = make(0)
        if mutable:
            self.revise[path] = make


def pr_history(stream: "gitbench.Stream", tree: GenTree, commits: int) -> None:
    """GitHub-style history: an initial import, then pull requests (1-4 commits on a branch,
    merged with a merge commit) and direct commits, a release tag every 500 commits."""
    rng, paths = stream.rng, sorted(tree.revise)
    main = stream.commit("refs/heads/main", "Initial import of the examples\n", tree.files, None)
    rev, pr, tags = 0, 0, 0

    def changes() -> dict[str, bytes]:
        nonlocal rev
        rev += 1
        return {p: tree.revise[p](rev) for p in rng.sample(paths, k=min(len(paths), rng.randint(1, 3)))}

    while stream.count < commits:
        if rng.random() < 0.3 and commits - stream.count > 5:
            pr += 1
            ref, tip = f"refs/heads/users/dev{pr % 17}/pr-{pr}", main
            for _ in range(rng.randint(1, 4)):
                tip = stream.commit(ref, f"Update examples (#{pr})\n", changes(), tip)
            main = stream.commit("refs/heads/main", f"Merge pull request #{pr} from dev{pr % 17}/pr-{pr}\n",
                                 {}, main, merge=tip)
            stream.reset(ref, None)
        else:
            main = stream.commit("refs/heads/main", f"Fix sample {rev + 1}\n", changes(), main)
        if stream.count >= (tags + 1) * 500:
            tags += 1
            stream.tag(f"v{tags}.0.0", main, f"Release {tags}\n")


# -- real file formats ------------------------------------------------------------------

def png(width: int, height: int, rng: random.Random) -> bytes:
    """A valid RGB PNG of noise (incompressible: its size is about width*height*3 bytes)."""
    raw = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b""))


def lines(text: str) -> list[str]:
    """A notebook's multi-line string: a list of lines, each but the last ending in \\n."""
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


FRAMEWORKS = ("scikit-learn", "pytorch", "tensorflow", "lightgbm", "xgboost", "r", "spark", "dask")
DATASETS = ("iris", "diabetes", "mnist", "cifar-10", "nyc-taxi", "credit-default", "titanic",
            "bank-marketing", "house-pricing", "fridge-items", "newsgroups", "conll2003")
ENVIRONMENTS = ("azureml:AzureML-sklearn-1.5@latest", "azureml:AzureML-pytorch-1.13-cuda11.7:12",
                "azureml:AzureML-tensorflow-2.12-cuda11@latest", "azureml:AzureML-lightgbm-3.3:4",
                "azureml:AzureML-ACPT-pytorch-1.13-py38-cuda11.7-gpu@latest")
COMPUTES = ("azureml:cpu-cluster", "azureml:gpu-cluster", "azureml:<compute-name>", "serverless")
SCHEMA = "https://azuremlschemas.azureedge.net/latest/{}.schema.json"
AUTOML_SCHEMA = "https://azuremlsdk2.blob.core.windows.net/preview/0.0.1/autoMLJob.schema.json"


def data_input(i: int) -> str:
    """A job input as the examples write them: pinned, @latest, unversioned, URL, datastore."""
    name, k = DATASETS[i % len(DATASETS)], i % 6
    if k == 0:
        return f"      type: uri_file\n      path: azureml:{name}-data:{1 + i % 4}\n"
    if k == 1:
        return f"      type: uri_folder\n      path: azureml:{name}-data@latest\n"
    if k == 2:
        return f"      type: uri_file\n      path: https://azuremlexamples.blob.core.windows.net/datasets/{name}.csv\n"
    if k == 3:
        return "      type: uri_folder\n      path: azureml://datastores/<datastore-name>/paths/<data-path>/\n"
    if k == 4:
        return f"      type: uri_folder\n      path: ./data/{name}\n      mode: ro_mount\n"
    return f"      type: mltable\n      path: azureml:{name}-mltable:{1 + i % 3}\n"


def command_job(i: int, rev: int, where: str) -> bytes:
    env = ENVIRONMENTS[i % len(ENVIRONMENTS)]
    return (f"$schema: {SCHEMA.format('commandJob')}\n"
            "code: src\n"
            "command: >-\n"
            "  python main.py\n"
            "  --data ${{inputs.training_data}}\n"
            "  --learning-rate ${{inputs.learning_rate}}\n"
            f"  --epochs {5 + rev % 20}\n"
            "  --model-output ${{outputs.model_output}}\n"
            "inputs:\n"
            "  training_data:\n" + data_input(i).replace("      ", "    ") +
            f"  learning_rate: {0.01 * (1 + i % 9):.2f}\n"
            "outputs:\n"
            "  model_output:\n"
            "    type: mlflow_model\n"
            f"environment: {env}\n"
            f"compute: {COMPUTES[i % len(COMPUTES)]}\n"
            + ("distribution:\n  type: pytorch\n  process_count_per_instance: 2\nresources:\n  instance_count: 2\n"
               if i % 5 == 1 else "")
            + f"display_name: {where.replace('/', '-')}-example\n"
            f"experiment_name: {where.replace('/', '-')}-example\n"
            f"description: Train a {FRAMEWORKS[i % len(FRAMEWORKS)]} model on the "
            f"{DATASETS[i % len(DATASETS)]} dataset (revision {rev}).\n").encode()


def sweep_job(i: int, rev: int) -> bytes:
    return (f"$schema: {SCHEMA.format('sweepJob')}\n"
            "type: sweep\n"
            "trial:\n"
            "  code: src\n"
            "  command: >-\n"
            "    python main.py\n"
            "    --data ${{inputs.training_data}}\n"
            "    --learning-rate ${{search_space.learning_rate}}\n"
            "    --boosting ${{search_space.boosting}}\n"
            f"  environment: {ENVIRONMENTS[i % len(ENVIRONMENTS)]}\n"
            "inputs:\n"
            "  training_data:\n" + data_input(i + 1).replace("      ", "    ") +
            f"compute: {COMPUTES[i % 2]}\n"
            "sampling_algorithm: random\n"
            "search_space:\n"
            "  learning_rate:\n    type: uniform\n    min_value: 0.01\n    max_value: 0.9\n"
            '  boosting:\n    type: choice\n    values: ["gbdt", "dart"]\n'
            "objective:\n  goal: minimize\n  primary_metric: test-multi_logloss\n"
            f"limits:\n  max_total_trials: {10 + rev % 30}\n  max_concurrent_trials: 10\n  timeout: 7200\n"
            f"display_name: sweep-example-{i}\nexperiment_name: sweep-example-{i}\n").encode()


PIPELINE_STEPS = ("prep", "transform", "train", "predict", "score")


def pipeline_job(i: int, rev: int) -> bytes:
    steps = PIPELINE_STEPS[: 3 + i % 3]
    out = [f"$schema: {SCHEMA.format('pipelineJob')}", "type: pipeline",
           f"display_name: pipeline-example-{i}", f"experiment_name: pipeline-example-{i}",
           "settings:", f"  default_compute: {COMPUTES[i % 2]}", "  continue_on_step_failure: false",
           "inputs:", "  pipeline_raw_data:"]
    out += [line for line in data_input(i).replace("      ", "    ").rstrip("\n").split("\n")]
    out.append("jobs:")
    for k, step in enumerate(steps):
        source = "${{parent.inputs.pipeline_raw_data}}" if k == 0 else \
            f"${{{{parent.jobs.{steps[k - 1]}_job.outputs.{steps[k - 1]}_data}}}}"
        out += [f"  {step}_job:", "    type: command",
                "    inputs:", f"      {step}_input: {source}",
                "    outputs:", f"      {step}_data:", "        mode: rw_mount",
                f"    code: src/{step}",
                f"    environment: {ENVIRONMENTS[(i + k) % len(ENVIRONMENTS)]}",
                "    command: >-", f"      python {step}.py",
                f"      --input ${{{{inputs.{step}_input}}}}",
                f"      --output ${{{{outputs.{step}_data}}}}" + (f" --seed {rev}" if k == 0 else "")]
    return ("\n".join(out) + "\n").encode()


AUTOML_TASKS = ("classification", "regression", "forecasting", "image_classification",
                "text_classification", "image_object_detection")


def automl_job(i: int, rev: int) -> bytes:
    task = AUTOML_TASKS[i % len(AUTOML_TASKS)]
    return (f"$schema: {AUTOML_SCHEMA}\n"
            "type: automl\n"
            f"experiment_name: dpv2-cli-automl-{task.replace('_', '-')}-{i}\n"
            f"description: An AutoML {task} job (revision {rev})\n"
            f"compute: {COMPUTES[i % 2]}\n"
            f"task: {task}\n"
            "primary_metric: accuracy\n"
            'target_column_name: "y"\n'
            "training_data:\n  path: ./training-mltable-folder\n  type: mltable\n"
            "validation_data:\n  path: ./validation-mltable-folder\n  type: mltable\n"
            + ("test_data:\n  path: azureml:automl-test-data@latest\n  type: mltable\n" if i % 3 == 0 else "")
            + f"limits:\n  timeout_minutes: 180\n  max_trials: {20 + rev % 20}\n  max_concurrent_trials: 5\n"
            "  enable_early_termination: true\n"
            "training:\n  enable_stack_ensemble: false\n  enable_vote_ensemble: false\n"
            "featurization:\n  mode: auto\n").encode()


def mltable(name: str) -> bytes:
    return (f"paths:\n  - file: ./{name}.csv\ntransformations:\n  - read_delimited:\n"
            "        delimiter: ','\n        encoding: 'ascii'\n        header: all_files_same_headers\n").encode()


def component(i: int, rev: int) -> bytes:
    return (f"$schema: {SCHEMA.format('commandComponent')}\n"
            "type: command\n"
            f"name: train_model_{i}\n"
            f"display_name: Train model {i}\n"
            f"version: {1 + rev % 9}\n"
            "inputs:\n  training_data:\n    type: uri_folder\n  max_epochs:\n    type: integer\n    default: 10\n"
            "outputs:\n  model_output:\n    type: uri_folder\n"
            "code: ./src\n"
            f"environment: {ENVIRONMENTS[i % len(ENVIRONMENTS)]}\n"
            "command: >-\n  python train.py\n  --training_data ${{inputs.training_data}}\n"
            "  --max_epochs ${{inputs.max_epochs}}\n  --model_output ${{outputs.model_output}}\n").encode()


def online_endpoint(i: int, rev: int) -> bytes:
    return (f"$schema: {SCHEMA.format('managedOnlineEndpoint')}\n"
            f"name: my-endpoint-{i}\n"
            f"auth_mode: {('key', 'aml_token', 'aad_token')[i % 3]}\n"
            + ("public_network_access: disabled\n" if i % 4 == 0 else "")
            + (f"traffic:\n  blue: {100 - rev % 50}\n  green: {rev % 50}\n" if i % 2 == 0 else "")).encode()


def online_deployment(i: int, rev: int, color: str) -> bytes:
    model = (f"model: azureml:sklearn-model-{i % 40}:{1 + (i + rev) % 5}\n" if i % 3 == 0 else
             f"model: azureml:sklearn-model-{i % 40}@latest\n" if i % 3 == 1 else
             "model:\n  path: ../../model-1/model/\n")
    return (f"$schema: {SCHEMA.format('managedOnlineDeployment')}\n"
            f"name: {color}\n"
            f"endpoint_name: my-endpoint-{i}\n" + model +
            "code_configuration:\n  code: ./onlinescoring/\n  scoring_script: score.py\n"
            "environment:\n  conda_file: ./environment/conda.yaml\n"
            "  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest\n"
            f"instance_type: {('Standard_DS3_v2', 'Standard_F4s_v2', 'Standard_NC6s_v3')[i % 3]}\n"
            f"instance_count: {1 + rev % 3}\n"
            + ("request_settings:\n  request_timeout_ms: 3000\n  max_concurrent_requests_per_instance: 1\n"
               if i % 2 else "")
            + ("environment_variables:\n  AZUREML_ENTRY_SCRIPT: score.py\n  API_KEY: <YOUR_API_KEY>\n"
               if i % 5 == 0 else "")).encode()


def batch_endpoint(i: int, rev: int) -> bytes:
    return (f"$schema: {SCHEMA.format('batchEndpoint')}\n"
            f"name: mnist-batch-{i}\n"
            f"description: A batch endpoint for scoring images from the MNIST dataset (rev {rev}).\n"
            "auth_mode: aad_token\n").encode()


def batch_deployment(i: int, rev: int) -> bytes:
    return (f"$schema: {SCHEMA.format('modelBatchDeployment')}\n"
            f"name: mnist-torch-dpl-{i}\n"
            f"endpoint_name: mnist-batch-{i}\n"
            "type: model\n"
            + (f"model: azureml:mnist-classifier-torch:{1 + rev % 4}\n" if i % 2 else
               "model: azureml:mnist-classifier-torch@latest\n") +
            "code_configuration:\n  code: code\n  scoring_script: batch_driver.py\n"
            "environment:\n  name: batch-torch-py38\n  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest\n"
            "  conda_file: environment/conda.yaml\n"
            "compute: azureml:batch-cluster\n"
            "resources:\n  instance_count: 1\n"
            "settings:\n  max_concurrency_per_instance: 2\n  mini_batch_size: 10\n  output_action: append_row\n"
            "  output_file_name: predictions.csv\n  retry_settings:\n    max_retries: 3\n    timeout: 30\n"
            "  error_threshold: -1\n  logging_level: info\n").encode()


def asset(kind: str, i: int, rev: int) -> bytes:
    name = DATASETS[i % len(DATASETS)]
    if kind == "data":
        path = (f"https://azuremlexamples.blob.core.windows.net/datasets/{name}.csv", f"./sample-data/{name}/",
                f"wasbs://data@azuremlexampledata.blob.core.windows.net/{name}/",
                "azureml://datastores/workspaceblobstore/paths/example-data/")[i % 4]
        return (f"$schema: {SCHEMA.format('data')}\nname: {name}-data-{i}\n"
                + (f"version: {1 + rev % 7}\n" if i % 3 else "")
                + f"description: {name} data as an asset.\ntype: {('uri_file', 'uri_folder', 'uri_folder', 'mltable')[i % 4]}\n"
                f"path: {path}\n").encode()
    if kind == "model":
        return (f"$schema: {SCHEMA.format('model')}\nname: {name}-model-{i}\n"
                f"version: {1 + rev % 5}\npath: ./models/{name}\n"
                f"type: {('mlflow_model', 'custom_model', 'triton_model')[i % 3]}\n"
                f"description: Model trained on {name}.\n").encode()
    body = ("build:\n  path: docker-context\n" if i % 3 == 0 else
            "image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest\nconda_file: conda-yamls/pydata.yml\n")
    return (f"$schema: {SCHEMA.format('environment')}\nname: {name}-env-{i}\nversion: {1 + rev % 9}\n"
            + body + f"description: Environment for the {name} examples.\n").encode()


def conda(i: int, rev: int) -> bytes:
    return (f"name: model-env-{i}\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.{8 + i % 3}\n"
            f"  - numpy=1.2{i % 6}.{rev % 4}\n  - pip=23.1\n  - scikit-learn=1.{i % 4}.2\n  - pandas>=1.5\n"
            "  - pip:\n    - azureml-mlflow==1.51.0\n    - mlflow==2.4.1\n    - azureml-inference-server-http\n").encode()


def dockerfile(i: int, rev: int) -> bytes:
    return (f"FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:2023{1 + rev % 12:02d}01.v1\n\n"
            "WORKDIR /\nENV CONDA_PREFIX=/azureml-envs/sklearn\nENV CONDA_DEFAULT_ENV=$CONDA_PREFIX\n"
            "ENV PATH=$CONDA_PREFIX/bin:$PATH\n\n"
            "COPY conda_dependencies.yaml .\n"
            "RUN conda env create -p $CONDA_PREFIX -f conda_dependencies.yaml -q && \\\n"
            "    rm conda_dependencies.yaml && \\\n    conda run -p $CONDA_PREFIX pip cache purge && \\\n"
            "    conda clean -a -y\n").encode()


def train_script(i: int, rev: int) -> bytes:
    fw = FRAMEWORKS[i % len(FRAMEWORKS)]
    return (f'"""Train a {fw} model; logs parameters, metrics and the model with MLflow."""\n'
            "import argparse\nimport os\n\nimport mlflow\nimport pandas as pd\n"
            "from sklearn.model_selection import train_test_split\n\n\n"
            "def parse_args():\n    parser = argparse.ArgumentParser()\n"
            '    parser.add_argument("--data", type=str, help="path to input data")\n'
            '    parser.add_argument("--learning-rate", type=float, default=0.1)\n'
            f'    parser.add_argument("--epochs", type=int, default={5 + rev % 10})\n'
            '    parser.add_argument("--model-output", type=str, default="outputs/model")\n'
            "    return parser.parse_args()\n\n\n"
            "def main(args):\n    mlflow.autolog()\n"
            "    df = pd.read_csv(args.data)\n"
            '    X, y = df.drop(columns=["target"]), df["target"]\n'
            f"    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.{2 + i % 3}, random_state={i})\n"
            '    mlflow.log_param("rows", len(df))\n'
            "    for epoch in range(args.epochs):\n"
            '        mlflow.log_metric("loss", 1.0 / (epoch + 1), step=epoch)\n'
            "    os.makedirs(args.model_output, exist_ok=True)\n\n\n"
            'if __name__ == "__main__":\n    main(parse_args())\n').encode()


def score_script(i: int, rev: int) -> bytes:
    return ('"""Scoring script: init() loads the model once, run() scores each request."""\n'
            "import json\nimport logging\nimport os\n\nimport joblib\nimport numpy\n\nmodel = None\n\n\n"
            "def init():\n    global model\n"
            f'    model_path = os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model/sklearn_regression_model_{i}.pkl")\n'
            "    model = joblib.load(model_path)\n"
            f'    logging.info("Init complete (revision {rev})")\n\n\n'
            "def run(raw_data):\n"
            '    data = numpy.array(json.loads(raw_data)["data"])\n'
            "    result = model.predict(data)\n"
            "    return result.tolist()\n").encode()


def shell_script(i: int, rev: int) -> bytes:
    return ("#!/bin/bash\nset -e\n\n"
            f'export ENDPOINT_NAME="endpoint-$(date +%s)-{i}"\n'
            'export SUBSCRIPTION_ID="<SUBSCRIPTION_ID>"\nexport RESOURCE_GROUP="<RESOURCE_GROUP>"\n\n'
            "az ml online-endpoint create --name $ENDPOINT_NAME -f endpoints/online/managed/sample/endpoint.yml\n"
            "az ml online-deployment create --name blue --endpoint $ENDPOINT_NAME "
            "-f endpoints/online/managed/sample/blue-deployment.yml --all-traffic\n"
            'ENDPOINT_STATUS=$(az ml online-endpoint show --name $ENDPOINT_NAME --query "provisioning_state" -o tsv)\n'
            'if [[ $ENDPOINT_STATUS == "Succeeded" ]]; then echo "Endpoint created successfully"; '
            'else echo "Endpoint creation failed"; exit 1; fi\n'
            f"# revision {rev}\n"
            "az ml online-endpoint delete --name $ENDPOINT_NAME --yes --no-wait\n").encode()


def readme(title: str, rev: int) -> bytes:
    return (f"# {title}\n\nThis example shows how to run `{title}` with the Azure ML CLI v2 or the Python SDK v2.\n\n"
            "## Prerequisites\n\n- An Azure subscription and an Azure ML workspace\n"
            "- The `ml` extension for the Azure CLI\n\n## Run\n\n```bash\naz ml job create -f job.yml --web\n```\n"
            f"\n<!-- revision {rev} -->\n").encode()


def sample_request(i: int, rev: int) -> bytes:
    return json.dumps({"input_data": {"columns": [f"f{k}" for k in range(8)], "index": [0, 1],
                                      "data": [[(i * 7 + k + rev) % 13 / 10 for k in range(8)] for _ in range(2)]}},
                      indent=2).encode() + b"\n"


def small_csv(name: str, rows: int, seed: int) -> bytes:
    rng = random.Random(seed)
    body = "".join(f"{r},{rng.random():.4f},{rng.random():.4f},{rng.randint(0, 2)}\n" for r in range(rows))
    return f"id,{name}_a,{name}_b,target\n".encode() + body.encode()


def workflow(name: str, paths: list[str], command: str, i: int, rev: int) -> bytes:
    """A generated GitHub Actions workflow, one per example, as the examples generate them."""
    watch = "".join(f"      - {p}\n" for p in [*paths, "infra/bootstrapping/**",
                                                   f".github/workflows/{name}.yml", "cli/setup.sh"])
    return ("# This file is written by a generator script: change the script, not this file.\n\n"
            f"name: {name}\n"
            "on:\n  workflow_dispatch:\n  schedule:\n"
            f'    - cron: "{(i * 7 + rev) % 60} {i % 12}/12 * * *"\n'
            "  pull_request:\n    branches:\n      - main\n    paths:\n" + watch +
            "concurrency:\n  group: ${{ github.workflow }}-${{ github.event.pull_request.number || github.ref }}\n"
            "  cancel-in-progress: true\n"
            "jobs:\n  build:\n    runs-on: ubuntu-latest\n    timeout-minutes: 60\n    steps:\n"
            "    - name: check out repo\n      uses: actions/checkout@v4\n"
            "    - name: azure login\n      uses: azure/login@v2\n      with:\n"
            "        creds: ${{secrets.AZUREML_CREDENTIALS}}\n"
            "    - name: bootstrap resources\n      run: |\n"
            "          echo '${{ secrets.AZUREML_CREDENTIALS }}' | jq -r '.subscriptionId' > /dev/null\n"
            "          bash bootstrap.sh\n      working-directory: infra/bootstrapping\n      continue-on-error: false\n"
            "    - name: setup-cli\n      run: |\n"
            '          source "${{ github.workspace }}/infra/bootstrapping/sdk_helpers.sh";\n'
            '          source "${{ github.workspace }}/infra/bootstrapping/init_environment.sh";\n'
            "          bash setup.sh\n      working-directory: cli\n      continue-on-error: true\n"
            "    - name: run example\n      run: |\n"
            '          source "${{ github.workspace }}/infra/bootstrapping/sdk_helpers.sh";\n'
            '          source "${{ github.workspace }}/infra/bootstrapping/init_environment.sh";\n'
            f"          {command}\n      working-directory: cli\n").encode()


HTML_ROW = "<tr><th>{r}</th><td>{a:.3f}</td><td>{b:.3f}</td><td>{c}</td><td>{d}</td></tr>\n"


def notebook(i: int, rev: int, with_outputs: bool, rng_seed: int) -> bytes:
    """An SDK v2 notebook: connect, build a command job, submit, stream; with outputs: run
    logs, an HTML table and PNG plots (≈150 KB), as notebooks committed after a run hold."""
    rng = random.Random(rng_seed)
    name = f"{FRAMEWORKS[i % len(FRAMEWORKS)]}-{DATASETS[i % len(DATASETS)]}"
    sources = [
        "# import required libraries\nfrom azure.ai.ml import MLClient, command, Input\n"
        "from azure.identity import DefaultAzureCredential",
        '# Enter details of your Azure ML workspace\nsubscription_id = "<SUBSCRIPTION_ID>"\n'
        'resource_group = "<RESOURCE_GROUP>"\nworkspace = "<AML_WORKSPACE_NAME>"',
        "ml_client = MLClient(\n    DefaultAzureCredential(), subscription_id, resource_group, workspace\n)",
        "import pandas as pd\n\n"
        f'df = pd.read_csv("https://azuremlexamples.blob.core.windows.net/datasets/{DATASETS[i % len(DATASETS)]}.csv")\n'
        "df.describe()",
        "job = command(\n    code=\"./src\",\n    command=\"python main.py --data ${{inputs.data}} --epochs "
        f"{5 + rev % 10}\",\n    inputs={{\"data\": Input(type=\"uri_file\", path=\"azureml:{name}-data@latest\")}},\n"
        f"    environment=\"{ENVIRONMENTS[i % len(ENVIRONMENTS)][8:]}\",\n    display_name=\"{name}-example\",\n)",
        "returned_job = ml_client.create_or_update(job)\nml_client.jobs.stream(returned_job.name)",
        "import matplotlib.pyplot as plt\n\nplt.plot(history['loss'])\nplt.plot(history['val_loss'])\nplt.show()",
    ]
    cells: list[dict] = [{"cell_type": "markdown", "id": f"intro-{i}", "metadata": {}, "source": lines(
        f"# Train a {name} model with Azure ML\n\n**Requirements** - an Azure subscription, a workspace and the "
        "Python SDK v2 (`azure-ai-ml`).\n\n**Learning objectives** - connect to the workspace, configure a "
        "command job with an input, submit it and follow its logs.")}]
    for c, src in enumerate(sources):
        cells.append({"cell_type": "markdown", "id": f"md-{c}", "metadata": {},
                      "source": lines(f"## {c + 1}. Step {c + 1}\nThe next cell runs step {c + 1} of the example.")})
        outputs: list[dict] = []
        if with_outputs and c == 3:
            rows = "".join(HTML_ROW.format(r=r, a=rng.random(), b=rng.random() * 10, c=rng.randint(0, 9),
                                           d=rng.choice("ab")) for r in range(120))
            outputs.append({"output_type": "execute_result", "execution_count": c + 1, "metadata": {},
                            "data": {"text/html": lines('<div>\n<table border="1" class="dataframe">\n'
                                                        "<thead><tr><th></th><th>a</th><th>b</th><th>c</th>"
                                                        f"<th>d</th></tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n</div>"),
                                     "text/plain": lines("        a      b  c  d\n0  0.512  3.101  4  a\n...")}})
        if with_outputs and c == 5:
            log = "".join(f"[2024-05-{1 + k % 28:02d}T10:{k % 60:02d}:00Z] epoch {k}: loss={1 / (k + 1):.4f} "
                          f"accuracy={1 - 1 / (k + 2):.4f}\n" for k in range(60))
            outputs.append({"output_type": "stream", "name": "stdout", "text": lines(
                f"RunId: {name}-{rng.getrandbits(48):012x}\nWeb View: https://ml.azure.com/runs/{name}?wsid="
                "/subscriptions/<SUBSCRIPTION_ID>/resourcegroups/<RESOURCE_GROUP>/workspaces/<AML_WORKSPACE_NAME>\n\n"
                "Streaming azureml-logs/70_driver_log.txt\n========================================\n\n" + log +
                "\nExecution Summary\n=================\nRunId: done\n")})
        if with_outputs and c == 6:
            for k in range(2):
                outputs.append({"output_type": "display_data", "metadata": {}, "data": {
                    "image/png": base64.b64encode(png(170, 120, rng)).decode() + "\n",
                    "text/plain": [f"<Figure size 640x480 with {k + 1} Axes>"]}})
        cells.append({"cell_type": "code", "execution_count": c + 1 if with_outputs else None, "id": f"code-{c}",
                      "metadata": {"gather": {"logged": 1634853282567 + c}}, "outputs": outputs, "source": lines(src)})
    nb = {"cells": cells, "metadata": {
        "kernelspec": {"display_name": "Python 3.10 - SDK V2", "language": "python", "name": "python310-sdkv2"},
        "language_info": {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                          "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                          "pygments_lexer": "ipython3", "version": "3.10.11"},
        "description": {"description": f"Train a {name} model with a command job"}},
        "nbformat": 4, "nbformat_minor": 5}
    return (json.dumps(nb, indent=1, ensure_ascii=False) + "\n").encode()


def template_job(i: int, readable: bool) -> bytes:
    """A job spec kept as a `{{ }}` template; unquoted at a value's start it is no YAML at all."""
    compute = '"{{ compute_name }}"' if readable else "{{ compute_name }}"
    return (f"$schema: {SCHEMA.format('commandJob')}\n"
            "code: src\n"
            "command: python train.py --epochs {{ epochs }} --data ${{inputs.training_data}}\n"
            "inputs:\n  training_data:\n    type: uri_folder\n    path: azureml:{{ data_name }}:{{ data_version }}\n"
            "environment: azureml:{{ environment_name }}@latest\n"
            f"compute: {compute}\n"
            f"display_name: templated-job-{i}\n").encode()


AREA_FIXED = {
    "README.md": readme("Azure Machine Learning examples", 0),
    ".gitignore": b"__pycache__/\n*.pyc\n.ipynb_checkpoints/\nmlruns/\noutputs/\n.env\n",
    "CODEOWNERS": b"* @ml-platform/maintainers\n/sdk/ @ml-platform/sdk\n/cli/ @ml-platform/cli\n",
    "cli/setup.sh": b"#!/bin/bash\nset -e\naz extension add -n ml -y\naz configure --defaults group=$GROUP workspace=$WORKSPACE location=$LOCATION\n",
    "infra/bootstrapping/bootstrap.sh": b"#!/bin/bash\nset -e\nsource sdk_helpers.sh\nsource init_environment.sh\nbash deploy.sh\n",
    "infra/bootstrapping/init_environment.sh": b'#!/bin/bash\nexport SUBSCRIPTION_ID="<SUBSCRIPTION_ID>"\nexport LOCATION="eastus"\n',
    "infra/bootstrapping/sdk_helpers.sh": b"#!/bin/bash\nfunction ensure_ml_extension() { az extension add -n ml -y; }\n",
    "infra/main.bicep": (b"param location string = resourceGroup().location\nparam workspaceName string\n\n"
                         b"resource ws 'Microsoft.MachineLearningServices/workspaces@2023-04-01' = {\n"
                         b"  name: workspaceName\n  location: location\n  identity: { type: 'SystemAssigned' }\n"
                         b"  properties: { publicNetworkAccess: 'Disabled' }\n}\n"),
    "sdk/python/setup.sh": b"#!/bin/bash\npip install -r requirements.txt\n",
    "sdk/python/requirements.txt": b"azure-ai-ml\nazure-identity\nmlflow\nazureml-mlflow\n",
    "pyproject.toml": b"[tool.black]\nline-length = 88\n",
}


def azureml_tree(scale: int) -> tuple[GenTree, dict]:
    """The HEAD tree of an azureml-examples-shaped repository, `scale` times over."""
    t = GenTree(files=dict(AREA_FIXED))
    counts: dict[str, int] = {}

    def example(kind: str, name: str, watch: str, command: str, i: int) -> None:
        counts[kind] = counts.get(kind, 0) + 1
        wf = f"{kind}-{name}".replace("/", "-")
        t.add(f".github/workflows/{wf}.yml", lambda rev: workflow(wf, [watch], command, i, rev))

    n = 0
    for s in range(scale):
        for k in range(100):                                       # command jobs
            i = n = n + 1
            d = f"cli/jobs/single-step/{FRAMEWORKS[i % 8]}/{DATASETS[i % 12]}-{i}"
            t.add(f"{d}/job.yml", lambda rev, i=i, d=d: command_job(i, rev, d))
            t.add(f"{d}/src/main.py", lambda rev, i=i: train_script(i, rev))
            if k % 4 == 0:
                t.add(f"{d}/environment/conda.yml", lambda rev, i=i: conda(i, rev))
            if k % 5 == 0:
                t.add(f"{d}/README.md", lambda rev, d=d: readme(d, rev), mutable=False)
            if k % 10 == 0:
                t.add(f"{d}/data/{DATASETS[i % 12]}.csv",
                      lambda rev, i=i: small_csv(DATASETS[i % 12], 40 + i % 60, i), mutable=False)
            example("cli-jobs-single-step", d[len("cli/jobs/single-step/"):], f"{d}/**",
                    f"bash -x run-job.sh {d[4:]}/job.yml", i)
        for k in range(30):                                        # sweep jobs
            i = n = n + 1
            d = f"cli/jobs/single-step/{FRAMEWORKS[i % 8]}/{DATASETS[i % 12]}-sweep-{i}"
            t.add(f"{d}/job-sweep.yml", lambda rev, i=i: sweep_job(i, rev))
            t.add(f"{d}/src/main.py", lambda rev, i=i: train_script(i, rev))
            example("cli-jobs-sweep", d[len("cli/jobs/single-step/"):], f"{d}/**",
                    f"bash -x run-job.sh {d[4:]}/job-sweep.yml", i)
        for k in range(30):                                        # pipeline jobs
            i = n = n + 1
            d = f"cli/jobs/pipelines/{DATASETS[i % 12]}-pipeline-{i}"
            t.add(f"{d}/pipeline.yml", lambda rev, i=i: pipeline_job(i, rev))
            for step in PIPELINE_STEPS[: 2 + i % 2]:
                t.add(f"{d}/src/{step}/{step}.py", lambda rev, i=i: train_script(i, rev))
            example("cli-jobs-pipelines", d[len("cli/jobs/pipelines/"):], f"{d}/**",
                    f"bash -x run-job.sh {d[4:]}/pipeline.yml", i)
        for k in range(20):                                        # AutoML jobs
            i = n = n + 1
            task = AUTOML_TASKS[i % len(AUTOML_TASKS)]
            d = f"cli/jobs/automl-standalone-jobs/cli-automl-{task.replace('_', '-')}-{i}"
            t.add(f"{d}/cli-automl-{task}.yml", lambda rev, i=i: automl_job(i, rev))
            t.add(f"{d}/training-mltable-folder/MLTable", lambda rev: mltable("train"), mutable=False)
            t.add(f"{d}/validation-mltable-folder/MLTable", lambda rev: mltable("valid"), mutable=False)
            example("cli-jobs-automl", d[len("cli/jobs/automl-standalone-jobs/"):], f"{d}/**",
                    f"bash -x run-job.sh {d[4:]}/cli-automl-{task}.yml", i)
        for k in range(15):                                        # components
            i = n = n + 1
            d = f"cli/jobs/pipelines-with-components/basics/component-{i}"
            t.add(f"{d}/train.yml", lambda rev, i=i: component(i, rev))
            t.add(f"{d}/src/train.py", lambda rev, i=i: train_script(i, rev))
            example("cli-jobs-components", f"component-{i}", f"{d}/**",
                    f"az ml component create -f {d[4:]}/train.yml", i)
        for k in range(45):                                        # online endpoints
            i = n = n + 1
            d = f"cli/endpoints/online/managed/{DATASETS[i % 12]}-{i}"
            t.add(f"{d}/endpoint.yml", lambda rev, i=i: online_endpoint(i, rev))
            t.add(f"{d}/blue-deployment.yml", lambda rev, i=i: online_deployment(i, rev, "blue"))
            if k % 2 == 0:
                t.add(f"{d}/green-deployment.yml", lambda rev, i=i: online_deployment(i, rev, "green"))
                t.add(f"{d}/environment/conda.yaml", lambda rev, i=i: conda(i, rev))
            t.add(f"{d}/onlinescoring/score.py", lambda rev, i=i: score_script(i, rev))
            if k % 3 == 0:
                t.add(f"{d}/sample-request.json", lambda rev, i=i: sample_request(i, rev), mutable=False)
            if k % 5 == 0:
                t.add(f"{d}/deploy.sh", lambda rev, i=i: shell_script(i, rev))
            example("cli-endpoints-online", d[len("cli/endpoints/online/managed/"):], f"{d}/**",
                    f"bash deploy-managed-online-endpoint.sh {d[4:]}", i)
        for k in range(15):                                        # batch endpoints
            i = n = n + 1
            d = f"cli/endpoints/batch/deploy-models/mnist-classifier-{i}"
            t.add(f"{d}/endpoint.yml", lambda rev, i=i: batch_endpoint(i, rev))
            t.add(f"{d}/deployment-torch/deployment.yml", lambda rev, i=i: batch_deployment(i, rev))
            t.add(f"{d}/deployment-torch/code/batch_driver.py", lambda rev, i=i: score_script(i, rev))
            example("cli-endpoints-batch", f"mnist-classifier-{i}", f"{d}/**", f"bash {d[4:]}/deploy.sh", i)
        for k in range(35):                                        # assets
            i = n = n + 1
            kind = ("data", "model", "environment")[k % 3]
            t.add(f"cli/assets/{kind}/{kind}-{i}.yml", lambda rev, i=i, kind=kind: asset(kind, i, rev))
            if kind == "environment" and i % 3 == 0:
                t.add(f"cli/assets/environment/docker-context-{i}/Dockerfile", lambda rev, i=i: dockerfile(i, rev))
                t.add(f"cli/assets/environment/docker-context-{i}/conda_dependencies.yaml",
                      lambda rev, i=i: conda(i, rev))
            example("cli-assets", f"{kind}-{i}", f"cli/assets/{kind}/{kind}-{i}.yml",
                    f"az ml {kind} create -f assets/{kind}/{kind}-{i}.yml", i)
        for k in range(60):                                        # SDK notebooks, half with outputs
            i = n = n + 1
            d = f"sdk/python/jobs/single-step/{FRAMEWORKS[i % 8]}/{DATASETS[i % 12]}-{i}"
            nb = f"{d}/{DATASETS[i % 12]}-{FRAMEWORKS[i % 8]}.ipynb"
            t.add(nb, lambda rev, i=i, o=k % 2 == 0: notebook(i, rev, o, i * 31 + rev), mutable=k % 6 == 0)
            if k % 2:
                t.add(f"{d}/src/main.py", lambda rev, i=i: train_script(i, rev))
            example("sdk-jobs-single-step", d[len("sdk/python/jobs/single-step/"):], f"{d}/**",
                    f"bash run-notebook.sh {nb}", i)
        for k in range(4):                                         # `{{ }}` templates
            i = n = n + 1
            t.add(f"cli/jobs/templates/job-template-{i}.yml", lambda rev, i=i, ok=k % 2 == 0: template_job(i, ok),
                  mutable=False)
        for k in range(2):                                         # docs that embed Dockerfiles
            i = n = n + 1
            t.add(f"cli/endpoints/online/custom-container/docker-{i}/Dockerfile",
                  lambda rev, i=i: dockerfile(i, rev))
        # a real data extract committed to the repo (≈1.2 MiB: over MLC-REPO-003's 1 MiB)
        t.add(f"sdk/python/jobs/data/credit-defaults-{s}.csv",
              lambda rev, s=s: small_csv("credit", 60_000, 7 + s), mutable=False)
    counts["workflows"] = sum(1 for p in t.files if p.startswith(".github/workflows/"))
    return t, counts


def build_azureml(dest: Path, scale: int, _variant=None) -> EstateInfo:
    tree, counts = azureml_tree(scale)
    commits = 1000 * scale
    fast_import(dest, lambda stream: pr_history(stream, tree, commits), seed=scale)
    facts = {"scale": scale, "files": len(tree.files), "bytes": sum(len(b) for b in tree.files.values()),
             "commits_requested": commits, "examples_by_kind": counts,
             "notebooks": sum(1 for p in tree.files if p.endswith(".ipynb")),
             "yaml_files": sum(1 for p in tree.files if p.endswith((".yml", ".yaml"))),
             "azureml_specs": sum(1 for b in tree.files.values() if b.startswith(b"$schema:")),
             "unreadable_templates": 2 * scale}
    return EstateInfo(name="", kind="azureml", path="", repos=["."], facts=facts)


# -- lineage-<n>k -----------------------------------------------------------------------

def lineage_plan(nodes: int) -> tuple[int, int, int]:
    """(commits, tree files, model versions) for about `nodes` graph nodes: half commits,
    ~4 % files, the rest MLflow (≈ 3.1 nodes per version: version, run, dataset, model)."""
    commits = nodes // 2
    files = max(100, nodes // 25)
    versions = max(10, (nodes - commits - files * 9 // 10) * 10 // 31) // 10 * 10
    return commits, files, versions


def build_lineage(dest: Path, nodes: int, distinct_commits: int | None = None) -> EstateInfo:
    """distinct_commits: how many of the history's commits the runs share (default 3,000)."""
    commits, n_files, versions = lineage_plan(nodes)
    (dest / ".mlcheck-root").write_text("An estate root: scans below it ignore any repository around it.\n")
    repo = dest / "repos" / "ml-platform"
    sibling = dest.parent / f"lineage-{dest.name.split('-')[1]}" / "repos" / "ml-platform"
    if distinct_commits and sibling.is_dir():      # the same repository: copy it, do not regenerate
        shutil.copytree(sibling, repo, symlinks=True)
    else:
        gitbench.generate_repo(gitbench.Estate(commits, n_files), repo)
        gitbench.run_git(repo, "remote", "add", "origin", "https://github.com/contoso/ml-platform.git")
    mlflow_bench = _load("bench_mlflow")
    store = dest / "mlflow" / "mlflow.db"
    counts = mlflow_bench.write_store(store, versions)
    planted = repoint_store(store, repo, seed=nodes, distinct_commits=distinct_commits or 3000)
    facts = {"commits_requested": commits, "tree_files": n_files, "model_versions": versions,
             "store_rows": counts, "planted": planted}
    return EstateInfo(name="", kind="lineage", path="", repos=["repos/ml-platform"],
                      stores=["mlflow/mlflow.db"], facts=facts)


def _git_lines(repo: Path, *args: str) -> list[str]:
    out = subprocess.run(["git", "-C", str(repo), *args], env=gitbench.git_env(), check=True,
                         stdout=subprocess.PIPE).stdout.decode()
    return [line for line in out.splitlines() if line]


def repoint_store(store: Path, repo: Path, seed: int, distinct_commits: int = 3000) -> dict:
    """Point the runs model versions use at this repository, the way real registries look.

    Of the referenced runs: 80 % record one of `distinct_commits` commits of the history
    (full sha) and a training script in the repo (POSIX or Windows absolute path), 5 % a
    short sha, 5 % a commit no ref reaches (rewritten history: MLC-LIN-002), 5 % no commit
    (MLC-LIN-001), 5 % a notebook that is only an untracked file or a script outside any
    repository (MLC-LIN-003). Dataset inputs: unpinned by default (MLC-DATA-002), three
    experiments' sources carry an object version, one points at the DVC-tracked data, and
    5 % of the referenced runs lose their input (MLC-DATA-001)."""
    rng = random.Random(seed)
    shas = _git_lines(repo, "rev-list", "--all")
    pool = rng.sample(shas, k=min(distinct_commits, len(shas)))
    scripts = [p for p in _git_lines(repo, "ls-tree", "-r", "--name-only", shas[-1]) if p.endswith(".py")]
    db = sqlite3.connect(store)
    runs = [r for (r,) in db.execute("SELECT run_id FROM model_versions ORDER BY name, version")]
    commit_rows, source_rows, dropped_commit, drop_input = [], [], [], []
    planted = {"full_sha": 0, "short_sha": 0, "unknown_sha": 0, "no_commit": 0, "untracked_source": 0,
               "outside_source": 0, "windows_path": 0, "no_input": 0}
    for n, run in enumerate(runs):
        k = n % 20
        sha, source = rng.choice(pool), rng.choice(scripts)
        if k == 0:
            commit_rows.append((sha[:12], run, "mlflow.source.git.commit"))
            planted["short_sha"] += 1
        elif k == 1:
            commit_rows.append((f"{rng.getrandbits(160):040x}", run, "mlflow.source.git.commit"))
            planted["unknown_sha"] += 1
        elif k == 2:
            dropped_commit.append((run,))
            planted["no_commit"] += 1
        else:
            commit_rows.append((sha, run, "mlflow.source.git.commit"))
            planted["full_sha"] += 1
        if k == 3:
            source = "/home/ana/ml-platform/scratch/explore.ipynb"        # untracked in the work tree
            planted["untracked_source"] += 1
        elif k == 4:
            source = f"/tmp/ipykernel_{rng.randint(1000, 9999)}/train.py"  # never in a repository
            planted["outside_source"] += 1
        elif k % 5 == 0:
            source = "C:\\Users\\ravi\\src\\ml-platform\\" + source.replace("/", "\\")
            planted["windows_path"] += 1
        else:
            source = f"/home/ana/ml-platform/{source}"
        source_rows.append((source, run, "mlflow.source.name"))
        if k == 5:
            drop_input.append((run,))
            planted["no_input"] += 1
    with db:
        db.executemany('UPDATE tags SET value = ? WHERE run_uuid = ? AND "key" = ?', commit_rows)
        db.executemany('UPDATE tags SET value = ? WHERE run_uuid = ? AND "key" = ?', source_rows)
        db.executemany("DELETE FROM tags WHERE run_uuid = ? AND \"key\" = 'mlflow.source.git.commit'",
                       dropped_commit)
        db.executemany("DELETE FROM input_tags WHERE input_uuid IN "
                       "(SELECT input_uuid FROM inputs WHERE destination_id = ?)", drop_input)
        db.executemany("DELETE FROM inputs WHERE destination_id = ?", drop_input)
        db.execute("UPDATE tags SET value = 'NOTEBOOK' WHERE \"key\" = 'mlflow.source.type' AND run_uuid IN "
                   "(SELECT run_uuid FROM tags WHERE \"key\" = 'mlflow.source.name' AND value LIKE '%.ipynb')")
        # Versioned sources for experiments 1-3, the DVC-tracked folder for experiment 4.
        for e in (1, 2, 3):
            db.execute("UPDATE datasets SET dataset_source = ? WHERE experiment_id = ?",
                       (json.dumps({"uri": f"s3://lake/features/{e}.parquet?versionId=3HL4kqtJlcpXroDTDmJ{e}"}), e))
        db.execute("UPDATE datasets SET dataset_source = ?, dataset_source_type = 'local' WHERE experiment_id = 4",
                   (json.dumps({"uri": "data/features"}),))
    db.close()
    planted.update(referenced_runs=len(runs), distinct_commits=len(pool))
    return planted


# -- hits-<n> ---------------------------------------------------------------------------

def build_hits(dest: Path, n: int, _variant=None) -> EstateInfo:
    """n tracked data files, n/4 notebooks with outputs, n/4 jobs reading @latest data."""
    tree = GenTree(files={"README.md": b"# Data drop\n\nRaw extracts as received.\n",
                          ".gitignore": b"__pycache__/\n"})
    for i in range(n):
        tree.add(f"data/raw/{DATASETS[i % 12]}/batch_{i:05d}.csv",
                 lambda rev, i=i: small_csv(DATASETS[i % 12], 5 + i % 10, i + rev), mutable=i % 50 == 0)
    for i in range(n // 4):
        tree.add(f"notebooks/explore_{i:05d}.ipynb", lambda rev, i=i: gitbench.notebook_json(i * 5, rev),
                 mutable=i % 50 == 0)
        tree.add(f"jobs/train_{i:05d}/job.yml",
                 lambda rev, i=i: command_job(i * 6 + 1, rev, f"jobs/train_{i:05d}"), mutable=i % 50 == 0)
    fast_import(dest, lambda stream: pr_history(stream, tree, 100), seed=n)
    facts = {"data_files": n, "notebooks_with_outputs": n // 4, "unpinned_jobs": n // 4,
             "files": len(tree.files), "bytes": sum(len(b) for b in tree.files.values())}
    return EstateInfo(name="", kind="hits", path="", repos=["."], params={"data_file_max_bytes": 0}, facts=facts)


BUILDERS: dict[str, Callable[[Path, int, int | None], EstateInfo]] = {
    "azureml": build_azureml, "lineage": build_lineage, "hits": build_hits}
