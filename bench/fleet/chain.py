"""The chain with several writers, two designs measured on one real PostgreSQL:

- **one chain, serialised in the database** (what packgate does: runtime/audit/postgres.py): every
  batch locks the one `chain_head` row, links onto it and commits; writers queue on the lock;
- **one chain per writer** (each replica locks only its own head row; cross-anchoring every few
  seconds would add one small row per replica): writers never wait for each other.

W writer threads (each its own connection, as replicas are), batches of B events, for S seconds each.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg

from packgate.runtime.audit import AuditLog, canonical_json, chain_hash, new_event_id, utc_now
from packgate.runtime.audit.postgres import _append

_PER_WRITER_SCHEMA = """
CREATE TABLE IF NOT EXISTS bench_events (chain INTEGER, seq BIGINT, id TEXT UNIQUE, ts TEXT, body TEXT,
    prev_hash TEXT, hash TEXT, PRIMARY KEY (chain, seq));
CREATE TABLE IF NOT EXISTS bench_heads (chain INTEGER PRIMARY KEY, head_seq BIGINT, head_hash TEXT);
TRUNCATE bench_events; TRUNCATE bench_heads;
"""


def _event(i: int) -> tuple[str, dict[str, Any], str]:
    e = {"id": new_event_id(), "ts": utc_now(), "verdict": "allowed", "status": 200, "pack": "bench",
         "user_id": f"u-{i}", "latency_ms": {"total": 1.0}}
    return ("event", e, canonical_json(e))


def _per_writer_append(conn: psycopg.Connection[Any], chain: int, items: list[tuple[Any, ...]]) -> None:
    row = conn.execute("SELECT head_seq, head_hash FROM bench_heads WHERE chain = %s FOR UPDATE", (chain,)).fetchone()
    seq, h = row
    rows = []
    for _, e, body in items:
        nh = chain_hash(h, body)
        seq += 1
        rows.append((chain, seq, e["id"], e["ts"], body, h, nh))
        h = nh
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO bench_events VALUES (%s,%s,%s,%s,%s,%s,%s)", rows)
    conn.execute("UPDATE bench_heads SET head_seq = %s, head_hash = %s WHERE chain = %s", (seq, h, chain))


def measure(url: str, design: str, writers: int, batch: int, seconds: float) -> dict[str, float]:
    """Events/s over all writers and the mean commit time of one batch."""
    AuditLog.open(url).close()  # the real schema, migrated
    with psycopg.connect(url, autocommit=True) as c:
        c.execute(_PER_WRITER_SCHEMA)
        for w in range(writers):
            c.execute("INSERT INTO bench_heads VALUES (%s, 0, %s)", (w, "0" * 64))
    counts = [0] * writers
    batch_ms: list[float] = []
    stop = time.monotonic() + seconds

    def run(w: int) -> None:
        with psycopg.connect(url) as conn:
            while time.monotonic() < stop:
                items = [_event(i) for i in range(batch)]
                t0 = time.perf_counter()
                with conn.transaction():
                    if design == "one chain":
                        _append(conn, items)
                    else:
                        _per_writer_append(conn, w, items)
                batch_ms.append((time.perf_counter() - t0) * 1000)
                counts[w] += batch

    threads = [threading.Thread(target=run, args=(w,)) for w in range(writers)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - t0
    return {"events_per_s": sum(counts) / took, "batch_ms": sum(batch_ms) / max(1, len(batch_ms)),
            "us_per_event": took * 1e6 / max(1, sum(counts)) * writers}
