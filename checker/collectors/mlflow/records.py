"""What every MLflow reader returns, the settings they share, and reading one item safely.

Stores are untrusted: SQLite is dynamically typed (a run id can be a BLOB, a tag key NULL),
JSON can hold anything, a file store's meta.yaml can be a folder. A bad *item* is reported
with what names it and skipped (or, for an optional field, left out); the rest of the store
is still collected. Only a store that cannot be read at all is a fatal StoreError.
"""
from __future__ import annotations

import datetime as _dt
import json
import re
import sys
import time
from dataclasses import dataclass, field
from typing import Iterator

from ...redact import clean_text

TAG_VALUE_LIMIT = 500
PROFILE_LIMIT = 500
DELETED_STAGE = "Deleted_Internal"         # MLflow's mark for a soft-deleted model version
PROMPT_TAG = "mlflow.prompt.is_prompt"
CONTEXT_TAG = "mlflow.data.context"
RUN_STATUS = {1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED"}
MAX_PROBLEMS = 100                         # item problems listed per store; the rest counted
_SECRET_QUERY = re.compile(
    r"(?i)\b(sig|token|access_token|password|secret|x-amz-signature|x-amz-credential|"
    r"x-amz-security-token)=[^&\"'\s]+")
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/@\s\"']+@")


# -- settings and the source's time limit ------------------------------------------------

@dataclass(frozen=True)
class Settings:
    recent_runs: int = 200
    request_timeout: float = 10.0
    max_model_versions: int | None = None
    retries: int = 3
    total_timeout: float = 300.0

    @classmethod
    def from_params(cls, params) -> tuple["Settings", list[str]]:
        """Settings from ctx.params["mlflow"]; a bad value keeps its default and is reported."""
        if not isinstance(params, dict):
            return cls(), ["params.mlflow must be a mapping; using defaults"]
        values, problems = {}, []
        checks = {"recent_runs": (int, 0), "retries": (int, 0), "max_model_versions": (int, 0),
                  "request_timeout": (float, 0.001), "total_timeout": (float, 0.001)}
        for name, (kind, minimum) in checks.items():
            if name not in params or (name == "max_model_versions" and params[name] is None):
                continue
            value = params[name]
            ok = (isinstance(value, (int, float)) and not isinstance(value, bool)
                  and (kind is float or float(value).is_integer()) and value >= minimum)
            if ok:
                values[name] = kind(value)
            else:
                problems.append(f"params.mlflow.{name}: expected a number >= {minimum}, "
                                f"got {value!r}; using the default")
        return cls(**values), problems


class StoreError(Exception):
    """A store step failed. `fatal`: the store is unusable, later steps are not tried."""

    def __init__(self, reason: str, fatal: bool = False, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason, self.fatal, self.status = reason, fatal, status


class Deadline:
    """total_timeout for a whole source: every reader checks it, whatever it is waiting on."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def expired(self) -> bool:
        return time.monotonic() >= self.at

    def error(self, what: str) -> StoreError:
        return StoreError(f"{what}: gave up, total time limit of {self.seconds:g} s reached", fatal=True)

    def check(self, what: str) -> None:
        if self.expired():
            raise self.error(what)


# -- problems of single items -----------------------------------------------------------

@dataclass
class Problem:
    where: str                  # the source display, or a file inside a file store
    reason: str
    line: int | None = None


class Problems:
    """A store's item problems, each naming its item. Past MAX_PROBLEMS they are counted,
    so a store with a million bad rows gives a readable report."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.listed: list[Problem] = []
        self.unlisted = 0

    def add(self, reason: str, where: str | None = None, line: int | None = None) -> None:
        if len(self.listed) < MAX_PROBLEMS:
            self.listed.append(Problem(where or self.where, reason, line))
        else:
            self.unlisted += 1

    def __iter__(self) -> Iterator[Problem]:
        yield from self.listed
        if self.unlisted:
            yield Problem(self.where, f"{self.unlisted} more items could not be read "
                                      f"(only the first {MAX_PROBLEMS} are listed)")


class BadItem(Exception):
    """One item cannot be read; the reason names the field and what it holds, `line` where
    the field sits when the store has lines (a file store's meta.yaml)."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.line = line


class NotUtf8(str):
    """Text a store holds that is not UTF-8 (SQLite stores whatever bytes it is given), read
    with U+FFFD for the bad bytes. A str, so it reads as text; its own type, so the reader
    notices it and says which item held it."""


def describe(value) -> str:
    """What a stored value is, for a reason. Never the value itself: it may be a secret."""
    if value is None:
        return "missing (NULL)"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"a BLOB ({len(value)} bytes), not text"
    if isinstance(value, NotUtf8):
        return "text that is not UTF-8"
    if value == "":
        return "empty"
    return f"a {type(value).__name__}, not text"


def not_a_number(value) -> str:
    """What a stored value is where a whole number was expected (never the value itself)."""
    if isinstance(value, str):
        return "text, not a whole number" if value else "empty"
    if isinstance(value, float):
        return "a fraction, not a whole number"
    return describe(value)


def ident(value, column: str) -> str:
    """A required key (id, name, tag key): text, or a whole number stored as one."""
    if type(value) is str and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise BadItem(f"{column} is {describe(value)}")


Dropped = list[tuple[str, "str | None"]]     # (column, why it was left out; None: kept with U+FFFD)


def opt_text(value, column: str, dropped: Dropped) -> str | None:
    """An optional text field: numbers as text; text that is not UTF-8 kept with U+FFFD;
    anything else left out. Each of the last two adds (column, why) to `dropped` (why None:
    kept), for the item's problem."""
    if value is None or type(value) is str:
        return value
    if isinstance(value, NotUtf8):
        dropped.append((column, None))
        return str(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    dropped.append((column, describe(value)))
    return None


def left_out(what: str, dropped: Dropped) -> str:
    """The item's problem: the fields left out, and those kept with U+FFFD."""
    parts = []
    gone = [f"{column} ({why})" for column, why in dropped if why]
    if gone:
        parts.append("left out " + ", ".join(gone))
    kept = [column for column, why in dropped if why is None]
    if kept:
        parts.append(f"{', '.join(kept)} not UTF-8: read with U+FFFD for the bad bytes")
    return f"{what}: {'; '.join(parts)}"


# -- records every reader returns ----------------------------------------------------------

@dataclass
class ExperimentRec:
    experiment_id: str
    name: str
    lifecycle_stage: str
    tags: dict


@dataclass
class DatasetRec:
    name: str
    digest: str
    source_type: str
    source: str
    schema: str | None
    profile: str | None
    context: str | None


@dataclass
class RunRec:
    run_id: str
    experiment_id: str
    run_name: str | None
    status: str | None
    lifecycle_stage: str
    start_time: int | None
    end_time: int | None
    user_id: str | None
    tags: dict
    params_count: int
    metrics_count: int
    datasets: list[DatasetRec] = field(default_factory=list)
    artifact_uri: str | None = None     # the run's artifact root


@dataclass
class ModelRec:
    name: str
    description: str | None
    created: int | None
    tags: dict
    aliases: dict               # alias -> version (int)


@dataclass
class VersionRec:
    name: str
    version: int
    source: str | None
    run_id: str | None
    run_link: str | None
    stage: str | None
    status: str | None
    tags: dict
    created: int | None
    description: str | None
    updated: int | None = None
    model_id: str | None = None           # MLflow 3: the logged model the version was registered from
    storage_location: str | None = None   # where the registry keeps the artifacts (file store, MLflow >= 2.x)
    run_via: str | None = None            # the run id was read from the logged model, not the version


@dataclass
class LoggedModelRec:
    """An MLflow 3 logged model (what a `models:/<model_id>` version source names)."""
    model_id: str
    artifact_uri: str | None
    source_run_id: str | None


@dataclass
class Collected:
    experiments: list[ExperimentRec] = field(default_factory=list)
    models: list[ModelRec] = field(default_factory=list)
    versions: list[VersionRec] = field(default_factory=list)
    runs: dict[str, RunRec] = field(default_factory=dict)
    unreadable_runs: dict[str, str] = field(default_factory=dict)   # run id -> why
    truncated_versions: bool = False


def newest_first(versions: list[VersionRec]) -> list[VersionRec]:
    """MLflow's own search order: last updated first, then name, then highest version."""
    versions = sorted(versions, key=lambda v: (v.name, -v.version))
    return sorted(versions, key=lambda v: -(v.updated or 0))


# -- small helpers ------------------------------------------------------------------------

def iso(ms) -> str | None:
    """Milliseconds since the epoch as an ISO-8601 UTC string."""
    if ms is None or isinstance(ms, bool):
        return None
    try:
        return _dt.datetime.fromtimestamp(int(ms) / 1000, _dt.timezone.utc).isoformat(
            timespec="milliseconds")
    except (ValueError, OverflowError, OSError, TypeError):
        return None


def to_int(value) -> int | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def to_str(value) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def clip(value, limit: int = TAG_VALUE_LIMIT) -> str:
    """Free text cut to `limit` characters. Credentials are masked *before* the cut: a token
    cut in half no longer looks like one, and half a token is still a leak."""
    text = "" if value is None else str(value)
    return text if len(text) <= limit else clean_text(text)[:limit]


def kv_list(items) -> dict:
    """[{"key": k, "value": v}, ...] (MLflow's JSON tag shape) as a dict."""
    out = {}
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("key"), str) and item["key"]:
            out[item["key"]] = to_str(item.get("value")) or ""
    return out


def scrub_secrets(text: str) -> str:
    """URL credentials and signed-URL query secrets removed from a string."""
    if "@" not in text and "=" not in text:      # the common case, without two regex passes
        return text
    return _SECRET_QUERY.sub(lambda m: f"{m.group(1)}=REDACTED", _URL_USERINFO.sub(r"\1", text))


def tag_dict(tags: dict) -> dict:
    """Tags as recorded: values clipped and scrubbed of URL credentials; keys interned,
    since a store repeats the same few keys on every run (it saves memory on big stores)."""
    return {sys.intern(k): scrub_secrets(clip(v)) for k, v in sorted(tags.items())}


def source_uri(source: str | None) -> str | None:
    """The uri/path/url a dataset source JSON points at."""
    try:
        doc = json.loads(source or "")
    except (ValueError, TypeError, RecursionError):
        return None
    if isinstance(doc, dict):
        for key in ("uri", "path", "url"):
            if isinstance(doc.get(key), str) and doc[key]:
                return doc[key]
    return None


def chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def is_prompt(tags: dict) -> bool:
    return str(tags.get(PROMPT_TAG, "")).lower() == "true"
