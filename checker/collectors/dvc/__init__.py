"""DVC parser: `.dvc` files, `dvc.yaml` stages, `dvc.lock` hashes and `.dvc/config` remotes.

Facts only (LINEAGE_SPEC "DVC"). Every output becomes one dataset node keyed by its
repository-relative path, whichever file declares it, so a `dvc.yaml` out and its
`dvc.lock` hash land on the same node. Templates (`${...}`, foreach, matrix) are never
expanded: DVC writes the expanded stages to `dvc.lock`, which is where we read them. A
file only a template engine can read (a cookiecutter's `{{ }}`) is recorded on its file
node as a template, not evaluated. Every field is read with the type DVC's schema gives
it; a value of another type is one collection error (field, line), the rest is kept.

One module per file type, one parser handing each file to its reader:
- dvcfile: `.dvc` files (outs, imports, pre-1.0 stage files);
- dvcyaml: `dvc.yaml` stages;
- lock: `dvc.lock` stages, read with their dvc.yaml's wdirs;
- config: `.dvc/config` and `config.local` remotes;
- common: what they share (the file being read, paths, hashes, shared fields).
"""
from __future__ import annotations

from pathlib import PurePosixPath

from .. import CollectContext, FileParser, FileRef
from ...safeyaml import TemplateYaml, YamlError, describe, line_of, load_yaml
from .common import NAME, DvcFile
from .config import parse_config
from .dvcfile import parse_dvc_file
from .dvcyaml import parse_dvc_yaml
from .lock import dvc_yaml_of, lock_stages_of, parse_lock_stages

__all__ = ["DvcParser"]


class DvcParser(FileParser):
    name = NAME
    patterns = ("*.dvc", "dvc.yaml", "dvc.lock", ".dvc/config", "*/.dvc/config",
                ".dvc/config.local", "*/.dvc/config.local")

    def __init__(self) -> None:
        # dvc.lock paths are relative to their stage's wdir, which only dvc.yaml knows; a lock
        # met before its dvc.yaml waits here until the dvc.yaml is parsed (DVC itself ignores
        # a lock without its dvc.yaml). Keys: (tree_key, path of the dvc.yaml).
        self._stage_wdirs: dict[tuple[str, str], dict[str, str]] = {}
        self._waiting_locks: dict[tuple[str, str], tuple[DvcFile, dict, str]] = {}

    def parse(self, ref: FileRef, data: bytes, ctx: CollectContext) -> None:
        p = PurePosixPath(ref.path)
        f = DvcFile(ref, ctx)
        if p.parent.name == ".dvc" and p.name in ("config", "config.local"):
            parse_config(f, data)
            return
        if p.name == ".dvc":
            return      # a file literally named ".dvc" is not a DVC file
        doc = self._load(f, data)
        if doc is None:
            return
        if p.name == "dvc.yaml":
            self._dvc_yaml(f, doc)
        elif p.name == "dvc.lock":
            self._lock(f, doc)
        else:
            parse_dvc_file(f, doc)

    @staticmethod
    def _load(f: DvcFile, data: bytes) -> dict | None:
        ref = f.ref
        try:
            # DVC reads its files with ruamel.yaml, which refuses a key given twice.
            doc = load_yaml(data, ref.display, unique_keys=True)
        except TemplateYaml as exc:
            f.ctx.graph.update_attrs(ref.node, **exc.file_facts)
            return None
        except YamlError as exc:
            f.add(f"invalid YAML: {exc.reason}", exc.line)
            return None
        if doc is None:
            if ref.path.endswith(".dvc"):
                f.add("empty .dvc file: no 'outs'")
            return None
        if not isinstance(doc, dict):
            f.add(f"expected a mapping at the top level, found {describe(doc)}", line_of(doc))
            return None
        return doc

    def _dvc_yaml(self, f: DvcFile, doc: dict) -> None:
        key = (f.ref.tree_key, f.ref.path)
        wdirs = self._stage_wdirs.setdefault(key, {})
        parse_dvc_yaml(f, doc, wdirs)
        waiting = self._waiting_locks.pop(key, None)
        if waiting:
            parse_lock_stages(*waiting, wdirs)

    def _lock(self, f: DvcFile, doc: dict) -> None:
        found = lock_stages_of(f, doc)
        if found is None:
            return
        stages, prefix = found
        wdirs = self._stage_wdirs.get(dvc_yaml_of(f))
        if wdirs is None:
            self._waiting_locks[dvc_yaml_of(f)] = (f, stages, prefix)
            return
        parse_lock_stages(f, stages, prefix, wdirs)
