"""Real processes for gateway tests: an `opa run --server` child and free loopback ports."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
OPA_BIN = os.environ.get("PACKGATE_OPA", str(ROOT / ".tools" / "bin" / "opa"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


@dataclass
class OpaProcess:
    """`opa run --server` on a fixed loopback port; `stop()` then `start()` reuses the port."""

    path: Path
    port: int
    bundle: bool = True
    log_path: Path | None = None
    proc: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> OpaProcess:
        cmd = [OPA_BIN, "run", "--server", "--addr", f"127.0.0.1:{self.port}",
               "--set", "decision_logs.console=true", "--log-level", "error"]
        cmd += ["--bundle", str(self.path)] if self.bundle else [str(self.path)]
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        wait_http(f"{self.url}/health?bundles=true" if self.bundle else f"{self.url}/health")
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None


def start_opa(path: Path, *, bundle: bool = False, port: int | None = None,
              log_path: Path | None = None) -> OpaProcess:
    return OpaProcess(Path(path), port or free_port(), bundle, log_path).start()
