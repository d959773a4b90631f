"""Model files into the lineage: which model versions hold which files.

- An Azure ML model spec's local `path` (a file, or a folder of model files, relative to
  the spec) → model_version --contains--> each model file of that tree at that path.
- A model file a tree walk found (an `mlartifacts/` folder inside the scanned tree) that is
  byte for byte an artifact the MLflow collector read for a version is the same artifact:
  the tree's file gets `model_same_as` (the artifact file nodes), so MLC-MODEL-001 reports
  the artifact once, on the node the versions hold.
"""
from __future__ import annotations

import posixpath
from collections import defaultdict

from ...graph import EstateGraph

_NOT_LOCAL = ("azureml:", "http://", "https://", "runs:/", "models:/", "wasbs://", "abfss://",
              "s3://", "gs://", "dbfs:/", "mlflow-artifacts:")


def link_model_artifacts(graph: EstateGraph) -> None:
    tree_files: dict[str, dict[str, str]] = defaultdict(dict)       # repo → path → file node
    artifacts_by_hash: dict[tuple[str, str], list[str]] = defaultdict(list)
    for fid, f in graph.nodes("file"):
        a = f["attrs"]
        if a.get("store") == "mlflow-artifacts":
            if a.get("model_sha256"):
                artifacts_by_hash[(a["model_sha256"], a.get("name", ""))].append(fid)
            continue
        if "model_format" not in a:
            continue
        for repo in graph.in_edges(fid, "contains"):
            tree_files[repo][a["path"]] = fid
    for files in tree_files.values():
        for fid in files.values():
            a = graph.node(fid)["attrs"]
            same = artifacts_by_hash.get((a.get("model_sha256"), a.get("name", "")))
            if same:
                graph.update_attrs(fid, model_same_as=sorted(same))
    _link_spec_paths(graph, tree_files)


def _link_spec_paths(graph: EstateGraph, tree_files: dict[str, dict[str, str]]) -> None:
    for nid, data in graph.nodes("model_version"):
        a = data["attrs"]
        path, spec = a.get("path"), a.get("defined_in")
        if a.get("store") != "azureml-spec" or not isinstance(path, str) or not isinstance(spec, str):
            continue
        if path.startswith(_NOT_LOCAL) or not path.strip():
            continue
        target = posixpath.normpath(posixpath.join(posixpath.dirname(spec), path.replace("\\", "/")))
        for spec_file in graph.out_edges(nid, "defined_in"):
            for repo in graph.in_edges(spec_file, "contains"):
                files = tree_files.get(repo, {})
                for fpath, fid in files.items():
                    if fpath == target or fpath.startswith(target.rstrip("/") + "/"):
                        graph.add_edge(nid, fid, "contains")
