"""Bundle-signing key pairs made per test (never committed): PEM private key and public key files."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa


def key_pair(directory: Path, name: str = "signing", *, ec_curve: ec.EllipticCurve | None = None) -> tuple[Path, Path]:
    """`<name>.pem` (PKCS#8, unencrypted; RSA 2048, or EC on `ec_curve`) and `<name>.pub` in `directory`."""
    key = ec.generate_private_key(ec_curve) if ec_curve is not None else rsa.generate_private_key(
        public_exponent=65537, key_size=2048)
    private, public = directory / f"{name}.pem", directory / f"{name}.pub"
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public
