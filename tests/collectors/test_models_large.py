"""Model files above the parse limit: read by seeks and bounded reads from the file, so a
20 GB checkpoint (a sparse file: its tensors are holes) is scanned in bounded memory; a
git blob has no such reader and keeps the parse limit."""
from __future__ import annotations

import pickle
import subprocess
import tracemalloc

import pytest

import model_files as m
from checker.collectors import CollectContext, file_parsers, load_registry
from checker.collectors.folder import FolderCollector
from checker.collectors.git import GitCollector
from checker.collectors.models import formats, pickle_scan
from checker.collectors.models.formats import inspect
from checker.graph import EstateGraph

GB20 = 20 * 1024 ** 3


def scan(root, collector=FolderCollector, max_parse_bytes=None) -> EstateGraph:
    graph = EstateGraph()
    ctx = CollectContext(graph, parsers=file_parsers(load_registry()))
    if max_parse_bytes:
        ctx.max_parse_bytes = max_parse_bytes
    collector().collect(collector.detect(root, str(root))[0], ctx)
    return graph


def attrs(graph, path, prefix="fs:.") -> dict:
    return graph.node(f"file:{prefix}/{path}")["attrs"]


def test_a_20_gb_torch_checkpoint_is_scanned_from_its_central_directory_and_data_pkl(tmp_path):
    m.sparse_torch_zip(tmp_path / "evil.pt", m.stack_global_reduce("os", "system"), GB20)
    m.sparse_torch_zip(tmp_path / "ok.pt", m.numpy_pickle(), GB20)
    tracemalloc.start()
    graph = scan(tmp_path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    evil, ok = attrs(graph, "evil.pt"), attrs(graph, "ok.pt")
    assert evil["model_format"] == "torch-zip"
    assert evil["model_runs_code_on_load"] is True
    assert evil["model_code"][0]["global"] == "os.system" and evil["model_code"][0]["member"] == "archive/data.pkl"
    assert (ok["model_runs_code_on_load"], ok["model_scan"]) == (False, "complete")
    assert ok["model_size"] > GB20 and ok["model_sha256"] is None and "hash bound" in ok["model_sha256_skipped"]
    assert graph.errors == []
    assert peak < 64 * 1024 * 1024          # bounded memory: nothing near the file's size is held


def test_a_20_gb_pickle_is_read_past_its_payload_to_the_call_behind_it(tmp_path):
    m.sparse_pickle(tmp_path / "big.pkl", GB20, then=m.global_reduce("os", "system"))
    a = attrs(scan(tmp_path), "big.pkl")
    assert a["model_runs_code_on_load"] is True
    assert a["model_code"][0]["global"] == "os.system" and a["model_code"][0]["offset"] > GB20


def test_a_20_gb_safetensors_file_needs_its_header_only(tmp_path):
    m.sparse_safetensors(tmp_path / "w.safetensors", GB20)
    a = attrs(scan(tmp_path), "w.safetensors")
    assert (a["model_format"], a["model_runs_code_on_load"], a["model_tensors"]) == ("safetensors", False, 1)


def test_a_20_gb_file_of_nothing_named_ckpt_is_an_error_naming_it(tmp_path):
    with open(tmp_path / "big.ckpt", "wb") as f:
        f.truncate(GB20)
    graph = scan(tmp_path)
    assert attrs(graph, "big.ckpt")["model_runs_code_on_load"] is None
    (error,) = graph.errors
    assert error.source.endswith("big.ckpt") and "not a pickle" in error.reason


def test_the_parse_limit_still_holds_for_other_parsers_and_for_git_blobs(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    big = m.stack_global_reduce("os", "system") + b"\x00" * 4096      # over a 1 KiB limit
    (repo / "committed.pkl").write_bytes(big)
    (repo / "params.yaml").write_text("lr: 0.1\n" * 400)                 # a DVC params file
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@e"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "m"], check=True)
    (repo / "untracked.pkl").write_bytes(big)
    graph = scan(repo, GitCollector, max_parse_bytes=1024)
    label = next(n for n, _ in graph.nodes("repo")).split(":", 2)[-1]
    assert attrs(graph, "untracked.pkl", f"git:{label}")["model_runs_code_on_load"] is True
    assert "model_format" not in attrs(graph, "committed.pkl", f"git:{label}")
    reasons = {e.source.rsplit("/", 1)[-1]: e.reason for e in graph.errors}
    assert "parse limit" in reasons["committed.pkl"] and "parse limit" in reasons["params.yaml"]
    assert "untracked.pkl" not in reasons


def test_opcodes_past_the_bound_leave_the_scan_incomplete(monkeypatch):
    monkeypatch.setattr(pickle_scan, "MAX_OPCODE_BYTES", 1024)
    data = pickle.dumps(list(range(2000)), protocol=4) + m.global_reduce("os", "system")
    facts = inspect("m.pkl", data)
    assert facts.runs_code is None and "not read further" in facts.scan.problems[0]
    assert inspect("m.pkl", pickle.dumps(list(range(10)))).runs_code is False


def test_long_payloads_are_skipped_not_read_and_their_truncation_is_seen():
    payload = pickle.dumps(b"\x00" * (pickle_scan.MAX_VALUE_BYTES + 1), protocol=4)
    assert inspect("m.pkl", payload).runs_code is False
    facts = inspect("m.pkl", payload[:-100])
    assert facts.runs_code is None and "truncated" in facts.scan.problems[0]


def test_a_central_directory_over_its_bound_is_not_read(monkeypatch):
    monkeypatch.setattr(formats, "MAX_CENTRAL_BYTES", 100)
    facts = inspect("m.pt", m.torch_zip(m.numpy_pickle()))
    assert facts.runs_code is None and "central directory" in facts.problems[0]


def test_a_compressed_joblib_larger_than_its_output_bound_is_not_decompressed(monkeypatch):
    import gzip
    import random
    monkeypatch.setattr(formats, "MAX_MEMBER_BYTES", 1024)
    data = gzip.compress(m.global_reduce("os", "system") + random.Random(0).randbytes(8000))
    facts = inspect("m.joblib", data)
    assert facts.runs_code is None and "expands past 1024 bytes" in facts.problems[0]
    monkeypatch.setattr(formats, "MAX_MEMBER_BYTES", 64 * 1024)
    assert inspect("m.joblib", data).runs_code is True


@pytest.mark.parametrize("build", [m.sklearn_pickle, m.joblib_object_array, m.numpy_pickle])
def test_bytes_and_an_open_file_give_the_same_facts(tmp_path, build):
    data = build()
    (tmp_path / "m.pkl").write_bytes(data)
    with open(tmp_path / "m.pkl", "rb") as fh:
        from_file = inspect("m.pkl", fh, len(data)).attrs()
    assert from_file == inspect("m.pkl", data).attrs()
