"""Azure ML CLI v2 parser: job, data, model, environment, endpoint and deployment specs.

Facts only (LINEAGE_SPEC "Azure ML"). A YAML file is an Azure ML spec when its `$schema`
names an azureml schema (e.g. https://azuremlschemas.azureedge.net/latest/commandJob.schema.json);
every other YAML file is left alone without a word. A spec in a repository declares
intent: its model and asset versions are recorded as declared (`store: azureml-spec`,
`registered: false`), never as facts from a registry. Job inputs are sorted by what
they are: data (a dataset node with the reference as written and its parts: name,
version, label, registry, datastore path, URL version…), a model, a configuration file,
a literal or a binding. Whether a dataset is pinned to a version is a judgement the
linkers make for every dataset alike, from these facts; linking data to registries, runs
or DVC is theirs too. A spec that is a template (placeholders a template engine fills
in) is recorded as such, not evaluated.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from fnmatch import fnmatch
from typing import Any, Callable

from . import CollectContext, FileParser, FileRef, azureml_resources
from .text import short
from .urls import is_url, url_without_secrets
from ..safeyaml import (Fields, TemplateYaml, YamlError, as_utf8, describe, is_placeholder,
                        line_of, load_yaml)

MAX_PIPELINE_DEPTH = 10
LITERAL_TYPES = frozenset({"string", "number", "integer", "boolean"})
MODEL_TYPES = frozenset({"mlflow_model", "custom_model", "triton_model"})
# AutoML jobs name their data outside `inputs`.
AUTOML_DATA_FIELDS = ("training_data", "validation_data", "test_data")
# Where the facts of a spec come from: a repository's declaration, not a registry.
STORE = "azureml-spec"
# Files given as job inputs that configure the job rather than feed it data: DeepSpeed
# (zero1.json, ds_config.json), evaluation/finetune configs (*-config.json), AutoML and
# other settings. Matched on the file name, or on the input's name for a config extension.
CONFIG_EXTS = frozenset({".json", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".conf"})
CONFIG_FILE_GLOBS = ("*config*", "*settings*", "zero[0-3]*", "ds_*", "deepspeed*", "*hparams*",
                     "*hyperparam*")
_CONFIG_INPUT_NAME = re.compile(r"config|settings|deepspeed|hparams|hyperparam", re.I)
# A `$schema:` line naming an azureml schema, found without parsing (for malformed files;
# `- $schema:` too, a spec written as a list item).
_DECLARES_SCHEMA = re.compile(rb"""^[ \t-]*['"]?\$schema['"]?\s*:[^\n]*azureml""", re.I | re.M)
_SCHEMA_NAME = re.compile(r"([A-Za-z]+)\.(?:schema\.)?json\s*$")
# Query parameters storage services name an object version with (S3 and Azure Blob
# `versionId`, Azure Blob `snapshot`, GCS `generation`…): recorded as facts, since the
# query itself is dropped (SAS tokens live there).
_VERSION_QUERY = re.compile(r"[?&](versionid|snapshot|generation|version|timestamp)=([^&#]+)", re.I)
# Scopes an azureml:// asset or datastore URI may start with.
_SCOPE = (r"(?:subscriptions/(?P<sub>[^/]+)/resource[gG]roups/(?P<rg>[^/]+)/"
          r"(?:providers/Microsoft\.MachineLearningServices/)?workspaces/(?P<ws>[^/]+)/"
          r"|locations/(?P<loc>[^/]+)/workspaces/(?P<wsid>[^/]+)/"
          r"|registries/(?P<reg>[^/]+)/)?")
_DATASTORE_URI = re.compile(r"^azureml://" + _SCOPE + r"datastores/(?P<ds>[^/]+)/paths/(?P<path>.*)$", re.I)
_JOB_OUTPUT_URI = re.compile(
    r"^azureml://jobs/(?P<job>[^/]+)/outputs/(?P<out>[^/]+)(?:/paths/(?P<path>.*))?$", re.I)


def _asset_uri(collection: str) -> re.Pattern:
    return re.compile(r"^azureml://" + _SCOPE + collection +
                      r"/(?P<name>[^/]+)(?:/versions/(?P<version>[^/]+)|/labels/(?P<label>[^/]+))?/?$", re.I)


_DATA_URI = _asset_uri("data")
_MODEL_URI = _asset_uri("models")


@dataclass(frozen=True)
class AssetRef:
    """`azureml:name:version`, `azureml:name@label`, `azureml:name` or an azureml:// asset URI."""
    name: str
    version: str | None = None
    label: str | None = None
    registry: str | None = None
    workspace: str | None = None

    def key(self) -> str:
        scope = f"registries/{self.registry}/" if self.registry else ""
        if self.version:
            return f"{scope}{self.name}:{self.version}"
        return f"{scope}{self.name}@{self.label or 'latest'}"


def parse_asset_ref(raw: str, uri_pattern: re.Pattern) -> AssetRef | None:
    """An asset reference in any of its CLI v2 forms; None when `raw` is not one."""
    if raw.startswith("azureml://"):
        m = uri_pattern.match(raw)
        if not m:
            return None
        return AssetRef(m["name"], m["version"], m["label"], m["reg"], m["ws"] or m["wsid"])
    if not raw.startswith("azureml:"):
        return None
    rest = raw[len("azureml:"):]
    if "@" in rest:
        name, label = rest.split("@", 1)
        return AssetRef(name, label=label or "latest") if name else None
    name, _, version = rest.partition(":")
    return AssetRef(name, version or None) if name else None


def is_binding(value: Any) -> bool:
    return isinstance(value, str) and value.strip().startswith("${{")


def clean_path(value: Any) -> Any:
    """A path as recorded: URLs lose user info and query (SAS tokens live there)."""
    return url_without_secrets(value) if isinstance(value, str) and is_url(value) else value


def local_path(base_dir: str, raw: str) -> str:
    """A local path in a spec, relative to the repository root (specs resolve from their folder)."""
    path = raw.removeprefix("file:").replace("\\", "/")
    if path.startswith("/"):
        return posixpath.normpath(path)
    return posixpath.normpath(posixpath.join(base_dir, path))


def data_reference(raw: str, ref: FileRef) -> tuple[str, dict] | None:
    """(dataset key, attrs) for a data path in a job input or data spec; None for bindings."""
    raw = raw.strip()
    if not raw or is_binding(raw):
        return None
    asset = parse_asset_ref(raw, _DATA_URI)
    if asset is not None:
        attrs = {"name": asset.name, "reference": raw, "ref_kind": "asset"}
        for field in ("version", "label", "registry", "workspace"):
            if getattr(asset, field) is not None:
                attrs[field] = getattr(asset, field)
        return asset.key(), attrs
    if raw.startswith("azureml://"):
        return azureml_uri_reference(raw)
    if is_url(raw):
        return url_reference(raw)
    path = local_path(posixpath.dirname(ref.path), raw)
    attrs = {"reference": raw, "ref_kind": "local", "path": path, "repo": ref.tree}
    if path == ".." or path.startswith("../") or path.startswith("/"):
        attrs["outside_repo"] = True
    return f"{ref.tree_key}/{path}", attrs


def azureml_uri_reference(raw: str) -> tuple[str, dict]:
    m = _DATASTORE_URI.match(raw)
    if m:
        attrs = {"reference": raw, "ref_kind": "datastore_path", "datastore": m["ds"], "path": m["path"]}
        if m["ws"] or m["wsid"]:
            attrs["workspace"] = m["ws"] or m["wsid"]
        return f"datastores/{m['ds']}/paths/{m['path']}", attrs
    m = _JOB_OUTPUT_URI.match(raw)
    if m:
        # The output of one named job run: fixed once that job has run.
        key = f"jobs/{m['job']}/outputs/{m['out']}" + (f"/paths/{m['path']}" if m["path"] else "")
        attrs = {"reference": raw, "ref_kind": "job_output", "job_name": m["job"], "output": m["out"]}
        if m["path"]:
            attrs["path"] = m["path"]
        return key, attrs
    return f"uri/{raw[len('azureml://'):]}", {"reference": raw, "ref_kind": "azureml_uri"}


def url_reference(raw: str) -> tuple[str, dict]:
    url = url_without_secrets(raw)
    attrs: dict = {"reference": url, "ref_kind": "url", "url": url}
    version = _VERSION_QUERY.search(raw)
    if not version:
        return f"url/{url}", attrs
    attrs.update(version_param=version.group(1), version_id=version.group(2))
    return f"url/{url}?{version.group(1)}={version.group(2)}", attrs


def schema_name(schema: str) -> str:
    """`https://…/latest/commandJob.schema.json` → `commandjob`."""
    m = _SCHEMA_NAME.search(schema.strip())
    return m.group(1).lower() if m else ""


def asset_facts(raw: str, prefix: str) -> dict:
    """`<prefix>_name/_version/_label/_registry` of a model or asset reference, as written."""
    asset = parse_asset_ref(raw.strip(), _MODEL_URI)
    if asset is None:
        return {}
    facts: dict = {f"{prefix}_name": asset.name}
    for field in ("version", "label", "registry"):
        if getattr(asset, field):
            facts[f"{prefix}_{field}"] = getattr(asset, field)
    return facts


def model_input_reason(kind: str | None, path: str) -> str | None:
    """Why a job input is a model, not data; None when it is not one."""
    if kind in MODEL_TYPES:
        return f"type {kind}"
    if _MODEL_URI.match(path.strip()):
        return "a model asset URI"
    return None


def config_input_reason(input_name: str, path: str) -> str | None:
    """Why a job input is a configuration file, not training data; None when it is not one."""
    base = posixpath.basename(path.strip().rstrip("/").replace("\\", "/")).lower()
    stem, ext = posixpath.splitext(base)
    if ext not in CONFIG_EXTS:
        return None
    if any(fnmatch(stem, glob) for glob in CONFIG_FILE_GLOBS):
        return f"{base} is a configuration file"
    if _CONFIG_INPUT_NAME.search(input_name):
        return f"input {input_name!r} names a configuration file ({base})"
    return None


def ref_or_inline(value: Any) -> str | None:
    """An environment or component: its reference, or "inline" for one defined in place."""
    if isinstance(value, str):
        return value
    return "inline" if isinstance(value, dict) else None


PLACEHOLDER_REASON = "a placeholder, filled in when the template is rendered; not evaluated"


@dataclass
class _Spec:
    """One spec file being parsed: its file, where facts go, how problems are reported."""
    ref: FileRef
    ctx: CollectContext
    read: Fields


@dataclass
class _Input:
    """One job input or output as written: its name, value and where it sits."""
    name: str
    value: Any
    field: str          # dotted path in the file, e.g. jobs.train.inputs.data


class AzureMLParser(FileParser):
    name = "azureml"
    patterns = ("*.yml", "*.yaml")

    def parse(self, ref: FileRef, data: bytes, ctx: CollectContext) -> None:
        data = as_utf8(data)
        told = azureml_resources.collect_unschemaed(ref, data, ctx, self.name)   # resource specs without $schema
        if told:
            kind, doc = told
            if kind in azureml_resources.ONLINE_SCHEMAS:
                self._unschemaed_online(ref, doc, ctx, kind)
            return
        if b"azureml" not in data:      # cheap: most YAML files are not Azure ML specs
            return
        declares = _DECLARES_SCHEMA.search(data) is not None
        try:
            doc = load_yaml(data, ref.display)
        except TemplateYaml as exc:
            if declares:
                ctx.graph.update_attrs(ref.node, **exc.file_facts)
            return
        except YamlError as exc:
            if declares:
                ctx.graph.error(self.name, ref.display, f"invalid YAML: {exc.reason}", exc.line)
            return
        if not isinstance(doc, dict):
            if declares:
                ctx.graph.error(self.name, ref.display,
                                f"an Azure ML spec must be a mapping, found {describe(doc)}", line_of(doc))
            return
        spec = _Spec(ref, ctx, Fields(lambda reason, line: ctx.graph.error(self.name, ref.display,
                                                                            reason, line)))
        schema = doc.get("$schema")
        if not isinstance(schema, str):
            if declares and "$schema" in doc:
                spec.read.wrong(doc, "$schema", "$schema", ("text",))
            return
        if "azureml" not in schema.lower():
            return
        handler = self._handler(schema_name(schema))
        if handler:
            handler(spec, doc, schema)
        azureml_resources.collect(ref, doc, schema_name(schema), ctx, spec.read)   # resource specs (issue 8)

    def _unschemaed_online(self, ref: FileRef, doc: dict, ctx: CollectContext, kind: str) -> None:
        """An online endpoint or deployment spec without `$schema` (told by its content,
        azureml_resources.online_schema_by_content): read for lineage like one with it."""
        spec = _Spec(ref, ctx, Fields(lambda reason, line: ctx.graph.error(self.name, ref.display,
                                                                            reason, line)))
        handler = self._handler(kind)
        if handler:
            handler(spec, doc, "")

    def _handler(self, kind: str) -> Callable | None:
        if kind.endswith("job"):
            return self._job_spec
        if kind.endswith("deployment"):
            return self._deployment_spec
        if kind.endswith("endpoint"):
            return self._endpoint_spec
        return {"data": self._data_spec, "dataset": self._data_spec, "model": self._model_spec,
                "environment": self._environment_spec}.get(kind)

    def _node(self, spec: _Spec, kind: str, key: str, attrs: dict, defined: bool = True) -> str:
        nid = spec.ctx.graph.add_node(kind, key, {"store": STORE, **attrs},
                                      spec.ctx.provenance(self.name, spec.ref.display))
        if defined:
            spec.ctx.graph.add_edge(nid, spec.ref.node, "defined_in")
        return nid

    def _problem(self, spec: _Spec, reason: str, line: int | None) -> None:
        spec.ctx.graph.error(self.name, spec.ref.display, reason, line)

    # -- jobs -------------------------------------------------------------------
    def _job_spec(self, spec: _Spec, doc: dict, schema: str) -> None:
        self._job(spec, doc, f"azureml:{spec.ref.tree_key}/{spec.ref.path}", "", schema=schema)

    def _job(self, spec: _Spec, doc: dict, key: str, prefix: str, schema: str | None = None,
             parent: str | None = None, depth: int = 0, child_name: str | None = None) -> None:
        """One job; `prefix` is its place in the file (`jobs.train.`; "" at the top)."""
        attrs = self._job_attrs(spec, doc, prefix, schema)
        if child_name is not None:
            attrs.setdefault("name", child_name)
        inputs = self._io(spec, doc, "inputs", prefix)
        for field in AUTOML_DATA_FIELDS:         # AutoML jobs name their data outside inputs
            if spec.read.get(doc, field, prefix + field, "mapping") is not None:
                inputs.append(_Input(field, doc[field], prefix + field))
        recorded, reads, unresolved = {}, [], []
        for item in inputs:
            entry, dataset = self._input(spec, item)
            recorded[item.name] = entry
            if dataset:
                reads.append(dataset)
            if entry.get("role") == "placeholder":
                unresolved.append((item.field, entry["path"]))
        attrs["inputs"] = recorded
        attrs["outputs"] = {item.name: self._io_entry(spec, item)
                            for item in self._io(spec, doc, "outputs", prefix)}
        job = self._node(spec, "job", key, attrs)
        for field, value in unresolved:
            spec.ctx.graph.note_unresolved(job, field, value, PLACEHOLDER_REASON)
        if parent:
            spec.ctx.graph.add_edge(parent, job, "contains")
        for ds_key, ds_attrs in reads:
            dataset = self._node(spec, "dataset", f"azureml:{ds_key}", ds_attrs, defined=False)
            spec.ctx.graph.add_edge(job, dataset, "reads")
        self._children(spec, doc, key, prefix, job, depth)

    def _children(self, spec: _Spec, doc: dict, key: str, prefix: str, parent: str, depth: int) -> None:
        jobs = spec.read.get(doc, "jobs", prefix + "jobs", "mapping")
        if not jobs:
            return
        if depth >= MAX_PIPELINE_DEPTH:
            self._problem(spec, f"{prefix}jobs: pipeline nested over {MAX_PIPELINE_DEPTH} levels; "
                                "not followed", line_of(doc, "jobs"))
            return
        for name, child, field in spec.read.entries(jobs, prefix + "jobs", "mapping"):
            child_key = f"{key}#{name}" if depth == 0 else f"{key}/{name}"
            self._job(spec, child, child_key, field + ".", parent=parent, depth=depth + 1,
                      child_name=str(name))

    @staticmethod
    def _job_attrs(spec: _Spec, doc: dict, prefix: str, schema: str | None) -> dict:
        read = spec.read
        trial = read.get(doc, "trial", prefix + "trial", "mapping") or {}     # sweep jobs

        def pick(field: str, *kinds: str) -> Any:
            """A field of the job or, for a sweep job, of its trial."""
            if field in doc or field not in trial:
                return read.get(doc, field, prefix + field, *kinds)
            return read.get(trial, field, f"{prefix}trial.{field}", *kinds)

        attrs: dict = {}
        if schema:
            attrs["schema"] = schema
        job_type = read.text(doc, "type", prefix + "type") or \
            (schema_name(schema).removesuffix("job") if schema else None)
        if not job_type and ("command" in doc or "component" in doc):
            job_type = "command"
        if job_type:
            attrs["type"] = job_type
        for field in ("name", "display_name", "experiment_name", "compute"):
            value = pick(field, "text", "number")
            if value is not None:
                attrs[field] = str(value)
        code = pick("code", "text", "number", "mapping")
        if isinstance(code, dict):      # the 2021 preview CLI's `code: {local_path: src}`
            code = read.get(code, "local_path", prefix + "code.local_path", "text")
        if code is not None:
            attrs["code"] = str(code)
        environment = ref_or_inline(pick("environment", "text", "mapping"))
        if environment:
            attrs["environment"] = environment
        command = pick("command", "text")
        if command is not None:
            attrs["command"] = short(command)
        component = read.get(doc, "component", prefix + "component", "text", "mapping")
        if component is not None:
            attrs["component"] = ref_or_inline(component)
        return attrs

    def _io(self, spec: _Spec, doc: dict, which: str, prefix: str) -> list[_Input]:
        """A job's inputs or outputs as written: each a mapping, a literal, a binding or
        null (declared, nothing bound); a list, or `which` not a mapping, is one problem."""
        value = spec.read.get(doc, which, prefix + which, "mapping") or {}
        return [_Input(str(name), entry, field) for name, entry, field in
                spec.read.entries(value, prefix + which, "mapping", "text", "number", "boolean",
                                  null_ok=True)]

    @staticmethod
    def _io_entry(spec: _Spec, item: _Input) -> dict:
        """An input/output as recorded: {type, path, mode…}, {binding}, {value} or {}."""
        value, read = item.value, spec.read
        if value is None:
            return {}
        if not isinstance(value, dict):
            return {"binding": value.strip()} if is_binding(value) else {"value": value}
        entry: dict = {}
        for field in ("type", "path", "mode"):
            text = read.text(value, field, f"{item.field}.{field}")
            if text is not None:
                entry[field] = clean_path(text) if field == "path" else text
        for field in ("name", "version"):
            scalar = read.scalar(value, field, f"{item.field}.{field}")
            if scalar is not None:
                entry[field] = scalar
        return entry

    def _input(self, spec: _Spec, item: _Input) -> tuple[dict, tuple[str, dict] | None]:
        """(the input as recorded, the dataset it reads if it is data).

        An input with a path is data, a model, a configuration file or a placeholder, and
        says which (`role`) and why (`role_reason`)."""
        entry = self._io_entry(spec, item)
        if "path" not in entry:
            return entry, None
        path, kind = item.value["path"], entry.get("type")    # the path as written (versionId…)
        if is_binding(path) or kind in LITERAL_TYPES:
            return entry, None
        if is_placeholder(path):
            return {**entry, "role": "placeholder", "role_reason": PLACEHOLDER_REASON}, None
        reason = model_input_reason(kind, path)
        if reason:
            return {**entry, "role": "model", "role_reason": reason, **asset_facts(path, "model")}, None
        reason = config_input_reason(item.name, path)
        if reason:
            return {**entry, "role": "config", "role_reason": reason}, None
        found = data_reference(path, spec.ref)
        if found is None:
            return entry, None
        return {**entry, "role": "data"}, found

    # -- assets -------------------------------------------------------------------
    def _data_spec(self, spec: _Spec, doc: dict, schema: str) -> None:
        name, version = self._name_version(spec, doc)
        if name is None:
            return
        attrs: dict = {"name": name, "ref_kind": "asset", "schema": schema,
                       "store": STORE, "defined_in": spec.ref.path}
        if version is not None:     # none: the CLI assigns one at create time
            attrs["version"] = version
        for field in ("type", "description"):
            value = spec.read.text(doc, field, field)
            if value is not None:
                attrs[field] = short(value)
        path = spec.read.text(doc, "path", "path")
        if path is not None:
            attrs["path"] = clean_path(path)
            found = None if is_placeholder(path) else data_reference(path, spec.ref)
            if found:
                attrs["path_kind"] = found[1]["ref_kind"]
                if found[1]["ref_kind"] == "local":
                    attrs["repo_path"] = found[1]["path"]
        key = f"{name}:{version}" if version is not None else name
        nid = self._node(spec, "dataset", f"azureml:{key}", attrs)
        if version is None:
            self._note_placeholder_version(spec, nid, doc)

    def _model_spec(self, spec: _Spec, doc: dict, schema: str) -> None:
        """A declared model (and version): what a repository intends to register, never a
        registered version; MLC-LIN-001 checks registry versions only."""
        name, version = self._name_version(spec, doc)
        if name is None:
            return
        declared = {"store": STORE, "registered": False, "defined_in": spec.ref.path}
        facts: dict = {"name": name}
        for field in ("path", "type", "description"):
            value = spec.read.text(doc, field, field)
            if value is not None:
                facts[field] = clean_path(value) if field == "path" else short(value)
        model = self._node(spec, "model", f"azureml:{name}", {"name": name, "schema": schema, **declared})
        if version is None:      # no version to key a version node by
            spec.ctx.graph.update_attrs(model, **facts)
            self._note_placeholder_version(spec, model, doc)
            return
        mv = self._node(spec, "model_version", f"azureml:{name}/{version}",
                        {**facts, "version": version, "schema": schema, **declared})
        spec.ctx.graph.add_edge(mv, model, "version_of")

    def _environment_spec(self, spec: _Spec, doc: dict, schema: str) -> None:
        name, version = self._name_version(spec, doc)
        if name is None:
            return
        attrs: dict = {"name": name, "schema": schema, "store": STORE, "defined_in": spec.ref.path}
        if version is not None:
            attrs["version"] = version
        for field in ("image", "conda_file"):
            value = spec.read.text(doc, field, field)
            if value is not None:
                attrs[field] = value
        build = spec.read.get(doc, "build", "build", "mapping")
        if build is not None:
            context = spec.read.text(build, "path", "build.path")
            if context is not None:
                attrs["build_context"] = context
        key = f"{name}:{version}" if version is not None else name
        nid = self._node(spec, "environment", f"azureml:{key}", attrs)
        if version is None:
            self._note_placeholder_version(spec, nid, doc)

    def _name_version(self, spec: _Spec, doc: dict) -> tuple[str | None, str | None]:
        """An asset spec's name and version; a placeholder version counts as none (the
        node notes it), a placeholder name makes the file a template, not evaluated."""
        if doc.get("name", "") == "":          # absent or empty (null is a wrong type)
            self._problem(spec, "name: missing; an asset spec needs a name", line_of(doc, "name"))
            return None, None
        name = spec.read.text(doc, "name", "name")     # a string in the schemas; a version may be a number
        if name is None or self._template_name(spec, name):
            return None, None
        version = spec.read.scalar(doc, "version", "version")
        return name, (None if version is None or is_placeholder(version) else version)

    @staticmethod
    def _template_name(spec: _Spec, name: str) -> bool:
        """A placeholder for what names the spec's node: the file is a template."""
        if not is_placeholder(name):
            return False
        spec.ctx.graph.update_attrs(spec.ref.node, template=True,
                                    not_evaluated=f"name {name!r} is {PLACEHOLDER_REASON}")
        return True

    @staticmethod
    def _note_placeholder_version(spec: _Spec, nid: str, doc: dict) -> None:
        version = doc.get("version")
        if is_placeholder(version):
            spec.ctx.graph.note_unresolved(nid, "version", version, PLACEHOLDER_REASON)

    # -- endpoints and deployments -------------------------------------------------
    def _endpoint_spec(self, spec: _Spec, doc: dict, schema: str) -> None:
        name = spec.read.text(doc, "name", "name")
        if not name:
            if "name" not in doc or doc["name"] == "":
                self._problem(spec, "name: missing; an endpoint spec needs a name", line_of(doc, "name"))
            return
        if self._template_name(spec, name):
            return
        attrs = {"name": name, **({"schema": schema} if schema else {}),   # none: told by its content
                 "defined_in": spec.ref.path, "kind": "batch" if schema_name(schema).startswith("batch") else "online"}
        for field in ("auth_mode", "public_network_access", "description"):
            value = spec.read.text(doc, field, field)
            if value is not None:
                attrs[field] = short(value)
        self._node(spec, "endpoint", f"azureml:{name}", attrs)

    def _deployment_spec(self, spec: _Spec, doc: dict, schema: str) -> None:
        read = spec.read
        attrs: dict = {**({"schema": schema} if schema else {}),             # none: told by its content
                       "kind": "batch" if "batch" in schema_name(schema) else "online"}
        for field in ("name", "endpoint_name", "instance_type", "compute", "type",
                      "egress_public_network_access"):
            value = read.text(doc, field, field)
            if value is not None:
                attrs[field] = value
        resources = read.get(doc, "resources", "resources", "mapping") or {}
        count = read.get(doc, "instance_count", "instance_count", "integer")
        if "instance_count" not in doc:                     # batch: under resources
            count = read.get(resources, "instance_count", "resources.instance_count", "integer")
        if count is not None:
            attrs["instance_count"] = count
        environment = read.get(doc, "environment", "environment", "text", "mapping")
        if environment is not None:
            attrs["environment"] = ref_or_inline(environment)
            if isinstance(environment, dict):
                image = read.text(environment, "image", "environment.image")
                if image is not None:
                    attrs["environment_image"] = image
        model = read.get(doc, "model", "model", "text", "mapping")
        attrs.update(self._model_facts(spec, model))
        deployment = self._node(spec, "deployment", f"azureml:{spec.ref.tree_key}/{spec.ref.path}", attrs)
        if isinstance(model, str) and is_placeholder(model):
            spec.ctx.graph.note_unresolved(deployment, "model", model, PLACEHOLDER_REASON)
        endpoint_name = attrs.get("endpoint_name")
        if endpoint_name and azureml_resources.is_template_value(endpoint_name):
            spec.ctx.graph.note_unresolved(deployment, "endpoint_name", endpoint_name, PLACEHOLDER_REASON)
        elif endpoint_name:
            endpoint = self._node(spec, "endpoint", f"azureml:{endpoint_name}",
                                  {"name": endpoint_name}, defined=False)
            spec.ctx.graph.add_edge(endpoint, deployment, "contains")

    @staticmethod
    def _model_facts(spec: _Spec, model: Any) -> dict:
        """model (raw or "inline"), model_name/model_version/model_label for the serves linker."""
        if isinstance(model, str):
            facts = {"model": clean_path(model)}
            return facts if is_placeholder(model) else {**facts, **asset_facts(model, "model")}
        if isinstance(model, dict):
            facts = {"model": "inline"}
            name = spec.read.scalar(model, "name", "model.name")
            if name is not None:
                facts["model_name"] = name
            version = spec.read.scalar(model, "version", "model.version")
            if version is not None:
                facts["model_version"] = version
            path = spec.read.text(model, "path", "model.path")
            if path is not None:
                facts["model_path"] = (clean_path(path) if is_url(path) or path.startswith("azureml:")
                                       else local_path(posixpath.dirname(spec.ref.path), path))
            return facts
        return {}
