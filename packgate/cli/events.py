"""`packgate events ...` and `packgate escalations ...`: read, export and verify the audit log; work
the escalation queue.

Every failure (missing, corrupt or locked db; unknown id) is one line on stderr and exit 1 — never a
traceback. Read commands open the db read-only and never create it.
"""

from __future__ import annotations

import csv
import getpass
import re
import sqlite3
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Any, Iterator, Optional

import typer

from packgate.runtime import audit

AuditDb = typer.Option(audit.DEFAULT_AUDIT_DB, "--audit-db", help="Path of the audit SQLite database.")
LockWait = typer.Option(5000, "--lock-wait-ms", min=0, help="How long to wait for a locked db before failing.")

# Columns of `events export --format csv`: the indexed facts for spreadsheets, plus the exact hashed
# body and chain hashes so an export can be re-verified offline.
CSV_COLUMNS = ("seq", "id", "ts", "pack", "pack_version", "verdict", "status", "user_id", "role", "target",
               "reasons", "redactions", "escalation_id", "prompt_hmac", "prev_hash", "hash", "body")


class Fmt(str, Enum):
    csv = "csv"
    json = "json"


class Outcome(str, Enum):
    approve = "approve"
    reject = "reject"


class EscStatus(str, Enum):
    open = "open"
    approved = "approved"
    rejected = "rejected"


def _fail(message: str) -> None:
    typer.echo(f"packgate: {message}", err=True)
    raise typer.Exit(1)


def parse_since(text: str) -> str:
    """`10m`, `2h`, `1d`, `30s`, `1w` → the stored-format timestamp that long ago."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text)
    if not m:
        raise typer.BadParameter("use a number and a unit: 30s, 10m, 2h, 1d, 1w", param_hint="--since")
    factor = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[m.group(2)]
    return audit.ts_before(float(m.group(1)) * factor)


def _reasons_text(event: dict[str, Any]) -> str:
    return ", ".join(f"{r.get('policy')}:{r.get('code')}" for r in event.get("reasons") or [])


def _event_line(event: dict[str, Any]) -> str:
    return "  ".join(audit.safe_text(x) for x in (event["seq"], event["ts"], event.get("verdict"), event.get("status"),
                                      event.get("pack") or "-", event.get("user_id") or "-",
                                      event.get("role") or "-", event.get("target") or "-",
                                      _reasons_text(event) or "-", event["id"]))


def _print_table(events: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table(title=f"audit events ({len(events)})", show_lines=False)
    for col in ("seq", "ts", "verdict", "status", "pack", "user", "role", "target", "reasons", "id"):
        table.add_column(col, overflow="fold")
    for e in events:
        table.add_row(*_cells(str(e["seq"]), e["ts"], str(e.get("verdict")), str(e.get("status") or ""),
                              e.get("pack") or "", e.get("user_id") or "", e.get("role") or "", e.get("target") or "",
                              _reasons_text(e), e["id"]))
    _console().print(table)


def _cells(*values: Any) -> list[Any]:
    """Table cells as Rich `Text` (never parsed for markup), control characters escaped."""
    from rich.text import Text

    return [Text(audit.safe_text(v)) for v in values]


def _console():
    """Rich console; wide when piped so ids and timestamps are not folded."""
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 220)


def _dumps(obj: Any) -> str:
    return audit.safe_json(obj)


def _csv_row(event: dict[str, Any]) -> dict[str, str]:
    body = {k: v for k, v in event.items() if k not in ("seq", "prev_hash", "hash")}
    row = {}
    for col in CSV_COLUMNS:
        if col == "body":
            row[col] = audit.canonical_json(body)
        else:
            v = event.get(col)
            row[col] = "" if v is None else (audit.canonical_json(v) if isinstance(v, (dict, list)) else str(v))
    return {col: audit.csv_cell(cell) for col, cell in row.items()}


def _export(db: str, fmt: Fmt, out) -> int:
    n = 0
    events: Iterator[dict[str, Any]] = audit.iter_events(db)
    if fmt is Fmt.json:
        out.write("[")
        for e in events:
            out.write(("\n" if n == 0 else ",\n") + _dumps(e))
            n += 1
        out.write("\n]\n")
    else:
        w = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n", quoting=csv.QUOTE_ALL)  # a bare CR splits no row
        w.writeheader()
        for e in events:
            w.writerow(_csv_row(e))
            n += 1
    return n


def register(app: typer.Typer) -> None:
    """Mount `events` and `escalations` on the root `packgate` app."""
    events = typer.Typer(help="Read, export and verify the hash-chained audit log.", no_args_is_help=True)
    escalations = typer.Typer(help="The human-oversight escalation queue.", no_args_is_help=True)
    app.add_typer(events, name="events")
    app.add_typer(escalations, name="escalations")

    @events.command("tail")
    def tail(
        policy: Optional[str] = typer.Option(None, "--policy", help="Only events with a reason from this policy."),
        verdict: Optional[str] = typer.Option(None, "--verdict", help="Only this verdict (allowed, denied, ...)."),
        since: Optional[str] = typer.Option(None, "--since", help="Only events newer than 30s|10m|2h|1d|1w."),
        limit: int = typer.Option(20, "--limit", min=1, help="Newest N events."),
        follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new events (Ctrl-C stops)."),
        as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
        audit_db: str = AuditDb,
        poll: float = typer.Option(0.5, "--poll", hidden=True),
    ) -> None:
        """Show the latest audit events (newest last)."""
        cutoff = parse_since(since) if since else None
        try:
            rows = audit.query_events(audit_db, policy=policy, verdict=verdict, since=cutoff, limit=limit)
            if as_json:
                for e in rows:
                    typer.echo(_dumps(e))
            elif follow:
                for e in rows:
                    typer.echo(_event_line(e))
            else:
                _print_table(rows)
            if not follow:
                return
            last = rows[-1]["seq"] if rows else _last_seq(audit_db)
            while True:
                sys.stdout.flush()
                time.sleep(poll)
                for e in audit.query_events(audit_db, policy=policy, verdict=verdict, since=cutoff, after_seq=last):
                    typer.echo(_dumps(e) if as_json else _event_line(e))
                    last = e["seq"]
        except audit.AuditError as exc:
            _fail(str(exc))
        except BrokenPipeError:
            _quiet_broken_pipe()
        except KeyboardInterrupt:
            raise typer.Exit(0)

    @events.command("export")
    def export(
        fmt: Fmt = typer.Option(..., "--format", help="csv or json."),
        output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write here instead of stdout."),
        audit_db: str = AuditDb,
    ) -> None:
        """Export every event (with seq, prev_hash and hash) — run before a retention purge."""
        try:
            audit.connect_readonly(audit_db).close()
            if output is None:
                _export(audit_db, fmt, sys.stdout)
                return
            tmp = output.with_name(output.name + ".partial")
            with open(tmp, "w", encoding="utf-8", newline="") as f:
                n = _export(audit_db, fmt, f)
            tmp.replace(output)
            typer.echo(f"exported {n} events to {output}", err=True)
        except audit.AuditError as exc:
            _fail(str(exc))
        except BrokenPipeError:
            _quiet_broken_pipe()
        except OSError as exc:
            _fail(f"cannot write {output}: {exc.strerror or type(exc).__name__}")

    @events.command("verify")
    def verify(audit_db: str = AuditDb) -> None:
        """Check the hash chain; exit 1 naming the first bad seq on tampering."""
        try:
            res = audit.verify(audit_db)
        except audit.AuditError as exc:
            _fail(str(exc))
        if not res.ok:
            _fail(f"audit chain BROKEN at seq {res.bad_seq}: {res.problem} ({res.checked} events verified before it)")
        typer.echo(f"audit chain ok: {res.checked} events, head seq {res.head_seq}, head hash {res.head_hash}")

    @events.command("purge")
    def purge_cmd(
        older_than_days: float = typer.Option(..., "--older-than-days", min=0, help="Retention in days."),
        yes: bool = typer.Option(False, "--yes", help="Confirm: events were exported first."),
        audit_db: str = AuditDb,
        lock_wait_ms: int = LockWait,
    ) -> None:
        """Delete events older than the retention period, re-anchoring the chain (export first)."""
        if not yes:
            _fail("purge deletes audit events: run `packgate events export` first, then pass --yes")
        try:
            n = audit.purge(audit_db, older_than_days, busy_ms=lock_wait_ms)
        except audit.AuditError as exc:
            _fail(str(exc))
        typer.echo(f"purged {n} events; chain re-anchored")

    @escalations.command("list")
    def esc_list(
        status: Optional[EscStatus] = typer.Option(None, "--status", help="open, approved or rejected."),
        as_json: bool = typer.Option(False, "--json", help="JSON array."),
        audit_db: str = AuditDb,
    ) -> None:
        """List escalations, oldest first."""
        try:
            rows = audit.list_escalations(audit_db, status.value if status else None)
        except audit.AuditError as exc:
            _fail(str(exc))
        if as_json:
            typer.echo(_dumps(rows))
            return
        from rich.table import Table

        table = Table(title=f"escalations ({len(rows)})")
        for col in ("id", "ts", "status", "pack", "user", "role", "policy", "reason", "event_id"):
            table.add_column(col, overflow="fold")
        for r in rows:
            table.add_row(*_cells(r["id"], r["ts"], r["status"], r["pack"] or "", r["user_id"] or "", r["role"] or "",
                                  r["policy"] or "", r["reason"] or "", r["event_id"]))
        _console().print(table)

    @escalations.command("show")
    def esc_show(
        esc_id: str = typer.Argument(..., metavar="ID"),
        as_json: bool = typer.Option(False, "--json"),
        audit_db: str = AuditDb,
    ) -> None:
        """Show one escalation."""
        try:
            row = audit.get_escalation(audit_db, esc_id)
        except audit.AuditError as exc:
            _fail(str(exc))
        if row is None:
            _fail(f"no escalation {esc_id}")
        if as_json:
            typer.echo(_dumps(row))
            return
        for k in audit.ESCALATION_COLUMNS:
            typer.echo(f"{k:15} {audit.safe_text(row[k])}")

    @escalations.command("resolve")
    def esc_resolve(
        esc_id: str = typer.Argument(..., metavar="ID"),
        outcome: Outcome = typer.Option(..., "--outcome", help="approve or reject."),
        reason: str = typer.Option(..., "--reason", help="Reviewer's note (no PHI)."),
        by: Optional[str] = typer.Option(None, "--by", help="Reviewer id (default: login name)."),
        audit_db: str = AuditDb,
        lock_wait_ms: int = LockWait,
    ) -> None:
        """Approve or reject an open escalation; the decision is written to the audit chain."""
        who = by or _login()
        try:
            event_id = audit.resolve_escalation(audit_db, esc_id, outcome.value, reason, who, busy_ms=lock_wait_ms)
        except KeyError:
            _fail(f"no escalation {esc_id}")
        except ValueError as exc:
            _fail(str(exc))
        except audit.AuditError as exc:
            _fail(str(exc))
        done = "approved" if outcome is Outcome.approve else "rejected"
        typer.echo(f"escalation {esc_id} {done} by {who} (audit event {event_id})")


def _quiet_broken_pipe() -> None:
    """`... | head`: stop quietly (and keep Python from complaining at exit)."""
    import os

    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    raise typer.Exit(0)


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "cli"


def _last_seq(db: str) -> int:
    conn = audit.connect_readonly(db)
    try:
        return conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
    except sqlite3.Error as exc:
        raise audit.AuditError(f"cannot read audit database {db}: {exc}") from None
    finally:
        conn.close()
