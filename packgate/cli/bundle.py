"""`packgate bundle serve`: the fleet's one bundle service, which every replica's OPA long-polls."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from packgate.compiler.build import build_bundle
from packgate.compiler.diagnostics import PackError
from packgate.compiler.signing import DEFAULT_KEY_ID
from packgate.runtime.opa.bundle_server import RESOURCE, BundleServer
from packgate.runtime.opa.reload import Reloader
from packgate.runtime.process import configure_logging, terminate_on_sigterm

from .errors import fail, fail_diagnostics

BUNDLE_TOKEN_ENV = "PACKGATE_BUNDLE_TOKEN"

app = typer.Typer(name="bundle", help="Serve compiled packs to a fleet's OPAs.", no_args_is_help=True)


@app.command("serve")
def serve(
    packs: Annotated[list[Path], typer.Argument(help="Policy pack YAML files (every replica runs the same).")],
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port (0: any free port).")] = 41003,
    sign: Annotated[Optional[Path], typer.Option(
        "--sign", metavar="KEY", help="Sign every bundle with this PEM private key (OPA's bundle signing); "
                                      "replicas verify with gateway run --verification-key.")] = None,
    key_id: Annotated[str, typer.Option("--key-id", help="Key id in the signature (replicas' --verification-key-id).")]
    = DEFAULT_KEY_ID,
    no_watch: Annotated[bool, typer.Option("--no-watch", help="Do not republish on pack edits.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Compile the packs (signed with --sign) and serve the bundle over OPA's bundle protocol (ETag, long
    polling); republish on every pack edit that compiles. Replicas authenticate with $PACKGATE_BUNDLE_TOKEN."""
    configure_logging(verbose)
    token = os.environ.get(BUNDLE_TOKEN_ENV)
    if not token:
        fail(f"set ${BUNDLE_TOKEN_ENV}: the replicas' OPAs present it as a bearer token")
    for p in packs:
        if not p.is_file():
            fail(f"pack not found: {p}")
    terminate_on_sigterm()
    try:
        server = BundleServer(host, port, token=token)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    with tempfile.TemporaryDirectory(prefix="packgate-bundles-") as work:
        def build(paths: Sequence[Path], out: Path) -> Any:  # `packgate build --sign` for every revision
            return build_bundle([str(p) for p in paths], out, signing_key=sign, key_id=key_id)

        reloader = Reloader(packs, Path(work), publish=server.publish, build=build)
        try:
            first = reloader.initial()
        except PackError as exc:
            server.close()
            fail_diagnostics([str(d) for d in exc.diagnostics])
        server.start()
        typer.echo(f"bundle revision: {first.revision}" + (f" (signed, key id {key_id})" if sign else ""))
        typer.echo(f"serving {server.url}/{RESOURCE} (ETag, long polling)")
        sys.stdout.flush()
        try:
            if no_watch:
                threading.Event().wait()
            else:
                asyncio.run(reloader.watch())
        except KeyboardInterrupt:
            pass
        finally:
            server.close()

