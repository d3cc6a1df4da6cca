"""`packgate gateway run`: production, the packs' own targets, never a stand-in."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from packgate.runtime.audit import DEFAULT_AUDIT_DB
from packgate.runtime.process import (
    GatewayOptions,
    StartupError,
    Supervisor,
    configure_logging,
    run_gateway,
    run_workers,
)

from .errors import fail, fail_diagnostics

DEFAULT_PORT = 41002

app = typer.Typer(name="gateway", help="Serve the policy gateway.", no_args_is_help=True)


class DecisionLog(str, Enum):
    off = "off"
    console = "console"


DecisionLogOption = Annotated[DecisionLog, typer.Option("--decision-log", help="OPA decision logs (masked) to the console.")]


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


@app.command("run")
def run(
    pack: Annotated[list[Path], typer.Option(
        "--pack", help="Policy pack YAML (repeatable; the first is also served at /).")],
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port (0: any free port).")] = DEFAULT_PORT,
    opa_url: Annotated[Optional[str], typer.Option(
        "--opa-url", help="Use this OPA instead of an embedded one (http(s)://host:port or unix:///path).")] = None,
    audit_db: Annotated[Path, typer.Option("--audit-db", help="Audit SQLite database.")] = Path(DEFAULT_AUDIT_DB),
    decision_log: DecisionLogOption = DecisionLog.off,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Worker processes.")] = 1,
    no_watch: Annotated[bool, typer.Option("--no-watch", help="Do not hot-reload on pack edits.")] = False,
    tls_cert: Annotated[Optional[Path], typer.Option(
        "--tls-cert", help="Serve HTTPS with this certificate (PEM chain).")] = None,
    tls_key: Annotated[Optional[Path], typer.Option("--tls-key", help="The certificate's private key (PEM).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Compile the packs, start OPA, serve the gateway in front of the packs' own targets."""
    configure_logging(verbose)
    if opa_url is not None and not opa_url.startswith(("http://", "https://", "unix:///")):
        fail(f"--opa-url must be an http(s) URL or unix:///path (OPA's unix socket), got {opa_url!r}")
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
        message = str(exc)
        if "\n" in message:  # the packs' compiler diagnostics, one file:line:col line each
            fail_diagnostics(message.splitlines())
        fail(message)
