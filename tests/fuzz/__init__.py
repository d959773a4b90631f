"""The fuzz corpus: hostile and malformed input for every format mlcheck reads.

The corpus is generated, never committed: each family module below turns a seed and our
own mutation rules (mutate.py) into cases, and harness.py builds them into estates, runs
the real CLI on them and judges each case.

    notebooks        .ipynb (nbformat 3/4): truncation, encodings, nbformat schema types,
                     depth, size, odd JSON, FIFOs and symlinks, names that forge console lines
    azureml          Azure ML CLI v2 specs: truncation, schema shapes, YAML aliases/tags/merge
                     keys, templates, encodings
    dvc              .dvc, dvc.yaml, dvc.lock, .dvc/config: the same, plus INI DVC refuses
    terraform        HCL, .tf.json, var files, plan JSON: unparsable, mis-encoded, hostile modules
                     and expressions, 10k-resource plans, secrets a plan holds in clear
    mlflow_stores    MLflow SQLite (MLflow's own schema) and file stores, each with a good
                     model version that must survive; the 200k-run store (slow)
    servers          hostile "MLflow" servers (slow, silent, wrong, leaky) and a silent OPA
    git_repos        lying object headers, missing and lazily-fetched blobs, separators and
                     secrets in subjects and ref names, hostile repo config, .git pointers
    secret_carriers  secrets in every carrier; none may reach an output
    own_inputs       mlcheck.yaml, rules and Rego, snapshots, baselines, --only
    arm              ARM templates and parameter files: truncation, expressions that explode,
                     nesting past every bound, copy counts, comments, encodings
    bicep            .bicep/.bicepparam: truncation, garbage, module cycles and escapes, loops
                     past every bound, deep expressions, unparsable syntax
    exports          Resource Graph / az / az ml / kubectl JSON exports: truncation, shapes,
                     depth, huge numbers, encodings, secrets in rows, look-alikes, 10k rows
    k8s              Kubernetes manifests: truncated multi-document files, wrong shapes,
                     aliases, depth, encodings, Helm templates, look-alikes, 5,000 documents
    functions        Azure Functions function.json and Python v2 files: truncation, encodings,
                     wrong shapes, syntax errors, deep nesting, code that would act if run
    iam              role assignments, custom roles, identity blocks (Terraform, ARM, Bicep):
                     roles, scopes and identities of every wrong shape, truncation
    network          firewall rules, routes, NICs in Terraform and ARM: rules and routes as maps or
                     text, next hops from expressions, ports and tags mixed, 10k rules
    ci_github        GitHub workflows and composite actions: truncation, wrong shapes, `on:` as a
                     boolean, anchors, `${{ }}` everywhere and breaking the YAML, 5,000 jobs, huge matrices
    ci_gitlab        .gitlab-ci.yml and its includes: loops, missing files, paths out of the tree,
                     extends and !reference cycles, unknown tags, diamonds of includes, 2,000 jobs
    ci_azure         Azure Pipelines: truncation, anchors, `${{ }}` everywhere, template cycles,
                     missing and escaping templates, expansions past their bounds, look-alikes
    governance       GitHub protection/rulesets/environments, Azure DevOps policies, pre-commit and
                     .gitattributes: truncation, wrong shapes, depth, encodings, 10k environments
    models           model files: truncated, text and garbage pickles, recursive and deep ones, a
                     zip bomb in a .pt, a sparse checkpoint over the parse limit, broken safetensors/npy headers,
                     pickles that would run a command (never loaded)

What a case must end with (cases.Expect): a bad file is exactly one collection error naming
it (and its line where the format has lines), exit 3; a bad config, rule, snapshot or
baseline is exit 2 naming the file; nothing crashes (no traceback, no "crashed" reason, no
exit 4, never exit 0/1 after an uncaught exception), nothing hangs, no planted secret (or
a digest confirming it) reaches the console, the report or the snapshot, nothing from the
estate runs, the canary findings and every good file are still reported.

How to run it (from the repository root):

    .venv/bin/pytest -q -p no:cacheprovider tests/test_fuzz.py        # the CI run (slow cases left out)
    MLCHECK_FUZZ_SLOW=1 .venv/bin/pytest -q tests/test_fuzz.py -m slow # the slow cases only
    MLCHECK_FUZZ_SLOW=1 .venv/bin/pytest -q tests/test_fuzz.py         # everything
    .venv/bin/pytest -q tests/test_fuzz.py -k 'notebook/'             # one family
    cd tests && ../.venv/bin/python -m fuzz list                      # the cases and what each expects
    cd tests && ../.venv/bin/python -m fuzz run [ID-SUBSTRING]        # run, print case | expected | observed
    cd tests && ../.venv/bin/python -m fuzz write DIR [ID-SUBSTRING]  # build the estates into DIR, no scan

Cost (when the corpus had 468 cases: 350 planted files, 118 command lines): about 160 scans, three at a
time. The cases that pass today take 116 s wall and 63 s of scan CPU on 2 shared cores;
the longest single case is the silent OPA server (~90 s of waiting, overlapped with the
rest). A failing batch is re-run case by case and a hang costs its timeout, so a branch
with many failures takes longer (about 9 minutes on the branch that added the corpus).
The slow case (an MLflow SQLite store of 200k runs and 50k versions) builds in 5 s.

Environment: MLCHECK_FUZZ_SEED (default 20260101) picks another corpus; MLCHECK_FUZZ_JOBS
(default 3) runs that many scans at once; MLCHECK_FUZZ_SLOW=1 includes the slow cases.
A new parser adds a family module here (a `cases(seed)` function) and a line in FAMILIES.
"""
from __future__ import annotations

import os

from . import (arm, azureml, bicep, ci_azure, ci_github, ci_gitlab, dvc, exports, functions, git_repos, governance,
               iam, k8s, mlflow_stores, models, network, notebooks, own_inputs, secret_carriers, servers, terraform)
from .cases import Case

SEED = int(os.environ.get("MLCHECK_FUZZ_SEED", "20260101"))
# One family per line: each issue's families merge without touching the others'.
FAMILIES = (
    notebooks, azureml, dvc, terraform, arm, bicep, exports, k8s, functions, iam, network,
    ci_github,
    ci_gitlab,
    ci_azure,
    governance,
    models,
    mlflow_stores, servers, git_repos, secret_carriers, own_inputs,
)


def all_cases(seed: int = SEED) -> list[Case]:
    cases = [case for family in FAMILIES for case in family.cases(seed)]
    ids = [c.id for c in cases]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"fuzz case ids must be unique: {duplicates}")
    return cases
