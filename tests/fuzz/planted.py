"""Secrets planted by the corpus: real credential shapes with seeded random bodies.

Each value has the shape detect-secrets and mlcheck's redaction look for, so a scan that
misses one, or lets one through to an output, fails its case. None of them is a real
credential: the bodies come from the corpus seed.
"""
from __future__ import annotations

import base64
import hashlib
import random
import string

UPPER_DIGITS = string.ascii_uppercase + "234567"
ALNUM = string.ascii_letters + string.digits


def _pick(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def aws_key(rng: random.Random) -> str:
    """An AWS access key id (AKIA + 16)."""
    return "AKIA" + _pick(rng, UPPER_DIGITS, 16)


def github_token(rng: random.Random) -> str:
    return "ghp_" + _pick(rng, ALNUM, 36)


def slack_token(rng: random.Random) -> str:
    return f"xoxb-{_pick(rng, string.digits, 12)}-{_pick(rng, string.digits, 13)}-{_pick(rng, ALNUM, 24)}"


def password(rng: random.Random) -> str:
    """A password-like value (mixed classes, 18 characters)."""
    return _pick(rng, string.ascii_uppercase, 3) + _pick(rng, string.digits, 3) + _pick(rng, ALNUM, 12)


def azure_account_key(rng: random.Random) -> str:
    """An Azure storage account key: 64 random bytes in base64 (88 characters)."""
    return base64.b64encode(bytes(rng.getrandbits(8) for _ in range(64))).decode()


def private_key_body(rng: random.Random) -> str:
    """The base64 body line of a PEM private key (the part that must never leak)."""
    return base64.b64encode(bytes(rng.getrandbits(8) for _ in range(48))).decode()


def private_key_pem(body: str) -> str:
    return f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n{body[::-1]}\n-----END RSA PRIVATE KEY-----\n"


def confirmations(secret: str) -> list[str]:
    """What would confirm a guess of `secret`: its unsalted digests (detect-secrets' hashed_secret is sha1)."""
    data = secret.encode()
    return [hashlib.sha1(data).hexdigest(), hashlib.sha256(data).hexdigest()]
