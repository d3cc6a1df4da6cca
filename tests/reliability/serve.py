"""A gateway in its own process, for the reliability suites: `python -m tests.reliability.serve ARGS`.

It is the app `tests/gateway/conftest.py` builds (same packs, real OPA, real SQLite audit, the stand-in
as every target), but out of the test process, so its RSS and file descriptors can be measured, a
file-size quota (RLIMIT_FSIZE) can be put on it with `prlimit`, and its stderr captured to a file.
SIGXFSZ is ignored so a full "disk" is an EFBIG write error, as on a real quota, not a dead process.
"""

from __future__ import annotations

import argparse
import logging
import resource
import signal
import socket
import sys
import tempfile

import uvicorn

from packgate.compiler.build import build_bundle
from packgate.runtime.gateway.app import create_app
from packgate.runtime.audit import AuditLog
from packgate.runtime.gateway.config import GatewayConfig, Route
from packgate.runtime.process.transport import uvicorn_config


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--pack", action="append", required=True)
    p.add_argument("--opa-url", required=True)
    p.add_argument("--standin-url", required=True)
    p.add_argument("--audit-db", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--opa-timeout", type=float, default=0.5)
    p.add_argument("--nofile", type=int, default=0, help="RLIMIT_NOFILE soft limit (the fd limit a flood meets)")
    p.add_argument("--max-active", type=int, default=GatewayConfig.max_active_requests)
    p.add_argument("--max-queued", type=int, default=GatewayConfig.max_queued_requests)
    args = p.parse_args()
    if args.nofile:
        resource.setrlimit(resource.RLIMIT_NOFILE, (args.nofile, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    # SIGUSR1: the "disk" fills (4 KiB file-size quota); SIGUSR2: space returns
    signal.signal(signal.SIGUSR1, lambda *_: resource.setrlimit(resource.RLIMIT_FSIZE, (4096, hard)))
    signal.signal(signal.SIGUSR2, lambda *_: resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard)))
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="packgate: %(name)s: %(message)s")
    with tempfile.TemporaryDirectory() as tmp:
        built = build_bundle(args.pack, f"{tmp}/bundle")
    audit = AuditLog.open(args.audit_db, busy_ms=50, retry_max_s=0.1)
    config = GatewayConfig(routes=[Route.from_built(b) for b in built.packs], opa_url=args.opa_url,
                           bundle_revision=built.revision, audit=audit, opa_timeout_s=args.opa_timeout,
                           standin_url=args.standin_url, max_body_bytes=1024 * 1024,
                           max_active_requests=args.max_active, max_queued_requests=args.max_queued)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    with open(args.port_file, "w") as f:
        f.write(str(sock.getsockname()[1]))
    # the production transport (header, connection and timeout limits: runtime/process/transport.py)
    server = uvicorn.Server(uvicorn_config(create_app(config), lifespan="on", timeout_graceful_shutdown=5,
                                           backlog=1024, timeout_keep_alive=30))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # the harness stops us with SIGINT, as Ctrl-C would
        pass
    finally:
        audit.close()


if __name__ == "__main__":
    main()
