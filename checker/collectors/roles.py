"""File roles (notebook, code, data, model, config, iac, pipeline, dvc) by name, glob and
extension, and the LFS patterns of .gitattributes that mark a file as stored outside git."""
from __future__ import annotations

import fnmatch
from pathlib import PurePosixPath

# Extension → role. Data and model extensions follow what DVC / LFS users commonly track.
ROLES_BY_EXT = {
    ".ipynb": "notebook",
    ".py": "code", ".r": "code", ".sql": "code", ".scala": "code", ".sh": "code",
    ".csv": "data", ".tsv": "data", ".parquet": "data", ".json": "data", ".jsonl": "data",
    ".ndjson": "data", ".xml": "data", ".xlsx": "data", ".xls": "data", ".feather": "data",
    ".arrow": "data", ".avro": "data", ".orc": "data", ".h5": "data", ".hdf5": "data",
    ".npy": "data", ".npz": "data", ".txt": "data", ".tfrecord": "data", ".zip": "data",
    ".gz": "data", ".tar": "data", ".bz2": "data", ".xz": "data", ".7z": "data",
    ".sqlite": "data", ".db": "data", ".delta": "data",
    ".pkl": "model", ".pickle": "model", ".joblib": "model", ".pt": "model",
    ".pth": "model", ".onnx": "model", ".safetensors": "model", ".ckpt": "model",
    ".h5model": "model", ".pb": "model", ".tflite": "model", ".gguf": "model",
    ".tf": "iac", ".tfvars": "iac", ".bicep": "iac",
    ".yaml": "config", ".yml": "config", ".toml": "config", ".cfg": "config", ".ini": "config",
    ".dvc": "dvc",
}
ROLES_BY_NAME = {
    "dvc.yaml": "dvc", "dvc.lock": "dvc", "MLproject": "pipeline", "Dockerfile": "config",
    "requirements.txt": "config", "environment.yml": "config", "conda.yaml": "config",
    "azure-pipelines.yml": "pipeline", ".gitattributes": "config", "Jenkinsfile": "pipeline",
}
ROLES_BY_GLOB = (
    (".github/workflows/*.yml", "pipeline"), (".github/workflows/*.yaml", "pipeline"),
    (".dvc/config", "dvc"),
)


def file_role(path: str) -> str | None:
    p = PurePosixPath(path)
    for pattern, role in ROLES_BY_GLOB:
        if fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, "*/" + pattern):
            return role
    if p.name in ROLES_BY_NAME:
        return ROLES_BY_NAME[p.name]
    return ROLES_BY_EXT.get(p.suffix.lower())


def lfs_patterns(gitattributes: str) -> list[str]:
    """Patterns routed through the LFS filter in a .gitattributes text."""
    patterns = []
    for line in gitattributes.splitlines():
        parts = line.split()
        if len(parts) >= 2 and not parts[0].startswith("#") and "filter=lfs" in parts[1:]:
            patterns.append(parts[0])
    return patterns


def matches_gitattr(path: str, pattern: str, base: str = "") -> bool:
    """gitattributes matching for a pattern from the .gitattributes in directory `base`:
    a pattern without '/' matches the base name anywhere below it; a leading '/' anchors."""
    if base:
        if not path.startswith(base.rstrip("/") + "/"):
            return False
        path = path[len(base.rstrip("/")) + 1:]
    if pattern.startswith("/"):
        return fnmatch.fnmatchcase(path, pattern[1:])
    if "/" not in pattern:
        return fnmatch.fnmatchcase(PurePosixPath(path).name, pattern)
    return fnmatch.fnmatchcase(path, pattern.replace("**/", "*"))
