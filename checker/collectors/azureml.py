"""Azure ML CLI v2 parser: job, data, model, environment, endpoint and deployment specs.

Facts only (LINEAGE_SPEC "Azure ML"). A YAML file is an Azure ML spec when its `$schema`
names an azureml schema (e.g. https://azuremlschemas.azureedge.net/latest/commandJob.schema.json);
every other YAML file is left alone without a word. Data references in job inputs become
dataset nodes that say whether they are pinned to a version; linking them to registries,
runs or DVC data is the linkers' job.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any, Callable

from . import CollectContext, FileParser, FileRef
from .files import is_url, short, url_without_secrets
from ..safeyaml import YamlError, load_yaml

MAX_PIPELINE_DEPTH = 10
LITERAL_TYPES = frozenset({"string", "number", "integer", "boolean"})
MODEL_TYPES = frozenset({"mlflow_model", "custom_model", "triton_model"})
# AutoML jobs name their data outside `inputs`.
AUTOML_DATA_FIELDS = ("training_data", "validation_data", "test_data")
IO_FIELDS = ("type", "path", "mode", "name", "version")
# A `$schema:` line naming an azureml schema, found without parsing (for malformed files).
_DECLARES_SCHEMA = re.compile(rb"""^\s*['"]?\$schema['"]?\s*:[^\n]*azureml""", re.I | re.M)
_SCHEMA_NAME = re.compile(r"([A-Za-z]+)\.(?:schema\.)?json\s*$")
_VERSION_QUERY = re.compile(r"[?&](versionid|snapshot)=([^&#]+)", re.I)
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

    @property
    def pinned(self) -> bool:
        return self.version is not None

    @property
    def pin_reason(self) -> str | None:
        if self.version is not None:
            return None
        if self.label is None:
            return "no version"
        return "latest label" if self.label == "latest" else f"label {self.label!r}"

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
        attrs = {"name": asset.name, "reference": raw, "ref_kind": "asset", "pinned": asset.pinned}
        for field in ("version", "label", "registry", "workspace", "pin_reason"):
            if getattr(asset, field) is not None:
                attrs[field] = getattr(asset, field)
        return asset.key(), attrs
    if raw.startswith("azureml://"):
        return azureml_uri_reference(raw)
    if is_url(raw):
        return url_reference(raw)
    path = local_path(posixpath.dirname(ref.path), raw)
    attrs = {"reference": raw, "ref_kind": "local", "path": path, "repo": ref.tree,
             "pinned": False, "pin_reason": "local path"}
    if path == ".." or path.startswith("../") or path.startswith("/"):
        attrs["outside_repo"] = True
    return f"{ref.tree_key}/{path}", attrs


def azureml_uri_reference(raw: str) -> tuple[str, dict]:
    m = _DATASTORE_URI.match(raw)
    if m:
        attrs = {"reference": raw, "ref_kind": "datastore_path", "datastore": m["ds"],
                 "path": m["path"], "pinned": False, "pin_reason": "datastore path has no version"}
        if m["ws"] or m["wsid"]:
            attrs["workspace"] = m["ws"] or m["wsid"]
        return f"datastores/{m['ds']}/paths/{m['path']}", attrs
    m = _JOB_OUTPUT_URI.match(raw)
    if m:
        # The output of one named job run: fixed once that job has run.
        key = f"jobs/{m['job']}/outputs/{m['out']}" + (f"/paths/{m['path']}" if m["path"] else "")
        return key, {"reference": raw, "ref_kind": "job_output", "job_name": m["job"],
                     "output": m["out"], "pinned": True}
    return f"uri/{raw[len('azureml://'):]}", {"reference": raw, "ref_kind": "azureml_uri",
                                               "pinned": False, "pin_reason": "unrecognised azureml URI"}


def url_reference(raw: str) -> tuple[str, dict]:
    url = url_without_secrets(raw)
    attrs: dict = {"reference": url, "ref_kind": "url", "url": url}
    version = _VERSION_QUERY.search(raw)
    if not version:
        attrs.update(pinned=False, pin_reason="URL has no version")
        return f"url/{url}", attrs
    attrs.update(pinned=True, version_id=version.group(2))
    return f"url/{url}?{version.group(1)}={version.group(2)}", attrs


def schema_name(schema: str) -> str:
    """`https://…/latest/commandJob.schema.json` → `commandjob`."""
    m = _SCHEMA_NAME.search(schema.strip())
    return m.group(1).lower() if m else ""


def where(job_key: str) -> str:
    """Error prefix naming a child job (`job 'train': `); nothing for the top-level job."""
    child = job_key.partition("#")[2]
    return f"job {child!r}: " if child else ""


def io_spec(value: Any) -> dict:
    """One input/output as recorded: {type, path, mode…}, {binding} or {value} (a literal)."""
    if isinstance(value, dict):
        return {k: clean_path(value[k]) if k == "path" else value[k] for k in IO_FIELDS
                if k in value and isinstance(value[k], (str, int, float, bool))}
    if value is None:
        return {}
    if is_binding(value):
        return {"binding": value.strip()}
    return {"value": value} if isinstance(value, (str, int, float, bool)) else {}


def env_ref(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    return "inline" if isinstance(value, dict) else None


class AzureMLParser(FileParser):
    name = "azureml"
    patterns = ("*.yml", "*.yaml")

    def parse(self, ref: FileRef, data: bytes, ctx: CollectContext) -> None:
        if b"azureml" not in data:      # cheap: most YAML files are not Azure ML specs
            return
        declares = _DECLARES_SCHEMA.search(data) is not None
        try:
            doc = load_yaml(data, ref.display)
        except YamlError as exc:
            if declares:
                ctx.graph.error(self.name, ref.display, f"invalid YAML: {exc.reason}", exc.line)
            return
        if not isinstance(doc, dict):
            if declares:
                ctx.graph.error(self.name, ref.display, "an Azure ML spec must be a mapping")
            return
        schema = doc.get("$schema")
        if not isinstance(schema, str) or "azureml" not in schema.lower():
            return
        handler = self._handler(schema_name(schema))
        if handler:
            handler(ref, doc, schema, ctx)

    def _handler(self, kind: str) -> Callable | None:
        if kind.endswith("job"):
            return self._job_spec
        if kind.endswith("deployment"):
            return self._deployment_spec
        if kind.endswith("endpoint"):
            return self._endpoint_spec
        return {"data": self._data_spec, "dataset": self._data_spec, "model": self._model_spec,
                "environment": self._environment_spec}.get(kind)

    def _node(self, ctx: CollectContext, ref: FileRef, kind: str, key: str, attrs: dict,
              defined: bool = True) -> str:
        nid = ctx.graph.add_node(kind, key, attrs, ctx.provenance(self.name, ref.display))
        if defined:
            ctx.graph.add_edge(nid, ref.node, "defined_in")
        return nid

    def _problem(self, ctx: CollectContext, ref: FileRef, reason: str) -> None:
        ctx.graph.error(self.name, ref.display, reason)

    # -- jobs -------------------------------------------------------------------
    def _job_spec(self, ref: FileRef, doc: dict, schema: str, ctx: CollectContext) -> None:
        self._job(ref, doc, f"azureml:{ref.tree_key}/{ref.path}", ctx, schema=schema)

    def _job(self, ref: FileRef, doc: dict, key: str, ctx: CollectContext,
             schema: str | None = None, parent: str | None = None, depth: int = 0,
             child_name: str | None = None) -> None:
        attrs = self._job_attrs(doc, schema)
        if child_name is not None:
            attrs.setdefault("name", child_name)
        inputs = self._io(doc.get("inputs"), "inputs", key, ref, ctx)
        for field in AUTOML_DATA_FIELDS:
            if isinstance(doc.get(field), dict):
                inputs[field] = doc[field]
        attrs["inputs"] = {name: io_spec(spec) for name, spec in inputs.items()}
        attrs["outputs"] = {name: io_spec(spec) for name, spec in
                            self._io(doc.get("outputs"), "outputs", key, ref, ctx).items()}
        job = self._node(ctx, ref, "job", key, attrs)
        if parent:
            ctx.graph.add_edge(parent, job, "contains")
        for spec in inputs.values():
            found = self._input_data(spec, ref)
            if found:
                dataset = self._node(ctx, ref, "dataset", f"azureml:{found[0]}", found[1], defined=False)
                ctx.graph.add_edge(job, dataset, "reads")
        self._children(ref, doc.get("jobs"), key, job, ctx, depth)

    @staticmethod
    def _input_data(spec: Any, ref: FileRef) -> tuple[str, dict] | None:
        """The dataset a raw job input reads, if it is data (not a model, literal or binding)."""
        if not isinstance(spec, dict) or not isinstance(spec.get("path"), str):
            return None
        kind = spec.get("type")
        if isinstance(kind, str) and (kind in MODEL_TYPES or kind in LITERAL_TYPES):
            return None
        return data_reference(spec["path"], ref)

    def _children(self, ref: FileRef, jobs: Any, key: str, parent: str, ctx: CollectContext,
                  depth: int) -> None:
        if jobs is None:
            return
        if not isinstance(jobs, dict):
            self._problem(ctx, ref, f"{where(key)}'jobs' is not a mapping")
            return
        if depth >= MAX_PIPELINE_DEPTH:
            self._problem(ctx, ref, f"{where(key)}pipeline nested over "
                                    f"{MAX_PIPELINE_DEPTH} levels; not followed")
            return
        for name, child in jobs.items():
            child_key = f"{key}#{name}" if depth == 0 else f"{key}/{name}"
            if isinstance(child, dict):
                self._job(ref, child, child_key, ctx, parent=parent, depth=depth + 1,
                          child_name=str(name))
            else:
                self._problem(ctx, ref, f"{where(child_key)}a child job must be a mapping")

    @staticmethod
    def _job_attrs(doc: dict, schema: str | None) -> dict:
        trial = doc.get("trial") if isinstance(doc.get("trial"), dict) else {}   # sweep jobs
        attrs: dict = {}
        if schema:
            attrs["schema"] = schema
        job_type = doc.get("type") or (schema_name(schema).removesuffix("job") if schema else None)
        if not job_type and ("command" in doc or "component" in doc):
            job_type = "command"
        if isinstance(job_type, str) and job_type:
            attrs["type"] = job_type
        for field in ("name", "display_name", "experiment_name", "compute", "code"):
            value = doc.get(field, trial.get(field))
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                attrs[field] = str(value)
        environment = env_ref(doc.get("environment", trial.get("environment")))
        if environment:
            attrs["environment"] = environment
        command = doc.get("command", trial.get("command"))
        if isinstance(command, str):
            attrs["command"] = short(command)
        component = doc.get("component")
        if isinstance(component, str):
            attrs["component"] = component
        elif isinstance(component, dict):
            attrs["component"] = "inline"
        return attrs

    def _io(self, value: Any, field: str, key: str, ref: FileRef, ctx: CollectContext) -> dict:
        """A job's raw inputs or outputs by name ({} and an error when not a mapping)."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            self._problem(ctx, ref, f"{where(key)}'{field}' is not a mapping")
            return {}
        return {str(name): spec for name, spec in value.items()}

    # -- assets -------------------------------------------------------------------
    def _data_spec(self, ref: FileRef, doc: dict, schema: str, ctx: CollectContext) -> None:
        name, version = self._name_version(ref, doc, ctx)
        if name is None:
            return
        attrs: dict = {"name": name, "ref_kind": "asset", "schema": schema, "defined_in": ref.path}
        if version is not None:
            attrs.update(version=version, pinned=True)
        else:       # the CLI assigns the version at create time
            attrs.update(pinned=False, pin_reason="no version")
        for field in ("type", "description"):
            if isinstance(doc.get(field), str):
                attrs[field] = short(doc[field])
        path = doc.get("path")
        if isinstance(path, str):
            attrs["path"] = clean_path(path)
            found = data_reference(path, ref)
            if found:
                attrs["path_kind"] = found[1]["ref_kind"]
                if found[1]["ref_kind"] == "local":
                    attrs["repo_path"] = found[1]["path"]
        key = f"{name}:{version}" if version is not None else name
        self._node(ctx, ref, "dataset", f"azureml:{key}", attrs)

    def _model_spec(self, ref: FileRef, doc: dict, schema: str, ctx: CollectContext) -> None:
        name, version = self._name_version(ref, doc, ctx)
        if name is None:
            return
        facts: dict = {"name": name}
        for field in ("path", "type", "description"):
            if isinstance(doc.get(field), str):
                facts[field] = clean_path(doc[field]) if field == "path" else short(doc[field])
        model = self._node(ctx, ref, "model", f"azureml:{name}", {"name": name, "schema": schema})
        if version is None:      # registered with an assigned version: no version node to key
            ctx.graph.update_attrs(model, **facts)
            return
        mv = self._node(ctx, ref, "model_version", f"azureml:{name}/{version}",
                        {**facts, "version": version, "schema": schema, "defined_in": ref.path})
        ctx.graph.add_edge(mv, model, "version_of")

    def _environment_spec(self, ref: FileRef, doc: dict, schema: str, ctx: CollectContext) -> None:
        name, version = self._name_version(ref, doc, ctx)
        if name is None:
            return
        attrs: dict = {"name": name, "schema": schema, "defined_in": ref.path}
        if version is not None:
            attrs["version"] = version
        for field in ("image", "conda_file"):
            if isinstance(doc.get(field), str):
                attrs[field] = doc[field]
        build = doc.get("build")
        if isinstance(build, dict) and isinstance(build.get("path"), str):
            attrs["build_context"] = build["path"]
        key = f"{name}:{version}" if version is not None else name
        self._node(ctx, ref, "environment", f"azureml:{key}", attrs)

    def _name_version(self, ref: FileRef, doc: dict, ctx: CollectContext) -> tuple[str | None, str | None]:
        name, version = doc.get("name"), doc.get("version")
        if not isinstance(name, (str, int)) or isinstance(name, bool) or str(name) == "":
            self._problem(ctx, ref, "asset spec has no 'name'")
            return None, None
        if isinstance(version, bool) or not isinstance(version, (str, int, float, type(None))):
            self._problem(ctx, ref, f"'version' is not a scalar ({type(version).__name__})")
            version = None
        return str(name), (str(version) if version is not None else None)

    # -- endpoints and deployments -------------------------------------------------
    def _endpoint_spec(self, ref: FileRef, doc: dict, schema: str, ctx: CollectContext) -> None:
        name = doc.get("name")
        if not isinstance(name, str) or not name:
            self._problem(ctx, ref, "endpoint spec has no 'name'")
            return
        attrs = {"name": name, "schema": schema, "defined_in": ref.path,
                 "kind": "batch" if schema_name(schema).startswith("batch") else "online"}
        for field in ("auth_mode", "public_network_access", "description"):
            if isinstance(doc.get(field), str):
                attrs[field] = short(doc[field])
        self._node(ctx, ref, "endpoint", f"azureml:{name}", attrs)

    def _deployment_spec(self, ref: FileRef, doc: dict, schema: str, ctx: CollectContext) -> None:
        attrs: dict = {"schema": schema, "kind": "batch" if "batch" in schema_name(schema) else "online"}
        for field in ("name", "endpoint_name", "instance_type", "compute", "type",
                      "egress_public_network_access"):
            if isinstance(doc.get(field), str):
                attrs[field] = doc[field]
        resources = doc.get("resources") if isinstance(doc.get("resources"), dict) else {}
        count = doc.get("instance_count", resources.get("instance_count"))   # batch: resources
        if isinstance(count, int) and not isinstance(count, bool):
            attrs["instance_count"] = count
        environment = doc.get("environment")
        if env_ref(environment):
            attrs["environment"] = env_ref(environment)
            if isinstance(environment, dict) and isinstance(environment.get("image"), str):
                attrs["environment_image"] = environment["image"]
        attrs.update(self._model_facts(doc.get("model"), ref))
        deployment = self._node(ctx, ref, "deployment", f"azureml:{ref.tree_key}/{ref.path}", attrs)
        endpoint_name = attrs.get("endpoint_name")
        if endpoint_name:
            endpoint = self._node(ctx, ref, "endpoint", f"azureml:{endpoint_name}",
                                  {"name": endpoint_name}, defined=False)
            ctx.graph.add_edge(endpoint, deployment, "contains")

    @staticmethod
    def _model_facts(model: Any, ref: FileRef) -> dict:
        """model (raw or "inline"), model_name/model_version/model_label for the serves linker."""
        if isinstance(model, str):
            facts: dict = {"model": clean_path(model)}
            asset = parse_asset_ref(model.strip(), _MODEL_URI)
            if asset:
                facts["model_name"] = asset.name
                facts["model_pinned"] = asset.pinned
                if asset.version:
                    facts["model_version"] = asset.version
                if asset.label or not asset.pinned:
                    facts["model_label"] = asset.label or "latest"
                if asset.registry:
                    facts["model_registry"] = asset.registry
            return facts
        if isinstance(model, dict):
            facts = {"model": "inline"}
            if isinstance(model.get("name"), str):
                facts["model_name"] = model["name"]
            if isinstance(model.get("version"), (str, int)) and not isinstance(model.get("version"), bool):
                facts["model_version"] = str(model["version"])
            if isinstance(model.get("path"), str):
                path = model["path"]
                facts["model_path"] = (clean_path(path) if is_url(path) or path.startswith("azureml:")
                                       else local_path(posixpath.dirname(ref.path), path))
            return facts
        return {}
