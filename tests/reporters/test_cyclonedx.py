"""CycloneDX 1.6 ML-BOM: valid against the 1.6 schema (the copy cyclonedx-python-lib bundles,
and the official one in ../shared/schemas/ where present), models with model cards that
reference their training data, datasets, commits as VCS references, the training runs and
CI pipelines under formulation; stable byte for byte."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.reporters.cyclonedx_report import serial_number
from checker.scan import ScanOptions, run_scan
from conftest import REPO_ROOT, make_repo, run_cli
from model_files import safetensors, sklearn_pickle
from .conftest import check_golden, rendered

SHARED_SCHEMAS = REPO_ROOT.parent.parent / "shared" / "schemas"     # /work/shared/schemas beside the worktrees
if not SHARED_SCHEMAS.is_dir():
    SHARED_SCHEMAS = REPO_ROOT.parent / "shared" / "schemas"


def bundled_validator():
    """The CycloneDX 1.6 JSON schema cyclonedx-python-lib ships, with the schemas it refers
    to, as the library's own validator registers them. Not through the library's validator:
    that needs its json-validation extra, whose jsonschema[format] pulls rfc3987-syntax, which
    compiles 39 grammars whenever jsonschema is imported (2 s added to every mlcheck run)."""
    import jsonschema
    import referencing
    from referencing.jsonschema import DRAFT7
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.schema._res import BOM_JSON, JSF, SPDX_JSON
    from cyclonedx.schema import _res
    def resource(path):
        return DRAFT7.create_resource(json.loads(Path(path).read_text(encoding="utf-8")))
    defs = Path(_res.__file__).parent / "cryptography-defs.SNAPSHOT.schema.json"
    registry = referencing.Registry().with_resources([
        ("http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json", resource(SPDX_JSON)),
        ("http://cyclonedx.org/schema/cryptography-defs.SNAPSHOT.schema.json", resource(defs)),
        ("http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json", resource(JSF))])
    schema = json.loads(Path(BOM_JSON[SchemaVersion.V1_6]).read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema, registry=registry, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def bom(result) -> dict:
    """The rendered BOM, after the 1.6 schema cyclonedx-python-lib bundles accepted it."""
    text = rendered("cyclonedx", result)
    doc = json.loads(text)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in bundled_validator().iter_errors(doc)]
    assert not errors, errors[:5]
    return doc


def refs(doc: dict) -> set[str]:
    """Every bom-ref the BOM defines: components (nested too) and formulation entries."""
    out = set()

    def walk(comps):
        for c in comps:
            out.add(c["bom-ref"])
            walk(c.get("components", []))
    walk(doc.get("components", []))
    for formula in doc.get("formulation", []):
        for flow in formula.get("workflows", []):
            out.add(flow["bom-ref"])
            out.update(t["bom-ref"] for t in flow.get("tasks", []))
    return out


def by_ref(doc: dict) -> dict[str, dict]:
    return {c["bom-ref"]: c for c in doc["components"]}


def props(entry: dict, name: str) -> list[str]:
    return [p["value"] for p in entry.get("properties", []) if p["name"] == name]


def test_sample_matches_golden_and_the_official_schema(sample_result):
    doc = bom(sample_result)
    check_golden("sample.cdx.json", json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    if not (SHARED_SCHEMAS / "bom-1.6.schema.json").is_file():
        pytest.skip(f"official CycloneDX schemas not found at {SHARED_SCHEMAS}")
    import jsonschema
    import referencing
    resources = [(f"http://cyclonedx.org/schema/{name}",
                  referencing.Resource.from_contents(json.loads((SHARED_SCHEMAS / name).read_text(encoding="utf-8"))))
                 for name in ("bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json")]
    schema = json.loads((SHARED_SCHEMAS / "bom-1.6.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema, registry=referencing.Registry().with_resources(resources))
    errors = [e.message for e in validator.iter_errors(doc)]
    assert not errors, errors[:3]


def test_same_estate_same_bom_serial_from_the_digest(sample_result):
    first, second = rendered("cyclonedx", sample_result), rendered("cyclonedx", sample_result)
    assert first == second
    doc = json.loads(first)
    assert doc["serialNumber"] == serial_number(sample_result.digest).urn
    assert "timestamp" not in doc["metadata"]
    assert {"name": "mlcheck:graph_digest", "value": sample_result.digest} in doc["metadata"]["properties"]


def test_every_model_version_is_a_model_with_its_card(sample_result):
    doc = bom(sample_result)
    comps, defined = by_ref(doc), refs(doc)
    versions = sorted(nid for nid, _ in sample_result.graph.nodes("model_version"))
    assert versions and all(comps[v]["type"] == "machine-learning-model" for v in versions)
    for v in versions:
        card = comps[v]["modelCard"]
        runs = list(sample_result.graph.out_edges(v, "produced_by"))
        read = {d for r in runs for d in sample_result.graph.out_edges(r, "reads")}
        listed = {d["ref"] for d in card.get("modelParameters", {}).get("datasets", [])}
        assert listed == read, v                      # the training data, by reference …
        assert listed <= defined and all(comps[d]["type"] == "data" for d in listed)   # … to data components
        assert props(card, "mlcheck:signature") == (
            [sample_result.graph.node(v)["attrs"]["signature"]] if "signature" in sample_result.graph.node(v)["attrs"]
            else [])
    dependencies = {d["ref"]: set(d.get("dependsOn", [])) for d in doc["dependencies"]}
    assert any(dependencies.get(v) for v in versions), "a model version depends on the data its run read"


def test_model_artifacts_carry_hash_format_and_signature_state(sample_result):
    comps = by_ref(bom(sample_result))
    signed = next(nid for nid, n in sample_result.graph.nodes("model_version")
                  if n["attrs"].get("signature") == "unverified")
    files = {f["bom-ref"]: f for f in comps[signed]["components"]}
    assert files, "a version's artifact files are nested in it"
    for fid, f in files.items():
        sha = sample_result.graph.node(fid)["attrs"].get("model_sha256")
        assert f["type"] == "file" and f["hashes"] == [{"alg": "SHA-256", "content": sha}]
    assert props(comps[signed]["modelCard"], "mlcheck:artifact_format") == ["safetensors"]
    pickled = next(nid for nid, n in sample_result.graph.nodes("model_version")
                   if "pickle" in (n["attrs"].get("artifact_formats") or []))
    assert props(comps[pickled]["modelCard"], "mlcheck:artifact_format_runs_code") == ["true"]
    assert props(comps[pickled]["modelCard"], "mlcheck:signature") == ["absent"]


def test_commits_are_vcs_references_and_runs_are_workflows(sample_result):
    doc = bom(sample_result)
    comps, graph = by_ref(doc), sample_result.graph
    built = [(v, c) for v, _ in graph.nodes("model_version") for r in graph.out_edges(v, "produced_by")
             for c in graph.out_edges(r, "built_from")]
    assert built
    for v, c in built:
        sha = graph.node(c)["attrs"]["sha"]
        vcs = [e for e in comps[v]["externalReferences"] if e["type"] == "vcs"]
        assert any(e["comment"].startswith(f"commit {sha}") and e["url"] == "https://github.com/contoso/churn"
                   for e in vcs), v
    unbuilt = [v for v, _ in graph.nodes("model_version")
               if not any(True for r in graph.out_edges(v, "produced_by") for _ in graph.out_edges(r, "built_from"))]
    assert unbuilt and all("externalReferences" not in comps[v] for v in unbuilt)
    flows = {f["bom-ref"]: f for f in doc["formulation"][0]["workflows"]}
    for v, c in built:
        run = next(graph.out_edges(v, "produced_by"))
        flow = flows[run]
        assert {"resource": {"ref": v}} in flow["outputs"] and flow["taskTypes"] == ["build"]
        assert any(i["resource"].get("externalReference", {}).get("comment", "").startswith(
            f"commit {graph.node(c)['attrs']['sha']}") for i in flow["inputs"])


def test_ci_pipelines_are_workflows_with_their_jobs_and_needs(sample_result):
    doc, graph = bom(sample_result), sample_result.graph
    flows = {f["bom-ref"]: f for f in doc["formulation"][0]["workflows"]}
    pipe = "pipeline:ci:git:repos/churn.git/.github/workflows/train-deploy.yml"
    tasks = {t["bom-ref"]: t for t in flows[pipe]["tasks"]}
    assert set(tasks) == set(graph.out_edges(pipe, "contains"))
    assert tasks[f"job:ci:git:repos/churn.git/.github/workflows/train-deploy.yml#train"]["taskTypes"] == ["build"]
    assert tasks[f"job:ci:git:repos/churn.git/.github/workflows/train-deploy.yml#unit-tests"]["taskTypes"] == ["test"]
    register = "job:ci:git:repos/churn.git/.github/workflows/train-deploy.yml#register"
    assert tasks[register]["taskTypes"] == ["release"]
    assert {"ref": register, "dependsOn": ["job:ci:git:repos/churn.git/.github/workflows/train-deploy.yml#train"]} \
        in flows[pipe]["taskDependencies"]


def test_model_files_in_a_repository_are_models_and_an_estate_without_models_has_none(tmp_path):
    repo = make_repo(tmp_path / "models", {"weights/model.safetensors": safetensors(),
                                          "legacy/model.pkl": sklearn_pickle(), "README.md": "models\n"})
    result = run_scan(ScanOptions(paths=[str(repo)]))
    comps = by_ref(bom(result))
    models = {nid: n["attrs"] for nid, n in result.graph.nodes("file") if n["attrs"].get("model_format")}
    assert len(models) == 2
    for nid, attrs in models.items():
        assert comps[nid]["type"] == "machine-learning-model"
        assert comps[nid]["hashes"] == [{"alg": "SHA-256", "content": attrs["model_sha256"]}]
        assert props(comps[nid]["modelCard"], "mlcheck:artifact_format") == [attrs["model_format"]]
        assert props(comps[nid]["modelCard"], "mlcheck:signature") == [attrs["model_signature"]]
    empty = make_repo(tmp_path / "plain", {"README.md": "nothing here\n"})
    doc = bom(run_scan(ScanOptions(paths=[str(empty)])))
    assert "components" not in doc and "formulation" not in doc


def test_cli_writes_the_bom_to_a_cdx_json_file(tmp_path):
    out = tmp_path / "estate.cdx.json"
    result = run_cli("scan", "samples/estate", "--format", "cyclonedx", "--output", str(out), cwd=REPO_ROOT)
    assert result.exit_code == 1, result.output               # the sample has high findings
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["bomFormat"] == "CycloneDX" and doc["specVersion"] == "1.6"
    mismatch = run_cli("scan", "samples/estate", "--format", "json", "--output", str(tmp_path / "x.cdx.json"),
                       cwd=REPO_ROOT)
    assert mismatch.exit_code == 2 and "--format cyclonedx --output" in mismatch.output
