"""Scan history: every scan recorded in a SQLite database (standard library only), so a
scheduled report can show the trend, what is new or fixed, and how long fixes take.

One scan is one row of `scans` (when, the snapshot digest, the configuration digest), the
rules it ran (`scan_rules`: id, severity, engine, digest of the rule's definition) and its
findings (`scan_findings`: fingerprint, rule, severity, resource, status, the waiver).
Nothing is stored that the JSON report does not hold: the findings' strings have passed
redaction at the graph's door; evidence and messages are not stored at all.

The schema is versioned (`schema_version`) and migrated forward when a database is opened:
MIGRATIONS[i] takes a database from version i to i + 1. A database written by a newer
mlcheck is refused, never rewritten.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..graph import canonical_json

# Version 1: scans, the rules they ran, their findings (rule and resource on every row).
# Version 2: a finding's rule and resource stored once (`findings`, by fingerprint), each
# scan's rows holding only what changes between scans — a third of the size; the tool
# version, gate and completeness of each scan, and each finding's waiver (for "waivers
# expiring soon" and for telling a fixed finding from one a partial scan did not see).
MIGRATIONS: list[str] = [
    """
    CREATE TABLE schema_version (version INTEGER NOT NULL);
    INSERT INTO schema_version VALUES (0);
    CREATE TABLE scans (
        id INTEGER PRIMARY KEY,
        scanned_at TEXT NOT NULL,              -- ISO 8601, UTC
        snapshot_digest TEXT NOT NULL,
        config_digest TEXT NOT NULL
    );
    CREATE TABLE scan_rules (
        scan_id INTEGER NOT NULL REFERENCES scans(id),
        rule_id TEXT NOT NULL,
        severity TEXT NOT NULL,
        engine TEXT NOT NULL,
        digest TEXT NOT NULL,
        evaluated INTEGER NOT NULL,            -- 0: the rule could not be evaluated
        PRIMARY KEY (scan_id, rule_id)
    );
    CREATE TABLE scan_findings (
        scan_id INTEGER NOT NULL REFERENCES scans(id),
        fingerprint TEXT NOT NULL,
        rule_id TEXT NOT NULL,
        severity TEXT NOT NULL,
        node TEXT NOT NULL,
        status TEXT NOT NULL,
        PRIMARY KEY (scan_id, fingerprint)
    );
    CREATE INDEX scan_findings_fingerprint ON scan_findings (fingerprint, scan_id);
    """,
    """
    CREATE TABLE findings (
        fingerprint TEXT PRIMARY KEY,
        rule_id TEXT NOT NULL,
        node TEXT NOT NULL
    ) WITHOUT ROWID;
    INSERT OR IGNORE INTO findings SELECT fingerprint, rule_id, node FROM scan_findings ORDER BY scan_id;
    CREATE TABLE scan_findings_v2 (
        scan_id INTEGER NOT NULL REFERENCES scans(id),
        fingerprint TEXT NOT NULL REFERENCES findings(fingerprint),
        severity TEXT NOT NULL,                -- per scan: a rule or an escalation may change it
        status TEXT NOT NULL,
        waiver TEXT,                           -- JSON, as in the JSON report
        PRIMARY KEY (scan_id, fingerprint)
    ) WITHOUT ROWID;
    INSERT INTO scan_findings_v2 SELECT scan_id, fingerprint, severity, status, NULL FROM scan_findings;
    DROP TABLE scan_findings;
    ALTER TABLE scan_findings_v2 RENAME TO scan_findings;
    ALTER TABLE scans ADD COLUMN tool_version TEXT NOT NULL DEFAULT '';
    ALTER TABLE scans ADD COLUMN fail_on TEXT NOT NULL DEFAULT '';
    ALTER TABLE scans ADD COLUMN incomplete INTEGER NOT NULL DEFAULT 0;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


class HistoryError(Exception):
    """A history database that cannot be used: named, with the reason (exit 2)."""


def db_path(uri: str) -> Path:
    """`sqlite:///relative.db`, `sqlite:////abs/path.db` (SQLAlchemy's spelling) or a plain path."""
    if uri.startswith("sqlite:///"):
        rest = uri[len("sqlite:///"):]
    elif "://" in uri:
        raise HistoryError(f"--history {uri!r}: only sqlite:///PATH databases are supported")
    else:
        rest = uri
    if not rest:
        raise HistoryError(f"--history {uri!r}: no database path")
    return Path(rest)


@dataclass
class ScanRow:
    id: int
    scanned_at: _dt.datetime
    snapshot_digest: str
    config_digest: str
    tool_version: str
    fail_on: str
    incomplete: bool


class History:
    """An open history database. `History.open(uri)` creates or migrates it."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn, self.path = conn, path

    @classmethod
    def open(cls, uri: str, create: bool = True) -> "History":
        path = db_path(uri)
        if not create and not path.is_file():
            raise HistoryError(f"{path}: no history database there (record one with scan --history)")
        if create and not path.parent.is_dir():
            raise HistoryError(f"{path}: directory {path.parent} does not exist")
        try:
            conn = sqlite3.connect(path)
            conn.execute("PRAGMA foreign_keys = ON")
            migrate(conn, path)
        except sqlite3.DatabaseError as exc:      # not a database, locked, read-only …
            raise HistoryError(f"{path}: not a usable history database: {exc}") from exc
        return cls(conn, path)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "History":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def record(self, result, config_digest: str, at: _dt.datetime | None = None) -> int:
        """Store one scan result; returns its scan id. One transaction: all or nothing."""
        at = (at or _dt.datetime.now(_dt.timezone.utc)).astimezone(_dt.timezone.utc)
        try:
            return self._insert(result, config_digest, at)
        except sqlite3.Error as exc:           # locked, read-only, disk full: nothing half-written
            raise HistoryError(f"{self.path}: cannot record the scan: {exc}") from exc

    def _insert(self, result, config_digest: str, at: _dt.datetime) -> int:
        from .. import __version__
        with self.conn:
            cur = self.conn.execute(
                "INSERT INTO scans (scanned_at, snapshot_digest, config_digest, tool_version, fail_on, incomplete)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (at.isoformat(timespec="seconds"), result.digest, config_digest, __version__,
                 result.fail_on, int(result.incomplete)))
            scan_id = cur.lastrowid
            self.conn.executemany(
                "INSERT INTO scan_rules VALUES (?, ?, ?, ?, ?, ?)",
                [(scan_id, r.id, r.severity, r.engine, rule_digest(r), int(not result.results[r.id].error))
                 for r in result.rules])
            # A fingerprint is one finding; should two coincide, the first (most severe) stands.
            self.conn.executemany("INSERT OR IGNORE INTO findings VALUES (?, ?, ?)",
                                  [(f.fingerprint, f.rule_id, f.node) for f in result.findings])
            self.conn.executemany(
                "INSERT OR IGNORE INTO scan_findings VALUES (?, ?, ?, ?, ?)",
                [(scan_id, f.fingerprint, f.severity, f.status, canonical_json(f.waiver) if f.waiver else None)
                 for f in result.findings])
        return scan_id

    def scans(self) -> list[ScanRow]:
        rows = self.conn.execute("SELECT id, scanned_at, snapshot_digest, config_digest, tool_version,"
                                 " fail_on, incomplete FROM scans ORDER BY scanned_at, id").fetchall()
        return [ScanRow(i, _dt.datetime.fromisoformat(at), snap, conf, tool, fail_on, bool(inc))
                for i, at, snap, conf, tool, fail_on, inc in rows]

    def findings(self, scan_id: int) -> dict[str, dict]:
        """fingerprint → {rule_id, severity, node, status, waiver} of one scan."""
        rows = self.conn.execute("SELECT fingerprint, rule_id, severity, node, status, waiver"
                                 " FROM scan_findings JOIN findings USING (fingerprint) WHERE scan_id = ?",
                                 (scan_id,))
        return {fp: {"rule_id": rid, "severity": sev, "node": node, "status": status,
                     "waiver": json.loads(waiver) if waiver else None}
                for fp, rid, sev, node, status, waiver in rows}

    def present(self, scan_id: int, statuses: tuple[str, ...]) -> dict[str, tuple[str, str]]:
        """fingerprint → (rule id, severity) of a scan's findings in `statuses` (lean: the
        time to fix reads every scan)."""
        rows = self.conn.execute("SELECT fingerprint, rule_id, severity FROM scan_findings JOIN findings"
                                 f" USING (fingerprint) WHERE scan_id = ? AND status IN ({','.join('?' * len(statuses))})",
                                 (scan_id, *statuses))
        return {fp: (rid, sev) for fp, rid, sev in rows}

    def evaluated_rules(self, scan_id: int) -> set[str]:
        """The rules a scan ran and could evaluate: only their findings can be 'fixed'."""
        rows = self.conn.execute("SELECT rule_id FROM scan_rules WHERE scan_id = ? AND evaluated = 1", (scan_id,))
        return {rid for (rid,) in rows}


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the database to SCHEMA_VERSION, one migration per transaction."""
    version = schema_version(conn)
    if version > SCHEMA_VERSION:
        raise HistoryError(f"{path}: history schema version {version} is newer than this mlcheck reads "
                           f"({SCHEMA_VERSION}); upgrade mlcheck")
    for target in range(version + 1, SCHEMA_VERSION + 1):
        apply_migration(conn, target)


def apply_migration(conn: sqlite3.Connection, target: int) -> None:
    """Run MIGRATIONS[target - 1] and set the version, atomically (executescript would commit
    half a migration on an error)."""
    statements = [s.strip() for s in MIGRATIONS[target - 1].split(";") if _sql(s)]
    with conn:
        conn.execute("BEGIN")
        for statement in statements:
            conn.execute(statement)
        conn.execute("UPDATE schema_version SET version = ?", (target,))


def _sql(chunk: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in chunk.splitlines())


def schema_version(conn: sqlite3.Connection) -> int:
    """0 for an empty database; a database with other tables and no version is not ours."""
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "schema_version" not in tables:
        if tables:
            raise HistoryError(f"not an mlcheck history database (it holds tables {', '.join(sorted(tables))})")
        return 0
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return row[0] if row else 0


def rule_digest(rule) -> str:
    """What the rule is: its catalog entry and check, and the Rego of its own folder. A rule
    changed between two scans has another digest, so a finding that vanished with it can be
    told from one that was fixed."""
    parts = [canonical_json({"rule": {k: v for k, v in rule.summary().items() if k != "source"},
                             "check": rule.check})]
    if rule.engine == "rego":
        folder = Path(rule.path).parent
        parts += [p.read_text(encoding="utf-8", errors="replace")
                  for p in sorted(folder.glob("*.rego")) if not p.name.endswith("_test.rego")]
    return "sha256:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def config_digest(opts, baseline_fingerprints: set[str] | None = None) -> str:
    """The configuration a scan judged with: gate, selection, parameters, waivers, baseline.
    Paths are left out (they differ between machines); the rules are recorded one by one."""
    doc = {"fail_on": opts.fail_on, "only": sorted(opts.only), "skip": sorted(opts.skip),
           "params": opts.params, "no_waivers": opts.no_waivers,
           "waivers": [w.as_dict() for w in opts.waivers],
           "baseline": sorted(baseline_fingerprints) if baseline_fingerprints is not None else None}
    return "sha256:" + hashlib.sha256(canonical_json(doc).encode()).hexdigest()
