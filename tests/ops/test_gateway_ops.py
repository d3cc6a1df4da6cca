"""The gateway as an operator runs it: `packgate gateway run` and `packgate demo` as subprocesses."""

from __future__ import annotations

import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from packgate.runtime.demo.standin import StandinModel
from packgate.runtime.opa.server import free_port as free_port_for_tests

from .gateway_proc import PACKGATE, GatewayProc, gone

CLINICIAN = {"X-User-ID": "dr-okafor", "X-User-Role": "clinician", "X-Tool": "summarize"}
CHAT = {"model": "llama3.1:70b", "messages": [{"role": "user", "content": "Suggest next steps for low mood."}]}


@pytest.fixture
def model():
    m = StandinModel().start()
    yield m
    m.stop()


@pytest.fixture
def local_pack(pack_copy: Path, model: StandinModel) -> Path:
    """The seed pack with its target's base_url pointing at the stand-in (a pack edit, not a swap)."""
    text = pack_copy.read_text().replace("base_url: http://localhost:11434", f"base_url: {model.url}")
    pack_copy.write_text(text)
    return pack_copy


def test_demo_no_serve_passes(tmp_path: Path) -> None:
    r = subprocess.run([*PACKGATE, "demo", "--no-serve", "--port", "0"], capture_output=True,
                       text=True, timeout=120, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "STAND-IN MODEL — not a real LLM" in r.stdout
    assert "every scenario got its expected outcome" in r.stdout
    for code in ("missing_header", "escalated", "output_blocked", "no_compliant_provider"):
        assert code in r.stdout
    # the seed pack names its roles, so a role outside them is refused before the PHI check
    assert "unknown_role" in r.stdout or "phi_not_permitted_for_role" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr
    pid = int(re.search(r"embedded pid (\d+)", r.stdout).group(1))
    assert gone(pid)


def test_run_serves_and_stops_without_orphan(local_pack: Path, tmp_path: Path) -> None:
    gw = GatewayProc("--pack", str(local_pack), "--audit-db", str(tmp_path / "a.db"))
    try:
        with gw.client() as c:
            assert c.get("/health").status_code == 200
            r = c.post("/v1/chat/completions", headers=CLINICIAN, json=CHAT)
            assert r.status_code == 200 and r.json()["choices"][0]["message"]["content"] is None
            assert "x-packgate-standin" not in r.headers  # gateway run never substitutes a stand-in
    finally:
        assert gw.stop(signal.SIGTERM) == 0
    assert gw.opa_pid and gone(gw.opa_pid)
    assert "Traceback" not in gw.err.text()


def test_sigkilled_gateway_leaves_no_opa(local_pack: Path, tmp_path: Path) -> None:
    gw = GatewayProc("--pack", str(local_pack), "--audit-db", str(tmp_path / "a.db"))
    gw.stop(signal.SIGKILL)
    assert gw.opa_pid and gone(gw.opa_pid)


def test_hot_reload_drops_no_request(local_pack: Path, model: StandinModel, tmp_path: Path) -> None:
    """A client loop runs through a pack edit: every answer is the old or the new behaviour."""
    gw = GatewayProc("--pack", str(local_pack), "--audit-db", str(tmp_path / "a.db"))
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
    gw = GatewayProc("--pack", str(local_pack), "--audit-db", str(tmp_path / "a.db"))
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
    finally:
        gw.stop()


def test_killed_opa_fails_closed(local_pack: Path, model: StandinModel, tmp_path: Path) -> None:
    gw = GatewayProc("--pack", str(local_pack), "--audit-db", str(tmp_path / "a.db"))
    try:
        assert gw.opa_pid is not None
        import os

        os.kill(gw.opa_pid, signal.SIGKILL)
        assert gone(gw.opa_pid)
        model.reset()
        with gw.client() as c:
            for _ in range(3):
                r = c.post("/v1/chat/completions", headers=CLINICIAN, json=CHAT)
                assert r.status_code == 503
                assert r.json()["error"]["code"] == "policy_engine_unavailable"
            assert c.get("/health").status_code == 503
        assert model.received == []
        gw.err.wait_for(r"embedded OPA exited", timeout=5)
    finally:
        gw.stop()


def test_opa_url_dead_port_fails_closed(local_pack: Path, model: StandinModel, tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port_for_tests()}"
    gw = GatewayProc("--pack", str(local_pack), "--opa-url", dead, "--audit-db", str(tmp_path / "a.db"))
    try:
        assert "unreachable" in gw.err.text()
        assert gw.opa_pid is None and f"opa: external at {dead}" in gw.out.text()
        with gw.client() as c:
            r = c.post("/v1/chat/completions", headers=CLINICIAN, json=CHAT)
            assert r.status_code == 503 and r.json()["error"]["code"] == "policy_engine_unavailable"
            assert c.get("/health").status_code == 503
        assert model.received == []
    finally:
        gw.stop()


def test_decision_log_console_is_masked(local_pack: Path, tmp_path: Path) -> None:
    gw = GatewayProc("--pack", str(local_pack), "--audit-db", str(tmp_path / "a.db"),
                     "--decision-log", "console")
    try:
        with gw.client() as c:
            body = {**CHAT, "messages": [{"role": "user", "content":
                    "Summarize: patient Maria Gonzalez, MRN 48213377, phone (555) 201-3344, low mood."}]}
            r = c.post("/v1/chat/completions", headers=CLINICIAN, json=body)
            assert r.status_code == 200
        gw.out.wait_for(r'"path":"packgate/packs/behavioral_health_review_route/response"', timeout=10)
    finally:
        gw.stop()
    logged = [ln for ln in gw.out.lines if '"msg":"Decision Log"' in ln]
    assert len(logged) >= 2  # request and response decisions
    text = "\n".join(logged)
    assert '"/input/output/text"' in text and '"/input/headers"' in text  # what the mask erased
    for raw in ("Maria", "Gonzalez", "48213377", "201-3344", "stand-in model", "dr-okafor\",\"x-user"):
        assert raw not in text, raw


def test_no_decision_log_by_default(local_pack: Path, tmp_path: Path) -> None:
    gw = GatewayProc("--pack", str(local_pack), "--audit-db", str(tmp_path / "a.db"))
    try:
        with gw.client() as c:
            c.post("/v1/chat/completions", headers=CLINICIAN, json=CHAT)
        time.sleep(0.3)
    finally:
        gw.stop()
    assert "Decision Log" not in gw.out.text() + gw.err.text()


def test_errors_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("pack:\n  name: x\n  version: '1'\n  bogus: 1\n")
    r = subprocess.run([*PACKGATE, "gateway", "run", "--pack", str(bad), "--port", "0"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and f"{bad}:" in r.stderr and ": error: " in r.stderr
    assert "Traceback" not in r.stderr
    r = subprocess.run([*PACKGATE, "gateway", "run", "--pack", str(tmp_path / "nope.yaml")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and r.stderr.strip().count("\n") == 0 and "pack not found" in r.stderr


def test_workers_follow_the_leaders_reload(local_pack: Path, tmp_path: Path) -> None:
    gw = GatewayProc("--pack", str(local_pack), "--audit-db", str(tmp_path / "a.db"), "--workers", "2")
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # both workers up
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


def test_port_in_use_is_one_line(local_pack: Path, tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = subprocess.run([*PACKGATE, "gateway", "run", "--pack", str(local_pack), "--port", str(port),
                            "--audit-db", str(tmp_path / "a.db")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in r.stderr
