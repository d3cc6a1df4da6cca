"""What `events` and `escalations` share: the audit-db options and how they print."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from packgate.runtime import audit

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["DEFAULT_AUDIT_DB", "AuditDb", "LockWait", "cells", "console", "dumps"]

DEFAULT_AUDIT_DB = audit.DEFAULT_AUDIT_DB
AuditDb = Annotated[str, typer.Option(
    "--audit-db", help="The audit log: a SQLite file, or a postgresql://user@host:port/db URL (a fleet's).")]
LockWait = Annotated[int, typer.Option("--lock-wait-ms", min=0, help="How long to wait for a locked db before failing.")]


def console() -> Console:
    """Rich console; wide when piped so ids and timestamps are not folded."""
    from rich.console import Console  # only the table views pay for it

    return Console(width=None if sys.stdout.isatty() else 220)


def dumps(obj: Any) -> str:
    """One JSON line; client strings cannot steer the terminal (control characters escaped)."""
    return audit.safe_json(obj)


def cells(*values: Any) -> list[Any]:
    """Table cells as Rich `Text` (never parsed for markup), control characters escaped."""
    from rich.text import Text

    return [Text(audit.safe_text(v)) for v in values]
