"""The `events` and `escalations` commands, in-process through CliRunner (`--follow` as a subprocess)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from packgate.runtime import audit

from tests.audit.helpers import sample_event
from tests.harness import PACKGATE, run_cli


def _stored(db: Path) -> list[dict]:
    conn = sqlite3.connect(db)
    try:
        return [json.loads(r[0]) | {"seq": r[1], "prev_hash": r[2], "hash": r[3]}
                for r in conn.execute("SELECT body, seq, prev_hash, hash FROM events ORDER BY seq")]
    finally:
        conn.close()


def test_export_json_round_trip(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "e.json"
    cp = run_cli("events", "export", "--format", "json", "-o", str(out), "--audit-db", str(db))
    assert cp.returncode == 0, cp.stderr
    exported = json.loads(out.read_text())
    assert exported == _stored(db) and len(exported) == 10
    # the export is self-verifying: recompute the chain from it alone
    prev = audit.GENESIS_HASH
    for e in exported:
        body = audit.canonical_json({k: v for k, v in e.items() if k not in ("seq", "prev_hash", "hash")})
        assert e["prev_hash"] == prev and audit.chain_hash(prev, body) == e["hash"]
        prev = e["hash"]
    stdout = run_cli("events", "export", "--format", "json", "--audit-db", str(db))
    assert json.loads(stdout.stdout) == exported


def test_export_csv_round_trip(db: Path) -> None:
    cp = run_cli("events", "export", "--format", "csv", "--audit-db", str(db))
    assert cp.returncode == 0, cp.stderr
    rows = list(csv.DictReader(io.StringIO(cp.stdout)))
    stored = _stored(db)
    assert len(rows) == 10
    for row, e in zip(rows, stored):
        body = {k: v for k, v in e.items() if k not in ("seq", "prev_hash", "hash")}
        assert json.loads(row["body"]) == body
        assert row["body"] == audit.canonical_json(body)
        assert (int(row["seq"]), row["id"], row["verdict"], int(row["status"]), row["hash"]) == \
            (e["seq"], e["id"], e["verdict"], e["status"], e["hash"])
        assert json.loads(row["reasons"]) == e["reasons"]


def test_tail_filters(db: Path) -> None:
    def tail(*args: str) -> list[dict]:
        cp = run_cli("events", "tail", "--json", "--audit-db", str(db), *args)
        assert cp.returncode == 0, cp.stderr
        return [json.loads(line) for line in cp.stdout.splitlines()]

    assert [e["seq"] for e in tail()] == list(range(1, 11))
    assert [e["seq"] for e in tail("--limit", "3")] == [8, 9, 10]
    assert [e["seq"] for e in tail("--policy", "rbac")] == [1, 4, 7, 10]
    assert [e["seq"] for e in tail("--verdict", "denied")] == [2, 5, 8]
    assert [e["seq"] for e in tail("--policy", "rbac", "--verdict", "denied")] == []
    assert len(tail("--since", "1h")) == 10
    conn = sqlite3.connect(db)
    old_ts = conn.execute("SELECT ts FROM events WHERE seq=1").fetchone()[0]
    conn.close()
    assert old_ts >= audit.ts_before(3600)
    table = run_cli("events", "tail", "--audit-db", str(db), "--limit", "2")
    assert table.returncode == 0 and "audit events (2)" in table.stdout and "human-oversight:code_8" in table.stdout
    bad = run_cli("events", "tail", "--since", "ten minutes", "--audit-db", str(db))
    assert bad.returncode != 0 and "Traceback" not in bad.stderr


def test_tail_follow_prints_new_events(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    log = audit.AuditLog.open(db)
    log.record(sample_event(0))
    assert log.flush(5)
    proc = subprocess.Popen([*PACKGATE, "events", "tail", "--follow", "--json",
                             "--poll", "0.05", "--audit-db", str(db)], stdout=subprocess.PIPE, text=True)
    try:
        first = json.loads(proc.stdout.readline())
        new_id = log.record(sample_event(1))
        assert log.flush(5)
        second = json.loads(proc.stdout.readline())
        assert (first["seq"], second["seq"], second["id"]) == (1, 2, new_id)
    finally:
        proc.terminate()
        proc.wait(5)
        log.close()


_CMDS = {
    "tail": ["events", "tail"], "verify": ["events", "verify"], "export": ["events", "export", "--format", "csv"],
    "list": ["escalations", "list"], "show": ["escalations", "show", "esc_x"],
    "resolve": ["escalations", "resolve", "esc_x", "--outcome", "approve", "--reason", "r"],
}
_CASES = [("missing", c) for c in _CMDS] + [("corrupt", c) for c in ("tail", "verify", "export", "resolve")] \
    + [("not_ours", c) for c in ("verify", "list")]


@pytest.mark.parametrize("state,cmd", _CASES)
def test_bad_db_is_one_line_error(tmp_path: Path, state: str, cmd: str) -> None:
    db = tmp_path / "x.db"
    if state == "corrupt":
        db.write_bytes(b"this is not sqlite" * 100)
    elif state == "not_ours":
        sqlite3.connect(db).execute("CREATE TABLE t(x)").connection.close()
    cp = run_cli(*_CMDS[cmd], "--audit-db", str(db))
    assert cp.returncode == 1
    lines = cp.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("packgate: "), cp.stderr
    assert "Traceback" not in cp.stderr + cp.stdout
    if state == "missing":
        assert not db.exists()  # read commands never create a db


def test_locked_db_resolve_is_one_line_error(db: Path) -> None:
    log = audit.AuditLog.open(db)
    esc = log.open_escalation(audit.new_event_id(), "p", "u", "r", "human-oversight", "escalated")
    log.close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        cp = run_cli("escalations", "resolve", esc, "--outcome", "approve", "--reason", "fine",
                     "--lock-wait-ms", "100", "--audit-db", str(db))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert cp.returncode == 1 and "locked" in cp.stderr and len(cp.stderr.strip().splitlines()) == 1
    assert audit.get_escalation(db, esc)["status"] == "open"


def test_escalation_list_show_resolve(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    log = audit.AuditLog.open(db)
    eids = [audit.new_event_id() for _ in range(2)]
    escs = []
    for i, eid in enumerate(eids):
        esc = log.open_escalation(eid, "behavioral-health-review-route", f"u-{i}", "clinician", "human-oversight",
                                  "escalated")
        log.record({**sample_event(2), "id": eid, "escalation_id": esc})
        escs.append(esc)
    log.close()
    assert all(e.startswith("esc_") for e in escs)

    cp = run_cli("escalations", "list", "--status", "open", "--json", "--audit-db", str(db))
    assert cp.returncode == 0, cp.stderr
    assert [r["id"] for r in json.loads(cp.stdout)] == escs
    table = run_cli("escalations", "list", "--audit-db", str(db))
    assert table.returncode == 0 and escs[0] in table.stdout

    show = run_cli("escalations", "show", escs[0], "--json", "--audit-db", str(db))
    row = json.loads(show.stdout)
    assert (row["event_id"], row["status"], row["user_id"], row["policy"]) == (eids[0], "open", "u-0", "human-oversight")

    res = run_cli("escalations", "resolve", escs[0], "--outcome", "reject", "--reason", "unsafe advice",
                  "--by", "dr-lee", "--audit-db", str(db))
    assert res.returncode == 0 and "rejected by dr-lee" in res.stdout, res.stderr
    again = run_cli("escalations", "resolve", escs[0], "--outcome", "approve", "--reason", "x", "--audit-db", str(db))
    assert again.returncode == 1 and "already rejected" in again.stderr
    unknown = run_cli("escalations", "resolve", "esc_nope", "--outcome", "approve", "--reason", "x",
                      "--audit-db", str(db))
    assert unknown.returncode == 1 and "no escalation esc_nope" in unknown.stderr
    missing = run_cli("escalations", "show", "esc_nope", "--audit-db", str(db))
    assert missing.returncode == 1 and "no escalation" in missing.stderr

    row = audit.get_escalation(db, escs[0])
    assert (row["status"], row["resolved_by"], row["outcome_reason"]) == ("rejected", "dr-lee", "unsafe advice")
    assert row["resolved_at"].endswith("Z")
    assert [r["id"] for r in audit.list_escalations(db, "open")] == [escs[1]]
    # the resolution is in the chain, and carries no reviewer text
    events = audit.query_events(db)
    last = events[-1]
    assert (last["verdict"], last["escalation_id"], last["related_event_id"], last["outcome"], last["user_id"]) == \
        ("escalation_resolved", escs[0], eids[0], "rejected", "dr-lee")
    assert "unsafe advice" not in json.dumps(events)
    assert audit.verify(db).ok and len(events) == 3


def test_library_escalation_methods_see_unflushed_rows(tmp_path: Path) -> None:
    log = audit.AuditLog.open(tmp_path / "a.db")
    esc = log.open_escalation("e1", "p", "u", "r", "human-oversight", "escalated")
    assert log.get_escalation(esc)["status"] == "open"
    assert [r["id"] for r in log.list_escalations("open")] == [esc]
    log.resolve(esc, "approve", "ok", "rev")
    assert log.get_escalation(esc)["status"] == "approved"
    with pytest.raises(ValueError):
        log.resolve(esc, "approve", "ok", "rev")
    with pytest.raises(KeyError):
        log.resolve("esc_missing", "approve", "ok", "rev")
    log.close()



HOSTILE_USER = "u-1\x1b[2J\x1b[31mFORGED\r\n99  2026-01-01  allowed\u202e\x9b2K\x07"
ESCAPED_USER = "u-1\\x1b[2J\\x1b[31mFORGED\\r\\n99  2026-01-01  allowed\\u202e\\x9b2K\\x07"
MARKUP_ROLE = "[bold red]X[/bold red]"
MARKUP_TARGET = "[link=http://e.x]y[/link]"


def _hostile_db(tmp_path: Path) -> Path:
    db = tmp_path / "hostile.db"
    log = audit.AuditLog.open(db)
    log.record(sample_event(0, user_id=HOSTILE_USER, role=MARKUP_ROLE, target=MARKUP_TARGET))
    log.record(sample_event(1, user_id="=HYPERLINK(\"http://evil.example\",\"x\")", role="+1+cmd|' /C calc'!A0",
                            target="-2+3", escalation_id="@SUM(1+1)"))
    log.record(sample_event(2, user_id="\tleading-tab", role="\r=cr"))
    assert log.close() == 0
    return db


def _no_raw_controls(text: str) -> None:
    body = text.replace("\n", "")  # the command's own line ends
    assert not any(ch in body for ch in "\x1b\r\x07\x9b\u202e"), repr(text)


@pytest.mark.parametrize("mode", [["--json"], ["--json", "--follow"], ["--follow"]])
def test_tail_lines_escape_control_characters(tmp_path: Path, mode: list[str]) -> None:
    db = _hostile_db(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "packgate", "events", "tail", *mode, "--poll", "0.05",
                             "--audit-db", str(db)], stdout=subprocess.PIPE)
    try:
        lines = [proc.stdout.readline().decode() for _ in range(3)]
    finally:
        proc.terminate()
        proc.wait(5)
    assert all(line.endswith("\n") and line.count("\n") == 1 for line in lines), lines
    _no_raw_controls("".join(lines))
    if "--json" in mode:
        first = json.loads(lines[0])
        assert (first["user_id"], first["role"]) == (HOSTILE_USER, MARKUP_ROLE)  # escaped, not altered
    else:
        assert ESCAPED_USER in lines[0]


def test_tail_table_escapes_controls_and_shows_markup_as_text(tmp_path: Path) -> None:
    db = _hostile_db(tmp_path)
    cp = subprocess.run([sys.executable, "-m", "packgate", "events", "tail", "--audit-db", str(db)],
                        capture_output=True, timeout=20)
    assert cp.returncode == 0, cp.stderr
    out = cp.stdout.decode()
    _no_raw_controls(out)
    assert MARKUP_ROLE in out and MARKUP_TARGET in out  # shown literally, not interpreted
    assert "\\x1b[2J" in out


def test_csv_export_neutralises_formula_cells(tmp_path: Path) -> None:
    db = _hostile_db(tmp_path)
    cp = subprocess.run([sys.executable, "-m", "packgate", "events", "export", "--format", "csv", "--audit-db", str(db)],
                        capture_output=True, timeout=20)
    assert cp.returncode == 0, cp.stderr
    rows = list(csv.DictReader(io.StringIO(cp.stdout.decode(), newline="")))
    assert len(rows) == 3
    for row in rows:
        for col, cell in row.items():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (col, cell)
    assert rows[1]["user_id"] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert rows[1]["role"] == "'+1+cmd|' /C calc'!A0"
    assert rows[1]["target"] == "'-2+3" and rows[1]["escalation_id"] == "'@SUM(1+1)"
    assert (rows[2]["user_id"], rows[2]["role"]) == ("'\tleading-tab", "'\r=cr")
    assert json.loads(rows[1]["body"])["user_id"] == "=HYPERLINK(\"http://evil.example\",\"x\")"  # body verifies


def test_tail_names_the_header_or_tool_a_reason_is_about(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    log = audit.AuditLog.open(db)
    log.record(sample_event(0, verdict="denied", status=401, reasons=[
        {"policy": "rbac", "code": "missing_header", "status": 401, "param": "X-User-ID"},
        {"policy": "rbac", "code": "tool_not_allowed", "status": 403, "param": "draft_letter"},
        {"policy": "rbac", "code": "unknown_role", "status": 403, "param": None}]))
    assert log.close() == 0
    shown = "rbac:missing_header(X-User-ID), rbac:tool_not_allowed(draft_letter), rbac:unknown_role"
    table = run_cli("events", "tail", "--audit-db", str(db))
    assert table.returncode == 0
    reasons_column = [line.split("│")[9].strip() for line in table.stdout.splitlines() if line.startswith("│")]
    assert " ".join(part for part in reasons_column if part).replace(", ", ",").replace(",", ", ") == shown
