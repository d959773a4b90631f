"""Secrets parser: detect-secrets over real files in real git repositories (work tree and bare).

The credentials are real-looking random values of each shape (an AWS key pair, GitHub
tokens, a private-key block), generated at run time from fixed seeds so this test file
itself holds no secret-shaped literal for scanners to trip on. AWS's documented example
pair (…EXAMPLE) is no credential: tests/secrets_corpus.py has it among the false positives.
"""
from __future__ import annotations

import base64
import configparser
import json
import random
import string
import subprocess
import sys
from pathlib import Path

import pytest

from checker.collectors.secrets import MAX_RECORDED, MAX_SCAN_BYTES, SecretsParser, detector
from checker.collectors.secrets.detector import DROPPED_PLUGINS, PLUGIN_GATES
from checker.scan import ScanOptions, run_scan
from conftest import REPO_ROOT, commit_files, digests, git, make_repo, run_cli
from secrets_corpus import NOT_SECRETS, real_keys, write_estate

AWS_KEY_ID = "AKIA" + "".join(random.Random(3).choices(string.ascii_uppercase + string.digits, k=16))
AWS_SECRET = "".join(random.Random(5).choices(string.ascii_letters + string.digits + "/+", k=40))
GITHUB_TOKEN = "ghp_" + "".join(random.Random(7).choices(string.ascii_letters + string.digits, k=36))
HEX_TOKEN = "".join(random.Random(11).choices("0123456789abcdef", k=40))
DVC_PASSWORD = "Zq8v" + "N3kLm1pX7wRt"
NB_TOKEN = "ghp_" + "".join(random.Random(13).choices(string.ascii_letters + string.digits, k=36))
NB_TRACE_TOKEN = "ghp_" + "".join(random.Random(17).choices(string.ascii_letters + string.digits, k=36))
NB_SOURCE_TOKEN = "ghp_" + "".join(random.Random(19).choices(string.ascii_letters + string.digits, k=36))
KEY_BODY = "MIIEowIBAAKCAQEA" + "".join(random.Random(23).choices(string.ascii_letters + string.digits, k=64))
KEY_BLOCK = (f"-----BEGIN RSA {'PRIVATE'} KEY-----\n{KEY_BODY}\n"
             f"{KEY_BODY[::-1]}\n-----END RSA {'PRIVATE'} KEY-----\n")

ALL_SECRETS = [AWS_KEY_ID, AWS_SECRET, GITHUB_TOKEN, HEX_TOKEN, DVC_PASSWORD, NB_TOKEN,
               NB_TRACE_TOKEN, NB_SOURCE_TOKEN, KEY_BODY]

TRAIN_PY = f'''"""Train the churn model."""
import boto3

aws_access_key_id = "{AWS_KEY_ID}"
aws_secret_access_key = "{AWS_SECRET}"

s3 = boto3.client("s3", aws_access_key_id=aws_access_key_id)
'''

DEPLOY_SH = f"""#!/usr/bin/env bash
set -euo pipefail
export GITHUB_TOKEN={GITHUB_TOKEN}
gh release create v1.0
"""

SETTINGS_YAML = f"""service:
  name: churn-api
  replicas: 2
api_token: "{HEX_TOKEN}"
"""

# A DVC remote with credentials, the shape `dvc remote modify --local storage password …` writes.
DVC_CONFIG = f"""[core]
    remote = storage
['remote "storage"']
    url = ssh://backup.example.com/dvc-store
    user = mlops
    password = {DVC_PASSWORD}
"""

CLEAN_PY = '''import os


def load_password():
    password = os.environ["DB_PASSWORD"]
    token = get_token()
    template = "${API_TOKEN}"
    return password, token, template
'''

CLEAN_PARAMS = """train:
  epochs: 10
  learning_rate: 0.01
  seed: 42
"""


def notebook_with_secrets() -> str:
    """nbformat 4.5 (shape from the nbformat format description): a token in a source,
    one printed to stdout, one in an error traceback (with the ANSI colours IPython writes)."""
    nb = {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                     "language_info": {"name": "python"}},
        "cells": [
            {"cell_type": "markdown", "id": "md-0", "metadata": {}, "source": ["# Pull data"]},
            {"cell_type": "code", "execution_count": 1, "id": "c-1", "metadata": {},
             "source": ["import os\n", f'GH_TOKEN = "{NB_SOURCE_TOKEN}"\n', "client = Github(GH_TOKEN)"],
             "outputs": []},
            {"cell_type": "code", "execution_count": 2, "id": "c-2", "metadata": {},
             "source": ["print(os.environ['GH_TOKEN'])"],
             "outputs": [{"output_type": "stream", "name": "stdout",
                          "text": ["connecting...\n", f"token={NB_TOKEN}\n"]}]},
            {"cell_type": "code", "execution_count": 3, "id": "c-3", "metadata": {},
             "source": ["fetch()"],
             "outputs": [{"output_type": "error", "ename": "AuthError", "evalue": "bad credentials",
                          "traceback": [
                              "\x1b[0;31m---------------------------------------------\x1b[0m",
                              "\x1b[0;31mAuthError\x1b[0m                 Traceback (most recent call last)",
                              f"Cell \x1b[0;32mIn[3], line 1\x1b[0m\n\x1b[0;32m----> 1\x1b[0m fetch(\x1b[38;5;124m\"{NB_TRACE_TOKEN}\"\x1b[39m)",
                          ]}]},
            {"cell_type": "code", "execution_count": 4, "id": "c-4", "metadata": {},
             "source": ["df.head(2)"],
             "outputs": [{"output_type": "execute_result", "execution_count": 4, "metadata": {},
                          "data": {"text/plain": ["   a  b\n", "0  1  2\n", "1  3  4"]}}]},
        ],
    }
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing needle (the test knows the values)."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def estate_files() -> dict[str, str]:
    return {
        "src/train.py": TRAIN_PY,
        "scripts/deploy.sh": DEPLOY_SH,
        "keys/deploy_key.pem": KEY_BLOCK,
        "config/settings.yaml": SETTINGS_YAML,
        ".dvc/config": DVC_CONFIG,
        "notebooks/pull.ipynb": notebook_with_secrets(),
        "src/clean.py": CLEAN_PY,
        "params.yaml": CLEAN_PARAMS,
    }


def scan_graph(*paths: Path):
    """Collection only: no built-in rules, so these tests do not depend on the rule catalog."""
    return run_scan(ScanOptions(paths=[str(p) for p in paths], include_builtin=False)).graph


def attrs_of(graph, node: str) -> dict:
    return graph.node(node)["attrs"]


def hits(attrs: dict) -> set[tuple]:
    return {(s["type"], s["line"], s["where"]) for s in attrs["secrets"]}


@pytest.fixture(scope="module")
def estate(tmp_path_factory):
    repo = make_repo(tmp_path_factory.mktemp("secrets") / "churn", estate_files())
    return repo, scan_graph(repo)


def test_each_planted_secret_is_recorded_with_type_and_line(estate):
    _, graph = estate
    train = attrs_of(graph, "file:git:./src/train.py")
    assert train["secrets_scanned"] is True
    assert ("AWS Access Key", line_of(TRAIN_PY, AWS_KEY_ID), "text") in hits(train)
    assert ("AWS Access Key", line_of(TRAIN_PY, AWS_SECRET), "text") in hits(train)
    assert train["secrets_count"] == len(train["secrets"])
    # Type, line and where: no value, no hash (a hash of a low-entropy secret confirms a guess).
    assert all(set(s) == {"type", "line", "where"} for s in train["secrets"])

    deploy = attrs_of(graph, "file:git:./scripts/deploy.sh")
    assert ("GitHub Token", line_of(DEPLOY_SH, GITHUB_TOKEN), "text") in hits(deploy)

    key = attrs_of(graph, "file:git:./keys/deploy_key.pem")
    assert [(s["type"], s["line"]) for s in key["secrets"]] == [("Private Key", 1)]

    settings = attrs_of(graph, "file:git:./config/settings.yaml")
    assert {line for _, line, _ in hits(settings)} == {line_of(SETTINGS_YAML, HEX_TOKEN)}
    assert ("Hex High Entropy String", line_of(SETTINGS_YAML, HEX_TOKEN), "text") in hits(settings)

    dvc = attrs_of(graph, "file:git:./.dvc/config")
    assert hits(dvc) == {("Secret Keyword", line_of(DVC_CONFIG, DVC_PASSWORD), "text")}


def test_notebook_sources_and_outputs_are_placed_on_their_ipynb_lines(estate):
    _, graph = estate
    text = notebook_with_secrets()
    nb = attrs_of(graph, "file:git:./notebooks/pull.ipynb")
    found = {(s["type"], s["where"], s["cell"], s["line"]) for s in nb["secrets"]}
    assert ("GitHub Token", "source", 1, line_of(text, NB_SOURCE_TOKEN)) in found
    assert ("GitHub Token", "output", 2, line_of(text, NB_TOKEN)) in found
    assert ("GitHub Token", "output", 3, line_of(text, NB_TRACE_TOKEN)) in found
    # Other plugins may name the same values (e.g. as high-entropy strings), on those lines only.
    assert {s["line"] for s in nb["secrets"]} == {
        line_of(text, NB_SOURCE_TOKEN), line_of(text, NB_TOKEN), line_of(text, NB_TRACE_TOKEN)}
    assert nb["secrets_count"] == len(nb["secrets"])
    assert nb["nb_cells_with_outputs"] == 3       # the notebook parser read the same bytes


def test_clean_files_record_zero(estate):
    _, graph = estate
    for node in ("file:git:./src/clean.py", "file:git:./params.yaml"):
        attrs = attrs_of(graph, node)
        assert (attrs["secrets_scanned"], attrs["secrets"], attrs["secrets_count"]) == (True, [], 0), node


def assert_no_secret_in(text: str, where: str) -> None:
    for secret in ALL_SECRETS:
        for start in range(len(secret) - 7):           # no 8-character piece of any secret
            assert secret[start:start + 8] not in text, f"part of a secret leaked into {where}"
        for digest in digests(secret):                 # nor anything that confirms one
            assert digest not in text, f"a hash of a secret leaked into {where}"


def test_secret_values_never_reach_graph_snapshot_or_reports(estate, tmp_path):
    repo, graph = estate
    assert_no_secret_in(json.dumps(graph.document()), "the graph document")
    # A user rule that flags files with secrets, so findings carry the files' facts as evidence.
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "ORG-SEC-001.yaml").write_text("""id: ORG-SEC-001
title: Secret committed to the repository
severity: critical
category: security
controls:
  nist-800-53: ["IA-5(7)"]
description: A file holds something detect-secrets recognises as a credential.
remediation: Rotate the credential and remove it from history.
check:
  match: {kind: file}
  forbid: {attr: secrets_count, gt: 0}
  message: "{attrs.path} holds {attrs.secrets_count} secret(s)"
""")
    report, snapshot = tmp_path / "report.json", tmp_path / "snap.json"
    as_json = run_cli("scan", str(repo), "--no-builtin", "--rules", str(rules), "--format", "json", "--output",
                      str(report), "--snapshot-out", str(snapshot))
    console = run_cli("scan", str(repo), "--no-builtin", "--rules", str(rules), "--format", "console")
    flagged = {f["node"] for f in json.loads(report.read_text())["findings"] if f["rule_id"] == "ORG-SEC-001"}
    assert "file:git:./notebooks/pull.ipynb" in flagged and "file:git:./.dvc/config" in flagged
    assert "ORG-SEC-001" in console.output
    assert_no_secret_in(report.read_text(), "the json report")
    assert_no_secret_in(snapshot.read_text(), "the snapshot")
    assert_no_secret_in(console.output + as_json.output, "the console output")


def test_file_in_bare_repository_is_scanned_from_its_blob(estate, tmp_path):
    repo, _ = estate
    bare = tmp_path / "churn.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(bare)], check=True)
    graph = scan_graph(bare)
    nodes = {nid for nid, _ in graph.nodes("file")}
    train = next(n for n in nodes if n.endswith("/src/train.py"))
    assert graph.node("repo:git:.")["attrs"]["bare"] is True
    assert ("AWS Access Key", line_of(TRAIN_PY, AWS_KEY_ID), "text") in hits(attrs_of(graph, train))
    nb = next(n for n in nodes if n.endswith("/notebooks/pull.ipynb"))
    worktree = attrs_of(estate[1], "file:git:./notebooks/pull.ipynb")
    assert attrs_of(graph, nb)["secrets"] == worktree["secrets"]


def test_default_filters_allowlist_pragma_and_heuristics(tmp_path):
    """detect-secrets' own filters stay on: pragma-allowlisted lines, templated and
    indirect values, and sequential strings are not recorded."""
    lines = [
        f'token = "{GITHUB_TOKEN}"  # pragma: allowlist secret',
        'password = "${DB_PASSWORD}"',
        'api_key = vault.read("ml/api_key")',
        'secret = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"',
        f'live = "{GITHUB_TOKEN}"',
    ]
    text = "\n".join(lines) + "\n"
    repo = make_repo(tmp_path / "r", {"app.py": text})
    attrs = attrs_of(scan_graph(repo), "file:git:./app.py")
    assert {s["line"] for s in attrs["secrets"]} == {5}
    assert ("GitHub Token", 5, "text") in hits(attrs)


def test_multiline_yaml_value_is_placed_on_the_secret_line_once(tmp_path):
    """detect-secrets' YAML view puts a block scalar on its key's line; the raw line wins."""
    text = "tls:\n  cert_name: churn-api\n  key: |\n" + "".join("    " + l + "\n" for l in KEY_BLOCK.splitlines())
    repo = make_repo(tmp_path / "r", {"deploy/tls.yaml": text})
    attrs = attrs_of(scan_graph(repo), "file:git:./deploy/tls.yaml")
    assert [(s["type"], s["line"]) for s in attrs["secrets"]] == [("Private Key", 4)]


def test_big_binary_and_lock_files_are_recorded_as_not_scanned(tmp_path):
    big = "[" + ",".join(['{"v": 1}'] * (MAX_SCAN_BYTES // 8)) + "]"
    assert len(big) > MAX_SCAN_BYTES
    repo = make_repo(tmp_path / "r", {
        "data/rows.json": big,
        "notes.txt": b"\x00\x01binary\x00" + AWS_KEY_ID.encode(),
        "dvc.lock": f"schema: '2.0'\nstages:\n  train:\n    cmd: python train.py --token {GITHUB_TOKEN}\n",
    })
    graph = scan_graph(repo)
    rows = attrs_of(graph, "file:git:./data/rows.json")
    assert (rows["secrets_scanned"], rows["secrets_skip_reason"]) == (False, "over 2 MiB")
    assert "secrets_count" not in rows and "secrets" not in rows
    notes = attrs_of(graph, "file:git:./notes.txt")
    assert (notes["secrets_scanned"], notes["secrets_skip_reason"]) == (False, "binary content")
    lock = attrs_of(graph, "file:git:./dvc.lock")   # detect-secrets skips *.lock files by default
    assert lock["secrets_scanned"] is False
    excluded = "excluded by detect-secrets filter is_non_text_file"
    assert lock["secrets_skip_reason"] == excluded


def test_broken_notebook_is_still_scanned_as_text(tmp_path):
    broken = notebook_with_secrets()[:-40]      # cut off: no longer JSON
    not_a_notebook = json.dumps({"auth": {"token": GITHUB_TOKEN}}, indent=2)
    repo = make_repo(tmp_path / "r", {"nb.ipynb": broken, "other.ipynb": not_a_notebook})
    graph = scan_graph(repo)
    attrs = attrs_of(graph, "file:git:./nb.ipynb")
    assert ("GitHub Token", line_of(broken, NB_TOKEN), "text") in hits(attrs)
    other = attrs_of(graph, "file:git:./other.ipynb")
    assert ("GitHub Token", line_of(not_a_notebook, GITHUB_TOKEN), "text") in hits(other)
    assert sorted(e.collector for e in graph.errors) == ["notebook", "notebook"]   # its parser reports them


def test_hit_list_is_capped_but_count_is_not(tmp_path):
    text = "".join(f'api_key_{i} = "{"".join(random.Random(i).choices("0123456789abcdef", k=40))}"\n'
                   for i in range(MAX_RECORDED + 20))
    repo = make_repo(tmp_path / "r", {"keys.py": text})
    attrs = attrs_of(scan_graph(repo), "file:git:./keys.py")
    assert attrs["secrets_count"] == MAX_RECORDED + 20
    assert len(attrs["secrets"]) == MAX_RECORDED and attrs["secrets_truncated"] is True
    assert [s["line"] for s in attrs["secrets"]] == list(range(1, MAX_RECORDED + 1))


def test_claims_the_files_that_hold_credentials():
    parser = SecretsParser()
    for path in ("a/train.py", "nb.ipynb", "x/settings.yml", "main.tf", "prod.tfvars", "infra/main.bicep",
                 ".env", ".env.production", "app.env", "Dockerfile", "data.dvc", "dvc.yaml",
                 ".dvc/config", "sub/.dvc/config.local", "requirements.txt", ".pypirc", "id_rsa",
                 "certs/server.pem", "db/query.sql", "analysis.R", "conf/app.properties"):
        assert parser.claims(path), path
    for path in ("data/train.csv", "model.pkl", "weights.safetensors", "img.png", "table.parquet"):
        assert not parser.claims(path), path


def test_detector_uses_detect_secrets_defaults_without_network_or_disk():
    """Every default plugin but the public-IP one (an address is no credential), each with a
    gate (a plugin without one would be run on every line), and detect-secrets' default
    filters less the two that touch disk and network."""
    from detect_secrets.settings import default_settings, get_settings
    det = detector()
    with default_settings() as defaults:
        default_plugins = sorted(defaults.plugins)
    det.scan_text("probe.py", "api_key = 'x1'\n")      # re-configures after default_settings reset it
    assert det.plugin_names == sorted(set(default_plugins) - DROPPED_PLUGINS)
    assert set(det.plugin_names) <= set(PLUGIN_GATES)
    filters = set(get_settings().filters)
    assert "detect_secrets.filters.heuristic.is_likely_id_string" in filters
    assert "detect_secrets.filters.allowlist.is_line_allowlisted" in filters
    assert "detect_secrets.filters.common.is_invalid_file" not in filters        # would stat the disk
    assert not any("verification" in f for f in filters)                          # would call the network


def test_first_import_prints_nothing_and_leaves_stdlib_alone():
    """In a fresh interpreter: import, initialise and scan an INI file; stdout stays empty
    and configparser still reports bad lines afterwards (detect-secrets patches it on import)."""
    code = """
import configparser, warnings
before = warnings.showwarning
from checker.collectors.secrets import detector
hits = detector().scan_text("settings.ini", "[db]\\npassword = Zq8vN3kLm1pX7wRt\\n")
assert hits, hits
assert warnings.showwarning is before
try:
    configparser.ConfigParser().read_string("[a]\\nnot a key value line\\n")
except configparser.ParsingError as exc:
    assert exc.errors, "configparser lost its error lines"
    assert type(exc) is configparser.ParsingError
"""
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""


def test_configparser_stays_stock_in_this_process_after_scans(estate):
    with pytest.raises(configparser.ParsingError) as raised:
        configparser.ConfigParser().read_string("[a]\nnot a key value line\n")
    assert raised.value.errors == [(2, "'not a key value line\\n'")]


def test_thousand_small_python_files(tmp_path):
    files = {f"pkg/mod_{i:04d}.py": f'"""Module {i}."""\n\n\ndef step_{i}(x):\n    return x * {i}\n'
             for i in range(1000)}
    files["pkg/mod_0500.py"] += f'\nTOKEN = "{GITHUB_TOKEN}"\n'
    repo = make_repo(tmp_path / "many", files)
    graph = scan_graph(repo)                # its speed is bench/bench_estates.py's to measure
    scanned = {nid: d["attrs"] for nid, d in graph.nodes("file") if d["attrs"].get("secrets_scanned")}
    assert len(scanned) == 1000
    with_secrets = {nid for nid, a in scanned.items() if a["secrets_count"]}
    assert with_secrets == {"file:git:./pkg/mod_0500.py"}


def test_untracked_work_tree_file_is_scanned_too(tmp_path):
    repo = make_repo(tmp_path / "r", {"README.txt": "churn model\n"})
    (repo / ".env").write_text(f"GITHUB_TOKEN={GITHUB_TOKEN}\n")
    attrs = attrs_of(scan_graph(repo), "file:git:./.env")
    assert attrs["tracked"] is False
    assert hits(attrs) == {("GitHub Token", 1, "text")}


def test_secret_in_a_later_commit_is_read_from_head(tmp_path):
    repo = make_repo(tmp_path / "r", {"config/app.yaml": CLEAN_PARAMS})
    commit_files(repo, {"config/app.yaml": CLEAN_PARAMS + f"github_token: {GITHUB_TOKEN}\n"})
    assert git(repo, "status", "--porcelain") == ""
    attrs = attrs_of(scan_graph(repo), "file:git:./config/app.yaml")
    assert ("GitHub Token", 5, "text") in hits(attrs)


def test_content_hashes_in_dvc_files_are_not_secrets(tmp_path):
    """md5/etag lines of .dvc and dvc.lock files are high-entropy hex by design."""
    repo = make_repo(tmp_path / "r", {
        "data/raw.csv.dvc": "outs:\n- md5: 7c1f0b3d9b2e4c56a1d2e3f405162738\n  size: 5242880\n"
                            "  hash: md5\n  path: raw.csv\n",
        "config/keys.yaml": "api_token: 7c1f0b3d9b2e4c56a1d2e3f405162738aa\n",
    })
    graph = scan_graph(repo)
    assert attrs_of(graph, "file:git:./data/raw.csv.dvc")["secrets_count"] == 0
    assert attrs_of(graph, "file:git:./config/keys.yaml")["secrets_count"] >= 1


@pytest.mark.parametrize("separator", ["\f", "\r", "\u2028", "\x1c"])
def test_content_hash_lookup_counts_lines_as_detect_secrets_does(tmp_path, separator):
    """Lines are counted on '\\n' only: a form feed, a lone CR or a Unicode line separator
    earlier in the file must not move the content-hash check onto a neighbouring line."""
    text = (f"# settings{separator}page two\n"
            'md5 = "7c1f0b3d9b2e4c56a1d2e3f405162738"\n'
            'api_token = "9f8e7d6c5b4a39281706f5e4d3c2b1a0ff"\n')
    repo = make_repo(tmp_path / "r", {"settings.py": text})
    found = hits(attrs_of(scan_graph(repo), "file:git:./settings.py"))
    assert ("Hex High Entropy String", 3, "text") in found
    assert {line for _, line, _ in found} == {3}


# -- precision on what real estates hold ----------------------------------------------------

@pytest.fixture(scope="module")
def corpus_graph(tmp_path_factory):
    """The false-positive kinds and the real-looking keys side by side in one repository."""
    keys = {f"leaks/{path}": text for path, (text, _, _) in real_keys().items()}
    repo = make_repo(tmp_path_factory.mktemp("corpus") / "estate", {**NOT_SECRETS, **keys})
    return scan_graph(repo)


@pytest.mark.parametrize("path", sorted(NOT_SECRETS))
def test_false_positive_kinds_are_not_flagged(corpus_graph, path):
    """CI secret references, ADO macros, ARM/Bicep parameters, Key Vault and secret-store
    references, placeholders and AWS's documented example key, IAM actions and ARNs,
    parameter names, content hashes: none is a credential."""
    attrs = attrs_of(corpus_graph, f"file:git:./{path}")
    assert (attrs["secrets_scanned"], attrs["secrets"], attrs["secrets_count"]) == (True, [], 0)


@pytest.mark.parametrize("path", sorted(real_keys()))
def test_real_looking_keys_are_flagged_on_their_lines(corpus_graph, path):
    text, kind, values = real_keys()[path]
    attrs = attrs_of(corpus_graph, f"file:git:./leaks/{path}")
    if path.endswith(".pem"):
        expected = {1}                                   # the key is reported at its header
    else:
        expected = {line_of(text, v) for v in values}
    assert {s["line"] for s in attrs["secrets"]} == expected, kind


def test_generated_estate_flags_exactly_the_planted_files(tmp_path):
    """An Azure-ML-examples-shaped tree (workflows, job and environment YAML, notebooks with
    outputs and images, Python): only the files with a planted key are flagged."""
    planted = write_estate(tmp_path / "estate", files=300, secrets_every=6)
    assert len(planted) >= len(real_keys())
    graph = scan_graph(tmp_path / "estate")
    flagged = {d["attrs"]["path"] for _, d in graph.nodes("file") if d["attrs"].get("secrets_count")}
    assert flagged == set(planted)


def test_prefilter_leaves_out_no_line_a_plugin_would_flag(monkeypatch):
    """The candidate-line pass and the per-line plugin gates only save time: with every line
    a candidate and every plugin called, the same hits come out."""
    det = detector()
    # Only its header starts with eyJ (the payload is a JSON list).
    jwt = ".".join(base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=")
                   for doc in ({"alg": "HS256", "typ": "JWT"}, ["churn-scorer", 7], HEX_TOKEN))
    texts = {**NOT_SECRETS, **{p: t for p, (t, _, _) in real_keys().items()},
             # `apik` + `eyJ…`: the JWT starts inside `key`, so the candidate pass must overlap literals
             "src/auth.py": f'header = "apik{jwt}"\n', "src/bearer.py": f'bearer = "{jwt}"\n',
             "src/train.py": TRAIN_PY, "scripts/deploy.sh": DEPLOY_SH, "keys/deploy_key.pem": KEY_BLOCK,
             "config/settings.yaml": SETTINGS_YAML, ".dvc/config": DVC_CONFIG, "nb.json": notebook_with_secrets()}
    gated = {path: det.scan_text(path, text) for path, text in texts.items()}
    monkeypatch.setattr(type(det), "candidate_lines", lambda self, text: list(range(1, text.count("\n") + 2)))
    monkeypatch.setattr(type(det), "_may_fire", lambda self, plugin, line, lowered: True)
    assert {path: det.scan_text(path, text) for path, text in texts.items()} == gated
    assert sum(map(len, gated.values())) >= 10


# Values built at run time (this file holds no secret-shaped literal): a password as people
# type them, letters, digits and symbols.
NEXT_LINE_PASSWORD = "Qv7" + "-Lm2x" + "-Rt9k"
FOLDED_PASSWORD = "Fz4" + "!Np8w" + "Kc3d"
LITERAL_TOKEN = "tk" + "".join(random.Random(29).choices(string.ascii_letters + string.digits, k=22))

# Where YAML puts a credential's value on the lines after its name: a parameter declaration
# (Azure Pipelines, a Helm chart's values schema, Ansible argument specs) and block scalars.
NEXT_LINE_YAML = f"""\
parameters:
  jumphost_password:
    type: string
    default: "{NEXT_LINE_PASSWORD}"
  db_password: >-
    {FOLDED_PASSWORD}
  api_token: |
    {LITERAL_TOKEN}
  registry_password:
    {NEXT_LINE_PASSWORD}x  # rotated by ops
"""
# The same shapes holding no credential: an empty default, references, a placeholder, a
# name that holds "key" and names none, a block of several lines, no default at all.
NEXT_LINE_CLEAN_YAML = f"""\
parameters:
  admin_password:
    type: string
    default: ""
  sp_secret:
    type: string
    default: $(servicePrincipalSecret)
  client_secret:
    default: "${{{{ secrets.CLIENT_SECRET }}}}"
  registry_password: >-
    <your-registry-password>
  storage_key: |
    @Microsoft.KeyVault(SecretUri=https://kv-churn.vault.azure.net/secrets/storage)
  key_vault_name:
    default: kv-churn-{NEXT_LINE_PASSWORD}
  ssh_password: |
    first line 1{FOLDED_PASSWORD}
    second line 2{FOLDED_PASSWORD}
  password:
    type: string
    description: The jump host's admin password
  token:
    - {NEXT_LINE_PASSWORD}
"""


def test_a_credential_whose_value_is_on_the_next_lines_of_yaml_is_found(tmp_path):
    from checker.collectors.secrets.parser import scan_file
    found, values = scan_file("pipelines/jumphost.yml", NEXT_LINE_YAML)
    assert [(h.type, h.line) for h in found] == [("Secret Keyword", 4), ("Secret Keyword", 6),
                                                 ("Secret Keyword", 8), ("Secret Keyword", 10)]
    assert set(values) == {NEXT_LINE_PASSWORD, FOLDED_PASSWORD, LITERAL_TOKEN, NEXT_LINE_PASSWORD + "x"}
    repo = make_repo(tmp_path / "r", {"pipelines/jumphost.yml": NEXT_LINE_YAML, "pipelines/clean.yml": NEXT_LINE_CLEAN_YAML})
    graph = scan_graph(repo)
    assert hits(attrs_of(graph, "file:git:./pipelines/jumphost.yml")) == {("Secret Keyword", n, "text") for n in (4, 6, 8, 10)}
    assert attrs_of(graph, "file:git:./pipelines/clean.yml")["secrets_count"] == 0
    document = json.dumps(graph.document())
    assert not [v for v in (NEXT_LINE_PASSWORD, FOLDED_PASSWORD, LITERAL_TOKEN) if v in document]


def test_next_line_values_that_are_references_placeholders_or_blocks_are_not_secrets():
    from checker.collectors.secrets.parser import scan_file
    assert scan_file("pipelines/jumphost.yml", NEXT_LINE_CLEAN_YAML) == ([], {})
    # only YAML is read this way: a Python file's `password:` is a type annotation or a dict key
    assert scan_file("settings.py", NEXT_LINE_YAML.replace("parameters:", "x = {")) == ([], {})
