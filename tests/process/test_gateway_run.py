"""`packgate gateway run` as an operator runs it (a subprocess): serves, stops without orphans,
fails closed when its OPA dies, masks decision logs, and refuses to start in one clear line (bad
pack, port in use, an incomplete install). Reload under traffic: tests/e2e/test_reload.py."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from packgate.cli import ExitCode
from packgate.runtime.demo.standin import StandinModel

from packgate.runtime.audit import query_events

from tests.harness import PACKGATE, ROOT, SEED_PACK, GatewayProc, free_port, gone, run_cli

CLINICIAN = {"X-User-ID": "dr-okafor", "X-User-Role": "clinician", "X-Tool": "summarize"}
CHAT = {"model": "llama3.1:70b", "messages": [{"role": "user", "content": "Suggest next steps for low mood."}]}


def test_run_serves_and_stops_without_orphan(local_pack: Path, tmp_path: Path) -> None:
    gw = GatewayProc.cli("--pack", str(local_pack), "--audit-db", str(tmp_path / "a.db"))
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
    assert "Decision Log" not in gw.out.text() + gw.err.text()  # no decision log unless asked for


def test_upstream_override_is_loud(pack_copy: Path, local_model: StandinModel, tmp_path: Path) -> None:
    """The seed pack's own target (an Ollama that is not there) goes to the override instead; a
    warning at start, a header on every response, a field in every audit event say so."""
    db = tmp_path / "a.db"
    gw = GatewayProc.cli("--pack", str(pack_copy), "--audit-db", str(db), "--upstream-override", local_model.url)
    try:
        with gw.client() as c:
            r = c.post("/v1/chat/completions", headers=CLINICIAN, json=CHAT)
            assert r.status_code == 200 and r.headers["x-packgate-standin"] == "true"
            denied = c.post("/v1/chat/completions", json=CHAT)  # no identity: refused, still flagged
            assert denied.status_code == 401 and denied.headers["x-packgate-standin"] == "true"
    finally:
        assert gw.stop(signal.SIGTERM) == 0
    assert f"--upstream-override: every target's base_url is replaced by {local_model.url}" in gw.err.text()
    assert f"upstream: OVERRIDDEN, every target -> {local_model.url}" in gw.out.text()
    assert [r.body["model"] for r in local_model.received] == ["llama3.1:70b"]  # OPA's target, sent to the override
    events = [e for e in query_events(db) if "bundle" not in e]  # requests only (the start is bundle_activated)
    assert [e["status"] for e in events] == [200, 401]
    assert all(e["upstream_override"] == local_model.url for e in events)


def test_upstream_override_must_be_a_url(tmp_path: Path) -> None:
    r = run_cli("gateway", "run", "--pack", str(SEED_PACK), "--upstream-override", "localhost:8900")
    assert r.returncode == ExitCode.FAILURE
    assert r.stderr.strip() == "packgate: --upstream-override must be an http(s) URL, got 'localhost:8900'"


def test_sigkilled_gateway_leaves_no_opa(local_pack: Path, tmp_path: Path) -> None:
    gw = GatewayProc.cli("--pack", str(local_pack), "--audit-db", str(tmp_path / "a.db"))
    gw.stop(signal.SIGKILL)
    assert gw.opa_pid and gone(gw.opa_pid)


def test_killed_opa_fails_closed(local_pack: Path, local_model: StandinModel, tmp_path: Path) -> None:
    gw = GatewayProc.cli("--pack", str(local_pack), "--audit-db", str(tmp_path / "a.db"))
    try:
        assert gw.opa_pid is not None
        import os

        os.kill(gw.opa_pid, signal.SIGKILL)
        assert gone(gw.opa_pid)
        local_model.reset()
        with gw.client() as c:
            for _ in range(3):
                r = c.post("/v1/chat/completions", headers=CLINICIAN, json=CHAT)
                assert r.status_code == 503
                assert r.json()["error"]["code"] == "policy_engine_unavailable"
            assert c.get("/health").status_code == 503
        assert local_model.received == []
        gw.err.wait_for(r"embedded OPA exited", timeout=5)
    finally:
        gw.stop()


def test_opa_url_dead_port_fails_closed(local_pack: Path, local_model: StandinModel, tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    gw = GatewayProc.cli("--pack", str(local_pack), "--opa-url", dead, "--audit-db", str(tmp_path / "a.db"))
    try:
        assert "unreachable" in gw.err.text()
        assert gw.opa_pid is None and f"opa: external at {dead}" in gw.out.text()
        with gw.client() as c:
            r = c.post("/v1/chat/completions", headers=CLINICIAN, json=CHAT)
            assert r.status_code == 503 and r.json()["error"]["code"] == "policy_engine_unavailable"
            assert c.get("/health").status_code == 503
        assert local_model.received == []
    finally:
        gw.stop()


def test_decision_log_console_is_masked(local_pack: Path, tmp_path: Path) -> None:
    gw = GatewayProc.cli("--pack", str(local_pack), "--audit-db", str(tmp_path / "a.db"),
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



# --- an incomplete install stops the gateway before it serves --------------------------------------

HIDE_MODULE = '''
import sys


class _Hidden:
    """Stands in for a file missing from the install: importing {name} fails as it would then."""

    def find_spec(self, name, path=None, target=None):
        if name == {name!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None


sys.meta_path.insert(0, _Hidden())
'''


@pytest.mark.parametrize("missing", ["packgate.runtime.redaction.names", "re2", "packgate_native"])
def test_incomplete_install_stops_gateway_run(missing: str, tmp_path: Path) -> None:
    """A file of the redaction package, its RE2 dependency or its Rust core missing: `gateway run` exits
    at once with one line naming the module and saying the install is incomplete; nothing ever answers
    /health."""
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    if missing == "re2":  # an uninstalled dependency: a shadow module that is not there
        (shadow / "re2.py").write_text("raise ModuleNotFoundError(\"No module named 're2'\", name='re2')\n")
    else:  # a file missing from the package itself
        (shadow / "sitecustomize.py").write_text(HIDE_MODULE.format(name=missing))
    port = free_port()
    proc = subprocess.Popen([*PACKGATE, "gateway", "run", "--pack", str(SEED_PACK), "--port", str(port),
                             "--audit-db", str(tmp_path / "a.db")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{shadow}:{ROOT}"})
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:  # it started serving: the missing module went unnoticed
        proc.kill()
        out, err = proc.communicate()
    r = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    assert r.returncode == ExitCode.INCOMPLETE_INSTALL, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("packgate: install incomplete"), r.stderr
    assert f"cannot import {missing}" in lines[0]
    assert "Traceback" not in r.stderr and "listening" not in r.stdout
    assert not (tmp_path / "a.db").exists()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)

