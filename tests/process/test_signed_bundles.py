"""Signed bundles end to end: `packgate build --sign`, then `packgate gateway run --bundle --verification-key`.

OPA itself verifies: a changed byte is refused at start (the gateway does not start) and at hot reload
(the last good bundle keeps serving, `/health` says `degraded`); every activation and refusal is an
event in the audit chain that `events tail` shows and `events verify` accepts.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from packgate.cli import ExitCode

from tests.harness import PACKGATE, ROOT, GatewayProc, run_cli

CLINICIAN = {"X-User-ID": "dr-okafor", "X-User-Role": "clinician", "X-Tool": "summarize"}
CHAT = {"model": "llama3.1:70b", "messages": [{"role": "user", "content": "Suggest next steps for low mood."}]}


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("keys")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    priv, pub = d / "signing.pem", d / "verify.pub"
    priv.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    pub.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
    return priv, pub


def build(pack: Path, out: Path, key: Path, *more: str) -> None:
    result = run_cli("build", str(pack), "-o", str(out), "--sign", str(key), "--key-id", "ci-2026", *more)
    assert result.returncode == 0, result.stderr


def tamper(bundle: Path) -> None:
    """One byte of the generated Rego changes; the signature stays as it was."""
    rego = next(bundle.rglob("main.rego"))
    text = rego.read_text()
    rego.write_text(text.replace("package ", "package  ", 1))


def bundle_events(db: Path) -> list[dict]:
    result = run_cli("events", "tail", "--json", "--limit", "50", "--audit-db", str(db))
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    return [e for e in events if e["verdict"] in ("bundle_activated", "bundle_rejected")]


def wait_health(gw: GatewayProc, status: str, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    with gw.client() as c:
        while True:
            r = c.get("/health")
            body = r.json()
            if body["status"] == status:
                assert r.status_code == 200
                return body
            assert time.monotonic() < deadline, body
            time.sleep(0.1)


def test_a_signed_bundle_serves_and_a_changed_byte_is_refused_at_reload(local_pack: Path, keys, tmp_path: Path) -> None:
    priv, pub = keys
    bundle, db = tmp_path / "deploy" / "bundle", tmp_path / "a.db"
    build(local_pack, bundle, priv, "--approved-by", "Dr. Amara Osei", "--ticket", "CHG-4211")
    gw = GatewayProc.cli("--pack", str(local_pack), "--bundle", str(bundle), "--verification-key", str(pub),
                         "--verification-key-id", "ci-2026", "--audit-db", str(db))
    try:
        first = wait_health(gw, "ok")
        assert "signature: required, key id ci-2026" in gw.out.text()
        tamper(bundle)
        degraded = wait_health(gw, "degraded")
        assert degraded["bundle_revision"] == first["bundle_revision"]
        assert any("digest mismatch" in e for e in degraded["errors"]), degraded
        with gw.client() as c:  # the last good bundle still decides
            assert c.post("/v1/chat/completions", headers=CLINICIAN, json=CHAT).status_code == 200
        build(local_pack, bundle, priv, "--approved-by", "Dr. Lena Park", "--ticket", "CHG-4212")  # re-signed
        wait_health(gw, "ok")
    finally:
        assert gw.stop(signal.SIGTERM) == 0
    assert "Traceback" not in gw.err.text()
    events = bundle_events(db)
    assert [(e["verdict"], e["bundle"]["trigger"]) for e in events][:2] == [
        ("bundle_activated", "start"), ("bundle_rejected", "reload")]
    start, rejected, again = events[0]["bundle"], events[1]["bundle"], events[-1]["bundle"]
    assert (start["signer"], start["approved_by"], start["ticket"]) == ("ci-2026", "Dr. Amara Osei", "CHG-4211")
    assert start["revision"] == first["bundle_revision"]
    assert any("digest mismatch" in e for e in rejected["errors"])
    assert events[-1]["verdict"] == "bundle_activated" and again["trigger"] == "reload"
    assert (again["signer"], again["approved_by"], again["ticket"]) == ("ci-2026", "Dr. Lena Park", "CHG-4212")
    assert run_cli("events", "verify", "--audit-db", str(db)).returncode == 0
    table = run_cli("events", "tail", "--audit-db", str(db))
    assert "bundle_activated" in table.stdout and "Dr. Lena Park" in table.stdout


def start_fails(*args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([*PACKGATE, "gateway", "run", "--port", "0", "--no-watch", *args], capture_output=True,
                          text=True, timeout=120, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == ExitCode.FAILURE, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "listening on" not in proc.stdout
    return proc


def test_a_changed_or_unsigned_bundle_keeps_the_gateway_from_starting(local_pack: Path, keys, tmp_path: Path) -> None:
    priv, pub = keys
    bundle = tmp_path / "bundle"
    build(local_pack, bundle, priv)
    tamper(bundle)
    changed = start_fails("--pack", str(local_pack), "--bundle", str(bundle), "--verification-key", str(pub),
                          "--verification-key-id", "ci-2026")
    assert changed.stderr.splitlines()[-1].startswith("packgate: opa refused the bundle:")
    assert "digest mismatch" in changed.stderr and len(changed.stderr.splitlines()) == 1
    unsigned = start_fails("--pack", str(local_pack), "--verification-key", str(pub))
    assert "bundle missing .signatures.json" in unsigned.stderr and len(unsigned.stderr.splitlines()) == 1


def test_a_bundle_built_from_other_pack_files_is_refused(local_pack: Path, keys, tmp_path: Path) -> None:
    priv, pub = keys
    bundle = tmp_path / "bundle"
    build(local_pack, bundle, priv)
    text = local_pack.read_text()
    assert "  version: 1.0.0\n" in text
    local_pack.write_text(text.replace("  version: 1.0.0\n", "  version: 1.0.1\n", 1))
    proc = start_fails("--pack", str(local_pack), "--bundle", str(bundle), "--verification-key", str(pub))
    assert f"{bundle / '.manifest'}:1:1: error: bundle was not built from these pack files" in proc.stderr


def test_health_is_degraded_with_the_error_position_while_the_last_good_bundle_serves(local_pack: Path,
                                                                                       tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    gw = GatewayProc.cli("--pack", str(local_pack), "--audit-db", str(db))
    try:
        good = wait_health(gw, "ok")
        text = local_pack.read_text()
        local_pack.write_text(text.replace("marker_format: label", "marker_format: stars", 1))
        degraded = wait_health(gw, "degraded")
        assert degraded["bundle_revision"] == good["bundle_revision"]
        line = next(i for i, s in enumerate(local_pack.read_text().splitlines(), 1) if "marker_format: stars" in s)
        assert any(e.startswith(f"{local_pack}:{line}:") and "marker_format" in e for e in degraded["errors"])
        local_pack.write_text(text)
        assert "errors" not in wait_health(gw, "ok")
    finally:
        gw.stop(signal.SIGTERM)
    rejected = [e for e in bundle_events(db) if e["verdict"] == "bundle_rejected"]
    assert rejected and any(f"{local_pack}:{line}:" in e for e in rejected[0]["bundle"]["errors"])
