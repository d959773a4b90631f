"""detect-secrets, run only where a secret can be, and judged by what ML estates hold.

detect-secrets calls every plugin on every line, each through its dependency-injection
layer: on the Azure ML examples repository that was 3.4M calls and 80 % of the scan. Here
every plugin, and every shape of checker.redact, has a gate: a regex that matches each line
on which it could report a hit we would keep (PLUGIN_GATES; Shape.gate). One pass of the
gates over a text finds its candidate lines (most texts have none); on a candidate line a
plugin is called only when its own gate matches, with detect-secrets' filters applied as its
`scan_file` applies them. tests/test_collect_secrets.py checks that scanning every line with
every plugin gives the same hits.

What comes back is judged by checker.redact's `is_credential`, the same test that masks
facts at the graph's door: template expressions and variable references, Key Vault and
secret-store references, placeholders and documented example values, identifiers and
resource names are no credentials, and keyword and high-entropy hits count only as the
value of a credential's name. checker.redact's shapes are reported too (command-line
credential options, Hugging Face and Google keys, SAS signatures...): one list, two uses.
One hit per credential: where a vendor kind and a free one name the same text, the
vendor's is kept.
"""
from __future__ import annotations

import configparser
import contextlib
import io
import re
import threading
import warnings
from dataclasses import dataclass

from ... import redact

# Filters that must stay off here: one stats the path on disk (our bytes may come from
# a bare repository), the other verifies secrets over the network.
DISABLED_FILTERS = (
    "detect_secrets.filters.common.is_invalid_file",
    "detect_secrets.filters.common.is_ignored_due_to_verification_policies",
)
# A public IP address is no credential: not a finding of a secrets rule.
DROPPED_PLUGINS = frozenset({"IPPublicDetector"})
# For each detect-secrets plugin, a gate: a regex, searched in the lowercased line unless it
# starts with CASE_SENSITIVE, that matches every line on which the plugin could report a hit
# we would keep (read from its patterns, and from what redact.is_credential keeps). The gates
# of all plugins and of checker.redact's shapes find a text's candidate lines; on such a line
# a plugin is called only when its own gate matches. Gates start with a literal where they
# can: the regex engine then skips ahead fast.
CASE_SENSITIVE = "(?-i)"
_VENDOR_KEYWORD_VALUE = r"(?:key|pw|pass|token)[\"'\]]{0,2} *(?:=|:|:=|=>| +|::) *[\"']?[a-z0-9_\-]{24}"
PLUGIN_GATES: dict[str, str] = {
    "AWSKeyDetector": r"a3t|abia|acca|akia|asia|aws(?=.{0,20}?(?:key|pw|pass|token))",
    "ArtifactoryDetector": CASE_SENSITIVE + r"AKC[a-zA-Z0-9]{10}|AP[\dABCDEF][a-zA-Z0-9]{8}",
    "AzureStorageKeyDetector": r"accountkey=",
    "BasicAuthDetector": r"://[^\s/:@]+:[^\s/@]+@",
    "CloudantDetector": _VENDOR_KEYWORD_VALUE + r"|cloudant",
    "DiscordBotTokenDetector": CASE_SENSITIVE + r"\.[a-zA-Z\d_-]{6}\.[a-zA-Z\d_-]{27}",
    "GitHubTokenDetector": r"ghp_|gho_|ghu_|ghs_|ghr_",
    "GitLabTokenDetector": r"gl(?:pat|dt|ft|soat|rt|cbt|imt|ptt|agent|oas)-|gr1348941",
    "IbmCloudIamDetector": _VENDOR_KEYWORD_VALUE,
    "IbmCosHmacDetector": _VENDOR_KEYWORD_VALUE,
    "JwtTokenDetector": r"eyj",
    "MailchimpDetector": r"-us\d",
    "NpmDetector": r"_authtoken",
    "OpenAIDetector": r"t3blbkfj",
    "PrivateKeyDetector": r"private key|putty-user-key-file-2",
    "PypiTokenDetector": r"pypi-",
    "SendGridDetector": r"sg\.",
    "SlackDetector": r"xox|hooks\.slack\.com",
    "SoftlayerDetector": _VENDOR_KEYWORD_VALUE + r"|api\.softlayer\.com",
    "SquareOAuthDetector": r"sq0csp-",
    "StripeDetector": r"k_live_",
    "TelegramBotTokenDetector": CASE_SENSITIVE + r":[0-9A-Za-z_-]{35}",
    "TwilioKeyDetector": CASE_SENSITIVE + r"AC[a-z0-9]{32}|SK[a-z0-9]{32}",
    # Their hits are kept only as values of a credential's name (_assigned_to_credential).
    "KeywordDetector": redact.ASSIGNED_SECRET_GATE,
    "Base64HighEntropyString": redact.ASSIGNED_SECRET_GATE,
    "HexHighEntropyString": redact.ASSIGNED_SECRET_GATE,
}
# A plugin in no table (a later detect-secrets) is gated by its own patterns, and runs on
# every line when it has none.

# A value assigned to a name: what precedes a keyword or high-entropy value for it to count.
_ASSIGNED_TO = re.compile(r"(?P<name>[A-Za-z0-9_.-]+)[\"'\]]?\s*(?::=|=>|=|:|,)\s*[\"'`]?$")
_TOKEN_CHAR = re.compile(r"[\w\-+/=.~]")
_NOTEBOOK_CELL_EXT = {"python": ".py"}   # detect-secrets tunes its keyword regexes by extension


@dataclass(frozen=True)
class Found:
    """A credential found in a text: where and what kind. `value` is transient (the parser
    masks it in facts defined by the same file, then drops it); it is never recorded."""
    line: int
    type: str
    value: str


class Detector:
    """detect-secrets, imported and configured once per process (see `detector()`)."""

    def __init__(self) -> None:
        ds = _import_detect_secrets()
        self._ds = ds
        self._settings = ds["get_settings"]
        self._plugin_names = sorted(cls.__name__ for cls in ds["plugin_classes"]
                                    if cls.__name__ not in DROPPED_PLUGINS)
        self._configure()
        classes = [c for c in ds["plugin_classes"] if c.__name__ not in DROPPED_PLUGINS]
        self._gates = {c.__name__: _gate(c) for c in classes}
        self._ungated = any(gate is None for gate in self._gates.values())
        self._candidates = _candidate_regexes([g for g in self._gates.values() if g is not None]
                                              + [compile_gate(g) for g in redact.GATES])

    def _configure(self) -> None:
        """The built-in plugins with their defaults (less DROPPED_PLUGINS), default filters
        less the two above."""
        settings = self._settings()
        settings.configure_plugins([{"name": name} for name in self._plugin_names])
        settings.disable_filters(*DISABLED_FILTERS)
        self._ds["clear_caches"]()

    def _ensure_configured(self) -> None:
        # Someone else in the process may have reset detect-secrets' global settings.
        settings = self._settings()
        if sorted(settings.plugins) != self._plugin_names or any(f in settings.filters for f in DISABLED_FILTERS):
            self._configure()

    @property
    def plugin_names(self) -> list[str]:
        return list(self._plugin_names)

    def excluded_by(self, filename: str) -> str | None:
        """The detect-secrets file filter (non-text, lock, swagger file) that skips this name."""
        self._ensure_configured()
        for fn in self._ds["scan"].get_filters_with_parameter("filename"):
            if fn.injectable_variables == {"filename"} and fn(filename):
                return fn.path.rsplit(".", 1)[-1]
        return None

    def candidate_lines(self, text: str, literals: set[str] | None = None) -> list[int]:
        """1-based numbers of the lines (split on '\\n') where a plugin or shape could fire.

        One pass of the literal trie marks the lines of the literal gates and tells which
        literals the text holds; a regex gate runs only when the literal its every match
        starts with is there (most texts hold none of the rarer ones). `literals`, when
        given, receives those the text holds (each the shortest of the gates' literals
        sharing its prefix: `pw` stands for `pwd`), so a caller needs no pass of its own to
        know a word is absent; with a plugin ungated no pass is made, and it receives
        redact.CREDENTIAL_HINTS, as if each were there."""
        if self._ungated:
            if literals is not None:
                literals.update(redact.CREDENTIAL_HINTS)
            return list(range(1, len(split_lines(text)) + 1))
        found: set[int] = set()
        lowered = text.lower()      # the same newlines as `text` (maybe not the same length)
        trie, marking, others = self._candidates
        present = literals if literals is not None else set()
        line, pos = 1, 0
        m = trie.search(lowered)
        while m:
            literal = m.group()
            present.add(literal)
            if literal in marking:
                line += lowered.count("\n", pos, m.start())
                pos = m.start()
                found.add(line)
            # Overlapping: a literal may start inside another (`keyJ…` holds `eyj`).
            m = trie.search(lowered, m.start() + 1)
        for regex, on_lowered, needs in others:
            if needs is None or not present.isdisjoint(needs):
                _add_lines(found, lowered if on_lowered else text, regex)
        return sorted(found)

    def scan_text(self, filename: str, text: str, candidates: list[int] | None = None) -> list[Found]:
        """Every credential in `text`, by line (lines as git counts them: split on '\\n').
        `candidates`: the text's candidate lines when the caller has them already."""
        candidates = self.candidate_lines(text) if candidates is None else candidates
        if not candidates:
            return []
        self._ensure_configured()
        lines = split_lines(text)
        found = [hit for number in candidates if number <= len(lines)
                 for hit in self._scan_line(filename, lines, number)]
        return sorted(found, key=lambda f: (f.line, f.type))

    def _scan_line(self, filename: str, lines: list[str], number: int) -> list[Found]:
        line = lines[number - 1].rstrip()
        # A private key's body follows its header: the judgement sees the next lines too.
        window = "\n".join(lines[number - 1:number + 4]) if "PRIVATE KEY" in line else line
        spans: list[tuple[int, int, str]] = []
        for kind, value in self._plugin_hits(filename, lines, number, line):
            start = line.find(value)
            if start < 0:
                continue
            if kind in redact.FREE_TYPES:
                end = start + len(value)
                if kind != "Basic Auth Credentials" and not _assigned_to_credential(line, start):
                    continue      # `secret_name: x`, `md5: …`: the name holds no credential
            else:
                start, end = _token_at(line, start)   # a plugin may report only its regex's group
            if redact.is_credential(kind, window, start, end):
                spans.append((start, end, kind))
        shape_spans = [(m.start, m.end, m.type) for m in redact.find(line)]
        if shape_spans and not self._allowlisted(filename, lines, number, line):
            spans += shape_spans
        return [Found(number, kind, line[start:end]) for start, end, kind in _one_name_each(spans)]

    def _allowlisted(self, filename: str, lines: list[str], number: int, line: str) -> bool:
        """detect-secrets' `pragma: allowlist secret` (on the line or the one before) holds for
        checker.redact's shapes too."""
        context = self._ds["get_code_snippet"](lines=lines, line_number=number)
        return self._ds["is_line_allowlisted"](filename, line, context)

    def _plugin_hits(self, filename: str, lines: list[str], number: int, line: str):
        """(type, value) of each detect-secrets plugin hit on the line, after its filters,
        as its `_process_line_based_plugins` finds them (which needs every line: we pass one).
        Plugins that cannot fire here are not called, and a line none can fire on is not filtered."""
        ds = self._ds
        lowered = line.lower()
        plugins = [p for p in ds["get_plugins"]() if self._may_fire(p, line, lowered)]
        if not plugins:
            return
        context = ds["get_code_snippet"](lines=lines, line_number=number)
        if ds["is_filtered_out"](required_filter_parameters=["line"], filename=filename, line=line, context=context):
            return
        for plugin in plugins:
            for secret in ds["scan_line"](plugin=plugin, filename=filename, line=line, line_number=number,
                                          context=context):
                if not ds["is_filtered_out"](required_filter_parameters=["context"], filename=secret.filename,
                                             secret=secret.secret_value, plugin=plugin, line=line,
                                             context=context):
                    yield secret.type, secret.secret_value

    def _may_fire(self, plugin, line: str, lowered: str) -> bool:
        gate = self._gates.get(type(plugin).__name__)
        return gate is None or gate[0].search(lowered if gate[1] else line) is not None


def _one_name_each(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """One hit per credential on a line: where a vendor kind (AWS, GitHub, ...) and a free
    one (keyword, high entropy) name the same or overlapping text, the vendor's is kept."""
    vendor = [s for s in spans if s[2] not in redact.FREE_TYPES]
    free = sorted((s for s in spans if s[2] in redact.FREE_TYPES), key=lambda s: (s[0], -s[1], s[2]))
    kept = list(dict.fromkeys(vendor))
    for span in free:
        if not any(span[0] < e and s < span[1] for s, e, _ in kept):
            kept.append(span)
    return kept


def _token_at(line: str, start: int) -> tuple[int, int]:
    """The whole token around `start` (detect-secrets' GitHub plugin reports `ghp` alone)."""
    while start > 0 and _TOKEN_CHAR.match(line[start - 1]):
        start -= 1
    end = start
    while end < len(line) and _TOKEN_CHAR.match(line[end]):
        end += 1
    return start, end


def _assigned_to_credential(line: str, start: int) -> bool:
    """A keyword or high-entropy value counts only as the value of a credential's name
    (`api_token: "…"`, `"client_secret": "…"`, `password="…"`): elsewhere it is a hash,
    an id, data, or the name of a secret (`secret_name: …`, `SecretsFilter: …`)."""
    m = _ASSIGNED_TO.search(line, 0, start)
    return m is not None and redact.is_credential_name(m.group("name"))


def _gate(cls) -> tuple[re.Pattern, bool] | None:
    """The plugin's gate as (regex, searched in the lowercased line); None: it has none."""
    gate = PLUGIN_GATES.get(cls.__name__)
    if gate is not None:
        return compile_gate(gate)
    own = _patterns_of([cls])
    return (own, False) if own is not None else None


def compile_gate(gate: str) -> tuple[re.Pattern, bool]:
    if gate.startswith(CASE_SENSITIVE):
        return re.compile(gate[len(CASE_SENSITIVE):]), False
    return re.compile(gate), True


_LITERAL = re.compile(r"(?:[a-z0-9_:/= \-]|\\[.\- ])+")


def _candidate_regexes(gates):
    """The gates for the candidate pass: (a trie of the plain literals of all gates and of the
    literals the other gates start with; the literals that mark a line; the other gates as
    (regex, searched lowercased, the trie literals one of which it needs, or None))."""
    marking, others = set(), {}
    for regex, on_lowered in gates:
        for part in _alternatives(regex.pattern):
            if on_lowered and _LITERAL.fullmatch(part):
                marking.add(re.sub(r"\\(.)", r"\1", part))
            else:
                needs = _leading_literals(part) if on_lowered else None
                others[(part, on_lowered)] = (re.compile(part), on_lowered, needs)
    probes = {lit for _, _, needs in others.values() for lit in needs or ()}
    literals = marking | probes
    # The trie reports the shortest of literals sharing a prefix: name each by that one. A
    # literal hidden behind a shorter one cannot mark its lines from the trie: it is searched
    # for on its own when that shorter one is there.
    shortest = {lit: min((o for o in literals if lit.startswith(o)), key=len) for lit in literals}
    for lit in [m for m in marking if shortest[m] != m]:
        marking.discard(lit)
        others[(re.escape(lit), True)] = (re.compile(re.escape(lit)), True, {lit})
    return (re.compile(redact.literal_trie(literals)), marking,
            [(regex, low, frozenset(shortest[n] for n in needs) if needs else None)
             for regex, low, needs in others.values()])


_LEADING = re.compile(r"(?:[a-z0-9_:/=\- ]|\\[.\- ])+")


def _leading_literals(part: str) -> set[str] | None:
    """The literals (two characters or more) one of which starts every match of `part`, or
    None when it does not start with one (then the gate always runs)."""
    if part.startswith("(?:"):
        depth = 0
        for i, ch in enumerate(part):
            depth += ch == "(" and part[i - 1:i] != "\\"
            depth -= ch == ")" and part[i - 1:i] != "\\"
            if depth == 0:
                break
        alternatives = _alternatives(part[3:i])
        leads = [_leading_literals(a) for a in alternatives]
        return None if any(lead is None for lead in leads) else set().union(*leads)
    m = _LEADING.match(part)
    run = m.group() if m else ""
    if run and part[len(run):len(run) + 1] in ("?", "*", "{"):
        run = run[:-2] if run.endswith(("\\.", "\\-", "\\ ")) else run[:-1]   # its last character is optional
    literal = re.sub(r"\\(.)", r"\1", run)
    return {literal} if len(literal) >= 2 else None


def _alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a regex (split on | outside groups and classes)."""
    parts, depth, in_class, escaped, start = [], 0, False, False, 0
    for i, ch in enumerate(pattern):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    return [*parts, pattern[start:]]


def _add_lines(found: set[int], source: str, regex: re.Pattern) -> None:
    """Add the numbers of the lines each match of `regex` in `source` touches."""
    line, pos = 1, 0
    for m in regex.finditer(source):
        line += source.count("\n", pos, m.start())
        pos = m.start()
        found.update(range(line, line + source.count("\n", pos, max(pos, m.end() - 1)) + 1))


def _patterns_of(classes) -> re.Pattern | None:
    """One regex over the plugins' own patterns (flags kept per pattern, groups unnamed)."""
    parts = []
    for cls in classes:
        for pattern in getattr(cls(), "denylist", ()) or ():
            flags = "".join(f for f, bit in (("i", re.I), ("s", re.S), ("x", re.X)) if pattern.flags & bit)
            body = re.sub(r"\(\?P<\w+>", "(?:", pattern.pattern)
            parts.append(f"(?{flags}:{body})" if flags else f"(?:{body})")
    return re.compile("|".join(parts), re.M) if parts else None


def split_lines(text: str) -> list[str]:
    """Lines as git and editors count them (on '\\n' only)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def notebook_cell_name(path: str, cell: int, where: str, language: str) -> str:
    """The name a notebook text is scanned under: the notebook's path (for detect-secrets'
    path filters), and for sources the language's extension (for its keyword regexes)."""
    if where == "source":
        return f"{path}/cell-{cell}{_NOTEBOOK_CELL_EXT.get(language, '')}"
    return f"{path}/cell-{cell}/output"


def _import_detect_secrets() -> dict:
    """Import detect-secrets without letting it print or change the process for others.

    On import it points logging at warnings (logging.captureWarnings) and replaces
    configparser.ParsingError; both are put back.
    """
    stock_parsing_error, stock_showwarning = configparser.ParsingError, warnings.showwarning
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            from detect_secrets.core import scan
            from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
            from detect_secrets.filters.allowlist import is_line_allowlisted
            from detect_secrets.settings import get_filters, get_plugins, get_settings
            from detect_secrets.util.code_snippet import get_code_snippet
            plugin_classes = list(get_mapping_from_secret_type_to_class().values())
    finally:
        configparser.ParsingError, warnings.showwarning = stock_parsing_error, stock_showwarning

    def clear_caches() -> None:
        get_plugins.cache_clear()
        get_filters.cache_clear()

    return {"scan": scan, "get_settings": get_settings, "get_plugins": get_plugins,
            "get_code_snippet": get_code_snippet, "scan_line": scan._scan_line,
            "is_filtered_out": scan._is_filtered_out, "plugin_classes": plugin_classes,
            "is_line_allowlisted": is_line_allowlisted,
            "clear_caches": clear_caches}


_detector: Detector | None = None
_detector_lock = threading.Lock()


def detector() -> Detector:
    """The process-wide Detector; the slow import and setup happen on first use only."""
    global _detector
    with _detector_lock:
        if _detector is None:
            _detector = Detector()
        return _detector
