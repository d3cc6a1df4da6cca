"""Escalations and retention: state changes made by reviewers and the purge, each in one write
transaction of whichever store (`stores.Txn`: portable SQL with `?` parameters)."""

from __future__ import annotations

from typing import Any

from .events import check_value, new_event_id, ts_before, utc_now, validate_event
from .transaction import Txn


def resolution_status(outcome: str, reason: str, resolved_by: str) -> str:
    """The escalation status an outcome leads to; ValueError for anything a reviewer may not record."""
    if outcome not in ("approve", "reject"):
        raise ValueError("outcome must be approve or reject")
    check_value("reason", reason)
    check_value("resolved_by", resolved_by)
    return "approved" if outcome == "approve" else "rejected"


def resolution_event(esc_id: str, event_id: str, pack: str | None, policy: str | None, status: str,
                     resolved_by: str) -> dict[str, Any]:
    """The `escalation_resolved` event every store chains with the state change, so the chain says who decided."""
    event = {"id": new_event_id(), "ts": utc_now(), "verdict": "escalation_resolved", "pack": pack,
             "escalation_id": esc_id, "related_event_id": event_id, "outcome": status,
             "user_id": resolved_by,
             "reasons": [{"policy": policy or "human-oversight", "code": f"escalation_{status}"}]}
    validate_event(event)
    return event


def purge_cutoff(older_than_days: float) -> str:
    if older_than_days < 0:
        raise ValueError("older_than_days must be >= 0")
    return ts_before(older_than_days * 86400)


def purge_event(through: int, count: int, anchor_hash: str, older_than_days: float) -> dict[str, Any]:
    """The `retention_purge` event naming the new anchor, so verify can tell a purge from a deletion."""
    return {"id": new_event_id(), "ts": utc_now(), "verdict": "retention_purge",
            "purge": {"through_seq": through, "count": count, "anchor_hash": anchor_hash,
                      "older_than_days": older_than_days}}


def resolve_in(conn: Txn, esc_id: str, outcome: str, reason: str, resolved_by: str) -> str:
    """Approve or reject an open escalation and chain an `escalation_resolved` event, in the caller's
    transaction (any store), so the chain records who decided what. Returns that event's id.

    `reason` is the reviewer's note; it is stored on the escalation row only (keep PHI out of it).
    Raises KeyError (unknown id), ValueError (bad outcome or already resolved). The UPDATE is a
    compare-and-set on `status = 'open'`: of two replicas resolving at once, one wins.
    """
    status = resolution_status(outcome, reason, resolved_by)
    row = conn.execute("SELECT event_id, pack, policy, status FROM escalations WHERE id=?", (esc_id,)).fetchone()
    if row is None:
        raise KeyError(esc_id)
    event_id, pack, policy, current = row
    if current != "open":
        raise ValueError(f"escalation {esc_id} is already {current}")
    event = resolution_event(esc_id, event_id, pack, policy, status, resolved_by)
    done = conn.execute("UPDATE escalations SET status=?, resolved_by=?, resolved_at=?, outcome_reason=? "
                        "WHERE id=? AND status='open'", (status, resolved_by, event["ts"], reason, esc_id))
    if done.rowcount != 1:
        raise ValueError(f"escalation {esc_id} is already resolved")
    conn.append([("event", event)])
    return event["id"]


def purge_in(conn: Txn, older_than_days: float) -> int:
    """Delete events older than the cutoff, re-anchor the chain, and chain a `retention_purge` event
    naming the anchor (so verify can tell a purge from a deletion), in the caller's transaction.

    Run ``packgate events export`` first: purged events are gone. Resolved escalations older than
    the cutoff go too; open ones stay. Returns the number of events deleted.
    """
    cutoff = purge_cutoff(older_than_days)
    through = conn.execute("SELECT max(seq) FROM events WHERE ts < ?", (cutoff,)).fetchone()[0]
    if through is None:
        return 0
    anchor_hash = conn.execute("SELECT hash FROM events WHERE seq=?", (through,)).fetchone()[0]
    n = conn.execute("DELETE FROM events WHERE seq <= ?", (through,)).rowcount
    conn.execute("DELETE FROM escalations WHERE status != 'open' AND ts < ?", (cutoff,))
    conn.reanchor(through + 1, anchor_hash)
    conn.append([("event", purge_event(through, n, anchor_hash, older_than_days))])
    return n
