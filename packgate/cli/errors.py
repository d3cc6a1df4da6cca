"""How every `packgate` command fails: one line on stderr (`packgate: ...`), a defined exit code.

Compiler diagnostics are the exception that proves the rule: each is already one
`file:line:col: error: ...` line, printed as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum
from typing import NoReturn

import typer

__all__ = ["ExitCode", "fail", "fail_diagnostics", "print_diagnostics"]


class ExitCode(IntEnum):
    """The exit codes a script can rely on (README: CLI)."""

    OK = 0
    FAILURE = 1              # the command could not do its job (bad input, missing db, refused start)
    USAGE = 2                # bad arguments (Click's own code); `lint`: warnings only
    BLOCKED = 3              # `redact`: a detector with `action: block` found something (text withheld)
    INCOMPLETE_INSTALL = 69  # a module of packgate or one of its dependencies cannot be imported
    INTERNAL = 70            # a bug: an exception nobody anticipated
    INTERRUPTED = 130        # Ctrl-C


def fail(message: str, code: int = ExitCode.FAILURE) -> NoReturn:
    """Print `packgate: <message>` (one line) on stderr and exit with `code`."""
    typer.echo(f"packgate: {' '.join(message.splitlines())}", err=True)
    raise typer.Exit(int(code))


def print_diagnostics(lines: Iterable[object]) -> None:
    """Compiler diagnostics, one `file:line:col: severity: message` line each, on stderr."""
    for line in lines:
        typer.echo(str(line), err=True)


def fail_diagnostics(lines: Iterable[object], code: int = ExitCode.FAILURE) -> NoReturn:
    """Print the diagnostics that stopped the command and exit with `code`."""
    print_diagnostics(lines)
    raise typer.Exit(int(code))
