"""Held review content at rest: AES-256-GCM under the operator's review key.

The key is 32 random bytes, base64-encoded, in ``PACKGATE_REVIEW_KEY`` or in the file named by
``PACKGATE_REVIEW_KEY_FILE``. Each sealed value binds the escalation id and the column it lives in
as associated data, so a ciphertext copied into another row or column does not open. Errors name the
setting, never the key.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_ENV = "PACKGATE_REVIEW_KEY"
KEY_FILE_ENV = "PACKGATE_REVIEW_KEY_FILE"
_VERSION = b"\x01"
_NONCE = 12


class ReviewKeyError(Exception):
    """The review key is missing or malformed (the message names the setting, never the key)."""


class SealError(Exception):
    """A sealed value does not open under this key (wrong key, or the value was altered)."""


class Sealer:
    """Seals and opens JSON values for one escalation column; holds the key only in memory."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ReviewKeyError("the review key must be 32 bytes (base64-encoded)")
        self._aead = AESGCM(key)

    def __repr__(self) -> str:  # never the key
        return "Sealer(AES-256-GCM)"

    def seal(self, esc_id: str, column: str, value: Any) -> bytes:
        nonce = os.urandom(_NONCE)
        aad = f"{esc_id}\x1f{column}".encode()
        return _VERSION + nonce + self._aead.encrypt(nonce, orjson.dumps(value), aad)

    def open(self, esc_id: str, column: str, blob: bytes) -> Any:
        if not blob or blob[:1] != _VERSION:
            raise SealError("sealed value has an unknown format")
        nonce, body = blob[1:1 + _NONCE], blob[1 + _NONCE:]
        try:
            return orjson.loads(self._aead.decrypt(nonce, body, f"{esc_id}\x1f{column}".encode()))
        except InvalidTag:
            raise SealError("sealed value does not open under the review key") from None


def _decode(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ReviewKeyError(f"{where} is not base64") from None
    if len(key) != 32:
        raise ReviewKeyError(f"{where} must decode to 32 bytes (got {len(key)})")
    return key


def load_sealer(env: dict[str, str] | None = None) -> Sealer | None:
    """The sealer for the configured key, None when no key is configured; ReviewKeyError when malformed."""
    env = os.environ if env is None else env  # type: ignore[assignment]
    text = env.get(KEY_ENV)
    if text:
        return Sealer(_decode(text, KEY_ENV))
    path = env.get(KEY_FILE_ENV)
    if path:
        try:
            content = Path(path).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise ReviewKeyError(f"{KEY_FILE_ENV}: cannot read the key file ({type(exc).__name__})") from None
        return Sealer(_decode(content, KEY_FILE_ENV))
    return None


def new_key() -> str:
    """A fresh key in the form ``PACKGATE_REVIEW_KEY`` takes."""
    return base64.b64encode(os.urandom(32)).decode()
