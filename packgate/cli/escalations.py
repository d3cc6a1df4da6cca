"""`packgate escalations ...`: the human-review queue (list, show, claim, resolve) and `keygen`.

The same store as the gateway's console and reviewer API (packgate.runtime.review). The CLI acts as
the operator at the machine (`--by`, default the login name, recorded with role `cli`); edits are
made in the console or the API, where the response policy re-checks them. Failures (missing,
corrupt or locked db; unknown id; a refused transition) are one line on stderr and exit 1.
"""

from __future__ import annotations

import getpass
from enum import Enum
from typing import Annotated, Any, Optional

import typer

from packgate.runtime import audit, review

from .errors import fail
from .options import DEFAULT_AUDIT_DB, AuditDb, LockWait, cells, console, dumps

app = typer.Typer(name="escalations", help="The human-review queue of held answers.", no_args_is_help=True)

EscalationId = Annotated[str, typer.Argument(metavar="ID")]
By = Annotated[Optional[str], typer.Option("--by", help="Reviewer id (default: login name).")]


class Outcome(str, Enum):
    approve = "approve"
    reject = "reject"


class EscStatus(str, Enum):
    open = "open"
    claimed = "claimed"
    approved = "approved"
    edited = "edited"
    rejected = "rejected"
    delivered = "delivered"
    expired = "expired"


def _rows(audit_db: str) -> list[dict[str, Any]]:
    """Escalation rows with their review state and deadline (rows without a held draft keep their status)."""
    rows = audit.list_escalations(audit_db)
    reviews = {r.id: r for r in review.queue(audit_db)} if rows else {}
    for row in rows:
        r = reviews.get(row["id"])
        if r is not None:
            row.update(status=r.state, deadline=r.deadline, claimed_by=r.claimed_by, overdue=r.overdue())
    return rows


@app.command("list")
def esc_list(
    status: Annotated[Optional[EscStatus], typer.Option("--status", help="open, claimed, approved, edited, "
                                                        "rejected, delivered or expired.")] = None,
    pack: Annotated[Optional[str], typer.Option("--pack", help="Only this pack's escalations.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON array.")] = False,
    audit_db: AuditDb = DEFAULT_AUDIT_DB,
) -> None:
    """List escalations, urgent first, then oldest first."""
    try:
        rows = [r for r in _rows(audit_db) if (status is None or r["status"] == status.value)
                and (pack is None or r["pack"] == pack)]
    except audit.AuditError as exc:
        fail(str(exc))
    if as_json:
        typer.echo(dumps(rows))
        return
    from rich.table import Table

    table = Table(title=f"escalations ({len(rows)})")
    for col in ("id", "ts", "status", "deadline", "pack", "user", "role", "policy", "reason", "claimed by"):
        table.add_column(col, overflow="fold")
    for r in rows:
        deadline = (r.get("deadline") or "") + (" OVERDUE" if r.get("overdue") else "")
        table.add_row(*cells(r["id"], r["ts"], r["status"], deadline, r["pack"] or "", r["user_id"] or "",
                             r["role"] or "", r["policy"] or "", r["reason"] or "", r.get("claimed_by") or ""))
    console().print(table)


@app.command("show")
def esc_show(
    esc_id: EscalationId,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    audit_db: AuditDb = DEFAULT_AUDIT_DB,
) -> None:
    """Show one escalation and, with the review key set, what is held for the reviewer."""
    try:
        row = audit.get_escalation(audit_db, esc_id)
        if row is None:
            fail(f"no escalation {esc_id}")
        r = review.get(audit_db, esc_id)
        sealer = review.load_sealer() if r is not None else None
        held = decision = None
        if r is not None:
            row.update(status=r.state, deadline=r.deadline, claimed_by=r.claimed_by, decided_by=r.decided_by,
                       delivered_at=r.delivered_at, purged_at=r.purged_at)
            if sealer is not None:
                _, held, decision = review.content(audit_db, sealer, esc_id)
    except (audit.AuditError, review.ReviewKeyError, review.SealError) as exc:
        fail(str(exc))
    if as_json:
        typer.echo(dumps({**row, "held": held, "decision": decision}))
        return
    for k, v in row.items():
        typer.echo(f"{k:15} {audit.safe_text(v)}")
    if r is None:
        return
    if sealer is None:
        typer.echo(f"{'held':15} sealed (set {review.KEY_ENV} to read it)")
        return
    if held is None:
        typer.echo(f"{'held':15} purged")
        return
    for i, text in enumerate(held.get("prompt") or []):
        typer.echo(f"--- prompt [{i}] (redacted, as sent to the model)\n{audit.safe_text(text)}")
    typer.echo(f"--- held output\n{audit.safe_text(held.get('output'))}")
    for reason in held.get("reasons") or []:
        typer.echo(f"{'reason':15} {audit.safe_text(reason.get('policy'))}: {audit.safe_text(reason.get('code'))}")
    for text in held.get("disclaimers") or []:
        typer.echo(f"{'disclaimer':15} {audit.safe_text(text)}")
    if decision and decision.get("text"):
        typer.echo(f"--- reviewer's edit\n{audit.safe_text(decision['text'])}")


@app.command("claim")
def esc_claim(esc_id: EscalationId, by: By = None, audit_db: AuditDb = DEFAULT_AUDIT_DB,
              lock_wait_ms: LockWait = 5000) -> None:
    """Claim an open escalation for review (refused when someone else holds it)."""
    who = by or _login()
    try:
        event_id = review.claim(audit_db, esc_id, review.Actor(who, "cli", "cli"), busy_ms=lock_wait_ms)
    except review.ReviewError as exc:
        fail("no escalation " + esc_id if exc.status == 404 else exc.message)
    except audit.AuditError as exc:
        fail(str(exc))
    typer.echo(f"escalation {esc_id} claimed by {who} (audit event {event_id})")


@app.command("resolve")
def esc_resolve(
    esc_id: EscalationId,
    outcome: Annotated[Outcome, typer.Option("--outcome", help="approve or reject.")],
    reason: Annotated[str, typer.Option("--reason", help="Reviewer's note; on reject, the requester sees it.")],
    by: By = None,
    audit_db: AuditDb = DEFAULT_AUDIT_DB,
    lock_wait_ms: LockWait = 5000,
) -> None:
    """Approve or reject an escalation you claimed; the decision is written to the audit chain."""
    who = by or _login()
    done = "approved" if outcome is Outcome.approve else "rejected"
    try:
        if audit.get_escalation(audit_db, esc_id) is None:
            fail(f"no escalation {esc_id}")
        if review.get(audit_db, esc_id, busy_ms=lock_wait_ms) is None:  # no held draft: the escalation row only
            event_id = audit.resolve_escalation(audit_db, esc_id, outcome.value, reason, who, busy_ms=lock_wait_ms)
        else:
            sealer = review.load_sealer()
            event_id = review.decide(audit_db, sealer, esc_id, review.Actor(who, "cli", "cli"), done,
                                     note=reason if outcome is Outcome.reject else None, busy_ms=lock_wait_ms)
    except KeyError:
        fail(f"no escalation {esc_id}")
    except review.ReviewError as exc:
        fail(exc.message)
    except (ValueError, audit.AuditError, review.ReviewKeyError) as exc:
        fail(str(exc))
    typer.echo(f"escalation {esc_id} {done} by {who} (audit event {event_id})")


@app.command("keygen")
def esc_keygen() -> None:
    """Print a new review key (base64, 32 bytes) for PACKGATE_REVIEW_KEY or a key file."""
    typer.echo(review.new_key())


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "cli"
