"""The secrets parser: records where credentials are in a file, never what they are.

Files are handed over as bytes (from a work tree, a bare repository or a plain folder) and
scanned in memory with the Detector. Notebooks are scanned cell by cell, sources and
outputs apart, each hit placed on its line of the .ipynb JSON.

A file node gets `secrets` (type, line, where, and cell for notebooks) and
`secrets_count`. No value, hash or fingerprint of a secret is recorded: a hash of a
low-entropy password confirms a guess. The values are held only while the file is parsed,
to mask them in the facts other parsers took from the same file (a DVC stage's `cmd`, an
Azure ML job's `command`: a file's parsers run in name order, and `secrets` comes after
`azureml` and `dvc`), then dropped. Secrets are never verified against their services
(that would be a network call).
"""
from __future__ import annotations

import bisect
import codecs
import itertools
import json
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from ... import redact
from .. import CollectContext, FileParser, FileRef
from .detector import Found, detector, notebook_cell_name
from .notebooks import load_json_with_lines, notebook_cell_list, notebook_chunks, notebook_language
from .yaml_values import next_line_values

# Larger files are recorded as not scanned rather than slowing every scan down.
MAX_SCAN_BYTES = 2 * 1024 * 1024
# Hits listed per file (secrets_count stays the full count): keeps snapshots and evidence small.
MAX_RECORDED = 500


@dataclass(frozen=True, order=True)
class SecretHit:
    """Where a secret is; deliberately holds no part of its value, nor a hash of it."""
    line: int
    type: str
    where: str = "text"
    cell: int | None = None

    def as_dict(self) -> dict:
        out = {"type": self.type, "line": self.line, "where": self.where}
        if self.cell is not None:
            out["cell"] = self.cell
        return out


def decode_text(data: bytes) -> str | None:
    """The file as text, or None for binary content (detect-secrets skips those too)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8-sig", "replace")


def scan_file(path: str, text: str) -> tuple[list[SecretHit], dict[str, str]]:
    """(hits, {value: type}) for one file; a readable notebook cell by cell."""
    if PurePosixPath(path).suffix.lower() == ".ipynb":
        try:
            nb = json.loads(text)
        except (ValueError, RecursionError):
            nb = None   # not a readable notebook (the notebook parser says so): scan it as text
        cells = notebook_cell_list(nb)
        if cells is not None:
            return _scan_notebook(path, text, nb, cells)
    if PurePosixPath(path).suffix.lower() in (".yml", ".yaml"):
        found = _scan_yaml(path, text)
    else:
        found = detector().scan_text(path, text)
    return sorted({SecretHit(f.line, f.type) for f in found}), _values(found)


def _scan_yaml(path: str, text: str) -> list[Found]:
    """The line-by-line scan, then the credentials whose value is on the lines after their
    key (yaml_values), on lines not flagged already (a vendor token there is named by its
    kind). Most YAML files hold no credential word: the candidate pass says so, and the
    next-line read is skipped."""
    literals: set[str] = set()
    found = detector().scan_text(path, text, detector().candidate_lines(text, literals))
    if not any(hint.startswith(literal) for literal in literals for hint in redact.CREDENTIAL_HINTS):
        return found
    flagged = {f.line for f in found}
    return found + [f for f in next_line_values(text) if f.line not in flagged]


def _scan_notebook(path: str, text: str, nb: dict, cells: list) -> tuple[list[SecretHit], dict[str, str]]:
    """Each cell's source and outputs as their own texts. Placing a hit on its .ipynb line
    needs a second, slower read (every JSON string with its line): done only when there is
    a hit, and it yields the same chunks in the same order."""
    language = notebook_language(nb)
    chunks = list(notebook_chunks(cells))
    # One candidate pass over all the texts (one per chunk costs more than the scanning itself).
    firsts = list(itertools.accumulate((len(c.lines) for c in chunks), initial=1))
    candidates: dict[int, list[int]] = {}
    for line in detector().candidate_lines("\n".join("\n".join(c.lines) for c in chunks)):
        index = bisect.bisect_right(firsts, line) - 1
        candidates.setdefault(index, []).append(line - firsts[index] + 1)
    found = [detector().scan_text(notebook_cell_name(path, c.cell, c.where, language), "\n".join(c.lines),
                                  candidates.get(i, [])) if i in candidates else []
             for i, c in enumerate(chunks)]
    if not any(found):
        return [], {}
    located = list(notebook_chunks(notebook_cell_list(load_json_with_lines(text)) or []))
    hits: set[SecretHit] = set()
    values: dict[str, str] = {}
    for chunk, in_chunk in zip(located, found):
        for f in in_chunk:
            json_line = chunk.json_lines[min(f.line, len(chunk.json_lines)) - 1]
            hits.add(SecretHit(json_line, f.type, chunk.where, chunk.cell))
        values.update(_values(in_chunk))
    return sorted(hits), values


def _values(found: list[Found]) -> dict[str, str]:
    """{value: type} to mask in facts; a private key is reported at its header, which is no secret."""
    return {f.value.strip("\"'`"): f.type for f in found
            if f.type != "Private Key" and len(f.value.strip("\"'`")) >= 6}


def mask_values(value: Any, secrets: dict[str, str]) -> Any:
    """`value` with every occurrence of a flagged secret in its strings masked."""
    if isinstance(value, str):
        for secret, kind in secrets.items():
            if secret in value:
                value = value.replace(secret, redact.MARK.format(kind))
        return value
    if isinstance(value, dict):
        return {k: mask_values(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_values(v, secrets) for v in value]
    return value


class SecretsParser(FileParser):
    """Records secrets_scanned, then secrets and secrets_count (secrets_truncated past
    MAX_RECORDED hits), or secrets_skip_reason when the file was not scanned."""
    name = "secrets"
    patterns = (
        # code and notebooks
        "*.py", "*.ipynb", "*.r", "*.R", "*.sql", "*.scala", "*.sh", "*.bash", "*.ps1",
        # configuration
        "*.yml", "*.yaml", "*.json", "*.toml", "*.cfg", "*.ini", "*.conf", "*.properties",
        "*.env", ".env", ".env.*", "Dockerfile", "MLproject", "Jenkinsfile",
        # infrastructure as code
        "*.tf", "*.tfvars", "*.hcl", "*.bicep", "*.bicepparam",
        # DVC (its remotes' credentials live in .dvc/config and config.local)
        "*.dvc", "dvc.yaml", "dvc.lock", ".dvc/config", "*/.dvc/config",
        ".dvc/config.local", "*/.dvc/config.local",
        # credential files people commit by mistake
        ".pypirc", ".netrc", ".npmrc", "*.pem", "*.key", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519",
        # plain text notes and requirements files (data-sized ones are skipped by size)
        "*.txt",
    )

    def parse(self, ref: FileRef, data: bytes, ctx: CollectContext) -> None:
        text = decode_text(data) if len(data) <= MAX_SCAN_BYTES else None
        skip = self._skip_reason(ref.path, data, text)
        if skip:
            ctx.graph.update_attrs(ref.node, secrets_scanned=False, secrets_skip_reason=skip)
            return
        hits, values = scan_file(ref.path, text)
        attrs = {"secrets_scanned": True, "secrets": [h.as_dict() for h in hits[:MAX_RECORDED]],
                 "secrets_count": len(hits)}
        if len(hits) > MAX_RECORDED:
            attrs["secrets_truncated"] = True
        ctx.graph.update_attrs(ref.node, **attrs)
        if values:
            self._mask_facts_from(ref, values, ctx)

    @staticmethod
    def _mask_facts_from(ref: FileRef, values: dict[str, str], ctx: CollectContext) -> None:
        """Mask the flagged values in the facts of the nodes this file defines (DVC stages,
        Azure ML jobs: their parsers ran on the same bytes before this one) and of its own
        node. The graph's door masks credential shapes everywhere; this catches what only
        the detector knows (a keyword or high-entropy value, a vendor token it has a plugin for)."""
        for nid in [ref.node, *ctx.graph.in_edges(ref.node, "defined_in")]:
            attrs = ctx.graph.node(nid)["attrs"]
            masked = {k: v2 for k, v in attrs.items() if (v2 := mask_values(v, values)) != v}
            if masked:
                ctx.graph.update_attrs(nid, **masked)

    @staticmethod
    def _skip_reason(path: str, data: bytes, text: str | None) -> str | None:
        if len(data) > MAX_SCAN_BYTES:
            return "over 2 MiB"
        excluded = detector().excluded_by(path)
        if excluded:
            return f"excluded by detect-secrets filter {excluded}"
        return "binary content" if text is None else None
