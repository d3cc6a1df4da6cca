"""The CLI in-process, through typer's `CliRunner`: exit code, stdout and stderr as a user sees them,
without paying an interpreter start per call. Exceptions escape (a traceback fails the test)."""

from __future__ import annotations

from dataclasses import dataclass

from typer.testing import CliRunner

from packgate.cli.app import app


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, input: str | None = None) -> CliResult:
    """`packgate ARGS` with `input` on stdin."""
    result = CliRunner().invoke(app, list(args), input=input, catch_exceptions=False)
    return CliResult(result.exit_code, result.stdout, result.stderr)
