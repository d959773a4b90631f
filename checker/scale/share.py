"""`mlcheck collect --shard i/n`: a stable share of the sources, without a cluster.

A source belongs to share 1 + sha256("kind:label") mod n. The label is the source-qualified
key its node ids use, the same on every machine and checkout, so the n jobs of a CI matrix
running the same command each take a disjoint share and together every source.
"""
from __future__ import annotations

import hashlib
import re

from ..collectors import Source


def parse_shard(spec: str) -> tuple[int, int]:
    """'i/n' (1 ≤ i ≤ n, as CI matrices count) → (i, n); ValueError with the reason."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", spec)
    if not m:
        raise ValueError(f"--shard {spec!r}: expected i/n, e.g. 2/4")
    i, n = int(m.group(1)), int(m.group(2))
    if not 1 <= i <= n:
        raise ValueError(f"--shard {spec!r}: i must be between 1 and n")
    return i, n


def share_of(source: Source, n: int) -> int:
    digest = hashlib.sha256(f"{source.kind}:{source.label}".encode("utf-8", "surrogatepass")).digest()
    return 1 + int.from_bytes(digest[:8], "big") % n


def pick_share(sources: list[Source], i: int, n: int) -> list[int]:
    """The positions (in `sources`) of share i of n."""
    return [k for k, s in enumerate(sources) if share_of(s, n) == i]
