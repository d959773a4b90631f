"""`.dvc/config` (and `config.local`): DVC's remotes and default remote, recorded on the
repository node, credentials stripped; the names of options holding credentials are
recorded, never their values. DVC reads the file with configobj; configparser reads the
same INI once configobj's quoted section headers are unquoted."""
from __future__ import annotations

import configparser
import re

from ..urls import url_has_password, url_without_secrets
from .common import DvcFile

# Option names in .dvc/config whose values are secrets (dvc remote modify docs, all remote types).
CREDENTIAL_OPTIONS = frozenset({
    "access_key_id", "secret_access_key", "session_token", "account_key", "sas_token",
    "connection_string", "client_secret", "gdrive_client_secret", "oss_key_id",
    "oss_key_secret", "password", "passphrase", "token", "key_secret",
})
_CREDENTIAL_WORDS = re.compile(r"secret|password|passphrase|token|access_key|account_key")
_SECTION_LINE = re.compile(r"""^\s*\[\s*(['"]?)(.*?)\1\s*\]\s*$""")
_NAMED_SECTION = re.compile(r'^(\w+)\s+"(.+)"$')


def parse_config(f: DvcFile, data: bytes) -> None:
    try:
        text = data.decode("utf-8-sig")     # configobj, DVC's reader, skips a BOM too
    except UnicodeDecodeError as exc:
        f.add(f"not UTF-8 text: {exc.reason} at byte {exc.start}")
        return
    # strict: configobj refuses a section or an option given twice, so does DVC.
    config = configparser.ConfigParser(
        interpolation=None, strict=True, comment_prefixes=("#", ";"),
        inline_comment_prefixes=("#", ";"), empty_lines_in_values=False,
        default_section="\0no default section\0")
    try:
        config.read_string(normalise_sections(text), source=f.ref.display)
    except configparser.MissingSectionHeaderError as exc:
        f.add("invalid DVC config: option outside any [section]", exc.lineno)
        return
    except configparser.DuplicateSectionError as exc:
        f.add(f"invalid DVC config: section {section_label(exc.section)} is given twice", exc.lineno)
        return
    except configparser.DuplicateOptionError as exc:
        f.add(f"invalid DVC config: option {exc.option} of {section_label(exc.section)} is given twice",
              exc.lineno)
        return
    except configparser.ParsingError as exc:
        # Never echo the offending line: it may hold a credential.
        f.add("invalid DVC config: unparsable line", exc.errors[0][0] if exc.errors else None)
        return
    except configparser.Error as exc:
        f.add(f"invalid DVC config: {type(exc).__name__}")
        return
    record_config(f, config)


def record_config(f: DvcFile, config: configparser.ConfigParser) -> None:
    """Remotes (credentials stripped) and the names of any credential options on the repo node."""
    graph, tree = f.ctx.graph, f.ref.tree
    have = graph.node(tree)["attrs"]
    remotes = dict(have.get("dvc_remotes") or {})
    credentials = list(have.get("dvc_config_credentials") or [])
    for section in config.sections():
        label = section_label(section)
        for option, value in config.items(section, raw=True):
            if option in CREDENTIAL_OPTIONS or _CREDENTIAL_WORDS.search(option):
                credentials.append(f"{label}.{option}")
        named = _NAMED_SECTION.match(section)
        url = unquote(config.get(section, "url", raw=True, fallback="") or "")
        if named and named.group(1) == "remote" and url:
            remotes[named.group(2)] = url_without_secrets(url)
            if url_has_password(url):
                credentials.append(f"{label}.url")
    attrs: dict = {"dvc_remotes": remotes}
    default = unquote(config.get("core", "remote", raw=True, fallback="") or "")
    if default:
        attrs["dvc_default_remote"] = default
    if credentials:
        attrs["dvc_config_credentials"] = sorted(set(credentials))
    graph.update_attrs(tree, **attrs)


def normalise_sections(text: str) -> str:
    """configobj's `['remote "name"']` headers → configparser's `[remote "name"]`."""
    lines = []
    for line in text.splitlines():
        m = _SECTION_LINE.match(line)
        lines.append(f"[{m.group(2).strip()}]" if m else line)
    return "\n".join(lines) + "\n"


def section_label(section: str) -> str:
    """`remote "storage"` → `remote.storage`; `core` stays `core`."""
    m = _NAMED_SECTION.match(section)
    return f"{m.group(1)}.{m.group(2)}" if m else section


def unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value
