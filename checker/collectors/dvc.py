"""DVC parser: `.dvc` files, `dvc.yaml` stages, `dvc.lock` hashes and `.dvc/config` remotes.

Facts only (LINEAGE_SPEC "DVC"). Every output becomes one dataset node keyed by its
repository-relative path, whichever file declares it, so a `dvc.yaml` out and its
`dvc.lock` hash land on the same node. Templates (`${...}`, foreach, matrix) are never
expanded: DVC writes the expanded stages to `dvc.lock`, which is where we read them. A
file only a template engine can read (a cookiecutter's `{{ }}`) is recorded on its file
node as a template, not evaluated. Every field is read with the type DVC's schema gives
it; a value of another type is one collection error (field, line), the rest is kept.
"""
from __future__ import annotations

import configparser
import posixpath
import re
from pathlib import PurePosixPath
from typing import Any, Iterator

from . import CollectContext, FileParser, FileRef
from .files import is_url, short, url_has_password, url_without_secrets
from ..graph import node_id
from ..safeyaml import Fields, TemplateYaml, YamlError, describe, line_of, load_yaml

HASH_FIELDS = ("md5", "etag", "checksum")       # DVC's hash fields, in the order it prefers them
OUT_FLAGS = {"cache": True, "push": True, "persist": False}   # DVC's defaults
OUT_FIELDS = (("outs", "out"), ("metrics", "metric"), ("plots", "plot"))
# Stage deps with these extensions are code, not data: they get no dataset node.
CODE_EXTS = frozenset({
    ".py", ".ipynb", ".r", ".sh", ".bash", ".sql", ".scala", ".jl", ".js", ".ts", ".java",
    ".go", ".rb", ".pl", ".m", ".c", ".cc", ".cpp", ".h", ".rs", ".ps1", ".bat", ".cmd",
})
# Option names in .dvc/config whose values are secrets (dvc remote modify docs, all remote types).
CREDENTIAL_OPTIONS = frozenset({
    "access_key_id", "secret_access_key", "session_token", "account_key", "sas_token",
    "connection_string", "client_secret", "gdrive_client_secret", "oss_key_id",
    "oss_key_secret", "password", "passphrase", "token", "key_secret",
})
_CREDENTIAL_WORDS = re.compile(r"secret|password|passphrase|token|access_key|account_key")
_SECTION_LINE = re.compile(r"""^\s*\[\s*(['"]?)(.*?)\1\s*\]\s*$""")
_NAMED_SECTION = re.compile(r'^(\w+)\s+"(.+)"$')


# -- small facts ---------------------------------------------------------------

def repo_path(base_dir: str, wdir: str, path: str) -> str:
    """A path declared in a DVC file, made relative to the repository root."""
    if is_url(path):
        return url_without_secrets(path)
    if path.startswith("/"):
        return posixpath.normpath(path)
    return posixpath.normpath(posixpath.join(base_dir, wdir, path))


def is_code(path: str) -> bool:
    return PurePosixPath(path).suffix.lower() in CODE_EXTS


def is_templated(value: Any) -> bool:
    return isinstance(value, str) and "${" in value


def checksum(entry: dict, name: str, field: str, read: Fields) -> str | None:
    """A hash as DVC's schema takes it (CHECKSUM_SCHEMA): a string, or an integer it turns
    into one, of at least 3 characters; null or "" is none."""
    value = read.get(entry, name, f"{field}.{name}", "text", "integer", null_ok=True)
    if value is None or value == "":
        return None
    if len(str(value)) < 3:
        read.report(f"{field}.{name}: expected a hash of at least 3 characters, found "
                    f"{describe(value)}", line_of(entry, name))
        return None
    return str(value)


def hash_facts(entry: dict, field: str, read: Fields) -> dict:
    """md5/hash/etag/version_id/size/nfiles/is_dir of one out or dep entry."""
    values = {name: value for name in HASH_FIELDS
              if (value := checksum(entry, name, field, read)) is not None}
    values.update({name: value for name in ("hash", "version_id")
                   if (value := read.scalar(entry, name, f"{field}.{name}")) is not None})
    facts: dict = {}
    algo = next((f for f in HASH_FIELDS if f in values), None)
    if algo:
        facts["md5"] = values[algo]
        # DVC 3 writes `hash: md5`; DVC 2 files name no algorithm (their field is it).
        facts["hash"] = values.get("hash", algo)
    for name in ("etag", "version_id"):
        if name in values:
            facts[name] = values[name]
    for name in ("size", "nfiles"):
        count = read.get(entry, name, f"{field}.{name}", "integer")
        if count is not None:
            facts[name] = count
    if facts.get("md5", "").endswith(".dir") or "nfiles" in facts:
        facts["is_dir"] = True
    return facts


def stage_group(name: str) -> str:
    """`train@cnn-feature1` (an expanded foreach/matrix stage in dvc.lock) → `train`."""
    return name.split("@", 1)[0]


class _Problems:
    """Problems found in one file, reported as collection errors; `read` reads its fields
    with the types DVC's schema gives them."""

    def __init__(self, parser: str, ref: FileRef, ctx: CollectContext) -> None:
        self.parser, self.ref, self.ctx = parser, ref, ctx
        self.read = Fields(self.add)

    def add(self, reason: str, line: int | None = None) -> None:
        self.ctx.graph.error(self.parser, self.ref.display, reason, line)


# -- the parser -------------------------------------------------------------------

class DvcParser(FileParser):
    name = "dvc"
    patterns = ("*.dvc", "dvc.yaml", "dvc.lock", ".dvc/config", "*/.dvc/config",
                ".dvc/config.local", "*/.dvc/config.local")

    def __init__(self) -> None:
        # dvc.lock paths are relative to their stage's wdir, which only dvc.yaml knows; a lock
        # met before its dvc.yaml waits here until the dvc.yaml is parsed (DVC itself ignores
        # a lock without its dvc.yaml). Keys: (tree_key, path of the dvc.yaml).
        self._stage_wdirs: dict[tuple[str, str], dict[str, str]] = {}
        self._waiting_locks: dict[tuple[str, str], tuple[FileRef, dict, str]] = {}

    def parse(self, ref: FileRef, data: bytes, ctx: CollectContext) -> None:
        p = PurePosixPath(ref.path)
        problems = _Problems(self.name, ref, ctx)
        if p.parent.name == ".dvc" and p.name in ("config", "config.local"):
            self._parse_config(ref, data, ctx, problems)
            return
        if p.name == ".dvc":
            return      # a file literally named ".dvc" is not a DVC file
        doc = self._load(ref, data, ctx, problems)
        if doc is None:
            return
        if p.name == "dvc.yaml":
            self._parse_dvc_yaml(ref, doc, ctx, problems)
        elif p.name == "dvc.lock":
            self._parse_lock(ref, doc, ctx, problems)
        else:
            self._parse_dvc_file(ref, doc, ctx, problems)

    @staticmethod
    def _load(ref: FileRef, data: bytes, ctx: CollectContext, problems: _Problems) -> dict | None:
        try:
            # DVC reads its files with ruamel.yaml, which refuses a key given twice.
            doc = load_yaml(data, ref.display, unique_keys=True)
        except TemplateYaml as exc:
            ctx.graph.update_attrs(ref.node, **exc.file_facts)
            return None
        except YamlError as exc:
            problems.add(f"invalid YAML: {exc.reason}", exc.line)
            return None
        if doc is None:
            if ref.path.endswith(".dvc"):
                problems.add("empty .dvc file: no 'outs'")
            return None
        if not isinstance(doc, dict):
            problems.add(f"expected a mapping at the top level, found {describe(doc)}", line_of(doc))
            return None
        return doc

    # -- shared node writers ---------------------------------------------------
    def _node(self, ctx: CollectContext, ref: FileRef, kind: str, key: str, attrs: dict,
              defaults: dict | None = None) -> str:
        """Add or enrich a node; `defaults` only fill attrs the node does not have yet."""
        nid = node_id(kind, key)
        have = ctx.graph.node(nid)["attrs"] if nid in ctx.graph else {}
        fill = {k: v for k, v in (defaults or {}).items() if k not in have}
        return ctx.graph.add_node(kind, key, {**fill, **attrs, "store": "dvc"},
                                  ctx.provenance(self.name, ref.display))

    def _dataset(self, ctx: CollectContext, ref: FileRef, path: str, attrs: dict,
                 defaults: dict | None = None, tracked: bool = True) -> str:
        base = {"path": path, "repo": ref.tree}
        if ref.commit:
            base["commit"] = ref.commit
        if is_url(path):
            base["external"] = True
        nid = self._node(ctx, ref, "dataset", f"dvc:{ref.tree_key}/{path}", {**base, **attrs},
                         {"is_dir": False, **(defaults or {})})
        ctx.graph.add_edge(ref.tree, nid, "contains")
        if tracked:
            ctx.graph.add_edge(nid, ref.node, "tracked_by")
        return nid

    # -- fields ---------------------------------------------------------------------
    @staticmethod
    def _wdir(container: dict, field: str, problems: _Problems) -> str:
        value = problems.read.text(container, "wdir", field)
        return "." if value is None or is_templated(value) else value

    @staticmethod
    def _cmd(container: dict, field: str, problems: _Problems) -> str | None:
        """`cmd`: one command, or a list of them (DVC runs each in turn)."""
        cmd = problems.read.get(container, "cmd", field, "text", "list")
        if isinstance(cmd, list):
            parts = [text for _, text in problems.read.items(cmd, field, "text")]
            return short(parts) if parts else None
        return None if cmd is None else short(cmd)

    @staticmethod
    def _path_entries(seq: list | None, field: str, problems: _Problems) -> Iterator[tuple[dict, str]]:
        """(entry, its field) of a .dvc/dvc.lock `outs`/`deps` list: mappings with a path."""
        for i, entry in problems.read.items(seq or [], field, "mapping"):
            where = f"{field}[{i}]"
            path = problems.read.text(entry, "path", f"{where}.path")
            if path:
                yield entry, where
            elif "path" not in entry or entry["path"] == "":
                problems.add(f"{where}.path: missing; every entry needs a path", line_of(seq, i))

    @staticmethod
    def _stage_items(seq: list | None, field: str, problems: _Problems) -> Iterator[tuple[str, dict, str]]:
        """(path, options, field) of dvc.yaml deps/outs/metrics/plots: `path` strings or
        `path: {options}` mappings (`path:` with no options too)."""
        for i, item in problems.read.items(seq or [], field, "text", "mapping"):
            where = f"{field}[{i}]"
            if isinstance(item, str) and item:
                yield item, {}, where
                continue
            if isinstance(item, dict) and len(item) == 1:
                path = next(iter(item))
                if isinstance(path, str) and path:
                    opts = problems.read.get(item, path, f"{where}.{path}", "mapping", null_ok=True)
                    yield path, opts or {}, f"{where}.{path}"
                    continue
            problems.add(f"{where}: expected `path` or `path: {{options}}`", line_of(seq, i))

    @staticmethod
    def _out_options(opts: dict, field: str, problems: _Problems) -> dict:
        """cache/push/persist (DVC defaults filled in) and an out-level remote."""
        facts: dict = {}
        for flag, default in OUT_FLAGS.items():
            value = problems.read.get(opts, flag, f"{field}.{flag}", "boolean")
            facts[flag] = default if value is None else value
        remote = problems.read.text(opts, "remote", f"{field}.remote")
        if remote is not None:
            facts["remote"] = remote
        return facts

    # -- .dvc files ---------------------------------------------------------------
    def _parse_dvc_file(self, ref: FileRef, doc: dict, ctx: CollectContext,
                        problems: _Problems) -> None:
        read = problems.read
        base = posixpath.dirname(ref.path)
        wdir = self._wdir(doc, "wdir", problems)
        if "outs" not in doc:
            problems.add("outs: missing; a .dvc file needs outs", line_of(doc))
            return
        outs_list = read.get(doc, "outs", "outs", "list")
        frozen = read.get(doc, "frozen", "frozen", "boolean")
        # A `cmd` makes it a DVC < 1.0 single-stage file: its deps are stage inputs, not imports.
        legacy_stage = "cmd" in doc
        deps = read.get(doc, "deps", "deps", "list")
        sources = [] if legacy_stage else self._import_sources(deps, problems)
        outs = []
        for entry, field in self._path_entries(outs_list, "outs", problems):
            attrs = {**hash_facts(entry, field, read), **self._out_options(entry, field, problems),
                     "declared_in": "dvc-file"}
            if entry["path"].endswith("/"):
                attrs["is_dir"] = True
            if sources:
                attrs.update(imported=True, import_sources=sources)
            if frozen:
                attrs["frozen"] = True
            outs.append(self._dataset(ctx, ref, repo_path(base, wdir, entry["path"]), attrs))
        if legacy_stage:
            self._legacy_stage(ref, doc, deps, base, wdir, outs, ctx, problems)

    def _legacy_stage(self, ref: FileRef, doc: dict, dep_list: list | None, base: str, wdir: str,
                      outs: list[str], ctx: CollectContext, problems: _Problems) -> None:
        """A pre-1.0 stage file: one job named after the file, reading its deps."""
        deps, reads = [], []
        for entry, _ in self._path_entries(dep_list, "deps", problems):
            path = repo_path(base, wdir, entry["path"])
            deps.append(path)
            if not is_code(path):
                reads.append(self._dataset(ctx, ref, path, {}, tracked=False))
        locked = problems.read.get(doc, "locked", "locked", "boolean")
        attrs = {"stage": PurePosixPath(ref.path).name, "declared_in": "dvc-file", "dvc_file": ref.path,
                 "legacy_stage_file": True, "deps": deps,
                 "outs": [ctx.graph.node(o)["attrs"]["path"] for o in outs],
                 "frozen": locked is True or doc.get("frozen") is True}
        cmd = self._cmd(doc, "cmd", problems)
        if cmd is not None:
            attrs["cmd"] = cmd
        job = self._node(ctx, ref, "job", f"dvc:{ref.tree_key}/{ref.path}", attrs)
        ctx.graph.add_edge(job, ref.node, "defined_in")
        for ds in reads:
            ctx.graph.add_edge(job, ds, "reads")
        for ds in outs:
            ctx.graph.add_edge(job, ds, "writes")

    def _import_sources(self, deps: list | None, problems: _Problems) -> list[dict]:
        """Where `dvc import` / `dvc import-url` took the data from (credentials stripped)."""
        read = problems.read
        sources = []
        for dep, field in self._path_entries(deps, "deps", problems):
            src: dict = {"path": url_without_secrets(dep["path"]) if is_url(dep["path"]) else dep["path"]}
            repo = read.get(dep, "repo", f"{field}.repo", "mapping")
            if repo is not None:
                url = read.text(repo, "url", f"{field}.repo.url")
                if url is not None:
                    src["repo_url"] = url_without_secrets(url)
                for name in ("rev", "rev_lock"):
                    rev = read.scalar(repo, name, f"{field}.repo.{name}")
                    if rev is not None:
                        src[name] = rev
            hashes = hash_facts(dep, field, read)
            for name in ("md5", "etag", "version_id"):
                if name in hashes:
                    src[name] = hashes[name]
            sources.append(src)
        return sources

    # -- dvc.yaml -----------------------------------------------------------------
    def _parse_dvc_yaml(self, ref: FileRef, doc: dict, ctx: CollectContext,
                        problems: _Problems) -> None:
        read = problems.read
        stages = read.get(doc, "stages", "stages", "mapping") or {}
        wdirs = self._stage_wdirs.setdefault((ref.tree_key, ref.path), {})
        for key, stage, field in read.entries(stages, "stages", "mapping"):
            name = str(key)
            if "foreach" in stage:
                body = read.get(stage, "do", f"{field}.do", "mapping") or {}
                wdirs[name] = self._wdir(body, f"{field}.do.wdir", problems)
                self._template_stage(ref, name, stage, body, f"{field}.do", ctx, problems)
            elif "matrix" in stage:
                wdirs[name] = self._wdir(stage, f"{field}.wdir", problems)
                self._template_stage(ref, name, stage, stage, field, ctx, problems)
            else:
                wdirs[name] = self._wdir(stage, f"{field}.wdir", problems)
                self._stage(ref, name, stage, wdirs[name], field, ctx, problems)
        waiting = self._waiting_locks.pop((ref.tree_key, ref.path), None)
        if waiting:
            lock_ref, lock_stages, prefix = waiting
            self._lock_stages(lock_ref, lock_stages, prefix, wdirs, ctx,
                              _Problems(self.name, lock_ref, ctx))

    def _stage(self, ref: FileRef, name: str, stage: dict, wdir: str, field: str,
               ctx: CollectContext, problems: _Problems) -> None:
        read = problems.read
        base = posixpath.dirname(ref.path)
        edges: list[tuple[str, str]] = []
        lists: dict[str, list[str]] = {"deps": [], "outs": [], "metrics": [], "plots": []}
        templated: list[str] = []
        deps = read.get(stage, "deps", f"{field}.deps", "list")
        for raw, _, _ in self._stage_items(deps, f"{field}.deps", problems):
            if is_templated(raw):
                templated.append(raw)
                continue
            path = repo_path(base, wdir, raw)
            lists["deps"].append(path)
            if not is_code(path):
                edges.append((self._dataset(ctx, ref, path, {}, tracked=False), "reads"))
        for kind, out_kind in OUT_FIELDS:
            seq = read.get(stage, kind, f"{field}.{kind}", "list")
            for raw, opts, where in self._stage_items(seq, f"{field}.{kind}", problems):
                if is_templated(raw):
                    templated.append(raw)
                    continue
                path = repo_path(base, wdir, raw)
                lists[kind].append(path)
                attrs = {**self._out_options(opts, where, problems),
                         "declared_in": "dvc.yaml", "stage": name, "out_kind": out_kind}
                if raw.endswith("/"):
                    attrs["is_dir"] = True
                edges.append((self._dataset(ctx, ref, path, attrs), "writes"))
        attrs = {"stage": name, "declared_in": "dvc.yaml", "dvc_file": ref.path,
                 "frozen": read.get(stage, "frozen", f"{field}.frozen", "boolean") is True,
                 "always_changed": read.get(stage, "always_changed", f"{field}.always_changed",
                                            "boolean") is True,
                 **{k: v for k, v in lists.items() if v or k in ("deps", "outs")}}
        cmd = self._cmd(stage, f"{field}.cmd", problems)
        if cmd is not None:
            attrs["cmd"] = cmd
        if wdir != ".":
            attrs["wdir"] = wdir
        params = self._params(stage, f"{field}.params", problems)
        if params:
            attrs["params"] = params
        if templated:
            attrs["templated_paths"] = templated
        job = self._node(ctx, ref, "job", f"dvc:{ref.tree_key}/{ref.path}#{name}", attrs)
        ctx.graph.add_edge(job, ref.node, "defined_in")
        for ds, kind in edges:
            ctx.graph.add_edge(job, ds, kind)

    def _template_stage(self, ref: FileRef, name: str, stage: dict, body: dict, body_field: str,
                        ctx: CollectContext, problems: _Problems) -> None:
        """A foreach/matrix stage: recorded, never expanded (its expansions are in dvc.lock)."""
        read = problems.read
        template = "foreach" if "foreach" in stage else "matrix"
        kinds = ("list", "mapping", "text") if template == "foreach" else ("mapping",)
        over = read.get(stage, template, f"stages.{name}.{template}", *kinds)
        attrs = {"stage": name, "declared_in": "dvc.yaml", "dvc_file": ref.path, "template": template,
                 "frozen": read.get(body, "frozen", f"{body_field}.frozen", "boolean") is True}
        if isinstance(over, str):
            attrs["template_over"] = short(over)
        elif over is not None:
            attrs["template_items"] = len(over)
        cmd = self._cmd(body, f"{body_field}.cmd", problems)
        if cmd is not None:
            attrs["cmd"] = cmd
        job = self._node(ctx, ref, "job", f"dvc:{ref.tree_key}/{ref.path}#{name}", attrs)
        ctx.graph.add_edge(job, ref.node, "defined_in")

    @staticmethod
    def _params(stage: dict, field: str, problems: _Problems) -> list[str]:
        """Stage params as `key` or `file:key` / `file` strings."""
        read = problems.read
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

    # -- dvc.lock -----------------------------------------------------------------
    def _parse_lock(self, ref: FileRef, doc: dict, ctx: CollectContext,
                    problems: _Problems) -> None:
        # schema '2.0' nests stages under `stages:`; the 1.0 lock had them at the top level.
        if "stages" in doc or "schema" in doc:
            stages, prefix = problems.read.get(doc, "stages", "stages", "mapping"), "stages."
        else:
            stages, prefix = doc, ""
        if stages is None:
            return
        ctx.graph.update_attrs(ref.node, dvc_lock_stages=sorted(str(s) for s in stages))
        yaml_key = (ref.tree_key, posixpath.join(posixpath.dirname(ref.path), "dvc.yaml"))
        wdirs = self._stage_wdirs.get(yaml_key)
        if wdirs is None:
            self._waiting_locks[yaml_key] = (ref, stages, prefix)
            return
        self._lock_stages(ref, stages, prefix, wdirs, ctx, problems)

    def _lock_stages(self, ref: FileRef, stages: dict, prefix: str, wdirs: dict[str, str],
                     ctx: CollectContext, problems: _Problems) -> None:
        for key, stage, _ in problems.read.entries(stages, prefix.rstrip("."), "mapping"):
            name, field = str(key), f"{prefix}{key}"
            wdir = wdirs.get(name, wdirs.get(stage_group(name), "."))
            self._lock_stage(ref, name, stage, wdir, field, ctx, problems)

    def _lock_stage(self, ref: FileRef, name: str, stage: dict, wdir: str, field: str,
                    ctx: CollectContext, problems: _Problems) -> None:
        read = problems.read
        base = posixpath.dirname(ref.path)
        yaml_path = posixpath.join(base, "dvc.yaml")
        edges: list[tuple[str, str]] = []
        deps: list[str] = []
        outs: list[str] = []
        dep_hashes: dict[str, str] = {}
        dep_list = read.get(stage, "deps", f"{field}.deps", "list")
        for entry, where in self._path_entries(dep_list, f"{field}.deps", problems):
            path = repo_path(base, wdir, entry["path"])
            deps.append(path)
            md5 = hash_facts(entry, where, read).get("md5")
            if md5:
                dep_hashes[path] = md5
            if not is_code(path):
                edges.append((self._dataset(ctx, ref, path, {}, tracked=False), "reads"))
        out_list = read.get(stage, "outs", f"{field}.outs", "list")
        for entry, where in self._path_entries(out_list, f"{field}.outs", problems):
            path = repo_path(base, wdir, entry["path"])
            outs.append(path)
            # Flags and declared_in only fill in: dvc.yaml states them, the lock does not.
            ds = self._dataset(ctx, ref, path, {**hash_facts(entry, where, read), "stage": name},
                               {"declared_in": "dvc.lock", **OUT_FLAGS})
            edges.append((ds, "writes"))
        attrs: dict = {"locked": True}
        if dep_hashes:
            attrs["dep_hashes"] = dep_hashes
        defaults: dict = {"stage": name, "declared_in": "dvc.lock", "dvc_file": yaml_path,
                          "deps": deps, "outs": outs}
        cmd = self._cmd(stage, f"{field}.cmd", problems)
        if cmd is not None:
            defaults["cmd"] = cmd
        if "@" in name:
            defaults["template_group"] = stage_group(name)
        job = self._node(ctx, ref, "job", f"dvc:{ref.tree_key}/{yaml_path}#{name}", attrs, defaults)
        for ds, kind in edges:
            ctx.graph.add_edge(job, ds, kind)

    # -- .dvc/config ----------------------------------------------------------------
    def _parse_config(self, ref: FileRef, data: bytes, ctx: CollectContext,
                      problems: _Problems) -> None:
        try:
            text = data.decode("utf-8-sig")     # configobj, DVC's reader, skips a BOM too
        except UnicodeDecodeError as exc:
            problems.add(f"not UTF-8 text: {exc.reason} at byte {exc.start}")
            return
        # strict: configobj refuses a section or an option given twice, so does DVC.
        config = configparser.ConfigParser(
            interpolation=None, strict=True, comment_prefixes=("#", ";"),
            inline_comment_prefixes=("#", ";"), empty_lines_in_values=False,
            default_section="\0no default section\0")
        try:
            config.read_string(normalise_sections(text), source=ref.display)
        except configparser.MissingSectionHeaderError as exc:
            problems.add("invalid DVC config: option outside any [section]", exc.lineno)
            return
        except configparser.DuplicateSectionError as exc:
            problems.add(f"invalid DVC config: section {section_label(exc.section)} is given twice",
                         exc.lineno)
            return
        except configparser.DuplicateOptionError as exc:
            problems.add(f"invalid DVC config: option {exc.option} of {section_label(exc.section)} is given "
                         "twice", exc.lineno)
            return
        except configparser.ParsingError as exc:
            # Never echo the offending line: it may hold a credential.
            problems.add("invalid DVC config: unparsable line", exc.errors[0][0] if exc.errors else None)
            return
        except configparser.Error as exc:
            problems.add(f"invalid DVC config: {type(exc).__name__}")
            return
        self._record_config(ref, config, ctx)

    @staticmethod
    def _record_config(ref: FileRef, config: configparser.ConfigParser, ctx: CollectContext) -> None:
        """Remotes (credentials stripped) and the names of any credential options on the repo node."""
        have = ctx.graph.node(ref.tree)["attrs"]
        remotes = dict(have.get("dvc_remotes") or {})
        credentials = list(have.get("dvc_config_credentials") or [])
        for section in config.sections():
            label = section_label(section)
            for option, value in config.items(section, raw=True):
                if option in CREDENTIAL_OPTIONS or _CREDENTIAL_WORDS.search(option):
                    credentials.append(f"{label}.{option}")
            named = _NAMED_SECTION.match(section)
            url = unquote(config.get(section, "url", raw=True, fallback="") or "")
            if named and named.group(1) == "remote" and url:
                remotes[named.group(2)] = url_without_secrets(url)
                if url_has_password(url):
                    credentials.append(f"{label}.url")
        attrs: dict = {"dvc_remotes": remotes}
        default = unquote(config.get("core", "remote", raw=True, fallback="") or "")
        if default:
            attrs["dvc_default_remote"] = default
        if credentials:
            attrs["dvc_config_credentials"] = sorted(set(credentials))
        ctx.graph.update_attrs(ref.tree, **attrs)


def normalise_sections(text: str) -> str:
    """configobj's `['remote "name"']` headers → configparser's `[remote "name"]`."""
    lines = []
    for line in text.splitlines():
        m = _SECTION_LINE.match(line)
        lines.append(f"[{m.group(2).strip()}]" if m else line)
    return "\n".join(lines) + "\n"


def section_label(section: str) -> str:
    """`remote "storage"` → `remote.storage`; `core` stays `core`."""
    m = _NAMED_SECTION.match(section)
    return f"{m.group(1)}.{m.group(2)}" if m else section


def unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value
