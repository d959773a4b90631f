"""What a repository itself shows of its governance: who owns its code (CODEOWNERS) and
the notebook merge tooling it configures (nbstripout, nbdime, nbQA, jupytext, nb-clean)
in `.gitattributes`, `.pre-commit-config.yaml`, tool configuration files, and (read by the
git collector) its `.git/config`. Recorded on the tree's repo node, once the tree is read:
`codeowners`, and `notebook_tooling` (an empty list when nothing was found)."""
from __future__ import annotations

import re

from .. import CollectContext, FileParser, FileRef
from ...safeyaml import YamlError, load_yaml

# GitHub and GitLab read CODEOWNERS at these places only.
CODEOWNERS_PATHS = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
# .gitattributes attributes that route notebooks through a tool.
_ATTRIBUTE_TOOLS = {"filter=nbstripout": "nbstripout", "diff=jupyternotebook": "nbdime",
                    "merge=jupyternotebook": "nbdime", "filter=jupytext": "jupytext"}
# pre-commit hooks by id prefix (their repositories: kynan/nbstripout, nbQA-dev/nbQA,
# mwouts/jupytext, srstevenson/nb-clean).
_HOOK_TOOLS = (("nbstripout", "nbstripout"), ("nbqa", "nbqa"), ("jupytext", "jupytext"),
               ("nb-clean", "nb-clean"), ("nbdime", "nbdime"))
_CONFIG_FILES = {"jupytext.toml": "jupytext", ".jupytext.toml": "jupytext", ".jupytext": "jupytext",
                 "jupytext.yml": "jupytext", "jupytext.yaml": "jupytext", ".jupytext.yml": "jupytext",
                 ".jupytext.yaml": "jupytext", "jupytext.json": "jupytext", ".jupytext.json": "jupytext",
                 "nbdime_config.json": "nbdime"}
_PYPROJECT_TOOL = re.compile(r"^\[tool\.(jupytext|nbqa)[\].]", re.M)
# Calls that train a model, as a notebook's JSON holds them (cell sources are JSON strings:
# the text is searched as it is stored, never run). The first one found is recorded.
_TRAINING = re.compile(rb"\.fit\(|\bmlflow\.(?:start_run|autolog|\w+\.autolog|\w+\.log_model)\(|"
                       rb"\bTrainer\(|\btrainer\.train\(|\bxgb\.train\(|\blgb\.train\(|"
                       rb"\bml_client\.jobs\.create_or_update\(")
# Every match of _TRAINING starts with one of these: a notebook's bytes are searched for
# them (memchr-fast) and the pattern tried only where one starts. Searching 5 MB of
# notebooks with the pattern itself took 0.2 s: its alternatives open with `\b`, so the
# regex engine tries each at every byte.
_TRAINING_STARTS = (b".fit(", b"mlflow.", b"Trainer(", b"trainer.train(", b"xgb.train(", b"lgb.train(",
                    b"ml_client.jobs.create_or_update(")
# Tools the git collector found in .git/config (repo attr `git_notebook_filters`).
GIT_CONFIG_ATTR = "git_notebook_filters"


class RepositoryGovernanceParser(FileParser):
    name = "repository_governance"
    patterns = ("CODEOWNERS", ".gitattributes", ".pre-commit-config.yaml", ".pre-commit-config.yml",
                "pyproject.toml", "*.ipynb", *_CONFIG_FILES)

    def __init__(self) -> None:
        self._tools: dict[str, list[dict]] = {}
        self._owners: dict[str, dict] = {}

    def parse(self, ref: FileRef, data: bytes, ctx: CollectContext) -> None:
        name = ref.path.rpartition("/")[2]
        if name.endswith(".ipynb"):         # a repository that trains models (MLC-GOV-001)
            found_call = first_training_call(data)
            if found_call:
                ctx.graph.update_attrs(ref.node, ml_training_code=found_call.group().decode("ascii", "replace"))
            return
        text = data.decode("utf-8", "replace")
        found = self._tools.setdefault(ref.tree, [])
        if name == "CODEOWNERS":
            if ref.path in CODEOWNERS_PATHS and ref.tree not in self._owners:   # the first place wins, as on GitHub
                entries = sum(1 for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))
                self._owners[ref.tree] = {"file": ref.path, "entries": entries}
        elif name == ".gitattributes":
            found += _gitattributes(text, ref.path)
        elif name.startswith(".pre-commit-config"):
            try:
                found += _pre_commit(text, ref)
            except YamlError as exc:
                ctx.graph.error(self.name, ref.display, f"notebook hooks not read: {exc.reason}", exc.line)
        elif name == "pyproject.toml":
            found += [{"tool": m.group(1), "file": ref.path, "line": text.count("\n", 0, m.start()) + 1}
                      for m in _PYPROJECT_TOOL.finditer(text)]
        elif name in _CONFIG_FILES:
            found.append({"tool": _CONFIG_FILES[name], "file": ref.path, "line": 1})

    def finish(self, tree: str, ctx: CollectContext) -> None:
        found = self._tools.pop(tree, [])
        attrs = ctx.graph.g.nodes[tree]["attrs"] if tree in ctx.graph.g else {}
        found += [{"tool": tool, "file": ".git/config", "line": None} for tool in attrs.get(GIT_CONFIG_ATTR, [])]
        unique = {(t["tool"], t["file"], t["line"]): t for t in found}
        update = {"notebook_tooling": [unique[k] for k in sorted(unique, key=lambda k: (k[0], k[1], k[2] or 0))]}
        owners = self._owners.pop(tree, None)
        if owners:
            update["codeowners"] = owners
        ctx.graph.update_attrs(tree, **update)


def first_training_call(data: bytes) -> re.Match | None:
    """The first match of _TRAINING in `data`, tried only where one of its starts stands."""
    starts = []
    for literal in _TRAINING_STARTS:
        at = data.find(literal)
        while at != -1:
            starts.append(at)
            at = data.find(literal, at + 1)
    for at in sorted(starts):
        found = _TRAINING.match(data, at)
        if found:
            return found
    return None


def _gitattributes(text: str, path: str) -> list[dict]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if len(parts) < 2 or parts[0].startswith("#"):
            continue
        for attribute in parts[1:]:
            tool = _ATTRIBUTE_TOOLS.get(attribute)
            if tool:
                found.append({"tool": tool, "file": path, "line": number})
    return found


def _pre_commit(text: str, ref: FileRef) -> list[dict]:
    doc = load_yaml(text, ref.display)
    repos = doc.get("repos") if isinstance(doc, dict) else None
    found = []
    for repo in repos if isinstance(repos, list) else []:
        hooks = repo.get("hooks") if isinstance(repo, dict) else None
        for hook in hooks if isinstance(hooks, list) else []:
            hook_id = str(hook.get("id", "")).lower() if isinstance(hook, dict) else ""
            tool = next((t for prefix, t in _HOOK_TOOLS if hook_id.startswith(prefix)), None)
            if tool:
                found.append({"tool": tool, "file": ref.path, "line": _line_of_id(text, hook_id), "hook": hook_id})
    return found


def _line_of_id(text: str, hook_id: str) -> int | None:
    m = re.search(r"id:\s*['\"]?" + re.escape(hook_id) + r"\b", text, re.I)
    return text.count("\n", 0, m.start()) + 1 if m else None
