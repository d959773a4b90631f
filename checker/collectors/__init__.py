"""Collectors: one per source kind. They record facts, never judge.

Two shapes share one registry (entry-point group `mlcheck.collectors`):

- a *source collector* finds sources under a scanned path (`detect`) or takes one
  named on the command line (`from_uri`), and adds their facts to the graph;
- a *file parser* claims files by glob (`patterns`) and parses their bytes. The tree
  collectors (git, folder) hand every claimed file to its parser, whether it sits in
  a work tree, a bare repository or a plain folder, so a parser never touches disk.
"""
from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, Protocol

from ..graph import EstateGraph, Provenance, utc_now

ENTRY_POINT_GROUP = "mlcheck.collectors"

# Bytes a parser is ever handed; larger files are a collection error, not a crash.
DEFAULT_MAX_PARSE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Source:
    kind: str                 # collector name
    uri: str                  # absolute path or URL
    label: str                # stable, readable key used in node ids
    display: str              # how reports name it (path as given, or URL)
    root: str = ""            # the scanned tree it was found in ("": uri is the whole tree)


class RepositoryReader(Protocol):
    """What a collector offers the linkers about a repository it collected, for joins that
    need more than the graph holds. Live access: never saved in a snapshot (which is
    taken after linking)."""

    def files_at(self, sha: str) -> set[str] | None:
        """Paths tracked at a commit; None when the repository cannot say."""


@dataclass
class CollectContext:
    graph: EstateGraph
    params: dict = field(default_factory=dict)
    max_parse_bytes: int = DEFAULT_MAX_PARSE_BYTES
    collected_at: str = field(default_factory=utc_now)
    parsers: list["FileParser"] = field(default_factory=list)
    repositories: dict[str, RepositoryReader] = field(default_factory=dict)   # repo node → reader
    exclude: list[str] = field(default_factory=list)    # --exclude and config globs (walker.Exclusions)

    def provenance(self, collector: str, source: str, line: int | None = None) -> Provenance:
        return Provenance(collector, source, line, self.collected_at)

    def parsers_for(self, path: str) -> list["FileParser"]:
        return [p for p in self.parsers if p.claims(path)]


class Collector:
    """A source collector."""
    name: ClassVar[str] = ""

    @classmethod
    def detect(cls, root: Path, display: str) -> list[Source]:
        """Sources of this kind found under `root` (given on the CLI as `display`)."""
        return []

    @classmethod
    def from_uri(cls, uri: str) -> Source:
        """A source named with `--source KIND=URI`."""
        raise ValueError(f"collector {cls.name!r} cannot be given a URI")

    def collect(self, source: Source, ctx: CollectContext) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class FileRef:
    """A file handed to a parser: its file node and the tree it came from."""
    node: str                 # file node id
    path: str                 # path inside its tree (POSIX)
    display: str              # path for reports and provenance
    tree: str                 # the repo node (kind repo, vcs git or none) holding the file
    tree_key: str             # key prefix of the tree's nodes, e.g. "git:." or "fs:."
    commit: str | None        # the commit node the content comes from (None: work tree or folder)


class FileParser:
    """Parses files that a tree collector found. Subclasses set name and patterns.

    A parser that sets `reads_files` reads by seeks and bounded reads of its own (model
    checkpoints of many GB need only their headers): where the tree can open the file (a
    folder, a work tree's file) it gets parse_file() with the open file whatever its size,
    and the parse limit does not apply; elsewhere (a git blob) it gets parse() within it."""
    name: ClassVar[str] = ""
    patterns: ClassVar[tuple[str, ...]] = ()
    reads_files: ClassVar[bool] = False

    def claims(self, path: str) -> bool:
        """A pattern matches the file's name or its whole path (fnmatch, case-sensitive)."""
        matcher = self.__dict__.get("_claims_matcher")
        if matcher is None:     # compiled on first use: every file of every tree is asked
            matcher = self._claims_matcher = _union(tuple(self.patterns))
        return bool(matcher(path.rpartition("/")[2]) or matcher(path))

    def parse(self, ref: FileRef, data: bytes, ctx: CollectContext) -> None:
        """Add facts for one file. Bad content: ctx.graph.error(...), never raise."""
        raise NotImplementedError

    def parse_file(self, ref: FileRef, fh: BinaryIO, size: int, ctx: CollectContext) -> None:
        """With reads_files: add facts for one file open for reading (`size` bytes), read
        within the parser's own bounds. Bad content: ctx.graph.error(...), never raise."""
        raise NotImplementedError

    def finish(self, tree: str, ctx: CollectContext) -> None:
        """Called once a tree (repo node `tree`) has handed over all its files: for formats
        read a folder at a time (Terraform modules, Bicep modules, ARM parameter files).
        A parser keeps what it needs per tree in parse() and lets it go here."""

    def finish_scan(self, ctx: CollectContext) -> None:
        """Called once every source of the scan is collected: for references from one tree
        into another (an Azure Pipelines template in another scanned repository)."""

    def pending(self) -> Any:
        """What finish_scan would need, in JSON, when this process collected only some of the
        scan's sources (checker/scale: a shard, a cached source); None when nothing. Strings
        in it are cleaned as at the graph's door: shards are saved."""
        return None

    def resume(self, pending: Any, ctx: CollectContext) -> None:
        """One source's pending(), taken back by a fresh parser before finish_scan over the
        merged graph. KeyError, TypeError or ValueError for data pending() did not give."""
        raise NotImplementedError


@functools.lru_cache(maxsize=256)
def _union(patterns: tuple[str, ...]):
    """One compiled regex for a parser's glob patterns, shared by its instances: a path
    is matched once, not once per pattern."""
    if not patterns:
        return lambda text: None
    return re.compile("|".join(fnmatch.translate(p) for p in patterns)).match


# Built-ins are listed here as well as in pyproject's entry points so that a source
# checkout with stale metadata still finds them all.
BUILTINS = {
    "git": "checker.collectors.git:GitCollector",
    "folder": "checker.collectors.folder:FolderCollector",
    "mlflow": "checker.collectors.mlflow:MlflowCollector",
    "notebook": "checker.collectors.notebook:NotebookParser",
    "dvc": "checker.collectors.dvc:DvcParser",
    "azureml": "checker.collectors.azureml:AzureMLParser",
    "secrets": "checker.collectors.secrets:SecretsParser",
    "terraform": "checker.collectors.terraform:TerraformParser",
    "arm": "checker.collectors.arm:ArmParser",
    "bicep": "checker.collectors.bicep:BicepParser",
    "exports": "checker.collectors.exports:ExportsParser",
    "k8s": "checker.collectors.k8s_manifests:K8sManifestParser",
    "functions": "checker.collectors.functions:FunctionsParser",
    "github_actions": "checker.collectors.ci.github:GithubActionsParser",
    "gitlab_ci": "checker.collectors.ci.gitlab:GitlabCiParser",
    "azure_pipelines": "checker.collectors.ci.azure:AzurePipelinesParser",
    "governance_exports": "checker.collectors.governance:GovernanceExportsParser",
    "repository_governance": "checker.collectors.governance:RepositoryGovernanceParser",
    "models": "checker.collectors.models:ModelFileParser",
}


def load_registry() -> dict[str, type]:
    """Every collector and parser class, built-in or third-party, by name."""
    registry: dict[str, type] = {}
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        registry[ep.name] = _load_entry_point(ep)
    for name, target in BUILTINS.items():
        if name not in registry:
            registry[name] = _load_entry_point(metadata.EntryPoint(name, target, ENTRY_POINT_GROUP))
    return registry


def _load_entry_point(ep) -> type:
    try:
        cls = ep.load()
    except Exception as exc:  # a broken plug-in is a config error, named
        raise RegistryError(f"collector plug-in {ep.name!r} ({ep.value}) failed to load: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, (Collector, FileParser))):
        raise RegistryError(f"collector plug-in {ep.name!r} ({ep.value}) is not a Collector or FileParser")
    return cls


class RegistryError(Exception):
    pass


def source_collectors(registry: dict[str, type]) -> list[type]:
    return [c for c in registry.values() if issubclass(c, Collector)]


def file_parsers(registry: dict[str, type]) -> list[FileParser]:
    return [c() for name, c in sorted(registry.items()) if issubclass(c, FileParser)]

