"""The urgent notification: a signed POST to the pack's `notify_url`, holding no message text.

Body (JSON): `{"type": "crisis_indicator", "priority": "urgent", "event_id", "route", "action",
"categories", "escalation_id", "ts"}`. Headers: `X-Packgate-Timestamp` (unix seconds) and
`X-Packgate-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` keyed with the secret in
the environment variable the pack names (`notify_secret_env`, default `PACKGATE_NOTIFY_SECRET`).

Sending never delays or changes the answer to the person in crisis: it runs as a background task
with a few retries; without a secret nothing unsigned is sent and the failure is logged (by event id
and category, never text) and counted.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import ssl
import time
from typing import Any

import httpx
import orjson

log = logging.getLogger("packgate.safeguards")

SIGNATURE_HEADER = "X-Packgate-Signature"
TIMESTAMP_HEADER = "X-Packgate-Timestamp"
DEFAULT_SECRET_ENV = "PACKGATE_NOTIFY_SECRET"


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class Notifier:
    """Sends urgent notifications in the background; `sent`/`failed` count outcomes."""

    def __init__(self, *, attempts: int = 3, timeout_s: float = 5.0) -> None:
        self.attempts, self.timeout_s = attempts, timeout_s
        self.sent = 0
        self.failed = 0
        self._tasks: set[asyncio.Task[None]] = set()

    def notify(self, url: str, secret_env: str | None, payload: dict[str, Any], ca_bundle: str | None = None) -> None:
        """Send in the background. An https:// receiver is verified like a target: the system trust
        store, or the pack's CA bundle."""
        task = asyncio.get_running_loop().create_task(
            self._send(url, secret_env or DEFAULT_SECRET_ENV, payload, ca_bundle))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, url: str, secret_env: str, payload: dict[str, Any], ca_bundle: str | None) -> None:
        secret = os.environ.get(secret_env, "")
        if not secret:
            self.failed += 1
            log.error("urgent notification for event %s not sent: %s is not set", payload.get("event_id"), secret_env)
            return
        body = orjson.dumps({**payload, "ts": int(time.time())})
        stamp = str(int(time.time()))
        headers = {"content-type": "application/json", TIMESTAMP_HEADER: stamp,
                   SIGNATURE_HEADER: sign(secret.encode(), stamp, body)}
        try:
            verify = ssl.create_default_context(cafile=ca_bundle) if ca_bundle else ssl.create_default_context()
        except (OSError, ssl.SSLError):
            self.failed += 1
            log.error("urgent notification for event %s not sent: the CA bundle cannot be read", payload.get("event_id"))
            return
        async with httpx.AsyncClient(timeout=self.timeout_s, verify=verify, trust_env=False) as client:
            for attempt in range(self.attempts):
                try:
                    r = await client.post(url, content=body, headers=headers)
                    if 200 <= r.status_code < 300:
                        self.sent += 1
                        return
                    reason = f"status {r.status_code}"
                except httpx.HTTPError as exc:
                    reason = type(exc).__name__
                await asyncio.sleep(0.2 * 2 ** attempt)
        self.failed += 1
        log.error("urgent notification for event %s failed after %d attempts: %s", payload.get("event_id"),
                  self.attempts, reason)

    async def drain(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
