"""How a CI definition names what it runs: an action, a reusable workflow or template at a
ref, a container image with or without a digest. Mutable refs (a tag or a branch) are what
MLC-PIPE-003 flags; the kind is read from the text alone (a tag and a branch look alike:
version-shaped refs count as tags)."""
from __future__ import annotations

import functools
import re

_SHA = re.compile(r"^[0-9a-f]{40}$|^[0-9a-f]{64}$")
_VERSION = re.compile(r"^v?\d+(?:\.\d+)*(?:[-+.][0-9A-Za-z.-]+)?$")
_EXPRESSION = re.compile(r"\$\{\{|\$\(|\$\[|\$[A-Za-z_{]")
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


def action_ref(text: str) -> dict:
    """A GitHub `uses:` (or a template reference `path@repo`) → {ref, target, version, kind}.

    kind: `local` (./path in the same repository), `docker` (docker://image), `sha` (a full
    commit sha), `tag` (version-shaped), `branch` (any other name), `expression` (the ref is
    computed), `unknown` (no ref at all). A new dict each call: callers add to it."""
    return dict(_action_ref(text))


@functools.lru_cache(maxsize=4096)
def _action_ref(text: str) -> dict:
    """action_ref, read once per distinct text (every workflow names actions/checkout@v4);
    only action_ref, which copies it, returns it. Its values are strings or None."""
    ref = text.strip()
    out = {"ref": ref, "target": ref, "version": None}
    if _EXPRESSION.search(ref):
        return {**out, "kind": "expression"}
    if ref.startswith(("./", "../", "/")):
        return {**out, "kind": "local"}
    if ref.startswith("docker://"):
        image = image_ref(ref[len("docker://"):])
        return {**out, "target": image["name"], "version": image["digest"] or image["tag"],
                "kind": "sha" if image["digest"] else "docker"}
    target, at, version = ref.rpartition("@")
    if not at or not target or not version:
        return {**out, "kind": "unknown"}
    kind = "sha" if _SHA.match(version) else "tag" if _VERSION.match(version) else "branch"
    return {"ref": ref, "target": target, "version": version, "kind": kind}


def image_ref(text: str) -> dict:
    """A container image reference → {image, name, tag, digest, pinned}. `name:tag@sha256:…`
    is pinned by its digest whatever the tag says; a registry port (`host:5000/x`) is no tag."""
    image = text.strip()
    digest = None
    m = _DIGEST.search(image)
    rest = image
    if m:
        digest = m.group(0)[1:]
        rest = image[:m.start()]
    name, tag = rest, None
    last = rest.rsplit("/", 1)[-1]
    if ":" in last:
        name, _, tag = rest.rpartition(":")
    expression = bool(_EXPRESSION.search(image))
    return {"image": image, "name": name, "tag": tag, "digest": digest,
            "pinned": bool(digest) and not expression, "expression": expression}
