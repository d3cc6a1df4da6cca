"""`packgate events ...`: read, export, verify and purge the hash-chained audit log.

Every failure (missing, corrupt or locked db) is one line on stderr and exit 1, never a traceback.
Read commands open the db read-only and never create it.
"""

from __future__ import annotations

import csv
import os
import re
import sys
import time
from enum import Enum
from pathlib import Path
from typing import IO, Annotated, Any, Iterator, NoReturn, Optional

import typer

from packgate.runtime import audit

from .errors import fail
from .options import DEFAULT_AUDIT_DB, AuditDb, LockWait, cells, console, dumps

app = typer.Typer(name="events", help="Read, export and verify the hash-chained audit log.", no_args_is_help=True)

# Columns of `events export --format csv`: the indexed facts for spreadsheets, plus the exact hashed
# body and chain hashes so an export can be re-verified offline.
CSV_COLUMNS = ("seq", "id", "ts", "pack", "pack_version", "verdict", "status", "user_id", "role", "target",
               "reasons", "redactions", "escalation_id", "prompt_hmac", "prev_hash", "hash", "body")


class Fmt(str, Enum):
    csv = "csv"
    json = "json"


def parse_since(text: str) -> str:
    """`10m`, `2h`, `1d`, `30s`, `1w` → the stored-format timestamp that long ago."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text)
    if not m:
        raise typer.BadParameter("use a number and a unit: 30s, 10m, 2h, 1d, 1w", param_hint="--since")
    factor = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[m.group(2)]
    return audit.ts_before(float(m.group(1)) * factor)


def _reasons_text(event: dict[str, Any]) -> str:
    """`policy:code(param)`: the param names the header, tool or field a reason is about (missing_header(X-User-ID)).

    A bundle_activated / bundle_rejected event shows what went live, or why not.
    """
    bundle = event.get("bundle")
    if isinstance(bundle, dict):
        facts = [f"{k} {bundle[k]}" for k in ("trigger", "signer", "approved_by", "ticket") if bundle.get(k)]
        revision = bundle.get("revision")
        if isinstance(revision, str):
            facts.insert(1, f"revision {revision[:12]}")
        facts += [str(e) for e in (bundle.get("errors") or [])[:1]]
        return "; ".join(facts)
    return ", ".join(f"{r.get('policy')}:{r.get('code')}" + (f"({r['param']})" if r.get("param") else "")
                     for r in event.get("reasons") or [])


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
        table.add_row(*cells(str(e["seq"]), e["ts"], str(e.get("verdict")), str(e.get("status") or ""),
                             e.get("pack") or "", e.get("user_id") or "", e.get("role") or "", e.get("target") or "",
                             _reasons_text(e), e["id"]))
    console().print(table)


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


def _export(db: str, fmt: Fmt, out: IO[str]) -> int:
    n = 0
    events: Iterator[dict[str, Any]] = audit.iter_events(db)
    if fmt is Fmt.json:
        out.write("[")
        for e in events:
            out.write(("\n" if n == 0 else ",\n") + dumps(e))
            n += 1
        out.write("\n]\n")
    else:
        w = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n", quoting=csv.QUOTE_ALL)  # a bare CR splits no row
        w.writeheader()
        for e in events:
            w.writerow(_csv_row(e))
            n += 1
    return n


@app.command("tail")
def tail(
    policy: Annotated[Optional[str], typer.Option("--policy", help="Only events with a reason from this policy.")] = None,
    verdict: Annotated[Optional[str], typer.Option("--verdict", help="Only this verdict (allowed, denied, ...).")] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="Only events newer than 30s|10m|2h|1d|1w.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Newest N events.")] = 20,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new events (Ctrl-C stops).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    audit_db: AuditDb = DEFAULT_AUDIT_DB,
    poll: Annotated[float, typer.Option("--poll", hidden=True)] = 0.5,
) -> None:
    """Show the latest audit events (newest last)."""
    cutoff = parse_since(since) if since else None
    try:
        rows = audit.query_events(audit_db, policy=policy, verdict=verdict, since=cutoff, limit=limit)
        if as_json:
            for e in rows:
                typer.echo(dumps(e))
        elif follow:
            for e in rows:
                typer.echo(_event_line(e))
        else:
            _print_table(rows)
        if not follow:
            return
        last = rows[-1]["seq"] if rows else audit.last_seq(audit_db)
        while True:
            sys.stdout.flush()
            time.sleep(poll)
            for e in audit.query_events(audit_db, policy=policy, verdict=verdict, since=cutoff, after_seq=last):
                typer.echo(dumps(e) if as_json else _event_line(e))
                last = e["seq"]
    except audit.AuditError as exc:
        fail(str(exc))
    except BrokenPipeError:
        _quiet_broken_pipe()
    except KeyboardInterrupt:
        raise typer.Exit(0)


@app.command("export")
def export(
    fmt: Annotated[Fmt, typer.Option("--format", help="csv or json.")],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Write here instead of stdout.")] = None,
    audit_db: AuditDb = DEFAULT_AUDIT_DB,
) -> None:
    """Export every event (with seq, prev_hash and hash) — run before a retention purge."""
    try:
        audit.check_readable(audit_db)
        if output is None:
            _export(audit_db, fmt, sys.stdout)
            return
        tmp = output.with_name(output.name + ".partial")
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            n = _export(audit_db, fmt, f)
        tmp.replace(output)
        typer.echo(f"exported {n} events to {output}", err=True)
    except audit.AuditError as exc:
        fail(str(exc))
    except BrokenPipeError:
        _quiet_broken_pipe()
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or type(exc).__name__}")


@app.command("verify")
def verify(audit_db: AuditDb = DEFAULT_AUDIT_DB) -> None:
    """Check the hash chain; exit 1 naming the first bad seq on tampering."""
    try:
        res = audit.verify(audit_db)
    except audit.AuditError as exc:
        fail(str(exc))
    if not res.ok:
        fail(f"audit chain BROKEN at seq {res.bad_seq}: {res.problem} ({res.checked} events verified before it)")
    typer.echo(f"audit chain ok: {res.checked} events, head seq {res.head_seq}, head hash {res.head_hash}")


@app.command("purge")
def purge_cmd(
    older_than_days: Annotated[float, typer.Option("--older-than-days", min=0, help="Retention in days.")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: events were exported first.")] = False,
    audit_db: AuditDb = DEFAULT_AUDIT_DB,
    lock_wait_ms: LockWait = 5000,
) -> None:
    """Delete events older than the retention period, re-anchoring the chain (export first)."""
    if not yes:
        fail("purge deletes audit events: run `packgate events export` first, then pass --yes")
    try:
        n = audit.purge(audit_db, older_than_days, busy_ms=lock_wait_ms)
    except audit.AuditError as exc:
        fail(str(exc))
    typer.echo(f"purged {n} events; chain re-anchored")


def _quiet_broken_pipe() -> NoReturn:
    """`... | head`: stop quietly (and keep Python from complaining at exit)."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    raise typer.Exit(0)
