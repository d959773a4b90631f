"""One point of redaction, and the one place that knows what credentials look like.

Every string the graph records passes `clean` at the graph's door: credential shapes (keys,
tokens, passwords in URLs, on command lines and in `name=value` assignments, values of
credential-named keys) are replaced by «redacted:TYPE», and lone surrogates (not text, so
unwritable as UTF-8) by U+FFFD, before anything is saved or reported.

The same SHAPES and the same `not_a_secret` test serve the secrets parser
(checker.collectors.secrets), so what it flags in a file is what gets masked in any fact:
one list, two uses. What is *not* a secret is as important: template expressions and
variable references (`${{ secrets.X }}`, `$(var)`, `$VAR`, `[parameters('x')]`), Key Vault
and secret-store references, placeholders and documented example values
(`<your-key>`, `xxxx`, `EXAMPLE_API_KEY`, AWS's `AKIAIOSFODNN7EXAMPLE`), identifiers and
resource names (`servicePrincipalAppPassword`, `secretsmanager:GetSecretValue`, ARNs).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Iterator

MARK = "«redacted:{}»"
MARK_PREFIX = "«redacted:"

# The last word of a name that holds a credential: `db_password`, `servicePrincipalKey`,
# `AZURE_CLIENT_SECRET`, `sas_token`. Matched at the end of a name.
# Each word holds one of CREDENTIAL_HINTS (the prefilter relies on it).
_CREDENTIAL_WORDS = (
    r"pass(?:word|wd|phrase)|pwd|secret|token|api_?key|apikey|"
    r"(?:access|secret|private|account|storage|primary|secondary|master|shared_?access|subscription|"
    r"principal|client|auth|signing|encryption|service|ssh|sas|app|function|host)_?key"
)
CREDENTIAL_NAME = re.compile(rf"(?i)(?:{_CREDENTIAL_WORDS})$")
_NAME_TAIL = re.compile(r"[\d_\"'\])]+$")


@functools.lru_cache(maxsize=4096)     # keys repeat: every resource has the same attribute names
def is_credential_name(name: str) -> bool:
    """`name` (a key, a variable, an option without its dashes) names a credential."""
    name = _NAME_TAIL.sub("", name.replace("-", "_"))      # `api_key_2`, `"token"]`
    return CREDENTIAL_NAME.search(name) is not None


# -- what is not a secret ----------------------------------------------------------------

# Template expressions and variable references, anywhere in the value: CI and IaC engines
# put the real value in at run time.
_REFERENCE = re.compile(
    r"^\$|\$\{\{|\$\{|\$\(|\$\[|\$[A-Za-z_]|%[A-Za-z_][\w.]*%|\{\{|\{%|#\{|__[A-Z][A-Z0-9_]*__|@@\w+@@"
    r"|^\[[a-z][A-Za-z]*\(|[\w\])]\(|[\w\])]\[|^@Microsoft\.KeyVault\(")
# Secret stores and the names of their entries: the value says where a secret lives.
_STORE = re.compile(
    r"(?i)^arn:aws|\.vault\.azure\.net|\.vault\.azure\.cn|keyvault|key_vault|^azureml:|^azureml://|"
    r"secretsmanager|^projects/[^/]+/secrets/|^vault:|^ssm:|^kv:|^op://|^sm://|^gcp-sm://|^awssm:|"
    r"^file:|^env:|^secret:")
# Placeholders and documented example values (AWS's example key pair ends in EXAMPLE /
# EXAMPLEKEY; vendors' docs use the same marker).
_PLACEHOLDER = re.compile(
    r"(?i)example|sample|placeholder|dummy|changeme|change_me|change-me|replace|your[_-]?|"
    r"redacted|fake|mock|todo|foobar|insert|enter[_-]|^<.*>$|^\{.*\}$|^\(.*\)$|\.\.\.|xxxx|\*\*\*|•")
# For vendor tokens (random by construction) only the documented-example marker and masking:
# a word like `todo` turns up in one random token in a few thousand.
_VENDOR_PLACEHOLDER = re.compile(r"(?i)example|xxxxxx|\*\*\*\*|00000000|[<>]|\.\.\.")
# A value made only of masking characters and separators: XXXX-XX, xXxX, ****, 0000.
_MASKED = re.compile(r"^[xX*#0•.\-_=/+:&?]+$")
# Identifiers and resource names: letters in camelCase, snake_case, kebab-case, dotted or
# slashed paths, or a list of them (`servicePrincipalAppPassword`, `secrets.AZURE_CREDENTIALS`,
# `var.client_secret`, `GetSecretValue`). A generated secret of any length has digits or
# symbols (a 20-character base64 string lacks both once in 60); a password of letters only
# is a word, and not told apart from a name here.
_IDENTIFIER = re.compile(r"^[A-Za-z]+(?:(?:[_.\-/:]|, ?)[A-Za-z]+)*$")
# An IAM-style action `service:Action` (secretsmanager:GetSecretValue, kms:Decrypt).
_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z*]+$")
_PATH = re.compile(r"^(?:/|\./|\.\./|~/|[A-Za-z]:\\)")


def not_a_secret(value: str) -> str | None:
    """Why `value` (as written after a credential's name, or as matched) holds no credential,
    or None when it may be one."""
    value = value.strip().strip("\"'`")
    if not value or not any(c.isalpha() for c in value):
        return "empty or no letters"
    if _REFERENCE.search(value):
        return "template or variable reference"
    if _STORE.search(value):
        return "secret-store reference"
    if _PLACEHOLDER.search(value) or _MASKED.match(value) or len(set(value)) <= 2:
        return "placeholder or example"
    if _ACTION.match(value):
        return "action name"
    if _PATH.match(value):
        return "path"
    if _IDENTIFIER.match(value):
        return "identifier"
    return None


def is_secret_value(value: str) -> bool:
    """A value written after a credential's name that may well be the credential."""
    value = value.strip().strip("\"'`")
    return len(value) >= 6 and not value.startswith(MARK_PREFIX) and not_a_secret(value) is None


# -- credential shapes ------------------------------------------------------------------

@dataclass(frozen=True)
class Shape:
    """A credential shape. `hints` are lowercase literals one of which every match holds (all
    hints together are the one prefilter); group `secret` is the credential, else the whole
    match. Vendor tokens (`free=False`) are only checked for placeholders; free values
    (`free=True`: whatever people typed after a credential's name) must pass
    `is_secret_value`, and a group `name` must name a credential."""
    type: str
    pattern: str
    hints: tuple[str, ...]
    free: bool = False
    gate: str = ""      # for the secrets parser: matches (lowercased) every line a kept match is on

    def line_gate(self) -> str:
        return self.gate or "|".join(re.escape(h) for h in self.hints)


_VALUE = r"""(?P<secret>"[^"\s]+"|'[^'\s]+'|[^\s"',;&)}\]]+)"""
# What follows a credential's name, lowercased, when the value may pass is_secret_value: no
# `$` first (a reference), and a digit or a symbol before its end.
_SECRET_VALUE_GATE = r"""["'`]?(?=[^\s"'`$]*[^a-z_.\-/:\s"'`$,(\[])[^\s"'`$]"""
_NAME_END_GATE = r"(?:pass(?:word|wd|phrase)?|pwd|secret|token|key)"
ASSIGNED_SECRET_GATE = _NAME_END_GATE + r"""[\d_\-]*["'\]]?\s*(?::=|=>|=|:|,)\s*""" + _SECRET_VALUE_GATE
CREDENTIAL_HINTS = ("pass", "pwd", "secret", "token", "key")
_NOT_NAME = r"(?<![A-Za-z0-9_.-])"      # a name starts here: one try per word, not per character

SHAPES: tuple[Shape, ...] = (
    Shape("Private Key",
          r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?P<secret>[\s\S]*?(?:-----END[^-\n]*-----|$))",
          ("private key",)),
    Shape("AWS Access Key", r"(?<![A-Za-z0-9])(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}(?![A-Za-z0-9])",
          ("a3t", "akia", "asia", "abia", "acca")),
    Shape("GitHub Token", r"(?<![A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9_]{36,255}|github_pat_[A-Za-z0-9_]{22,255})",
          ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")),
    Shape("GitLab Token", r"(?<![A-Za-z0-9])gl(?:pat|dt|ft|soat|rt)-[A-Za-z0-9_\-]{20,50}",
          ("glpat-", "gldt-", "glft-", "glsoat-", "glrt-"), gate=r"gl(?:pat|dt|ft|soat|rt)-[a-z0-9_\-]{20}"),
    Shape("Slack Token", r"(?<![A-Za-z0-9])xox[abposr]-[0-9A-Za-z-]{10,}"
                         r"|hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+",
          ("xox", "hooks.slack.com"), gate=r"xox[abposr]-|hooks\.slack\.com/services/"),
    Shape("Stripe Access Key", r"(?<![A-Za-z0-9])[rs]k_live_[0-9a-zA-Z]{24,}", ("k_live_",),
          gate=r"k_live_[0-9a-z]{24}"),
    Shape("OpenAI Token", r"(?<![A-Za-z0-9])sk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}"
                          r"|(?<![A-Za-z0-9])sk-(?:proj|svcacct)-[A-Za-z0-9_-]{40,}", ("sk-",),
          gate=r"sk-[a-z0-9_-]{20}"),
    Shape("Hugging Face Token", r"(?<![A-Za-z0-9])hf_[A-Za-z0-9]{30,}", ("hf_",), gate=r"hf_[a-z0-9]{30}"),
    Shape("Google API Key", r"(?<![A-Za-z0-9])AIza[0-9A-Za-z_-]{35}", ("aiza",), gate=r"aiza[0-9a-z_-]{35}"),
    Shape("PyPI Token", r"(?<![A-Za-z0-9])pypi-AgE[A-Za-z0-9_-]{50,}", ("pypi-",), gate=r"pypi-age"),
    Shape("SendGrid API Key", r"(?<![A-Za-z0-9])SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}", ("sg.",),
          gate=r"sg\.[a-z0-9_-]{22}\."),
    Shape("JSON Web Token", r"(?<![A-Za-z0-9])eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
          ("eyj",), gate=r"eyj[a-z0-9_-]{10}"),
    # Connection strings: AccountKey= (storage), SharedAccessKey= (Service Bus, Event Hubs);
    # Password= / Pwd= are Secret Keyword assignments. And a SAS signature.
    Shape("Azure Storage Account access key",
          r"(?i:AccountKey|SharedAccessKey|AccessKey)=(?P<secret>[A-Za-z0-9+/]{20,}={0,2})", ("key=",),
          gate=r"key=[a-z0-9+/]{20}"),
    Shape("Azure SAS Signature", r"[?&](?i:sig)=(?P<secret>[A-Za-z0-9%+/]{20,}(?:=|%3D){0,2})", ("sig=",), gate=r"sig=[a-z0-9%+/]{20}"),
    # user:password@ in a URL.
    Shape("Basic Auth Credentials", r"\b[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@\"']+:(?P<secret>[^@\s/\"']+)@",
          ("://",), free=True, gate=r"://[^\s/:@]+:[^\s/@]+@"),
    # --password VALUE, --aws-secret-access-key=VALUE (-p VALUE is too vague to tell).
    Shape("Credential Option", r"(?<![\w-])--?(?P<name>[A-Za-z0-9][A-Za-z0-9-]*)(?:=|\s+)" + _VALUE,
          CREDENTIAL_HINTS, free=True, gate=_NAME_END_GATE + r"[\d_\-]*(?:=(?!=)|\s+(?![=:]))" + _SECRET_VALUE_GATE),
    # NAME=VALUE, NAME: VALUE, "NAME": "VALUE", NAME := VALUE where NAME names a credential.
    Shape("Secret Keyword", _NOT_NAME + r"(?P<name>[A-Za-z0-9_.-]+)[\"'\]]?\s*(?::=|=>|=|:)\s*" + _VALUE,
          CREDENTIAL_HINTS, free=True, gate=ASSIGNED_SECRET_GATE),
)
_COMPILED = {s.type: re.compile(s.pattern) for s in SHAPES}
_ORDER = {s.type: i for i, s in enumerate(SHAPES)}


def literal_trie(words) -> str:
    """A regex matching any of `words`, written as a trie: the regex engine tries each
    alternative in turn, so shared prefixes are tested once (twice as fast as a flat list)."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        if "" in node:
            return ""             # a shorter hint already matches here
        alts = [re.escape(ch) + emit(child) for ch, child in sorted(node.items())]
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    return emit(trie)


# The one prefilter, over the lowercased text: most strings hold no hint and need no more work.
# Lone surrogates are looked for apart (only in text that is not ASCII): as one more
# alternative they cost the regex its first-character scan, twice the time per string.
HINTS = tuple(sorted({h for s in SHAPES for h in s.hints}))
_ANY = re.compile(literal_trie(HINTS))
_SURROGATE = re.compile(r"[\ud800-\udfff]")
GATES = tuple(s.line_gate() for s in SHAPES)
_GATE_REGEX = {s.type: re.compile(s.line_gate()) for s in SHAPES}


@dataclass(frozen=True)
class Match:
    type: str
    start: int        # where the secret starts in the text
    end: int
    value: str        # transient: callers never store it


# Which shapes a hint found by the prefilter may stand for. At each position the trie
# reports the shortest hint matching there (`key` where `key=` also matches), so a found hint
# stands for every shape with a hint it begins. A lookahead finds hints that overlap.
_EVERY_HINT = re.compile("(?=(" + literal_trie(HINTS) + "))")
_SHAPES_OF_HINT = {h: frozenset(i for i, s in enumerate(SHAPES) if any(k.startswith(h) for k in s.hints))
                   for h in HINTS}
_CANDIDATES: dict[frozenset, list[Shape]] = {}     # hints found -> shapes; a few hundred sets


def _candidate_shapes(lowered: str) -> list[Shape]:
    """The shapes one of whose hints may be in `lowered`, in SHAPES order (a superset of
    those whose hints are: find() still checks each)."""
    hints = frozenset(_EVERY_HINT.findall(lowered))
    shapes = _CANDIDATES.get(hints)
    if shapes is None:
        found = frozenset().union(*(_SHAPES_OF_HINT[h] for h in hints))
        shapes = _CANDIDATES[hints] = [SHAPES[i] for i in sorted(found)]
    return shapes


def find(text: str, lowered: str | None = None) -> Iterator[Match]:
    """Every credential in `text` by shape, placeholders and references left out. A shape's
    regex runs only when one of its hints is in the text."""
    lowered = text.lower() if lowered is None else lowered
    spans = None
    for shape in _candidate_shapes(lowered):
        if not any(h in lowered for h in shape.hints) or not _GATE_REGEX[shape.type].search(lowered):
            continue
        for m in _COMPILED[shape.type].finditer(text):
            has_secret = "secret" in m.re.groupindex and m.group("secret") is not None
            start, end = m.span("secret") if has_secret else m.span()
            if end - start > 2 and text[start] == text[end - 1] and text[start] in "\"'":
                start, end = start + 1, end - 1           # the value, not its quotes
            if "name" in m.re.groupindex and not is_credential_name(m.group("name")):
                continue          # `--api-key-file`, `token_count`: not the credential
            if spans is None:
                spans = reference_spans(text)
            if is_credential(shape.type, text, start, end, shape.free, spans):
                yield Match(shape.type, start, end, text[start:end])


FREE_TYPES = frozenset(s.type for s in SHAPES if s.free) | {
    "Base64 High Entropy String", "Hex High Entropy String"}   # detect-secrets' free-value kinds


def is_credential(kind: str, text: str, start: int, end: int, free: bool | None = None,
                  spans: list[tuple[int, int]] | None = None) -> bool:
    """The one judgement both uses share: is text[start:end], found as `kind`, a credential?
    `free` (default: by kind) says the value is whatever someone typed after a name."""
    value = text[start:end]
    if value.startswith(MARK_PREFIX):
        return False
    spans = reference_spans(text) if spans is None else spans
    if any(s < end and start < e for s, e in spans):
        return False              # inside ${{ }}, an ARN, a Key Vault reference...
    if kind == "Private Key":
        return has_key_body(text[start:start + 600])
    if free if free is not None else kind in FREE_TYPES:
        return is_secret_value(value)
    return not is_placeholder(value)


def is_placeholder(value: str) -> bool:
    """A vendor-shaped token that is a documented example or a masked one (`ghp_xxxx…`)."""
    return _VENDOR_PLACEHOLDER.search(value) is not None or _MASKED.match(value) is not None


# Spans of a line that refer to a secret without holding it.
_REFERENCE_SPAN = re.compile(
    r"\$\{\{.*?\}\}|\$\{[^}]*\}|\$\([^)]*\)|\$\[[^\]]*\]|\{\{.*?\}\}|#\{[^}]*\}"
    r"|\[(?:parameters|variables|reference|listKeys|listSecrets|concat|format)\(.*?\)\]"
    r"|@Microsoft\.KeyVault\([^)]*\)|\barn:aws[\w-]*:[^\s\"',]*|https?://[\w.-]+\.vault\.azure\.(?:net|cn)/[^\s\"',]*"
    r"|\b[a-z][a-z0-9-]*:[A-Z][a-z]+(?:[A-Z][a-z]+)+\b")


def reference_spans(text: str) -> list[tuple[int, int]]:
    if not any(c in text for c in "$[{#@:"):
        return []
    return [m.span() for m in _REFERENCE_SPAN.finditer(text)]


_KEY_BODY = re.compile(r"[A-Za-z0-9+/=]{40,}")


def has_key_body(block: str) -> bool:
    """A private-key header followed by key material, not a header constant in code or docs."""
    lines = [l.strip().strip("\\n\"',") for l in re.split(r"\\n|\n", block[:600])]
    return any(_KEY_BODY.fullmatch(l) and not _PLACEHOLDER.search(l) for l in lines if l)


# -- redaction at the graph's door -----------------------------------------------------------

# Strings already seen to need no masking. A graph repeats the same few strings (attribute
# names, roles, extensions, collector names, URLs): nine in ten in a 1,200-file estate, and
# of the 5.3M strings a 50k-version MLflow store records, one in ten is distinct.
# Only clean strings are kept, so no secret is held here; bounded in count and length.
# Each maps to its first copy, which the door hands out for every equal string after it:
# the graph then holds one object per repeated value, not one per node (a 444k-node estate
# repeats 'main', 'FINISHED' or a remote URL 100k times; every rule child copies the pages
# it reads, so each copy saved is saved once per process).
_KNOWN_CLEAN: dict[str, str] = {}
_KNOWN_CLEAN_MAX, _KNOWN_CLEAN_LEN = 100_000, 256


def clean_text(text: str) -> str:
    """`text` with every credential masked and lone surrogates replaced. One prefilter search
    decides; most strings need no further work."""
    known = _KNOWN_CLEAN.get(text)
    if known is not None:
        return known
    cleaned = _clean_text(text)
    if cleaned is text and len(text) <= _KNOWN_CLEAN_LEN:
        if len(_KNOWN_CLEAN) >= _KNOWN_CLEAN_MAX:
            _KNOWN_CLEAN.clear()
        _KNOWN_CLEAN[text] = text
    return cleaned


def _clean_text(text: str) -> str:
    lowered = text.lower()
    if not _ANY.search(lowered) and (text.isascii() or not _SURROGATE.search(text)):
        return text
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    # By start; where two shapes find the same credential, the vendor's name wins (SHAPES order).
    spans = sorted((m.start, _ORDER[m.type], m.end, m.type) for m in find(text, lowered))
    out, pos = [], 0
    for start, _, end, kind in spans:
        if start < pos:
            continue              # inside a span already masked
        out += [text[pos:start], MARK.format(kind)]
        pos = end
    return "".join(out) + text[pos:] if out else text


def clean(value: Any) -> Any:
    """`value` with every string in it (keys included) cleaned; other values as they are. The
    value of a credential-named key is masked whole when it may be a credential
    (a tag `db_password: hunter2` has no other context)."""
    # Exact types first: every recorded string and property passes here, so the common
    # cases (str, dict, list, scalars) skip the isinstance chain.
    kind = type(value)
    if kind is str:
        return clean_text(value)
    if kind is dict:
        return _clean_dict(value)
    if kind is list or kind is tuple:
        # Lists of known strings are common (a commit's 40 branches): no call for those.
        known = _KNOWN_CLEAN
        return [(known.get(v) or clean_text(v)) if type(v) is str else clean(v) for v in value]
    if kind in _SCALARS:
        return value
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return _clean_dict(value)
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


_SCALARS = frozenset({bool, int, float, type(None)})


def _clean_dict(value: dict) -> dict:
    out, known, plain = {}, _KNOWN_CLEAN, _PLAIN_KEYS
    for key, item in value.items():
        kind = type(item)
        if key in plain:                           # most keys: one look-up decides
            if kind is str:
                out[key] = known.get(item) or clean_text(item)
            else:
                out[key] = item if kind in _SCALARS else clean(item)
        elif isinstance(key, str):
            if kind is str:
                if is_credential_name(key) and is_secret_value(item):
                    item = MARK.format("Secret Keyword")
                else:
                    item = known.get(item) or clean_text(item)
            elif kind not in _SCALARS:
                item = clean_entry(key, item)     # containers, str subclasses
            cleaned = known.get(key) or clean_text(key)
            out[cleaned] = item
            if cleaned == key and len(key) <= _KNOWN_CLEAN_LEN and not is_credential_name(key):
                if len(plain) >= _KNOWN_CLEAN_MAX:
                    plain.clear()
                plain.add(key)
        else:
            out[key] = clean(item)
    return out


# Keys already seen to be clean text that names no credential: their values only need
# cleaning as values. Graphs repeat a few hundred attribute names; bounded like _KNOWN_CLEAN.
_PLAIN_KEYS: set[str] = set()


def clean_entry(key: Any, value: Any) -> Any:
    """`value` cleaned as the value of `key` in a mapping (what clean does to each entry)."""
    if isinstance(key, str) and isinstance(value, str) and is_credential_name(key) and is_secret_value(value):
        return MARK.format("Secret Keyword")
    return clean(value)
