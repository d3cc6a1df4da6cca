"""`packgate gateway run` (production: the packs' own targets, never a stand-in) and `packgate demo`."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from packgate.runtime.audit import DEFAULT_AUDIT_DB
from packgate.runtime.demo import run_demo
from packgate.runtime.process import (
    GatewayOptions,
    StartupError,
    Supervisor,
    configure_logging,
    run_gateway,
    run_workers,
)

DEFAULT_PORT = 41002


class DecisionLog(str, Enum):
    off = "off"
    console = "console"


def fail(message: str, code: int = 1) -> None:
    """Every error is one line (or one line per diagnostic) on stderr; never a traceback."""
    typer.echo(f"packgate: {message}" if "\n" not in message else message, err=True)
    raise typer.Exit(code)


def _warn_external_opa(s: Supervisor) -> None:
    if s.opa_warning:
        typer.echo(f"packgate: warning: {s.opa_warning}; requests get 503 until it answers", err=True)


def print_banner(s: Supervisor) -> None:
    host, port = s.opts.host, s.bound_port
    for p in s.packs():
        typer.echo(f"pack: {p.name} {p.version} -> /v1/data/{p.data_path}")
    typer.echo(f"bundle revision: {s.revision}")
    if s.opa is not None:
        typer.echo(f"opa: embedded (pid {s.opa.pid}) at {s.opa_url}")
    else:
        typer.echo(f"opa: external at {s.opa_url} (packs are not pushed or hot-reloaded there)")
    if s.opts.audit_db is not None:
        typer.echo(f"audit: {s.opts.audit_db}")
    if s.opts.decision_log:
        typer.echo("decision log: console (masked by system.log.mask)")
    if s.opts.watch and s.opa is not None:
        typer.echo("hot reload: watching " + ", ".join(str(p) for p in s.opts.packs))
    scheme = "https" if s.opts.tls_cert is not None else "http"
    typer.echo(f"listening on {scheme}://{host}:{port} (OpenAI: /v1/chat/completions, Ollama: /api/chat)")
    sys.stdout.flush()


def register(app: typer.Typer) -> None:
    gateway = typer.Typer(help="Serve the policy gateway.", no_args_is_help=True)

    @gateway.command("run")
    def run(
        pack: list[Path] = typer.Option(..., "--pack", help="Policy pack YAML (repeatable; the first is also served at /)."),
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
        port: int = typer.Option(DEFAULT_PORT, "--port", min=0, max=65535, help="Port (0: any free port)."),
        opa_url: Optional[str] = typer.Option(None, "--opa-url", help="Use this OPA instead of an embedded one."),
        audit_db: Path = typer.Option(Path(DEFAULT_AUDIT_DB), "--audit-db", help="Audit SQLite database."),
        decision_log: DecisionLog = typer.Option(DecisionLog.off, "--decision-log", help="OPA decision logs (masked) to the console."),
        workers: int = typer.Option(1, "--workers", min=1, max=64, help="Worker processes."),
        no_watch: bool = typer.Option(False, "--no-watch", help="Do not hot-reload on pack edits."),
        tls_cert: Optional[Path] = typer.Option(None, "--tls-cert", help="Serve HTTPS with this certificate (PEM chain)."),
        tls_key: Optional[Path] = typer.Option(None, "--tls-key", help="The certificate's private key (PEM)."),
        verbose: bool = typer.Option(False, "--verbose", "-v"),
    ) -> None:
        """Compile the packs, start OPA, serve the gateway in front of the packs' own targets."""
        configure_logging(verbose)
        if opa_url is not None and not opa_url.startswith(("http://", "https://")):
            fail(f"--opa-url must be an http(s) URL, got {opa_url!r}")
        if decision_log is DecisionLog.console and opa_url is not None:
            fail("--decision-log console configures the embedded OPA; configure your own OPA's logs")
        opts = GatewayOptions(packs=pack, host=host, port=port, opa_url=opa_url, audit_db=audit_db,
                              decision_log=decision_log is DecisionLog.console,
                              watch=not no_watch, workers=workers, tls_cert=tls_cert, tls_key=tls_key)
        try:
            opts.tls()  # a missing or mismatched certificate/key stops here, before anything starts
            if workers > 1:
                run_workers(opts, on_ready=print_banner)
            else:
                run_gateway(opts, on_started=_warn_external_opa, on_ready=print_banner)
        except StartupError as exc:
            fail(str(exc))

    app.add_typer(gateway, name="gateway")

    @app.command("demo")
    def demo(
        port: int = typer.Option(DEFAULT_PORT, "--port", min=0, max=65535, help="Gateway port (0: any free port)."),
        no_serve: bool = typer.Option(False, "--no-serve", help="Exit after the walkthrough (0 only if every scenario passed)."),
        decision_log: DecisionLog = typer.Option(DecisionLog.off, "--decision-log", help="OPA decision logs (masked) to the console."),
    ) -> None:
        """The gateway on the seed pack, embedded OPA and a STAND-IN model; walks the scenarios."""
        configure_logging(False)
        raise typer.Exit(run_demo(port=port, serve=not no_serve,
                                  decision_log=decision_log is DecisionLog.console))
