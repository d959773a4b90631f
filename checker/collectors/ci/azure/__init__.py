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
(`path@alias`) stays a reference whose kind says how the alias's `ref:` pins it.

Template cycles, missing template files, a path out of the tree and expansions past
Azure's own bounds are collection errors naming the including file and the line.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from ....safeyaml import TemplateYaml, YamlError, as_utf8, load_yaml
from ... import CollectContext, FileParser, FileRef
from ..model import CiPipeline, emit
from .expand import MAX_NODES, TooLarge
from .read import PipelineReader

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

    def parse(self, ref: FileRef, data: bytes, ctx: CollectContext) -> None:
        state = self._trees.setdefault(ref.tree, TreeState())
        state.seen.add(ref.path)
        data = as_utf8(data)                     # UTF-16 with a BOM, as Windows tools write it
        if not _SNIFF.search(data) or _elsewhere(ref.path):
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
        reported: set[tuple] = set()

        def error(display: str, reason: str, line: int | None, key: Any = None) -> None:
            key = key or (display, reason, line)
            if key not in reported:          # a template reached from many files: said once
                reported.add(key)
                ctx.graph.error(NAME, display, reason, line)

        included = _included_paths(state)
        for path in sorted(state.files):
            azure_file = state.files[path]
            if azure_file.shape == "variables" and path not in included:
                continue                       # a `variables:` file no pipeline names: not ours
            role = "template" if path in included or _template_only(azure_file.doc) else "pipeline"
            pipeline = _read(azure_file, role, state, error)
            if pipeline is None:
                continue
            if role == "template":
                # read on its own with its defaults; where it runs, its callers' jobs carry
                # its steps (`defined_in`): rules about runners and environments judge those
                pipeline.extra["included_by"] = sorted(included.get(path, ()))
                for job in pipeline.jobs:
                    job.extra["template"] = True
                    if path in included:        # its steps run (and are judged) in its callers
                        job.extra["included"] = True
                        for step in job.steps:
                            step.extra["included"] = True
            emit(ctx, azure_file.ref, pipeline, NAME)


def _elsewhere(path: str) -> bool:
    """Files another CI system owns by name: their parsers read them."""
    leaf = path.rpartition("/")[2]
    return (path.startswith(".github/workflows/") or "/.github/workflows/" in path
            or leaf in ("action.yml", "action.yaml") or leaf.endswith(".gitlab-ci.yml"))


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


def _read(azure_file: AzureFile, role: str, state: TreeState, error) -> CiPipeline | None:
    reader = PipelineReader(azure_file.ref, state.files, state.seen, state.failed, error)
    try:
        return reader.pipeline(azure_file.doc, role, azure_file.expressions)
    except TooLarge:
        error(azure_file.ref.display, f"template expansion builds more than {MAX_NODES} values; not read", 1)
    except RecursionError:
        error(azure_file.ref.display, "templates nest too deeply to read", 1)
    return None


__all__ = ["AzurePipelinesParser", "azure_shape"]
