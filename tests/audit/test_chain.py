"""The hash chain: a clean chain verifies; every kind of tampering is caught, naming the first bad seq."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from packgate.runtime import audit

from .helpers import make_db, run_cli


def _sql(db: Path, *statements: str, args: tuple = ()) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    for st in statements:
        conn.execute(st, args if "?" in st else ())
    conn.close()


def _row(db: Path, seq: int) -> tuple:
    conn = sqlite3.connect(db)
    r = conn.execute("SELECT id, ts, pack, verdict, status, body, prev_hash, hash FROM events WHERE seq=?",
                     (seq,)).fetchone()
    conn.close()
    return r


def test_one_row_per_record_and_hash_formula(tmp_path: Path) -> None:
    ids = make_db(tmp_path / "a.db", 5)
    conn = sqlite3.connect(tmp_path / "a.db")
    rows = conn.execute("SELECT seq, id, body, prev_hash, hash FROM events ORDER BY seq").fetchall()
    assert [r[1] for r in rows] == ids and [r[0] for r in rows] == [1, 2, 3, 4, 5]
    prev = "0" * 64
    for seq, id_, body, prev_hash, h in rows:
        event = json.loads(body)
        assert "prev_hash" not in event and "hash" not in event and event["id"] == id_
        assert body == json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert prev_hash == prev
        assert h == hashlib.sha256((prev + body).encode()).hexdigest()
        assert event["ts"].endswith("Z") and len(event["ts"].split(".")[1]) == 7  # µs + Z
        prev = h
    meta = dict(conn.execute("SELECT key, value FROM meta"))
    assert meta["head_seq"] == "5" and meta["head_hash"] == prev
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_clean_chain_verifies(db: Path) -> None:
    res = audit.verify(db)
    assert res.ok and res.checked == 10 and res.bad_seq is None
    cp = run_cli("events", "verify", "--audit-db", str(db))
    assert cp.returncode == 0, cp.stderr
    assert "ok: 10 events" in cp.stdout and res.head_hash in cp.stdout


def _modify_body(db: Path) -> None:
    _sql(db, "UPDATE events SET body=replace(body, '\"u-4\"', '\"u-99\"') WHERE seq=5")


def _modify_and_rehash(db: Path) -> None:
    id_, ts, pack, verdict, status, body, prev, _ = _row(db, 5)
    body = body.replace('"u-4"', '"u-99"')
    _sql(db, "UPDATE events SET body=?, hash=? WHERE seq=5", args=(body, audit.chain_hash(prev, body)))


def _edit_index_column(db: Path) -> None:
    _sql(db, "UPDATE events SET verdict='allowed' WHERE seq=5")


def _delete_row(db: Path) -> None:
    _sql(db, "DELETE FROM events WHERE seq=5")


def _delete_and_renumber(db: Path) -> None:
    _sql(db, "DELETE FROM events WHERE seq=5", *[f"UPDATE events SET seq={s - 1} WHERE seq={s}" for s in range(6, 11)],
         "UPDATE meta SET value='9' WHERE key='head_seq'")


def _insert_forged_middle(db: Path) -> None:
    for s in range(10, 4, -1):
        _sql(db, f"UPDATE events SET seq={s + 1} WHERE seq={s}")
    prev = _row(db, 4)[7]
    body = audit.canonical_json({"id": "forged", "ts": "2026-01-01T00:00:00.000000Z", "verdict": "allowed",
                                 "status": 200})
    _sql(db, "INSERT INTO events VALUES (5, 'forged', '2026-01-01T00:00:00.000000Z', NULL, 'allowed', 200, ?, ?, ?)",
         args=(body, prev, audit.chain_hash(prev, body)))


def _append_forged_tail(db: Path) -> None:
    prev = _row(db, 10)[7]
    body = audit.canonical_json({"id": "forged", "ts": "2026-01-01T00:00:00.000000Z", "verdict": "allowed",
                                 "status": 200})
    _sql(db, "INSERT INTO events VALUES (11, 'forged', '2026-01-01T00:00:00.000000Z', NULL, 'allowed', 200, ?, ?, ?)",
         args=(body, prev, audit.chain_hash(prev, body)))


def _swap_bodies(db: Path) -> None:
    a, b = _row(db, 4), _row(db, 5)
    _sql(db, "UPDATE events SET id='tmp' WHERE seq=4")
    for seq, r in ((5, a), (4, b)):
        _sql(db, "UPDATE events SET id=?, ts=?, pack=?, verdict=?, status=?, body=?, hash=? WHERE seq=?",
             args=(r[0], r[1], r[2], r[3], r[4], r[5], r[7], seq))


def _swap_whole_rows(db: Path) -> None:
    a, b = _row(db, 4), _row(db, 5)
    _sql(db, "UPDATE events SET id='tmp' WHERE seq=4")
    for seq, r in ((5, a), (4, b)):
        _sql(db, "UPDATE events SET id=?, ts=?, pack=?, verdict=?, status=?, body=?, prev_hash=?, hash=? WHERE seq=?",
             args=(*r, seq))


def _truncate_tail(db: Path) -> None:
    _sql(db, "DELETE FROM events WHERE seq >= 8")


def _delete_head_and_move_anchor(db: Path) -> None:
    h = _row(db, 3)[7]
    _sql(db, "DELETE FROM events WHERE seq <= 3", "UPDATE meta SET value='4' WHERE key='anchor_seq'",
         "UPDATE meta SET value=? WHERE key='anchor_prev_hash'", args=(h,))


TAMPERING = [
    (_modify_body, 5, "modified"),
    (_modify_and_rehash, 6, "prev_hash"),
    (_edit_index_column, 5, "column verdict"),
    (_delete_row, 5, "deleted"),
    (_delete_and_renumber, 5, "prev_hash"),
    (_insert_forged_middle, 6, "inserted"),
    (_append_forged_tail, 11, "appended"),
    (_swap_bodies, 4, "reordered"),
    (_swap_whole_rows, 4, "reordered"),
    (_truncate_tail, 8, "truncated"),
    (_delete_head_and_move_anchor, 4, "anchor moved"),
]


@pytest.mark.parametrize("tamper,bad_seq,why", TAMPERING, ids=[t[0].__name__.strip("_") for t in TAMPERING])
def test_tampering_is_caught_by_cli(db: Path, tamper, bad_seq: int, why: str) -> None:
    tamper(db)
    res = audit.verify(db)
    assert not res.ok and res.bad_seq == bad_seq, res
    assert why in res.problem
    cp = run_cli("events", "verify", "--audit-db", str(db))
    assert cp.returncode == 1
    assert f"BROKEN at seq {bad_seq}" in cp.stderr and why in cp.stderr
    assert "Traceback" not in cp.stderr + cp.stdout


def test_purge_reanchors_chain_and_records_event(db: Path) -> None:
    log = audit.AuditLog.open(db.with_name("p.db"))
    for i in range(3):
        log.record({"verdict": "allowed", "ts": "2000-01-01T00:00:00.000000Z"})
    for i in range(4):
        log.record({"verdict": "denied"})
    log.close()
    p = db.with_name("p.db")
    assert run_cli("events", "purge", "--older-than-days", "30", "--audit-db", str(p)).returncode == 1  # no --yes
    cp = run_cli("events", "purge", "--older-than-days", "30", "--yes", "--audit-db", str(p))
    assert cp.returncode == 0 and "purged 3" in cp.stdout, cp.stderr
    res = audit.verify(p)
    assert res.ok and res.checked == 5, res
    events = audit.query_events(p)
    assert [e["seq"] for e in events] == [4, 5, 6, 7, 8]
    assert events[-1]["verdict"] == "retention_purge" and events[-1]["purge"]["through_seq"] == 3
    # a later deletion of the oldest survivors is still caught
    _sql(p, "DELETE FROM events WHERE seq=4")
    assert audit.verify(p).bad_seq == 4
