"""URLs as collectors record them: told apart from paths, and never with the user info,
query or fragment where SAS tokens and passwords live."""
from __future__ import annotations

import re

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_URL_PARTS = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)([^/?#]*)(.*)$", re.S)


def is_url(text: str) -> bool:
    return bool(_URL.match(text))


def url_without_secrets(url: str) -> str:
    """The URL without user info, query or fragment (where SAS tokens and passwords live)."""
    m = _URL_PARTS.match(url)
    if not m:
        return re.split(r"[?#]", url, maxsplit=1)[0]
    scheme, authority, rest = m.groups()
    return scheme + authority.rsplit("@", 1)[-1] + re.split(r"[?#]", rest, maxsplit=1)[0]


def url_has_password(url: str) -> bool:
    m = _URL_PARTS.match(url)
    return bool(m) and ":" in m.group(2).rpartition("@")[0]
