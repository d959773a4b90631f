"""GitHub Actions: workflows (`.github/workflows/*.yml|yaml`, also of a repository kept in a
subfolder of the scanned tree) and local composite actions (`action.yml|yaml` whose
`runs.using` is `composite`), read into the CI model (model.py) and emitted.

What is read, as GitHub's workflow syntax reference describes it:
- `on:` as a string, a list or a mapping (YAML 1.1 reads the bare key `on` as the boolean
  True: both spellings count) → `triggers`; `workflow_call` makes the role
  `reusable_workflow`;
- `permissions` (workflow and job): `write-all` / `read-all` / `{}` (none) / a map of scopes;
- per job: `runs-on` (a label, a list of labels, `{group, labels}`; `${{ matrix.X }}` resolved
  over the matrix values when every one is known), `environment` (a name or `{name, url}`),
  `needs`, `if`, `container`, `services`, `uses` (a reusable workflow: `path` in the tree for a
  local one, the linker adds the edge), `strategy.matrix`;
- per step: `uses` (refs.action_ref, plus `path` for a local action), `run` with `run_line`
  (the line the script text starts on, the line after `run: |` for a block scalar), `with`,
  `env`, `shell` and `working-directory` (the step's, else the job's then the workflow's
  `defaults.run`), `if`.

Bad input is a collection error naming file, line and field; what can be read is still
emitted. `${{ }}` expressions are kept as written: GitHub evaluates them, mlcheck never does.
A file that is not YAML because of a `{{ }}` template marker (a cookiecutter or Jinja
template of a workflow, not a GitHub expression) is recorded on its file node as a template,
not evaluated.
"""
from __future__ import annotations

import functools
import json
import posixpath
import re
from typing import Any

from ...safeyaml import Fields, TemplateYaml, YamlError, as_utf8, describe, line_of, load_yaml
from .. import CollectContext, FileParser, FileRef
from .azure import azure_shape
from .model import CiJob, CiPipeline, CiStep, emit
from .refs import action_ref, image_ref

NAME = "github_actions"
WORKFLOWS = ".github/workflows"
# GitHub-hosted runner images (runner-images README, "Available Images"; arm64 partner images;
# the x64 macOS images `macos-15-intel`; the single-CPU container `ubuntu-slim`).
_HOSTED = re.compile(r"^(?:(?:ubuntu|windows|macos)-(?:latest|\d+(?:\.\d+)?)(?:-(?:arm|arm64|large|xlarge|intel))?"
                     r"|ubuntu-slim)$")
_EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.S)
_MATRIX_ONLY = re.compile(r"^\s*matrix\.([A-Za-z_][A-Za-z0-9_-]*)\s*$")
_SCOPE_LEVELS = ("read", "write", "none")
_PERMISSION_MODES = {"write-all": "write-all", "read-all": "read-all"}
_COMPOSITE = re.compile(rb"^runs:.*?using:[ \t]*['\"]?composite", re.M | re.S)
_RUN_KEY = re.compile(r"(?:^|[\s{,])['\"]?run['\"]?\s*:(?P<rest>.*)$")
_BLOCK = re.compile(r"^\s*(?:[&!]\S*\s+)*[|>]")
MAX_MATRIX_VALUES = 10_000      # runs-on resolved over at most this many matrix values


class GithubActionsParser(FileParser):
    name = NAME
    patterns = (f"{WORKFLOWS}/*.yml", f"{WORKFLOWS}/*.yaml", f"*/{WORKFLOWS}/*.yml", f"*/{WORKFLOWS}/*.yaml",
                "action.yml", "action.yaml")

    def parse(self, ref: FileRef, data: bytes, ctx: CollectContext) -> None:
        folder, _, leaf = ref.path.rpartition("/")
        if leaf in ("action.yml", "action.yaml"):
            if _COMPOSITE.search(as_utf8(data)):
                _File(ref, data, ctx).composite()
        elif folder == WORKFLOWS or folder.endswith("/" + WORKFLOWS):   # GitHub reads no subfolders
            _File(ref, data, ctx).workflow()


class _File:
    """One workflow or action file being read: its text for lines, its error reporting."""

    def __init__(self, ref: FileRef, data: bytes, ctx: CollectContext) -> None:
        self.ref, self.data, self.ctx = ref, data, ctx
        # Errors go straight to the graph: Fields(self.error) would make each file a
        # reference cycle that only the cyclic GC frees.
        self.fields = Fields(functools.partial(ctx.graph.error, NAME, ref.display))
        self.root = _repository_root(ref.path)
        remote = ctx.graph.node(ref.tree)["attrs"].get("remote") if ref.tree in ctx.graph else None
        # owner/repo of the scanned repository on GitHub: its own actions and workflows are
        # same-repository references (MLC-PIPE-003 exempts them)
        self.repository = remote.lower().partition("/")[2] if remote and remote.lower().startswith("github.com/") \
            else None
        self._lines: list[str] | None = None
        self.what = "workflow" if WORKFLOWS in ref.path else "action"

    def error(self, reason: str, line: int | None) -> None:
        self.ctx.graph.error(NAME, self.ref.display, reason, line)

    def load(self) -> dict | None:
        try:
            doc = load_yaml(self.data, self.ref.display)
        except TemplateYaml as exc:
            if self._is_expression(exc):     # GitHub cannot read it either: broken YAML
                self.error(f"{self.what} is not YAML: a `${{{{ }}}}` expression on line {exc.line} breaks "
                           "the YAML (quote the value)", exc.line)
            else:
                self.ctx.graph.update_attrs(self.ref.node, **exc.file_facts)
            return None
        except YamlError as exc:
            self.error(f"{self.what} is not YAML: {exc.reason}", exc.line)
            return None
        if not isinstance(doc, dict):
            self.error(f"a {self.what} is a mapping; found {describe(doc)}", line_of(doc) or 1)
            return None
        return doc

    def _is_expression(self, exc: TemplateYaml) -> bool:
        line = self.line_text(exc.line)
        return ("$" + exc.marker) in line and exc.marker.startswith("{{")

    # -- files -------------------------------------------------------------------------

    def workflow(self) -> None:
        doc = self.load()
        if doc is None or azure_shape(doc):      # an Azure pipeline kept here: the Azure reader's
            return
        missing = [k for k in ("on", "jobs") if k not in doc and not (k == "on" and True in doc)]
        if missing:
            self.error(f"a workflow needs `on:` and `jobs:`; {' and '.join(f'`{k}:`' for k in missing)} missing",
                       line_of(doc) or 1)
        triggers = self.triggers(doc)
        pipeline = CiPipeline("github_actions", "reusable_workflow" if "workflow_call" in triggers else "workflow",
                              self.fields.scalar(doc, "name", "name") or self.ref.path.rpartition("/")[2],
                              line_of(doc) or 1, triggers, self.permissions(doc, "permissions"))
        env = self.env(doc, "env")
        if env:
            pipeline.extra["env"] = env                 # the linker resolves $X / ${{ env.X }} from it
        defaults = self.run_defaults(doc, "defaults")
        jobs = self.fields.get(doc, "jobs", "jobs", "mapping")
        for key, body, where in self.fields.entries(jobs or {}, "jobs", "mapping"):
            pipeline.jobs.append(self.job(str(key), body, where, line_of(jobs, key), defaults))
        emit(self.ctx, self.ref, pipeline, NAME)

    def composite(self) -> None:
        doc = self.load()
        runs = doc.get("runs") if doc is not None else None
        if not (isinstance(runs, dict) and runs.get("using") == "composite"):
            return                                  # a JavaScript or Docker action: nothing runs here
        name = self.fields.scalar(doc, "name", "name") or self.ref.path
        job = CiJob("composite", name, line_of(doc, "runs"))
        steps = self.fields.get(runs, "steps", "runs.steps", "list")
        job.steps = self.steps(steps or [], "runs.steps", {})
        emit(self.ctx, self.ref, CiPipeline("github_actions", "composite_action", name, line_of(doc) or 1,
                                            jobs=[job]), NAME)

    # -- workflow level ----------------------------------------------------------------

    def triggers(self, doc: dict) -> list[str]:
        key = "on" if "on" in doc else True if True in doc else None
        if key is None:
            return []
        value = self.fields.get(doc, key, "on", "text", "list", "mapping")
        if isinstance(value, str):
            return [value]
        if isinstance(value, list):
            return [item for _, item in self.fields.items(value, "on", "text")]
        return [str(k) for k in (value or {})]

    def permissions(self, container: dict, field: str, key: str = "permissions") -> dict | None:
        value = self.fields.get(container, key, field, "text", "mapping")
        line = line_of(container, key)
        if isinstance(value, str):
            mode = _PERMISSION_MODES.get(value.strip())
            if mode is None:
                self.error(f"{field}: expected write-all, read-all or a mapping of scopes, found "
                           f"{value[:40]!r}", line)
                return None
            return {"mode": mode, "scopes": {}, "line": line}
        if value is None:
            return None
        scopes = {}
        for scope, level, where in self.fields.entries(value, field, "text"):
            if level not in _SCOPE_LEVELS:
                self.error(f"{where}: expected read, write or none, found {level[:40]!r}", line_of(value, scope))
                continue
            scopes[str(scope)] = level
        return {"mode": "scoped" if value else "none", "scopes": scopes, "line": line}

    def env(self, container: dict, field: str) -> dict:
        """`env:` of a workflow, job or step as text values (it may also be one expression:
        then nothing is known of it)."""
        env = self.fields.get(container, "env", field, "mapping", "text")
        return self.strings(env, field) if isinstance(env, dict) else {}

    def run_defaults(self, container: dict, field: str) -> dict:
        """`defaults.run` (shell, working-directory) of a workflow or job."""
        defaults = self.fields.get(container, "defaults", field, "mapping")
        run = self.fields.get(defaults or {}, "run", f"{field}.run", "mapping") or {}
        return {k: v for k in ("shell", "working-directory")
                if (v := self.fields.scalar(run, k, f"{field}.run.{k}")) is not None}

    # -- jobs --------------------------------------------------------------------------

    def job(self, key: str, body: dict, field: str, line: int | None, defaults: dict) -> CiJob:
        f = self.fields
        job = CiJob(key, f.scalar(body, "name", f"{field}.name"), line)
        job.permissions = self.permissions(body, f"{field}.permissions")
        job.condition = self.condition(body, f"{field}.if")
        job.needs = self.needs(body, f"{field}.needs")
        job.environment = self.environment(body, f"{field}.environment")
        job.container = self.container(body.get("container"), f"{field}.container", line_of(body, "container"))
        services = self.services(body, f"{field}.services")
        if services:
            job.extra["services"] = services
        env = self.env(body, f"{field}.env")
        if env:
            job.extra["env"] = env
        matrix = self.matrix(body, field)
        if "uses" in body:
            job.uses = self.uses(body, "uses", f"{field}.uses")
            inputs = f.get(body, "with", f"{field}.with", "mapping")
            job.extra["inputs"] = self.strings(inputs or {}, f"{field}.with")
            secrets = f.get(body, "secrets", f"{field}.secrets", "text", "mapping")
            if secrets is not None:
                job.extra["secrets"] = secrets if isinstance(secrets, str) else sorted(map(str, secrets))
        if "runs-on" in body:
            job.runner = self.runner(body["runs-on"], f"{field}.runs-on", line_of(body, "runs-on"), matrix)
        elif "uses" not in body:
            self.error(f"{field}: a job needs `runs-on` (or `uses` for a reusable workflow)", line)
        own = self.run_defaults(body, f"{field}.defaults")
        steps = f.get(body, "steps", f"{field}.steps", "list")
        job.steps = self.steps(steps or [], f"{field}.steps", {**defaults, **own})
        return job

    def condition(self, body: dict, field: str) -> str | None:
        value = self.fields.get(body, "if", field, "text", "number", "boolean")
        if isinstance(value, bool):
            return str(value).lower()
        return None if value is None else str(value)

    def needs(self, body: dict, field: str) -> list[str]:
        value = self.fields.get(body, "needs", field, "text", "list")
        if isinstance(value, str):
            return [value]
        return [item for _, item in self.fields.items(value or [], field, "text")]

    def environment(self, body: dict, field: str) -> dict | None:
        value = self.fields.get(body, "environment", field, "text", "mapping")
        line = line_of(body, "environment")
        url = None
        if isinstance(value, dict):
            url = self.fields.scalar(value, "url", f"{field}.url")
            value = self.fields.scalar(value, "name", f"{field}.name")
            if value is None:
                self.error(f"{field}: an environment mapping needs a `name`", line)
        if value is None:
            return None
        out = {"name": None if _EXPRESSION.search(value) else value, "raw": value, "line": line}
        if url is not None:
            out["url"] = url
        return out

    def container(self, value: Any, field: str, line: int | None) -> dict | None:
        """`container:` (an image, or a mapping with `image`) → {image, digest, line}; an empty
        image (GitHub's documented way to run without one) → None."""
        if value is None:
            return None
        if isinstance(value, dict):
            value = self.fields.get(value, "image", f"{field}.image", "text")
        elif not isinstance(value, str):
            self.error(f"{field}: expected a string or a mapping, found {describe(value)}", line)
            return None
        if not value or not value.strip():
            return None
        image = image_ref(value)
        return {"image": value, "digest": image["pinned"], "expression": image["expression"], "line": line}

    def services(self, body: dict, field: str) -> list[dict]:
        services = self.fields.get(body, "services", field, "mapping") or {}
        found = []
        for name, value, where in self.fields.entries(services, field, "text", "mapping"):
            image = self.container(value, where, line_of(services, name))
            if image:
                found.append({"name": str(name), **image})
        return found

    def matrix(self, body: dict, field: str) -> dict | str | None:
        strategy = self.fields.get(body, "strategy", f"{field}.strategy", "mapping")
        if not strategy:
            return None
        return self.fields.get(strategy, "matrix", f"{field}.strategy.matrix", "mapping", "text")

    def runner(self, value: Any, field: str, line: int | None, matrix: Any) -> dict | None:
        raw = value if isinstance(value, str) else _flow(value)
        out = {"hosting": "unknown", "labels": [], "pool": None, "image": None, "raw": raw[:1000]}
        if isinstance(value, dict):
            group = self.fields.scalar(value, "group", f"{field}.group")
            labels = self.fields.get(value, "labels", f"{field}.labels", "text", "list")
            out["labels"] = self.labels(labels, f"{field}.labels") if labels is not None else []
            out["pool"] = group
            hosting = _hosting(out["labels"])
            # A runner group holds self-hosted runners or GitHub-hosted larger runners: only
            # a `self-hosted` label tells which.
            out["hosting"] = hosting if group is None or hosting == "self_hosted" else "unknown"
            return out
        if not isinstance(value, (str, list)):
            self.error(f"{field}: expected a string, a list or a mapping, found {describe(value)}", line)
            return None
        labels = self.labels(value, field)
        out["labels"] = labels
        if any(_EXPRESSION.search(label) for label in labels):
            return {**out, **_resolve_matrix(labels, matrix)}
        out["hosting"] = _hosting(labels)
        return out

    def labels(self, value: Any, field: str) -> list[str]:
        if isinstance(value, str):
            return [value]
        return [item for _, item in self.fields.items(value, field, "text")]

    # -- steps -------------------------------------------------------------------------

    def steps(self, steps: list, field: str, defaults: dict) -> list[CiStep]:
        found = []
        for index, body in self.fields.items(steps, field, "mapping"):
            found.append(self.step(index, body, f"{field}[{index}]", line_of(steps, index), defaults))
        return found

    def step(self, index: int, body: dict, field: str, line: int | None, defaults: dict) -> CiStep:
        f = self.fields
        step = CiStep(index, line, name=f.scalar(body, "name", f"{field}.name"))
        if "uses" in body:
            step.uses = self.uses(body, "uses", f"{field}.uses")
        run = f.get(body, "run", f"{field}.run", "text", "number")
        if run is not None:
            step.run = str(run)
            step.run_line = self.script_line(line_of(body, "run"))
            step.shell = f.scalar(body, "shell", f"{field}.shell") or defaults.get("shell")
            step.working_directory = f.scalar(body, "working-directory", f"{field}.working-directory") \
                or defaults.get("working-directory")
        elif "uses" not in body:
            self.error(f"{field}: a step needs `uses` or `run`", line)
        step.inputs = self.strings(f.get(body, "with", f"{field}.with", "mapping") or {}, f"{field}.with")
        step.env = self.env(body, f"{field}.env")
        condition = self.condition(body, f"{field}.if")
        if condition is not None:
            step.extra["condition"] = condition
        tolerated = f.get(body, "continue-on-error", f"{field}.continue-on-error", "boolean", "text")
        if tolerated is not None and tolerated is not False:
            step.extra["continue_on_error"] = tolerated       # true, or an expression
        return step

    def uses(self, body: dict, key: str, field: str) -> dict | None:
        text = self.fields.text(body, key, field)
        if text is None or not text.strip():
            if text is not None:
                self.error(f"{field}: empty", line_of(body, key))
            return None
        ref = action_ref(text)
        if ref["kind"] == "local":
            ref["path"] = self.local_path(ref["ref"])
        elif self.repository and (ref["target"].lower() + "/").startswith(self.repository + "/"):
            ref["same_repository"] = True
        return ref

    def local_path(self, text: str) -> str | None:
        """A local `./x` of a workflow or action is relative to its repository's root (the
        checkout), in the scanned tree: the path there, or None when it leads out of it."""
        path = posixpath.normpath(posixpath.join(self.root, text))
        return None if path.startswith(("../", "/")) or path == ".." else path

    def strings(self, values: dict, field: str) -> dict[str, str]:
        """`with:` / `env:` values as GitHub reads them: scalars as text (YAML's true → "true")."""
        out = {}
        for key, value, _ in self.fields.entries(values, field, "text", "number", "boolean", null_ok=True):
            out[str(key)] = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        return out

    # -- lines -------------------------------------------------------------------------

    def line_text(self, line: int | None) -> str:
        if self._lines is None:
            self._lines = as_utf8(self.data).decode("utf-8", "replace").splitlines()
        return self._lines[line - 1] if line and 0 < line <= len(self._lines) else ""

    def script_line(self, key_line: int | None) -> int | None:
        """The line a `run:` script's text starts on: the key's own line for `run: cmd`,
        the next one for a block scalar (`run: |`), the next non-blank line when the value
        starts below its key."""
        if key_line is None:
            return None
        found = list(_RUN_KEY.finditer(self.line_text(key_line)))
        rest = found[-1].group("rest") if found else "x"
        if _BLOCK.match(rest):
            return key_line + 1
        if rest.strip() and not rest.strip().startswith("#"):
            return key_line
        line = key_line + 1
        while self._lines is not None and line <= len(self._lines):
            text = self._lines[line - 1].strip()
            if text and not text.startswith("#"):
                return line
            line += 1
        return key_line


def _repository_root(path: str) -> str:
    """Where the repository holding a workflow or action starts in the scanned tree: above
    its `.github/` folder (a repository kept in a subfolder), else the tree's root."""
    if path.startswith(".github/"):
        return ""
    above, found, _ = path.partition("/.github/")
    return above + "/" if found else ""


def _hosting(labels: list[str]) -> str:
    if any(label.strip().lower() == "self-hosted" for label in labels):
        return "self_hosted"
    if labels and all(_HOSTED.match(label.strip().lower()) for label in labels):
        return "hosted"
    return "unknown"


def _resolve_matrix(labels: list[str], matrix: Any) -> dict:
    """`runs-on: ${{ matrix.os }}`: hosted (or self-hosted) when every value the matrix gives
    that key is known and of one kind; otherwise unknown."""
    unknown = {"hosting": "unknown"}
    keys = {m.group(1) for label in labels for e in _EXPRESSION.finditer(label)
            if (m := _MATRIX_ONLY.match(e.group(0)[3:-2]))}
    expressions = sum(len(_EXPRESSION.findall(label)) for label in labels)
    if len(keys) != 1 or expressions != 1 or not isinstance(matrix, dict):
        return unknown
    key = keys.pop()
    values = _matrix_values(matrix, key)
    if not values:
        return unknown
    kinds = set()
    for value in values:
        resolved = [_EXPRESSION.sub(lambda _, v=value: v, label) if isinstance(value, str) else label
                    for label in labels]
        if isinstance(value, list):     # `os: [[self-hosted, linux], ubuntu-latest]`
            resolved = [v for label in labels for v in (value if _EXPRESSION.search(label) else [label])]
        if not all(isinstance(v, str) for v in resolved) or any(_EXPRESSION.search(v) for v in resolved):
            return unknown
        kinds.add(_hosting(resolved))
    return {"hosting": kinds.pop()} if len(kinds) == 1 else unknown


def _matrix_values(matrix: dict, key: str) -> list | None:
    """Every value a matrix key takes (its list and `include` entries), None when the matrix
    is computed (`${{ fromJSON(...) }}`) or too large to read."""
    values = []
    listed = matrix.get(key)
    if isinstance(listed, list):
        values += listed
    elif listed is not None:
        return None
    include = matrix.get("include", [])
    if isinstance(include, str):
        return None
    for entry in include if isinstance(include, list) else []:
        if isinstance(entry, dict) and key in entry:
            values.append(entry[key])
    if len(values) > MAX_MATRIX_VALUES:
        return None
    return [v for v in values if v is not None] or None


def _flow(value: Any) -> str:
    try:
        # The default encoder first: building one for `default=str` cost more than the
        # text (`runs-on: [self-hosted, linux]`); its text is the same where it succeeds.
        return json.dumps(value)
    except TypeError:
        pass                      # a value JSON has no form for (a date): written by str
    except (ValueError, RecursionError):
        return describe(value)
    try:
        return json.dumps(value, default=str)
    except (TypeError, ValueError, RecursionError):
        return describe(value)
