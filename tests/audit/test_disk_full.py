"""A real "disk full": the writer process hits its file-size quota (RLIMIT_FSIZE, as a small
quota or tmpfs would), the log turns unhealthy, holds every event, and recovers when space returns."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from packgate.runtime import audit

resource = pytest.importorskip("resource")

CHILD = textwrap.dedent("""
    import json, os, resource, signal, sys, time
    from packgate.runtime import audit
    db = sys.argv[1]
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)       # get EFBIG instead of being killed
    log = audit.AuditLog.open(db, busy_ms=20, retry_max_s=0.05)
    ids = [log.record({"verdict": "allowed", "status": 200, "user_id": f"u-{i}"}) for i in range(50)]
    assert log.flush(5)
    hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
    resource.setrlimit(resource.RLIMIT_FSIZE, (os.path.getsize(db + "-wal") + 16 * 1024, hard))  # "disk" fills
    ids += [log.record({"verdict": "allowed", "status": 200, "user_id": f"v-{i}", "target": "t" * 400})
            for i in range(3000)]
    end = time.monotonic() + 5
    while log.healthy and time.monotonic() < end:
        time.sleep(0.01)
    unhealthy, error, pending = not log.healthy, log.last_error, log.pending
    time.sleep(0.2)
    ids.append(log.record({"verdict": "audit_unavailable", "status": 503, "error_code": "audit_unavailable"}))
    resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))                                     # space returns
    recovered = log.flush(10) and log.healthy
    log.close()
    print(json.dumps({"unhealthy": unhealthy, "error": error, "pending": pending, "recovered": recovered,
                      "ids": ids}))
""")


def test_disk_quota_exhausted_fails_closed_and_recovers(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    cp = subprocess.run([sys.executable, "-c", CHILD, str(db)], capture_output=True, text=True, timeout=60)
    assert cp.returncode == 0, cp.stderr[-2000:]
    out = json.loads(cp.stdout.strip().splitlines()[-1])
    assert out["unhealthy"], "healthy stayed True with the disk full"
    assert out["pending"] > 0 and out["error"]
    assert out["recovered"]
    conn = __import__("sqlite3").connect(db)
    stored = [r[0] for r in conn.execute("SELECT id FROM events ORDER BY seq")]
    conn.close()
    assert stored == out["ids"]  # every event, in order, none lost, none duplicated
    assert audit.verify(db).ok
