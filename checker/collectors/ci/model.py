"""The one shape every CI system is read into, and the nodes it becomes
(/work/shared/DESIGN.md vocabulary; README "Pipelines").

A parser builds a CiPipeline (its jobs, their steps) from one file and calls `emit`. Emit
reads what each step does to ML resources (commands.py) unless the parser already did,
infers each job's purposes, and writes:
  pipeline:ci:<tree key>/<path>              defined_in → the file node
  job:ci:<tree key>/<path>#<job key>          contained by its pipeline; needs → jobs it waits for
  step:ci:<tree key>/<path>#<job key>/<index> contained by its job
Links to other files (a local reusable workflow or template, a spec a step applies) are made
by the pipelines linker once every file is collected.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from .. import CollectContext, FileRef
from .commands import FAILURE_SWALLOWED, deploy_targets, ml_actions, purposes, task_actions

MAX_SCRIPT = 64 * 1024        # characters of a step's script kept
MAX_VALUE = 4 * 1024          # characters of one input or env value kept
MAX_ENTRIES = 200             # inputs or env entries kept per step


@dataclass
class CiStep:
    index: int
    line: int | None
    name: str | None = None
    uses: dict | None = None              # refs.action_ref(...) of an action / step template
    task: str | None = None               # Azure Pipelines task, e.g. AzureCLI@2
    inputs: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    run: str | None = None
    run_line: int | None = None
    shell: str | None = None
    working_directory: str | None = None
    ml_actions: list[dict] | None = None  # None: emit reads them from run / uses / task
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class CiJob:
    key: str                              # unique in its file: job id, `stage.job` for Azure
    name: str | None
    line: int | None
    runner: dict | None = None
    environment: dict | None = None
    stage: str | None = None
    deployment: bool = False
    manual: bool = False
    permissions: dict | None = None
    condition: str | None = None
    container: dict | None = None
    needs: list[str] = field(default_factory=list)
    uses: dict | None = None              # a reusable workflow / template the job calls
    service_connections: list[str] = field(default_factory=list)
    variable_groups: list[str] = field(default_factory=list)
    steps: list[CiStep] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class CiPipeline:
    system: str                           # github_actions | azure_pipelines | gitlab_ci
    role: str                             # workflow | reusable_workflow | composite_action | pipeline | template | include
    name: str | None
    line: int | None = 1
    triggers: list[str] = field(default_factory=list)
    permissions: dict | None = None
    jobs: list[CiJob] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def emit(ctx: CollectContext, ref: FileRef, pipeline: CiPipeline, collector: str) -> str:
    """Write one CI file's pipeline, jobs and steps; returns the pipeline node id."""
    graph = ctx.graph
    key = f"ci:{ref.tree_key}/{ref.path}"
    attrs = {"system": pipeline.system, "role": pipeline.role, "name": pipeline.name,
             "path": ref.path, "line": pipeline.line, "triggers": sorted(set(pipeline.triggers)),
             **pipeline.extra}
    if pipeline.permissions is not None:
        attrs["permissions"] = pipeline.permissions
    pid = graph.add_node("pipeline", key, attrs, ctx.provenance(collector, ref.display, pipeline.line))
    graph.add_edge(pid, ref.node, "defined_in")
    job_ids = {}
    for job in pipeline.jobs:
        job_ids[job.key] = _emit_job(ctx, ref, pipeline.system, key, pid, job, collector)
    for job in pipeline.jobs:
        for needed in job.needs:
            if needed in job_ids and needed != job.key:
                graph.add_edge(job_ids[job.key], job_ids[needed], "needs")
    return pid


def _emit_job(ctx: CollectContext, ref: FileRef, system: str, key: str, pid: str,
              job: CiJob, collector: str) -> str:
    steps = [_step_attrs(system, step) for step in job.steps]
    actions = [a for s in steps for a in s["ml_actions"]]
    names = [n for n in (job.key.rsplit(".", 1)[-1], job.name, job.stage, *(s.get("name") for s in steps)) if n]
    attrs = {"system": system, "name": job.name or job.key, "job_id": job.key, "line": job.line,
             "runner": job.runner, "deployment": job.deployment, "manual": job.manual,
             "needs": list(job.needs), "service_connections": sorted(set(job.service_connections)),
             "variable_groups": sorted(set(job.variable_groups)),
             "purposes": purposes(names, actions, _targets_environment(job)), **job.extra}
    for fact, value in (("stage", job.stage), ("environment", job.environment), ("permissions", job.permissions),
                        ("condition", job.condition), ("container", job.container), ("uses", job.uses)):
        if value is not None:
            attrs[fact] = value
    if any(p["purpose"] == "deploy" for p in attrs["purposes"]):
        gate = gate_in_job(system, steps, job.runner)
        if gate:
            attrs["gated_in_job"] = gate
    targets = deploy_targets(actions)
    if targets:
        attrs["deploy_targets"] = targets
    jid = ctx.graph.add_node("job", f"{key}#{job.key}", attrs, ctx.provenance(collector, ref.display, job.line))
    ctx.graph.add_edge(pid, jid, "contains")
    for step, step_attrs in zip(job.steps, steps):
        sid = ctx.graph.add_node("step", f"{key}#{job.key}/{step.index}", step_attrs,
                                 ctx.provenance(collector, ref.display, step.line))
        ctx.graph.add_edge(jid, sid, "contains")
    return jid


# A step (an Azure or GitLab hook) that runs although an earlier one failed: a status
# function that admits failure (GitHub `always()`, `failure()`, `!cancelled()`; Azure
# `always()`, `failed()`, `succeededOrFailed()`, `not(canceled())`), a deployment job's
# `on: failure` hook, GitLab's `after_script` (run whatever the script's outcome).
_AFTER_FAILURE = re.compile(r"always\(\)|failure\(\)|failed\(|succeededorfailed\(\)", re.I)
_CANCELLED_ONLY = re.compile(r"cancell?ed\(\)", re.I)
_SUCCESS = re.compile(r"success\(\)|succeeded\(", re.I)


def gate_in_job(system: str, steps: list[dict], runner: dict | None = None) -> dict | None:
    """The test or evaluation a deploy job runs before it deploys, when a failure of it stops
    the deploy: every deploying step (GitLab: command) comes after it, none of them runs after
    a failure, and its failure is not tolerated. A failing step ends the job's later steps
    (GitHub, Azure Pipelines; GitLab stops a script at its first failing command, and so does
    a GitHub step whose shell runs with `-e`). Steps judged by their own names and ML actions,
    as the job's purposes are; None when the facts do not show that order."""
    units = [u for step in steps for u in _units(system, step, runner)]       # in the order they run
    deploys = [u for u in units if "deploy" in u["purposes"]]
    if not deploys or any(u["after_failure"] for u in deploys):
        return None
    first = deploys[0]["order"]
    for u in units:
        if u["order"] >= first:
            break
        gate = next((p for p in ("test", "evaluate") if p in u["purposes"]), None)
        if gate and not u["tolerated"]:
            return {"step": u["label"], "line": u["line"], "purpose": gate, "reason": u["purposes"][gate],
                    "deploy_step": deploys[0]["label"]}
    return None


def _units(system: str, step: dict, runner: dict | None = None) -> list[dict]:
    """What runs in order inside a job: a step, or each command of a script that stops at
    its first failing command (GitLab's; a GitHub `run` whose shell has `-e`, when the step's
    name says nothing its commands do not). An Azure script is one step: its shell goes on
    after a failing command."""
    after = _runs_after_failure(system, step)
    tolerated = step.get("continue_on_error") is not None
    label = step.get("name") or f"step {step['index'] + 1}"
    if system == "gitlab_ci":
        return _command_units(step, label, after, lambda a: bool(a.get("failure_ignored")))
    shell = _github_shell(step, runner) if system == "github_actions" and step.get("run") else None
    if shell and shell[0] and len(step["ml_actions"]) > 1 and _named_as_done(step):
        pipefail = shell[1]
        return _command_units(step, label, after, lambda a: tolerated or bool(a.get("failure_ignored"))
                              or (bool(a.get("piped")) and not pipefail))
    # a swallowed failure anywhere in the step's script, or in a task's inline script
    swallowed = any(a.get("failure_ignored") for a in step["ml_actions"]) \
        or bool(step.get("run") and FAILURE_SWALLOWED.search(step["run"]))
    return [{"order": (step["index"], 0), "label": label, "line": step.get("line"),
             "purposes": {p["purpose"]: p["reason"] for p in purposes([step.get("name")], step["ml_actions"])},
             "after_failure": after, "tolerated": tolerated or swallowed}]


def _command_units(step: dict, label: str, after: bool, tolerated: Callable[[dict], bool]) -> list[dict]:
    """Each command (ML action) of a step's script as a unit of its own, in script order,
    with whether its failure is tolerated."""
    return [{"order": (step["index"], a.get("line") or 0), "label": f"{label}: {a['text']}", "line": a.get("line"),
             "purposes": {p["purpose"]: p["reason"] for p in purposes((), [a])},
             "after_failure": after, "tolerated": tolerated(a)}
            for a in step["ml_actions"]]


def _github_shell(step: dict, runner: dict | None) -> tuple[bool, bool] | None:
    """(stops at a failing command, and at one failing inside a pipe) for a GitHub `run`'s
    shell, None when not known. GitHub runs an unnamed shell as `bash -e {0}` on Linux and
    macOS runners and as pwsh on Windows; `shell: bash` as `bash --noprofile --norc -eo
    pipefail {0}`, `shell: sh` as `sh -e {0}`; pwsh, python and cmd go on after a failing
    native command, and a custom template (`bash {0}`) runs as written."""
    shell = step.get("shell")
    if shell == "bash":
        return True, True
    if shell == "sh":
        return True, False
    if shell is not None:
        return (False, False) if shell in ("pwsh", "powershell", "python", "cmd") else None
    labels = [str(label).lower() for label in (runner or {}).get("labels") or []]
    if any("windows" in label for label in labels):
        return False, False
    if any(label.startswith(("ubuntu", "macos")) or label in ("linux", "macos") for label in labels):
        return True, False
    return None


def _named_as_done(step: dict) -> bool:
    """Whether the step's name gives no purpose its commands do not (a step "Deploy" that
    runs only pytest stays one step: the name's deploy would be lost command by command)."""
    named = {p["purpose"] for p in purposes([step.get("name")], [])} if step.get("name") else set()
    return named <= {p["purpose"] for p in purposes((), step["ml_actions"])}


def _runs_after_failure(system: str, step: dict) -> bool:
    if (system == "gitlab_ci" and step.get("name") == "after_script") \
            or str(step.get("hook", "")).endswith(".on.failure"):
        return True
    condition = step.get("condition")
    if not isinstance(condition, str):
        return False
    return bool(_AFTER_FAILURE.search(condition)
                or (_CANCELLED_ONLY.search(condition) and not _SUCCESS.search(condition)))


def _targets_environment(job: CiJob) -> bool:
    """Whether a job deploys into an environment: an Azure deployment job, or one naming an
    environment, unless GitLab's `environment: action:` says it only prepares, verifies,
    accesses or stops one (start is the default)."""
    if job.deployment:
        return True
    return job.environment is not None and job.environment.get("action", "start") == "start"


def _step_attrs(system: str, step: CiStep) -> dict:
    actions = step.ml_actions
    if actions is None:
        actions = ml_actions(step.run, step.working_directory, step.run_line or step.line)
        named = step.task or (step.uses or {}).get("target")
        if named:
            actions = actions + task_actions(named, step.inputs, step.working_directory, step.line)
    attrs = {"system": system, "index": step.index, "line": step.line, "ml_actions": actions,
             "inputs": _bounded(step.inputs), "env": _bounded(step.env), **step.extra}
    # The facts a step may lack, set only when known (no dict of them filtered per step).
    for fact, value in (("name", step.name), ("uses", step.uses), ("task", step.task), ("shell", step.shell),
                        ("run", step.run[:MAX_SCRIPT] if step.run is not None else None),
                        ("run_line", step.run_line), ("working_directory", step.working_directory)):
        if value is not None:
            attrs[fact] = value
    return attrs


def _bounded(values: dict) -> dict[str, str]:
    if not values:                  # most steps: no `with:` or `env:`
        return {}
    items = values.items() if len(values) <= MAX_ENTRIES else itertools.islice(values.items(), MAX_ENTRIES)
    return {str(k): v[:MAX_VALUE] if isinstance(v, str) else v for k, v in items}
