"""`packgate build --sign`: OPA's own `.signatures.json` over every bundle file, the record of approval
in the manifest, and a revision that signing and approval do not change. Keys are made per test."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from packgate.compiler.signing import sign_bundle, signature_claims
from packgate.runtime.opa.bundle_server import tar_bundle

from .conftest import SEED, packgate, tool


def write_key(path: Path, key: object) -> Path:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,  # type: ignore[attr-defined]
                                       serialization.NoEncryption()))
    return path


def write_public(path: Path, key: object) -> Path:
    path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,  # type: ignore[attr-defined]
                                                   serialization.PublicFormat.SubjectPublicKeyInfo))
    return path


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def payload(bundle: Path) -> tuple[dict, dict]:
    token = json.loads((bundle / ".signatures.json").read_text())["signatures"][0]
    header, body, _ = token.split(".")
    decode = lambda part: json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))  # noqa: E731
    return decode(header), decode(body)


def test_signed_build_covers_every_file_and_records_signer_and_approval(tmp_path, rsa_key):
    key = write_key(tmp_path / "signing.pem", rsa_key)
    out = tmp_path / "bundle"
    proc = packgate("build", str(SEED), "-o", str(out), "--sign", str(key), "--key-id", "ci-2026",
                    "--approved-by", "Dr. Amara Osei", "--ticket", "CHG-4211")
    assert proc.returncode == 0, proc.stderr
    assert "signed" in proc.stdout and "ci-2026" in proc.stdout
    header, claims = payload(out)
    assert header["alg"] == "RS256" and claims["keyid"] == "ci-2026"
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != ".signatures.json")
    assert sorted(f["name"] for f in claims["files"]) == files
    for entry in claims["files"]:  # OPA hashes JSON files (.manifest, data.json) in a canonical form
        if not entry["name"].endswith((".json", ".manifest")):
            assert entry["hash"] == hashlib.sha256((out / entry["name"]).read_bytes()).hexdigest()
    meta = json.loads((out / ".manifest").read_text())["metadata"]
    assert meta["approval"] == {"approved_by": "Dr. Amara Osei", "ticket": "CHG-4211"}
    assert meta["signing"] == {"key_id": "ci-2026"}
    pack = meta["packs"]["behavioral-health-review-route"]
    assert pack["source_sha256"] == hashlib.sha256(SEED.read_bytes()).hexdigest()


def test_signing_and_approval_leave_the_revision_and_rsa_signatures_stable(tmp_path, rsa_key):
    key = write_key(tmp_path / "signing.pem", rsa_key)
    plain, a, b = tmp_path / "plain", tmp_path / "a", tmp_path / "b"
    assert packgate("build", str(SEED), "-o", str(plain)).returncode == 0
    for out in (a, b):
        assert packgate("build", str(SEED), "-o", str(out), "--sign", str(key), "--approved-by", "x").returncode == 0
    revision = lambda d: json.loads((d / ".manifest").read_text())["revision"]  # noqa: E731
    assert revision(plain) == revision(a) == revision(b)
    assert (a / ".signatures.json").read_bytes() == (b / ".signatures.json").read_bytes()


def test_opa_verifies_the_signature_and_refuses_a_changed_byte(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    priv, pub = write_key(tmp_path / "ec.pem", key), write_public(tmp_path / "ec.pub", key)
    out = tmp_path / "bundle"
    assert packgate("build", str(SEED), "-o", str(out), "--tar", "--sign", str(priv)).returncode == 0
    assert payload(out)[0]["alg"] == "ES256"
    tarball = tmp_path / "bundle.tar.gz"
    # `opa build` re-verifies a signed bundle with the same verification code as `opa run`.
    ok = subprocess.run([tool("opa"), "build", "--bundle", str(tarball), "--verification-key", str(pub), "--signing-alg", "ES256",
                         "-o", str(tmp_path / "re.tar.gz")], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    rego = next(out.rglob("main.rego"))
    rego.write_text(rego.read_text().replace("package ", "package  ", 1))
    tarball.write_bytes(tar_bundle(out))  # the changed file, the old signature
    bad = subprocess.run([tool("opa"), "build", "--bundle", str(tarball), "--verification-key", str(pub), "--signing-alg", "ES256",
                          "-o", str(tmp_path / "re2.tar.gz")], capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "digest mismatch" in bad.stdout + bad.stderr


def test_a_public_key_or_junk_is_refused_before_anything_is_written(tmp_path, rsa_key):
    pub = write_public(tmp_path / "pub.pem", rsa_key)
    out = tmp_path / "bundle"
    proc = packgate("build", str(SEED), "-o", str(out), "--sign", str(pub))
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"{pub}:1:1: error: not an unencrypted PEM private key")
    assert not out.exists()
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key\n")
    assert packgate("build", str(SEED), "-o", str(out), "--sign", str(junk)).returncode == 1
    assert not out.exists()


def test_sign_bundle_is_the_api_other_commands_call(tmp_path, rsa_key):
    key = write_key(tmp_path / "k.pem", rsa_key)
    out = tmp_path / "bundle"
    assert packgate("build", str(SEED), "-o", str(out)).returncode == 0
    signed = sign_bundle(out, key, key_id="fleet-1")
    assert signed.path == out / ".signatures.json" and signed.algorithm == "RS256"
    assert signature_claims(out)["keyid"] == "fleet-1"
    again = sign_bundle(out, key, key_id="fleet-2")  # re-signing replaces, never signs the old signature
    assert "'.signatures.json'" not in str([f["name"] for f in signature_claims(out)["files"]])
    assert again.key_id == "fleet-2"
