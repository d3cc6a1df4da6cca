"""Audit integrity end to end: a database the real gateway process wrote (allowed, denied, redacted,
escalated, streamed traffic), then each kind of tampering on a copy; `packgate events verify` (the
real CLI) must fail on every one and name the first bad seq, and pass on the untouched copy."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.harness import run_cli

from .load import KINDS, burst, head_seq, snapshot_db, wait_events


def _modify(c: sqlite3.Connection) -> int:
    seq, body = c.execute("SELECT seq, body FROM events WHERE verdict='denied' ORDER BY seq LIMIT 1").fetchone()
    ev = json.loads(body)
    ev["verdict"], ev["status"] = "allowed", 200  # a denial rewritten as an approval
    c.execute("UPDATE events SET body=?, verdict='allowed', status=200 WHERE seq=?",
              (json.dumps(ev, sort_keys=True, separators=(",", ":")), seq))
    return seq


def _delete(c: sqlite3.Connection) -> int:
    seq = c.execute("SELECT seq FROM events WHERE verdict='escalated' ORDER BY seq LIMIT 1").fetchone()[0]
    c.execute("DELETE FROM events WHERE seq=?", (seq,))
    return seq


def _insert(c: sqlite3.Connection) -> int:
    seq, body, prev, h = c.execute("SELECT seq, body, prev_hash, hash FROM events ORDER BY seq LIMIT 1 OFFSET 5").fetchone()
    c.execute("UPDATE events SET seq = seq + 1000000 WHERE seq > ?", (seq,))
    c.execute("UPDATE events SET seq = seq - 1000000 + 1 WHERE seq > 1000000")
    fake = json.loads(body)
    fake.update(id="forged-" + fake["id"][7:], user_id="intruder")
    c.execute("INSERT INTO events(seq, id, ts, pack, verdict, status, body, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?)",
              (seq + 1, fake["id"], fake["ts"], fake.get("pack"), fake["verdict"], fake.get("status"),
               json.dumps(fake, sort_keys=True, separators=(",", ":")), h, h))
    return seq + 1


def _reorder(c: sqlite3.Connection) -> int:
    a, b = c.execute("SELECT seq FROM events ORDER BY seq LIMIT 2 OFFSET 10").fetchall()
    c.execute("UPDATE events SET seq=-1 WHERE seq=?", (a[0],))
    c.execute("UPDATE events SET seq=? WHERE seq=?", (a[0], b[0]))
    c.execute("UPDATE events SET seq=? WHERE seq=-1", (b[0],))
    return a[0]


TAMPER = {"modify": _modify, "delete": _delete, "insert": _insert, "reorder": _reorder}


@pytest.fixture(scope="module")
def gateway_db(gw_proc, tmp_path_factory) -> Path:
    live = gw_proc
    mark = head_seq(live.db)
    results = burst(live.url, [(f"integrity-{i}", KINDS[i % 5]) for i in range(60)], 16)
    assert len(wait_events(live.db, mark, 60)) == 60 and all(r.status in (200, 403) for r in results)
    return snapshot_db(live.db, tmp_path_factory.mktemp("integrity") / "gateway.db")


def test_untouched_gateway_db_verifies(gateway_db: Path) -> None:
    cp = run_cli("events", "verify", "--audit-db", str(gateway_db))
    assert cp.returncode == 0, cp.stdout + cp.stderr


@pytest.mark.parametrize("how", list(TAMPER))
def test_tampering_with_a_gateway_written_db_is_caught(gateway_db: Path, tmp_path: Path, how: str) -> None:
    db = tmp_path / "tampered.db"
    shutil.copy(gateway_db, db)
    c = sqlite3.connect(db, isolation_level=None)
    seq = TAMPER[how](c)
    c.close()
    cp = run_cli("events", "verify", "--audit-db", str(db))
    out = cp.stdout + cp.stderr
    assert cp.returncode != 0, out
    assert "Traceback" not in out
    named = [int(n) for n in re.findall(r"seq (\d+)", out)]
    assert seq in named, (seq, out)  # the first bad seq is the one tampered with
    print(f"\n{how} at seq {seq}: {out.strip()}")
