"""CycloneDX 1.6 ML-BOM of the estate: what models there are, what they were trained on and
how they were made, read from the graph (never re-collected).

- model versions (registry entries) and model files outside any registered version are
  `machine-learning-model` components; a version's artifact files are nested `file`
  components with their SHA-256. Each carries a model card: the datasets its training
  run read (by reference), and as properties the artifact format, whether loading it runs
  code, and its signature state (issue 11's model facts);
- datasets are `data` components; a model version depends on the data its run read;
- the commit a run was built from is a `vcs` external reference of the model version;
- `formulation` holds how things were made: per training run a workflow (inputs: commit
  and datasets; output: the model version), and per CI pipeline a workflow whose tasks
  are its jobs (task types from what each job does) with their `needs`.

The document is written as plain JSON in the shape of the CycloneDX 1.6 schema and checked
in the tests with cyclonedx-python-lib's strict 1.6 validator and the official schema. The
library's own object model is not used to write it: version 11 cannot express `modelCard`,
component `data` or `formulation` (CycloneDX/cyclonedx-python-lib#912, #913), and its
output path is quadratic in the number of components (Bom.validate registers every
component's dependency entry by a linear search): 2.6 s for a 1,000-version registry and
16.8 s for 3,000, where this writer takes 0.14 s and 0.37 s (bench/bench_bom.py). The serial number is derived from the graph digest
and no timestamp is written, so the same estate gives the same BOM byte for byte.
"""
from __future__ import annotations

import json
import re
import uuid

from .. import __version__

EXTENSIONS = (".cdx.json",)
REPLAYABLE = True       # the output is a function of the scan result alone (--cache replays it: scale/reports.py)

# CI job purposes (checker/collectors/ci/commands.py) → CycloneDX 1.6 task types, which
# name CI/CD activities: training builds a model, registering releases it.
TASK_TYPES = {"train": "build", "evaluate": "test", "test": "test", "register": "release",
              "deploy": "deploy", "provision": "deploy"}
_HEX = {"MD5": re.compile(r"^[0-9a-f]{32}$"), "SHA-256": re.compile(r"^[0-9a-f]{64}$")}


def render(result, stream, **_) -> None:
    """One top-level key per line and one component, dependency or formula per line, each
    compact: diffable, and written by the C encoder (indent= takes the pure-Python one,
    two thirds of the time for a 10,000-version registry)."""
    doc = document(result)
    parts = []
    for key, value in doc.items():
        if isinstance(value, list) and value:
            text = "[\n" + ",\n".join("  " + _compact(item) for item in value) + "\n ]"
        else:
            text = _compact(value)
        parts.append(f" {_compact(key)}: {text}")
    stream.write("{\n" + ",\n".join(parts) + "\n}\n")


def _compact(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def document(result) -> dict:
    """The BOM as a JSON document: the library's part, then the ML parts it cannot hold."""
    estate = _Estate(result)
    doc = _core(estate)
    extras = estate.extras()
    for comp in doc.get("components", []):
        comp.update(extras.get(comp["bom-ref"], {}))
    workflows = estate.training_workflows() + estate.ci_workflows()
    if workflows:
        doc["formulation"] = [{"bom-ref": "formulation:estate", "workflows": workflows}]
    return doc


def serial_number(digest: str) -> uuid.UUID:
    """The same graph, the same serial: a BOM describes one snapshot of the estate."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"urn:mlcheck:graph:{digest}")


class _Estate:
    """The graph's ML parts, with the bom-ref (the node id) of everything the BOM lists."""

    def __init__(self, result) -> None:
        self.result, self.graph = result, result.graph
        self.versions = sorted(nid for nid, _ in self.graph.nodes("model_version"))
        self.datasets = sorted(nid for nid, _ in self.graph.nodes("dataset"))
        in_versions = {f for v in self.versions for f in self.graph.out_edges(v, "contains")}
        self.loose_models = sorted(
            nid for nid, n in self.graph.nodes("file")
            if n["attrs"].get("model_format") and nid not in in_versions
            and not any(s in in_versions for s in n["attrs"].get("model_same_as") or []))
        self._version_datasets: dict[str, list[str]] = {}
        self.findings: dict[str, list[str]] = {}
        for f in result.findings:
            if f.status == "open":
                self.findings.setdefault(f.node, []).append(f"{f.rule_id} ({f.severity})")

    def attrs(self, nid: str) -> dict:
        return self.graph.node(nid)["attrs"]

    def runs(self, version: str) -> list[str]:
        return sorted(self.graph.out_edges(version, "produced_by"))

    def run_reads(self, run: str) -> list[str]:
        return sorted(set(self.graph.out_edges(run, "reads")))

    def run_commits(self, run: str) -> list[str]:
        return sorted(set(self.graph.out_edges(run, "built_from")))

    def version_datasets(self, version: str) -> list[str]:
        """The data the runs that produced `version` read (asked three times per version)."""
        if version not in self._version_datasets:
            self._version_datasets[version] = sorted({d for r in self.runs(version) for d in self.run_reads(r)})
        return self._version_datasets[version]

    # -- commits ------------------------------------------------------------------

    def commit_reference(self, commit: str) -> dict:
        a = self.attrs(commit)
        repo_id = f"repo:git:{a.get('repo', '')}"
        remote = self.attrs(repo_id).get("remote") if repo_id in self.graph else None
        url = (remote if "://" in remote else f"https://{remote}") if remote else a.get("repo") or commit
        return {"type": "vcs", "url": url, "comment": f"commit {a.get('sha', commit)}"
                + (f": {a['subject']}" if a.get("subject") else "")}

    # -- model cards and data ---------------------------------------------------------

    def extras(self) -> dict[str, dict]:
        """bom-ref → the fields cyclonedx-python-lib cannot serialise (modelCard, data)."""
        out = {v: {"modelCard": self.version_card(v)} for v in self.versions}
        out.update({f: {"modelCard": self.file_card(f)} for f in self.loose_models})
        out.update({d: {"data": [self.dataset_data(d)]} for d in self.datasets})
        return out

    def version_card(self, version: str) -> dict:
        a = self.attrs(version)
        props = [("mlcheck:artifacts", a.get("artifacts")),
                 ("mlcheck:artifacts_unknown_reason", a.get("artifacts_unknown_reason")),
                 *(("mlcheck:artifact_format", f) for f in a.get("artifact_formats") or []),
                 ("mlcheck:artifact_format_runs_code", a.get("artifact_formats_run_code")),
                 ("mlcheck:flavor", (a.get("mlmodel") or {}).get("flavor")),
                 ("mlcheck:signature", a.get("signature")),
                 *(("mlcheck:signature_file", s) for s in a.get("signature_files") or [])]
        card = {"modelParameters": {"datasets": [{"ref": d} for d in self.version_datasets(version)]}}
        if not card["modelParameters"]["datasets"]:
            del card["modelParameters"]
        return {**card, **_properties(props)}

    def file_card(self, nid: str) -> dict:
        a = self.attrs(nid)
        return _properties([("mlcheck:artifact_format", a.get("model_format")),
                            ("mlcheck:artifact_format_runs_code", a.get("model_format_runs_code")),
                            ("mlcheck:runs_code_on_load", a.get("model_runs_code_on_load")),
                            ("mlcheck:signature", a.get("model_signature")),
                            ("mlcheck:signature_reason", a.get("model_signature_reason"))])

    def dataset_data(self, nid: str) -> dict:
        a = self.attrs(nid)
        data = {"type": "dataset", "name": _dataset_name(a, nid)}
        url = a.get("source_uri") or a.get("reference")
        if isinstance(url, str) and url:
            data["contents"] = {"url": url}
        if a.get("pin_reason"):
            data["description"] = f"{'pinned' if a.get('pinned') else 'not pinned'}: {a['pin_reason']}"
        return data

    # -- formulation ------------------------------------------------------------------

    def training_workflows(self) -> list[dict]:
        """One workflow per run that produced a model version: commit and data in, model out."""
        produced: dict[str, list[str]] = {}
        for v in self.versions:
            for run in self.runs(v):
                produced.setdefault(run, []).append(v)
        flows = []
        for run in sorted(produced):
            a = self.attrs(run)
            inputs = [{"resource": {"externalReference": self.commit_reference(c)}} for c in self.run_commits(run)]
            inputs += [{"resource": {"ref": d}} for d in self.run_reads(run)]
            flow = {"bom-ref": run, "uid": run, "name": a.get("run_name") or a.get("run_id") or run,
                    "taskTypes": ["build"],
                    "outputs": [{"resource": {"ref": v}} for v in produced[run]],
                    **_properties([("mlcheck:source_name", a.get("source_name")),
                                   ("mlcheck:source_type", a.get("source_type")),
                                   ("mlcheck:git_commit", a.get("git_commit")),
                                   ("mlcheck:status", a.get("status"))])}
            if inputs:
                flow["inputs"] = inputs
            flows.append(flow)
        return flows

    def ci_workflows(self) -> list[dict]:
        """One workflow per CI pipeline; its jobs are tasks, `needs` their dependencies."""
        flows = []
        for pipe in sorted(nid for nid, n in self.graph.nodes("pipeline") if n["attrs"].get("system")):
            a = self.attrs(pipe)
            jobs = sorted(self.graph.out_edges(pipe, "contains"))
            tasks = [self.ci_task(j) for j in jobs]
            flow = {"bom-ref": pipe, "uid": pipe, "name": a.get("name") or a.get("path") or pipe,
                    "taskTypes": sorted({t for task in tasks for t in task["taskTypes"]}) or ["other"],
                    **_properties([("mlcheck:system", a.get("system")), ("mlcheck:path", a.get("path")),
                                   *(("mlcheck:trigger", t) for t in a.get("triggers") or [])])}
            if tasks:
                flow["tasks"] = tasks
            needs = [{"ref": j, "dependsOn": sorted(set(self.graph.out_edges(j, "needs")))}
                     for j in jobs if any(True for _ in self.graph.out_edges(j, "needs"))]
            if needs:
                flow["taskDependencies"] = needs
            flows.append(flow)
        return flows

    def ci_task(self, job: str) -> dict:
        a = self.attrs(job)
        purposes = [p.get("purpose") for p in a.get("purposes") or [] if isinstance(p, dict)]
        types = sorted({TASK_TYPES.get(p, "other") for p in purposes}) or ["other"]
        task = {"bom-ref": job, "uid": job, "name": a.get("name") or a.get("job_id") or job, "taskTypes": types}
        inputs = [{"resource": {"ref": d}} for d in sorted(set(self.graph.out_edges(job, "reads")))
                  if d in self.datasets_set]
        outputs = [{"resource": {"ref": d}} for d in sorted(set(self.graph.out_edges(job, "writes")))
                   if d in self.datasets_set]
        if inputs:
            task["inputs"] = inputs
        if outputs:
            task["outputs"] = outputs
        return {**task, **_properties([*(("mlcheck:purpose", p) for p in purposes),
                                       ("mlcheck:deployment", a.get("deployment"))])}

    @property
    def datasets_set(self) -> set[str]:
        if not hasattr(self, "_datasets_set"):
            self._datasets_set = set(self.datasets)
        return self._datasets_set


def _dataset_name(a: dict, nid: str) -> str:
    return str(a.get("name") or a.get("path") or a.get("reference") or nid)


def _properties(pairs) -> dict:
    """CycloneDX name/value properties, without the empty ones (values as text)."""
    props = [{"name": k, "value": v if isinstance(v, str) else json.dumps(v)}
             for k, v in pairs if v is not None and v != ""]
    return {"properties": props} if props else {}


def _core(estate: _Estate) -> dict:
    """Metadata, components (hashes, VCS references, nested artifact files) and
    dependencies, as the 1.6 JSON schema defines them."""
    def findings(nid: str) -> list:
        return [("mlcheck:finding", f) for f in estate.findings.get(nid, [])]

    components = []
    for d in estate.datasets:
        a = estate.attrs(d)
        version = a.get("version") or a.get("digest")
        components.append(_component("data", _dataset_name(a, d), d, version, hashes=_hashes("MD5", a.get("md5")),
                                     props=[("mlcheck:pinned", a.get("pinned")), ("mlcheck:store", a.get("store")),
                                            *findings(d)]))
    for v in estate.versions:
        a = estate.attrs(v)
        models = sorted(estate.graph.out_edges(v, "version_of"))
        description = estate.attrs(models[0]).get("description") if models else None
        files = [_component("file", estate.attrs(f).get("path") or f, f,
                            hashes=_hashes("SHA-256", estate.attrs(f).get("model_sha256")))
                 for f in sorted(set(estate.graph.out_edges(v, "contains")))]
        refs = [estate.commit_reference(c) for r in estate.runs(v) for c in estate.run_commits(r)]
        components.append(_component(
            "machine-learning-model", a.get("name") or v, v, a.get("version"),
            description=description if isinstance(description, str) else None, components=files,
            externalReferences=[dict(sorted(r.items())) for r in refs],
            props=[*(("mlcheck:alias", al) for al in a.get("aliases") or []),
                   ("mlcheck:source", a.get("source")),
                   ("mlcheck:stage", a.get("stage") if a.get("stage") != "None" else None), *findings(v)]))
    for f in estate.loose_models:
        a = estate.attrs(f)
        components.append(_component("machine-learning-model", a.get("path") or f, f,
                                     hashes=_hashes("SHA-256", a.get("model_sha256")), props=findings(f)))
    components.sort(key=lambda c: (c["type"], c["name"], c.get("version", ""), c["bom-ref"]))
    dependencies = [{"ref": v, "dependsOn": estate.version_datasets(v)} for v in estate.versions
                    if estate.version_datasets(v)]
    doc = {"$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json", "bomFormat": "CycloneDX",
           "specVersion": "1.6", "serialNumber": serial_number(estate.result.digest).urn, "version": 1,
           "metadata": {"tools": {"components": [{"type": "application", "bom-ref": "tool:mlcheck",
                                                  "name": "mlcheck", "version": __version__}]},
                        **_properties([("mlcheck:graph_digest", estate.result.digest),
                                       *(("mlcheck:source", s["source"]) for s in estate.graph.sources)])}}
    if components:
        doc["components"] = components
    if dependencies:
        doc["dependencies"] = dependencies
    return doc


def _component(kind: str, name, ref: str, version=None, hashes: list | None = None,
               props: list | None = None, **fields) -> dict:
    comp = {"type": kind, "bom-ref": ref, "name": str(name)}
    if version is not None:
        comp["version"] = str(version)
    comp.update({k: v for k, v in fields.items() if v})
    if hashes:
        comp["hashes"] = hashes
    comp.update(_properties(props or []))
    return comp


def _hashes(alg: str, value) -> list[dict]:
    """A hash as CycloneDX takes it; a value of another shape (a DVC folder's `….dir`) none."""
    return [{"alg": alg, "content": value}] if isinstance(value, str) and _HEX[alg].match(value) else []
