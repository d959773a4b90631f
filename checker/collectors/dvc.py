"""DVC parser: `.dvc` files, `dvc.yaml` stages, `dvc.lock` hashes and `.dvc/config` remotes.

Facts only (LINEAGE_SPEC "DVC"). Every output becomes one dataset node keyed by its
repository-relative path, whichever file declares it, so a `dvc.yaml` out and its
`dvc.lock` hash land on the same node. Templates (`${...}`, foreach, matrix) are never
expanded: DVC writes the expanded stages to `dvc.lock`, which is where we read them.
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
from ..safeyaml import YamlError, load_yaml

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


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def hash_facts(entry: dict) -> dict:
    """md5/hash/etag/version_id/size/nfiles/is_dir of one out or dep entry."""
    facts: dict = {}
    algo = next((f for f in HASH_FIELDS if _scalar(entry.get(f))), None)
    if algo:
        facts["md5"] = str(entry[algo])
        # DVC 3 writes `hash: md5`; DVC 2 files name no algorithm (their field is it).
        facts["hash"] = str(entry["hash"]) if _scalar(entry.get("hash")) else algo
    for name in ("etag", "version_id"):
        if _scalar(entry.get(name)):
            facts[name] = str(entry[name])
    for name in ("size", "nfiles"):
        if isinstance(entry.get(name), int) and not isinstance(entry.get(name), bool):
            facts[name] = entry[name]
    if facts.get("md5", "").endswith(".dir") or "nfiles" in facts:
        facts["is_dir"] = True
    return facts


def stage_group(name: str) -> str:
    """`train@cnn-feature1` (an expanded foreach/matrix stage in dvc.lock) → `train`."""
    return name.split("@", 1)[0]


class _Problems:
    """Shape problems found in one file, reported as collection errors."""

    def __init__(self, parser: str, ref: FileRef, ctx: CollectContext) -> None:
        self.parser, self.ref, self.ctx = parser, ref, ctx

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
        self._waiting_locks: dict[tuple[str, str], tuple[FileRef, dict]] = {}

    def parse(self, ref: FileRef, data: bytes, ctx: CollectContext) -> None:
        p = PurePosixPath(ref.path)
        problems = _Problems(self.name, ref, ctx)
        if p.parent.name == ".dvc" and p.name in ("config", "config.local"):
            self._parse_config(ref, data, ctx, problems)
            return
        if p.name == ".dvc":
            return      # a file literally named ".dvc" is not a DVC file
        doc = self._load(ref, data, problems)
        if doc is None:
            return
        if p.name == "dvc.yaml":
            self._parse_dvc_yaml(ref, doc, ctx, problems)
        elif p.name == "dvc.lock":
            self._parse_lock(ref, doc, ctx, problems)
        else:
            self._parse_dvc_file(ref, doc, ctx, problems)

    @staticmethod
    def _load(ref: FileRef, data: bytes, problems: _Problems) -> dict | None:
        try:
            doc = load_yaml(data, ref.display)
        except YamlError as exc:
            problems.add(f"invalid YAML: {exc.reason}", exc.line)
            return None
        if doc is None:
            if ref.path.endswith(".dvc"):
                problems.add("empty .dvc file: no 'outs'")
            return None
        if not isinstance(doc, dict):
            problems.add(f"expected a mapping at the top level, found {type(doc).__name__}")
            return None
        return doc

    # -- shared node writers ---------------------------------------------------
    def _node(self, ctx: CollectContext, ref: FileRef, kind: str, key: str, attrs: dict,
              defaults: dict | None = None) -> str:
        """Add or enrich a node; `defaults` only fill attrs the node does not have yet."""
        nid = node_id(kind, key)
        have = ctx.graph.node(nid)["attrs"] if nid in ctx.graph else {}
        fill = {k: v for k, v in (defaults or {}).items() if k not in have}
        return ctx.graph.add_node(kind, key, {**fill, **attrs},
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

    # -- entries ------------------------------------------------------------------
    @staticmethod
    def _wdir(value: Any, where: str, problems: _Problems) -> str:
        if value is None:
            return "."
        if not isinstance(value, str):
            problems.add(f"{where}: 'wdir' is not a string")
            return "."
        return "." if is_templated(value) else value

    @staticmethod
    def _path_entries(value: Any, where: str, problems: _Problems) -> Iterator[dict]:
        """Entries of a .dvc/dvc.lock `outs`/`deps` list that are mappings with a path."""
        if value is None:
            return
        if not isinstance(value, list):
            problems.add(f"{where} is not a list")
            return
        for i, entry in enumerate(value):
            if isinstance(entry, dict) and isinstance(entry.get("path"), str) and entry["path"]:
                yield entry
            else:
                problems.add(f"{where}[{i}]: expected a mapping with a 'path' string")

    @staticmethod
    def _stage_items(value: Any, where: str, problems: _Problems) -> Iterator[tuple[str, dict]]:
        """dvc.yaml deps/outs/metrics/plots: `path` strings or `{path: {options}}` mappings."""
        if value is None:
            return
        if not isinstance(value, list):
            problems.add(f"{where} is not a list")
            return
        for i, item in enumerate(value):
            if isinstance(item, str) and item:
                yield item, {}
            elif isinstance(item, dict) and len(item) == 1:
                path, opts = next(iter(item.items()))
                if isinstance(path, str) and path and isinstance(opts, (dict, type(None))):
                    yield path, opts or {}
                    continue
                problems.add(f"{where}[{i}]: expected `path` or `path: {{options}}`")
            else:
                problems.add(f"{where}[{i}]: expected `path` or `path: {{options}}`")

    @staticmethod
    def _out_options(opts: dict, where: str, problems: _Problems) -> dict:
        """cache/push/persist (DVC defaults filled in) and an out-level remote."""
        facts: dict = {}
        for flag, default in OUT_FLAGS.items():
            value = opts.get(flag, default)
            if isinstance(value, bool):
                facts[flag] = value
            else:
                facts[flag] = default
                problems.add(f"{where}: '{flag}' is not a boolean ({value!r})")
        if isinstance(opts.get("remote"), str):
            facts["remote"] = opts["remote"]
        return facts

    # -- .dvc files ---------------------------------------------------------------
    def _parse_dvc_file(self, ref: FileRef, doc: dict, ctx: CollectContext,
                        problems: _Problems) -> None:
        base = posixpath.dirname(ref.path)
        wdir = self._wdir(doc.get("wdir"), "top level", problems)
        if not isinstance(doc.get("outs"), list):
            problems.add("'outs' is missing or not a list")
            return
        # A `cmd` makes it a DVC < 1.0 single-stage file: its deps are stage inputs, not imports.
        legacy_stage = "cmd" in doc
        sources = [] if legacy_stage else self._import_sources(doc.get("deps"), problems)
        outs = []
        for entry in self._path_entries(doc["outs"], "outs", problems):
            attrs = {**hash_facts(entry), **self._out_options(entry, f"out {entry['path']!r}", problems),
                     "declared_in": "dvc-file"}
            if entry["path"].endswith("/"):
                attrs["is_dir"] = True
            if sources:
                attrs.update(imported=True, import_sources=sources)
            if doc.get("frozen") is True:
                attrs["frozen"] = True
            outs.append(self._dataset(ctx, ref, repo_path(base, wdir, entry["path"]), attrs))
        if legacy_stage:
            self._legacy_stage(ref, doc, base, wdir, outs, ctx, problems)

    def _legacy_stage(self, ref: FileRef, doc: dict, base: str, wdir: str, outs: list[str],
                      ctx: CollectContext, problems: _Problems) -> None:
        """A pre-1.0 stage file: one job named after the file, reading its deps."""
        deps, reads = [], []
        for entry in self._path_entries(doc.get("deps"), "deps", problems):
            path = repo_path(base, wdir, entry["path"])
            deps.append(path)
            if not is_code(path):
                reads.append(self._dataset(ctx, ref, path, {}, tracked=False))
        attrs = {"stage": PurePosixPath(ref.path).name, "declared_in": "dvc-file", "dvc_file": ref.path,
                 "legacy_stage_file": True, "cmd": short(doc["cmd"]), "deps": deps,
                 "outs": [ctx.graph.node(o)["attrs"]["path"] for o in outs],
                 "frozen": doc.get("locked") is True or doc.get("frozen") is True}
        job = self._node(ctx, ref, "job", f"dvc:{ref.tree_key}/{ref.path}", attrs)
        ctx.graph.add_edge(job, ref.node, "defined_in")
        for ds in reads:
            ctx.graph.add_edge(job, ds, "reads")
        for ds in outs:
            ctx.graph.add_edge(job, ds, "writes")

    def _import_sources(self, deps: Any, problems: _Problems) -> list[dict]:
        """Where `dvc import` / `dvc import-url` took the data from (credentials stripped)."""
        sources = []
        for dep in self._path_entries(deps, "deps", problems):
            src: dict = {"path": url_without_secrets(dep["path"]) if is_url(dep["path"]) else dep["path"]}
            repo = dep.get("repo")
            if isinstance(repo, dict):
                if isinstance(repo.get("url"), str):
                    src["repo_url"] = url_without_secrets(repo["url"])
                for name in ("rev", "rev_lock"):
                    if _scalar(repo.get(name)):
                        src[name] = str(repo[name])
            hashes = hash_facts(dep)
            for name in ("md5", "etag", "version_id"):
                if name in hashes:
                    src[name] = hashes[name]
            sources.append(src)
        return sources

    # -- dvc.yaml -----------------------------------------------------------------
    def _parse_dvc_yaml(self, ref: FileRef, doc: dict, ctx: CollectContext,
                        problems: _Problems) -> None:
        stages = doc.get("stages")
        key = (ref.tree_key, ref.path)
        wdirs = self._stage_wdirs.setdefault(key, {})
        if stages is not None and not isinstance(stages, dict):
            problems.add("'stages' is not a mapping")
            stages = None
        for name, stage in (stages or {}).items():
            name = str(name)
            if not isinstance(stage, dict):
                problems.add(f"stage {name!r}: expected a mapping")
                continue
            if "foreach" in stage or "matrix" in stage:
                body = stage.get("do") if "foreach" in stage else stage
                body = body if isinstance(body, dict) else {}
                wdirs[name] = self._wdir(body.get("wdir"), f"stage {name!r}", problems)
                self._template_stage(ref, name, stage, body, ctx)
            else:
                wdirs[name] = self._wdir(stage.get("wdir"), f"stage {name!r}", problems)
                self._stage(ref, name, stage, wdirs[name], ctx, problems)
        waiting = self._waiting_locks.pop(key, None)
        if waiting:
            lock_ref, lock_stages = waiting
            self._lock_stages(lock_ref, lock_stages, wdirs, ctx, _Problems(self.name, lock_ref, ctx))

    def _stage(self, ref: FileRef, name: str, stage: dict, wdir: str, ctx: CollectContext,
               problems: _Problems) -> None:
        base = posixpath.dirname(ref.path)
        where = f"stage {name!r}"
        edges: list[tuple[str, str]] = []
        lists: dict[str, list[str]] = {"deps": [], "outs": [], "metrics": [], "plots": []}
        templated: list[str] = []
        for raw, _ in self._stage_items(stage.get("deps"), f"{where} deps", problems):
            if is_templated(raw):
                templated.append(raw)
                continue
            path = repo_path(base, wdir, raw)
            lists["deps"].append(path)
            if not is_code(path):
                edges.append((self._dataset(ctx, ref, path, {}, tracked=False), "reads"))
        for field, out_kind in OUT_FIELDS:
            for raw, opts in self._stage_items(stage.get(field), f"{where} {field}", problems):
                if is_templated(raw):
                    templated.append(raw)
                    continue
                path = repo_path(base, wdir, raw)
                lists[field].append(path)
                attrs = {**self._out_options(opts, f"{where} {field} {raw!r}", problems),
                         "declared_in": "dvc.yaml", "stage": name, "out_kind": out_kind}
                if raw.endswith("/"):
                    attrs["is_dir"] = True
                edges.append((self._dataset(ctx, ref, path, attrs), "writes"))
        attrs = {"stage": name, "declared_in": "dvc.yaml", "dvc_file": ref.path,
                 "frozen": stage.get("frozen") is True,
                 "always_changed": stage.get("always_changed") is True,
                 **{k: v for k, v in lists.items() if v or k in ("deps", "outs")}}
        if "cmd" in stage:
            attrs["cmd"] = short(stage["cmd"])
        if wdir != ".":
            attrs["wdir"] = wdir
        params = self._params(stage.get("params"))
        if params:
            attrs["params"] = params
        if templated:
            attrs["templated_paths"] = templated
        job = self._node(ctx, ref, "job", f"dvc:{ref.tree_key}/{ref.path}#{name}", attrs)
        ctx.graph.add_edge(job, ref.node, "defined_in")
        for ds, kind in edges:
            ctx.graph.add_edge(job, ds, kind)

    def _template_stage(self, ref: FileRef, name: str, stage: dict, body: dict,
                        ctx: CollectContext) -> None:
        """A foreach/matrix stage: recorded, never expanded (its expansions are in dvc.lock)."""
        template = "foreach" if "foreach" in stage else "matrix"
        over = stage.get(template)
        attrs = {"stage": name, "declared_in": "dvc.yaml", "dvc_file": ref.path,
                 "template": template, "frozen": body.get("frozen") is True}
        if isinstance(over, str):
            attrs["template_over"] = short(over)
        elif isinstance(over, (list, dict)):
            attrs["template_items"] = len(over)
        if "cmd" in body:
            attrs["cmd"] = short(body["cmd"])
        job = self._node(ctx, ref, "job", f"dvc:{ref.tree_key}/{ref.path}#{name}", attrs)
        ctx.graph.add_edge(job, ref.node, "defined_in")

    @staticmethod
    def _params(value: Any) -> list[str]:
        """Stage params as `key` or `file:key` / `file` strings."""
        out: list[str] = []
        for item in value if isinstance(value, list) else []:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, dict):
                for file, keys in item.items():
                    if isinstance(keys, list):
                        out += [f"{file}:{k}" for k in keys if isinstance(k, str)]
                    else:
                        out.append(str(file))
        return out

    # -- dvc.lock -----------------------------------------------------------------
    def _parse_lock(self, ref: FileRef, doc: dict, ctx: CollectContext,
                    problems: _Problems) -> None:
        # schema '2.0' nests stages under `stages:`; the 1.0 lock had them at the top level.
        stages = doc.get("stages") if ("stages" in doc or "schema" in doc) else doc
        if stages is None:
            return
        if not isinstance(stages, dict):
            problems.add("'stages' is not a mapping")
            return
        ctx.graph.update_attrs(ref.node, dvc_lock_stages=sorted(str(s) for s in stages))
        yaml_key = (ref.tree_key, posixpath.join(posixpath.dirname(ref.path), "dvc.yaml"))
        wdirs = self._stage_wdirs.get(yaml_key)
        if wdirs is None:
            self._waiting_locks[yaml_key] = (ref, stages)
            return
        self._lock_stages(ref, stages, wdirs, ctx, problems)

    def _lock_stages(self, ref: FileRef, stages: dict, wdirs: dict[str, str],
                     ctx: CollectContext, problems: _Problems) -> None:
        for name, stage in stages.items():
            name = str(name)
            if not isinstance(stage, dict):
                problems.add(f"stage {name!r}: expected a mapping")
                continue
            wdir = wdirs.get(name, wdirs.get(stage_group(name), "."))
            self._lock_stage(ref, name, stage, wdir, ctx, problems)

    def _lock_stage(self, ref: FileRef, name: str, stage: dict, wdir: str,
                    ctx: CollectContext, problems: _Problems) -> None:
        base = posixpath.dirname(ref.path)
        yaml_path = posixpath.join(base, "dvc.yaml")
        where = f"stage {name!r}"
        edges: list[tuple[str, str]] = []
        deps: list[str] = []
        outs: list[str] = []
        dep_hashes: dict[str, str] = {}
        for entry in self._path_entries(stage.get("deps"), f"{where} deps", problems):
            path = repo_path(base, wdir, entry["path"])
            deps.append(path)
            md5 = hash_facts(entry).get("md5")
            if md5:
                dep_hashes[path] = md5
            if not is_code(path):
                edges.append((self._dataset(ctx, ref, path, {}, tracked=False), "reads"))
        for entry in self._path_entries(stage.get("outs"), f"{where} outs", problems):
            path = repo_path(base, wdir, entry["path"])
            outs.append(path)
            # Flags and declared_in only fill in: dvc.yaml states them, the lock does not.
            ds = self._dataset(ctx, ref, path, {**hash_facts(entry), "stage": name},
                               {"declared_in": "dvc.lock", **OUT_FLAGS})
            edges.append((ds, "writes"))
        attrs: dict = {"locked": True}
        if dep_hashes:
            attrs["dep_hashes"] = dep_hashes
        defaults: dict = {"stage": name, "declared_in": "dvc.lock", "dvc_file": yaml_path,
                          "deps": deps, "outs": outs}
        if "cmd" in stage:
            defaults["cmd"] = short(stage["cmd"])
        if "@" in name:
            defaults["template_group"] = stage_group(name)
        job = self._node(ctx, ref, "job", f"dvc:{ref.tree_key}/{yaml_path}#{name}", attrs, defaults)
        for ds, kind in edges:
            ctx.graph.add_edge(job, ds, kind)

    # -- .dvc/config ----------------------------------------------------------------
    def _parse_config(self, ref: FileRef, data: bytes, ctx: CollectContext,
                      problems: _Problems) -> None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.add(f"not UTF-8 text: {exc.reason} at byte {exc.start}")
            return
        config = configparser.ConfigParser(
            interpolation=None, strict=False, comment_prefixes=("#", ";"),
            inline_comment_prefixes=("#", ";"), empty_lines_in_values=False,
            default_section="\0no default section\0")
        try:
            config.read_string(normalise_sections(text), source=ref.display)
        except configparser.MissingSectionHeaderError as exc:
            problems.add("invalid DVC config: option outside any [section]", exc.lineno)
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
