"""A gateway in its own process, with its output collected: `packgate gateway run` as an operator runs
it (`GatewayProc.cli`), or the test server `tests.harness.serve` in front of an OPA and a stand-in the
test controls (`GatewayProc.serve`). Either way the process says `listening on URL` when it serves.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import httpx

from .net import ROOT, wait_http

PACKGATE = [sys.executable, "-m", "packgate"]


class Output:
    """One output stream of a child: a pipe drained by a thread (so the child never blocks on a full
    pipe), or a file the child writes (bytes at rest that a test may scan)."""

    def __init__(self, stream: IO[str] | None = None, path: Path | None = None) -> None:
        self.path = path
        self._lines: list[str] = []
        self._thread: threading.Thread | None = None
        if stream is not None:
            self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
            self._thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._lines.append(line.rstrip("\n"))

    @property
    def lines(self) -> list[str]:
        if self.path is not None:
            return self.path.read_text(errors="replace").splitlines() if self.path.exists() else []
        return list(self._lines)

    def text(self) -> str:
        return "\n".join(self.lines)

    def closed(self) -> bool:
        """Nothing more will arrive (the pipe hit EOF); a file is never closed this way."""
        return self._thread is not None and not self._thread.is_alive()

    def wait_for(self, pattern: str, timeout: float = 30.0,
                 proc: subprocess.Popen[str] | None = None) -> re.Match[str]:
        """The first line matching `pattern`; fails at once if `proc` exited without printing it."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while True:
            exited = proc is not None and proc.poll() is not None and (self.path is not None or self.closed())
            for line in self.lines:
                m = rx.search(line)
                if m:
                    return m
            if exited or time.monotonic() > deadline:
                raise AssertionError(f"no line matching {pattern!r} in:\n{self.text()}")
            time.sleep(0.05)


class GatewayProc:
    """A gateway child process; `url` once it listens, `opa_pid` when it embeds its own OPA."""

    def __init__(self, cmd: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path | None = None,
                 logs: Path | None = None, db: Path | None = None, timeout: float = 60.0) -> None:
        self.db = db
        full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
        if logs is None:
            self.proc = subprocess.Popen(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         stdin=subprocess.DEVNULL, text=True, env=full_env, cwd=cwd)
            self.out, self.err = Output(self.proc.stdout), Output(self.proc.stderr)
        else:
            logs.mkdir(parents=True, exist_ok=True)
            out_path, err_path = logs / "stdout.log", logs / "stderr.log"
            with open(out_path, "ab") as o, open(err_path, "ab") as e:
                self.proc = subprocess.Popen(list(cmd), stdout=o, stderr=e, stdin=subprocess.DEVNULL,
                                             env=full_env, cwd=cwd)
            self.out, self.err = Output(path=out_path), Output(path=err_path)
        try:
            self.url = self.out.wait_for(r"listening on (http://\S+)", timeout, self.proc).group(1)
        except AssertionError:
            self.stop()
            raise AssertionError(f"gateway did not start:\n{self.out.text()}\n{self.err.text()}") from None
        embedded = re.search(r"opa: embedded \(pid (\d+)\) at (\S+)", self.out.text())
        self.opa_pid = int(embedded.group(1)) if embedded else None
        self.opa_url = embedded.group(2) if embedded else None

    @classmethod
    def cli(cls, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            logs: Path | None = None) -> GatewayProc:
        """`packgate gateway run --port 0 ARGS` (embedded OPA unless ARGS has --opa-url)."""
        return cls([*PACKGATE, "gateway", "run", "--port", "0", *args], env=env, cwd=cwd, logs=logs)

    @classmethod
    def serve(cls, work: Path, opa_url: str, standin_url: str, packs: Sequence[Path], *,
              env: dict[str, str] | None = None, opa_timeout: float | None = None,
              fast_audit: bool = True, args: Sequence[str] = ()) -> GatewayProc:
        """`tests.harness.serve`: the packs against `opa_url`, every target sent to `standin_url`, a
        real audit log in `work/audit.db`, output in `work/stdout.log` and `work/stderr.log`."""
        db = work / "audit.db"
        cmd = [sys.executable, "-m", "tests.harness.serve", "--port", "0", "--opa-url", opa_url,
               "--standin-url", standin_url, "--audit-db", str(db)]
        if opa_timeout is not None:  # default: the gateway's own (1 s)
            cmd += ["--opa-timeout", str(opa_timeout)]
        if fast_audit:
            cmd.append("--fast-audit")
        for p in packs:
            cmd += ["--pack", str(p)]
        cmd += list(args)
        gw = cls(cmd, env=env, cwd=ROOT, logs=work, db=db)
        wait_http(f"{gw.url}/health", 30)
        return gw

    @property
    def pid(self) -> int:
        return self.proc.pid

    def client(self, **kw: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10.0, **kw)  # type: ignore[arg-type]

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def fds(self) -> int:
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def disk_full(self) -> None:
        """`serve` only: the file-size quota drops to 4 KiB; every audit write now fails with EFBIG."""
        os.kill(self.pid, signal.SIGUSR1)

    def disk_freed(self) -> None:
        os.kill(self.pid, signal.SIGUSR2)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Signal the gateway and wait for it (killed after 20 s); its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                return self.proc.wait(20)
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
