"""`--cache DIR` (issue 13, part 4): an unchanged source is not collected again."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from checker.collectors import load_registry
from checker.scale.pipeline import collect_shards
from checker.scan import resolve_sources
from conftest import commit_files, git, make_repo, notebook, run_cli, write_files


@pytest.fixture(scope="module")
def estate(tmp_path_factory) -> Path:
    """100 real git repositories (a notebook, a script, data) beside a plain folder."""
    root = tmp_path_factory.mktemp("org")
    for k in range(100):
        make_repo(root / f"repo{k:03d}", {"train.ipynb": notebook(cells=1 + k % 3), "train.py": f"print({k})\n",
                                         "data/sample.csv": f"a,b\n{k},1\n"})
    write_files(root, {"README.md": "# the organisation's estate\n"})
    return root


def collect(root: Path, cache: Path, params: dict | None = None):
    registry = load_registry()
    sources = resolve_sources([str(root)], [], registry)
    return collect_shards(sources, registry, params or {}, None, cache_dir=cache)


def test_one_changed_repository_of_a_hundred_is_the_only_one_collected_again(estate, tmp_path):
    cache = tmp_path / "cache"
    first = collect(estate, cache)
    assert len(first.collected) == 101 and not first.cached      # 100 repositories and the folder
    again = collect(estate, cache)
    assert again.collected == [] and len(again.cached) == 101
    assert again.graph.digest() == first.graph.digest()

    commit_files(estate / "repo042", {"evaluate.py": "print('new')\n"})
    after_commit = collect(estate, cache)
    assert after_commit.collected == [f"{estate.name}/repo042"] and len(after_commit.cached) == 100
    # What the cache gave is what collecting everything gives.
    registry = load_registry()
    fresh = collect_shards(resolve_sources([str(estate)], [], registry), registry, {}, None)
    assert after_commit.graph.digest() == fresh.graph.digest() != first.graph.digest()


def test_uncommitted_edits_refs_and_settings_count_as_changes(estate, tmp_path):
    cache = tmp_path / "cache"
    collect(estate, cache)
    (estate / "repo007" / "scratch.ipynb").write_text(notebook(cells=1))      # untracked work
    assert collect(estate, cache).collected == [f"{estate.name}/repo007"]
    git(estate / "repo008", "branch", "experiment")                            # a new ref only
    assert collect(estate, cache).collected == [f"{estate.name}/repo008"]
    (estate / "notes.md").write_text("a file of the plain folder\n")
    assert collect(estate, cache).collected == [estate.name]
    # Other params: every source collected again (its facts may differ).
    assert len(collect(estate, cache, {"mlflow": {"recent_runs": 5}}).collected) == 101


def test_a_damaged_cache_entry_is_collected_again_and_replaced(estate, tmp_path):
    cache = tmp_path / "cache"
    collect(estate, cache)
    entry = next(p for p in cache.rglob("*.json") if "repo010" in p.read_text())
    entry.write_text(entry.read_text().replace('"size":', '"size": 1, "x":', 1))
    result = collect(estate, cache)
    assert result.collected == [f"{estate.name}/repo010"]
    assert len(list(entry.parent.glob("*.json"))) == 1          # one entry per source, rewritten
    assert json.loads(entry.read_text())["stage"] == "collected"


def test_scan_with_cache_from_the_cli_says_what_it_collected(estate, tmp_path):
    cache = tmp_path / "cache"
    out = tmp_path / "r.json"
    first = run_cli("scan", str(estate), "--cache", str(cache), "--format", "json", "--output", str(out))
    digest = json.loads(out.read_text())["graph_digest"]
    shard = tmp_path / "s.json"
    second = run_cli("collect", str(estate), "--cache", str(cache), "--snapshot-out", str(shard))
    assert second.exit_code == 0
    assert "0 source(s) collected, 101 unchanged from the cache" in second.output
    plain = run_cli("scan", str(estate), "--format", "json", "--output", str(out))
    assert plain.exit_code == first.exit_code and json.loads(out.read_text())["graph_digest"] == digest


def test_a_source_this_machine_cannot_see_is_never_taken_from_the_cache(tmp_path):
    from checker.collectors import Source
    from checker.scale.cache import Cache
    cache = Cache(tmp_path / "c", load_registry(), {}, None)
    assert cache.key(Source("mlflow", "https://mlflow.example.com", "mlflow.example.com",
                            "https://mlflow.example.com")) is None
    assert cache.key(Source("git", "/nowhere/repo", "repo", "repo")) is None
    assert os.listdir(tmp_path / "c") == []


def test_entries_are_authenticated_by_the_caches_own_key(estate, tmp_path):
    cache = tmp_path / "cache"
    first = collect(estate, cache)
    key = cache / ".key"
    assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_bytes()) == 32
    # Without its MAC an entry is not trusted: it goes through the snapshot loader (the
    # redaction door, the digest) — still used, as it is intact.
    mac = next(p for p in cache.rglob("*.mac") if "repo020" in p.with_suffix("").read_text())
    mac.unlink()
    again = collect(estate, cache)
    assert again.collected == [] and again.graph.digest() == first.graph.digest()
    # Under another cache's key, no entry is trusted either.
    (cache / ".key").write_bytes(b"\0" * 32)
    assert collect(estate, cache).collected == []
