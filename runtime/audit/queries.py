"""Reading a SQLite log: events by filter, pages for `tail` and export, escalations."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from .events import AuditError
from .store import ESCALATION_COLUMNS, connect_readonly, describe_error


def list_escalations(db: str | Path, status: str | None = None) -> list[dict[str, Any]]:
    """Escalations, urgent ones first, then oldest first, optionally filtered by status (open|approved|rejected)."""
    conn = connect_readonly(db)
    try:
        sql = f"SELECT {','.join(ESCALATION_COLUMNS)} FROM escalations"
        args: tuple = ()
        if status:
            sql += " WHERE status=?"
            args = (status,)
        return [dict(r) for r in conn.execute(sql + " ORDER BY priority IS NOT 'urgent', ts, id", args)]
    except sqlite3.Error as exc:
        raise AuditError(f"cannot read audit database {db}: {describe_error(exc)}") from None
    finally:
        conn.close()


def get_escalation(db: str | Path, esc_id: str) -> dict[str, Any] | None:
    """One escalation by id, or None."""
    conn = connect_readonly(db)
    try:
        r = conn.execute(f"SELECT {','.join(ESCALATION_COLUMNS)} FROM escalations WHERE id=?", (esc_id,)).fetchone()
        return dict(r) if r else None
    except sqlite3.Error as exc:
        raise AuditError(f"cannot read audit database {db}: {describe_error(exc)}") from None
    finally:
        conn.close()


def _row_event(r: sqlite3.Row) -> dict[str, Any]:
    event = json.loads(r["body"])
    event.update(seq=r["seq"], prev_hash=r["prev_hash"], hash=r["hash"])
    return event


def query_events(db: str | Path, *, policy: str | None = None, verdict: str | None = None,
                 since: str | None = None, after_seq: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
    """Events (body + seq/prev_hash/hash) in chain order; `limit` keeps the newest N."""
    where, args = ["seq > ?"], [after_seq]
    if verdict:
        where.append("verdict = ?")
        args.append(verdict)
    if since:
        where.append("ts >= ?")
        args.append(since)
    if policy:
        where.append("EXISTS (SELECT 1 FROM json_each(events.body, '$.reasons') r "
                     "WHERE json_extract(r.value, '$.policy') = ?)")
        args.append(policy)
    sql = f"SELECT seq, body, prev_hash, hash FROM events WHERE {' AND '.join(where)} ORDER BY seq"
    if limit is not None:
        sql = f"SELECT * FROM ({sql} DESC LIMIT ?) ORDER BY seq"
        args.append(int(limit))
    conn = connect_readonly(db)
    try:
        return [_row_event(r) for r in conn.execute(sql, args)]
    except (sqlite3.Error, ValueError) as exc:
        raise AuditError(f"cannot read audit database {db}: {describe_error(exc)}") from None
    finally:
        conn.close()


def page_events(db: str | Path, after: int, n: int) -> list[dict[str, Any]]:
    conn = connect_readonly(db)
    try:
        return [_row_event(r) for r in conn.execute(
            "SELECT seq, body, prev_hash, hash FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (after, n))]
    except (sqlite3.Error, ValueError) as exc:
        raise AuditError(f"cannot read audit database {db}: {describe_error(exc)}") from None
    finally:
        conn.close()
