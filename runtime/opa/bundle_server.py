"""A tiny bundle service inside the gateway process: the embedded OPA pulls its bundle from here.

Why a bundle service rather than `opa run --bundle DIR --watch`: OPA's file watcher reloads on every
filesystem event and can observe a half-written directory, while a bundle downloaded from a service
is parsed and compiled completely and then activated in one storage transaction — requests in flight
see the old policy or the new one, never a mix, and a bundle OPA rejects leaves the old one active.
OPA long-polls (`polling.long_polling_timeout_seconds`): it sends `If-None-Match: <etag>` and
`Prefer: wait=N`; we hold the request until a new bundle is published (or answer 304 after N
seconds), so a new bundle reaches OPA within milliseconds of `publish()` instead of a polling delay.
Long polling only stays on while we answer with `Content-Type: application/vnd.openpolicyagent.bundles`.

The server listens on loopback only and requires a random bearer token (passed to OPA in its config
file), so no other local process can make OPA load something else through it. `packgate bundle serve`
runs the same server on its own, for a fleet: every replica's OPA long-polls it with a shared token.
"""

from __future__ import annotations

import gzip
import hmac
import io
import logging
import re
import secrets
import sys
import tarfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

log = logging.getLogger("packgate.opa")

BUNDLE_CONTENT_TYPE = "application/vnd.openpolicyagent.bundles"
RESOURCE = "bundle.tar.gz"
MAX_WAIT_S = 30.0


def tar_bundle(bundle_dir: Path) -> bytes:
    """A deterministic `bundle.tar.gz` of a bundle directory (same files -> same bytes)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(p for p in bundle_dir.rglob("*") if p.is_file()):
            rel = path.relative_to(bundle_dir).as_posix()
            data = path.read_bytes()
            info = tarfile.TarInfo("/" + rel)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), compresslevel=6, mtime=0)


@dataclass(frozen=True)
class Published:
    etag: str
    revision: str
    body: bytes


class _QuietServer(ThreadingHTTPServer):
    """A client gone mid-request (OPA killed while the gateway refuses to start, or a long poll
    dropped) is routine: one debug line, never socketserver's traceback on the gateway's stderr."""

    def handle_error(self, request: object, client_address: object) -> None:
        kind = sys.exc_info()[0]
        log.debug("bundle server: request from %s failed (%s)", client_address, kind.__name__ if kind else "?")


class BundleServer:
    """Serves the one current bundle with an ETag; `publish` swaps it and wakes long-polling OPA."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, token: str | None = None) -> None:
        self.token = token or secrets.token_urlsafe(24)  # `packgate bundle serve`: the fleet's shared token
        self._cond = threading.Condition()
        self._current: Published | None = None
        self._serial = 0
        self._closed = False
        self._httpd = _QuietServer((host, port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="packgate-bundles",
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def current(self) -> Published | None:
        return self._current

    def start(self) -> BundleServer:
        self._thread.start()
        return self

    def publish(self, bundle_dir: Path, revision: str) -> Published:
        """Make `bundle_dir` the bundle OPA downloads next (immediately, for a long poll)."""
        body = tar_bundle(bundle_dir)
        with self._cond:
            self._serial += 1
            # The serial keeps ETags distinct even when a rollback republishes an older revision.
            etag = f'"{re.sub(r"[^A-Za-z0-9._-]", "_", revision)[:64]}-{self._serial}"'
            self._current = Published(etag, revision, body)
            self._cond.notify_all()
        return self._current

    def wait_for_change(self, etag: str | None, timeout: float) -> Published | None:
        """Block until the current bundle's ETag differs from `etag` (or the timeout passes)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._closed:
                cur = self._current
                if cur is not None and cur.etag != etag:
                    return cur
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return cur
                self._cond.wait(remaining)
            return self._current

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._httpd.shutdown()
        self._httpd.server_close()


def _prefer_wait(header: str | None) -> float:
    match = re.search(r"wait=(\d+)", header or "")
    return min(float(match.group(1)), MAX_WAIT_S) if match else 0.0


def _handler_for(server: BundleServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server API
            if self.path.split("?")[0] != "/" + RESOURCE:
                return self._empty(404)
            given = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            if not hmac.compare_digest(given.encode(), server.token.encode()):
                return self._empty(401)
            etag = self.headers.get("If-None-Match")
            wait = _prefer_wait(self.headers.get("Prefer")) if etag else 0.0
            cur = server.wait_for_change(etag, wait) if wait else server.current
            if cur is None:
                return self._empty(404)
            if etag == cur.etag:
                return self._empty(304, cur.etag)
            self.send_response(200)
            self.send_header("Content-Type", BUNDLE_CONTENT_TYPE)
            self.send_header("ETag", cur.etag)
            self.send_header("Content-Length", str(len(cur.body)))
            self.end_headers()
            self.wfile.write(cur.body)

        def _empty(self, status: int, etag: str | None = None) -> None:
            self.send_response(status)
            if etag:  # a 304: OPA keeps long polling only if it still sees our content type
                self.send_header("ETag", etag)
                self.send_header("Content-Type", BUNDLE_CONTENT_TYPE)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
            return

    return Handler
