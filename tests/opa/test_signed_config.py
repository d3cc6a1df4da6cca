"""`opa/config.yaml` for `--opa-url` deployments: with its signing sections uncommented and the public
key pasted in, the operator's own OPA activates a bundle from `packgate build --sign` and refuses the
same bundle with one byte changed."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from packgate.runtime.opa.bundle_server import BundleServer

from tests.harness import OPA_BIN, ROOT, SEED_PACK, free_port, run_cli


def operator_config(public_pem: str) -> str:
    """opa/config.yaml as the comments in it say to edit it for signed bundles."""
    out, in_keys = [], False
    for line in (ROOT / "opa" / "config.yaml").read_text().splitlines():
        in_keys = (in_keys or line.startswith("# keys:")) and bool(line.strip())  # to the blank line
        if line.startswith("    # signing:") or line.startswith("    #   keyid:"):
            out.append(line.replace("# ", "", 1).replace("gov-2026", "ci"))
        elif in_keys and line.startswith("#"):
            if "-----" in line or line.startswith("#       ("):
                continue
            text = line[2:].replace("gov-2026", "ci")
            out.append(text)
            if text.strip() == "key: |":
                out += ["      " + pem for pem in public_pem.strip().splitlines()]
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def bundle_active(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health?bundles", timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    return False


def test_operator_opa_with_the_documented_signing_config(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    priv = tmp_path / "signing.pem"
    priv.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    bundle = tmp_path / "bundle"
    assert run_cli("build", str(SEED_PACK), "-o", str(bundle), "--sign", str(priv), "--key-id", "ci").returncode == 0
    config = tmp_path / "config.yaml"
    config.write_text(operator_config(public))
    assert "\nkeys:\n  ci:\n" in config.read_text() and "    signing:\n      keyid: ci" in config.read_text()

    def run_opa(published: Path) -> tuple[bool, str]:
        server = BundleServer().start()
        server.publish(published, "r")
        port = free_port()
        log = tmp_path / f"opa-{port}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen([OPA_BIN, "run", "--server", "--addr", f"127.0.0.1:{port}", "--config-file",
                                     str(config), "--log-level", "error"], stdout=out, stderr=out,
                                    env={**os.environ, "BUNDLE_SERVICE_URL": server.url, "BUNDLE_TOKEN": server.token})
        try:
            return bundle_active(f"http://127.0.0.1:{port}", 8.0), log.read_text()
        finally:
            proc.kill()
            proc.wait(10)
            server.close()

    active, _ = run_opa(bundle)
    assert active
    rego = next(bundle.rglob("main.rego"))
    rego.write_text(rego.read_text().replace("package ", "package  ", 1))
    active, log = run_opa(bundle)
    assert not active and "digest mismatch" in log
