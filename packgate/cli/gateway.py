"""`packgate gateway run`: production, the packs' own targets — unless `--upstream-override` says
otherwise, loudly (a warning at start, `X-Packgate-Standin: true` on every chat response, `upstream_override`
in every audit event), so a staging run is never mistaken for production."""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from packgate.compiler.signing import DEFAULT_KEY_ID
from packgate.runtime.audit import DEFAULT_AUDIT_DB, display_name
from packgate.runtime.process import (
    GatewayOptions,
    StartupError,
    Supervisor,
    configure_logging,
    run_gateway,
    run_workers,
)

from .bundle import BUNDLE_TOKEN_ENV
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


def _override_warning(url: str) -> str:
    return (f"packgate: warning: --upstream-override: every target's base_url is replaced by {url}; "
            "this is a STAGING run, not production (OPA still picks the target id)")


def print_banner(s: Supervisor) -> None:
    host, port = s.opts.host, s.bound_port
    for p in s.packs():
        typer.echo(f"pack: {p.name} {p.version} -> /v1/data/{p.data_path}")
    typer.echo(f"bundle revision: {s.revision}")
    if s.opa is not None and s.opts.bundle_url:
        typer.echo(f"opa: embedded (pid {s.opa.pid}) at {s.opa_url}, bundles from {s.opts.bundle_url}")
    elif s.opa is not None:
        typer.echo(f"opa: embedded (pid {s.opa.pid}) at {s.opa_url}")
    else:
        typer.echo(f"opa: external at {s.opa_url} (packs are not pushed or hot-reloaded there)")
    if s.opts.audit_db is not None:
        typer.echo(f"audit: {display_name(s.opts.audit_db)}")
    if s.opts.standin_url is not None:
        typer.echo(f"upstream: OVERRIDDEN, every target -> {s.opts.standin_url} (staging, not production)")
    if s.opts.decision_log:
        typer.echo("decision log: console (masked by system.log.mask)")
    if s.opts.bundle is not None:
        typer.echo(f"bundle: {s.opts.bundle}")
    if s.opts.verification_key is not None:
        typer.echo(f"signature: required, key id {s.opts.verification_key_id} ({s.opts.verification_key})")
    if s.opts.watch and s.opa is not None:
        watched = [*s.opts.packs, *([s.opts.bundle] if s.opts.bundle is not None else [])]
        typer.echo("hot reload: watching " + ", ".join(str(p) for p in watched))
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
    bundle_url: Annotated[Optional[str], typer.Option(
        "--bundle-url", help="A fleet replica: the embedded OPA pulls `packgate bundle serve` here "
                             "(token in $PACKGATE_BUNDLE_TOKEN).")] = None,
    audit_db: Annotated[str, typer.Option(
        "--audit-db", help="The audit log: a SQLite file, or a postgresql:// URL shared by a fleet.")] = DEFAULT_AUDIT_DB,
    decision_log: DecisionLogOption = DecisionLog.off,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Worker processes.")] = 1,
    no_watch: Annotated[bool, typer.Option("--no-watch", help="Do not hot-reload on pack edits.")] = False,
    tls_cert: Annotated[Optional[Path], typer.Option(
        "--tls-cert", help="Serve HTTPS with this certificate (PEM chain).")] = None,
    tls_key: Annotated[Optional[Path], typer.Option("--tls-key", help="The certificate's private key (PEM).")] = None,
    upstream_override: Annotated[Optional[str], typer.Option(
        "--upstream-override", help="Staging: send every target to this URL instead of its base_url "
        "(e.g. `packgate standin`); flagged in every response and audit event.")] = None,
    bundle: Annotated[Optional[Path], typer.Option(
        "--bundle", help="Serve this bundle (from `packgate build --sign`) built from the --pack files.")] = None,
    verification_key: Annotated[Optional[Path], typer.Option(
        "--verification-key", metavar="PUB", help="PEM public key: OPA refuses unsigned or changed bundles.")] = None,
    verification_key_id: Annotated[str, typer.Option(
        "--verification-key-id", help="The key id bundles are signed with (`build --key-id`).")] = DEFAULT_KEY_ID,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Compile the packs, start OPA, serve the gateway in front of the packs' own targets (or the override)."""
    configure_logging(verbose)
    if opa_url is not None and not opa_url.startswith(("http://", "https://", "unix:///")):
        fail(f"--opa-url must be an http(s) URL or unix:///path (OPA's unix socket), got {opa_url!r}")
    if upstream_override is not None:
        if not upstream_override.startswith(("http://", "https://")):
            fail(f"--upstream-override must be an http(s) URL, got {upstream_override!r}")
        typer.echo(_override_warning(upstream_override), err=True)
    if bundle_url is not None:
        if opa_url is not None:
            fail("--bundle-url configures the embedded OPA; an --opa-url OPA pulls bundles from its own config")
        if not bundle_url.startswith(("http://", "https://")):
            fail(f"--bundle-url must be an http(s) URL, got {bundle_url!r}")
        if bundle is not None:
            fail("--bundle serves a local bundle; --bundle-url pulls the fleet's: give one")
        if not os.environ.get(BUNDLE_TOKEN_ENV):
            fail(f"--bundle-url needs the bundle service's token in ${BUNDLE_TOKEN_ENV}")
    if decision_log is DecisionLog.console and opa_url is not None:
        fail("--decision-log console configures the embedded OPA; configure your own OPA's logs")
    if opa_url is not None and (bundle is not None or verification_key is not None):
        fail("--bundle and --verification-key configure the embedded OPA; give your own OPA the keys "
             "(opa/config.yaml) and the bundle")
    if workers > 1 and (bundle is not None or verification_key is not None):
        fail("--bundle and --verification-key run with one worker (--workers 1)")
    opts = GatewayOptions(packs=pack, host=host, port=port, opa_url=opa_url, audit_db=audit_db,
                          bundle_url=bundle_url.rstrip("/") if bundle_url else None,
                          bundle_token=os.environ.get(BUNDLE_TOKEN_ENV),
                          decision_log=decision_log is DecisionLog.console, standin_url=upstream_override,
                          watch=not no_watch, workers=workers, tls_cert=tls_cert, tls_key=tls_key,
                          bundle=bundle, verification_key=verification_key,
                          verification_key_id=verification_key_id)
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
