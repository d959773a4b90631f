"""One key per hosted repository, whatever form names it: a clone URL (https, ssh, scp),
an API URL, an `az repos` remote URL. Exports and repo nodes meet on this key."""
from __future__ import annotations

import re
from urllib.parse import unquote

from ..git import _normalise_remote

# github.com/o/r, or a GitHub Enterprise host/o/r, from an API URL (`/repos/o/r/…`).
_GITHUB_API = re.compile(r"^https?://([^/]+)/(?:api/v3/)?repos/([^/]+)/([^/]+)(?:/(.*))?$", re.I)
_AZURE_SSH = re.compile(r"^(?:ssh\.)?dev\.azure\.com/v3/([^/]+)/([^/]+)/([^/]+)$", re.I)
_AZURE_VSTS = re.compile(r"^([^./]+)\.visualstudio\.com/(?:defaultcollection/)?([^/]+)/_git/([^/]+)$", re.I)
_AZURE_HTTPS = re.compile(r"^dev\.azure\.com/([^/]+)/([^/]+)/_git/([^/]+)$", re.I)
_AZURE_SSH_VSTS = re.compile(r"^vs-ssh\.visualstudio\.com/v3/([^/]+)/([^/]+)/([^/]+)$", re.I)


def repository_key(remote: str | None) -> str | None:
    """`github.com/o/r`, `dev.azure.com/org/project/_git/repo`, `gitlab.com/group/project`:
    lower case, URL escapes decoded; None for nothing."""
    if not remote or not isinstance(remote, str):
        return None
    url = _normalise_remote(remote) if "://" in remote or "@" in remote else remote.strip().rstrip("/")
    url = unquote(url).lower()
    for pattern in (_AZURE_SSH, _AZURE_VSTS, _AZURE_HTTPS, _AZURE_SSH_VSTS):
        m = pattern.match(url)
        if m:
            return "dev.azure.com/{}/{}/_git/{}".format(*m.groups())
    return re.sub(r"\.git$", "", url) or None


def github_api_target(url: str) -> tuple[str, str] | None:
    """(repository key, what follows `/repos/o/r/`) of a GitHub REST URL."""
    m = _GITHUB_API.match(url.strip()) if isinstance(url, str) else None
    if not m:
        return None
    host, owner, repo, rest = m.groups()
    host = host.lower()
    host = "github.com" if host == "api.github.com" else host
    return f"{host}/{unquote(owner)}/{unquote(repo)}".lower(), unquote(rest or "")


def azure_organization(url: str) -> tuple[str, str] | None:
    """(organization, project or project id) of a dev.azure.com REST URL."""
    m = re.match(r"^https?://(?:dev\.azure\.com/([^/]+)|([^./]+)\.visualstudio\.com)/([^/]+)/_apis/",
                 url.strip(), re.I) if isinstance(url, str) else None
    if not m:
        return None
    return unquote(m.group(1) or m.group(2)).lower(), unquote(m.group(3)).lower()
