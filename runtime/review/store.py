"""All review storage: the `reviews` table, its state machine, sealed content, and its queries.

One module on purpose: it reaches the audit store only through `runtime/audit`'s store seam
(`using(db).transaction`), so the same code runs on SQLite and on PostgreSQL (a fleet's shared review
queue, where the `reviews` table is migration 2 of `runtime/audit/postgres.py`). The SQL is
plain and portable (TEXT timestamps in UTC ISO 8601 that sort as text, BLOB for sealed values, `?`
parameters, no SQLite-only functions); every state change is a compare-and-set `UPDATE ... WHERE
state IN (...)` plus one audit event in the same transaction, so a review is never in a state the
chain does not show.

States::

    open ──claim──▶ claimed ──approve──▶ approved ──┐
      │                 ├──edit─────▶ edited  ──────┼─ requester reads ─▶ delivered
      │                 └──reject───▶ rejected ─────┘
      └──(deadline passed, open or claimed)──▶ expired

Columns `held` (the draft: redacted prompt, output, reasons, disclaimers, token originals) and
`decision` (the reviewer's edited text or rejection note) are sealed (AES-GCM, :mod:`.sealing`) and
set to NULL when the review is delivered or expires; `delivered` (the body the requester got) is
kept sealed for :data:`DELIVERED_RETENTION_S` so a repeated read returns the same answer, then purged.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from packgate.runtime.audit import (
    AuditStore,
    Txn,
    new_event_id,
    prompt_hmac,
    register_item_writer,
    using,
    utc_now,
    validate_event,
)

from .sealing import Sealer

STATES = ("open", "claimed", "approved", "edited", "rejected", "delivered", "expired")
PENDING = ("open", "claimed")
RELEASABLE = ("approved", "edited", "rejected")
DELIVERED_RETENTION_S = 3600.0
"""How long a delivered answer stays readable (sealed) for repeated reads before it is purged."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS reviews (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL,
    pack TEXT NOT NULL,
    requester TEXT,
    requester_role TEXT,
    policy TEXT,
    code TEXT,
    priority TEXT,
    protocol TEXT NOT NULL,
    model TEXT,
    created_at TEXT NOT NULL,
    deadline TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'claimed', 'approved', 'edited', 'rejected', 'delivered', 'expired')),
    claimed_by TEXT,
    claimed_at TEXT,
    decided_by TEXT,
    decided_at TEXT,
    delivered_at TEXT,
    purged_at TEXT,
    held BLOB,
    decision BLOB,
    delivered BLOB
);
CREATE INDEX IF NOT EXISTS reviews_queue ON reviews(state, deadline);
"""

_COLUMNS = ("id", "event_id", "pack", "requester", "requester_role", "policy", "code", "priority", "protocol",
            "model", "created_at", "deadline", "state", "claimed_by", "claimed_at", "decided_by", "decided_at",
            "delivered_at", "purged_at")
_LEGACY_STATUS = {"approved": "approved", "edited": "approved", "rejected": "rejected", "expired": "rejected"}


class ReviewError(Exception):
    """A transition the state machine refuses; `status` is the HTTP status it maps to."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Actor:
    """Who changes a review: a verified reviewer (`jwt`), a CLI operator (`cli`), or `system` (expiry)."""

    user_id: str
    role: str | None
    method: str


SYSTEM = Actor("system", None, "system")


@dataclass(frozen=True)
class Review:
    """One review's metadata (never its content)."""

    id: str
    event_id: str
    pack: str
    requester: str | None
    requester_role: str | None
    policy: str | None
    code: str | None
    priority: str | None
    protocol: str
    model: str | None
    created_at: str
    deadline: str
    state: str
    claimed_by: str | None
    claimed_at: str | None
    decided_by: str | None
    decided_at: str | None
    delivered_at: str | None
    purged_at: str | None

    def overdue(self, now: str | None = None) -> bool:
        return self.state in PENDING and self.deadline <= (now or utc_now())

    def as_dict(self) -> dict[str, Any]:
        return {c: getattr(self, c) for c in _COLUMNS}


def ts_after(seconds: float, start: str | None = None) -> str:
    """The stored timestamp `seconds` after `start` (default now)."""
    base = (_dt.datetime.strptime(start, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=_dt.timezone.utc) if start
            else _dt.datetime.now(_dt.timezone.utc))
    return (base + _dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _txn(db: str | Path | AuditStore, fn: Callable[[Txn], Any], busy_ms: int, *, create: bool = False) -> Any:
    """`fn` in one write transaction of the audit store `db` names (SQLite or PostgreSQL), or of the
    gateway's open store; the reviews table is SQLite DDL here and a versioned migration in PostgreSQL."""
    with using(db, create=create) as store:
        return store.transaction(fn, busy_ms=busy_ms, ddl=SCHEMA)


def ensure_schema(db: str | Path | AuditStore, *, busy_ms: int = 5000) -> None:
    """Create the audit store and the reviews table if missing (the gateway does this at start)."""
    _txn(db, lambda conn: None, busy_ms, create=True)


def _row(conn: Txn, esc_id: str) -> Review | None:
    r = conn.execute(f"SELECT {','.join(_COLUMNS)} FROM reviews WHERE id=?", (esc_id,)).fetchone()
    return Review(*r) if r else None


def _event(conn: Txn, review: Review, state: str, actor: Actor, now: str,
           extra: dict[str, Any] | None = None) -> str:
    event = {"id": new_event_id(), "ts": now, "verdict": f"review_{state}", "pack": review.pack,
             "escalation_id": review.id, "related_event_id": review.event_id, "outcome": state,
             "user_id": actor.user_id, "role": actor.role,
             "reasons": [{"policy": review.policy or "human-oversight", "code": f"review_{state}"}], **(extra or {})}
    validate_event(event)
    conn.append([("event", event)])
    return event["id"]


def _move(conn: Txn, review: Review, frm: Iterable[str], state: str, actor: Actor, now: str,
          sets: dict[str, Any], extra: dict[str, Any] | None = None) -> str:
    """Compare-and-set the state, then one audit event; ReviewError 409 when someone got there first."""
    frm = tuple(frm)
    assigns = ", ".join(f"{k}=?" for k in ("state", *sets))
    marks = ",".join("?" * len(frm))
    cur = conn.execute(f"UPDATE reviews SET {assigns} WHERE id=? AND state IN ({marks})",
                       (state, *sets.values(), review.id, *frm))
    if cur.rowcount != 1:
        raise ReviewError(409, "review_conflict", f"escalation {review.id} is no longer {' or '.join(frm)}")
    if state in _LEGACY_STATUS:  # keep the escalations row (`packgate escalations list --status`) in step
        conn.execute("UPDATE escalations SET status=?, resolved_by=?, resolved_at=? WHERE id=? AND status='open'",
                     (_LEGACY_STATUS[state], actor.user_id, now, review.id))
    return _event(conn, review, state, actor, now, extra)


def _expire_due(conn: Txn, now: str) -> None:
    """Expire pending reviews past their deadline; purge delivered copies past their retention."""
    due = [Review(*r) for r in conn.execute(
        f"SELECT {','.join(_COLUMNS)} FROM reviews WHERE state IN ('open','claimed') AND deadline <= ?", (now,))]
    for review in due:
        _move(conn, review, PENDING, "expired", SYSTEM, now,
              {"held": None, "decision": None, "purged_at": now})
    cutoff = ts_after(-DELIVERED_RETENTION_S, now)
    conn.execute("UPDATE reviews SET delivered=NULL, purged_at=? WHERE state='delivered' AND delivered IS NOT NULL "
                 "AND delivered_at <= ?", (now, cutoff))


def _need(conn: Txn, esc_id: str) -> Review:
    review = _row(conn, esc_id)
    if review is None:
        raise ReviewError(404, "escalation_not_found", "no such escalation")
    return review


# -- writes ----------------------------------------------------------------------------------------


def held_row(sealer: Sealer, *, esc_id: str, event_id: str, pack: str, requester: str | None,
             requester_role: str | None, policy: str | None, code: str | None, priority: str | None,
             protocol: str, model: str | None, deadline_s: float, held: dict[str, Any]) -> dict[str, Any]:
    """A new open review with its draft sealed, as JSON for the audit writer's queue (kind ``review``).

    It is written in order with the request's event and escalation row, in the writer's transaction, so
    an answer is held exactly when its request is recorded: a store that fails after the model answered
    delays both (queued, spooled, replayed) rather than refusing a request that was already forwarded.
    Nothing held goes into the chain."""
    now = utc_now()
    return {"id": esc_id, "event_id": event_id, "pack": pack, "requester": requester,
            "requester_role": requester_role, "policy": policy, "code": code, "priority": priority,
            "protocol": protocol, "model": model, "created_at": now, "deadline": ts_after(deadline_s, now),
            "state": "open", "held": base64.b64encode(sealer.seal(esc_id, "held", held)).decode()}


def _insert_held(txn: Txn, row: dict[str, Any]) -> None:
    columns = [c for c in _COLUMNS if c in row]
    txn.execute(f"INSERT INTO reviews({','.join(columns)}, held) VALUES ({','.join('?' * (len(columns) + 1))}) "
                "ON CONFLICT (id) DO NOTHING",  # a spool replay
                (*(row[c] for c in columns), base64.b64decode(row["held"])))


register_item_writer("review", _insert_held)


def claim(db: str | Path | AuditStore, esc_id: str, actor: Actor, *, now: str | None = None, busy_ms: int = 5000) -> str:
    """open → claimed by `actor`; 409 when another reviewer holds it or it is decided. Returns the event id."""
    def txn(conn: Txn) -> str:
        t = now or utc_now()
        _expire_due(conn, t)
        review = _need(conn, esc_id)
        if review.state == "claimed":
            raise ReviewError(409, "already_claimed", f"escalation {esc_id} is claimed by another reviewer"
                              if review.claimed_by != actor.user_id else f"escalation {esc_id} is already yours")
        return _move(conn, review, ("open",), "claimed", actor, t, {"claimed_by": actor.user_id, "claimed_at": t})

    return _txn(db, txn, busy_ms)


def decide(db: str | Path | AuditStore, sealer: Sealer | None, esc_id: str, actor: Actor, outcome: str, *,
           text: str | None = None, note: str | None = None, now: str | None = None, busy_ms: int = 5000) -> str:
    """claimed (by `actor`) → approved | edited (with `text`) | rejected (with `note`, shown to the requester).

    The caller has had an edit re-checked by the response decision; this only stores it."""
    if outcome not in ("approved", "edited", "rejected"):
        raise ReviewError(400, "invalid_outcome", "outcome must be approved, edited or rejected")
    if outcome == "edited" and not (text and text.strip()):
        raise ReviewError(400, "edit_empty", "an edit needs the new text")
    if outcome == "rejected" and not (note and note.strip()):
        raise ReviewError(400, "reason_required", "a rejection needs a reason for the requester")
    if (text or note) and sealer is None:
        raise ReviewError(503, "review_key_missing", "no review key: cannot store the reviewer's text")

    def txn(conn: Txn) -> str:
        t = now or utc_now()
        _expire_due(conn, t)
        review = _need(conn, esc_id)
        if review.state != "claimed" or review.claimed_by != actor.user_id:
            raise ReviewError(409, "not_claimed_by_you", f"escalation {esc_id} is {review.state}"
                              + (" by another reviewer" if review.state == "claimed" else "") + "; claim it first")
        sets: dict[str, Any] = {"decided_by": actor.user_id, "decided_at": t}
        if text is not None or note is not None:
            sets["decision"] = sealer.seal(esc_id, "decision", {"text": text, "note": note})  # type: ignore[union-attr]
        if outcome == "rejected":
            sets["held"] = None  # nothing of the draft is ever released now
        extra = {"output_hmac": prompt_hmac(text)} if text else None
        return _move(conn, review, ("claimed",), outcome, actor, t, sets, extra)

    return _txn(db, txn, busy_ms)


def deliver(db: str | Path | AuditStore, sealer: Sealer, esc_id: str, body: dict[str, Any], actor: Actor, *,
            now: str | None = None, busy_ms: int = 5000) -> tuple[dict[str, Any], bool]:
    """approved | edited | rejected → delivered, storing `body` sealed and purging the draft.

    Exactly one caller wins; every later (or concurrent) caller gets the stored body and False."""
    def txn(conn: Txn) -> tuple[dict[str, Any], bool]:
        t = now or utc_now()
        review = _need(conn, esc_id)
        if review.state == "delivered":
            blob = conn.execute("SELECT delivered FROM reviews WHERE id=?", (esc_id,)).fetchone()[0]
            if blob is None:
                raise ReviewError(410, "escalation_purged", "the answer was delivered and has since been purged")
            return sealer.open(esc_id, "delivered", blob), False
        _move(conn, review, RELEASABLE, "delivered", actor, t,
              {"delivered_at": t, "delivered": sealer.seal(esc_id, "delivered", body), "held": None,
               "decision": None})
        return body, True

    return _txn(db, txn, busy_ms)


def sweep(db: str | Path | AuditStore, *, now: str | None = None, busy_ms: int = 5000) -> None:
    """Expire overdue reviews and purge old delivered copies (every read and write does this too)."""
    _txn(db, lambda conn: _expire_due(conn, now or utc_now()), busy_ms)


# -- reads -----------------------------------------------------------------------------------------


def get(db: str | Path | AuditStore, esc_id: str, *, now: str | None = None, busy_ms: int = 5000) -> Review | None:
    """One review's metadata (after expiring what is due), or None."""
    def txn(conn: Txn) -> Review | None:
        _expire_due(conn, now or utc_now())
        return _row(conn, esc_id)

    return _txn(db, txn, busy_ms)


def queue(db: str | Path | AuditStore, *, pack: str | None = None, state: str | None = None, due_before: str | None = None,
          now: str | None = None, busy_ms: int = 5000) -> list[Review]:
    """Reviews oldest deadline first (urgent first on a tie), filtered by pack, state and deadline."""
    where, args = ["1=1"], []
    for column, value in (("pack", pack), ("state", state)):
        if value:
            where.append(f"{column} = ?")
            args.append(value)
    if due_before:
        where.append("deadline <= ?")
        args.append(due_before)

    def txn(conn: Txn) -> list[Review]:
        _expire_due(conn, now or utc_now())
        sql = (f"SELECT {','.join(_COLUMNS)} FROM reviews WHERE {' AND '.join(where)} "
               "ORDER BY deadline, CASE WHEN priority = 'urgent' THEN 0 ELSE 1 END, created_at, id")
        return [Review(*r) for r in conn.execute(sql, args)]

    return _txn(db, txn, busy_ms)


def content(db: str | Path | AuditStore, sealer: Sealer, esc_id: str, *, busy_ms: int = 5000
            ) -> tuple[Review, dict[str, Any] | None, dict[str, Any] | None]:
    """The review with its opened draft and reviewer decision (None once purged)."""
    def txn(conn: Txn) -> tuple[Review, Any, Any]:
        _expire_due(conn, utc_now())
        review = _need(conn, esc_id)
        held, decision = conn.execute("SELECT held, decision FROM reviews WHERE id=?", (esc_id,)).fetchone()
        return (review, sealer.open(esc_id, "held", held) if held is not None else None,
                sealer.open(esc_id, "decision", decision) if decision is not None else None)

    return _txn(db, txn, busy_ms)


def trail(db: str | Path | AuditStore, esc_id: str, *, busy_ms: int = 5000) -> list[dict[str, Any]]:
    """The audit events of one escalation (the request's and every transition), in chain order."""
    def txn(conn: Txn) -> list[dict[str, Any]]:
        review = _need(conn, esc_id)
        rows = conn.execute("SELECT seq, body FROM events WHERE id = ? OR (verdict LIKE 'review_%' AND body LIKE ?) "
                            "ORDER BY seq", (review.event_id, f'%"escalation_id":"{esc_id}"%'))
        return [{"seq": seq, **json.loads(body)} for seq, body in rows]

    return _txn(db, txn, busy_ms)
