"""DSSE (Dead Simple Signing Envelope), as OpenSSF model-signing bundles use it: the bytes a
signature is over. Shared by the key-based (signatures.py) and keyless (keyless.py) checks."""
from __future__ import annotations


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE's pre-authentication encoding: what the signature is over."""
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)
