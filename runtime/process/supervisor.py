"""Assemble one gateway process: compile the packs, start (or reach) OPA, build the app, serve, reload.

`packgate gateway run` and `packgate demo` both go through `Supervisor`; tests drive it through the
CLI. Start-up order is compile -> bundle server -> OPA healthy with that bundle -> audit log -> app,
so the gateway never accepts a request before its policy engine can answer. Shutdown is the reverse:
uvicorn drains in-flight requests, the watcher stops, then the audit log flushes and OPA stops last.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packgate.compiler.diagnostics import PackError
from packgate.compiler.signing import DEFAULT_KEY_ID, verification_config
from packgate.runtime.audit import MAX_STRING, AuditError, AuditLog
from packgate.runtime.gateway import GatewayConfig, Route, create_app, install_routes, whatif
from packgate.runtime.opa.bundle_server import BundleServer
from packgate.runtime.opa.reload import Reloader, activation_facts, prebuilt
from packgate.runtime.opa.server import EmbeddedOpa, OpaError, active_revision, check_external
from packgate.runtime.review import ReviewKeyError

from .transport import TransportLimits, uvicorn_config

log = logging.getLogger("packgate.gateway")


@dataclass
class GatewayOptions:
    packs: Sequence[Path]
    host: str = "127.0.0.1"
    port: int = 41002
    opa_url: str | None = None          # None: embedded OPA
    bundle_url: str | None = None       # the fleet's `packgate bundle serve`; None: our own bundle server
    bundle_token: str | None = None     # its bearer token (PACKGATE_BUNDLE_TOKEN)
    audit_db: str | Path | None = None  # a SQLite path or a postgresql:// URL; None: no audit log (OPA-path tests)
    decision_log: bool = False
    standin_url: str | None = None      # demo/tests, and `gateway run --upstream-override` (loudly)
    watch: bool = True
    workers: int = 1
    transport: TransportLimits = field(default_factory=TransportLimits)  # header, connection limits
    extra: dict[str, Any] = field(default_factory=dict)
    tls_cert: Path | None = None        # serve HTTPS (uvicorn ssl_certfile), with tls_key
    tls_key: Path | None = None
    bundle: Path | None = None          # serve this (signed) bundle instead of our own compile
    verification_key: Path | None = None  # PEM public key: the embedded OPA refuses unsigned/changed bundles
    verification_key_id: str = DEFAULT_KEY_ID

    def tls(self) -> dict[str, str]:
        """uvicorn's ssl_certfile/ssl_keyfile, checked: both or neither, and a loadable pair."""
        if self.tls_cert is None and self.tls_key is None:
            return {}
        if self.tls_cert is None or self.tls_key is None:
            raise StartupError("--tls-cert and --tls-key go together")
        import ssl

        try:
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(str(self.tls_cert), str(self.tls_key))
        except (OSError, ssl.SSLError) as exc:
            raise StartupError(f"cannot use the TLS certificate/key: {type(exc).__name__}") from None
        return {"ssl_certfile": str(self.tls_cert), "ssl_keyfile": str(self.tls_key)}


class StartupError(RuntimeError):
    """One line for the user; raised for anything that keeps the gateway from starting."""


class Supervisor:
    """Owns every resource of a running gateway, and releases each exactly once."""

    def __init__(self, opts: GatewayOptions) -> None:
        self.opts = opts
        self.work_dir = Path(tempfile.mkdtemp(prefix="packgate-gw-"))
        self.bundles: BundleServer | None = None
        self.opa: EmbeddedOpa | None = None
        self.audit: Any = None
        self.app: Any = None
        self.reloader: Reloader | None = None
        self.opa_url = opts.opa_url or ""
        self.decision_url = ""  # where the app asks for decisions, when not `opa_url` (the embedded OPA's socket)
        self.opa_warning: str | None = None
        self.bound_port: int | None = None
        self._server: Any = None

    # --- start-up (main thread: the OPA child's PDEATHSIG is tied to the forking thread) -------

    def start(self) -> Supervisor:
        """Policy first (compile, OPA healthy), then the audit log, then the app."""
        self.start_leader()
        self.audit = self._open_audit()
        self.app = self.create_app(self.reloader.current)
        if self.opa is not None:
            self.record_activation(self.reloader.current, None, "start")
        return self

    def start_leader(self) -> Supervisor:
        """Compile and bring up OPA (embedded or checked); with `--workers` the parent stops here."""
        for p in self.opts.packs:
            if not Path(p).is_file():
                raise StartupError(f"pack not found: {p}")
        if self.opts.bundle is not None and not (Path(self.opts.bundle) / ".manifest").is_file():
            raise StartupError(f"not a bundle directory (no .manifest): {self.opts.bundle}")
        try:
            if self.opts.opa_url is None and self.opts.bundle_url is not None:
                self._start_replica_opa()
                return self
            if self.opts.opa_url is None:
                verification = (verification_config(self.opts.verification_key, key_id=self.opts.verification_key_id)
                                if self.opts.verification_key is not None else None)
                self.bundles = BundleServer().start()
                build = prebuilt(self.opts.bundle, whatif.build) if self.opts.bundle is not None else whatif.build
                self.reloader = Reloader(self.opts.packs, self.work_dir, opa_url=lambda: self.opa_url,
                                         publish=self.bundles.publish, install=self.install,
                                         opa_errors=lambda: self.opa.bundle_errors() if self.opa else [],
                                         opa_error_count=lambda: self.opa.bundle_error_count if self.opa else 0,
                                         on_activate=lambda new, old: self.record_activation(new, old, "reload"),
                                         on_reject=self.record_rejection,
                                         watch_trees=[self.opts.bundle] if self.opts.bundle is not None else (),
                                         build=build)
                first = self.reloader.initial()
                try:
                    self.opa = EmbeddedOpa(self.bundles.url, self.bundles.token,
                                           decision_log=self.opts.decision_log,
                                           run_dir=self.work_dir, verification=verification).start()
                except OpaError as exc:
                    hint = ("; sign it with `packgate build --sign KEY` and serve it with --bundle DIR"
                            if verification is not None and self.opts.bundle is None else "")
                    raise OpaError(f"{exc}{hint}") from None
                self.opa_url = self.opa.url
                self.decision_url = self.opa.decision_url
            else:
                # The operator's OPA gets its bundles from their own pipeline: we compile only to
                # know the routes, and never push or hot-reload policy into someone else's OPA.
                self.reloader = Reloader(self.opts.packs, self.work_dir, build=whatif.build)
                first = self.reloader.initial()
                self.opa_warning = check_external(self.opts.opa_url)
                if self.opa_warning is None:
                    seen = active_revision(self.opts.opa_url)
                    if seen is not None and seen != first.revision:
                        self.opa_warning = (f"OPA at {self.opts.opa_url} has bundle revision {seen}, "
                                            f"the packs compile to {first.revision}")
        except PackError as exc:
            raise StartupError("\n".join(str(d) for d in exc.diagnostics)) from None
        except OpaError as exc:
            raise StartupError(str(exc)) from None
        return self

    def _start_replica_opa(self) -> None:
        """A fleet replica: the embedded OPA pulls the fleet's bundle service; we compile the same
        packs only to know the routes, and switch them when OPA reports that revision active (a
        follower `Reloader`, as a `--workers` worker is)."""
        verification = (verification_config(self.opts.verification_key, key_id=self.opts.verification_key_id)
                        if self.opts.verification_key is not None else None)
        self.reloader = Reloader(self.opts.packs, self.work_dir, opa_url=lambda: self.opa_url,
                                 install=self.install,
                                 opa_errors=lambda: self.opa.bundle_errors() if self.opa else [],
                                 opa_error_count=lambda: self.opa.bundle_error_count if self.opa else 0,
                                 on_activate=lambda new, old: self.record_activation(new, old, "reload"),
                                 on_reject=self.record_rejection)
        first = self.reloader.initial()
        self.opa = EmbeddedOpa(self.opts.bundle_url or "", self.opts.bundle_token or "",
                               decision_log=self.opts.decision_log, run_dir=self.work_dir,
                               verification=verification).start()
        self.opa_url = self.opa.url
        self.decision_url = self.opa.decision_url  # decisions over its Unix socket, as a single `gateway run`
        seen = active_revision(self.opa_url)
        if seen != first.revision:
            raise StartupError(f"the bundle service serves revision {seen}, these packs compile to "
                               f"{first.revision}: deploy the same pack files to every replica")

    def _open_audit(self) -> Any:
        if self.opts.audit_db is None:
            return None
        try:
            return AuditLog.open(self.opts.audit_db)
        except AuditError as exc:
            raise StartupError(str(exc)) from None

    def record_activation(self, result: Any, previous: Any, trigger: str) -> None:
        """A `bundle_activated` audit event: OPA now runs `result` (at start, or after a reload)."""
        facts = activation_facts(result)
        self._record_bundle_event("bundle_activated", {
            "trigger": trigger, **facts, "previous_revision": getattr(previous, "revision", None)})

    def record_rejection(self, result: Any, errors: list[str]) -> None:
        """A `bundle_rejected` audit event: packs that do not compile, or a bundle OPA refused."""
        facts = activation_facts(result) if result is not None else {}
        self._record_bundle_event("bundle_rejected", {  # no signer or approver: nothing verified them
            "trigger": "reload", "revision": facts.get("revision"), "packs": facts.get("packs"),
            "previous_revision": self.revision,
            "errors": [e[:MAX_STRING] for e in errors[:20]]})

    def _record_bundle_event(self, verdict: str, bundle: dict[str, Any]) -> None:
        if self.audit is None:
            return
        event: dict[str, Any] = {"verdict": verdict, "bundle": bundle}
        if bundle.get("revision"):
            event["bundle_revision"] = bundle["revision"]
        try:
            self.audit.record(event)
        except AuditError as exc:  # the request path fails closed on an unhealthy log; this one is news only
            log.error("bundle event not recorded: %s", exc)

    def _routes(self, result: Any) -> list[Any]:
        return [Route.from_built(p) for p in result.packs]

    def create_app(self, first: Any) -> Any:
        config = GatewayConfig(routes=self._routes(first), opa_url=self.decision_url or self.opa_url,
                               bundle_revision=first.revision, audit=self.audit,
                               policy_problems=lambda: list(self.reloader.problems) if self.reloader else [],
                               standin_url=self.opts.standin_url, extra=dict(self.opts.extra))
        try:
            return create_app(config)
        except ReviewKeyError as exc:
            raise StartupError(str(exc)) from None

    def install(self, result: Any) -> None:
        """Reload step 4: swap the route table once OPA runs the new revision."""
        if self.app is not None:
            install_routes(self.app, self._routes(result), result.revision)

    @property
    def revision(self) -> str | None:
        return getattr(self.reloader.current, "revision", None) if self.reloader else None

    def packs(self) -> list[Any]:
        return list(self.reloader.current.packs) if self.reloader and self.reloader.current else []

    # --- serving -------------------------------------------------------------------------------

    async def serve(self, on_ready: Callable[[Supervisor], None] | None = None) -> None:
        """uvicorn (uvloop + httptools, with `transport`'s limits) plus the pack watcher, until SIGINT/SIGTERM."""
        import uvicorn

        config = uvicorn_config(self.app, self.opts.transport, host=self.opts.host, port=self.opts.port,
                                lifespan="auto", timeout_graceful_shutdown=10, **self.opts.tls())
        server = self._server = uvicorn.Server(config)
        sock = _listen(self.opts.host, self.opts.port)  # our error, not uvicorn's sys.exit(3)
        stop = asyncio.Event()
        watcher = None
        if self.opts.watch and self.opts.opa_url is None and self.reloader is not None:  # replicas follow
            watcher = asyncio.create_task(self.reloader.watch(stop))
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not serving.done():
            await asyncio.sleep(0.02)
        if server.started:
            self.bound_port = _bound_port(server, self.opts.port)
            if on_ready is not None:
                on_ready(self)
        try:
            await serving
        finally:
            stop.set()
            if watcher is not None:
                try:
                    await asyncio.wait_for(watcher, 2)
                except (asyncio.TimeoutError, asyncio.CancelledError):
                    watcher.cancel()
        if not server.started:
            raise StartupError(f"cannot listen on {self.opts.host}:{self.opts.port} "
                               "(address in use or not permitted)")

    def shutdown(self) -> None:
        """Ask uvicorn to drain and stop (as Ctrl-C would)."""
        if self._server is not None:
            self._server.should_exit = True

    def close(self) -> None:
        """Reverse order of start; each step guarded so one failure does not leak the rest."""
        if self.audit is not None:
            try:
                self.audit.close()
            except Exception as exc:  # noqa: BLE001 - shutdown must finish
                log.error("audit close failed (%s)", type(exc).__name__)
            self.audit = None
        if self.opa is not None:
            self.opa.stop()
        if self.bundles is not None:
            self.bundles.close()
            self.bundles = None
        shutil.rmtree(self.work_dir, ignore_errors=True)

    def __enter__(self) -> Supervisor:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def _bound_port(server: Any, fallback: int) -> int:
    try:
        return int(server.servers[0].sockets[0].getsockname()[1])
    except (AttributeError, IndexError, OSError):
        return fallback


def terminate_on_sigterm() -> None:
    """SIGTERM raises SystemExit in the main thread, so `finally` blocks stop OPA and flush audit.

    uvicorn captures SIGTERM while serving and re-raises it after draining; without this handler
    the re-raised signal would kill the process before the cleanup ran.
    """
    def handler(signum: int, _frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, handler)


def configure_logging(verbose: bool = False) -> None:
    """One line per message on stderr, no tracebacks (the CLI never shows one)."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="packgate: %(message)s")
    logging.getLogger("packgate.reload").setLevel(logging.INFO)  # reloads are news to an operator
    if os.environ.get("PACKGATE_DEBUG") == "1":
        logging.getLogger("packgate").setLevel(logging.DEBUG)
