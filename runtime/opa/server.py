"""The OPA server the gateway asks: an embedded child process, or one the operator runs.

The embedded OPA listens on a free loopback port (health, revision checks, operators) and on a Unix
domain socket in its run dir (`decision_url`: the gateway's decisions, no TCP stack on the hop), and pulls its one bundle (named `packgate`) from the
gateway's in-process `BundleServer` (see `bundle_server.py` for why). It never outlives the gateway:
it runs in its own process group (so a terminal's Ctrl-C reaches the gateway first, which drains and
then stops OPA), and with `PR_SET_PDEATHSIG` so the kernel kills it if the gateway dies abruptly.
OPA writes its logs (JSON lines) to stderr; a reader thread keeps a tail for error messages, echoes
decision logs to our stdout when asked, and notes bundle activation errors.
"""

from __future__ import annotations

import collections
import ctypes
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import httpx

from packgate.compiler.toolchain import REPO_ROOT, find_tool

log = logging.getLogger("packgate.opa")

BUNDLE_NAME = "packgate"
_PR_SET_PDEATHSIG = 1

# Go's garbage collector for the embedded OPA: a collection when the heap has grown 400% instead of Go's
# default 100%. Much of OPA's CPU per decision is allocation and collection; `python -m bench.gateway.opa_gc`
# (the bench bundle, one OPA per setting, interleaved; four runs): OPA CPU per decision at c=32 -26% to -28%
# (`make bench`: 0.544 -> 0.402 ms), c=1 latency p50 unchanged, peak RSS 78 -> 129 MiB; GOGC=200 gave -20%,
# 800 -35% for 202 MiB. A GOGC the gateway's own environment sets wins; an operator's OPA (`--opa-url`) is
# theirs to tune.
EMBEDDED_GO_GC = {"GOGC": "400"}


# The embedded OPA's logging flags. Decision logs are info lines. `--log-level-request` is the level OPA
# *emits* its HTTP access logs at, so at `error` an info-level OPA writes "Received request." and "Sent
# response." for every decision too. Kept on purpose: at `debug` OPA drops them but also drops `req_id` and
# `requested_by` from every logged decision, which changes what the decision log records (a governance
# change; `python -m bench.gateway.opa_declog` measured it: OPA CPU per decision 0 to -12%).
LOG_FLAGS = ("--log-format", "json", "--log-level", "info", "--log-level-request", "error")

_CHUNK = 1 << 16  # bytes of OPA's output read at once (a pipe holds 64 KiB)
_DECISION = b'"msg":"Decision Log"'
# OPA's access log lines (two per decision at `LOG_FLAGS`' request level): neither decisions nor errors
_ACCESS = (b'"msg":"Received request."', b'"msg":"Sent response."')


class OpaError(RuntimeError):
    """OPA could not be found, started or reached; the message is one line for the user."""


def find_opa(repo_root: Path = REPO_ROOT) -> Path:
    """The pinned `opa` (`.tools/bin/opa` in the repo), else one on PATH."""
    found = find_tool("opa", repo_root)
    if found is None:
        raise OpaError(f"opa binary not found ({repo_root / '.tools' / 'bin' / 'opa'} or PATH): run make setup")
    return found


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def opa_config(bundle_url: str, token: str, *, decision_log: bool,
               verification: dict[str, Any] | None = None) -> dict[str, Any]:
    """The embedded OPA's configuration (also written to its run dir for operators to read).

    Decision logging is always on, so every answer carries OPA's `decision_id` (the audit event and
    the client's response quote it); the console sink is read by `EmbeddedOpa` (kept in the run dir's
    `opa-decisions.log`, echoed to stdout when asked), never uploaded. `system.log.mask` (shipped in
    the bundle by the compiler) erases prompt/output text from every logged decision.
    """
    cfg: dict[str, Any] = {
        "services": {"gateway": {"url": bundle_url, "credentials": {"bearer": {"token": token}}}},
        "bundles": {
            BUNDLE_NAME: {
                "service": "gateway",
                "resource": "bundle.tar.gz",
                # Long polling makes a reload visible at once; the delays are only the fallback.
                "polling": {"long_polling_timeout_seconds": 10, "min_delay_seconds": 1,
                            "max_delay_seconds": 2},
            }
        },
    }
    # Console only: with a `decision_logs` section but no console, OPA would upload decisions to its
    # only service (our bundle server). `mask_decision` is OPA's default, stated for readers.
    # `decision_log` only chooses whether the reader echoes them to stdout (see EmbeddedOpa).
    cfg["decision_logs"] = {"console": True, "mask_decision": "/system/log/mask"}
    if verification is not None:
        # `signing.verification_config`: OPA itself refuses an unsigned or changed bundle, at start
        # and at every download, and keeps the bundle it has.
        cfg["keys"] = verification["keys"]
        cfg["bundles"][BUNDLE_NAME]["signing"] = verification["signing"]
    return cfg


def embedded_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The embedded OPA's environment: the gateway's (`os.environ`), with `EMBEDDED_GO_GC` where it sets none."""
    return {**EMBEDDED_GO_GC, **(os.environ if environ is None else environ)}


def _pdeathsig() -> Callable[[], None]:
    """A preexec_fn: the child gets SIGKILL when its parent thread dies (Linux only)."""
    parent = os.getpid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):  # not Linux: the process group still lets us clean up
        return lambda: None

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died between fork and prctl
            os._exit(1)

    return preexec


class EmbeddedOpa:
    """`opa run --server` as a child process that pulls its bundle from `bundle_url`.

    Start it from the main thread: PR_SET_PDEATHSIG fires when the *thread* that forked it exits.
    """

    def __init__(self, bundle_url: str, token: str, *, decision_log: bool = False,
                 opa_binary: Path | None = None, run_dir: Path | None = None,
                 decision_log_stream: TextIO | None = None,
                 verification: dict[str, Any] | None = None) -> None:
        self.binary = opa_binary or find_opa()
        self.decision_log = decision_log
        self.run_dir = run_dir or Path(tempfile.mkdtemp(prefix="packgate-opa-"))
        self.config_path = self.run_dir / "opa-config.json"
        self.socket_path = self.run_dir / "opa.sock"  # OPA's Unix domain socket, mode 600
        if len(str(self.socket_path)) > 100:  # sun_path holds 108 bytes
            self.socket_path = Path(tempfile.mkdtemp(prefix="packgate-opa-")) / "opa.sock"
        self._cfg = opa_config(bundle_url, token, decision_log=decision_log, verification=verification)
        self._out = decision_log_stream or sys.stdout
        self._tail: collections.deque[str] = collections.deque(maxlen=40)
        self._bundle_errors: collections.deque[str] = collections.deque(maxlen=20)
        self.bundle_error_count = 0  # grows with every bundle error OPA logs (a reload watches it)
        self.proc: subprocess.Popen[bytes] | None = None
        self._stopping = False
        self._healthy = False
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def decision_url(self) -> str:
        """Where the gateway asks for decisions: the Unix socket."""
        return f"unix://{self.socket_path}"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = 20.0) -> EmbeddedOpa:
        """Start OPA and wait until its bundle is active; OpaError (one line) otherwise."""
        fd = os.open(self.config_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:  # holds the bundle service token: owner-only
            json.dump(self._cfg, fh, indent=2)
        for attempt in range(3):  # the free port may be taken between our probe and OPA's bind
            self.port = free_port()
            self._spawn()
            try:
                seen = self.bundle_error_count
                wait_healthy(self.url, timeout=timeout, bundles=True, proc=self.proc,
                             stderr_tail=self.stderr_tail,
                             refused=lambda seen=seen: self._refusal(seen))
                self._healthy = True
                return self
            except OpaError:
                port_taken = any("address already in use" in line for line in self._tail)
                self.stop()
                if not port_taken or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _spawn(self) -> None:
        args = [
            str(self.binary), "run", "--server", "--addr", f"127.0.0.1:{self.port}",
            "--addr", f"unix://{self.socket_path}", "--unix-socket-perm", "600",
            "--config-file", str(self.config_path), *LOG_FLAGS, "--skip-version-check",
            "--shutdown-grace-period", "1",
        ]
        self._tail.clear()
        self._stopping = False
        self.proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            cwd=self.run_dir, env=embedded_env(), process_group=0, preexec_fn=_pdeathsig(), close_fds=True,
        )
        threading.Thread(target=self._read_logs, args=(self.proc,), name="packgate-opa-log",
                         daemon=True).start()

    def _read_logs(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        self._read_lines(proc)
        code = proc.wait()
        if not self._stopping and self.proc is proc and self._healthy:
            # No restart on purpose: every request now fails closed (503) and /health says so.
            log.error("embedded OPA exited (status %s); requests fail closed with 503 until the "
                      "gateway is restarted", code)

    def _read_lines(self, proc: subprocess.Popen[bytes]) -> None:
        """OPA's output as it comes, a chunk at a time: its decisions kept with one file write per chunk
        (this thread shares the gateway's GIL with every request), any other line parsed for the tail."""
        assert proc.stdout is not None
        rest = b""
        while chunk := proc.stdout.read1(_CHUNK):
            *lines, rest = (rest + chunk).split(b"\n")
            self._take(lines)
        self._take([rest])

    def _take(self, lines: list[bytes]) -> None:
        decisions = []
        for raw in lines:
            # OPA writes each decision's line with this top-level pair and no spaces; a line only parsed
            # as JSON can still be a decision (`_other`), so a format change costs speed, not decisions
            if _DECISION in raw:
                decisions.append(raw.decode("utf-8", "replace").rstrip())
            elif _ACCESS[0] in raw or _ACCESS[1] in raw:
                continue
            elif (line := raw.decode("utf-8", "replace").rstrip()) and self._other(line):
                decisions.append(line)
        if decisions:
            self._keep_decisions(decisions)

    def _other(self, line: str) -> bool:
        """A line that is not plainly a decision: True if it is one after all, else noted for the tail."""
        try:
            entry = json.loads(line)
        except ValueError:
            entry = {"msg": line}
        if not isinstance(entry, dict):
            entry = {"msg": line}
        msg = str(entry.get("msg", ""))
        if msg == "Decision Log":
            return True
        if entry.get("level") in ("info", "debug"):
            return False
        self._tail.append(msg + (f": {entry['err']}" if "err" in entry else ""))
        if "bundle" in msg.lower() and entry.get("level") == "error" and not self._stopping:
            detail = _bundle_error(entry, msg)
            if self._healthy and (not self._bundle_errors or self._bundle_errors[-1] != detail):
                log.error("opa: %s", detail)  # OPA retries; at start the refusal is start()'s error
            self._bundle_errors.append(detail)
            self.bundle_error_count += 1
        return False

    @property
    def decisions_path(self) -> Path:
        """The masked decision log of this OPA (one JSON line per decision, with its `decision_id`)."""
        return self.run_dir / "opa-decisions.log"

    def _keep_decisions(self, lines: list[str]) -> None:
        text = "".join(line + "\n" for line in lines)
        try:
            with open(self.decisions_path, "a", encoding="utf-8") as f:
                f.write(text)
        except OSError as exc:
            log.warning("opa decision log not kept: %s", exc)
        if self.decision_log:
            self._out.write(text)
            self._out.flush()

    def stderr_tail(self, n: int = 5) -> str:
        return " | ".join(list(self._tail)[-n:]) or "no output"

    def bundle_errors(self) -> list[str]:
        return list(self._bundle_errors)

    def _refusal(self, seen: int) -> str | None:
        """OPA's reason for refusing the bundle at start (a signature it cannot verify), or None."""
        last = self._bundle_errors[-1] if self._bundle_errors else ""
        if self.bundle_error_count > seen and re.search(r"signature|digest mismatch|verif", last):
            return f"opa refused the bundle: {self._bundle_errors[-1]}"
        return None

    def stop(self, grace: float = 3.0) -> None:
        """Terminate the process group, then kill it; safe to call twice."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        self._stopping = True  # OPA's "context canceled" complaints on the way down are expected
        if proc.poll() is None:
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait(grace)

    def __enter__(self) -> EmbeddedOpa:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _bundle_error(entry: dict[str, Any], msg: str) -> str:
    """One line from OPA's bundle error log entry: its message, and the cause when OPA gives one."""
    err = entry.get("err") or entry.get("error")
    return f"{msg}: {err}" if isinstance(err, str) and err and err not in msg else msg


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)  # process_group=0 made OPA the leader of group `pid`
    except ProcessLookupError:
        pass


def wait_healthy(url: str, *, timeout: float = 20.0, bundles: bool = True,
                 proc: subprocess.Popen[bytes] | None = None,
                 stderr_tail: Callable[[], str] | None = None,
                 refused: Callable[[], str | None] | None = None) -> None:
    """Poll `GET /health[?bundles]` until 200; OpaError with OPA's last words otherwise.

    `refused` names a reason to stop waiting at once (OPA will not activate this bundle).
    """
    health = f"{url.rstrip('/')}/health" + ("?bundles" if bundles else "")
    deadline = time.monotonic() + timeout
    last = "no answer"
    with httpx.Client(timeout=1.0) as client:
        while True:
            if proc is not None and proc.poll() is not None:
                tail = stderr_tail() if stderr_tail else ""
                raise OpaError(f"opa exited with status {proc.returncode} during start-up: {tail}")
            reason = refused() if refused is not None else None
            if reason is not None:
                raise OpaError(reason)
            try:
                r = client.get(health)
                if r.status_code == 200:
                    return
                last = f"HTTP {r.status_code}"
            except httpx.HTTPError as exc:
                last = type(exc).__name__
            if time.monotonic() > deadline:
                tail = f"; opa says: {stderr_tail()}" if stderr_tail else ""
                raise OpaError(f"opa at {url} not healthy after {timeout:.0f}s ({last}){tail}")
            time.sleep(0.05)


def _http(url: str, timeout: float) -> tuple[httpx.Client, str]:
    """An httpx client and base URL for `url`, which may be `unix:///path` (OPA's `--addr unix://`)."""
    if url.startswith("unix://"):
        return httpx.Client(transport=httpx.HTTPTransport(uds=url[len("unix://"):]), timeout=timeout), "http://localhost"
    return httpx.Client(timeout=timeout), url.rstrip("/")


def active_revision(url: str, client: httpx.Client | None = None,
                    bundle: str = BUNDLE_NAME) -> str | None:
    """The revision of the bundle OPA has activated (from `data.system.bundles`), or None.

    OPA 1.x has no `/v1/status` without the status plugin; it does store each activated bundle's
    manifest under `data.system.bundles.<name>.manifest`, readable through the data API.
    """
    own, base = _http(url, 1.0) if client is None else (client, url.rstrip("/"))
    try:
        r = own.get(f"{base}/v1/data/system/bundles/{bundle}/manifest/revision")
        if r.status_code != 200:
            return None
        result = r.json().get("result")
        return result if isinstance(result, str) else None
    except (httpx.HTTPError, ValueError):
        return None
    finally:
        if client is None:
            own.close()


def active_etag(url: str, client: httpx.Client, bundle: str = BUNDLE_NAME) -> str | None:
    """The ETag of the download OPA activated last (`data.system.bundles.<name>.etag`), or None.

    Unlike the revision, it tells a re-signed or tampered copy of the same revision from the one
    before it (our bundle server gives every publish its own ETag).
    """
    try:
        r = client.get(f"{url.rstrip('/')}/v1/data/system/bundles/{bundle}/etag")
        result = r.json().get("result") if r.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None
    return result if isinstance(result, str) else None


def check_external(url: str, timeout: float = 2.0) -> str | None:
    """For `--opa-url`: None if OPA answers `/health`, else a one-line reason (we still serve: 503)."""
    client, base = _http(url, timeout)
    try:
        r = client.get(f"{base}/health")
    except httpx.HTTPError as exc:
        return f"OPA at {url} unreachable ({type(exc).__name__})"
    finally:
        client.close()
    return None if r.status_code == 200 else f"OPA at {url} unhealthy (HTTP {r.status_code})"
