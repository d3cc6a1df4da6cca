"""The gateway for tests and `make bench`: `python -m tests.harness.serve --pack P --opa-url URL
--standin-url URL --audit-db PATH [--port N] [--workers N] [--opa-timeout S] [--fast-audit] [--python-detectors]`, or a fleet
replica: `--bundle-url URL` (embedded OPA pulling `packgate bundle serve`, the Supervisor as `gateway run`
assembles it, hot reload on) instead of `--opa-url`.

The packs' routes against an OPA the caller runs, every target sent to one stand-in URL, a real SQLite
audit log, uvicorn on uvloop + httptools as `gateway run` serves. It prints `listening on URL` once
bound. Out of the test process, so its RSS and file descriptors can be measured; SIGUSR1 puts a 4 KiB
file-size quota (RLIMIT_FSIZE) on it and SIGUSR2 lifts it, with SIGXFSZ ignored so a full "disk" is an
EFBIG write error, as on a real quota, not a dead process. `--workers N` runs the production
multi-worker path instead (the bench's scaling row).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import resource
import signal
import socket
import sys
import tempfile
from pathlib import Path

import uvicorn

from packgate.compiler.build import build_bundle
from packgate.runtime.audit import AuditLog
from packgate.runtime.gateway import GatewayConfig, Route, create_app
from packgate.runtime.process import (
    GatewayOptions,
    configure_logging,
    run_gateway,
    run_workers,
    terminate_on_sigterm,
)
from packgate.runtime.process.transport import uvicorn_config
from packgate.runtime.redaction import Engine


def _quota_signals() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    signal.signal(signal.SIGUSR1, lambda *_: resource.setrlimit(resource.RLIMIT_FSIZE, (4096, hard)))
    signal.signal(signal.SIGUSR2, lambda *_: resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard)))


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m tests.harness.serve")
    p.add_argument("--pack", action="append", required=True, type=Path)
    p.add_argument("--opa-url", default=None)
    p.add_argument("--bundle-url", default=None, help="a fleet replica: embedded OPA, bundles from here, hot reload")
    p.add_argument("--verification-key", type=Path, default=None, help="with --bundle-url: OPA verifies signatures")
    p.add_argument("--verification-key-id", default="packgate")
    p.add_argument("--standin-url", required=True)
    p.add_argument("--audit-db", required=True, help="a SQLite path or a postgresql:// URL")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--opa-timeout", type=float, default=None, help="default: the gateway's own")
    p.add_argument("--fast-audit", action="store_true", help="notice a failing audit store within 0.1 s")
    p.add_argument("--python-detectors", action="store_true",
                   help="detectors on the Python engine only (the Rust core's lever off, for make bench)")
    p.add_argument("--nofile", type=int, default=0, help="RLIMIT_NOFILE soft limit (the fd limit a flood meets)")
    p.add_argument("--max-active", type=int, default=GatewayConfig.max_active_requests)
    p.add_argument("--max-queued", type=int, default=GatewayConfig.max_queued_requests)
    args = p.parse_args()
    if args.nofile:
        resource.setrlimit(resource.RLIMIT_NOFILE, (args.nofile, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    configure_logging(False)
    logging.getLogger("packgate").setLevel(logging.ERROR)  # the stand-in warning on every start
    if args.bundle_url:  # the production replica path (Supervisor), targets sent to the stand-in
        (run_workers if args.workers > 1 else run_gateway)(GatewayOptions(packs=args.pack, port=args.port, bundle_url=args.bundle_url,
                                   bundle_token=os.environ["PACKGATE_BUNDLE_TOKEN"], audit_db=args.audit_db,
                                   standin_url=args.standin_url, workers=args.workers,
                                   verification_key=args.verification_key,
                                   verification_key_id=args.verification_key_id),
                    on_ready=lambda s: print(f"listening on http://127.0.0.1:{s.bound_port} "
                                             f"revision {s.revision}", flush=True))
        return
    if args.workers > 1:
        run_workers(GatewayOptions(packs=args.pack, port=args.port, opa_url=args.opa_url, audit_db=args.audit_db,
                                   standin_url=args.standin_url, watch=False, workers=args.workers),
                    on_ready=lambda s: print(f"listening on http://127.0.0.1:{s.bound_port}", flush=True))
        return
    _quota_signals()
    terminate_on_sigterm()
    with tempfile.TemporaryDirectory() as tmp:
        built = build_bundle(args.pack, f"{tmp}/bundle")
    audit = AuditLog.open(args.audit_db, **({"busy_ms": 50, "retry_max_s": 0.1} if args.fast_audit else {}))
    timeout = {} if args.opa_timeout is None else {"opa_timeout_s": args.opa_timeout}
    routes = [Route.from_built(b) for b in built.packs]
    if args.python_detectors:  # the same findings, from the Python oracle (runtime/redaction/native.py)
        routes = [dataclasses.replace(r, engine=Engine.from_pack(r.pack, native=False)) for r in routes]
    config = GatewayConfig(routes=routes, opa_url=args.opa_url,
                           bundle_revision=built.revision, audit=audit, standin_url=args.standin_url,
                           max_active_requests=args.max_active, max_queued_requests=args.max_queued, **timeout)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    sock.listen(1024)
    print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    # the production transport, as `Supervisor.serve` configures it for `gateway run` (header,
    # connection and timeout limits: runtime/process/transport.py)
    server = uvicorn.Server(uvicorn_config(create_app(config), lifespan="on", timeout_graceful_shutdown=5,
                                           backlog=1024, timeout_keep_alive=30))
    try:
        server.run(sockets=[sock])
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        audit.close()
    sys.exit(0)


if __name__ == "__main__":
    main()
