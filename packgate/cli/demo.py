"""`packgate demo`: the gateway on the seed pack with a labelled STAND-IN model (`make run`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from packgate.runtime.demo import DEFAULT_WORK_DIR, run_demo
from packgate.runtime.process import configure_logging

from .gateway import DEFAULT_PORT, DecisionLog, DecisionLogOption

app = typer.Typer()


@app.command("demo")
def demo(
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Gateway port (0: any free port).")] = DEFAULT_PORT,
    no_serve: Annotated[bool, typer.Option(
        "--no-serve", help="Exit after the walkthrough (0 only if every scenario passed).")] = False,
    decision_log: DecisionLogOption = DecisionLog.off,
    work_dir: Annotated[Path, typer.Option(
        "--dir", help="Where the audit database and the variant pack are written (kept after the demo).")
    ] = DEFAULT_WORK_DIR,
) -> None:
    """The gateway on the seed pack, embedded OPA and a STAND-IN model; walks the scenarios."""
    configure_logging(False)
    raise typer.Exit(run_demo(port=port, serve=not no_serve, decision_log=decision_log is DecisionLog.console,
                              work_dir=work_dir))
