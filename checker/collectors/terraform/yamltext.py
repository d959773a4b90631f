"""YAML text Terraform decodes (`yamldecode()`, a kubectl_manifest's `yaml_body`) when
parts of it are interpolations that cannot be told statically.

Terraform renders the text, then decodes one YAML document. Here each unknown part stands
in as a token while the rest is decoded with the project's safe loader (checker/safeyaml.py:
sizes, depth and aliases bounded); a value holding a token is then unknown, with the
template it came from, so only what the interpolation touches is unknown. An unknown part
alone on its line may be any YAML (`${indent(4, yamlencode(var.x))}`), so the whole text is
unknown then; so is a mapping one of whose keys holds a token.
"""
from __future__ import annotations

import re
from typing import Any

from ...cloud.model import Unknown
from ...safeyaml import YamlError, load_yaml

MAX_YAML = 1_000_000            # as a Terraform string (expressions.MAX_STRING)
MAX_PARTS = 2_000
NOT_YAML = "not YAML"           # the reason an undecodable text gives (a collection error)
_TOKEN = "mlcheck-unknown-part-{}-"
_TOKEN_FIND = re.compile(r"mlcheck-unknown-part-(\d+)-")

Part = Any                      # str | Unknown


def decode(parts: list[Part], source: str) -> Any:
    """The document the parts make: a value, or an Unknown when the text as a whole cannot
    be told or is not one YAML document (`source`: the expression, for the Unknown)."""
    if len(parts) > MAX_PARTS:
        return Unknown(source[:300], f"YAML text of more than {MAX_PARTS} interpolations is not decoded")
    unknowns: list[Unknown] = []
    pieces: list[str] = []
    for i, part in enumerate(parts):
        if isinstance(part, str):
            pieces.append(part)
            continue
        if _alone_on_its_line(parts, i):
            return Unknown(source[:300], f"{part.expression} stands alone on its line: it may add any YAML "
                                         f"({part.reason})")
        pieces.append(_TOKEN.format(len(unknowns)))
        unknowns.append(part)
    text = "".join(pieces)
    if len(text) > MAX_YAML:
        return Unknown(source[:300], f"YAML text over {MAX_YAML} characters is not decoded")
    try:
        doc = load_yaml(text, "yaml", max_bytes=MAX_YAML)
    except YamlError as exc:
        at = f" (line {exc.line} of the text)" if exc.line else ""
        return Unknown(source[:300], f"{NOT_YAML}: {exc.reason}{at}")
    return _restore(doc, unknowns) if unknowns else doc


def _alone_on_its_line(parts: list[Part], i: int) -> bool:
    """Whether an unknown part fills its line (only blanks beside it); one next to another
    unknown part is taken to (their text together may be anything)."""
    around = [parts[j] for j in (i - 1, i + 1) if 0 <= j < len(parts)]
    if any(not isinstance(p, str) for p in around):
        return True
    before = parts[i - 1] if i > 0 else ""
    after = parts[i + 1] if i + 1 < len(parts) else ""
    starts_line = "\n" in before or i <= 1
    return starts_line and not before.rpartition("\n")[2].strip() and not after.partition("\n")[0].strip()


def _restore(value: Any, unknowns: list[Unknown]) -> Any:
    """The decoded value with every token put back as the Unknown it stands for."""
    if isinstance(value, str):
        return _unknown_text(value, unknowns) if "mlcheck-unknown-part-" in value else value
    if isinstance(value, list):
        return [_restore(v, unknowns) for v in value]
    if isinstance(value, dict):
        for key in value:
            if isinstance(key, str) and "mlcheck-unknown-part-" in key:
                found = _unknown_text(key, unknowns)
                return Unknown(found.expression, f"a key of this mapping is unknown ({found.reason})")
        return {k: _restore(v, unknowns) for k, v in value.items()}
    return value


def _unknown_text(text: str, unknowns: list[Unknown]) -> Unknown:
    first = unknowns[int(_TOKEN_FIND.search(text).group(1))]
    if _TOKEN_FIND.fullmatch(text):
        return first
    shown = _TOKEN_FIND.sub(lambda m: "${" + unknowns[int(m.group(1))].expression + "}", text)
    return Unknown(shown[:300], f"{first.expression}: {first.reason}")
