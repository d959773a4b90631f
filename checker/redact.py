"""One point of redaction: every string the graph records passes through `clean`.

Credential shapes (keys, tokens, passwords in URLs and on command lines) are replaced by
a marker naming their type, and lone surrogates (not text, so unwritable as UTF-8) by
U+FFFD, before anything is saved or reported. Collectors keep their own care (they
never store a secret's value on purpose); this catches what slips into free text:
commit subjects, stage commands, tag values, file names.
"""
from __future__ import annotations

import functools
import re
from typing import Any

MARK = "«redacted:{}»"

# (type, pattern); group "secret" is the part replaced when present, else the whole match.
SHAPES: tuple[tuple[str, str], ...] = (
    ("private key", r"-----BEGIN (?:[A-Z0-9]+ )?PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[^-\n]*-----|$)"),
    ("AWS access key", r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"),
    ("GitHub token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b"),
    ("Slack token", r"\bxox[abposr]-[0-9A-Za-z-]{10,}"),
    ("Azure storage key", r"(?i:AccountKey)=(?P<secret>[A-Za-z0-9+/=]{20,})"),
    ("password in URL", r"\b[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:(?P<secret>[^@\s/]+)@"),
    ("credential option", r"(?<![\w-])--?[A-Za-z0-9-]*(?i:secret|password|passwd|token|api-key|access-key)[A-Za-z0-9-]*"
                          r"(?:=|\s+)(?P<secret>[^\s\"'$<{%-][^\s\"']{3,})"),
)
_PATTERNS = tuple((kind, re.compile(pattern)) for kind, pattern in SHAPES)
# One pass decides whether a string needs any work: most strings do not.
_ANY = re.compile("|".join(f"(?:{p.replace('?P<secret>', '')})" for _, p in SHAPES) + r"|[\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


# Memoised: a graph repeats the same strings on every node (provenance, tag keys, statuses);
# of the 5.3M strings a 50k-version MLflow store records, 1 in 10 is distinct.
@functools.lru_cache(maxsize=1 << 16)
def clean_text(text: str) -> str:
    if not _ANY.search(text):
        return text
    text = _SURROGATE.sub("\ufffd", text)
    for kind, pattern in _PATTERNS:
        text = pattern.sub(lambda m, kind=kind: _mask(m, kind), text)
    return text


def _mask(match: re.Match, kind: str) -> str:
    mark = MARK.format(kind)
    if "secret" in match.re.groupindex and match.group("secret") is not None:
        start, end = match.span("secret")
        whole = match.group(0)
        base = match.start(0)
        return whole[:start - base] + mark + whole[end - base:]
    return mark


def clean(value: Any) -> Any:
    """`value` with every string in it (keys included) cleaned; other values as they are."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean(k) if isinstance(k, str) else k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value
