"""`dvc.yaml`: pipeline stages (jobs reading their deps, writing their outs, metrics and
plots). Templates (`${...}`, foreach, matrix) are recorded, never expanded: DVC writes the
expanded stages to dvc.lock, which is where they are read."""
from __future__ import annotations

import posixpath
from typing import Iterator

from ..text import short
from ...safeyaml import line_of
from .common import DvcFile, cmd, is_code, is_templated, out_options, repo_path, wdir

OUT_FIELDS = (("outs", "out"), ("metrics", "metric"), ("plots", "plot"))


def parse_dvc_yaml(f: DvcFile, doc: dict, wdirs: dict[str, str]) -> None:
    """Its stages, each stage's wdir noted in `wdirs` (what its dvc.lock paths are relative to)."""
    read = f.read
    stages = read.get(doc, "stages", "stages", "mapping") or {}
    for key, stage, field in read.entries(stages, "stages", "mapping"):
        name = str(key)
        if "foreach" in stage:
            body = read.get(stage, "do", f"{field}.do", "mapping") or {}
            wdirs[name] = wdir(body, f"{field}.do.wdir", f)
            template_stage(f, name, stage, body, f"{field}.do")
        elif "matrix" in stage:
            wdirs[name] = wdir(stage, f"{field}.wdir", f)
            template_stage(f, name, stage, stage, field)
        else:
            wdirs[name] = wdir(stage, f"{field}.wdir", f)
            stage_job(f, name, stage, wdirs[name], field)


def stage_job(f: DvcFile, name: str, stage: dict, workdir: str, field: str) -> None:
    read, ref, graph = f.read, f.ref, f.ctx.graph
    base = posixpath.dirname(ref.path)
    edges: list[tuple[str, str]] = []
    lists: dict[str, list[str]] = {"deps": [], "outs": [], "metrics": [], "plots": []}
    templated: list[str] = []
    deps = read.get(stage, "deps", f"{field}.deps", "list")
    for raw, _, _ in stage_items(deps, f"{field}.deps", f):
        if is_templated(raw):
            templated.append(raw)
            continue
        path = repo_path(base, workdir, raw)
        lists["deps"].append(path)
        if not is_code(path):
            edges.append((f.dataset(path, {}, tracked=False), "reads"))
    for kind, out_kind in OUT_FIELDS:
        seq = read.get(stage, kind, f"{field}.{kind}", "list")
        for raw, opts, where in stage_items(seq, f"{field}.{kind}", f):
            if is_templated(raw):
                templated.append(raw)
                continue
            path = repo_path(base, workdir, raw)
            lists[kind].append(path)
            attrs = {**out_options(opts, where, f), "declared_in": "dvc.yaml", "stage": name,
                     "out_kind": out_kind}
            if raw.endswith("/"):
                attrs["is_dir"] = True
            edges.append((f.dataset(path, attrs), "writes"))
    attrs = {"stage": name, "declared_in": "dvc.yaml", "dvc_file": ref.path,
             "frozen": read.get(stage, "frozen", f"{field}.frozen", "boolean") is True,
             "always_changed": read.get(stage, "always_changed", f"{field}.always_changed",
                                        "boolean") is True,
             **{k: v for k, v in lists.items() if v or k in ("deps", "outs")}}
    command = cmd(stage, f"{field}.cmd", f)
    if command is not None:
        attrs["cmd"] = command
    if workdir != ".":
        attrs["wdir"] = workdir
    params = stage_params(stage, f"{field}.params", f)
    if params:
        attrs["params"] = params
    if templated:
        attrs["templated_paths"] = templated
    job = f.node("job", f"dvc:{ref.tree_key}/{ref.path}#{name}", attrs)
    graph.add_edge(job, ref.node, "defined_in")
    for ds, kind in edges:
        graph.add_edge(job, ds, kind)


def template_stage(f: DvcFile, name: str, stage: dict, body: dict, body_field: str) -> None:
    """A foreach/matrix stage: recorded, never expanded (its expansions are in dvc.lock)."""
    read, ref = f.read, f.ref
    template = "foreach" if "foreach" in stage else "matrix"
    kinds = ("list", "mapping", "text") if template == "foreach" else ("mapping",)
    over = read.get(stage, template, f"stages.{name}.{template}", *kinds)
    attrs = {"stage": name, "declared_in": "dvc.yaml", "dvc_file": ref.path, "template": template,
             "frozen": read.get(body, "frozen", f"{body_field}.frozen", "boolean") is True}
    if isinstance(over, str):
        attrs["template_over"] = short(over)
    elif over is not None:
        attrs["template_items"] = len(over)
    command = cmd(body, f"{body_field}.cmd", f)
    if command is not None:
        attrs["cmd"] = command
    job = f.node("job", f"dvc:{ref.tree_key}/{ref.path}#{name}", attrs)
    f.ctx.graph.add_edge(job, ref.node, "defined_in")


def stage_items(seq: list | None, field: str, f: DvcFile) -> Iterator[tuple[str, dict, str]]:
    """(path, options, field) of dvc.yaml deps/outs/metrics/plots: `path` strings or
    `path: {options}` mappings (`path:` with no options too)."""
    for i, item in f.read.items(seq or [], field, "text", "mapping"):
        where = f"{field}[{i}]"
        if isinstance(item, str) and item:
            yield item, {}, where
            continue
        if isinstance(item, dict) and len(item) == 1:
            path = next(iter(item))
            if isinstance(path, str) and path:
                opts = f.read.get(item, path, f"{where}.{path}", "mapping", null_ok=True)
                yield path, opts or {}, f"{where}.{path}"
                continue
        f.add(f"{where}: expected `path` or `path: {{options}}`", line_of(seq, i))


def stage_params(stage: dict, field: str, f: DvcFile) -> list[str]:
    """Stage params as `key` or `file:key` / `file` strings."""
    read = f.read
    out: list[str] = []
    seq = read.get(stage, "params", field, "list")
    for i, item in read.items(seq or [], field, "text", "mapping"):
        if isinstance(item, str):
            out.append(item)
            continue
        for file, keys, where in read.entries(item, f"{field}[{i}]", "list", null_ok=True):
            if keys is None:                    # `- file.yaml:` tracks the whole file
                out.append(str(file))
            else:
                out += [f"{file}:{k}" for _, k in read.items(keys, where, "text")]
    return out
