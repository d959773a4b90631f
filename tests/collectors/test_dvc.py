"""DVC parser: real DVC project files (shapes from dvc.org's .dvc / dvc.yaml / dvc.lock /
config docs, DVC 3 `hash: md5` outs) in real git repositories, bare clones and folders."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml_mutations
from conftest import TEST_DATA, collect_graph, commit_files, git, make_repo, out_edges as edges, run_cli

from checker.collectors import dvc
from checker.collectors.dvc import DvcParser
from checker.graph import EstateGraph

DATA = TEST_DATA / "dvc"
T = "git:."      # the tree key of a repository scanned at its root


def dvc_repo(tmp_path: Path, fixture: str = "project", under: str = "") -> Path:
    """A git repository with one commit holding a copy of a fixture DVC project."""
    repo = tmp_path / "repo"
    shutil.copytree(DATA / fixture, repo / under if under else repo)
    make_repo(repo)
    commit_files(repo, {}, "DVC project")
    return repo




def attrs(graph: EstateGraph, nid: str) -> dict:
    assert nid in graph, f"{nid} not collected; have {sorted(n for n, _ in graph.nodes('dataset'))}"
    return graph.node(nid)["attrs"]


def dvc_datasets(graph: EstateGraph) -> dict[str, dict]:
    return {nid: d["attrs"] for nid, d in graph.nodes("dataset") if nid.startswith("dataset:dvc:")}


def head(repo: Path) -> str:
    return f"commit:{T}@{git(repo, 'rev-parse', 'HEAD')}"


# -- .dvc files -------------------------------------------------------------------

def test_dvc_file_directory_out_facts_and_edges(tmp_path):
    repo = dvc_repo(tmp_path)
    graph = collect_graph(repo)
    nid = f"dataset:dvc:{T}/data/raw"
    a = attrs(graph, nid)
    assert a == {"path": "data/raw", "md5": "3863d0e317dee0a55c4e59d2ec0eef33.dir", "hash": "md5",
                 "size": 14445097, "nfiles": 2, "is_dir": True, "cache": True, "push": True,
                 "persist": False, "declared_in": "dvc-file", "repo": f"repo:{T}",
                 "commit": head(repo), "store": "dvc"}
    assert edges(graph, nid, "tracked_by") == {f"file:{T}/data/raw.dvc"}
    assert nid in edges(graph, f"repo:{T}", "contains")


def test_dvc_file_push_false_and_wdir_and_out_remote(tmp_path):
    graph = collect_graph(dvc_repo(tmp_path))
    labels = attrs(graph, f"dataset:dvc:{T}/data/labels.csv")
    assert (labels["push"], labels["cache"], labels["is_dir"]) == (False, True, False)
    assert "remote" not in labels
    # artifacts/pretrained.dvc: `wdir: ../models` and `path: ./pretrained.pt`
    pretrained = attrs(graph, f"dataset:dvc:{T}/models/pretrained.pt")
    assert pretrained["path"] == "models/pretrained.pt"
    assert pretrained["remote"] == "models-store"
    assert edges(graph, f"dataset:dvc:{T}/models/pretrained.pt", "tracked_by") == {
        f"file:{T}/artifacts/pretrained.dvc"}
    assert not any(p.startswith("artifacts/") or ".." in p or "./" in p
                   for p in (a["path"] for a in dvc_datasets(graph).values()))


def test_import_dvc_file_records_its_source(tmp_path):
    graph = collect_graph(dvc_repo(tmp_path))
    a = attrs(graph, f"dataset:dvc:{T}/imports/data.xml")
    assert a["imported"] is True and a["frozen"] is True
    assert a["import_sources"] == [{
        "path": "get-started/data.xml", "repo_url": "https://github.com/iterative/dataset-registry",
        "rev_lock": "f31f5c4cdae787b4bdeb97a717687d44667d9e62"}]
    assert a["md5"] == "22a1a2931c8370d3aeedd7183606fd7f"


def test_pre_1_0_stage_file_is_a_job_not_an_import(tmp_path):
    graph = collect_graph(dvc_repo(tmp_path, fixture="legacy"))
    job = f"job:dvc:{T}/prepare.dvc"
    a = attrs(graph, job)
    assert a["cmd"] == "python src/prepare.py data/data.xml"
    assert (a["legacy_stage_file"], a["frozen"]) == (True, True)
    assert a["deps"] == ["src/prepare.py", "data/data.xml"] and a["outs"] == ["data/prepared"]
    assert edges(graph, job, "reads") == {f"dataset:dvc:{T}/data/data.xml"}
    assert edges(graph, job, "writes") == {f"dataset:dvc:{T}/data/prepared"}
    prepared = attrs(graph, f"dataset:dvc:{T}/data/prepared")
    assert prepared["is_dir"] is True and "imported" not in prepared


# -- dvc.yaml and dvc.lock --------------------------------------------------------

def test_stage_becomes_a_job_reading_data_and_writing_outs(tmp_path):
    graph = collect_graph(dvc_repo(tmp_path))
    job = f"job:dvc:{T}/dvc.yaml#prepare"
    a = attrs(graph, job)
    assert a["stage"] == "prepare" and a["cmd"] == "python src/prepare.py data/raw"
    assert a["deps"] == ["data/raw", "src/prepare.py"] and a["outs"] == ["data/prepared"]
    assert a["params"] == ["prepare.seed", "prepare.split"]
    assert a["frozen"] is False and a["locked"] is True
    assert a["dep_hashes"]["src/prepare.py"] == "f09ea0c15980b43010257ccb9f0055e2"
    # The .py dep is code: listed on the job, but no dataset node for it.
    assert edges(graph, job, "reads") == {f"dataset:dvc:{T}/data/raw"}
    assert f"dataset:dvc:{T}/src/prepare.py" not in graph
    assert edges(graph, job, "writes") == {f"dataset:dvc:{T}/data/prepared"}
    assert edges(graph, job, "defined_in") == {f"file:{T}/dvc.yaml"}
    params = attrs(graph, f"job:dvc:{T}/dvc.yaml#train")["params"]
    assert params == ["params.yaml:train.seed", "params.yaml:train.n_est"]


def test_dvc_yaml_out_and_lock_hash_merge_into_one_node(tmp_path):
    graph = collect_graph(dvc_repo(tmp_path))
    nid = f"dataset:dvc:{T}/models/model.pkl"
    a = attrs(graph, nid)
    assert a["remote"] == "models-store"                       # from dvc.yaml
    assert a["md5"] == "0b3b1b4c1e5fd8e7d6a7a0e7cb1e7c2a"       # from dvc.lock
    assert (a["size"], a["hash"], a["stage"], a["declared_in"]) == (3623, "md5", "train", "dvc.yaml")
    assert edges(graph, nid, "tracked_by") == {f"file:{T}/dvc.yaml", f"file:{T}/dvc.lock"}
    assert [n for n, d in dvc_datasets(graph).items() if d["path"] == "models/model.pkl"] == [nid]
    # Read by the expanded foreach stages, written by train.
    assert nid in edges(graph, f"job:dvc:{T}/dvc.yaml#evaluate@test", "reads")
    assert nid in edges(graph, f"job:dvc:{T}/dvc.yaml#train", "writes")


def test_stage_wdir_resolves_yaml_and_lock_paths_alike(tmp_path):
    graph = collect_graph(dvc_repo(tmp_path))
    job = f"job:dvc:{T}/dvc.yaml#featurize"
    a = attrs(graph, job)
    assert a["wdir"] == "src"
    assert a["deps"] == ["data/prepared", "src/featurize.py"] and a["outs"] == ["data/features"]
    assert a["dep_hashes"] == {"data/prepared": "153aad06d376b6595932470e459ef42a.dir",
                               "src/featurize.py": "e0265fc22f056a4b86d85c3056bc2894"}
    features = attrs(graph, f"dataset:dvc:{T}/data/features")
    assert features["md5"] == "f35d4cc2c552ac959ae602162b8543f3.dir"     # lock path ../data/features
    assert features["is_dir"] is True and features["stage"] == "featurize"
    assert edges(graph, job, "reads") == {f"dataset:dvc:{T}/data/prepared"}


def test_cache_push_persist_flags_and_metrics_and_plots(tmp_path):
    graph = collect_graph(dvc_repo(tmp_path))
    scratch = attrs(graph, f"dataset:dvc:{T}/models/scratch.bin")
    checkpoint = attrs(graph, f"dataset:dvc:{T}/models/checkpoint.bin")
    metrics = attrs(graph, f"dataset:dvc:{T}/eval/metrics.json")
    plots = attrs(graph, f"dataset:dvc:{T}/eval/plots")
    assert (scratch["cache"], scratch["push"], scratch["persist"]) == (False, True, False)
    assert (checkpoint["cache"], checkpoint["push"], checkpoint["persist"]) == (True, False, True)
    assert (metrics["cache"], metrics["out_kind"]) == (False, "metric")
    assert (plots["out_kind"], plots["is_dir"], plots["nfiles"]) == ("plot", True, 3)
    train = attrs(graph, f"job:dvc:{T}/dvc.yaml#train")
    assert train["metrics"] == ["eval/metrics.json"] and train["plots"] == ["eval/plots"]


def test_foreach_stage_is_recorded_not_expanded(tmp_path):
    graph = collect_graph(dvc_repo(tmp_path))
    group = attrs(graph, f"job:dvc:{T}/dvc.yaml#evaluate")
    assert (group["template"], group["template_items"]) == ("foreach", 2)
    assert "${item}" in group["cmd"]
    assert not edges(graph, f"job:dvc:{T}/dvc.yaml#evaluate", "writes")
    assert not any("${" in nid for nid, _ in graph.nodes())
    # dvc.lock holds the expansions DVC ran.
    expanded = attrs(graph, f"job:dvc:{T}/dvc.yaml#evaluate@val")
    assert expanded["template_group"] == "evaluate" and expanded["declared_in"] == "dvc.lock"
    assert expanded["cmd"] == "python src/evaluate.py models/model.pkl val"
    out = attrs(graph, f"dataset:dvc:{T}/eval/val.json")
    assert (out["declared_in"], out["stage"], out["cache"]) == ("dvc.lock", "evaluate@val", True)


def test_untracked_lock_met_after_its_dvc_yaml_merges_the_same(tmp_path):
    repo = dvc_repo(tmp_path)
    git(repo, "rm", "-q", "--cached", "dvc.lock")       # dvc.lock stays in the work tree only
    git(repo, "commit", "-q", "-m", "stop tracking the lock")
    graph = collect_graph(repo)
    a = attrs(graph, f"dataset:dvc:{T}/data/features")
    assert a["md5"] == "f35d4cc2c552ac959ae602162b8543f3.dir" and a["commit"] == head(repo)
    assert attrs(graph, f"dataset:dvc:{T}/models/model.pkl")["remote"] == "models-store"
    lock_only = attrs(graph, f"dataset:dvc:{T}/eval/test.json")
    assert "commit" not in lock_only                      # the untracked lock is no commit's content
    assert graph.node(f"file:{T}/dvc.lock")["attrs"]["dvc_lock_stages"] == [
        "evaluate@test", "evaluate@val", "featurize", "prepare", "train"]


def test_project_in_a_subdirectory_keys_paths_from_the_repo_root(tmp_path):
    graph = collect_graph(dvc_repo(tmp_path, under="ml"))
    assert attrs(graph, f"dataset:dvc:{T}/ml/models/pretrained.pt")["remote"] == "models-store"
    assert attrs(graph, f"dataset:dvc:{T}/ml/data/features")["md5"].endswith(".dir")
    assert attrs(graph, f"job:dvc:{T}/ml/dvc.yaml#featurize")["deps"][0] == "ml/data/prepared"
    assert graph.node(f"repo:{T}")["attrs"]["dvc_default_remote"] == "storage"


def test_plain_folder_uses_its_own_tree_key(tmp_path):
    folder = tmp_path / "folder"
    shutil.copytree(DATA / "project", folder)
    graph = collect_graph(folder)
    a = attrs(graph, "dataset:dvc:fs:./data/raw")
    assert a["repo"] == "repo:fs:." and "commit" not in a
    assert attrs(graph, "dataset:dvc:fs:./models/model.pkl")["md5"] == "0b3b1b4c1e5fd8e7d6a7a0e7cb1e7c2a"


# -- .dvc/config ------------------------------------------------------------------

def test_config_remotes_and_default_on_the_repo_node(tmp_path):
    graph = collect_graph(dvc_repo(tmp_path))
    repo = attrs(graph, f"repo:{T}")
    assert repo["dvc_remotes"] == {"storage": "s3://contoso-ml/dvcstore",
                                   "models-store": "azure://models/churn"}
    assert repo["dvc_default_remote"] == "storage"
    assert "dvc_config_credentials" not in repo


def test_config_credentials_are_named_never_stored(tmp_path):
    creds = DATA / "credentials"
    repo = make_repo(tmp_path / "repo", {
        ".dvc/config": (creds / "config").read_text(),
        ".dvc/config.local": (creds / "config.local").read_text(),
        "data.csv.dvc": "outs:\n- md5: a304afb96060aad90176268345e10355\n  size: 10\n  hash: md5\n"
                        "  path: data.csv\n"})
    snapshot = tmp_path / "graph.json"
    result = run_cli("scan", str(repo), "--no-builtin", "--snapshot-out", str(snapshot),
                     "--format", "json", "--output", str(tmp_path / "report.json"))
    assert result.exit_code == 0, result.output
    doc = json.loads(snapshot.read_text())
    repo_attrs = doc["nodes"][f"repo:{T}"]["attrs"]
    assert repo_attrs["dvc_remotes"] == {"minio": "s3://datasets/dvc",
                                         "webdav": "https://dav.example.com/dvc",
                                         "azblob": "azure://container/path"}
    assert repo_attrs["dvc_default_remote"] == "minio"
    assert repo_attrs["dvc_config_credentials"] == [
        "remote.azblob.connection_string", "remote.minio.access_key_id",
        "remote.minio.secret_access_key", "remote.webdav.url"]
    text = snapshot.read_text()
    for secret in ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI", "hunter2", "abc123", "ZXhhbXBsZQ=="):
        assert secret not in text


# -- bare repositories ------------------------------------------------------------

def test_bare_clone_gives_the_same_dvc_nodes_and_edges(tmp_path):
    repo = dvc_repo(tmp_path)
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    work, from_bare = collect_graph(repo), collect_graph(bare)

    def dvc_facts(graph: EstateGraph):
        nodes = {nid: d["attrs"] for nid, d in graph.nodes() if ":dvc:" in nid}
        links = sorted((s, t, d["kind"]) for s, t, d in graph.g.edges(data=True)
                       if s in nodes or t in nodes)
        remotes = graph.node(f"repo:{T}")["attrs"]["dvc_remotes"]
        return nodes, links, remotes

    assert len(dvc_facts(work)[0]) >= 15
    assert dvc_facts(from_bare) == dvc_facts(work)
    assert graph_attrs_bare(from_bare) and not graph_attrs_bare(work)


def graph_attrs_bare(graph: EstateGraph) -> bool:
    return graph.node(f"repo:{T}")["attrs"]["bare"]


# -- bad input ----------------------------------------------------------------------

def test_malformed_dvc_yaml_exits_3_with_file_and_line(tmp_path):
    repo = make_repo(tmp_path / "repo", {
        "dvc.yaml": (DATA / "malformed" / "dvc.yaml").read_text(),
        "data/raw.dvc": (DATA / "project" / "data" / "raw.dvc").read_text()})
    snapshot = tmp_path / "graph.json"
    result = run_cli("scan", str(repo), "--no-builtin", "--snapshot-out", str(snapshot),
                     "--format", "json", "--output", str(tmp_path / "report.json"))
    assert result.exit_code == 3, result.output
    report = json.loads((tmp_path / "report.json").read_text())
    errors = [e for e in report["collection_errors"] if e["collector"] == "dvc"]
    assert len(errors) == 1
    assert errors[0]["source"].endswith("/dvc.yaml") and errors[0]["line"] == 7
    assert "flow sequence" in errors[0]["reason"]
    # The rest of the repository was still collected.
    assert f"dataset:dvc:{T}/data/raw" in json.loads(snapshot.read_text())["nodes"]


def test_odd_shapes_keep_what_is_well_formed(tmp_path):
    repo = make_repo(tmp_path / "repo", {
        "odd.dvc": (DATA / "malformed" / "odd.dvc").read_text(),
        ".dvc/config": (DATA / "malformed" / "config").read_text(),
        "dvc.yaml": "stages:\n  broken: just a string\n  ok:\n    cmd: python make.py\n"
                    "    outs: data.csv\n",
        "dvc.lock": "schema: '2.0'\nstages: [not, a, mapping]\n"})
    graph = collect_graph(repo)
    reasons = sorted((e.source.rsplit("/", 1)[-1], e.reason, e.line) for e in graph.errors)
    assert reasons == [
        ("config", "invalid DVC config: option outside any [section]", 1),
        ("dvc.lock", "stages: expected a mapping, found a list", 2),
        ("dvc.yaml", "stages.broken: expected a mapping, found a string", 2),
        ("dvc.yaml", "stages.ok.outs: expected a list, found a string", 5),
        ("odd.dvc", "outs[0]: expected a mapping, found a string", 2),
        ("odd.dvc", "outs[1].cache: expected true or false, found a string", 5),
    ]
    good = attrs(graph, f"dataset:dvc:{T}/good.csv")
    assert (good["md5"], good["cache"]) == ("0b3b1b4c1e5fd8e7d6a7a0e7cb1e7c2a", True)
    assert attrs(graph, f"job:dvc:{T}/dvc.yaml#ok")["outs"] == []
    assert "dvc_remotes" not in attrs(graph, f"repo:{T}")


def test_non_dvc_config_and_empty_files_record_nothing_and_raise_nothing(tmp_path):
    repo = make_repo(tmp_path / "repo", {
        "empty.dvc": "", "dvc.yaml": "# only top-level plots\nplots:\n- eval/roc.json\n",
        "settings/config": "[core]\nremote = not-dvc\n"})
    graph = collect_graph(repo)
    assert [(e.source, e.reason) for e in graph.errors] == [
        ("repo/empty.dvc", "empty .dvc file: no 'outs'")]
    assert not dvc_datasets(graph)
    assert "dvc_remotes" not in attrs(graph, f"repo:{T}")


# -- every shape DVC writes ------------------------------------------------------------

def test_command_lists_matrix_stages_and_whole_file_params(tmp_path):
    graph = collect_graph(dvc_repo(tmp_path, fixture="shapes"))
    fetch = attrs(graph, f"job:dvc:{T}/dvc.yaml#fetch")
    assert fetch["cmd"] == "mkdir -p data/raw\npython src/fetch.py --out data/raw"
    assert (fetch["always_changed"], fetch["locked"]) == (True, True)
    assert attrs(graph, f"dataset:dvc:{T}/data/raw")["persist"] is True
    train = attrs(graph, f"job:dvc:{T}/dvc.yaml#train")
    assert (train["template"], train["template_items"], train["frozen"]) == ("matrix", 2, False)
    assert attrs(graph, f"job:dvc:{T}/dvc.yaml#train@cnn-feature1")["template_group"] == "train"
    report = attrs(graph, f"job:dvc:{T}/dvc.yaml#report")
    assert (report["params"], report["frozen"]) == (["report.yaml"], True)
    assert attrs(graph, f"dataset:dvc:{T}/reports/summary.md")["cache"] is False


def test_import_url_and_registry_revisions(tmp_path):
    graph = collect_graph(dvc_repo(tmp_path, fixture="shapes"))
    events = attrs(graph, f"dataset:dvc:{T}/data/events.csv")
    assert events["import_sources"] == [{
        "path": "s3://contoso-ml/raw/events.csv", "etag": '"8d1f0a6e2c4b3a5d7e9f1a2b3c4d5e6f"',
        "md5": '"8d1f0a6e2c4b3a5d7e9f1a2b3c4d5e6f"', "version_id": "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"}]
    registry = attrs(graph, f"dataset:dvc:{T}/data/registry.xml")
    assert (registry["import_sources"][0]["rev"], registry["frozen"]) == ("v3", True)
    archive = attrs(graph, f"dataset:dvc:{T}/data/archive.tar")
    assert (archive["md5"], archive["hash"]) == ("7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29", "checksum")


# -- wrong shapes: every field read, every wrong type ------------------------------------

@pytest.mark.parametrize("fixture", ["project", "shapes", "legacy"])
def test_every_wrong_type_is_one_error_with_its_field_and_line(fixture):
    """Each field the parser reads in these real-shaped DVC files, given each type DVC's
    schema does not allow there (list, mapping, string, number, boolean, null), is exactly
    one collection error naming the file, the field and the line (see yaml_mutations)."""
    folder = DATA / fixture
    cases = yaml_mutations.cases(folder, yaml_mutations.record_reads(DvcParser, folder, dvc))
    assert len(cases) > 50
    failures = [f for case in cases if (f := yaml_mutations.run_case(DvcParser, folder, case))]
    assert not failures, "\n".join(failures[:20])


def test_a_wrong_field_costs_only_itself(tmp_path):
    repo = dvc_repo(tmp_path)
    text = (repo / "dvc.yaml").read_text().replace("    - data/labels.csv\n", "    - {data/labels.csv: 2}\n")
    text = text.replace("    cmd: python src/train.py data/features models/model.pkl\n",
                        "    cmd: [[python src/train.py, data/features, models/model.pkl]]\n")
    commit_files(repo, {"dvc.yaml": text}, "break two fields of one stage")
    graph = collect_graph(repo)
    assert sorted((e.reason, e.line) for e in graph.errors) == [
        ("stages.train.cmd[0]: expected a string, found a list", 23),
        ("stages.train.deps[1].data/labels.csv: expected a mapping, found a number (2)", 26)]
    train = attrs(graph, f"job:dvc:{T}/dvc.yaml#train")
    assert train["deps"] == ["data/features", "data/labels.csv", "src/train.py"]
    assert train["outs"] == ["models/model.pkl", "models/scratch.bin", "models/checkpoint.bin"]
    assert train["cmd"] == "python src/train.py data/features models/model.pkl"   # from dvc.lock
    assert attrs(graph, f"dataset:dvc:{T}/models/model.pkl")["remote"] == "models-store"


@pytest.mark.parametrize("files, problem", [
    ({"data.dvc": "md5: 0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d\nwdir: .\n"},
     ("data.dvc", "outs: missing; a .dvc file needs outs", 1)),
    ({"data.dvc": "outs:\n- md5: 0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d\n  size: 3\n"},
     ("data.dvc", "outs[0].path: missing; every entry needs a path", 2)),
    ({"dvc.yaml": "stages:\n  a:\n    cmd: x\n    outs:\n    - {one: {}, two: {}}\n"},
     ("dvc.yaml", "stages.a.outs[0]: expected `path` or `path: {options}`", 5)),
    ({"dvc.yaml": "- stages\n"}, ("dvc.yaml", "expected a mapping at the top level, found a list", 1)),
])
def test_shape_problems_outside_fields(tmp_path, files, problem):
    graph = collect_graph(make_repo(tmp_path / "repo", files))
    assert [(e.source.rsplit("/", 1)[-1], e.reason, e.line) for e in graph.errors] == [problem]


# -- templates and recursion ------------------------------------------------------------

def test_template_dvc_yaml_is_recorded_not_evaluated(tmp_path):
    repo = dvc_repo(tmp_path, fixture="templates")
    result = run_cli("scan", str(repo), "--no-builtin", "--format", "json", "--output", str(tmp_path / "r.json"))
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "r.json").read_text())["collection_errors"] == []
    graph = collect_graph(repo)
    file = attrs(graph, f"file:{T}/dvc.yaml")
    assert (file["template"], file["not_evaluated"]) == (
        True, "a template: {{cookiecutter.raw_data_dir}} on line 6 is not YAML until rendered; not evaluated")
    assert not dvc_datasets(graph) and not list(graph.nodes("job"))


def test_broken_dvc_yaml_is_still_an_error(tmp_path):
    repo = make_repo(tmp_path / "repo", {"dvc.yaml": "# {{cookiecutter.name}}\nstages:\n  a:\n    cmd: [x\n"})
    graph = collect_graph(repo)
    assert [(e.reason, e.line) for e in graph.errors] == [
        ("invalid YAML: while parsing a flow sequence did not find expected ',' or ']'", 5)]
    assert "template" not in attrs(graph, f"file:{T}/dvc.yaml")


def test_recursive_alias_is_refused_and_the_rest_collected(tmp_path):
    repo = dvc_repo(tmp_path)
    commit_files(repo, {"loop/dvc.yaml": "stages: &stages\n  train:\n    cmd: python t.py\n    deps:\n"
                                         "    - *stages\n"}, "a recursive alias")
    out = tmp_path / "report.json"
    result = run_cli("scan", str(repo), "--no-builtin", "--format", "json", "--output", str(out),
                     "--snapshot-out", str(tmp_path / "graph.json"))
    assert result.exit_code == 3, result.output
    errors = json.loads(out.read_text())["collection_errors"]
    assert [(e["source"].rsplit("/", 2)[-2:], e["reason"], e["line"]) for e in errors] == [
        (["loop", "dvc.yaml"], "invalid YAML: a recursive alias: an alias sits inside the value its "
                               "anchor names; refused", 5)]
    assert f"job:dvc:{T}/dvc.yaml#train" in json.loads((tmp_path / "graph.json").read_text())["nodes"]


# -- what DVC itself refuses -----------------------------------------------------------

OUT = "outs:\n- md5: a304afb96060aad90176268345e10355\n  size: 37891850\n  hash: md5\n  path: data.xml\n"


@pytest.mark.parametrize("file, text, line", [
    ("data.xml.dvc", OUT + "outs: []\n", 6),
    ("dvc.yaml", "stages:\n  train:\n    cmd: python train.py\n    cmd: python other.py\n", 4),
    ("dvc.yaml", "stages:\n  train:\n    cmd: a\n  train:\n    cmd: b\n", 4),
])
def test_a_key_given_twice_is_one_error_with_its_line(tmp_path, file, text, line):
    graph = collect_graph(make_repo(tmp_path / "repo", {file: text}))
    assert [(e.line, e.reason.split(" (")[0]) for e in graph.errors] == [
        (line, f"invalid YAML: key {text.splitlines()[line - 1].split(':')[0].strip()!r} is given twice")]


def test_keys_given_once_in_each_mapping_are_fine(tmp_path):
    text = "stages:\n  prep:\n    cmd: a\n    outs: [p]\n  train:\n    cmd: b\n    outs: [t]\n"
    graph = collect_graph(make_repo(tmp_path / "repo", {"dvc.yaml": text}))
    assert graph.errors == [] and f"job:dvc:{T}/dvc.yaml#train" in graph


@pytest.mark.parametrize("value, md5", [
    ("'a304afb96060aad90176268345e10355'", "a304afb96060aad90176268345e10355"),
    ("123456789", "123456789"),          # an all-digit hash written unquoted: DVC takes it
    ("''", None), ("null", None),        # none
])
def test_hashes_dvc_accepts(tmp_path, value, md5):
    text = OUT.replace("a304afb96060aad90176268345e10355", value)
    graph = collect_graph(make_repo(tmp_path / "repo", {"data.xml.dvc": text}))
    assert graph.errors == []
    assert attrs(graph, f"dataset:dvc:{T}/data.xml").get("md5") == md5


@pytest.mark.parametrize("value, found", [("5", "a number (5)"), ("'ab'", "a string"), ("1.5", "a number (1.5)")])
def test_hashes_dvc_refuses(tmp_path, value, found):
    text = OUT.replace("a304afb96060aad90176268345e10355", value)
    graph = collect_graph(make_repo(tmp_path / "repo", {"data.xml.dvc": text}))
    expected = "a string or an integer" if "." in value else "a hash of at least 3 characters"
    assert [(e.reason, e.line) for e in graph.errors] == [(f"outs[0].md5: expected {expected}, found {found}", 2)]
    a = attrs(graph, f"dataset:dvc:{T}/data.xml")        # the rest of the out is kept
    assert "md5" not in a and a["size"] == 37891850


def test_a_size_past_4300_digits_names_its_line(tmp_path):
    text = OUT.replace("37891850", "9" * 5000)
    graph = collect_graph(make_repo(tmp_path / "repo", {"data.xml.dvc": text}))
    assert [(e.reason, e.line) for e in graph.errors] == [
        ("invalid YAML: an integer of 5000 digits, past the 4300-digit limit", 3)]


CONFIG = "[core]\n    remote = storage\n['remote \"storage\"']\n    url = s3://dvc-bucket/project\n"


@pytest.mark.parametrize("text, reason, line", [
    (CONFIG + "['remote \"storage\"']\n    url = s3://other/x\n",
     "invalid DVC config: section remote.storage is given twice", 5),
    (CONFIG.replace("remote = storage\n", "remote = storage\n    remote = other\n"),
     "invalid DVC config: option remote of core is given twice", 3),
])
def test_config_sections_and_options_given_twice(tmp_path, text, reason, line):
    graph = collect_graph(make_repo(tmp_path / "repo", {".dvc/config": text}))
    assert [(e.reason, e.line) for e in graph.errors] == [(reason, line)]
    assert "dvc_remotes" not in attrs(graph, f"repo:{T}")


def test_config_with_a_bom_is_read(tmp_path):
    graph = collect_graph(make_repo(tmp_path / "repo", {".dvc/config": b"\xef\xbb\xbf" + CONFIG.encode(),
                                                       "sub/.dvc/config": CONFIG + "[cache]\n    dir = c\n"}))
    assert graph.errors == []
    repo = attrs(graph, f"repo:{T}")
    assert (repo["dvc_remotes"], repo["dvc_default_remote"]) == ({"storage": "s3://dvc-bucket/project"}, "storage")
