"""`dvc.lock`: the hashes of each stage's deps and outs as last run, foreach/matrix stages
expanded. Its paths are relative to the stage's wdir, which only its dvc.yaml knows: the
parser hands a lock its dvc.yaml's wdirs (DVC itself ignores a lock without its dvc.yaml)."""
from __future__ import annotations

import posixpath

from .common import OUT_FLAGS, DvcFile, cmd, hash_facts, is_code, path_entries, repo_path, stage_group


def lock_stages_of(f: DvcFile, doc: dict) -> tuple[dict, str] | None:
    """(the stages, their field prefix), noted on the lock's file node; None when unreadable."""
    # schema '2.0' nests stages under `stages:`; the 1.0 lock had them at the top level.
    if "stages" in doc or "schema" in doc:
        stages, prefix = f.read.get(doc, "stages", "stages", "mapping"), "stages."
    else:
        stages, prefix = doc, ""
    if stages is None:
        return None
    f.ctx.graph.update_attrs(f.ref.node, dvc_lock_stages=sorted(str(s) for s in stages))
    return stages, prefix


def dvc_yaml_of(f: DvcFile) -> tuple[str, str]:
    """The (tree key, path) of the dvc.yaml beside the lock."""
    return f.ref.tree_key, posixpath.join(posixpath.dirname(f.ref.path), "dvc.yaml")


def parse_lock_stages(f: DvcFile, stages: dict, prefix: str, wdirs: dict[str, str]) -> None:
    for key, stage, _ in f.read.entries(stages, prefix.rstrip("."), "mapping"):
        name, field = str(key), f"{prefix}{key}"
        workdir = wdirs.get(name, wdirs.get(stage_group(name), "."))
        lock_stage(f, name, stage, workdir, field)


def lock_stage(f: DvcFile, name: str, stage: dict, workdir: str, field: str) -> None:
    read, ref = f.read, f.ref
    base = posixpath.dirname(ref.path)
    yaml_path = posixpath.join(base, "dvc.yaml")
    edges: list[tuple[str, str]] = []
    deps: list[str] = []
    outs: list[str] = []
    dep_hashes: dict[str, str] = {}
    dep_list = read.get(stage, "deps", f"{field}.deps", "list")
    for entry, where in path_entries(dep_list, f"{field}.deps", f):
        path = repo_path(base, workdir, entry["path"])
        deps.append(path)
        md5 = hash_facts(entry, where, read).get("md5")
        if md5:
            dep_hashes[path] = md5
        if not is_code(path):
            edges.append((f.dataset(path, {}, tracked=False), "reads"))
    out_list = read.get(stage, "outs", f"{field}.outs", "list")
    for entry, where in path_entries(out_list, f"{field}.outs", f):
        path = repo_path(base, workdir, entry["path"])
        outs.append(path)
        # Flags and declared_in only fill in: dvc.yaml states them, the lock does not.
        ds = f.dataset(path, {**hash_facts(entry, where, read), "stage": name},
                       {"declared_in": "dvc.lock", **OUT_FLAGS})
        edges.append((ds, "writes"))
    attrs: dict = {"locked": True}
    if dep_hashes:
        attrs["dep_hashes"] = dep_hashes
    defaults: dict = {"stage": name, "declared_in": "dvc.lock", "dvc_file": yaml_path,
                      "deps": deps, "outs": outs}
    command = cmd(stage, f"{field}.cmd", f)
    if command is not None:
        defaults["cmd"] = command
    if "@" in name:
        defaults["template_group"] = stage_group(name)
    job = f.node("job", f"dvc:{ref.tree_key}/{yaml_path}#{name}", attrs, defaults)
    for ds, kind in edges:
        f.ctx.graph.add_edge(job, ds, kind)
