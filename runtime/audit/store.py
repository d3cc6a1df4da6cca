"""The SQLite store: schema, connections, and the chained append every writer goes through."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

from .events import AuditError, link
from .transaction import split_items, write_items

log = logging.getLogger("packgate.audit")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    ts TEXT NOT NULL,
    pack TEXT,
    verdict TEXT NOT NULL,
    status INTEGER,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_ts ON events(ts);
CREATE INDEX IF NOT EXISTS events_verdict ON events(verdict, seq);
CREATE INDEX IF NOT EXISTS events_pack ON events(pack, seq);
CREATE TABLE IF NOT EXISTS escalations (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL,
    ts TEXT NOT NULL,
    pack TEXT,
    user_id TEXT,
    role TEXT,
    policy TEXT,
    reason TEXT,
    status TEXT NOT NULL CHECK (status IN ('open', 'approved', 'rejected')),
    resolved_by TEXT,
    resolved_at TEXT,
    outcome_reason TEXT,
    priority TEXT
);
CREATE INDEX IF NOT EXISTS escalations_status ON escalations(status, ts);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta(key, value) VALUES
    ('schema_version', '1'), ('head_seq', '0'), ('head_hash', '0000000000000000000000000000000000000000000000000000000000000000'),
    ('anchor_seq', '1'), ('anchor_prev_hash', '0000000000000000000000000000000000000000000000000000000000000000');
"""

ESCALATION_COLUMNS = ("id", "event_id", "ts", "pack", "user_id", "role", "policy", "reason", "status",
                      "resolved_by", "resolved_at", "outcome_reason", "priority")


def connect(path: str | Path, *, busy_ms: int = 250) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=busy_ms / 1000)
    conn.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


def connect_readonly(path: str | Path, *, busy_ms: int = 2000) -> sqlite3.Connection:
    """Open an existing audit db for reading; AuditError with a one-line reason otherwise."""
    p = Path(path)
    if not p.is_file():
        raise AuditError(f"audit database not found: {p}")
    try:
        conn = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                               timeout=busy_ms / 1000)
        conn.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        conn.row_factory = sqlite3.Row
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.Error as exc:
        raise AuditError(f"cannot read audit database {p}: {describe_error(exc)}") from None
    if not {"events", "escalations", "meta"} <= names:
        conn.close()
        raise AuditError(f"not a packgate audit database: {p}")
    return conn


def describe_error(exc: BaseException) -> str:
    """Exception text for logs/CLI; sqlite messages never carry row values."""
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def read_meta(conn: sqlite3.Connection) -> dict[str, str]:
    return {k: v for k, v in conn.execute("SELECT key, value FROM meta")}


def append_events(conn: sqlite3.Connection, items: list[tuple[Any, ...]]) -> None:
    """Write queued items inside the caller's transaction; extends the chain from meta's head."""
    m = read_meta(conn)
    items, others = split_items(items)
    ids = [item[1]["id"] for item in items if item[0] == "event"]
    stored: set[str] = set()
    for i in range(0, len(ids), 900):  # SQLite's bound-parameter limit
        chunk = ids[i:i + 900]
        stored.update(r[0] for r in conn.execute(
            f"SELECT id FROM events WHERE id IN ({','.join('?' * len(chunk))})", chunk))
    rows, escalations, head_seq, head_hash = link(items, int(m["head_seq"]), m["head_hash"], stored)
    conn.executemany("INSERT INTO events(seq, id, ts, pack, verdict, status, body, prev_hash, hash) "
                     "VALUES (?,?,?,?,?,?,?,?,?)", rows)
    conn.executemany(f"INSERT OR IGNORE INTO escalations({','.join(ESCALATION_COLUMNS)}) "
                     f"VALUES ({','.join('?' * len(ESCALATION_COLUMNS))})",
                     [tuple(e.get(c) for c in ESCALATION_COLUMNS) for e in escalations])
    conn.executemany("UPDATE meta SET value=? WHERE key=?",
                     [(str(head_seq), "head_seq"), (head_hash, "head_hash")])
    write_items(conn, others)  # sqlite3's execute takes the portable `?` SQL as it is


def in_transaction(conn: sqlite3.Connection, fn, *args) -> Any:
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn(conn, *args)
        conn.execute("COMMIT")
        return result
    except BaseException:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass
        raise


def init_db(path: str | Path) -> None:
    """Create the schema (WAL mode) if missing."""
    conn = connect(path, busy_ms=5000)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(_SCHEMA)
        columns = {row[1] for row in conn.execute("PRAGMA table_info(escalations)")}
        if "priority" not in columns:  # a log created before escalations had a priority (OPA's, e.g. urgent)
            conn.execute("ALTER TABLE escalations ADD COLUMN priority TEXT")
    finally:
        conn.close()
