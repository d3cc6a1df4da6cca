"""A real `opa run --server` child on a fixed loopback port (stop, then start again on the same port)."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .net import ROOT, free_port, wait_http

OPA_BIN = os.environ.get("PACKGATE_OPA", str(ROOT / ".tools" / "bin" / "opa"))


@dataclass
class OpaProcess:
    """`opa run --server` on `port`; `stop()` then `start()` reuses the port (clients keep their URL)."""

    path: Path
    port: int
    bundle: bool = True
    log_path: Path | None = None
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

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
