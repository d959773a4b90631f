"""One Azure Pipelines file read into the CI model: stages → jobs → steps, with the templates
it includes expanded from the same tree (learn.microsoft.com/azure/devops/pipelines/yaml-schema).

Facts follow the pipeline's inheritance: a job runs on its own `pool:`, else its stage's,
else the pipeline's, else (a pipeline, not a template) the Microsoft-hosted default; a stage
without `dependsOn` waits for the stage before it, so its jobs need every job of that stage.
"""
from __future__ import annotations

import contextlib
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from ....safeyaml import YamlMap, line_of
from ..model import CiJob, CiPipeline, CiStep
from ..refs import action_ref, image_ref
from .expand import Scope, expand

SYSTEM = "azure_pipelines"
MAX_DEPTH = 50              # templates inside templates
MAX_INCLUSIONS = 1000       # template inclusions read for one file
MAX_UNKNOWN = 100

_STEP_KINDS = ("script", "bash", "pwsh", "powershell", "task", "template", "checkout", "download",
               "publish", "downloadBuild", "getPackage", "reviewApp", "restoreCache")
_SHELLS = {"script": "script", "bash": "bash", "pwsh": "pwsh", "powershell": "powershell"}
_HOOKS = ("preDeploy", "deploy", "routeTraffic", "postRouteTraffic")
# Task inputs that name a service connection (any case; aliases of the same input included).
SERVICE_CONNECTION_INPUTS = {
    "azuresubscription", "azureresourcemanagerconnection", "connectedservicename",
    "connectedservicenamearm", "connectedservicenameazurerm", "azuresubscriptionendpoint",
    "kubernetesserviceconnection", "kubernetesserviceendpoint", "dockerregistryserviceconnection",
    "dockerregistryendpoint", "containerregistry", "backendservicearm", "environmentservicenamearm",
    "environmentservicenameazurerm", "serviceconnection", "githubconnection", "gitHubServiceConnection".lower(),
    "azurecontainerregistryserviceconnection", "deploymentserviceconnection",
}
_HOSTED_POOL = re.compile(r"^(?:azure pipelines|hosted\b.*)$", re.I)
_EXPRESSION = re.compile(r"\$\{\{|\$\(|\$\[")
DEFAULT_RUNNER = {"hosting": "hosted", "labels": ["ubuntu-latest"], "pool": "Azure Pipelines",
                  "image": "ubuntu-latest", "raw": "(no pool: the Azure Pipelines default)"}


@dataclass
class Inherited:
    """What a job takes from its stage and pipeline."""
    runner: dict | None = None
    groups: list[str] = field(default_factory=list)
    stage: str | None = None
    stage_condition: str | None = None


@dataclass
class Files:
    """Where template paths resolve: the tree being read, or another scanned repository that
    a `resources.repositories` entry names (`alias`)."""
    files: dict
    seen: set[str]
    failed: set[str]
    alias: str | None = None            # None: the pipeline's own tree
    tree: str | None = None             # its repo node


@dataclass
class Loaded:
    path: str
    doc: YamlMap
    source: Files | None = None
    ref: dict | None = None             # another repository's template: the reference, as kept
    file: str | None = None             # the template's file node

    @property
    def label(self) -> str:
        """The template as its jobs and steps record it: its path, `path@alias` in another repository."""
        return f"{self.path}@{self.source.alias}" if self.source and self.source.alias else self.path

    def uses(self, raw: str) -> dict:
        if self.ref:
            return {**self.ref, "resolved": self.label, "file": self.file}
        return {"ref": raw, "target": self.path, "version": None, "kind": "local"}


class PipelineReader:
    def __init__(self, ref, files: dict, seen: set[str], failed: set[str],
                 error: Callable[..., None], repository: Callable[[dict], Files | None] | None = None) -> None:
        self.root, self.error = ref, error
        self.home = self.src = Files(files, seen, failed)
        self.repository = repository or (lambda _repo: None)    # a repository resource → its scanned files
        self.borrowed: set[tuple[str, str]] = set()              # (tree, path) of other repositories' templates read
        self.repos: dict[str, dict] = {}
        self.containers: dict[str, str] = {}
        self.variables: dict[str, Any] = {}
        self.unknown: list[dict] = []
        self.stack: list[tuple[str | None, str]] = [(None, ref.path)]      # (alias, path) being read
        self.inclusions = 0
        self.built = [0]
        self.stage_order: list[str] = []
        self.stage_deps: dict[str, list[str] | None] = {}
        self.stage_jobs: dict[str, list[str]] = {}
        self.keys: set[str] = set()

    # -- the file --------------------------------------------------------------------

    def pipeline(self, doc: dict, role: str, expressions: bool = True) -> CiPipeline:
        here = self.root.path
        scope = self._scope(declared_parameters(doc.get("parameters")), here)
        read = (lambda node: expand(node, scope)) if expressions else (lambda node: node)
        groups: list[str] = []               # variables first: `${{ variables.x }}` may name a ref
        self._variables(read(doc.get("variables")), here, groups, self.variables)
        scope.variables = self.variables
        resources = read(doc.get("resources")) if isinstance(doc.get("resources"), dict) else {}
        self._resources(resources)
        body = read(_without(doc, ("parameters", "variables", "resources")))
        self._keep_unknown(scope, here)
        pipeline = CiPipeline(SYSTEM, role, _name(doc.get("name")), line_of(doc) or 1,
                              triggers=_triggers(doc, resources, role))
        extends = body.get("extends")
        if isinstance(extends, dict) and isinstance(extends.get("template"), str):
            loaded = self._template(extends["template"], extends.get("parameters"), line_of(body, "extends"), here)
            if isinstance(loaded, Loaded):
                pipeline.extra["extends"] = loaded.uses(extends["template"])
                body, here = loaded.doc, loaded.path
                self.src = loaded.source or self.src      # the rest is read where the template lives
                self.stack.append((self.src.alias, loaded.path))
            elif loaded is not None:
                pipeline.extra["extends"] = loaded
                pipeline.jobs.append(CiJob("extends", f"extends {loaded['ref']}", line_of(body, "extends"), uses=loaded))
        default = DEFAULT_RUNNER if role == "pipeline" else None
        inherited = Inherited(runner(body.get("pool"), line_of(body, "pool")) or default, groups)
        pipeline.jobs += self._body(body, here, inherited, defined_in=None if len(self.stack) == 1 else self._label(here))
        self._needs(pipeline.jobs)
        if self.unknown:
            pipeline.extra["unknown"] = self.unknown[:MAX_UNKNOWN]
        if self.repos:
            pipeline.extra["repositories"] = sorted(self.repos.values(), key=lambda r: r["alias"])
        return pipeline

    def _body(self, body: dict, here: str, inherited: Inherited, defined_in: str | None) -> list[CiJob]:
        if isinstance(body.get("stages"), list):
            return self._stages(body["stages"], here, inherited, defined_in)
        if isinstance(body.get("jobs"), list):
            return self._jobs(body["jobs"], here, inherited, defined_in)
        if isinstance(body.get("steps"), list):     # one implicit job
            job = YamlMap({"job": "Job", **{k: v for k, v in body.items() if k in ("steps", "container", "services",
                                                                                  "workspace", "strategy")}})
            job.line, job.lines = line_of(body, "steps"), dict(getattr(body, "lines", {}) or {})
            return self._job(job, line_of(body, "steps"), here, inherited, defined_in)
        return []

    # -- stages and jobs -------------------------------------------------------------

    def _stages(self, items: list, here: str, inherited: Inherited, defined_in: str | None) -> list[CiJob]:
        jobs: list[CiJob] = []
        for i, item in enumerate(items):
            line = line_of(items, i)
            if not isinstance(item, dict):
                continue
            if "template" in item:
                jobs += self._included(item, line, here, inherited, "stages", f"template{i}")
                continue
            name = item.get("stage") if isinstance(item.get("stage"), str) else f"stage{i}"
            if "steps" in item:
                # A stage holds jobs; Azure refuses steps there (a job list indented one level
                # too little puts a job's keys, and the next jobs, into its stage).
                self.error(self._display(here), f"stage {name!r} holds steps: Azure Pipelines refuses a "
                           "stage with steps (they belong to a job); they are not read", line_of(item, "steps"))
            self.stage_order.append(name)
            self.stage_deps[name] = _names(item["dependsOn"]) if "dependsOn" in item else None
            groups = list(inherited.groups)
            self._variables(item.get("variables"), here, groups, {})
            stage = Inherited(runner(item.get("pool"), line_of(item, "pool")) or inherited.runner, groups, name,
                              _text(item.get("condition")))
            stage_jobs = self._jobs(item.get("jobs") if isinstance(item.get("jobs"), list) else [], here, stage, defined_in)
            self.stage_jobs.setdefault(name, []).extend(j.key for j in stage_jobs)
            jobs += stage_jobs
        return jobs

    def _jobs(self, items: list, here: str, inherited: Inherited, defined_in: str | None) -> list[CiJob]:
        jobs: list[CiJob] = []
        for i, item in enumerate(items):
            line = line_of(items, i)
            if not isinstance(item, dict):
                continue
            if "template" in item:
                jobs += self._included(item, line, here, inherited, "jobs", f"template{i}")
            else:
                jobs += self._job(item, line, here, inherited, defined_in)
        return jobs

    def _included(self, item: dict, line: int | None, here: str, inherited: Inherited, level: str,
                  placeholder: str) -> list[CiJob]:
        """A stage or job template: its stages or jobs, each marked with the template it came
        from; a remote or unresolved one, one job that records the reference."""
        raw = item["template"]
        loaded = self._template(raw, item.get("parameters"), line, here)
        if isinstance(loaded, Loaded):
            with self._inside(loaded):
                reader = self._stages if level == "stages" and isinstance(loaded.doc.get("stages"), list) else self._jobs
                items = loaded.doc.get("stages") if reader == self._stages else loaded.doc.get("jobs")
                jobs = reader(items if isinstance(items, list) else [], loaded.path, inherited, loaded.label)
            for job in jobs:
                job.uses = job.uses or loaded.uses(str(raw))
            return jobs
        uses = loaded or {"ref": str(raw), "target": str(raw), "version": None, "kind": "unknown"}
        key = self._key(f"{inherited.stage}.{placeholder}" if inherited.stage else placeholder)
        job = CiJob(key, f"template {raw}", line, runner=inherited.runner, stage=inherited.stage, uses=uses,
                    variable_groups=list(inherited.groups))
        return [job]

    def _job(self, item: dict, line: int | None, here: str, inherited: Inherited,
             defined_in: str | None) -> list[CiJob]:
        deployment = "deployment" in item
        name = item.get("deployment" if deployment else "job")
        name = name if isinstance(name, str) and name else "Job"
        key = self._key(f"{inherited.stage}.{name}" if inherited.stage else name)
        groups = list(inherited.groups)
        self._variables(item.get("variables"), here, groups, {})
        job = CiJob(key, _text(item.get("displayName")) or name, line,
                    runner=runner(item.get("pool"), line_of(item, "pool")) or inherited.runner,
                    stage=inherited.stage, deployment=deployment, condition=_text(item.get("condition")),
                    container=self._container(item.get("container"), line_of(item, "container")),
                    needs=[f"{inherited.stage}.{n}" if inherited.stage else n for n in _names(item.get("dependsOn"))],
                    variable_groups=groups)
        if inherited.stage_condition:
            job.extra["stage_condition"] = inherited.stage_condition
        if defined_in:
            job.extra["defined_in"] = defined_in
        if deployment and "environment" in item:
            job.environment = environment(item["environment"], line_of(item, "environment"))
        services = item.get("services")
        if isinstance(services, dict):
            found = [self._container(v, line_of(services, k)) for k, v in services.items()]
            job.extra["services"] = [c for c in found if c]
        self._steps(item.get("steps"), here, job, defined_in, None)
        strategy = item.get("strategy")
        if deployment and isinstance(strategy, dict):
            for kind, hooks in strategy.items():
                if not isinstance(hooks, dict):
                    continue
                for hook in _HOOKS:
                    if isinstance(hooks.get(hook), dict):
                        self._steps(hooks[hook].get("steps"), here, job, defined_in, f"{kind}.{hook}")
                on = hooks.get("on", hooks.get(True))
                if isinstance(on, dict):
                    for outcome in ("failure", "success"):
                        if isinstance(on.get(outcome), dict):
                            self._steps(on[outcome].get("steps"), here, job, defined_in, f"{kind}.on.{outcome}")
        job.service_connections = sorted({c for s in job.steps for c in s.extra.pop("_connections", ())}
                                         | set(job.service_connections))
        return [job]

    def _key(self, key: str) -> str:
        unique, n = key, 1
        while unique in self.keys:
            n += 1
            unique = f"{key}~{n}"
        self.keys.add(unique)
        return unique

    def _needs(self, jobs: list[CiJob]) -> None:
        """Stage dependencies become needs between the stages' jobs: an explicit dependsOn, or
        the stage before (Azure's default order)."""
        previous = None
        waits: dict[str, list[str]] = {}
        for stage in self.stage_order:
            deps = self.stage_deps.get(stage)
            waits[stage] = deps if deps is not None else ([previous] if previous else [])
            previous = stage
        for job in jobs:
            if job.stage in waits:
                for dep in waits[job.stage]:
                    job.needs += [k for k in self.stage_jobs.get(dep, ()) if k not in job.needs]

    # -- steps ----------------------------------------------------------------------

    def _steps(self, items: Any, here: str, job: CiJob, defined_in: str | None, hook: str | None) -> None:
        if not isinstance(items, list):
            return
        for i, item in enumerate(items):
            line = line_of(items, i)
            if not isinstance(item, dict):
                continue
            if "template" in item and isinstance(item["template"], str):
                loaded = self._template(item["template"], item.get("parameters"), line, here)
                if isinstance(loaded, Loaded) and loaded.ref is None:
                    job.extra.setdefault("templates", []).append(loaded.path)
                    with self._inside(loaded):
                        self._steps(loaded.doc.get("steps"), loaded.path, job, loaded.label, hook)
                    continue
                if isinstance(loaded, Loaded):
                    # another repository's steps: the reference is kept as a step of its own (how
                    # it is pinned is MLC-PIPE-003's), its steps follow it
                    job.extra.setdefault("templates", []).append(loaded.label)
                    step = CiStep(len(job.steps), line, name=f"template {item['template']}", uses=loaded.uses(item["template"]))
                    step.extra["expanded"] = True
                    if defined_in:
                        step.extra["defined_in"] = defined_in
                    if hook:
                        step.extra["hook"] = hook
                    job.steps.append(step)
                    with self._inside(loaded):
                        self._steps(loaded.doc.get("steps"), loaded.path, job, loaded.label, hook)
                    continue
                step = CiStep(len(job.steps), line, name=f"template {item['template']}",
                              uses=loaded or {"ref": item["template"], "target": item["template"],
                                              "version": None, "kind": "unknown"})
            else:
                step = self._step(item, len(job.steps), line)
            if defined_in:
                step.extra["defined_in"] = defined_in
            if hook:
                step.extra["hook"] = hook
            job.steps.append(step)

    def _step(self, item: dict, index: int, line: int | None) -> CiStep:
        kind = next((k for k in _STEP_KINDS if k in item), None)
        step = CiStep(index, line, name=_text(item.get("displayName")))
        value = item.get(kind) if kind else None
        if kind in _SHELLS:
            step.run = value if isinstance(value, str) else _text(value)
            step.shell = _SHELLS[kind]
            key_line = line_of(item, kind)
            # a block scalar (`|`, `>`) ends with a newline and starts on the next line
            step.run_line = key_line + 1 if key_line and step.run and step.run.endswith("\n") else key_line
        elif kind == "task":
            step.task = _text(value)
            inputs = item.get("inputs")
            if isinstance(inputs, dict):
                step.inputs = {str(k): _text(v) for k, v in inputs.items() if v is not None}
                connections = [v for k, v in step.inputs.items() if k.lower() in SERVICE_CONNECTION_INPUTS and v]
                if connections:
                    step.extra["_connections"] = connections
        elif kind:
            step.extra[kind] = _text(value)
            step.name = step.name or f"{kind} {_text(value)}"
            if kind == "checkout" and value in self.repos and self.repos[value].get("endpoint"):
                step.extra["_connections"] = [self.repos[value]["endpoint"]]
        else:
            step.extra["unknown_keys"] = sorted(str(k) for k in item)[:10]
        env = item.get("env")
        if isinstance(env, dict):
            step.env = {str(k): _text(v) for k, v in env.items() if v is not None}
        if item.get("condition") is not None:
            step.extra["condition"] = _text(item["condition"])
        if item.get("continueOnError") not in (None, False, "false"):
            step.extra["continue_on_error"] = item["continueOnError"] if isinstance(item["continueOnError"], bool) \
                else _text(item["continueOnError"])
        if isinstance(item.get("workingDirectory"), str):
            step.working_directory = item["workingDirectory"]
        for key in ("condition", "target", "name"):
            if item.get(key) is not None and not isinstance(item.get(key), (dict, list)):
                step.extra["reference_name" if key == "name" else key] = _text(item[key])
        return step

    # -- templates -------------------------------------------------------------------

    def _template(self, raw: Any, parameters: Any, line: int | None, here: str) -> Loaded | dict | None:
        """A template reference: Loaded (a file of this tree, or of another repository of the
        scan that `path@alias` names, expanded with its parameters), the reference itself
        (a repository not scanned, a computed path), or None after a collection error naming
        the including file and line."""
        display = self._display(here)
        if not isinstance(raw, str) or not raw.strip():
            self.error(display, "template: expected a path", line)
            return None
        text = raw.strip()
        path, at, alias = text.rpartition("@") if "@" in text else (text, "", "")
        if _EXPRESSION.search(path):
            return {"ref": text, "target": text, "version": None, "kind": "expression"}
        source, ref = self.src, None
        if at and alias == "self":
            source = self.home                 # `@self`: the repository of the pipeline being read
        elif at:
            ref = self._remote(text, path, alias)
            source = self.repository(self.repos[alias]) if alias in self.repos else None
            if source is None:
                return ref                     # not scanned: kept as a reference
        if path.startswith("/") or source is not self.src:
            target = posixpath.normpath(path.lstrip("/"))    # another repository's paths start at its root
        else:
            target = posixpath.normpath(posixpath.join(posixpath.dirname(here), path))
        if target == ".." or target.startswith("../"):
            self.error(display, f"template {text!r} leads out of the scanned tree; not read", line)
            return None
        key = (source.alias, target)
        if key in self.stack:
            entered = self.stack[self.stack.index(key):]
            chain = " → ".join([_named(a, p) for a, p in entered] + [_named(*key)])
            self.error(display, f"template cycle: {chain}; not expanded", line, ("cycle", frozenset(entered)))
            return None
        if len(self.stack) > MAX_DEPTH:
            self.error(display, f"templates nest more than {MAX_DEPTH} deep; {text!r} not expanded", line)
            return None
        self.inclusions += 1
        if self.inclusions > MAX_INCLUSIONS:
            if self.inclusions == MAX_INCLUSIONS + 1:
                self.error(self.root.display, f"more than {MAX_INCLUSIONS} template inclusions; the rest not expanded", line)
            return None
        found = source.files.get(target)
        if found is None:
            # Unread, but another repository's reference is still a reference: `ref` keeps it
            # (and its pin, MLC-PIPE-003's) where None would leave the including step unknown.
            if target in source.failed:
                return ref                     # its own error (or template marker) is recorded
            where = f"repository {source.alias}" if source.alias else "the scanned tree"
            reason = "is not an Azure Pipelines template" if target in source.seen else f"not found in {where}"
            self.error(display, f"template {text!r} ({target}) {reason}", line)
            return ref
        doc = found.doc
        if source.alias:
            self.borrowed.add((source.tree, target))
        file = found.ref.node if ref else None
        if not found.expressions:             # nothing to substitute: read as it is
            return Loaded(target, doc, source, ref, file)
        scope = self._scope({**declared_parameters(doc.get("parameters")),
                             **(dict(parameters) if isinstance(parameters, dict) else {})}, target)
        expanded = expand(_without(doc, ("parameters",)), scope)
        self._keep_unknown(scope, _named(source.alias, target))
        return Loaded(target, expanded, source, ref, file)

    def _remote(self, text: str, path: str, alias: str) -> dict:
        repo = self.repos.get(alias)
        if repo is None:
            return {"ref": text, "target": f"{alias}/{path}", "version": None, "kind": "unknown", "repository": alias}
        name = repo.get("name") or alias
        return {**repository_ref(name, repo.get("ref")), "ref": text, "target": f"{name}/{path}",
                "repository": alias, "repository_name": name}

    @contextlib.contextmanager
    def _inside(self, loaded: Loaded):
        """Read what a template holds where it lives: its own repository's relative paths."""
        outer = self.src
        self.src = loaded.source or outer
        self.stack.append((self.src.alias, loaded.path))
        try:
            yield
        finally:
            self.stack.pop()
            self.src = outer

    def _label(self, path: str) -> str:
        return _named(self.src.alias, path)

    def _scope(self, parameters: dict, path: str) -> Scope:
        return Scope(parameters=parameters, variables=self.variables, unknown=[], built=self.built)

    def _keep_unknown(self, scope: Scope, path: str) -> None:
        for entry in scope.unknown:
            if len(self.unknown) < MAX_UNKNOWN:
                self.unknown.append({**entry, "file": path})
        scope.unknown.clear()

    def _display(self, path: str) -> str:
        found = self.src.files.get(path)
        return found.ref.display if found else self.root.display

    # -- resources and variables -------------------------------------------------------

    def _resources(self, resources: Any) -> None:
        if not isinstance(resources, dict):
            return
        for item in _items(resources.get("repositories")):
            if isinstance(item, dict) and isinstance(item.get("repository"), str):
                self.repos[item["repository"]] = {
                    "alias": item["repository"], "name": _text(item.get("name")), "type": _text(item.get("type")),
                    "ref": _text(item.get("ref")) if item.get("ref") is not None else None,
                    "endpoint": _text(item.get("endpoint")) if item.get("endpoint") is not None else None}
        for item in _items(resources.get("containers")):
            if isinstance(item, dict) and isinstance(item.get("container"), str) and item.get("image"):
                self.containers[item["container"]] = _text(item["image"])

    def _variables(self, node: Any, here: str, groups: list[str], literal: dict) -> None:
        if isinstance(node, dict):
            literal.update({str(k): v for k, v in node.items() if not isinstance(v, (dict, list))})
            return
        if not isinstance(node, list):
            return
        for i, item in enumerate(node):
            if not isinstance(item, dict):
                continue
            if isinstance(item.get("group"), str):
                groups.append(item["group"])
            elif "name" in item and not isinstance(item.get("value"), (dict, list)):
                literal[str(item["name"])] = item.get("value")
            elif "template" in item:
                loaded = self._template(item["template"], item.get("parameters"), line_of(node, i), here)
                if isinstance(loaded, Loaded):
                    with self._inside(loaded):
                        self._variables(loaded.doc.get("variables"), loaded.path, groups, literal)

    def _container(self, value: Any, line: int | None) -> dict | None:
        if isinstance(value, dict):
            value = value.get("image")
        if not isinstance(value, str) or not value.strip():
            return None
        alias = value if value in self.containers else None
        image = image_ref(self.containers.get(value, value))
        out = {"image": image["image"], "digest": bool(image["digest"]), "pinned": image["pinned"],
               "name": image["name"], "tag": image["tag"], "expression": image["expression"], "line": line}
        if alias:
            out["alias"] = alias
        return out


# -- small readers -------------------------------------------------------------------------

def _named(alias: str | None, path: str) -> str:
    return f"{path}@{alias}" if alias else path


def declared_parameters(node: Any) -> dict:
    """A template's or pipeline's parameters with their defaults: the list form
    (`- name: x / default: y`) or the old mapping form (`x: y`). A parameter declared without
    a default is left out: Azure will not queue a run that gives it no value, so read alone
    (or called without it) its value is unknown and `${{ parameters.x }}` stays as written,
    never the empty string."""
    if isinstance(node, dict):
        return {str(k): v for k, v in node.items()}
    if isinstance(node, list):
        return {str(p["name"]): p["default"] for p in node if isinstance(p, dict) and "name" in p and "default" in p}
    return {}


def repository_ref(name: str, ref: str | None) -> dict:
    """How a repository resource pins what it names: no `ref` is its default branch,
    `refs/heads/x` a branch, `refs/tags/x` a tag, a full commit sha a sha."""
    if ref is None or not ref.strip():
        return {"target": name, "version": None, "kind": "branch"}
    text = ref.strip()
    if _EXPRESSION.search(text):
        return {"target": name, "version": text, "kind": "expression"}
    for prefix, kind in (("refs/heads/", "branch"), ("refs/tags/", "tag")):
        if text.startswith(prefix):
            return {"target": name, "version": text[len(prefix):], "kind": kind}
    found = action_ref(f"{name}@{text}")
    return {"target": name, "version": text, "kind": found["kind"] if found["kind"] in ("sha", "tag") else "branch"}


def runner(pool: Any, line: int | None) -> dict | None:
    """`pool:` → the runner: a `vmImage` (or the "Azure Pipelines" pool) is Microsoft-hosted,
    any other named pool self-hosted, `server` agentless, a computed one unknown."""
    if pool is None or pool == "":
        return None
    if isinstance(pool, str):
        name, image, demands = pool, None, []
    elif isinstance(pool, dict):
        name = _text(pool.get("name")) if pool.get("name") is not None else None
        image = _text(pool.get("vmImage")) if pool.get("vmImage") is not None else None
        demands = pool.get("demands")
        demands = [demands] if isinstance(demands, str) else [_text(d) for d in demands or [] if not isinstance(d, dict)] \
            if isinstance(demands, list) else []
    else:
        return {"hosting": "unknown", "labels": [], "pool": None, "image": None, "raw": _text(pool)}
    raw = name if isinstance(pool, str) else " ".join(f"{k}={_text(v)}" for k, v in pool.items()
                                                       if not isinstance(v, (dict, list)))
    if any(_EXPRESSION.search(t) for t in (name or "", image or "")):
        hosting = "unknown"
    elif name and name.strip().lower() == "server":
        hosting = "hosted"                     # an agentless job runs in Azure DevOps itself
    elif name and not _HOSTED_POOL.match(name.strip()):
        hosting = "self_hosted"
    elif image or name:
        hosting = "hosted"
    else:
        hosting = "unknown"
    labels = [x for x in [image, *demands] if x]
    return {"hosting": hosting, "labels": labels, "pool": name, "image": image, "raw": raw, "line": line}


def environment(value: Any, line: int | None) -> dict | None:
    """A deployment job's `environment:`: `env` or `env.resource`, or {name, resourceName}."""
    if isinstance(value, str):
        raw = value
        name, _, resource = value.partition(".")
    elif isinstance(value, dict):
        raw = " ".join(f"{k}={_text(v)}" for k, v in value.items() if not isinstance(v, (dict, list)))
        name, resource = _text(value.get("name")), _text(value.get("resourceName"))
    else:
        return None
    computed = bool(_EXPRESSION.search(name or ""))
    out = {"name": None if computed or not name else name, "raw": raw, "line": line}
    if resource:
        out["resource"] = resource
    return out


def _triggers(doc: dict, resources: Any, role: str) -> list[str]:
    found = []
    trigger = doc.get("trigger", None if role == "template" else "default")
    if not _none(trigger):
        found.append("push")
    if "pr" in doc and not _none(doc["pr"]):
        found.append("pull_request")
    if doc.get("schedules"):
        found.append("schedule")
    if isinstance(resources, dict):
        pipelines = resources.get("pipelines")
        if isinstance(pipelines, list) and any(isinstance(p, dict) and not _none(p.get("trigger", "none"))
                                               for p in pipelines):
            found.append("pipeline")
        if resources.get("webhooks"):
            found.append("webhook")
    return found


def _none(value: Any) -> bool:
    if value is None or value is False:
        return True
    if isinstance(value, str):
        return value.strip().lower() in ("none", "false", "")
    if isinstance(value, list):
        return value in ([], ["none"])
    return False


def _items(value: Any) -> list:
    return value if isinstance(value, list) else []


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v.strip()]
    return []


def _name(value: Any) -> str | None:
    return value if isinstance(value, str) and not _EXPRESSION.search(value) else None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return None
    return str(value)


def _without(doc: dict, keys: tuple[str, ...]) -> YamlMap:
    out = YamlMap({k: v for k, v in doc.items() if k not in keys})
    out.line, out.lines = line_of(doc), dict(getattr(doc, "lines", {}) or {})
    return out
