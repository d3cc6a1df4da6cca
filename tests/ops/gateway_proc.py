"""`packgate gateway run` as a real subprocess, with its output collected line by line."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

PACKGATE = [sys.executable, "-m", "packgate"]


class Lines:
    """Collects a pipe's lines in a thread so the child never blocks on a full pipe."""

    def __init__(self, stream) -> None:
        self.lines: list[str] = []
        self._t = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._t.start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))

    def text(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while time.monotonic() < deadline:
            for line in list(self.lines):
                m = rx.search(line)
                if m:
                    return m
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r} in:\n{self.text()}")


class GatewayProc:
    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [*PACKGATE, "gateway", "run", "--port", "0", *args], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})
        self.out = Lines(self.proc.stdout)
        self.err = Lines(self.proc.stderr)
        try:
            m = self.out.wait_for(r"listening on (http://\S+)")
        except AssertionError:
            self.stop()
            raise AssertionError(f"gateway did not start:\n{self.out.text()}\n{self.err.text()}") from None
        self.url = m.group(1)
        pid = re.search(r"opa: embedded \(pid (\d+)\) at (\S+)", self.out.text())
        self.opa_pid = int(pid.group(1)) if pid else None
        self.opa_url = pid.group(2) if pid else None

    def client(self, **kw) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10.0, **kw)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                return self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        return self.proc.wait(5)


def gone(pid: int, timeout: float = 5.0) -> bool:
    """True once `pid` no longer runs (a zombie counts as gone)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False
