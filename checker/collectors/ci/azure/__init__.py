"""Azure Pipelines definitions, found by what they hold, not by their names: real
repositories keep them as any `*.yml` under `.azuredevops/`, `.pipelines/`,
`mlops/devops-pipelines/`, and template repositories hold nothing but templates.

parse() keeps, per tree, every YAML document whose top level has the Azure shape (a list of
`stages`, `jobs` or `steps` items, `extends: {template}`, or only `variables` for a variables
template), after a byte search that costs other YAML one regex. finish() reads each
pipeline with its templates expanded from the same tree (templates are files of the tree
only: a parser never reads disk) and each template file on its own, and emits them
(ci/model.py). What a template contributed is recorded on each step and job
(`defined_in`: the template's path, its own line). A template in another repository
(`path@alias`) is read from that repository when the scan holds it too (a tree whose remote,
or folder name, is the `resources.repositories` entry's `name`): the files that name one wait
for finish_scan(), when every tree is known, and what they include is marked a template. A
repository not scanned stays a reference whose kind says how the alias's `ref:` pins it
(kept beside the expansion too: MLC-PIPE-003 judges the pin).

Template cycles, missing template files, a path out of the tree and expansions past
Azure's own bounds are collection errors naming the including file and the line.
"""
from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from ....redact import clean, clean_entry, clean_text
from ....safeyaml import TemplateYaml, YamlError, as_utf8, from_portable, load_yaml, to_portable
from ... import CollectContext, FileParser, FileRef
from ..model import CiPipeline, emit
from .expand import MAX_NODES, TooLarge
from .read import Files, PipelineReader

NAME = "azure_pipelines"

# A top-level key only Azure files (and a few look-alikes sorted out after loading) start with.
_SNIFF = re.compile(rb"^(?:stages|jobs|steps|extends|variables)[ \t]*:", re.M)
_STEP_KEYS = {"script", "bash", "pwsh", "powershell", "task", "template", "checkout", "download",
              "publish", "downloadBuild", "getPackage", "reviewApp", "restoreCache"}
_PIPELINE_KEYS = {"trigger", "pr", "schedules", "resources", "pool", "name", "extends",
                  "appendCommitMessageToRunName", "lockBehavior", "container", "workspace", "services"}
_OTHER_SYSTEMS = ("apiVersion", "$schema", "on", True, "include", "image", "before_script",
                  "after_script", "default", "workflow", "runs", "substitutions", "availableSecrets",
                  "logsBucket", "serviceAccount")
# Google Cloud Build steps (`name:` an image, `args`, `entrypoint`, `waitFor`) may hold a `script`.
_FOREIGN_STEP_KEYS = {"args", "entrypoint", "waitFor", "commands", "image"}


@dataclass
class AzureFile:
    ref: FileRef
    doc: dict
    shape: str                         # "body" (stages/jobs/steps/extends) | "variables"
    expressions: bool = True           # holds `${{`: read through expand.py, else as it is
    template_refs: tuple[str, ...] = ()  # what its `template:` keys name (a byte search)


@dataclass
class TreeState:
    files: dict[str, AzureFile] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)          # every YAML path of the tree
    failed: set[str] = field(default_factory=set)        # Azure-looking files that did not load


class AzurePipelinesParser(FileParser):
    name = NAME
    patterns = ("*.yml", "*.yaml")

    def __init__(self) -> None:
        self._trees: dict[str, TreeState] = {}
        # Finished trees, for templates other trees name (`path@alias`), until finish_scan.
        self._finished: dict[str, tuple[TreeState, set[str]]] = {}
        self._waiting: list[tuple] = []      # (tree, path, role, error reporter, local callers)

    def parse(self, ref: FileRef, data: bytes, ctx: CollectContext) -> None:
        state = self._trees.setdefault(ref.tree, TreeState())
        state.seen.add(ref.path)
        data = as_utf8(data)                     # UTF-16 with a BOM, as Windows tools write it
        if _elsewhere(ref.path, data):           # before reading: most YAML of a CI estate
            return
        if not _SNIFF.search(data):
            return
        try:
            doc = load_yaml(data, ref.display)
        except TemplateYaml as exc:
            ctx.graph.update_attrs(ref.node, **exc.file_facts)
            state.failed.add(ref.path)
            return
        except YamlError as exc:
            if _looks_azure_text(data):
                ctx.graph.error(NAME, ref.display, f"invalid YAML: {exc.reason}", exc.line)
            state.failed.add(ref.path)
            return
        shape = azure_shape(doc)
        if shape:
            refs = tuple(m.group(1).decode("utf-8", "replace") for m in _TEMPLATE_REF.finditer(data))
            state.files[ref.path] = AzureFile(ref, doc, shape, b"${{" in data, refs)

    def finish(self, tree: str, ctx: CollectContext) -> None:
        state = self._trees.pop(tree, None)
        if state is None:
            return
        self._finished[tree] = (state, repository_keys(ctx.graph.node(tree)["attrs"]))
        error = _Once(ctx)
        included = _included_paths(state)
        for path in sorted(state.files):
            azure_file = state.files[path]
            if azure_file.shape == "variables" and path not in included:
                continue                       # a `variables:` file no pipeline names: not ours
            role = "template" if path in included or _template_only(azure_file.doc) else "pipeline"
            if _names_other_repositories(azure_file):
                self._waiting.append((tree, path, role, error, included.get(path, ())))
                continue
            self._emit(ctx, tree, azure_file, role, state, error, included.get(path, ()))

    def finish_scan(self, ctx: CollectContext) -> None:
        """The files that name templates of other repositories, read now that every tree of
        the scan is known; what they borrowed is marked a template of theirs."""
        waiting, self._waiting = self._waiting, []
        borrowed: dict[tuple[str, str], set[str]] = {}
        try:
            for tree, path, role, error, callers in waiting:
                state = self._finished[tree][0]
                azure_file = state.files[path]
                reader = self._emit(ctx, tree, azure_file, role, state, error, callers, self._repository(tree))
                for key in reader.borrowed if reader else ():
                    borrowed.setdefault(key, set()).add(azure_file.ref.display)
            for (tree, path), callers in sorted(borrowed.items()):
                _mark_included(ctx, self._finished[tree][0].files[path].ref.node, sorted(callers))
        finally:
            self._finished.clear()

    def pending(self) -> dict | None:
        """What finish_scan needs, in JSON, for a scan whose other trees are collected
        elsewhere (checker/scale shards): every finished tree (any of its files may be the
        template another repository names) and the files waiting for them, with the errors
        their trees' reporters said. Every string is cleaned as at the graph's door."""
        if not self._finished:
            return None
        trees = {clean_text(tree): {**clean({"keys": sorted(keys), "seen": sorted(state.seen),
                                             "failed": sorted(state.failed)}),
                                    "files": {clean_text(path): _packed(f) for path, f in state.files.items()}}
                 for tree, (state, keys) in self._finished.items()}
        for tree, _, _, error, _ in self._waiting:
            trees[clean_text(tree)]["reported"] = sorted(error.reported)     # cleaned as said
        waiting = [[tree, path, role, sorted(callers)] for tree, path, role, _, callers in self._waiting]
        return {"trees": trees, "waiting": clean(waiting)}

    def resume(self, pending: dict, ctx: CollectContext) -> None:
        """A shard's pending() taken back, before finish_scan over the merged graph.
        KeyError, TypeError or ValueError for data pending() did not give."""
        reporters: dict[str, _Once] = {}
        for tree, packed in pending["trees"].items():
            state = TreeState({path: _unpacked(f) for path, f in packed["files"].items()},
                              set(packed["seen"]), set(packed["failed"]))
            self._finished[tree] = (state, set(packed["keys"]))
            if "reported" in packed:
                reporters[tree] = _Once(ctx, set(packed["reported"]))
        for tree, path, role, callers in pending["waiting"]:
            if path not in self._finished[tree][0].files:
                raise ValueError(f"waiting file {path!r} is not among its tree's files")
            self._waiting.append((tree, path, role, reporters[tree], callers))

    def _repository(self, home: str):
        """A `resources.repositories` entry → the files of the scanned tree it names, if one does."""
        def find(repo: dict) -> Files | None:
            wanted = resource_keys(repo)
            trees = [t for t, (_, keys) in self._finished.items() if t != home and keys & wanted["exact"]] or \
                    [t for t, (_, keys) in self._finished.items() if t != home and keys & wanted["loose"]]
            if len(trees) != 1:
                return None                    # none, or several it could be: kept as a reference
            state = self._finished[trees[0]][0]
            return Files(state.files, state.seen, state.failed, repo.get("alias"), trees[0])
        return find

    def _emit(self, ctx: CollectContext, tree: str, azure_file: AzureFile, role: str, state: TreeState,
              error, included_by, repository=None) -> PipelineReader | None:
        reader = PipelineReader(azure_file.ref, state.files, state.seen, state.failed, error, repository)
        pipeline = _read(reader, azure_file, role)
        if pipeline is None:
            return None
        if role == "template":
                # read on its own with its defaults; where it runs, its callers' jobs carry
                # its steps (`defined_in`): rules about runners and environments judge those
            pipeline.extra["included_by"] = sorted(included_by)
            for job in pipeline.jobs:
                job.extra["template"] = True
                if included_by:                 # its steps run (and are judged) in its callers
                    job.extra["included"] = True
                    for step in job.steps:
                        step.extra["included"] = True
        emit(ctx, azure_file.ref, pipeline, NAME)
        return reader


def _packed(azure_file: AzureFile) -> dict:
    ref = azure_file.ref
    return {"ref": clean([ref.node, ref.path, ref.display, ref.tree, ref.tree_key, ref.commit]),
            "doc": to_portable(azure_file.doc, clean_entry), "shape": azure_file.shape,
            "expressions": azure_file.expressions, "template_refs": clean(list(azure_file.template_refs))}


def _unpacked(packed: dict) -> AzureFile:
    doc = from_portable(packed["doc"])
    if not isinstance(doc, dict) or packed["shape"] not in ("body", "variables"):
        raise ValueError("not a packed Azure Pipelines file")
    return AzureFile(FileRef(*packed["ref"]), doc, packed["shape"], bool(packed["expressions"]),
                     tuple(str(t) for t in packed["template_refs"]))


def _elsewhere(path: str, data: bytes) -> bool:
    """Files another CI system owns: GitHub's workflows (unless, with no `on:`, one is an Azure
    pipeline kept in that folder, as feast-dev/feast does: Azure reads any path), actions and
    GitLab's files, by name."""
    leaf = path.rpartition("/")[2]
    if path.startswith(".github/workflows/") or "/.github/workflows/" in path:
        return bool(_GITHUB_ON.search(data))
    return leaf in ("action.yml", "action.yaml") or leaf.endswith(".gitlab-ci.yml")


_GITHUB_ON = re.compile(rb"^(?:on|\"on\"|'on'|true)[ \t]*:", re.M)


_AZURE_TEXT = re.compile(rb"^[ \t]*-[ \t]*(?:stage|job|deployment|task|script|bash|pwsh|template)[ \t]*:", re.M)
_FOREIGN_TEXT = re.compile(rb"^(?:on|\"on\"|'on'|apiVersion|\$schema|include|image|services)[ \t]*:", re.M)


def _looks_azure_text(data: bytes) -> bool:
    """A file that does not load is ours to report only when its text is Azure's (a list of
    stages, jobs or steps) and nobody else's."""
    return bool(_AZURE_TEXT.search(data)) and not _FOREIGN_TEXT.search(data)


def azure_shape(doc: Any) -> str | None:
    """"body" for a pipeline or stages/jobs/steps template, "variables" for a document of only
    `variables` (a variables template, read only when a pipeline names it), else None."""
    if not isinstance(doc, dict) or any(k in doc for k in _OTHER_SYSTEMS):
        return None
    if any(isinstance(v, dict) and "script" in v and k not in _STEP_KEYS for k, v in doc.items()):
        return None                            # GitLab jobs at the top level
    keys = set(doc)
    if keys and keys <= {"variables", "parameters"} and "variables" in doc:
        return "variables" if isinstance(doc["variables"], (list, dict)) else None
    steps = doc.get("steps")
    if isinstance(steps, list) and any(isinstance(i, dict) and _FOREIGN_STEP_KEYS & set(i) for i in steps):
        return None
    shapes = [_list_of(doc.get("stages"), {"stage", "template"}),
              _list_of(doc.get("jobs"), {"job", "deployment", "template"}),
              _list_of(doc.get("steps"), _STEP_KEYS)]
    if any(s is False for s in shapes):
        return None                            # e.g. GitLab's `stages: [build, test]`, Azure ML `jobs: {}`
    if any(shapes):
        return "body"
    extends = doc.get("extends")
    if isinstance(extends, dict) and isinstance(extends.get("template"), str):
        return "body"
    if "parameters" in doc and any(isinstance(doc.get(k), str) and "${{" in doc[k] for k in ("stages", "jobs", "steps")):
        return "body"                          # `steps: ${{ parameters.steps }}`
    return None


def _list_of(value: Any, keys: set[str]) -> bool | None:
    """True: a list whose items are Azure items; False: present in another shape; None: absent."""
    if value is None or isinstance(value, str) and "${{" in value:
        return None
    if not isinstance(value, list):
        return False
    if not value:
        return None
    good = [isinstance(i, dict) and any(k in keys or (isinstance(k, str) and k.startswith("${{")) for k in i)
            for i in value]
    return True if all(good) else False


def _template_only(doc: dict) -> bool:
    """A file of `parameters:` and a body, no trigger, pool or resources: a template."""
    return "parameters" in doc and not (set(doc) & _PIPELINE_KEYS)


_TEMPLATE_REF = re.compile(rb"""^[ \t-]*template[ \t]*:[ \t]*['"]?([^'"#\r\n]+?)['"]?[ \t]*(?:#[^\n]*)?\r?$""", re.M)


def _included_paths(state: TreeState) -> dict[str, set[str]]:
    """Paths some Azure file of the tree names as a local template (→ the files naming
    them): those files are templates, whatever else they hold."""
    found: dict[str, set[str]] = {}
    for path, azure_file in state.files.items():
        for raw in azure_file.template_refs:
            target, _, alias = raw.strip().rpartition("@") if "@" in raw else (raw.strip(), "", "")
            if alias and alias != "self":
                continue
            if "${{" in target or "$(" in target:
                continue
            joined = target.lstrip("/") if target.startswith("/") else posixpath.join(posixpath.dirname(path), target)
            found.setdefault(posixpath.normpath(joined), set()).add(path)
    return found


def _read(reader: PipelineReader, azure_file: AzureFile, role: str) -> CiPipeline | None:
    try:
        return reader.pipeline(azure_file.doc, role, azure_file.expressions)
    except TooLarge:
        reader.error(azure_file.ref.display, f"template expansion builds more than {MAX_NODES} values; not read", 1)
    except RecursionError:
        reader.error(azure_file.ref.display, "templates nest too deeply to read", 1)
    return None


class _Once:
    """A collection error reporter that says each error once (a template reached from many
    files, a cycle wherever it is entered). It remembers what it said as cleaned text, so
    a shard can carry it to the merge (pending) and the merge says no more than one scan."""

    def __init__(self, ctx: CollectContext, reported: set[str] | None = None) -> None:
        self.graph, self.reported = ctx.graph, reported if reported is not None else set()

    def __call__(self, display: str, reason: str, line: int | None, key: Any = None) -> None:
        said = clean_text(json.dumps(key or (display, reason, line), default=_listed, ensure_ascii=False))
        if said not in self.reported:
            self.reported.add(said)
            self.graph.error(NAME, display, reason, line)


def _listed(value: Any) -> list:
    return sorted(value, key=repr)         # a cycle's frozenset of (alias, path), in one order


def _names_other_repositories(azure_file: AzureFile) -> bool:
    """Whether a file's `template:` keys name another repository (`path@alias`, not @self)."""
    for raw in azure_file.template_refs:
        _, at, alias = raw.strip().rpartition("@")
        if at and alias.strip() and alias.strip() != "self" and "$" not in alias:
            return True
    return False


def repository_keys(attrs: dict) -> set[str]:
    """What a scanned tree is called, as a `resources.repositories` entry may name it: from its
    remote (github.com/o/r; dev.azure.com/o/p/_git/r, ssh.dev.azure.com/v3/o/p/r,
    o.visualstudio.com/p/_git/r) and, loosely, its last path segment (a plain folder)."""
    keys: set[str] = set()
    remote = str(attrs.get("remote") or "").strip().lower().rstrip("/")
    github = re.match(r"^github\.com/([^/]+/[^/]+)$", remote)
    azure = re.match(r"^(?:[^/]*@)?dev\.azure\.com/[^/]+/([^/]+)/_git/([^/]+)$", remote) or \
        re.match(r"^ssh\.dev\.azure\.com/v3/[^/]+/([^/]+)/([^/]+)$", remote) or \
        re.match(r"^[^/.]+\.visualstudio\.com/([^/]+)/_git/([^/]+)$", remote)
    if github:
        keys.add(f"github:{github.group(1)}")
    if azure:
        keys |= {f"git:{azure.group(1)}/{azure.group(2)}", f"git:{azure.group(2)}"}
    last = (remote or str(attrs.get("path") or "")).rstrip("/").rpartition("/")[2]
    if last and last != ".":
        keys.add(f"name:{last}")
    return keys


def resource_keys(repo: dict) -> dict[str, set[str]]:
    """The keys a repository resource matches: by its type and name exactly, else loosely by
    the name's last segment."""
    name = str(repo.get("name") or repo.get("alias") or "").strip().lower().strip("/")
    kind = str(repo.get("type") or "git").strip().lower()
    exact = {f"github:{name}"} if kind in ("github", "githubenterprise") else {f"git:{name}"} if kind == "git" else set()
    return {"exact": exact, "loose": {f"name:{name.rpartition('/')[2]}"} if name else set()}


def _mark_included(ctx: CollectContext, file_node: str, callers: list[str]) -> None:
    """A file other repositories' pipelines include: a template, whose jobs and steps run
    (and are judged) in its callers."""
    graph = ctx.graph
    for pid in graph.in_edges(file_node, "defined_in"):
        if graph.node(pid)["kind"] != "pipeline":
            continue
        graph.update_attrs(pid, role="template", included_by=sorted(set(graph.node(pid)["attrs"].get("included_by") or []) | set(callers)))
        for jid in graph.out_edges(pid, "contains"):
            if graph.node(jid)["kind"] == "job":
                graph.update_attrs(jid, template=True, included=True)
                for sid in graph.out_edges(jid, "contains"):
                    graph.update_attrs(sid, included=True)


__all__ = ["AzurePipelinesParser", "azure_shape"]
