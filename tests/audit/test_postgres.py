"""The PostgreSQL store on a real PostgreSQL 15: several writers extend one verifiable chain, the
migrations refuse a newer schema, the CLI reads and resolves through a URL, and an outage holds
events in memory (503 for the gateway) until the server is back."""

from __future__ import annotations

import threading

import psycopg
import pytest

from packgate.runtime import audit
from packgate.runtime.audit.postgres import SCHEMA_VERSION

from tests.harness import free_port

from .helpers import run_cli, sample_event


def test_writers_on_three_logs_extend_one_chain_that_verifies(pg_url: str) -> None:
    logs = [audit.AuditLog.open(pg_url) for _ in range(3)]
    ids: list[list[str]] = [[] for _ in logs]

    def write(i: int) -> None:
        for n in range(300):
            ids[i].append(logs[i].record(sample_event(n)))

    threads = [threading.Thread(target=write, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [log.close() for log in logs] == [0, 0, 0]
    stored = [e["id"] for e in audit.iter_events(pg_url)]
    assert sorted(stored) == sorted(i for chunk in ids for i in chunk)  # each exactly once
    res = audit.verify(pg_url)
    assert res.ok and res.checked == 900 and res.head_seq == 900
    out = run_cli("events", "verify", "--audit-db", pg_url)
    assert out.returncode == 0 and "audit chain ok: 900 events" in out.stdout


def test_verify_names_the_edited_row(pg_url: str) -> None:
    log = audit.AuditLog.open(pg_url)
    for n in range(5):
        log.record(sample_event(n))
    log.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE events SET body = replace(body, 'u-3', 'u-x') WHERE seq = 4")
    out = run_cli("events", "verify", "--audit-db", pg_url)
    assert out.returncode == 1 and "BROKEN at seq 4" in out.stderr


def test_a_newer_schema_is_refused_and_migrations_apply_once(pg_url: str) -> None:
    audit.AuditLog.open(pg_url).close()
    audit.AuditLog.open(pg_url).close()  # a second start (another replica) migrates nothing
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM packgate_schema").fetchone()[0] == SCHEMA_VERSION
        conn.execute("INSERT INTO packgate_schema(version, description) VALUES (99, 'from the future')")
    with pytest.raises(audit.AuditUnavailable, match="schema version 99, newer"):
        audit.AuditLog.open(pg_url)
    out = run_cli("events", "tail", "--audit-db", pg_url)
    assert out.returncode == 1 and "newer than this packgate" in out.stderr


def test_cli_lists_resolves_and_tails_through_a_url(pg_url: str) -> None:
    log = audit.AuditLog.open(pg_url)
    eid = log.record(sample_event(2))
    esc = log.open_escalation(eid, "behavioral-health-review-route", "u-2", "clinician", "human-oversight", "review")
    log.close()
    listed = run_cli("escalations", "list", "--status", "open", "--audit-db", pg_url)
    assert listed.returncode == 0 and esc in listed.stdout
    done = run_cli("escalations", "resolve", esc, "--outcome", "approve", "--reason", "ok", "--by", "dr-b", "--audit-db", pg_url)
    assert done.returncode == 0, done.stderr
    assert audit.get_escalation(pg_url, esc)["status"] == "approved"
    again = run_cli("escalations", "resolve", esc, "--outcome", "reject", "--reason", "no", "--by", "dr-c", "--audit-db", pg_url)
    assert again.returncode != 0 and "already approved" in again.stderr
    tail = run_cli("events", "tail", "--json", "--verdict", "escalation_resolved", "--audit-db", pg_url)
    assert '"escalation_id":"' + esc in tail.stdout.replace(" ", "")
    assert audit.verify(pg_url).ok


def test_an_unreachable_server_stops_start_up_with_one_line(pg_server) -> None:
    url = f"postgresql://packgate:s3cret@127.0.0.1:{free_port()}/x"
    with pytest.raises(audit.AuditUnavailable) as info:
        audit.AuditLog.open(url)
    assert "cannot open audit database" in str(info.value) and "s3cret" not in str(info.value)


def test_an_outage_holds_events_in_memory_until_the_server_is_back(pg_server, pg_url: str) -> None:
    log = audit.AuditLog.open(pg_url, retry_max_s=0.2)
    log.record(sample_event(0))
    assert log.flush(10)
    pg_server.stop()
    try:
        held = [log.record(sample_event(n)) for n in range(1, 20)]
        assert not log.flush(3)  # cannot be written now ...
        assert not log.healthy and log.pending == 19  # ... the gateway answers 503, nothing dropped
    finally:
        pg_server.start()
    assert log.flush(60) and log.healthy
    log.close()
    assert [e["id"] for e in audit.iter_events(pg_url)][1:] == held
    assert audit.verify(pg_url).ok


def test_what_cannot_be_written_at_shutdown_is_spooled_and_replayed(pg_server, pg_url: str, tmp_path,
                                                                     monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # the PostgreSQL spool lives in the working directory
    log = audit.AuditLog.open(pg_url, retry_max_s=0.2)
    pg_server.stop()
    try:
        ids = [log.record(sample_event(n)) for n in range(7)]
        assert log.close(timeout=1.0) == 7
        assert log.spool_path.is_file()
    finally:
        pg_server.start()
    audit.AuditLog.open(pg_url).close()
    assert [e["id"] for e in audit.iter_events(pg_url)] == ids and not log.spool_path.exists()
    assert audit.verify(pg_url).ok
