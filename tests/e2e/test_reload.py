"""Hot reload of `packgate gateway run` under traffic: a pack edit switches behaviour without a
dropped request, a broken edit keeps the last good bundle until it is fixed, and `--workers` follow
the leader's reload."""

from __future__ import annotations

import re
import subprocess
import threading
import time
from pathlib import Path

import httpx

from packgate.runtime.demo.standin import StandinModel

from tests.harness import GatewayProc, gone

CLINICIAN = {"X-User-ID": "dr-okafor", "X-User-Role": "clinician", "X-Tool": "summarize"}
CHAT = {"model": "llama3.1:70b", "messages": [{"role": "user", "content": "Suggest next steps for low mood."}]}


def test_hot_reload_drops_no_request(local_pack: Path, local_model: StandinModel, tmp_path: Path) -> None:
    """A client loop runs through a pack edit: every answer is the old or the new behaviour."""
    gw = GatewayProc.cli("--pack", str(local_pack), "--audit-db", str(tmp_path / "a.db"))
    statuses: list[tuple[int, str | None]] = []
    errors: list[str] = []
    stop = threading.Event()

    def loop() -> None:
        with gw.client() as c:
            while not stop.is_set():
                try:
                    r = c.post("/v1/chat/completions", headers=CLINICIAN, json=CHAT)
                    code = r.json().get("error", {}).get("code") if r.status_code != 200 else None
                    statuses.append((r.status_code, code))
                except httpx.HTTPError as exc:
                    errors.append(repr(exc))

    try:
        with gw.client() as c:
            before = c.get("/health").json()
        workers = [threading.Thread(target=loop) for _ in range(4)]
        for w in workers:
            w.start()
        time.sleep(1.0)
        # New behaviour: the stand-in's echo ("[stand-in model] ...") becomes a blocked pattern.
        text = local_pack.read_text().replace("      - diagnose you with",
                                              "      - diagnose you with\n      - stand-in model")
        local_pack.write_text(text.replace("version: 1.0.0", "version: 1.1.0"))
        gw.err.wait_for(r"reloaded: behavioral-health-review-route 1\.1\.0", timeout=20)
        time.sleep(1.0)
        stop.set()
        for w in workers:
            w.join()
        with gw.client() as c:
            after = c.get("/health").json()
    finally:
        stop.set()
        gw.stop()
    assert errors == []
    assert set(statuses) <= {(200, None), (409, "output_blocked")}, set(statuses)
    first_new = statuses.index((409, "output_blocked"))
    assert first_new > 0 and statuses[-1] == (409, "output_blocked")
    # after the switch, at most the few requests already in flight on 4 connections finish the old way
    assert statuses[first_new:].count((200, None)) <= 4
    assert before["bundle_revision"] != after["bundle_revision"]
    assert [p["version"] for p in after["packs"]] == ["1.1.0"]


def test_broken_edit_keeps_last_good_bundle(local_pack: Path, tmp_path: Path) -> None:
    gw = GatewayProc.cli("--pack", str(local_pack), "--audit-db", str(tmp_path / "a.db"))
    try:
        with gw.client() as c:
            rev = c.get("/health").json()["bundle_revision"]
            local_pack.write_text(local_pack.read_text().replace("action: escalate", "action: escalat"))
            m = gw.err.wait_for(rf"{re.escape(str(local_pack))}:(\d+):(\d+): error: ", timeout=20)
            assert int(m.group(1)) > 1
            gw.err.wait_for(r"still serving revision", timeout=5)
            assert c.get("/health").json()["bundle_revision"] == rev
            r = c.post("/v1/chat/completions", headers=CLINICIAN, json=CHAT)
            assert r.status_code == 200 and r.headers.get("x-packgate-escalation-id")
            # fixed: the next edit reloads again
            local_pack.write_text(local_pack.read_text().replace("action: escalat", "action: escalate")
                                  .replace("version: 1.0.0", "version: 2.0.0"))
            gw.err.wait_for(r"reloaded: behavioral-health-review-route 2\.0\.0", timeout=20)
            health = c.get("/health").json()
            assert health["bundle_revision"] != rev and [p["version"] for p in health["packs"]] == ["2.0.0"]
    finally:
        gw.stop()


def test_workers_follow_the_leaders_reload(local_pack: Path, tmp_path: Path) -> None:
    gw = GatewayProc.cli("--pack", str(local_pack), "--audit-db", str(tmp_path / "a.db"), "--workers", "2")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # both workers up (slow on a busy machine)
            try:
                if httpx.get(gw.url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        with gw.client() as c:
            assert c.post("/v1/chat/completions", headers=CLINICIAN, json=CHAT).status_code == 200
        local_pack.write_text(local_pack.read_text().replace("version: 1.0.0", "version: 1.2.0"))
        deadline = time.monotonic() + 20
        versions: set[str] = set()
        while time.monotonic() < deadline:
            # fresh connections spread over the workers; all must converge on the new version
            versions = {httpx.get(gw.url + "/health", timeout=2).json()["packs"][0]["version"]
                        for _ in range(12)}
            if versions == {"1.2.0"}:
                break
            time.sleep(0.2)
        assert versions == {"1.2.0"}
        children = subprocess.run(["pgrep", "-P", str(gw.proc.pid)], capture_output=True, text=True)
        kids = [int(p) for p in children.stdout.split()]
    finally:
        assert gw.stop() == 0
    assert gw.opa_pid and gone(gw.opa_pid)
    assert all(gone(k) for k in kids)
