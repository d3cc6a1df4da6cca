"""The `packgate` command: one Typer app; each area registers its own commands.

Commands live beside what they drive (`compiler/cli.py`, `runtime/*_cli.py`); this module only
mounts them and makes sure a user never sees a Python traceback.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

import typer

app = typer.Typer(
    name="packgate",
    help="Policy packs for clinical AI: compile to OPA bundles, serve the gateway, read the audit log.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# Each module exposes `register(app: typer.Typer) -> None`.
COMMAND_MODULES = (
    "packgate.cli.build",
    "packgate.cli.redact",
    "packgate.cli.gateway",
    "packgate.cli.events",
)

for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # never a traceback; never the exception text (it may hold PHI)
        typer.echo(f"packgate: internal error ({type(exc).__name__}); rerun with PACKGATE_DEBUG=1 for details", err=True)
        if __import__("os").environ.get("PACKGATE_DEBUG") == "1":
            raise
        sys.exit(70)
