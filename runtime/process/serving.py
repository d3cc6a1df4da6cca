"""Serving one gateway process: start the supervisor, run it on uvloop, stop everything."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import uvloop

from .supervisor import GatewayOptions, Supervisor, terminate_on_sigterm

__all__ = ["run_gateway", "serve_uvloop"]


def serve_uvloop(main: Coroutine[Any, Any, None]) -> None:
    """Run the serving coroutine on uvloop. `uvicorn.Config(loop="uvloop")` only takes effect in
    `uvicorn.run`/`Server.run`; `Server.serve()` inside `asyncio.run` ran on the default selector loop
    (measured in `make bench`: see docs/benchmarks.md)."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)


def run_gateway(opts: GatewayOptions, on_started: Callable[[Supervisor], None] | None = None,
                on_ready: Callable[[Supervisor], None] | None = None) -> None:
    """Start, serve until Ctrl-C/SIGTERM, stop everything. Raises `StartupError` if it cannot start.

    `on_started` runs once policy and the audit log are up (before binding); `on_ready` once the
    socket listens."""
    terminate_on_sigterm()
    sup = Supervisor(opts)
    try:
        sup.start()
        if on_started is not None:
            on_started(sup)
        serve_uvloop(sup.serve(on_ready))
    finally:
        sup.close()
