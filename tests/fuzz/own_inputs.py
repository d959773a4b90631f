"""mlcheck's own inputs: mlcheck.yaml, rule YAML and Rego, snapshots, baselines and the
command line. A bad one stops the run before any scan: exit 2, one line naming the file
(and the field or line), no traceback, nothing written."""
from __future__ import annotations

import copy
import hashlib
import json
import os
from pathlib import Path
from typing import Callable

from . import mutate as m
from . import planted
from .cases import RUN, Case, Expect, Invocation, rng_for, write
from .servers import ConnectionCounter

PASS_LINE = "PASS: no open finding at or above high"
CANARY_NB = "file:git:canary/nb/train.ipynb"


def _run(family: str, name: str, files: dict[str, str | bytes | Callable[[Path], None]], args: list[str],
         codes=(2,), needles: tuple = (), **kw) -> Case:
    """A run case writing `files` into its directory, then running `args`."""
    check = kw.pop("check", None)
    env = kw.pop("env", None)

    def build(case_dir: Path) -> Invocation:
        for rel, content in files.items():
            if callable(content):
                content(case_dir / rel)
            else:
                write(case_dir / rel, content)
        return Invocation(args, env=env or {}, check=check)
    return Case(f"{family}/{name}", build, Expect(codes=tuple(codes), stderr=needles), where=RUN, **kw)


def lazy(make: Callable[[], str | bytes]) -> Callable[[Path], None]:
    """Large content, made when the case is built rather than when the corpus is listed."""
    return lambda path: write(path, make())


def fifo(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)


def directory(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)


# -- mlcheck.yaml -------------------------------------------------------------------------------

def config_cases(seed: int) -> list[Case]:
    rng = rng_for(seed, "config")
    aws = planted.aws_key(rng)
    marker = "pwned-config"
    args = ["scan", "{estate}", "--config", "{case}/mlcheck.yaml"]

    def conf(name: str, content, codes=(2,), needles=("mlcheck.yaml",), **kw) -> Case:
        return _run("config", name, {"mlcheck.yaml": content}, args, codes, needles, **kw)

    broken = "fail_on: high\nrules: [policies, extra\nskip: []\n"
    defs, laugh = m.billion_laughs()
    waiver = ("waivers:\n  - rule: MLC-REPO-001\n    resource: 'file:git:canary/*'\n"
              f"    reason: notebook kept for the demo, key {aws}\n    approved_by: jane\n")
    return [
        conf("valid", "fail_on: high\n", codes=(1,), needles=()),
        conf("invalid-yaml", broken, needles=(f"mlcheck.yaml:{min(m.yaml_error_line(broken)[1])}",)),
        conf("recursive-alias", "rules: &r [*r]\n", alone=True),
        conf("billion-laughs", defs + "skip: " + laugh + "\n"),
        conf("python-tag", f"fail_on: {m.python_tag(marker)}\n", markers=(marker,)),
        conf("fail-on-number", "fail_on: 5\n", needles=("mlcheck.yaml", "fail_on")),
        conf("rules-string", "rules: policies\n", needles=("mlcheck.yaml", "rules")),
        conf("waivers-mapping", "waivers: {rule: x}\n", needles=("mlcheck.yaml", "waivers")),
        conf("params-list", "params: [1, 2]\n", needles=("mlcheck.yaml", "params")),
        conf("mlflow-params-list", "params:\n  mlflow: [1]\n", needles=("mlcheck.yaml", "mlflow")),
        conf("max-parse-bytes-text", "max_parse_bytes: big\n", needles=("mlcheck.yaml", "max_parse_bytes")),
        conf("expires-impossible-date", waiver.replace("approved_by: jane\n", "approved_by: jane\n    expires: 2026-13-45\n")
             .replace(f", key {aws}", ""), needles=("mlcheck.yaml", "invalid date '2026-13-45'")),
        conf("only-string", "only: MLC-*\n", needles=("mlcheck.yaml", "only")),
        conf("only-matches-nothing", "only: [MLC-REPO-02]\n", needles=("MLC-REPO-02",)),
        conf("deep-nesting", "skip: " + m.deep_yaml_flow() + "\n"),
        conf("utf16-bom", m.utf16("fail_on: high\n"), codes=(1, 2), needles=()),
        conf("invalid-utf8", b"fail_on: h\xffigh\n"),
        conf("nul-byte", b"fail_on: high\0\n"),
        conf("duplicate-key", "fail_on: low\nfail_on: critical\n", needles=("mlcheck.yaml", "fail_on")),
        conf("unknown-key", "fail-on: high\n", needles=("mlcheck.yaml", "fail-on")),
        conf("over-10mb", lazy(lambda: "# " + "x" * (11 * 2**20) + "\nfail_on: high\n")),
        conf("rules-dir-missing", "rules: [no/such/dir]\n", needles=("no/such/dir",)),
        conf("ansi-in-value", "fail_on: \"\x1b[2J\x1b[1;1Hhigh\"\n"),
        conf("empty", "", codes=(1,), needles=()),
        conf("fifo", fifo, alone=True),
        conf("is-a-directory", directory),
        conf("waiver-reason-holds-secret", waiver, codes=(1,), needles=(), secrets=(aws,)),
    ]


# -- rules and Rego ---------------------------------------------------------------------------

RULE = """\
id: {id}
title: Fuzz rule for hostile input
severity: low
category: fuzz
controls: {{internal: ["F-1"]}}
description: A rule written to see how mlcheck loads rules.
remediation: Nothing to remediate in a test rule.
check:
{check}"""
GRAPH_CHECK = "  match: {kind: file}\n  require: {attr: path, exists: true}\n"
REGO_CHECK = "  rego: data.fuzz.rules.hits\n  applies_to: {kind: file}\n"


def rego(body: str) -> str:
    return f"package fuzz.rules\n\nimport rego.v1\n\n{body}\n"


def rule_cases(seed: int) -> list[Case]:
    rng = rng_for(seed, "rules")
    env_secret = planted.github_token(rng)
    marker = "pwned-rules"
    args = ["scan", "{estate}", "--rules", "{case}/rules"]

    def rule(name: str, yaml_text, rego_text=None, codes=(2,), needles=("FUZZ-001",), **kw) -> Case:
        content = {"rules/FUZZ-001.yaml": yaml_text}
        if rego_text is not None:
            content["rules/policy.rego"] = rego_text
        return _run("rules", name, content, args, codes, needles, **kw)

    graph = RULE.format(id="FUZZ-001", check=GRAPH_CHECK)
    rego_rule = RULE.format(id="FUZZ-001", check=REGO_CHECK)
    broken = graph.replace("controls: {internal: [\"F-1\"]}", "controls: {internal: [\"F-1\"]")
    defs, laugh = m.billion_laughs()
    counter_holder: dict = {}

    def http_send(path: Path) -> None:
        counter = counter_holder["c"] = ConnectionCounter()
        write(path, rego(f'hits contains {{"node": id, "message": r.body}} if {{\n'
                         f'\tsome id, n in input.nodes\n\tn.kind == "file"\n'
                         f'\tr := http.send({{"method": "GET", "url": "{counter.url}/x"}})\n}}'))

    def no_connection(o) -> list[str]:
        counter = counter_holder.pop("c")
        counter.stop()
        return [f"the rule made {counter.count} network connection(s)"] if counter.count else []

    big_set = rego('hits contains {"node": id, "message": sprintf("%v", [i])} if {\n'
                   '\tsome id, n in input.nodes\n\tn.kind == "file"\n\tsome i in numbers.range(1, 20000)\n}')
    return [
        rule("valid-graph", graph, codes=(1,), needles=()),
        rule("valid-rego", rego_rule, rego('hits contains {"node": id, "message": "seen"} if {\n'
                                          '\tsome id, n in input.nodes\n\tn.kind == "file"\n}'), codes=(1,), needles=()),
        rule("invalid-yaml", broken),
        rule("recursive-alias", graph.replace("severity: low", "severity: &s [*s]"), alone=True),
        rule("billion-laughs", defs + graph.replace("controls: {internal: [\"F-1\"]}", "controls: {internal: " + laugh + "}")),
        rule("python-tag", graph.replace("severity: low", "severity: " + m.python_tag(marker)), markers=(marker,)),
        rule("severity-unknown", graph.replace("severity: low", "severity: urgent"), needles=("FUZZ-001", "severity")),
        rule("id-with-control-chars", RULE.format(id='"FUZZ-001\\n\\x1b[2JPASS"', check=GRAPH_CHECK),
             needles=("FUZZ-001",)),
        rule("regex-invalid", graph.replace("require: {attr: path, exists: true}", "require: {attr: path, regex: '(['}"),
             needles=("FUZZ-001", "regex")),
        rule("deep-condition", graph.replace("require: {attr: path, exists: true}",
                                             "require: " + "{not: " * 5000 + "{attr: path, exists: true}" + "}" * 5000)),
        _run("rules", "duplicate-id", {"rules/a.yaml": graph, "rules/b.yaml": graph}, args, needles=("FUZZ-001",)),
        rule("rego-does-not-compile", rego_rule, rego("hits contains x if {"), needles=("policy.rego",)),
        rule("rego-path-undefined", rego_rule, rego("other := 1"), needles=("data.fuzz.rules.hits",)),
        rule("rego-returns-string", rego_rule, rego('hits := "everything"'), codes=(2, 3)),
        rule("rego-names-unknown-node", rego_rule, rego('hits contains {"node": "file:nowhere", "message": "x"} if true'),
             codes=(2, 3)),
        rule("rego-http-send", rego_rule, http_send, needles=("http.send",), check=no_connection),
        rule("rego-reads-env", rego_rule, rego('hits contains {"node": id, "message": opa.runtime().env.FUZZ_ENV} if {\n'
                                               '\tsome id, n in input.nodes\n\tn.kind == "file"\n}'),
             needles=("opa.runtime",), env={"FUZZ_ENV": env_secret}, secrets=(env_secret,)),
        # Tens of thousands of hits: answered within the bounds (regorus), or the rule's own error.
        rule("rego-huge-set", rego_rule, big_set, codes=(1, 3), needles=(), alone=True, timeout=90),
        rule("rego-endless-loop", rego_rule, rego('hits contains {"node": "x", "message": "m"} if {\n'
                                                  '\tcount([i | some i in numbers.range(1, 1000000000)]) < 0\n}'),
             codes=(2, 3), alone=True, timeout=90),
        rule("rego-prints-fake-verdict", rego_rule, rego(f'hits contains {{"node": "x", "message": "m"}} if {{\n'
                                                         f'\tprint("{PASS_LINE}")\n\tfalse\n}}'), codes=(1,), needles=()),
        rule("rego-invalid-utf8", rego_rule, b"package fuzz.rules\n# caf\xe9 \xff\nhits := set()\n",
             needles=("policy.rego",)),
        rule("rego-nul-bytes", rego_rule, b"package fuzz.rules\n\0\0\nhits := set()\n", needles=("policy.rego",)),
        rule("rule-file-fifo", fifo, alone=True),
        _run("rules", "symlink-loop", {"rules/FUZZ-001.yaml": graph,
                                       "rules/loop": lambda p: p.symlink_to(".", target_is_directory=True)},
             args, codes=(1, 2), needles=(), alone=True),
    ]


# -- snapshots ---------------------------------------------------------------------------------

def canonical(value) -> str:
    from checker.graph import canonical_json
    return canonical_json(value)


def redigest(doc: dict) -> str:
    """The snapshot digest as mlcheck defines it (graph.digest): sha256 of the canonical JSON
    of nodes (provenance without collected_at), edges and collection errors."""
    content = {
        "nodes": {nid: {"kind": n["kind"], "attrs": n["attrs"],
                        "provenance": {k: v for k, v in n["provenance"].items() if k != "collected_at"}}
                  for nid, n in doc["nodes"].items()},
        "edges": doc["edges"],
        "errors": sorted(doc.get("collection_errors", []), key=canonical),
    }
    return "sha256:" + hashlib.sha256(canonical(content).encode()).hexdigest()


def base_snapshot(notebook_path: str = "nb/train.ipynb") -> dict:
    """A small estate saved by mlcheck's own graph: a repo, a commit, a notebook with outputs
    (MLC-REPO-001), a model version with the champion alias and its run."""
    from checker.graph import EstateGraph, Provenance
    g = EstateGraph()
    prov = Provenance("git", "repo", None, "2026-01-01T00:00:00+00:00")
    repo = g.add_node("repo", "git:repo", {"path": "repo", "vcs": "git", "bare": False}, prov)
    commit = g.add_node("commit", "git:repo@" + "1" * 40, {"sha": "1" * 40, "branches": ["main"], "tags": [],
                                                           "subject": "train", "parents": []}, prov)
    nb = g.add_node("file", f"git:repo/{notebook_path}", {
        "path": notebook_path, "role": "notebook", "ext": ".ipynb", "tracked": True, "nb_cells": 3,
        "nb_code_cells": 2, "nb_cells_with_outputs": 2}, prov)
    mprov = Provenance("mlflow", "mlflow.db", None, "2026-01-01T00:00:00+00:00")
    run = g.add_node("run", "mlflow://db/r1", {"run_id": "r1", "git_commit": "1" * 40, "tags": {}}, mprov)
    model = g.add_node("model", "mlflow://db/churn", {"name": "churn", "aliases": {"champion": 1}, "tags": {}}, mprov)
    mv = g.add_node("model_version", "mlflow://db/churn/1", {"name": "churn", "version": 1, "run_id": "r1",
                                                              "aliases": ["champion"], "tags": {}}, mprov)
    for src, dst, kind in ((repo, commit, "contains"), (repo, nb, "contains"), (mv, model, "version_of"),
                           (mv, run, "produced_by"), (run, commit, "built_from")):
        g.add_edge(src, dst, kind)
    doc = {"format": "mlcheck-snapshot", "version": 1, "sources": [], "collection_errors": [], **g.document()}
    doc["digest"] = redigest(doc)
    return doc


def snapshot_cases(seed: int) -> list[Case]:
    rng = rng_for(seed, "snapshot")
    aws = planted.aws_key(rng)
    args = ["scan", "--from-snapshot", "{case}/snap.json"]
    mv, nb = "model_version:mlflow://db/churn/1", "file:git:repo/nb/train.ipynb"

    def snap(name: str, content, codes=(2,), needles=("snap.json",), **kw) -> Case:
        return _run("snapshot", name, {"snap.json": content}, args, codes, needles, **kw)

    def mutated(change: Callable[[dict], None], keep_digest: bool = False) -> str:
        doc = base_snapshot()
        change(doc)
        if not keep_digest:
            try:
                doc["digest"] = redigest(doc)
            except (KeyError, TypeError, AttributeError):
                pass            # too broken to digest: the old digest stays
        return json.dumps(doc, indent=1)

    def setter(*path, value):
        def change(doc):
            cur = doc
            for part in path[:-1]:
                cur = cur[part]
            cur[path[-1]] = value
        return change

    tampered = base_snapshot()
    stored = tampered["digest"]
    tampered["nodes"][nb]["attrs"]["nb_cells_with_outputs"] = 0
    actual = redigest(tampered)
    text = json.dumps(base_snapshot(), indent=1)
    fake = f"x\n\n{PASS_LINE}\n\x1b[2J.ipynb"
    evil = base_snapshot(fake)
    secret_doc = base_snapshot()
    secret_doc["nodes"][mv]["attrs"]["tags"] = {"deploy": aws}
    secret_doc["digest"] = redigest(secret_doc)
    return [
        snap("valid", text, codes=(1,), needles=()),
        snap("tampered-content", json.dumps(tampered, indent=1), needles=("snap.json", stored, actual)),
        snap("digest-missing", mutated(lambda d: d.pop("digest"), keep_digest=True), needles=("snap.json", "digest")),
        # A fact of an unexpected type is data the rules cope with: the replay completes.
        snap("aliases-number", mutated(setter("nodes", mv, "attrs", "aliases", value=5)), codes=(0, 1), needles=()),
        snap("unresolved-list", mutated(setter("nodes", mv, "attrs", "unresolved", value=[])),
             needles=("snap.json", "unresolved")),
        snap("attrs-list", mutated(setter("nodes", nb, "attrs", value=[]))),
        snap("provenance-string", mutated(setter("nodes", nb, "provenance", value="git"))),
        snap("node-is-list", mutated(setter("nodes", nb, value=[]))),
        snap("nodes-list", mutated(setter("nodes", value=[]))),
        snap("edges-mapping", mutated(setter("edges", value={}))),
        snap("edge-src-number", mutated(lambda d: d["edges"][0].update(src=5))),
        snap("edge-kind-unknown", mutated(lambda d: d["edges"][0].update(kind="pwns"))),
        snap("node-kind-mismatch", mutated(setter("nodes", nb, "kind", value="commit"))),
        snap("errors-bad-line", mutated(setter("collection_errors", value=[
            {"collector": "git", "source": "x", "reason": "y", "line": "seven"}]))),
        snap("sources-mapping", mutated(setter("sources", value={"kind": "git"}))),
        snap("version-string", mutated(setter("version", value="1"))),
        snap("format-other", mutated(setter("format", value="sarif"))),
        snap("nested-100k", '{"format": "mlcheck-snapshot", "version": 1, "nodes": {}, "edges": '
             + m.deep_json() + "}"),
        snap("truncated", text[:len(text) // 2]),
        snap("nan-value", mutated(setter("nodes", nb, "attrs", "size", value=float("nan")))),
        snap("duplicate-keys", text.replace('"version": 1', '"version": 1, "version": 2', 1)),
        snap("utf16-bom", m.utf16(text)),
        snap("invalid-utf8", text.encode().replace(b"train", b"tr\xffin", 1)),
        snap("empty", ""),
        snap("lone-surrogates", text.replace('"subject": "train"', '"subject": "\\ud800\\udfff\\ud83d"', 1)),
        snap("control-chars-in-ids", json.dumps(evil, indent=1), codes=(1,), needles=()),
        snap("secret-in-attrs", json.dumps(secret_doc, indent=1), codes=(1, 2), needles=(), secrets=(aws,)),
        snap("fifo", fifo, alone=True),
    ]


# -- baselines ---------------------------------------------------------------------------------

def baseline_cases(seed: int) -> list[Case]:
    args = ["scan", "{estate}", "--baseline", "{case}/baseline.json"]
    base = {"format": "mlcheck-baseline", "version": 1, "graph_digest": "sha256:" + "0" * 64,
            "findings": [{"fingerprint": "0" * 32, "rule_id": "MLC-REPO-001", "node": CANARY_NB}]}
    text = json.dumps(base, indent=1)

    def bl(name: str, content, codes=(2,), needles=("baseline.json",), **kw) -> Case:
        return _run("baseline", name, {"baseline.json": content}, args, codes, needles, **kw)

    def with_(**over) -> str:
        doc = copy.deepcopy(base)
        doc.update(over)
        return json.dumps(doc)

    many = lazy(lambda: with_(findings=[{"fingerprint": f"{i:032x}", "rule_id": "MLC-REPO-001",
                                         "node": f"file:x/{i}"} for i in range(100_000)]))
    return [
        bl("valid", text, codes=(1,), needles=()),
        bl("truncated", text[:len(text) // 2]),
        bl("nested-100k", '{"format": "mlcheck-baseline", "findings": ' + m.deep_json() + "}"),
        bl("findings-mapping", with_(findings={"fingerprint": "x"})),
        bl("findings-numbers", with_(findings=[5, 6])),
        bl("fingerprint-list", with_(findings=[{"fingerprint": ["a"], "rule_id": "x", "node": "y"}])),
        bl("format-number", with_(format=5)),
        bl("version-text", with_(version="one")),
        bl("nan-version", text.replace('"version": 1', '"version": NaN')),
        bl("utf16-bom", m.utf16(text)),
        bl("invalid-utf8", text.encode().replace(b"canary", b"can\xffry", 1)),
        bl("empty", ""),
        bl("top-level-list", json.dumps([base])),
        bl("100k-entries", many, codes=(1,), needles=()),
        bl("fifo", fifo, alone=True),
    ]


# -- the command line --------------------------------------------------------------------------

FAULT = """\
# Fault injection for the fuzz corpus: makes one stage of mlcheck raise, to check that an
# uncaught exception exits 4 (never 0 or 1, which CI reads as a verdict) with one line.
import checker.{module} as target


def _boom(*args, **kwargs):
    raise RuntimeError("injected fault")


target.{name} = _boom
"""


def fault(module: str, name: str) -> Case:
    """A stage that raises (sitecustomize.py on PYTHONPATH patches it): exit 4, one line, no traceback."""
    return _run("cli", f"uncaught-exception-in-{module}", {"sitecustomize.py": FAULT.format(module=module, name=name)},
                ["scan", "{estate}"], codes=(4,), needles=("internal error", "injected fault"),
                env={"PYTHONPATH": "case"})


def cli_cases() -> list[Case]:
    return [fault("scan", "run_linkers"), fault("reporters", "render"),
        _run("cli", "only-matches-no-rule", {}, ["scan", "{estate}", "--only", "MLC-REPO-02"], needles=("MLC-REPO-02",)),
        _run("cli", "only-one-pattern-matches-nothing", {}, ["scan", "{estate}", "--only", "MLC-REPO-001,MLC-REPO-02"],
             needles=("MLC-REPO-02",)),
        _run("cli", "only-glob-matches", {}, ["scan", "{estate}", "--only", "MLC-REPO-*"], codes=(1,)),
    ]


def cases(seed: int) -> list[Case]:
    return config_cases(seed) + rule_cases(seed) + snapshot_cases(seed) + baseline_cases(seed) + cli_cases()
