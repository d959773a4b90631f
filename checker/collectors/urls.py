"""URLs as collectors record them: told apart from paths, and never with the user info,
query or fragment where SAS tokens and passwords live."""
from __future__ import annotations

import re

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_URL_PARTS = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)([^/?#]*)(.*)$", re.S)


def is_url(text: str) -> bool:
    return bool(_URL.match(text))


# Azure Storage URLs put the container (filesystem) where other URLs keep user info:
# wasbs://<container>@<account>.blob.core.windows.net/<path>. A container name (lower-case
# letters, digits, hyphens) is no secret, and without it two containers' files are one place.
_CONTAINER_SCHEMES = ("wasb://", "wasbs://", "abfs://", "abfss://")
_CONTAINER = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def url_without_secrets(url: str) -> str:
    """The URL without user info, query or fragment (where SAS tokens and passwords live);
    an Azure Storage URL keeps its container."""
    m = _URL_PARTS.match(url)
    if not m:
        return re.split(r"[?#]", url, maxsplit=1)[0]
    scheme, authority, rest = m.groups()
    user, at, host = authority.rpartition("@")
    container = at and scheme.lower() in _CONTAINER_SCHEMES and _CONTAINER.fullmatch(user)
    return scheme + (user + "@" if container else "") + host + re.split(r"[?#]", rest, maxsplit=1)[0]


def url_has_password(url: str) -> bool:
    m = _URL_PARTS.match(url)
    return bool(m) and ":" in m.group(2).rpartition("@")[0]
