"""`packgate standin`: the labelled stand-in model as a process, to stage a pack before a model exists."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from packgate.runtime.demo import LABEL, ScriptError, StandinModel, load_script

from .errors import fail

__all__ = ["DEFAULT_STANDIN_PORT", "app"]

DEFAULT_STANDIN_PORT = 8900

app = typer.Typer()


@app.command("standin")
def standin(
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port (0: any free port).")] = DEFAULT_STANDIN_PORT,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    script: Annotated[Optional[Path], typer.Option(
        "--script", help="YAML file: `replies:`, answered in order, then echo (README: Stand-in model).")] = None,
) -> None:
    """A STAND-IN model (not an LLM): echoes or answers by script, records what it received."""
    try:
        replies = load_script(script) if script is not None else []
    except ScriptError as exc:
        fail(str(exc))
    model = StandinModel()
    for name, reply in replies:
        model.script(reply, model=name)
    # before the port is served: a SIGTERM that comes as soon as /health answers (a busy machine can
    # deliver it before this thread gets further) still stops the stand-in cleanly with exit code 0
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        try:
            model.start(port, host)
        except OSError as exc:
            fail(f"stand-in cannot listen on {host}:{port}: {exc.strerror or exc} "
                 "(another process is using it; pick another --port)")
        typer.echo(f"STAND-IN MODEL ({LABEL}) listening on {model.url}")
        typer.echo("  OpenAI: /v1/chat/completions  Ollama: /api/chat  health: /health  "
                   "what it received: /_standin/received")
        typer.echo(f"  script: {len(replies)} scripted replies from {script}, then echo" if script is not None
                   else "  script: none, every request gets an echo of its last user message")
        while model.thread is not None and model.thread.is_alive():
            model.thread.join(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        model.stop()
    typer.echo("stand-in stopped")


def _interrupt(signum: int, frame: Any) -> None:
    """SIGTERM (`kill %1`) ends the stand-in like Ctrl-C: it stops serving and exits 0."""
    raise KeyboardInterrupt
