"""`gateway run --workers N`: N uvicorn worker processes in front of one OPA.

The parent (leader) owns the embedded OPA, the bundle server and the leader reloader (it compiles and
publishes). Each worker builds its own app from the same pack files and runs a *follower* reloader:
it recompiles on the same file events and swaps its route table once OPA shows the revision the
leader published (the compiler is deterministic, so they agree). Workers share the SQLite audit log;
its hash chain is extended inside `BEGIN IMMEDIATE` transactions, so concurrent writers stay chained.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from uvicorn.supervisors import Multiprocess

from packgate.runtime.audit import AuditLog, locator
from packgate.runtime.gateway import whatif
from packgate.runtime.opa.reload import Reloader

from .supervisor import GatewayOptions, Supervisor, terminate_on_sigterm
from .transport import uvicorn_config

SPEC_ENV = "PACKGATE_WORKER_SPEC"


class _WithFollower:
    """ASGI wrapper: starts the follower watcher at lifespan startup, stops it at shutdown."""

    def __init__(self, app: Any, reloader: Any, watch: bool) -> None:
        self.app, self.reloader, self.watch = app, reloader, watch
        self.state = app.state
        self._stop: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            return await self.app(scope, receive, send)

        async def wrapped_receive() -> dict[str, Any]:
            msg = await receive()
            if msg["type"] == "lifespan.startup" and self.watch:
                self._stop = asyncio.Event()
                self._task = asyncio.create_task(self.reloader.watch(self._stop))
            elif msg["type"] == "lifespan.shutdown" and self._stop is not None:
                self._stop.set()
            return msg

        await self.app(scope, wrapped_receive, send)


def worker_app() -> Any:
    """uvicorn factory, run in each worker process: a follower gateway from `SPEC_ENV`."""
    spec = json.loads(os.environ[SPEC_ENV])
    opts = GatewayOptions(packs=[Path(p) for p in spec["packs"]], opa_url=spec["opa_url"],
                          audit_db=spec["audit_db"],
                          standin_url=spec.get("standin_url"))
    sup = Supervisor(opts)
    sup.reloader = Reloader(opts.packs, Path(tempfile.mkdtemp(prefix="packgate-worker-")),
                            opa_url=spec["opa_url"], install=sup.install, quiet=True, build=whatif.build)
    first = sup.reloader.initial()
    sup.opa_url = spec["opa_url"]
    sup.decision_url = spec["decision_url"]
    sup.audit = AuditLog.open(opts.audit_db) if opts.audit_db else None
    sup.app = sup.create_app(first)
    return _WithFollower(sup.app, sup.reloader, watch=spec["watch"])


def run_workers(opts: GatewayOptions, on_ready: Callable[[Supervisor], None] | None = None) -> None:
    """Leader: OPA + bundle server + publishing reloader; uvicorn's Multiprocess runs the workers.

    Raises `StartupError` when the leader cannot start; `on_ready` runs once the socket is bound."""
    terminate_on_sigterm()
    sup = Supervisor(opts)
    try:
        sup.start_leader()
        os.environ[SPEC_ENV] = json.dumps({
            "packs": [str(Path(p).resolve()) for p in opts.packs], "opa_url": sup.opa_url,
            "decision_url": sup.decision_url, "audit_db": locator(opts.audit_db) if opts.audit_db else None,
            "standin_url": opts.standin_url, "watch": opts.watch and opts.opa_url is None,
        })
        config = uvicorn_config("packgate.runtime.process.workers:worker_app", opts.transport, factory=True,
                                host=opts.host, port=opts.port, workers=opts.workers, **opts.tls())
        sock = config.bind_socket()
        sup.bound_port = int(sock.getsockname()[1])
        stop = threading.Event()
        if opts.watch and opts.opa_url is None and sup.reloader is not None:
            threading.Thread(target=_leader_watch, args=(sup, stop), name="packgate-watch",
                             daemon=True).start()
        if on_ready is not None:
            on_ready(sup)
        Multiprocess(config, sockets=[sock]).run()
        stop.set()
    finally:
        sup.close()


def _leader_watch(sup: Supervisor, stop: threading.Event) -> None:
    async def main() -> None:
        flag = asyncio.Event()

        async def relay() -> None:
            while not stop.is_set():
                await asyncio.sleep(0.2)
            flag.set()

        relay_task = asyncio.create_task(relay())
        assert sup.reloader is not None
        await sup.reloader.watch(flag)
        relay_task.cancel()

    asyncio.run(main())
