"""The embedded OPA: starts healthy, stops without orphans, masks its decision log, fails cleanly."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from packgate.runtime.opa.bundle_server import BundleServer
from packgate.runtime.opa.server import (
    EMBEDDED_GO_GC,
    EmbeddedOpa,
    OpaError,
    active_revision,
    find_opa,
    opa_config,
)

from .bundles import write_bundle

REGO = 'request := {"allow": true, "rev": "one"}\n\nresponse := {"action": "deliver"}\n'


def _gone(pid: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # a zombie still answers kill(0); it is reaped by its parent, so check its state
        try:
            if Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z":
                return True
        except OSError:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def served(tmp_path: Path):
    server = BundleServer().start()
    server.publish(write_bundle(tmp_path / "b1", "rev-1", REGO), "rev-1")
    yield server
    server.close()


def test_starts_with_bundle_and_stops_without_orphan(served: BundleServer, tmp_path: Path) -> None:
    opa = EmbeddedOpa(served.url, served.token, run_dir=tmp_path).start()
    pid = opa.pid
    assert pid is not None
    assert httpx.get(f"{opa.url}/health?bundles").status_code == 200
    assert active_revision(opa.url) == "rev-1"
    r = httpx.post(f"{opa.url}/v1/data/packgate/packs/demo/request", json={"input": {}})
    assert r.json()["result"]["rev"] == "one"
    opa.stop()
    assert _gone(pid)
    opa.stop()  # idempotent


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(kv.split("=", 1) for kv in raw.decode().split("\0") if "=" in kv)


def test_embedded_opa_runs_with_the_tuned_go_gc(served: BundleServer, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOGC", raising=False)
    with EmbeddedOpa(served.url, served.token, run_dir=tmp_path) as opa:
        assert opa.pid is not None
        env = _environ(opa.pid)
    assert EMBEDDED_GO_GC == {"GOGC": "400"}
    assert env["GOGC"] == "400"
    assert env.get("PATH") == os.environ.get("PATH")  # the rest of the gateway's environment is passed on


def test_a_gogc_set_for_the_gateway_wins(served: BundleServer, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOGC", "150")
    with EmbeddedOpa(served.url, served.token, run_dir=tmp_path) as opa:
        assert opa.pid is not None
        assert _environ(opa.pid)["GOGC"] == "150"


def test_bundle_service_needs_the_token(served: BundleServer) -> None:
    assert httpx.get(f"{served.url}/bundle.tar.gz").status_code == 401
    ok = httpx.get(f"{served.url}/bundle.tar.gz", headers={"Authorization": f"Bearer {served.token}"})
    assert ok.status_code == 200 and ok.headers["content-type"] == "application/vnd.openpolicyagent.bundles"


def test_decision_log_is_masked(served: BundleServer, tmp_path: Path) -> None:
    out = io.StringIO()
    with EmbeddedOpa(served.url, served.token, decision_log=True, run_dir=tmp_path,
                     decision_log_stream=out) as opa:
        httpx.post(f"{opa.url}/v1/data/packgate/packs/demo/response",
                   json={"input": {"output": {"text": "Jane Roe SSN 123-45-6789"}, "target": "t1"}})
        deadline = time.monotonic() + 5
        while "Decision Log" not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
    logged = out.getvalue()
    assert "Decision Log" in logged and '"erased":["/input/output/text"]' in logged
    assert "123-45-6789" not in logged and "Jane Roe" not in logged
    assert '"target":"t1"' in logged  # masking is targeted, not a blanket drop


def test_decision_ids_by_default_logged_in_run_dir_not_stdout(served: BundleServer, tmp_path: Path) -> None:
    out = io.StringIO()
    with EmbeddedOpa(served.url, served.token, run_dir=tmp_path, decision_log_stream=out) as opa:
        r = httpx.post(f"{opa.url}/v1/data/packgate/packs/demo/request", json={"input": {}})
        decision_id = r.json()["decision_id"]
        deadline = time.monotonic() + 10
        while decision_id not in _read(opa.decisions_path) and time.monotonic() < deadline:
            time.sleep(0.05)
        started = time.monotonic()
    assert decision_id and decision_id in _read(opa.decisions_path)
    assert out.getvalue() == ""  # echoed to stdout only with decision_log=True
    # Console only: no upload to OPA's only service (our bundle server), nothing to flush at shutdown
    cfg = opa_config("http://x", "t", decision_log=False)["decision_logs"]
    assert cfg == {"console": True, "mask_decision": "/system/log/mask"}
    assert "flushing decisions" not in opa.stderr_tail(40)
    assert time.monotonic() - started < 5.0


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def test_reload_is_atomic_and_a_rejected_bundle_keeps_the_old(served: BundleServer, tmp_path: Path) -> None:
    with EmbeddedOpa(served.url, served.token, run_dir=tmp_path) as opa:
        served.publish(write_bundle(tmp_path / "b2", "rev-2", REGO.replace('"one"', '"two"')), "rev-2")
        deadline = time.monotonic() + 5
        while active_revision(opa.url) != "rev-2" and time.monotonic() < deadline:
            time.sleep(0.01)
        assert active_revision(opa.url) == "rev-2"
        served.publish(write_bundle(tmp_path / "b3", "rev-3", "request := {\n"), "rev-3")
        time.sleep(1.0)
        assert active_revision(opa.url) == "rev-2"
        r = httpx.post(f"{opa.url}/v1/data/packgate/packs/demo/request", json={"input": {}})
        assert r.json()["result"]["rev"] == "two"
        assert any("Bundle load failed" in e for e in opa.bundle_errors())


def test_parent_killed_takes_opa_with_it(served: BundleServer, tmp_path: Path) -> None:
    """PR_SET_PDEATHSIG: even a SIGKILLed gateway leaves no OPA behind."""
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from packgate.runtime.opa.server import EmbeddedOpa
        opa = EmbeddedOpa({served.url!r}, {served.token!r}, run_dir=Path({str(tmp_path)!r})).start()
        print(opa.pid, flush=True)
        time.sleep(60)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        opa_pid = int(child.stdout.readline())
        assert not _gone(opa_pid, timeout=0.2)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert _gone(opa_pid)


def test_start_failure_is_one_clean_line(tmp_path: Path) -> None:
    server = BundleServer().start()  # nothing published: OPA never becomes healthy
    try:
        with pytest.raises(OpaError) as err:
            EmbeddedOpa(server.url, server.token, run_dir=tmp_path).start(timeout=1.5)
        assert "\n" not in str(err.value) and "not healthy" in str(err.value)
    finally:
        server.close()


def test_bad_binary_reports_opa_stderr(served: BundleServer, tmp_path: Path) -> None:
    fake = tmp_path / "opa"
    fake.write_text("#!/bin/sh\necho 'boom: cannot start' >&2\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(OpaError) as err:
        EmbeddedOpa(served.url, served.token, opa_binary=fake, run_dir=tmp_path).start(timeout=3)
    assert "status 3" in str(err.value) and "boom: cannot start" in str(err.value)


def test_missing_binary_says_run_make_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(OpaError, match="run make setup"):
        find_opa(tmp_path)


def test_decisions_over_the_unix_socket(served: BundleServer, tmp_path: Path) -> None:
    """The gateway's decisions go over OPA's owner-only Unix socket; a stopped OPA fails closed."""
    import asyncio
    import stat

    from packgate.runtime.opa.client import OpaClient, OpaUnavailable

    opa = EmbeddedOpa(served.url, served.token, run_dir=tmp_path).start()
    try:
        assert opa.decision_url == f"unix://{opa.socket_path}"
        assert stat.S_IMODE(opa.socket_path.stat().st_mode) == 0o600
        assert active_revision(opa.decision_url) == "rev-1"

        async def ask() -> tuple[bool, str]:
            client = OpaClient(opa.decision_url)
            try:
                return await client.bundles_ready(), (await client.decide("packgate/packs/demo/request", {})).result["rev"]
            finally:
                await client.aclose()

        assert asyncio.run(ask()) == (True, "one")
    finally:
        opa.stop()

    async def after_stop() -> tuple[bool, type[BaseException] | None]:
        client = OpaClient(opa.decision_url)
        try:
            await client.decide("packgate/packs/demo/request", {})
        except OpaUnavailable as exc:
            return await client.bundles_ready(), type(exc)
        return True, None

    assert asyncio.run(after_stop()) == (False, OpaUnavailable)


def test_each_decision_logged_once_with_every_field_it_had(served: BundleServer, tmp_path: Path) -> None:
    """One masked line per decision, with the fields the decision log has always recorded: `--log-level-request
    debug` would drop OPA's access logs but also `req_id` and `requested_by` (see `LOG_FLAGS`)."""
    import json

    with EmbeddedOpa(served.url, served.token, run_dir=tmp_path) as opa:
        ids = [httpx.post(f"{opa.url}/v1/data/packgate/packs/demo/request", json={"input": {}}).json()["decision_id"]
               for _ in range(3)]
        deadline = time.monotonic() + 10
        while not all(i in _read(opa.decisions_path) for i in ids) and time.monotonic() < deadline:
            time.sleep(0.05)
    logged = [json.loads(line) for line in _read(opa.decisions_path).splitlines()]
    assert [e["decision_id"] for e in logged] == ids
    assert all(set(e) == {"bundles", "decision_id", "input", "labels", "level", "metrics", "msg", "path", "req_id",
                          "requested_by", "result", "time", "timestamp", "type"} for e in logged), logged[0].keys()
