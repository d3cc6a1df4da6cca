"""`packgate demo`: the gateway on the seed pack with a labelled STAND-IN model (`make run`)."""

from __future__ import annotations

from typing import Annotated

import typer

from packgate.runtime.demo import run_demo
from packgate.runtime.process import configure_logging

from .gateway import DEFAULT_PORT, DecisionLog, DecisionLogOption

app = typer.Typer()


@app.command("demo")
def demo(
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Gateway port (0: any free port).")] = DEFAULT_PORT,
    no_serve: Annotated[bool, typer.Option(
        "--no-serve", help="Exit after the walkthrough (0 only if every scenario passed).")] = False,
    decision_log: DecisionLogOption = DecisionLog.off,
) -> None:
    """The gateway on the seed pack, embedded OPA and a STAND-IN model; walks the scenarios."""
    configure_logging(False)
    raise typer.Exit(run_demo(port=port, serve=not no_serve, decision_log=decision_log is DecisionLog.console))
