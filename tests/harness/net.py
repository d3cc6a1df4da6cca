"""Loopback ports and readiness polling."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 15.0, method: str = "GET",
              ready: Callable[[int], bool] = lambda status: status == 200) -> None:
    """Poll `url` until its status satisfies `ready` (default: 200)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if ready(httpx.request(method, url, timeout=1.0).status_code):
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not come up")
        time.sleep(0.05)
