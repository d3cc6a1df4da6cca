"""The writer: off the request path, nothing lost on close, fail-closed health while the store is unwritable."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from packgate.runtime import audit

from .helpers import sample_event


def _count(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        conn.close()


def _ids(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute("SELECT id FROM events ORDER BY seq")]
    finally:
        conn.close()


def _wait(pred, timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.01)
    return pred()


def _lock(db: Path) -> sqlite3.Connection:
    """Another connection holding the write lock, as a stuck process or backup tool would."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    return conn


def test_close_drains_10k_events_from_many_threads(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    log = audit.AuditLog.open(db)
    ids: list[str] = []
    lock = threading.Lock()

    def producer(k: int) -> None:
        mine = [log.record({"verdict": "allowed", "status": 200, "user_id": f"u{k}-{i}"}) for i in range(2500)]
        with lock:
            ids.extend(mine)

    threads = [threading.Thread(target=producer, args=(k,)) for k in range(4)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    enqueue_s = time.monotonic() - t0
    assert log.close() == 0
    assert enqueue_s < 5  # record() never waited for the disk
    stored = _ids(db)
    assert len(stored) == 10_000 and set(stored) == set(ids) and len(set(ids)) == 10_000
    assert audit.verify(db).ok
    with pytest.raises(audit.AuditUnavailable):
        log.record({"verdict": "allowed"})


def test_locked_store_turns_unhealthy_then_recovers_without_loss(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    log = audit.AuditLog.open(db, busy_ms=20, retry_max_s=0.1)
    before = [log.record(sample_event(i)) for i in range(5)]
    assert log.flush(5) and log.healthy
    holder = _lock(db)
    try:
        during = [log.record(sample_event(i)) for i in range(50)]  # still accepted: held in memory
        assert _wait(lambda: not log.healthy), "healthy stayed True while the store was locked"
        assert "locked" in (log.last_error or "")
        assert log.pending == 50 and not log.flush(0.2)
        during += [log.record(sample_event(i)) for i in range(10)]  # e.g. the 503 refusals' own events
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert log.flush(5), "backlog not written after the lock was released"
    assert log.healthy and log.pending == 0
    log.close()
    assert _ids(db) == before + during
    assert audit.verify(db).ok


def test_close_while_unwritable_spools_and_next_open_replays(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    log = audit.AuditLog.open(db, busy_ms=20, retry_max_s=0.05)
    first = log.record(sample_event(0))
    assert log.flush(5)
    holder = _lock(db)
    held = [log.record(sample_event(i)) for i in range(20)]
    spooled = log.close(timeout=0.3)  # SIGTERM while the disk is stuck
    holder.execute("ROLLBACK")
    holder.close()
    assert spooled == 20
    spool = Path(str(db) + ".spool")
    lines = [json.loads(x) for x in spool.read_text().splitlines()]
    assert [x["data"]["id"] for x in lines] == held
    assert _ids(db) == [first]
    log2 = audit.AuditLog.open(db)  # replays the spool into the chain
    assert not spool.exists()
    later = log2.record(sample_event(99))
    log2.close()
    assert _ids(db) == [first, *held, later]
    assert audit.verify(db).ok


def test_spool_replay_is_idempotent(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    log = audit.AuditLog.open(db)
    eid = log.record(sample_event(1))
    log.close()
    event = json.loads(sqlite3.connect(db).execute("SELECT body FROM events").fetchone()[0])
    # crash between committing the replay and deleting the spool: the same event is spooled again
    Path(str(db) + ".spool").write_text(json.dumps({"kind": "event", "data": event}) + "\n")
    audit.AuditLog.open(db).close()
    assert _ids(db) == [eid] and audit.verify(db).ok


def test_queue_bound_raises_audit_unavailable(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    log = audit.AuditLog.open(db, max_queue=10, busy_ms=20, retry_max_s=0.05)
    holder = _lock(db)
    try:
        for i in range(10):
            log.record(sample_event(i))
        with pytest.raises(audit.AuditUnavailable):
            log.record(sample_event(11))
        assert not log.healthy
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert log.flush(5) and log.healthy
    log.close()
    assert _count(db) == 10


@pytest.mark.parametrize("bad", [
    {"verdict": "allowed", "prompt": "Patient John Smith, SSN 123-45-6789"},
    {"verdict": "allowed", "output_text": "x"},
    {"verdict": "allowed", "hash": "0" * 64},
    {"verdict": "allowed", "reasons": [{"policy": "rbac", "code": "x", "message": "John Smith said ..."}]},
    {"verdict": "allowed", "target": "x" * 10_000},
    {"verdict": "allowed", "redactions": {"NAME": "John Smith"}},
    {"verdict": "made_up"},
    {"status": 200},
    {"verdict": "allowed", "latency_ms": {"total": object()}},
    {"verdict": "allowed", "ts": "yesterday"},
    {"verdict": "allowed", "id": ""},
])
def test_record_rejects_events_outside_the_schema(tmp_path: Path, bad: dict) -> None:
    log = audit.AuditLog.open(tmp_path / "a.db")
    try:
        with pytest.raises(ValueError):
            log.record(bad)
        assert log.pending == 0
    finally:
        log.close()
    assert _count(tmp_path / "a.db") == 0


def test_record_keeps_caller_id_and_assigns_sortable_ids(tmp_path: Path) -> None:
    log = audit.AuditLog.open(tmp_path / "a.db")
    given = audit.new_event_id()
    assert log.record({"verdict": "allowed", "id": given}) == given
    a = log.record({"verdict": "allowed"})
    time.sleep(0.002)
    b = log.record({"verdict": "allowed"})
    log.close()
    assert a[:13] <= b[:13]  # ms timestamp prefix sorts
    assert _ids(tmp_path / "a.db") == [given, a, b]


def test_prompt_hmac_keyed_from_env(monkeypatch) -> None:
    monkeypatch.setenv(audit.HMAC_ENV, "k1")
    h1 = audit.prompt_hmac("Patient John Smith")
    assert h1 == audit.prompt_hmac("Patient John Smith") and len(h1) == 64 and "John" not in h1
    monkeypatch.setenv(audit.HMAC_ENV, "k2")
    assert audit.prompt_hmac("Patient John Smith") != h1
    monkeypatch.delenv(audit.HMAC_ENV)
    r = audit.prompt_hmac("Patient John Smith")
    assert r == audit.prompt_hmac("Patient John Smith") and r != h1  # per-process random key
