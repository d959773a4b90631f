"""mlcheck.yaml: rule dirs, parameters, gate threshold, rule selection, waivers."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path

from .severity import SEVERITIES
from .findings import Waiver
from .inputs import read_bytes
from .redact import clean
from .safeyaml import load_yaml

CONFIG_NAME = "mlcheck.yaml"

SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "rules": {"type": "array", "items": {"type": "string"}},
        "fail_on": {"enum": list(SEVERITIES)},
        "only": {"type": "array", "items": {"type": "string"}},
        "skip": {"type": "array", "items": {"type": "string"}},
        "sources": {"type": "array", "items": {"type": "string", "pattern": "^[a-z0-9_-]+=.+"}},
        "params": {
            "type": "object",
            "properties": {
                "production": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"aliases": {"type": "array", "items": {"type": "string"}},
                                   "stages": {"type": "array", "items": {"type": "string"}}},
                },
                "mlflow": {"type": "object"},
                "data_file_max_bytes": {"type": "integer", "minimum": 0},
                "data_exts": {"type": "array", "items": {"type": "string"}},
                "rego_timeout": {"type": "number", "exclusiveMinimum": 0},
                "rego_max_result_bytes": {"type": "integer", "minimum": 1},
            },
        },
        "max_parse_bytes": {"type": "integer", "minimum": 1024},
        # The organisation's rating of a rule (checker/overrides.py): rule id → new values.
        "overrides": {
            "type": "object",
            "propertyNames": {"pattern": "^[A-Z][A-Z0-9]*-[A-Z0-9]+(-[A-Z0-9]+)*$"},
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "minProperties": 1,
                "properties": {
                    "severity": {"enum": list(SEVERITIES)},
                    "remediation": {"type": "string", "minLength": 3},
                    "reason": {"type": "string", "minLength": 3},
                },
            },
        },
        "exclude": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "waivers": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["rule", "resource", "reason", "approved_by"],
                "properties": {
                    "rule": {"type": "string", "minLength": 1},
                    "resource": {"type": "string", "minLength": 1},
                    "reason": {"type": "string", "minLength": 3},
                    "approved_by": {"type": "string", "minLength": 1},
                    "expires": {"type": "string", "format": "date"},
                },
            },
        },
    },
}


class ConfigError(Exception):
    pass


@dataclass
class Config:
    path: str | None = None
    rules: list[Path] = field(default_factory=list)
    fail_on: str | None = None
    only: list[str] = field(default_factory=list)
    skip: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    params: dict = field(default_factory=dict)
    max_parse_bytes: int | None = None
    exclude: list[str] = field(default_factory=list)
    waivers: list[Waiver] = field(default_factory=list)
    overrides: dict[str, dict] = field(default_factory=dict)


def load_config(path: Path | None) -> Config:
    """The given config file, else ./mlcheck.yaml when present, else defaults."""
    if path is None:
        default = Path.cwd() / CONFIG_NAME
        if not default.is_file():
            return Config()
        path = default
    try:
        doc = load_yaml(read_bytes(path, "config"), str(path), unique_keys=True)
    except ValueError as exc:          # unreadable, or not YAML (YamlError)
        raise ConfigError(str(exc)) from exc
    doc = {} if doc is None else doc
    import jsonschema
    # YAML gives dates as date objects; the schema checks the text form.
    for w in doc.get("waivers", []) if isinstance(doc, dict) else []:
        if isinstance(w, dict) and isinstance(w.get("expires"), _dt.date):
            w["expires"] = w["expires"].isoformat()
    validator = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        raise ConfigError(f"{path}: {where}: {err.message}")
    base = Path(path).parent
    return Config(
        path=str(path),
        rules=[(base / r) for r in doc.get("rules", [])],
        fail_on=doc.get("fail_on"),
        only=doc.get("only", []), skip=doc.get("skip", []),
        sources=doc.get("sources", []), params=doc.get("params", {}),
        max_parse_bytes=doc.get("max_parse_bytes"),
        exclude=doc.get("exclude", []),
        # Waivers are printed in every report: their text passes the same redaction as the graph.
        waivers=[Waiver(rule=w["rule"], resource=w["resource"], reason=clean(w["reason"]),
                        approved_by=clean(w["approved_by"]),
                        expires=_dt.date.fromisoformat(w["expires"]) if w.get("expires") else None)
                 for w in doc.get("waivers", [])],
        # Printed in every report, like waivers: the same redaction.
        overrides={rid: {k: clean(v) for k, v in o.items()} for rid, o in doc.get("overrides", {}).items()},
    )
