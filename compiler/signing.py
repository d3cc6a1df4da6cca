"""Bundle signing with OPA's own tools: `.signatures.json` (OPA's JWT format) and its verification keys.

`sign_bundle` runs the pinned `opa sign` inside a bundle directory, so the signed file names are
bundle-relative (`.manifest`, `packgate/...`) exactly as OPA checks them when it activates the
bundle. The key decides the algorithm: an RSA private key signs RS256, an EC key ES256/ES384/ES512
by its curve. The key id travels as the JWT's `keyid` claim (the signer an activation event names).
RSA PKCS#1 v1.5 signatures are deterministic, so the same bundle and key give the same bytes; ECDSA
signatures are not (the bundle's revision is unaffected either way: it hashes the policy files).

`verification_config` is the matching half: the `keys` and bundle `signing` sections that make an
OPA (the embedded one, or the operator's through `opa/config.yaml`) refuse a bundle that is unsigned,
signed by another key or changed after signing. Verification is OPA's; Python only reads the claims
of a signature OPA already accepted (`signature_claims`), to record who signed what.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic, PackError
from .toolchain import find_tool

__all__ = ["DEFAULT_KEY_ID", "SIGNATURES", "Signature", "key_algorithm", "sign_bundle",
           "signature_claims", "verification_config"]

SIGNATURES = ".signatures.json"
DEFAULT_KEY_ID = "packgate"
_KEY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")
_EC_ALGORITHMS = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}


@dataclass(frozen=True)
class Signature:
    """What `sign_bundle` wrote: the `.signatures.json` path, the key id and the algorithm."""

    path: Path
    key_id: str
    algorithm: str


def _error(where: Path | str, message: str) -> PackError:
    return PackError([Diagnostic(str(where), 1, 1, "error", message)])


def key_algorithm(key_path: str | Path, *, private: bool) -> str:
    """The JWT algorithm for a PEM key (RS256, or ES256/384/512 by curve); PackError otherwise."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key

    path = Path(key_path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _error(path, f"cannot read key: {exc.strerror or exc}") from None
    try:
        key: Any = load_pem_private_key(data, password=None) if private else load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        kind = "an unencrypted PEM private key" if private else "a PEM public key"
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise _error(path, f"not {kind} (RSA or EC): {reason}") from None
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        if key.key_size < 2048:
            raise _error(path, f"RSA key of {key.key_size} bits; use 2048 or more")
        return "RS256"
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        alg = _EC_ALGORITHMS.get(key.curve.name)
        if alg is None:
            raise _error(path, f"EC curve {key.curve.name} is not one OPA verifies (P-256, P-384, P-521)")
        return alg
    raise _error(path, f"{type(key).__name__} keys are not supported; use RSA or EC (P-256/384/521)")


def _check_key_id(key_id: str) -> str:
    if not _KEY_ID.match(key_id):
        raise _error("<args>", f"key id {key_id!r}: letters, digits and . _ : @ - only (at most 128)")
    return key_id


def sign_bundle(bundle_dir: str | Path, key_path: str | Path, *, key_id: str = DEFAULT_KEY_ID,
                opa: str | Path | None = None) -> Signature:
    """Sign a bundle directory in place with `opa sign`: writes `<bundle_dir>/.signatures.json`.

    Raises PackError (one `file:1:1: error: ...` line) for an unreadable or unsuitable key, a
    directory that is not a bundle, or `opa sign` failing. An existing signature is replaced.
    """
    bundle = Path(bundle_dir)
    if not (bundle / ".manifest").is_file():
        raise _error(bundle, "not a bundle directory (no .manifest); build it with `packgate build`")
    _check_key_id(key_id)
    key = Path(key_path).resolve()
    algorithm = key_algorithm(key, private=True)
    binary = opa or find_tool("opa")
    if binary is None:
        raise _error(bundle, "opa not found; run `make setup` (builds the pinned opa into .tools/bin)")
    out = bundle / SIGNATURES
    out.unlink(missing_ok=True)  # never sign the old signature file into the new one
    fd, claims = tempfile.mkstemp(prefix="packgate-claims-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump({"keyid": key_id}, fh)
        proc = subprocess.run(
            [str(binary), "sign", "--bundle", ".", "--signing-key", str(key), "--signing-alg", algorithm,
             "--claims-file", claims, "--output-file-path", "."],
            cwd=bundle, capture_output=True, text=True, check=False)
    finally:
        os.unlink(claims)
    if proc.returncode != 0 or not out.is_file():
        reason = (proc.stderr or proc.stdout).strip().splitlines()
        raise _error(bundle, f"opa sign failed: {reason[-1] if reason else f'exit {proc.returncode}'}")
    return Signature(out, key_id, algorithm)


def signature_claims(bundle_dir: str | Path) -> dict[str, Any] | None:
    """The claims of a bundle's signature (`keyid`, `files`), or None if it has none or it is unreadable.

    Not a verification: call it for a bundle OPA has accepted, to record its signer.
    """
    try:
        doc = json.loads((Path(bundle_dir) / SIGNATURES).read_text(encoding="utf-8"))
        token = doc["signatures"][0]
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None
    return claims if isinstance(claims, dict) else None


def verification_config(public_key_path: str | Path, *, key_id: str = DEFAULT_KEY_ID) -> dict[str, Any]:
    """OPA config for verifying bundles: `{"keys": {...}, "signing": {...}}`.

    Put `keys` at the top level of OPA's configuration and `signing` into the bundle's section. The
    `keyid` pins the key: OPA ignores the key id a bundle claims, so another key's signature fails.
    """
    _check_key_id(key_id)
    path = Path(public_key_path)
    algorithm = key_algorithm(path, private=False)
    pem = path.read_text(encoding="ascii").strip() + "\n"
    return {"keys": {key_id: {"algorithm": algorithm, "key": pem}}, "signing": {"keyid": key_id}}
