"""GitLab CI: `.gitlab-ci.yml` and the local files it includes, read into the CI model
(model.py) as GitLab builds one pipeline from them, then emitted.

GitLab's order (its CI/CD YAML reference): includes are merged first (an included file's
keys deep-merged under the including file's, later includes over earlier ones, nested
includes first), then `!reference [.job, key…]` tags are replaced by the values they name,
then `extends:` is resolved (hashes deep-merged, lists replaced, the job's own keys last),
then `default:` (and the old top-level `image`, `services`, `before_script`,
`after_script`) fills what a job leaves unset unless `inherit:default` says otherwise.
Keys starting with `.` are hidden jobs: templates, never jobs of their own.

A parser never reads disk: every YAML file of the tree that looks like GitLab CI is kept
in parse() and the includes are resolved in finish() from what the tree handed over. A
local include that is not in the tree, that leads out of it, or that includes itself
(directly or through others) is a collection error with the include's file and line;
`project:`, `remote:`, `template:` and `component:` includes are kept as references on the
pipeline (`includes`, each with `uses`: refs.action_ref of what it names at which ref). An
`extends:` or `!reference` naming a template that is nowhere is an error unless such an
include could define it, then it is left unresolved and said so on the job.

The root file becomes the pipeline (role `pipeline`) with every job; each local include a
pipeline node of its own (role `include`, no jobs). Each job's `before_script`, `script` and
`after_script` are its steps 0-2 (those it has), each script line read for ML actions at its
own line. Runner: `tags` → self-hosted (GitLab.com's `saas-*` tags → hosted), none →
GitLab.com's hosted Linux runners when the repository's remote is gitlab.com, else unknown.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from ...safeyaml import Fields, TaggedList, TemplateYaml, YamlError, YamlList, YamlMap, as_utf8, describe, \
    line_of, load_yaml
from .. import CollectContext, FileParser, FileRef
from ..k8s_manifests import documents
from .commands import failures_ignored, ml_actions
from .model import CiJob, CiPipeline, CiStep, emit
from .refs import action_ref, image_ref

NAME = "gitlab_ci"
ROOT = ".gitlab-ci.yml"
REFERENCE = "!reference"
# Top-level keywords that are not jobs (GitLab CI/CD YAML syntax reference).
GLOBAL_KEYS = {"default", "include", "stages", "variables", "workflow", "image", "services", "cache",
               "before_script", "after_script", "types", "spec"}
DEFAULT_KEYS = ("after_script", "artifacts", "before_script", "cache", "hooks", "id_tokens", "image",
                "interruptible", "retry", "services", "tags", "timeout")
LEGACY_DEFAULTS = ("image", "services", "cache", "before_script", "after_script")
DEFAULT_STAGES = [".pre", "build", "test", "deploy", ".post"]
MAX_INCLUDES = 150          # GitLab's limit of included files per pipeline
MAX_NESTING = 10            # GitLab's limit of nested !reference tags and extends levels is 10-11
SCRIPT_KEYS = ("before_script", "script", "after_script")
# Files kept for includes: YAML that names a GitLab CI keyword at the start of a line.
# A line starting with a key GitLab reads, or a `!reference` tag. The key is looked for at
# the text's start and after each newline (what `^` with re.M means): a literal newline
# first lets the regex skip to the next line instead of trying every byte.
_GITLAB_KEY = (rb"[ \t-]*(?:script|before_script|after_script|extends|stage|stages|include|rules|trigger|needs"
               rb"|default|workflow|when|environment|tags|image|services|artifacts|variables|cache)[ \t]*:")
_GITLAB_KEY_FIRST = re.compile(_GITLAB_KEY)
_GITLAB_KEY_LATER = re.compile(rb"\n" + _GITLAB_KEY)
_PIPELINE_SOURCE = re.compile(r"\$CI_PIPELINE_SOURCE\s*==\s*[\"']([A-Za-z_]+)[\"']|"
                              r"[\"']([A-Za-z_]+)[\"']\s*==\s*\$CI_PIPELINE_SOURCE")
_ONLY_SOURCES = {"merge_requests": "merge_request_event", "pushes": "push", "branches": "push", "tags": "push",
                 "schedules": "schedule", "web": "web", "api": "api", "triggers": "trigger",
                 "pipelines": "pipeline", "external": "external", "chat": "chat",
                 "external_pull_requests": "external_pull_request_event"}
_MERGE_REQUEST = re.compile(r"\$\{?CI_MERGE_REQUEST_IID\b")
_VARIABLE = re.compile(r"\$\{?[A-Za-z_]|\$\$")
_SERVER = re.compile(r"^\$\{?CI_SERVER_(?:FQDN|HOST)\}?/")


@dataclass
class _Source:
    """One YAML file of a tree: its ref, bytes, and once read, its document."""
    ref: FileRef
    data: bytes
    doc: Any = None
    read: bool = False


@dataclass
class _Tree:
    roots: list[str] = field(default_factory=list)
    files: dict[str, _Source] = field(default_factory=dict)       # path → kept file
    seen: set[str] = field(default_factory=set)                   # every YAML path of the tree


class GitlabCiParser(FileParser):
    name = NAME
    patterns = ("*.yml", "*.yaml")

    def __init__(self) -> None:
        self._trees: dict[str, _Tree] = {}

    def parse(self, ref: FileRef, data: bytes, ctx: CollectContext) -> None:
        tree = self._trees.setdefault(ref.tree, _Tree())
        tree.seen.add(ref.path)
        if ref.path.rpartition("/")[2] == ROOT:
            tree.roots.append(ref.path)
            tree.files[ref.path] = _Source(ref, data)
        elif _looks_like_gitlab(as_utf8(data)):
            tree.files[ref.path] = _Source(ref, data)

    def finish(self, tree: str, ctx: CollectContext) -> None:
        state = self._trees.pop(tree, None)
        if state is None:
            return
        remote = (ctx.graph.node(tree)["attrs"].get("remote") or "") if tree in ctx.graph else ""
        emitted: set[str] = set()
        for path in sorted(state.roots):
            _Pipeline(state, state.files[path], ctx, remote).build(emitted)


def _looks_like_gitlab(data: bytes) -> bool:
    return (b"!reference" in data or _GITLAB_KEY_FIRST.match(data) is not None
            or _GITLAB_KEY_LATER.search(data) is not None)


class _Pipeline:
    """One `.gitlab-ci.yml` with its includes, resolved as GitLab resolves them."""

    def __init__(self, tree: _Tree, root: _Source, ctx: CollectContext, remote: str) -> None:
        self.tree, self.root, self.ctx = tree, root, ctx
        self.base = posixpath.dirname(root.ref.path)      # the project's root: where the root file is
        self.gitlab_com = remote.lower().startswith("gitlab.com/")
        self.includes: list[dict] = []                  # what the files include, in order
        self.included: list[_Source] = []               # the local files included, once each
        self.expanded: dict[str, dict] = {}             # path → its document with its includes
        self.opaque = False          # an include we cannot read may define what is missing
        self.origin: dict[Any, _Source] = {}            # top-level key → the file that set it last
        self.owner: dict[int, _Source] = {}             # id of a list → the file it is written in

    def error(self, source: _Source, reason: str, line: int | None) -> None:
        self.ctx.graph.error(NAME, source.ref.display, reason, line)

    def include_failed(self, source: _Source, reason: str, line: int | None) -> None:
        """An include that cannot be read: its error, and what it would have defined is
        left unresolved from then on (no error for each template it held)."""
        self.error(source, reason, line)
        self.opaque = True

    def fields(self, source: _Source) -> Fields:
        return Fields(lambda reason, line: self.error(source, reason, line))

    # -- reading and including -----------------------------------------------------------

    def load(self, source: _Source) -> dict | None:
        if source.read:
            return source.doc
        source.read = True
        try:
            source.doc = _load(source.data, source.ref.display)
        except TemplateYaml as exc:
            self.ctx.graph.update_attrs(source.ref.node, **exc.file_facts)
        except YamlError as exc:
            self.error(source, f"invalid YAML: {exc.reason}", exc.line)
        else:
            if source.doc is not None and not isinstance(source.doc, dict):
                self.error(source, f"a GitLab CI file is a mapping; found {describe(source.doc)}",
                           line_of(source.doc) or 1)
                source.doc = None
            self.own(source.doc, source)
        return source.doc

    def own(self, doc: Any, source: _Source) -> None:
        """Remember which file each list of a document is written in (a script's lines are
        its file's lines, whichever job it ends up in)."""
        stack = [doc]
        while stack:
            value = stack.pop()
            if isinstance(value, (dict, list)) and id(value) not in self.owner:
                if isinstance(value, list):
                    self.owner[id(value)] = source
                stack.extend(value.values() if isinstance(value, dict) else value)

    def build(self, emitted: set[str]) -> None:
        doc = self.load(self.root)
        if doc is None:
            return
        config = self.expand(self.root, [self.root.ref.path])
        config = self.resolve_references(config)
        pipeline = CiPipeline("gitlab_ci", "pipeline", self.root.ref.path, line_of(doc) or 1)
        pipeline.extra["includes"] = self.includes
        pipeline.jobs = self.jobs(config)
        sources = _sources(config.get("workflow"))
        for job in pipeline.jobs:
            sources |= job.extra.pop("sources", set())
        pipeline.triggers = sorted(sources)
        emit(self.ctx, self.root.ref, pipeline, NAME)
        for source in self.included:
            if source.ref.path not in emitted and source.doc is not None:
                emitted.add(source.ref.path)
                emit(self.ctx, source.ref, CiPipeline("gitlab_ci", "include", source.ref.path,
                                                      line_of(source.doc) or 1), NAME)

    def expand(self, source: _Source, chain: list[str]) -> dict:
        """The file's document with its includes merged under it (the including file's keys
        win, later includes over earlier ones); `chain`: the files including this one, to
        refuse a loop. Each file is expanded once (a diamond of includes costs no more)."""
        path = source.ref.path
        if path in self.expanded:
            return self.expanded[path]
        doc = self.load(source) or YamlMap()
        merged: dict = YamlMap()
        for included_path, line in self.local_includes(source, doc):
            if included_path in chain:
                loop = " → ".join([*chain, included_path])
                self.include_failed(source, f"include: {included_path} includes itself ({loop[:300]})", line)
                continue
            included = self.tree.files.get(included_path)
            if included is None:
                continue                              # in the tree, but no GitLab keyword: adds nothing
            if included not in self.included:
                if len(self.included) >= MAX_INCLUDES:
                    self.include_failed(source, f"include: over {MAX_INCLUDES} included files (GitLab's limit)", line)
                    break
                self.included.append(included)
            if self.load(included) is None and included.data.strip():
                self.opaque = True                  # its own error said why
            merged = _merge(merged, self.expand(included, [*chain, included_path]))
        own = _copy(doc, {k: v for k, v in doc.items() if k != "include"})
        for key in own:
            self.origin[key] = source
        self.expanded[path] = _merge(merged, own)
        return self.expanded[path]

    def local_includes(self, source: _Source, doc: dict) -> list[tuple[str, int | None]]:
        """The tree paths of the file's local includes, in order; other includes recorded."""
        value = doc.get("include")
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        found = []
        for index, item in enumerate(items):
            line = line_of(items, index) if isinstance(value, list) else line_of(doc, "include")
            local = self.include(source, item, line)
            if local is not None:
                found += self.local_paths(source, local, line)
        return found

    def include(self, source: _Source, item: Any, line: int | None) -> str | None:
        """One include entry: its local path, or None after recording what it references."""
        if isinstance(item, str):
            if not re.match(r"^https?://", item):
                return item
            item = {"remote": item}
        if not isinstance(item, dict):
            self.error(source, f"include: expected a path or a mapping, found {describe(item)}", line)
            return None
        if isinstance(item.get("local"), str):
            return item["local"]
        record: dict[str, Any] = {"file": source.ref.path, "line": line}
        if isinstance(item.get("project"), str):
            files = item.get("file") if isinstance(item.get("file"), list) else [item.get("file")]
            ref = item.get("ref")
            if isinstance(ref, (str, int, float)) and not isinstance(ref, bool):
                uses = action_ref(f"{item['project']}@{ref}")
            else:       # no ref: the project's default branch, whatever it holds today
                uses = {**action_ref(item["project"]), "version": None, "kind": "branch"}
            record.update(type="project", project=item["project"], files=[str(f) for f in files if f], uses=uses)
        elif isinstance(item.get("remote"), str):
            record.update(type="remote", uses={"ref": item["remote"], "target": item["remote"], "version": None,
                                               "kind": "unknown"})
        elif isinstance(item.get("template"), str):
            record.update(type="template", uses={"ref": item["template"], "target": item["template"],
                                                 "version": None, "kind": "template"})
        elif isinstance(item.get("component"), str):
            uses = action_ref(_SERVER.sub("", item["component"]))
            if (uses["version"] or "").startswith("~latest"):
                uses["kind"] = "branch"
            record.update(type="component", uses={**uses, "ref": item["component"]})
        else:
            self.error(source, "include: expected one of local, project, remote, template or component", line)
            return None
        self.opaque = True
        self.includes.append(record)
        return None

    def local_paths(self, source: _Source, text: str, line: int | None) -> list[tuple[str, int | None]]:
        """A local include's tree paths (a wildcard names every match), or an error."""
        record: dict[str, Any] = {"type": "local", "file": source.ref.path, "line": line, "path": text}
        self.includes.append(record)
        if _VARIABLE.search(text):
            record["unresolved"] = "a CI/CD variable in the path"
            self.opaque = True
            return []
        path = posixpath.normpath(posixpath.join(self.base, text.lstrip("/")))
        if path == ".." or path.startswith(("../", "/")):
            self.include_failed(source, f"include: {text[:200]} leads out of the scanned tree", line)
            return []
        record["path"] = path
        if any(c in path for c in "*?["):
            matches = sorted(p for p in self.tree.seen if _glob(path, p))
            record["matches"] = len(matches)
            return [(p, line) for p in matches]
        if path not in self.tree.seen:
            self.include_failed(source, f"include: {text[:200]} is not in the scanned tree", line)
            return []
        return [(path, line)]

    # -- !reference ----------------------------------------------------------------------

    def resolve_references(self, config: dict) -> dict:
        """Every `!reference [.x, key…]` replaced by the value it names (references inside
        it resolved too, 10 levels at most), before `extends:` as GitLab does."""
        cache: dict[int, bool] = {}
        out = _copy(config, {})
        for key, value in config.items():
            out[key] = self._resolved(value, config, [], cache, self.origin.get(key, self.root))
        return out

    def _resolved(self, value: Any, config: dict, stack: list, cache: dict, source: _Source) -> Any:
        if isinstance(value, TaggedList) and value.tag == REFERENCE:
            return self._reference(value, config, stack, cache, source)
        if not isinstance(value, (dict, list)) or not _has_reference(value, cache):
            return value
        if isinstance(value, dict):
            return _copy(value, {k: self._resolved(v, config, stack, cache, source) for k, v in value.items()})
        out = YamlList(self._resolved(v, config, stack, cache, source) for v in value)
        out.line, out.lines = getattr(value, "line", None), getattr(value, "lines", [])
        self.owner[id(out)] = self.owner.get(id(value), source)
        return out

    def _reference(self, ref: TaggedList, config: dict, stack: list, cache: dict, source: _Source) -> Any:
        if not ref or not all(isinstance(n, (str, int)) and not isinstance(n, bool) for n in ref):
            self.error(source, "!reference: expected a list of names", ref.line)
            return None
        names = [str(n) for n in ref]
        shown = ", ".join(names)[:200]
        if len(stack) >= MAX_NESTING or names in stack:
            self.error(source, f"!reference [{shown}]: refers to itself or nests past {MAX_NESTING} levels",
                       ref.line)
            return None
        value: Any = config
        for name in names:
            value = value.get(name) if isinstance(value, dict) else None
        if value is None:
            if not self.opaque:
                self.error(source, f"!reference [{shown}]: not found", ref.line)
            return None
        return self._resolved(value, config, [*stack, names], cache, source)

    # -- jobs ----------------------------------------------------------------------------

    def jobs(self, config: dict) -> list[CiJob]:
        stages = config.get("stages")
        stages = [str(s) for s in stages if isinstance(s, (str, int))] if isinstance(stages, list) else \
            DEFAULT_STAGES[1:-1]
        stages = [".pre", *[s for s in stages if s not in (".pre", ".post")], ".post"]
        defaults = _defaults(config)
        jobs = []
        for key, body in config.items():
            if not isinstance(key, str) or key in GLOBAL_KEYS or key.startswith("."):
                continue
            source = self.origin.get(key, self.root)
            if not isinstance(body, dict):
                self.error(source, f"{key}: a job is a mapping; found {describe(body)}", line_of(config, key))
                continue
            missing: list[str] = []
            resolved = self.extended(key, body, config, source, [], missing)
            jobs.append(self.job(key, resolved, source, line_of(config, key), defaults, missing))
        _stage_needs(jobs, stages)
        return jobs

    def extended(self, key: str, body: dict, config: dict, source: _Source, chain: list[str],
                 missing: list[str]) -> dict:
        """The job with `extends:` resolved: its templates deep-merged in order, its own keys
        last; templates no readable file defines go to `missing` when an include could."""
        parents = body.get("extends")
        if parents is None:
            return body
        line = line_of(body, "extends")
        parents = [parents] if isinstance(parents, str) else parents
        if not isinstance(parents, list):
            self.error(source, f"{key}.extends: expected a name or a list, found {describe(parents)}", line)
            parents = []
        merged: dict = YamlMap()
        for parent in parents:
            if parent == key or parent in chain:
                self.error(source, f"{key}.extends: {' → '.join(map(str, [*chain, key, parent]))[:300]} is a cycle",
                           line)
            elif len(chain) >= MAX_NESTING:
                self.error(source, f"{key}.extends: nested past {MAX_NESTING} levels", line)
            elif isinstance(parent, str) and isinstance(config.get(parent), dict):
                template = self.extended(parent, config[parent], config, source, [*chain, key], missing)
                merged = _merge(merged, template)
            elif self.opaque and isinstance(parent, str) and parent not in config:
                missing.append(parent)
            else:
                self.error(source, f"{key}.extends: {str(parent)[:200]} is not a job or template of this "
                                   "pipeline", line)
        return _merge(merged, _copy(body, {k: v for k, v in body.items() if k != "extends"}))

    def job(self, key: str, body: dict, source: _Source, line: int | None, defaults: dict,
            missing: list[str]) -> CiJob:
        f = self.fields(source)
        inherit = body.get("inherit")
        inherit = inherit.get("default", True) if isinstance(inherit, dict) else True
        allowed = set(DEFAULT_KEYS) if inherit is True else \
            {str(k) for k in inherit} if isinstance(inherit, list) else set()
        inherited = {k: v for k, v in defaults.items() if k in allowed and k not in body}
        lines = {**{k: line_of(defaults, k) for k in inherited}, **(getattr(body, "lines", None) or {})}
        body = _copy(body, {**inherited, **body})
        body.lines = lines
        job = CiJob(key, key, line)
        job.stage = f.scalar(body, "stage", f"{key}.stage") or "test"
        job.environment = self.environment(f, body, key)
        when = f.scalar(body, "when", f"{key}.when")
        rules = self.rules(f, body, key)
        if rules:
            job.extra["rules"] = rules
            starting = [r for r in rules if r.get("when") != "never"]
            job.manual = bool(starting) and all(r.get("when") == "manual" for r in starting)
        else:
            job.manual = when == "manual"
        if when is not None:
            job.extra["when"] = when
        job.extra["sources"] = _sources(body)
        job.needs = self.needs(f, body, key)
        job.extra["explicit_needs"] = "needs" in body
        job.container = self.image(f, body.get("image"), f"{key}.image", line_of(body, "image"))
        job.runner = self.runner(f, body, key, job.container)
        services = self.services(f, body, key)
        if services:
            job.extra["services"] = services
        if "trigger" in body:
            job.uses = self.trigger(f, body, key)
        if missing:
            job.extra["unresolved"] = {"extends": missing, "reason": "defined in no file that could be read: an "
                                                                     "include outside the scanned tree (or one "
                                                                     "that failed) may define it"}
        if source is not self.root:
            job.extra["defined_in"] = source.ref.path
        job.steps = self.steps(f, body, key, source)
        if not ({"script", "trigger", "run"} & set(body)) and not missing and not self.opaque:
            self.error(source, f"{key}: a job needs `script` (or `trigger`)", line)
        return job

    def environment(self, f: Fields, body: dict, key: str) -> dict | None:
        value = f.get(body, "environment", f"{key}.environment", "text", "mapping")
        line = line_of(body, "environment")
        extra = {}
        if isinstance(value, dict):
            for name in ("url", "action", "deployment_tier"):
                found = f.scalar(value, name, f"{key}.environment.{name}")
                if found is not None:
                    extra[name] = found
            value = f.scalar(value, "name", f"{key}.environment.name")
        if value is None:
            return None
        return {"name": None if _VARIABLE.search(value) else value, "raw": value, "line": line, **extra}

    def rules(self, f: Fields, body: dict, key: str) -> list[dict]:
        rules = f.get(body, "rules", f"{key}.rules", "list") or []
        found = []
        for index, rule in _flattened(rules):
            if not isinstance(rule, dict):
                f.report(f"{key}.rules[{index}]: expected a mapping, found {describe(rule)}", line_of(rules, index))
                continue
            entry: dict[str, Any] = {"line": line_of(rule)}
            for name in ("if", "when"):
                value = f.scalar(rule, name, f"{key}.rules[{index}].{name}")
                if value is not None:
                    entry[name] = value
            found.append(entry)
        return found

    def needs(self, f: Fields, body: dict, key: str) -> list[str]:
        value = f.get(body, "needs", f"{key}.needs", "list", null_ok=True) or []
        found = []
        for index, item in _flattened(value):
            if isinstance(item, str):
                found.append(item)
            elif isinstance(item, dict):
                if isinstance(item.get("job"), str) and "project" not in item and "pipeline" not in item:
                    found.append(item["job"])       # a job of another project or pipeline is no edge here
            else:
                f.report(f"{key}.needs[{index}]: expected a job name or a mapping, found {describe(item)}",
                         line_of(value, index))
        return found

    def image(self, f: Fields, value: Any, field: str, line: int | None) -> dict | None:
        """`image:` (a name, or a mapping with `name`) → {image, digest, line}."""
        if isinstance(value, dict):
            value = f.scalar(value, "name", f"{field}.name")
        elif value is not None and not isinstance(value, str):
            f.report(f"{field}: expected a string or a mapping, found {describe(value)}", line)
            return None
        if not value or not value.strip():
            return None
        image = image_ref(value)
        return {"image": value, "digest": image["pinned"], "expression": image["expression"], "line": line}

    def services(self, f: Fields, body: dict, key: str) -> list[dict]:
        services = f.get(body, "services", f"{key}.services", "list") or []
        found = []
        for index, item in _flattened(services):
            image = self.image(f, item, f"{key}.services[{index}]", line_of(services, index))
            if image:
                alias = item.get("alias") if isinstance(item, dict) else None
                found.append({"name": str(alias or image["image"]), **image})
        return found

    def runner(self, f: Fields, body: dict, key: str, image: dict | None) -> dict:
        tags = f.get(body, "tags", f"{key}.tags", "list", null_ok=True) or []
        labels = [str(t) for _, t in _flattened(tags) if isinstance(t, (str, int))]
        out = {"hosting": "unknown", "labels": labels, "pool": None, "image": image and image["image"],
               "raw": ", ".join(labels)}
        if labels and not any(_VARIABLE.search(t) for t in labels):
            out["hosting"] = "hosted" if all(t.startswith("saas-") for t in labels) else "self_hosted"
        elif not labels and self.gitlab_com:
            out.update(hosting="hosted", pool="saas-linux")
        return out

    def trigger(self, f: Fields, body: dict, key: str) -> dict | None:
        """A downstream pipeline: another project's (at a branch: mutable) or a child
        pipeline from a local file (`path` in the tree)."""
        value = f.get(body, "trigger", f"{key}.trigger", "text", "mapping")
        if isinstance(value, str):
            return {**action_ref(value), "version": None, "kind": "branch"}
        if not isinstance(value, dict):
            return None
        if isinstance(value.get("project"), str):
            branch = value.get("branch")
            if isinstance(branch, str):
                return action_ref(f"{value['project']}@{branch}")
            return {**action_ref(value["project"]), "version": None, "kind": "branch"}
        child = value.get("include")
        child = child[0] if isinstance(child, list) and child else child
        child = child.get("local") if isinstance(child, dict) else child
        if not isinstance(child, str):
            return None
        path = posixpath.normpath(posixpath.join(self.base, child.lstrip("/")))
        inside = not (path == ".." or path.startswith(("../", "/")))
        return {"ref": child, "target": child, "version": None, "kind": "local", "path": path if inside else None}

    def steps(self, f: Fields, body: dict, key: str, source: _Source) -> list[CiStep]:
        """`before_script`, `script`, `after_script`: one step each, every command read for
        ML actions at its own line. A command written in another file than the pipeline's
        (an include, a template) says which (`defined_in` on the step and on its actions); a
        command after a `set +e` is marked `failure_ignored`, as one with `|| true` is."""
        steps = []
        # before_script and script run in one shell (a `set +e` holds on into the script),
        # after_script in another
        errexit_off = False
        for name in SCRIPT_KEYS:
            if name == "after_script":
                errexit_off = False
            if body.get(name) is None:
                continue
            lines = self.script_lines(f, body[name], f"{key}.{name}", line_of(body, name), source)
            if not lines:
                continue
            step = CiStep(len(steps), line_of(body, name), name=name)
            step.run = "\n".join(text for text, _, _ in lines)
            step.run_line = lines[0][1]
            step.ml_actions = []
            for text, at, written in lines:
                added = {} if written is self.root else {"defined_in": written.ref.path}
                if errexit_off:
                    added["failure_ignored"] = True
                step.ml_actions += [{**a, **added} for a in ml_actions(text, None, at)]
                errexit_off, _ = failures_ignored(text, errexit_off)
            if lines[0][2] is not self.root:
                step.extra["defined_in"] = lines[0][2].ref.path
            steps.append(step)
        return steps

    def script_lines(self, f: Fields, value: Any, field: str, line: int | None, source: _Source,
                     depth: int = 0) -> list[tuple[str, int | None, _Source]]:
        """(command, its line, its file) of a script: a string, or a list of strings and of
        lists (what `!reference` puts there), flattened as GitLab does."""
        if _is_scalar(value):
            return [(str(value), _text_line(value, line), source)]
        if not isinstance(value, list):
            f.report(f"{field}: expected a string or a list, found {describe(value)}", line)
            return []
        written = self.owner.get(id(value), source)
        found: list[tuple[str, int | None, _Source]] = []
        for index, item in enumerate(value):
            at = line_of(value, index)
            if isinstance(item, list) and depth < MAX_NESTING:
                found += self.script_lines(f, item, f"{field}[{index}]", at, written, depth + 1)
            elif _is_scalar(item):
                found.append((str(item), _text_line(item, at), written))
            elif item is not None:
                f.report(f"{field}[{index}]: expected a command, found {describe(item)}", at)
        return found


def _load(data: bytes, origin: str) -> Any:
    """The document; a CI/CD component's file is a `spec:` header document, `---`, then the
    configuration: the configuration is read, with its lines."""
    try:
        return load_yaml(data, origin, list_tags=(REFERENCE,))
    except TemplateYaml:
        raise
    except YamlError as exc:
        if "single document" not in exc.reason:
            raise
    text = as_utf8(data).decode("utf-8", "replace")
    parts = [(first, body) for first, body in documents(text) if body.strip()]
    if len(parts) != 2:
        raise YamlError(origin, "more than one YAML document, not a `spec:` header and a configuration", 1)
    first, body = parts[1]
    return load_yaml("\n" * (first - 1) + body, origin, list_tags=(REFERENCE,))


def _copy(like: Any, values: dict) -> YamlMap:
    """A mapping of `values` with the lines `like` came with."""
    out = YamlMap(values)
    out.line, out.lines = getattr(like, "line", None), dict(getattr(like, "lines", None) or {})
    return out


def _merge(base: Any, over: Any) -> Any:
    """GitLab's deep merge: mappings merged key by key, anything else replaced by `over`."""
    if not (isinstance(base, dict) and isinstance(over, dict)):
        return over
    out = _copy(over, base)
    out.lines = {**(getattr(base, "lines", None) or {}), **(getattr(over, "lines", None) or {})}
    for key, value in over.items():
        out[key] = _merge(base[key], value) if key in base else value
    return out


def _defaults(config: dict) -> YamlMap:
    """What jobs inherit, with the lines it is written on: the old top-level keywords, then
    `default:` over them."""
    found = _copy(config, {k: config[k] for k in LEGACY_DEFAULTS if k in config})
    found.lines = {k: line_of(config, k) for k in found}
    default = config.get("default")
    if isinstance(default, dict):
        for key, value in default.items():
            if key in DEFAULT_KEYS:
                found[key], found.lines[key] = value, line_of(default, key)
    return found


def _stage_needs(jobs: list[CiJob], stages: list[str]) -> None:
    """A job without `needs` waits for the jobs of the nearest earlier stage that has any."""
    order = {s: i for i, s in enumerate(stages)}
    by_stage: dict[int, list[str]] = {}
    for job in jobs:
        by_stage.setdefault(order.get(job.stage, -1), []).append(job.key)
    for job in jobs:
        if job.extra.pop("explicit_needs"):
            continue
        position = order.get(job.stage, -1)
        earlier = [i for i in by_stage if 0 <= i < position]
        if earlier:
            job.needs = list(by_stage[max(earlier)])
            job.extra["needs_from_stage"] = True


def _flattened(items: list) -> list[tuple[int, Any]]:
    """(index, item) with the lists a `!reference` put in a list spread out, one level."""
    found = []
    for index, item in enumerate(items):
        if isinstance(item, list):
            found += [(index, inner) for inner in item]
        else:
            found.append((index, item))
    return found


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _text_line(value: Any, line: int | None) -> int | None:
    """The line a command's text starts on: a value that spans lines came from a block
    scalar (`- |`), whose text starts on the line after its indicator."""
    return line + 1 if line is not None and isinstance(value, str) and "\n" in value.rstrip("\n") else line


def _has_reference(value: Any, cache: dict[int, bool]) -> bool:
    """Whether a container holds a !reference anywhere (memoised: aliases share containers)."""
    found = cache.get(id(value))
    if found is None:
        items = value.values() if isinstance(value, dict) else value
        found = any(isinstance(v, TaggedList) or (isinstance(v, (dict, list)) and _has_reference(v, cache))
                    for v in items)
        cache[id(value)] = found
    return found


def _sources(body: Any) -> set[str]:
    """Pipeline sources a job's (or the workflow's) rules or `only:` name."""
    found: set[str] = set()
    if not isinstance(body, dict):
        return found
    rules = body.get("rules")
    for _, rule in _flattened(rules if isinstance(rules, list) else []):
        if isinstance(rule, dict) and isinstance(rule.get("if"), str):
            found |= {a or b for a, b in _PIPELINE_SOURCE.findall(rule["if"])}
            if _MERGE_REQUEST.search(rule["if"]):
                found.add("merge_request_event")
    only = body.get("only")
    refs = only.get("refs") if isinstance(only, dict) else only
    for item in refs if isinstance(refs, list) else []:
        if isinstance(item, str) and item in _ONLY_SOURCES:
            found.add(_ONLY_SOURCES[item])
    return found


def _glob(pattern: str, path: str) -> bool:
    """GitLab's include wildcards: `*` within a folder, `**` across folders."""
    regex = re.escape(pattern).replace(r"\*\*", "\x00").replace(r"\*", "[^/]*").replace("\x00", ".*")
    return re.fullmatch(regex.replace(r"\?", "[^/]"), path) is not None
