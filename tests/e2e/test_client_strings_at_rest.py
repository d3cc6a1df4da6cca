"""Client-supplied free text never reaches the audit store or the logs: a PHI string planted in every
header and body field a client controls goes through the real `packgate gateway run` (embedded OPA,
console decision logging on, verbose), then the audit database, its WAL, the spool and the captured
stdout/stderr are grepped for it. The event still records each value — as the keyed hash the audit
HMAC key gives (positive control), or as the pack's own name when it is one."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from packgate.runtime.demo.standin import Reply, StandinModel

from tests.harness import PACKS_DIR, ROOT, start_standin, wait_http

PHI = "Jane Quimby 123-45-6789"
FRAGMENTS = ("Quimby", "123-45-6789")
KEY = "client-strings-at-rest"
ROUTE = "/routes/gw-deliver"


def keyed(value: str) -> str:
    return "hmac:" + hmac.new(KEY.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


def requests_planting(phi: str) -> list[tuple[str, dict, dict]]:
    """(path, headers, body) for requests that each carry the PHI string in some client field."""
    everywhere = {"X-Tool": phi, "X-Patient": phi, "User-Agent": phi, "X-Data-Sensitivity": phi,
                  "X-Request-ID": phi, "Referer": phi}
    metadata = {"user_id": phi, "user_role": phi, "tool": phi, "data_sensitivity": phi, "note": phi}
    msgs = [{"role": "user", "content": f"hello {phi}", "name": "n"}]
    ollama_msgs = [{"role": "user", "content": f"hello {phi}"}]  # Ollama messages have no `name`
    clin = {"X-User-ID": "u-1", "X-User-Role": "clinician"}
    officer = {"X-User-ID": "u-2", "X-User-Role": "privacy-officer"}
    chat = "/v1/chat/completions"
    return [
        (chat, {"X-User-ID": phi, "X-User-Role": phi, **everywhere}, {"model": phi, "messages": msgs, "user": phi}),
        (chat, {**clin, "X-Tool": phi}, {"model": phi, "messages": msgs}),
        (chat, {**clin, "X-Data-Sensitivity": phi}, {"model": phi, "messages": msgs}),
        (chat, {**officer, "X-User-ID": phi}, {"model": phi, "messages": msgs, "metadata": metadata}),
        (chat, {**officer, "X-Tool": phi}, {"model": phi, "messages": msgs,
                                            "tools": [{"type": "function", "function": {"name": phi}}],
                                            "functions": [{"name": phi}]}),
        (chat, {**officer}, {"model": phi, "messages": msgs, "stream": True,
                             "tools": [{"type": "custom", "custom": {"name": phi}}]}),
        (chat, {**clin}, {"model": phi, "messages": msgs, "tools": [{"function": {"name": phi}}]}),
        ("/api/chat", {"X-User-ID": phi, "X-User-Role": "clinician"}, {"model": phi, "messages": ollama_msgs}),
        ("/api/chat", {**officer, "X-Tool": phi}, {"model": phi, "messages": ollama_msgs, "stream": False}),
        (chat, {"X-User-Role": "clinician"}, {"model": phi, "messages": msgs, "metadata": {"user_id": phi}}),
        (chat, {**clin}, {"model": phi, "messages": msgs, "n": phi}),
        (chat, {**clin}, {"model": phi, "messages": [{"role": phi, "content": phi}]}),
        (chat, {**clin}, {"model": phi, "messages": msgs, phi: phi}),
    ]


def test_no_client_string_at_rest(tmp_path: Path) -> None:
    standin = start_standin(StandinModel())
    try:
        for _ in range(8):  # answers naming the planted tool and carrying it in arguments
            standin.script(Reply(text="ok", tool_calls=[{"name": PHI, "arguments": {"x": 1}}]))
        pack = (PACKS_DIR / "gw-deliver.yaml").read_text().replace("http://127.0.0.1:9", standin.url)
        (tmp_path / "deliver.yaml").write_text(pack)
        db, out_log, err_log = tmp_path / "audit.db", tmp_path / "stdout.log", tmp_path / "stderr.log"
        env = {**os.environ, "PACKGATE_AUDIT_HMAC_KEY": KEY, "PYTHONPATH": str(ROOT)}
        with open(out_log, "wb") as o, open(err_log, "wb") as e:
            proc = subprocess.Popen([sys.executable, "-m", "packgate", "gateway", "run", "--pack",
                                     str(tmp_path / "deliver.yaml"), "--port", "0", "--audit-db", str(db),
                                     "--decision-log", "console", "--no-watch", "--verbose"],
                                    stdout=o, stderr=e, cwd=tmp_path, env=env)
        try:
            deadline = time.monotonic() + 60
            while not (m := re.search(r"listening on (http://\S+)", out_log.read_text())):
                assert proc.poll() is None and time.monotonic() < deadline, err_log.read_text()
                time.sleep(0.1)
            url = m.group(1)
            wait_http(f"{url}/health", 30)
            statuses = []
            with httpx.Client(base_url=url, timeout=30) as c:
                for prefix in ("", ROUTE):
                    for path, headers, body in requests_planting(PHI):
                        statuses.append(c.post(prefix + path, json=body, headers=headers).status_code)
                statuses.append(c.post(f"/routes/{PHI}/v1/chat/completions", json={}).status_code)
            assert 200 in statuses and 403 in statuses and 422 in statuses, statuses
            time.sleep(0.5)  # the writer commits within its linger
            running = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file() and p.suffix != ".yaml"}
        finally:
            proc.terminate()
            proc.wait(30)
        assert proc.returncode == 0, err_log.read_text()[-2000:]
    finally:
        standin.stop()
    stopped = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file() and p.suffix != ".yaml"}
    assert "audit.db-wal" in running, sorted(running)
    hits = []
    for snapshot in (running, stopped):
        for name, blob in snapshot.items():
            for value in (PHI, *FRAGMENTS):
                forms = {value.encode(), json.dumps(value)[1:-1].encode(), value.replace(" ", "%20").encode()}
                hits += [(name, value) for f in forms if f in blob]
    assert hits == []
    # positive control: one event per request, and the planted values are there as keyed hashes
    conn = sqlite3.connect(db)
    try:
        bodies = [json.loads(r[0]) for r in conn.execute("SELECT body FROM events WHERE verdict NOT LIKE 'bundle_%'")]
    finally:
        conn.close()
    assert len(bodies) == len(statuses)
    recorded = json.dumps(bodies)
    assert keyed(PHI) in recorded
    assert {b.get("model") for b in bodies} == {keyed(PHI), None}
    assert any(b.get("role") == keyed(PHI) for b in bodies) and any(b.get("role") == "clinician" for b in bodies)
    assert any(b.get("user_id") == keyed(PHI) for b in bodies) and any(b.get("user_id") == "u-1" for b in bodies)
