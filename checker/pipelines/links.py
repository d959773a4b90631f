"""The pipelines linker: CI jobs to what they act on (issue 10, vocabulary "Links").

Once every source is collected, each CI job (a `job` node with `attrs.system`) is joined to:
- the files its steps' `ml_actions` name: step --uses--> file (a folder, as `terraform
  apply` or `kubectl apply -f DIR` take it: each file directly in it that a parser made
  nodes from), and through each file to what the parsers defined in it (`defined_in`):
  job --uses--> an Azure ML job, job --deploys--> an Azure ML deployment (and the endpoint
  that contains it), endpoint, model, model version or infrastructure resource;
- the Azure ML workspace its actions target: job --in_workspace--> an `ml_workspace`
  resource of that name (`-w`/`--workspace-name`, `az configure --defaults workspace=…`,
  AZURE_DEFAULTS_WORKSPACE), literal or through a variable the pipeline defines literally
  (step `env`, job and pipeline `variables` / `env`);
- its deployment environment: job --uses--> `environment:ci:…` of the same system, name and
  repository (Azure Pipelines: project) from a platform export;
- the local reusable workflow or template it calls: job --uses--> that pipeline node.

A reference that does not resolve is noted (`unresolved`, with the reason) on the step or
job; a path leading out of the tree is never looked up. Linking may reveal a purpose the
job's own text did not (an `az ml job create -f` of an online deployment spec deploys):
it is added to `purposes` with the reason. Jobs also get `azureml_actions`, the Azure ML
actions their steps perform (MLC-PIPE-002 judges those that act against a workspace).
"""
from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass, field

from ..graph import EstateGraph
from .agents import link_agents
from .identities import link_identities

# What a spec or manifest defines becomes: the CI job runs it (uses) or puts it in service.
DEPLOYED_KINDS = ("deployment", "endpoint", "model", "model_version", "resource")
# Actions that act on an Azure ML workspace (checker/collectors/ci/commands.py).
AZUREML_ACTIONS = frozenset({"job_submit", "model_deploy", "endpoint_deploy", "endpoint_invoke",
                             "model_register", "asset_create", "compute_create"})
# A script a step runs is linked when it is in the tree, but it names no ML resource: one
# that is not (its folder changed by a `cd` the reading cannot follow) is not noted.
UNNOTED_ACTIONS = frozenset({"python_script"})
MAX_CALLERS = 20                # callers of one reusable workflow whose inputs are read
MAX_ACTIONS = 50                # Azure ML actions kept per job
MAX_RESOLVE = 4                 # rounds of variable substitution (a variable naming another)
# Variable references: ${{ env.X }} / ${{ variables.X }} / ${{ vars.X }} / ${{ secrets.X }},
# Azure macros $(X) and runtime $[variables.X], shell $X / ${X}, PowerShell $env:X, cmd %X%.
_REFERENCE = re.compile(
    r"\$\{\{\s*(?P<scope>env|variables|vars|secrets|inputs|matrix|needs|steps|github|parameters)\.(?P<a>[\w.-]+)\s*\}\}"
    r"|\$\[\s*variables\.(?P<b>[\w.-]+)\s*\]"
    r"|\$\((?P<c>[A-Za-z_][\w.-]*)\)"
    r"|\$env:(?P<d>[A-Za-z_]\w*)"
    r"|\$\{(?P<e>[A-Za-z_]\w*)\}"
    r"|\$(?P<f>[A-Za-z_]\w*)"
    r"|%(?P<g>[A-Za-z_]\w*)%")
_OPEN = re.compile(r"\$\{\{|\$\(|\$\[|\$\{|\$[A-Za-z_]|%[A-Za-z_]\w*%")
# A URL (commands.py normalises `https://` to `https:/`: a scheme and a slash is enough).
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:/")
# `az configure --defaults group=rg workspace=ws` sets the workspace later az ml commands use.
_AZ_DEFAULTS = re.compile(r"\baz\s+configure\b[^\n]*?--defaults?\b(?P<rest>[^\n]*)")
_DEFAULT_WORKSPACE = re.compile(r"(?:^|\s)workspace=(?P<value>\S+)")
DEFAULT_WORKSPACE_VARS = ("AZURE_DEFAULTS_WORKSPACE",)
# Scopes of ${{ }} whose values live outside the tree (settings, secrets, run time).
_OUTSIDE_SCOPES = {"vars": "a repository or organisation variable (set in the platform, not in the tree)",
                   "secrets": "a secret", "inputs": "an input given when the workflow is called",
                   "parameters": "a template parameter", "matrix": "a matrix value",
                   "needs": "another job's output", "steps": "another step's output",
                   "github": "a run-time context value"}


@dataclass
class _Tree:
    """One scanned tree's files and CI definitions."""
    files: dict[str, str] = field(default_factory=dict)                     # path → file node
    folders: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))   # folder → its files
    pipelines: dict[str, str] = field(default_factory=dict)                 # path → pipeline node
    dirs: set[str] = field(default_factory=set)                              # every folder with a file under it


class _Estate:
    """Indexes built once per link: trees, what each file defines, workspaces, environments."""

    def __init__(self, graph: EstateGraph) -> None:
        self.graph = graph
        self.trees: dict[str, _Tree] = defaultdict(_Tree)
        self.tree_of_file: dict[str, str] = {}
        self.tree_of_pipeline: dict[str, str | None] = {}     # filled as jobs ask (_tree_of_pipeline)
        for fid, f in graph.nodes("file"):
            for tree in graph.in_edges(fid, "contains"):
                if graph.node(tree)["kind"] != "repo":
                    continue
                path = f["attrs"].get("path")
                if isinstance(path, str):
                    self.trees[tree].files[path] = fid
                    folder = posixpath.dirname(path) or "."
                    self.trees[tree].folders[folder].append(fid)
                    while folder not in self.trees[tree].dirs and folder not in ("", "."):
                        self.trees[tree].dirs.add(folder)
                        folder = posixpath.dirname(folder)
                    self.tree_of_file[fid] = tree
        for pid, p in graph.nodes("pipeline"):
            for fid in graph.out_edges(pid, "defined_in"):
                if fid in self.tree_of_file and isinstance(p["attrs"].get("path"), str):
                    self.trees[self.tree_of_file[fid]].pipelines[p["attrs"]["path"]] = pid
        # scanned repositories by remote (github.com/o/r): another repository's reusable workflows
        self.by_remote: dict[str, str] = {}
        for rid, r in graph.nodes("repo"):
            key = repository_key(r["attrs"].get("remote"))
            if key:
                self.by_remote.setdefault(key, rid)
        self.workspaces: dict[str, list[str]] = defaultdict(list)
        for nid, r in graph.nodes("resource"):
            name = r["attrs"].get("name")
            if r["attrs"].get("type") == "ml_workspace" and isinstance(name, str):
                self.workspaces[name.lower()].append(nid)
        self.environments: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        # Azure DevOps exports name a project by id as often as by name: by organisation too.
        self.azure_by_org: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for nid, e in graph.nodes("environment"):
            a = e["attrs"]
            owner = a.get("repository") or a.get("project")
            if a.get("system") and isinstance(owner, str) and isinstance(a.get("name"), str):
                self.environments[(a["system"], owner.lower(), a["name"].lower())].append(nid)
                if a["system"] == "azure_pipelines":
                    org = "/".join(owner.lower().split("/")[:2])
                    self.azure_by_org[(org, a["name"].lower())][owner.lower()].append(nid)

    def environment(self, system: str, owner: str, name: str) -> list[str]:
        """The environment nodes of a name in a repository (Azure: its project); for Azure,
        failing that, those of the one project of the organisation that has it (an export
        naming the project by id, not by name)."""
        found = self.environments.get((system, owner, name), [])
        if found or system != "azure_pipelines":
            return found
        projects = self.azure_by_org.get(("/".join(owner.split("/")[:2]), name), {})
        return next(iter(projects.values())) if len(projects) == 1 else []

    def defined_in(self, fid: str) -> list[str]:
        return [n for n in self.graph.in_edges(fid, "defined_in")]


@dataclass
class _Job:
    """A CI job in its context: its pipeline, tree and the variables in scope."""
    id: str
    attrs: dict
    pipeline: str
    pipeline_attrs: dict
    tree: str | None
    inputs: dict | None = None          # what one caller passes a reusable workflow (`with:`)


def link_pipelines(graph: EstateGraph) -> None:
    estate = _Estate(graph)
    jobs = [job for jid, data in list(graph.nodes("job")) if isinstance(data["attrs"].get("system"), str)   # not Azure ML specs
            for job in [_context(graph, estate, jid, data["attrs"])] if job is not None]
    for job in jobs:                  # first: a called workflow's jobs read their callers' inputs
        _link_called(graph, estate, job)
    _record_callers(graph, jobs)
    for job in jobs:
        revealed: dict[str, str] = {}
        actions: list[tuple[dict, dict]] = []          # (Azure ML action, variables in its scope)
        for caller_inputs in _callers_inputs(graph, job):
            job.inputs = caller_inputs
            for sid in sorted(graph.out_edges(job.id, "contains"), key=_step_index(graph)):
                step = graph.node(sid)["attrs"]
                _link_local_action(graph, estate, job, sid, step)
                variables = _variables(job, step)
                for action in _step_actions(step):
                    if is_azureml(action):
                        actions.append((action, variables))
                    if action.get("file"):
                        for fid in _link_file(graph, estate, job, sid, action, variables):
                            _link_definitions(graph, estate, job.id, fid, revealed)
        _link_workspaces(graph, estate, job, actions)
        _link_environment(graph, estate, job)
        _record(graph, job, actions, revealed)
    link_agents(graph)
    remotes = {job.id: repository_key(graph.node(job.tree)["attrs"].get("remote")) if job.tree else None for job in jobs}
    link_identities(graph, remotes.get)


def is_azureml(action: dict) -> bool:
    """An action on an Azure ML workspace: the az ml CLI or an Azure ML action/task (an
    `mlflow run` also submits a job, but on the machine it runs on)."""
    text = str(action.get("text") or "").lstrip().lower()
    return action["action"] in AZUREML_ACTIONS and (
        text.startswith("az ml ") or text.startswith("azure/aml-") or bool(action.get("workspace")))


def _step_actions(step: dict) -> list[dict]:
    """A step's ML actions as the CI model records them (a replayed snapshot may hold anything)."""
    actions = step.get("ml_actions")
    return [a for a in actions if isinstance(a, dict) and isinstance(a.get("action"), str)
            and isinstance(a.get("file", ""), str) and isinstance(a.get("workspace", ""), str)] \
        if isinstance(actions, list) else []


def _record_callers(graph: EstateGraph, jobs: list[_Job]) -> None:
    """`called_by` on each job of a called workflow or template: the jobs calling it (a job
    runs after whatever its caller waits for: MLC-PIPE-005 walks on from them)."""
    for job in jobs:
        callers = sorted(c for c in graph.in_edges(job.pipeline, "uses") if graph.node(c)["kind"] == "job")
        if callers:
            graph.update_attrs(job.id, called_by=callers[:MAX_CALLERS])


def _callers_inputs(graph: EstateGraph, job: _Job) -> list[dict | None]:
    """The `with:` of each job calling the job's (reusable) pipeline; [None] for none."""
    found = [graph.node(c)["attrs"].get("inputs") for c in graph.in_edges(job.pipeline, "uses")
             if graph.node(c)["kind"] == "job"]
    return [i for i in found if isinstance(i, dict)][:MAX_CALLERS] or [None]


def _link_local_action(graph: EstateGraph, estate: _Estate, job: _Job, sid: str, step: dict) -> None:
    """step --uses--> the local composite action it runs (`uses: ./.github/actions/x`)."""
    uses = step.get("uses")
    if not (isinstance(uses, dict) and uses.get("kind") == "local" and isinstance(uses.get("path"), str)) \
            or job.tree is None:
        return
    pipelines = estate.trees[job.tree].pipelines
    for name in ("action.yml", "action.yaml"):
        target = pipelines.get(posixpath.join(uses["path"], name))
        if target:
            graph.add_edge(sid, target, "uses")


def _step_index(graph: EstateGraph):
    def index(sid: str) -> int:
        value = graph.node(sid)["attrs"].get("index")
        return value if isinstance(value, int) else 0
    return index


def _context(graph: EstateGraph, estate: _Estate, jid: str, attrs: dict) -> _Job | None:
    pipeline = next((p for p in graph.in_edges(jid, "contains") if graph.node(p)["kind"] == "pipeline"), None)
    if pipeline is None:
        return None
    return _Job(jid, attrs, pipeline, graph.node(pipeline)["attrs"], _tree_of_pipeline(graph, estate, pipeline))


def _tree_of_pipeline(graph: EstateGraph, estate: _Estate, pipeline: str) -> str | None:
    """The tree of the file that defines the pipeline, found once per pipeline: its
    `defined_in` edge lies among one `contains` edge per job (5,000 in a generated one)."""
    if pipeline not in estate.tree_of_pipeline:
        fid = next(graph.out_edges(pipeline, "defined_in"), None)
        estate.tree_of_pipeline[pipeline] = estate.tree_of_file.get(fid)
    return estate.tree_of_pipeline[pipeline]


# -- variables ------------------------------------------------------------------------

def _variables(job: _Job, step: dict) -> dict[str, str]:
    """Literal variables in scope of a step, the nearest first: step env, job, pipeline."""
    scopes = (step.get("env"), job.attrs.get("variables"), job.attrs.get("env"),
              job.pipeline_attrs.get("variables"), job.pipeline_attrs.get("env"))
    found: dict[str, str] = {}
    for scope in scopes:
        for name, value in (scope.items() if isinstance(scope, dict) else ()):
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                found.setdefault(str(name), str(value))
    if job.attrs.get("system") == "azure_pipelines":   # Azure maps variables to env vars: a.b → A_B
        for name, value in list(found.items()):
            found.setdefault(name.upper().replace(".", "_"), value)
    for name, value in (job.inputs or {}).items():   # ${{ inputs.X }}: the caller's `with:`
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            found[f"inputs.{name}"] = str(value)
    return found


def resolve(text: str, variables: dict[str, str]) -> tuple[str | None, str | None]:
    """(the text with its variables replaced by their literal values, None) or (None, why
    it cannot be: the first reference no literal variable defines)."""
    lowered = {k.lower(): v for k, v in variables.items()}
    missing: list[str] = []

    def value(m: re.Match) -> str:
        scope = m.group("scope")
        name = next(g for g in m.group("a", "b", "c", "d", "e", "f", "g") if g)
        if scope in _OUTSIDE_SCOPES and f"{scope}.{name}" in variables:
            return variables[f"{scope}.{name}"]
        if scope in _OUTSIDE_SCOPES:
            missing.append(f"{m.group(0)} is {_OUTSIDE_SCOPES[scope]}")
            return m.group(0)
        found = variables.get(name, lowered.get(name.lower()))
        if found is None:
            missing.append(f"{m.group(0)}: no variable of the pipeline defines {name} as a literal")
            return m.group(0)
        return found
    for _ in range(MAX_RESOLVE):
        if not _OPEN.search(text):
            return text, None
        missing.clear()
        text = _REFERENCE.sub(value, text)
        if missing:
            return None, missing[0]
    return (None, f"{text} still names a variable after {MAX_RESOLVE} substitutions") if _OPEN.search(text) else (text, None)


# -- files and what they define ----------------------------------------------------------

def _link_file(graph: EstateGraph, estate: _Estate, job: _Job, sid: str, action: dict,
               variables: dict[str, str]) -> list[str]:
    """step --uses--> the file(s) an action names; the file nodes linked."""
    raw = str(action["file"])
    key = f"file {raw}"
    quiet = action["action"] in UNNOTED_ACTIONS
    url = _URL.match(raw)
    if raw in ("-", "/dev/stdin") or url:
        if url and not quiet:
            graph.note_unresolved(sid, key, raw, f"{action['action']}: a URL, fetched when the pipeline runs; not in the tree")
        return []
    path, why = resolve(raw, variables)
    if path is None:
        if not quiet:
            graph.note_unresolved(sid, key, raw, f"{action['action']}: {why}")
        return []
    path = posixpath.normpath(path.replace("\\", "/")).removeprefix("./") if path not in (".", "./") else "."
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path) or path == ".." or path.startswith("../"):
        graph.note_unresolved(sid, key, raw, f"{action['action']}: {path} is outside the scanned tree; not read")
        return []
    if job.tree is None:
        graph.note_unresolved(sid, key, raw, f"{action['action']}: the pipeline's file is in no collected tree")
        return []
    tree = estate.trees[job.tree]
    if path in tree.files:
        fids = [tree.files[path]]
    else:
        fids = [f for f in tree.folders.get(path, ()) if estate.defined_in(f)]
        if not fids:
            where = ("a folder holding no file a parser read" if path in tree.dirs or path == "."
                     else "not in the scanned tree")
            if not quiet:
                graph.note_unresolved(sid, key, raw, f"{action['action']}: {path} is {where}")
            return []
    for fid in fids:
        graph.add_edge(sid, fid, "uses")
    return fids


def _link_definitions(graph: EstateGraph, estate: _Estate, jid: str, fid: str, revealed: dict) -> None:
    """job --uses--> the Azure ML jobs a file defines, --deploys--> what it puts in service."""
    path = graph.node(fid)["attrs"].get("path")
    for nid in estate.defined_in(fid):
        node = graph.node(nid)
        kind, attrs = node["kind"], node["attrs"]
        if kind == "job" and not attrs.get("system"):
            if not any(graph.node(p)["kind"] == "job" for p in graph.in_edges(nid, "contains")):
                graph.add_edge(jid, nid, "uses")          # the top job of a pipeline spec
                revealed.setdefault("train", f"submits {path}, an Azure ML {attrs.get('type', 'job')} job")
        elif kind in DEPLOYED_KINDS:
            graph.add_edge(jid, nid, "deploys")
            if kind == "deployment":
                revealed.setdefault("deploy", f"applies {path}, the {attrs.get('kind', '')} deployment "
                                              f"{attrs.get('name', nid)}".replace("  ", " "))
                for endpoint in graph.in_edges(nid, "contains"):
                    if graph.node(endpoint)["kind"] == "endpoint":
                        graph.add_edge(jid, endpoint, "deploys")
            elif kind == "endpoint":
                revealed.setdefault("deploy", f"applies {path}, the endpoint {attrs.get('name', nid)}")
            elif kind in ("model", "model_version") and attrs.get("store") == "azureml-spec":
                revealed.setdefault("register", f"applies {path}, the model {attrs.get('name', nid)}")


# -- workspace ---------------------------------------------------------------------------

def _link_workspaces(graph: EstateGraph, estate: _Estate, job: _Job, actions: list[tuple[dict, dict]]) -> None:
    """job --in_workspace--> each ml_workspace its Azure ML actions name (or the default
    workspace its scripts configure)."""
    unnamed = any(not action.get("workspace") for action, _ in actions)
    default = _default_workspace(graph, job) if unnamed else None     # only read when needed
    named: dict[tuple[str, str], None] = {}      # (as written, its literal name), in order
    for action, variables in actions:
        raw = action.get("workspace") or default
        if raw is None:
            continue
        name, why = resolve(str(raw), variables)   # variables differ by caller: resolve each
        if name is None:
            graph.note_unresolved(job.id, f"workspace {raw}", raw, why)
        else:
            named[(raw, name.strip())] = None
    for raw, name in named:
        targets = estate.workspaces.get(name.lower(), [])
        for ws in targets:
            graph.add_edge(job.id, ws, "in_workspace")
        if not targets:
            graph.note_unresolved(job.id, f"workspace {raw}" if raw == name else f"workspace {raw} = {name}", raw,
                                  f"no collected ml_workspace is named {name}" if estate.workspaces
                                  else f"workspace {name}: no ml_workspace was collected (no IaC or export declares it)")


def _default_workspace(graph: EstateGraph, job: _Job) -> str | None:
    """The workspace `az configure --defaults workspace=…` or AZURE_DEFAULTS_WORKSPACE sets."""
    for sid in graph.out_edges(job.id, "contains"):
        step = graph.node(sid)["attrs"]
        for name in DEFAULT_WORKSPACE_VARS:
            value = _variables(job, step).get(name)
            if value:
                return value
        for m in _AZ_DEFAULTS.finditer(str(step.get("run") or "") + "\n" +
                                       "\n".join(str(v) for v in (step.get("inputs") or {}).values())):
            ws = _DEFAULT_WORKSPACE.search(m.group("rest"))
            if ws:
                return ws.group("value").strip("'\"")
    return None


# -- environment, called pipelines ---------------------------------------------------------

def repository_key(remote: str | None) -> str | None:
    """github.com/o/r from a repo node's remote (already normalised by the git collector)."""
    if not isinstance(remote, str) or not remote.strip():
        return None
    return re.sub(r"\.git$", "", remote.strip().rstrip("/")).lower()


def environment_names(graph: EstateGraph, job: _Job) -> tuple[list[str], str | None]:
    """The names of a job's environment: as written, or its expression resolved by each
    caller's inputs and the pipeline's literal variables (`environment: ${{ inputs.env }}`
    in a reusable workflow); ([], why) when none can be told."""
    env = job.attrs.get("environment")
    if isinstance(env.get("name"), str) and env["name"]:
        return [env["name"]], None
    raw, names, why = env.get("raw"), [], None
    if not isinstance(raw, str) or not raw.strip():
        return [], "the environment has no name"
    for caller_inputs in _callers_inputs(graph, job):
        job.inputs = caller_inputs
        name, why = resolve(raw.strip(), _variables(job, {}))
        if name and name not in names:
            names.append(name)
    return names, (None if names else f"the environment's name is an expression: {why}")


def _link_environment(graph: EstateGraph, estate: _Estate, job: _Job) -> None:
    env = job.attrs.get("environment")
    if not isinstance(env, dict):
        return
    system = job.attrs["system"]
    names, why = environment_names(graph, job)
    if not names:
        graph.note_unresolved(job.id, "environment", env.get("raw"), why)
        return
    if names != [env.get("name")]:
        graph.update_attrs(job.id, environment_names=names)
    key = repository_key(graph.node(job.tree)["attrs"].get("remote")) if job.tree else None
    if key is None:
        graph.note_unresolved(job.id, "environment", ", ".join(names),
                              "the repository has no remote to join an environments export to")
        return
    owner = key.split("/_git/")[0] if system == "azure_pipelines" else key
    for name in names:
        keys = [name.lower()] + ([name.split(".")[0].lower()] if system == "azure_pipelines" and "." in name else [])
        targets = next((t for n in keys if (t := estate.environment(system, owner, n))), [])
        for target in targets:
            graph.add_edge(job.id, target, "uses")
        if not targets:
            graph.note_unresolved(job.id, "environment" if len(names) == 1 else f"environment {name}", name,
                                  f"no environments export of {owner} names environment {name}")


def called_path(job: _Job) -> str | None:
    """The tree path of the local reusable workflow / template a job calls; None when it
    calls none or a remote one."""
    uses = job.attrs.get("uses")
    if not isinstance(uses, dict):
        return None
    if isinstance(uses.get("path"), str):
        return uses["path"]
    ref = str(uses.get("ref") or "")
    if job.attrs["system"] == "azure_pipelines" and uses.get("kind") == "local" and isinstance(uses.get("target"), str):
        return uses["target"]           # the Azure parser resolved the template (nested ones too)
    if job.attrs["system"] == "azure_pipelines":
        path, at, repo = ref.partition("@")
        if at and repo != "self":
            return None
        if path.startswith("/"):
            return path.lstrip("/")
        return posixpath.join(posixpath.dirname(str(job.pipeline_attrs.get("path") or "")), path)
    if uses.get("kind") == "local":
        return ref.split("@", 1)[0]
    return None


def _link_called(graph: EstateGraph, estate: _Estate, job: _Job) -> None:
    target = _other_repository(graph, estate, job)
    if target:
        graph.add_edge(job.id, target, "uses")
        return
    raw = called_path(job)
    if raw is None:
        return
    path = posixpath.normpath(raw.replace("\\", "/")).removeprefix("./")
    if path.startswith(("/", "../")) or path == "..":
        graph.note_unresolved(job.id, "uses", raw, f"{path} is outside the scanned tree; not read")
        return
    target = estate.trees[job.tree].pipelines.get(path) if job.tree else None
    if target:
        graph.add_edge(job.id, target, "uses")
    else:
        graph.note_unresolved(job.id, "uses", raw, f"no CI definition was collected at {path}")


def _other_repository(graph: EstateGraph, estate: _Estate, job: _Job) -> str | None:
    """The pipeline node of a template / reusable workflow in another scanned repository: an
    Azure template the parser read from it (`file`), a GitHub `org/repo/path@ref` whose
    repository is scanned; None when the repository is not (the reference stays as it is)."""
    uses = job.attrs.get("uses")
    if not isinstance(uses, dict):
        return None
    if isinstance(uses.get("file"), str) and uses["file"] in graph:
        return next((p for p in estate.defined_in(uses["file"]) if graph.node(p)["kind"] == "pipeline"), None)
    if job.attrs["system"] != "github_actions" or uses.get("kind") in ("local", "docker", "expression"):
        return None
    parts = str(uses.get("target") or "").split("/")
    tree = estate.by_remote.get(f"github.com/{'/'.join(parts[:2])}".lower()) if len(parts) > 2 else None
    return estate.trees[tree].pipelines.get("/".join(parts[2:])) if tree in estate.trees else None


def _record(graph: EstateGraph, job: _Job, actions: list[dict], revealed: dict[str, str]) -> None:
    purposes = job.attrs.get("purposes") if isinstance(job.attrs.get("purposes"), list) else []
    have = {p.get("purpose") for p in purposes if isinstance(p, dict)}
    added = [{"purpose": p, "reason": r} for p, r in revealed.items()
             if p not in have and not (p == "train" and "evaluate" in have)]
    facts: dict = {}
    if added:
        facts["purposes"] = purposes + added
    if actions:
        seen = {}                                 # one entry per action, whatever its callers
        for a, _ in actions:
            entry = {k: a[k] for k in ("action", "line", "workspace", "file") if a.get(k) is not None}
            seen.setdefault(repr(sorted(entry.items())), entry)
        facts["azureml_actions"] = list(seen.values())[:MAX_ACTIONS]
    if facts:
        graph.update_attrs(job.id, **facts)

