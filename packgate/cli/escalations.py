"""`packgate escalations ...`: the human-oversight queue (list, show, approve or reject).

Failures (missing, corrupt or locked db; unknown id) are one line on stderr and exit 1.
"""

from __future__ import annotations

import getpass
from enum import Enum
from typing import Annotated, Optional

import typer

from packgate.runtime import audit

from .errors import fail
from .options import DEFAULT_AUDIT_DB, AuditDb, LockWait, cells, console, dumps

app = typer.Typer(name="escalations", help="The human-oversight escalation queue.", no_args_is_help=True)

EscalationId = Annotated[str, typer.Argument(metavar="ID")]


class Outcome(str, Enum):
    approve = "approve"
    reject = "reject"


class EscStatus(str, Enum):
    open = "open"
    approved = "approved"
    rejected = "rejected"


@app.command("list")
def esc_list(
    status: Annotated[Optional[EscStatus], typer.Option("--status", help="open, approved or rejected.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON array.")] = False,
    audit_db: AuditDb = DEFAULT_AUDIT_DB,
) -> None:
    """List escalations, oldest first."""
    try:
        rows = audit.list_escalations(audit_db, status.value if status else None)
    except audit.AuditError as exc:
        fail(str(exc))
    if as_json:
        typer.echo(dumps(rows))
        return
    from rich.table import Table

    table = Table(title=f"escalations ({len(rows)})")
    for col in ("id", "ts", "status", "pack", "user", "role", "policy", "reason", "event_id"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(*cells(r["id"], r["ts"], r["status"], r["pack"] or "", r["user_id"] or "", r["role"] or "",
                             r["policy"] or "", r["reason"] or "", r["event_id"]))
    console().print(table)


@app.command("show")
def esc_show(
    esc_id: EscalationId,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    audit_db: AuditDb = DEFAULT_AUDIT_DB,
) -> None:
    """Show one escalation."""
    try:
        row = audit.get_escalation(audit_db, esc_id)
    except audit.AuditError as exc:
        fail(str(exc))
    if row is None:
        fail(f"no escalation {esc_id}")
    if as_json:
        typer.echo(dumps(row))
        return
    for k in audit.ESCALATION_COLUMNS:
        typer.echo(f"{k:15} {audit.safe_text(row[k])}")


@app.command("resolve")
def esc_resolve(
    esc_id: EscalationId,
    outcome: Annotated[Outcome, typer.Option("--outcome", help="approve or reject.")],
    reason: Annotated[str, typer.Option("--reason", help="Reviewer's note (no PHI).")],
    by: Annotated[Optional[str], typer.Option("--by", help="Reviewer id (default: login name).")] = None,
    audit_db: AuditDb = DEFAULT_AUDIT_DB,
    lock_wait_ms: LockWait = 5000,
) -> None:
    """Approve or reject an open escalation; the decision is written to the audit chain."""
    who = by or _login()
    try:
        event_id = audit.resolve_escalation(audit_db, esc_id, outcome.value, reason, who, busy_ms=lock_wait_ms)
    except KeyError:
        fail(f"no escalation {esc_id}")
    except ValueError as exc:
        fail(str(exc))
    except audit.AuditError as exc:
        fail(str(exc))
    done = "approved" if outcome is Outcome.approve else "rejected"
    typer.echo(f"escalation {esc_id} {done} by {who} (audit event {event_id})")


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "cli"
