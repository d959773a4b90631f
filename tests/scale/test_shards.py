"""Collect and merge as separate steps (issue 13, part 1): `mlcheck collect` shards merged by
`mlcheck scan --from-snapshot …` give what one scan gives; conflicts are reported."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.scale.share import parse_shard, pick_share, share_of
from checker.scale.shards import pending_digest
from checker.collectors import Source
from conftest import REPO_ROOT, commit_files, make_repo, notebook, run_cli
from pipelines.test_cross_repository import _app, _templates

SAMPLE = "samples/estate"


def scan_report(tmp_path: Path, name: str, *args: str) -> tuple[int, dict, dict]:
    """`mlcheck scan ARGS` from the repository root: (exit code, JSON report, snapshot)."""
    out, snap = tmp_path / f"{name}.json", tmp_path / f"{name}.snapshot.json"
    result = run_cli("scan", *args, "--format", "json", "--output", str(out), "--snapshot-out", str(snap),
                     cwd=REPO_ROOT)
    return result.exit_code, json.loads(out.read_text()), json.loads(snap.read_text())


def collect(tmp_path: Path, name: str, *args: str, cwd: Path = REPO_ROOT):
    shard = tmp_path / f"{name}.json"
    result = run_cli("collect", *args, "--snapshot-out", str(shard), cwd=cwd)
    return result, shard


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("single")
    return scan_report(tmp, "single", SAMPLE)


def same_scan(a: tuple, b: tuple) -> None:
    """Equal findings, graph digests, sources and collection errors (collected_at aside)."""
    (code_a, report_a, snap_a), (code_b, report_b, snap_b) = a, b
    assert code_a == code_b
    assert report_a["graph_digest"] == report_b["graph_digest"] == snap_a["digest"] == snap_b["digest"]
    assert report_a["findings"] == report_b["findings"]
    assert report_a["sources"] == report_b["sources"]
    assert report_a["collection_errors"] == report_b["collection_errors"]
    assert snap_a["nodes"].keys() == snap_b["nodes"].keys()


def test_shards_split_by_source_merge_into_the_single_scan(tmp_path, single):
    # One shard per source (the sample holds a folder, a bare git repository and an MLflow
    # store), given to the merge in reverse: the merge replays them in source order.
    code, _, snap = single
    assert {s["kind"] for s in snap["sources"]} == {"folder", "git", "mlflow"}
    n = 3
    shards = []
    for i in range(1, n + 1):
        result, shard = collect(tmp_path, f"shard{i}", SAMPLE, "--shard", f"{i}/{n}")
        assert result.exit_code == 0, result.output
        shards.append(shard)
    held = [len(json.loads(s.read_text())["sources"]) for s in shards]
    assert sum(held) == 3 and max(held) < 3      # a real split: no shard holds every source
    args = [a for s in reversed(shards) for a in ("--from-snapshot", str(s))]
    merged = scan_report(tmp_path, "merged", *args)
    same_scan(single, merged)
    assert merged[1]["summary"]["collection_errors"] == 0 and code == 1 and len(merged[1]["findings"]) > 50


def test_one_shard_is_linked_and_judged_like_a_scan(tmp_path, single):
    result, shard = collect(tmp_path, "all", SAMPLE)
    assert result.exit_code == 0
    doc = json.loads(shard.read_text())
    assert doc["stage"] == "collected" and [s["position"] for s in doc["segments"]] == [0, 1, 2]
    # Not linked: no run → commit edge yet (the sample's runs are built from its repository).
    assert not [e for e in doc["edges"] if e["kind"] == "built_from"]
    replayed = scan_report(tmp_path, "replayed", "--from-snapshot", str(shard))
    same_scan(single, replayed)
    assert [e for e in replayed[2]["edges"] if e["kind"] == "built_from"]


def test_a_node_with_different_facts_in_two_shards_is_a_conflict_never_overwritten(tmp_path):
    # The same repository collected before and after a change (a stale shard in a CI merge):
    # the file node holds a different size; the first shard's value stays and both are named.
    repo = make_repo(tmp_path / "estate" / "churn", {"train.ipynb": notebook(cells=1)})
    first, shard1 = collect(tmp_path, "before", "churn", cwd=tmp_path / "estate")
    commit_files(repo, {"train.ipynb": notebook(cells=3)})
    second, shard2 = collect(tmp_path, "after", "churn", cwd=tmp_path / "estate")
    assert first.exit_code == second.exit_code == 0
    out = tmp_path / "merged.json"
    result = run_cli("scan", "--from-snapshot", str(shard1), "--from-snapshot", str(shard2),
                     "--format", "json", "--output", str(out), "--snapshot-out", str(tmp_path / "m.snap"))
    assert result.exit_code == 3, result.output
    report = json.loads(out.read_text())
    conflicts = [e for e in report["collection_errors"] if e["collector"] == "merge"]
    nb = "file:git:./train.ipynb"     # the scanned path is the repository: label "."
    mine = [e for e in conflicts if e["source"] == nb]
    assert len(mine) == 1 and "size" in mine[0]["reason"]
    assert "churn/train.ipynb (git) (kept)" in mine[0]["reason"] and str(shard2) in mine[0]["reason"]
    before = json.loads(shard1.read_text())["nodes"][nb]["attrs"]
    merged = json.loads((tmp_path / "m.snap").read_text())
    assert merged["nodes"][nb]["attrs"]["size"] == before["size"]
    assert any(e["collector"] == "merge" for e in merged["collection_errors"])
    # Every output names it, the console included.
    console = run_cli("scan", "--from-snapshot", str(shard1), "--from-snapshot", str(shard2))
    assert "merge conflict" in console.output


def test_merging_a_linked_snapshot_or_a_changed_shard_is_a_usage_error(tmp_path):
    linked = tmp_path / "linked.json"
    assert run_cli("scan", SAMPLE, "--snapshot-out", str(linked), "--format", "json",
                   "--output", str(tmp_path / "r.json"), cwd=REPO_ROOT).exit_code == 1
    _, shard = collect(tmp_path, "shard", SAMPLE)
    mixed = run_cli("scan", "--from-snapshot", str(linked), "--from-snapshot", str(shard))
    assert mixed.exit_code == 2 and "saved after linking" in mixed.output
    doc = json.loads(shard.read_text())
    nid = next(iter(doc["nodes"]))
    doc["nodes"][nid]["attrs"]["edited"] = True
    shard.write_text(json.dumps(doc))
    changed = run_cli("scan", "--from-snapshot", str(shard))
    assert changed.exit_code == 2 and "does not match its digest" in changed.output
    # A linked snapshot alone replays as before (its linkers are not run twice).
    assert run_cli("scan", "--from-snapshot", str(linked)).exit_code == 1
    both = run_cli("scan", "--from-snapshot", str(linked), "--cache", str(tmp_path / "cache"))
    assert both.exit_code == 2 and "choose one" in both.output


def test_a_repository_the_merging_machine_cannot_reach_is_named(tmp_path):
    repo = make_repo(tmp_path / "estate" / "churn", {"train.py": "print(1)\n"})
    _, shard = collect(tmp_path, "shard", "churn", cwd=tmp_path / "estate")
    (repo / ".git").rename(repo / "moved.git")           # gone from where the shard saw it
    out = tmp_path / "r.json"
    result = run_cli("scan", "--from-snapshot", str(shard), "--format", "json", "--output", str(out))
    assert result.exit_code == 3
    errors = json.loads(out.read_text())["collection_errors"]
    assert [e["source"] for e in errors] == ["repo:git:."]
    assert "not reachable from the merging machine" in errors[0]["reason"]


def test_a_template_in_another_repository_is_expanded_when_its_shards_meet(tmp_path):
    # Issue 10's cross-repository Azure template (`path@alias`), its two repositories
    # collected apart (one shard each, or each from the cache): the merge reads the
    # template in the other repository as one scan of both does.
    estate = tmp_path / "estate"
    _app(estate), _templates(estate)
    single = scan_report(tmp_path, "single", str(estate))
    train = "job:ci:git:app/.azuredevops/pipeline.yml#Train.train"
    assert single[2]["nodes"][train]["attrs"]["uses"]["resolved"] == "jobs/train.yml@templates"
    shards = [collect(tmp_path, f"shard{i}", str(estate), "--shard", f"{i}/2")[1] for i in (1, 2)]
    held = [{s["source"] for s in json.loads(shard.read_text())["sources"]} for shard in shards]
    assert {"estate/app", "estate/templates"} not in [h & {"estate/app", "estate/templates"} for h in held]
    merged = scan_report(tmp_path, "merged", *[a for s in shards for a in ("--from-snapshot", str(s))])
    same_scan(single, merged)
    # A shard carries what the merge needs, cleaned; saved alone it has not read the other side.
    segments = {s["source"]["source"]: s for shard in shards for s in json.loads(shard.read_text())["segments"]}
    pending = segments["estate/app"]["pending"]["azure_pipelines"]
    assert [w[1] for w in pending["waiting"]] == [".azuredevops/pipeline.yml"]
    assert sorted(segments["estate/templates"]["pending"]["azure_pipelines"]["trees"]["repo:git:templates"]["files"]) == \
        ["jobs/train.yml", "steps/deploy.yml", "steps/login.yml"]
    assert "pending" not in segments["estate"]      # the folder holds no YAML of its own
    for name in ("cold", "warm"):                    # collected into the cache, then from it
        cached = scan_report(tmp_path, name, str(estate), "--cache", str(tmp_path / "cache"))
        same_scan(single, cached)


def test_pending_state_changed_after_saving_is_refused_and_unusable_state_is_named(tmp_path):
    estate = tmp_path / "estate"
    _app(estate), _templates(estate)
    _, shard = collect(tmp_path, "all", str(estate))
    doc = json.loads(shard.read_text())
    app = next(s for s in doc["segments"] if s["source"]["source"].endswith("app"))
    app["pending"]["azure_pipelines"]["waiting"][0][1] = "no/such.yml"
    shard.write_text(json.dumps(doc))
    edited = run_cli("scan", "--from-snapshot", str(shard))
    assert edited.exit_code == 2 and "pending parser state does not match its digest" in edited.output
    # Sealed again, as another mlcheck's shard would be: that source's state is named, the rest merged.
    doc["pending_digest"] = pending_digest(doc["segments"])
    shard.write_text(json.dumps(doc))
    code, report, _ = scan_report(tmp_path, "unusable", "--from-snapshot", str(shard))
    assert code == 3
    errors = [e for e in report["collection_errors"] if e["collector"] == "merge"]
    assert [e["source"] for e in errors] == ["estate/app"]
    assert "pending state of parser 'azure_pipelines' not usable" in errors[0]["reason"]
    # The rest merged, linked and judged: the other repository's three templates, not the app's pipeline.
    assert report["summary"]["nodes_by_kind"]["pipeline"] == 3 and report["summary"]["rules_evaluated"] > 40


# -- --shard i/n -----------------------------------------------------------------------------

def sources(n: int) -> list[Source]:
    return [Source("git", f"/srv/repos/r{k}", f"repos/r{k}", f"repos/r{k}") for k in range(n)]


def test_shares_are_disjoint_cover_everything_and_do_not_depend_on_the_machine():
    many = sources(500)
    shares = [pick_share(many, i, 8) for i in range(1, 9)]
    assert sorted(k for share in shares for k in share) == list(range(500))
    assert min(map(len, shares)) > 30          # roughly even (sha256), not all in one job
    # The share follows the source's id (kind:label), not where the estate is checked out.
    moved = Source("git", "/home/runner/work/repos/r7", "repos/r7", "repos/r7")
    assert share_of(moved, 8) == share_of(many[7], 8)
    assert [share_of(s, 4) for s in many[:6]] == [share_of(s, 4) for s in sources(6)]


@pytest.mark.parametrize("spec", ["0/4", "5/4", "1/0", "a/b", "2", "1/4/2"])
def test_a_bad_shard_spec_is_a_usage_error(tmp_path, spec):
    with pytest.raises(ValueError):
        parse_shard(spec)
    result = run_cli("collect", SAMPLE, "--shard", spec, "--snapshot-out", str(tmp_path / "s.json"),
                     cwd=REPO_ROOT)
    assert result.exit_code == 2 and "--shard" in result.output


def test_exclusions_reach_sharded_collection(tmp_path):
    """--exclude applies to `collect` as to `scan`: the merged shards equal a scan with the
    same exclusion, and the excluded files are in neither."""
    excluded = scan_report(tmp_path, "excluded", SAMPLE, "--exclude", "infra/**")
    shards = []
    for i in (1, 2):
        result, shard = collect(tmp_path, f"ex{i}", SAMPLE, "--shard", f"{i}/2", "--exclude", "infra/**")
        assert result.exit_code == 0, result.output
        shards.append(shard)
    merged = scan_report(tmp_path, "merged", *[a for s in shards for a in ("--from-snapshot", str(s))])
    same_scan(excluded, merged)
    assert not any("/infra/" in n or "./infra/" in n for n in merged[2]["nodes"])
