"""End-to-end verification of the hash chain: the first bad `seq`, or the head hash to anchor elsewhere."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from .events import AuditError, canonical_json, chain_hash
from .store import connect_readonly, describe_error, read_meta


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    bad_seq: int | None = None
    problem: str | None = None


CHAIN_SELECT = "SELECT seq, id, ts, pack, verdict, status, body, prev_hash, hash FROM events ORDER BY seq"
"""Every store hands `check_chain` these columns, in this order, from one consistent snapshot."""


def verify_sqlite(db: str | Path) -> VerifyResult:
    """Walk a SQLite log's chain from its anchor; report the first bad seq and why. Read-only."""
    conn = connect_readonly(db)
    try:
        conn.execute("BEGIN")  # one consistent snapshot while the gateway keeps writing
        m = read_meta(conn)
        return check_chain(m, conn.execute(CHAIN_SELECT))
    except sqlite3.Error as exc:
        raise AuditError(f"cannot read audit database {db}: {describe_error(exc)}") from None
    finally:
        conn.close()


def check_chain(m: dict[str, str], rows: Iterable[Sequence[Any]]) -> VerifyResult:
    """The chain check itself, whatever the store: `m` holds anchor_seq/anchor_prev_hash/head_seq/head_hash."""
    try:
        expected, prev = int(m["anchor_seq"]), m["anchor_prev_hash"]
        head_seq, head_hash = int(m["head_seq"]), m["head_hash"]
    except (KeyError, ValueError):
        return VerifyResult(False, 0, 0, "", 0, "meta table damaged (chain anchor/head missing)")
    checked = 0
    last_purge: dict[str, Any] | None = None

    def bad(seq: int, why: str) -> VerifyResult:
        return VerifyResult(False, checked, head_seq, head_hash, seq, why)

    for seq, id_, ts, pack, verdict, status, body, prev_hash, h in rows:
        if seq != expected:
            if seq < expected:
                return bad(seq, f"event before the chain anchor (seq {expected}): inserted row")
            return bad(expected, f"event missing: expected seq {expected}, next is {seq} (row deleted)")
        if prev_hash != prev:
            return bad(seq, "prev_hash does not match the previous event's hash (row inserted, deleted or reordered)")
        if chain_hash(prev, body) != h:
            return bad(seq, "hash does not match body (event modified or rows reordered)")
        try:
            event = json.loads(body)
        except ValueError:
            return bad(seq, "body is not JSON")
        if canonical_json(event) != body:
            return bad(seq, "body is not canonical JSON")
        for col, val in (("id", id_), ("ts", ts), ("pack", pack), ("verdict", verdict), ("status", status)):
            if event.get(col) != val:
                return bad(seq, f"column {col} differs from the hashed body (index column edited)")
        if verdict == "retention_purge":
            last_purge = event.get("purge")
        prev, expected, checked = h, expected + 1, checked + 1
    last = expected - 1
    if last < head_seq:
        return bad(last + 1, f"chain ends at seq {last} but the head records seq {head_seq} (tail truncated)")
    if last > head_seq or prev != head_hash:
        return bad(head_seq + 1 if last > head_seq else last,
                   f"chain head (seq {last}) differs from the recorded head (seq {head_seq}): rows appended or head edited")
    anchor = int(m["anchor_seq"])
    if anchor != 1:
        if not last_purge or last_purge.get("through_seq") != anchor - 1 \
                or last_purge.get("anchor_hash") != m["anchor_prev_hash"]:
            return bad(anchor, "chain anchor moved without a matching retention_purge event (rows deleted)")
    elif last_purge is not None and last_purge.get("through_seq") != 0:
        return bad(1, "a retention_purge event exists but the chain starts at seq 1 (anchor reset)")
    return VerifyResult(True, checked, head_seq, head_hash)
